"""A local stand-in for the Telegram Bot API, for end-to-end tests, benchmarks and a playground.

``BotApiStandIn`` is an aiohttp server on 127.0.0.1 that answers ``/bot<token>/<method>`` the
way Telegram does, closely enough for python-telegram-bot to run against it unchanged (point
``TELEGRAM_API_URL`` at :attr:`BotApiStandIn.url`). It

* keeps every message the bot sends, edits or deletes, per chat, with Telegram's own checks
  (empty or too long texts, unparsable HTML, "message is not modified", stale callback queries);
* plays the chat user: :meth:`~BotApiStandIn.user_text` and :meth:`~BotApiStandIn.user_tap`
  queue the updates that ``getUpdates`` (long polling included) delivers;
* lets a test wait for what the bot does next (:meth:`~BotApiStandIn.wait_for_call`,
  :meth:`~BotApiStandIn.wait_for_bot_message`, :meth:`~BotApiStandIn.wait_idle`);
* injects Telegram's failures per chat (blocked by the user, flood wait, server errors) and an
  optional global rate limit.

Everything runs on one asyncio loop; the user-side methods are synchronous and meant to be
called from the test's coroutine. Only aiohttp and the standard library are used.
"""

from __future__ import annotations

import asyncio
import html
import itertools
import json
import logging
import mimetypes
import re
import struct
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, TypeVar

from aiohttp import web

__all__ = ["BotApiStandIn", "StoredMessage", "UploadedFile"]

_LOGGER = logging.getLogger(__name__)
_T = TypeVar("_T")

MAX_MESSAGE_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
MAX_CALLBACK_DATA_BYTES = 64
MAX_CALLBACK_ANSWER_LENGTH = 200
MAX_LONG_POLL_SECONDS = 30.0
MAX_UPLOAD_BYTES = 64 * 1024 * 1024

NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)
QUERY_TOO_OLD = "Bad Request: query is too old and response timeout expired or query ID is invalid"

# Form fields whose values are free text or opaque ids: never coerced to numbers, booleans or JSON.
_TEXT_FIELDS = frozenset(
    [
        "text",
        "caption",
        "data",
        "callback_query_id",
        "inline_message_id",
        "description",
        "short_description",
        "name",
        "title",
        "url",
        "parse_mode",
        "first_name",
        "last_name",
        "username",
        "query",
        "emoji",
        "action",
        "secret_token",
        "file_id",
        "language_code",
        "question",
        "explanation",
        "address",
        "switch_inline_query",
        "business_connection_id",
        "message_effect_id",
        "ip_address",
        "photo",
        "document",
        "sticker",
        "video",
        "audio",
        "animation",
        "voice",
        "video_note",
        "thumbnail",
        "cover",
    ]
)
_INT_RE = re.compile(r"-?\d+")
_FLOAT_RE = re.compile(r"-?\d+\.\d*")
_BUTTON_ACTIONS = frozenset(
    [
        "callback_data",
        "url",
        "web_app",
        "login_url",
        "switch_inline_query",
        "switch_inline_query_current_chat",
        "switch_inline_query_chosen_chat",
        "copy_text",
        "callback_game",
        "pay",
    ]
)
_HTML_TAGS = frozenset(
    [
        "b",
        "strong",
        "i",
        "em",
        "u",
        "ins",
        "s",
        "strike",
        "del",
        "span",
        "tg-spoiler",
        "a",
        "code",
        "pre",
        "blockquote",
        "tg-emoji",
        "tg-time",
    ]
)
_HTML_TAG_RE = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)(\s[^<>]*)?>")
_MDV2_RESERVED = frozenset("#+-={}.!()>")
_MDV2_MARKERS = frozenset("*_~|[]")


@dataclass
class UploadedFile:
    """A file part of a multipart request, as it appears in the recorded call parameters."""

    filename: str | None
    content_type: str | None
    data: bytes = field(repr=False)

    @property
    def size(self) -> int:
        return len(self.data)


@dataclass
class StoredMessage:
    """One message in a chat, as the stand-in keeps it (mutated in place on edits)."""

    chat_id: int
    message_id: int
    from_bot: bool
    text: str | None  # text, or caption for photo/document
    reply_markup: dict[str, Any] | None  # {"inline_keyboard": [[{...}]]} or None
    photo: bytes | None
    document: bytes | None
    document_name: str | None
    date: int
    deleted: bool = False
    edits: int = 0
    # Beyond the contract: what Telegram also knows about the message.
    parse_mode: str | None = field(default=None, kw_only=True)
    entities: list[dict[str, Any]] | None = field(default=None, kw_only=True)
    edit_date: int | None = field(default=None, kw_only=True)
    sender_id: int | None = field(default=None, kw_only=True)  # the user, for user messages
    file_id: str | None = field(default=None, kw_only=True)  # of the photo or document
    mime_type: str | None = field(default=None, kw_only=True)  # of the document
    reply_keyboard: dict[str, Any] | None = field(default=None, kw_only=True)  # non-inline markup

    def buttons(self) -> list[dict[str, Any]]:
        """All inline buttons, row by row, as one flat list (empty without a keyboard)."""
        if not self.reply_markup:
            return []
        rows = self.reply_markup.get("inline_keyboard") or []
        return [button for row in rows for button in row]

    def button_labels(self) -> list[str]:
        return [str(button.get("text", "")) for button in self.buttons()]


@dataclass
class _StoredFile:
    file_id: str
    unique_id: str
    path: str
    data: bytes
    name: str | None
    mime_type: str | None


@dataclass
class _FaultRule:
    chat_id: int
    status: int
    remaining: int
    retry_after: int | None
    methods: frozenset[str] | None
    description: str | None


class _ApiError(Exception):
    """An error answer: HTTP status plus Telegram's JSON error body."""

    def __init__(
        self, status: int, description: str, parameters: dict[str, Any] | None = None
    ) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.status,
            "description": self.description,
        }
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def _bad(description: str) -> _ApiError:
    return _ApiError(400, f"Bad Request: {description}")


def _method_key(name: str) -> str:
    """Telegram treats method names case-insensitively; also accept snake_case here."""
    return name.replace("_", "").lower()


def _coerce(key: str, value: Any) -> Any:
    """Turn form strings into what Telegram would read: JSON objects, numbers, booleans."""
    if isinstance(value, bytes | bytearray):
        value = bytes(value).decode("utf-8", "replace")
    if not isinstance(value, str) or key in _TEXT_FIELDS:
        return value
    stripped = value.strip()
    if stripped[:1] in ("{", "["):
        try:
            return json.loads(stripped)
        except ValueError:
            return value
    if stripped in ("true", "false"):
        return stripped == "true"
    if _INT_RE.fullmatch(stripped):
        return int(stripped)
    if _FLOAT_RE.fullmatch(stripped):
        return float(stripped)
    return value


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8"))


def _html_plain_text(text: str) -> str:
    """Validate Telegram-flavoured HTML the way the Bot API does and return the visible text."""
    out: list[str] = []
    stack: list[str] = []
    index = 0
    while index < len(text):
        char = text[index]
        if char != "<":
            out.append(char)
            index += 1
            continue
        offset = _byte_offset(text, index)
        match = _HTML_TAG_RE.match(text, index)
        if match is None:
            raise _bad(f"can't parse entities: Unsupported start tag at byte offset {offset}")
        closing, name = match.group(1) == "/", match.group(2).lower()
        if name not in _HTML_TAGS:
            kind = "end" if closing else "start"
            raise _bad(
                f'can\'t parse entities: Unsupported {kind} tag "{name}" at byte offset {offset}'
            )
        if not closing:
            stack.append(name)
        elif not stack:
            raise _bad(f"can't parse entities: Unexpected end tag at byte offset {offset}")
        elif stack[-1] != name:
            raise _bad(
                f"can't parse entities: Unmatched end tag at byte offset {offset}, "
                f'expected "</{stack[-1]}>", found "</{name}>"'
            )
        else:
            stack.pop()
        index = match.end()
    if stack:
        raise _bad(
            f"can't parse entities: Can't find end tag corresponding to start tag \"{stack[-1]}\""
        )
    return html.unescape("".join(out))


def _markdown_v2_plain_text(text: str) -> str:
    """Check MarkdownV2's reserved characters (the usual failure) and return the visible text.

    Entity balance is not checked; escaping outside code, pre and link targets is.
    """
    out: list[str] = []
    index, length = 0, len(text)
    in_code = in_pre = False
    while index < length:
        char = text[index]
        if char == "\\":
            if index + 1 >= length:
                raise _bad("can't parse entities: Character '\\' is reserved")
            out.append(text[index + 1])
            index += 2
            continue
        if in_pre:
            if text.startswith("```", index):
                in_pre = False
                index += 3
            else:
                out.append(char)
                index += 1
            continue
        if in_code:
            if char == "`":
                in_code = False
            else:
                out.append(char)
            index += 1
            continue
        if text.startswith("```", index):
            in_pre = True
            index += 3
            continue
        if char == "`":
            in_code = True
            index += 1
            continue
        if char == "]" and text.startswith("(", index + 1):
            # A link or custom emoji target: only ")" and "\" need escaping inside.
            end = index + 2
            while end < length and text[end] != ")":
                end += 2 if text[end] == "\\" else 1
            if end >= length:
                raise _bad(
                    "can't parse entities: Can't find end of a url at byte offset "
                    f"{_byte_offset(text, index)}"
                )
            index = end + 1
            continue
        if char in _MDV2_MARKERS:
            index += 1
            continue
        line_start = text.rfind("\n", 0, index) + 1
        if char == ">" and text[line_start:index] in ("", "**"):
            index += 1  # a block quotation
            continue
        if char == "!" and text.startswith("[", index + 1):
            index += 1  # a custom emoji
            continue
        if char in _MDV2_RESERVED:
            raise _bad(
                f"can't parse entities: Character '{char}' is reserved and must be escaped "
                "with the preceding '\\'"
            )
        out.append(char)
        index += 1
    if in_code or in_pre:
        raise _bad("can't parse entities: Can't find end of Code entity")
    return "".join(out)


def _visible_text(text: str, parse_mode: str | None) -> str:
    mode = (parse_mode or "").lower()
    if mode == "html":
        return _html_plain_text(text)
    if mode == "markdownv2":
        return _markdown_v2_plain_text(text)
    if mode and mode != "markdown":
        raise _bad(f"unsupported parse_mode {parse_mode!r}")
    return text


def _utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _image_size(data: bytes) -> tuple[int, int]:
    """Width and height of a PNG or JPEG; a plausible default for anything else."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return int(width), int(height)
    if data.startswith(b"\xff\xd8"):
        index = 2
        while index + 9 < len(data):
            if data[index] != 0xFF:
                break
            marker = data[index + 1]
            (segment,) = struct.unpack(">H", data[index + 2 : index + 4])
            if marker in (0xC0, 0xC1, 0xC2):
                height, width = struct.unpack(">HH", data[index + 5 : index + 9])
                return int(width), int(height)
            index += 2 + segment
    return 800, 600


class BotApiStandIn:
    """An in-process Telegram Bot API for one bot token; see the module docstring."""

    def __init__(
        self,
        token: str,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        bot_id: int = 7000001,
        bot_username: str = "mobility_test_bot",
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.token = token
        self.clock = clock  # seconds since the epoch, for message dates (the playground's)
        self.host = host
        self.bot_id = bot_id
        self.bot_username = bot_username
        words = bot_username.removesuffix("_bot").split("_")
        self.bot_first_name = " ".join(word.capitalize() for word in words if word) or "Bot"
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.commands: list[dict[str, Any]] = []
        self.messages: dict[tuple[int, int], StoredMessage] = {}
        self.answered_callbacks: dict[str, dict[str, Any]] = {}
        self.rate_limit_per_second: float | None = None
        self.subscribers: list[Callable[[str, StoredMessage], None]] = []
        self.webhook_url = ""

        self._requested_port = port
        self._port: int | None = None
        self._runner: web.AppRunner | None = None
        self._closing = False
        self._changed = asyncio.Event()
        self._last_activity = float("-inf")

        self._updates: list[dict[str, Any]] = []  # not yet confirmed by an offset
        self._next_update_id = 1
        self._delivered_up_to = 0  # highest update_id returned by getUpdates
        self._next_message_id: dict[int, int] = {}
        self._chats: dict[int, dict[str, Any]] = {}
        self._users: dict[int, dict[str, Any]] = {}
        self._open_callbacks: set[str] = set()
        self._callback_ids = itertools.count(4_611_686_018_427_387_904)
        self._files: dict[str, _StoredFile] = {}
        self._file_paths: dict[str, str] = {}
        self._file_numbers = itertools.count(1)
        self._faults: list[_FaultRule] = []
        self._bucket_tokens = 0.0
        self._bucket_rate: float | None = None
        self._bucket_updated = 0.0

        handlers: list[tuple[str, Callable[[dict[str, Any]], Awaitable[Any]]]] = [
            ("getMe", self._get_me),
            ("logOut", self._true),
            ("close", self._true),
            ("getUpdates", self._get_updates),
            ("setWebhook", self._set_webhook),
            ("deleteWebhook", self._delete_webhook),
            ("getWebhookInfo", self._get_webhook_info),
            ("setMyCommands", self._set_my_commands),
            ("getMyCommands", self._get_my_commands),
            ("deleteMyCommands", self._delete_my_commands),
            ("setChatMenuButton", self._true),
            ("getChatMenuButton", self._get_chat_menu_button),
            ("setMyDescription", self._true),
            ("setMyShortDescription", self._true),
            ("setMyName", self._true),
            ("sendMessage", self._send_message),
            ("editMessageText", self._edit_message_text),
            ("editMessageReplyMarkup", self._edit_message_reply_markup),
            ("editMessageCaption", self._edit_message_caption),
            ("answerCallbackQuery", self._answer_callback_query),
            ("sendPhoto", self._send_photo),
            ("sendDocument", self._send_document),
            ("deleteMessage", self._delete_message),
            ("sendChatAction", self._send_chat_action),
            ("getFile", self._get_file),
        ]
        self._methods = {name.lower(): (name, handler) for name, handler in handlers}

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        """Bind and serve; with port 0 a free port is chosen (see :attr:`url`)."""
        if self._runner is not None:
            raise RuntimeError("the stand-in is already running")
        self._closing = False
        self._changed = asyncio.Event()
        app = web.Application(client_max_size=MAX_UPLOAD_BYTES)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=2.0)
        await runner.setup()
        try:
            site = web.TCPSite(runner, self.host, self._requested_port)
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        self._port = int(runner.addresses[0][1])

    async def stop(self) -> None:
        """Answer pending long polls with no updates, then close the server."""
        runner, self._runner = self._runner, None
        if runner is None:
            return
        self._closing = True
        self._notify()
        await asyncio.sleep(0)  # let the released long polls write their answers
        await runner.cleanup()
        self._port = None

    async def __aenter__(self) -> BotApiStandIn:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.stop()

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("the stand-in is not running; call start() first")
        return self._port

    @property
    def url(self) -> str:
        """The API root, e.g. ``http://127.0.0.1:PORT`` (the bot's TELEGRAM_API_URL)."""
        return f"http://{self.host}:{self.port}"

    # ------------------------------------------------------------------ inspection

    def chat_messages(
        self, chat_id: int, *, from_bot: bool | None = True, include_deleted: bool = False
    ) -> list[StoredMessage]:
        """Messages in a chat in message_id order; ``from_bot=None`` gives both sides."""
        found = [
            message
            for (chat, _), message in self.messages.items()
            if chat == chat_id
            and (from_bot is None or message.from_bot == from_bot)
            and (include_deleted or not message.deleted)
        ]
        return sorted(found, key=lambda message: message.message_id)

    @property
    def pending_updates(self) -> list[dict[str, Any]]:
        """Updates queued but not yet delivered by getUpdates."""
        return [u for u in self._updates if u["update_id"] > self._delivered_up_to]

    def successful_calls(self, method: str | None = None) -> list[tuple[str, dict[str, Any]]]:
        """Recorded calls that were answered with ok=true, optionally of one method."""
        key = None if method is None else _method_key(method)
        return [
            (name, params)
            for name, params in self.calls
            if "_error" not in params and (key is None or _method_key(name) == key)
        ]

    # ------------------------------------------------------------------ the user's side

    def push_update(self, update: dict[str, Any]) -> int:
        """Queue an update for getUpdates; assigns ``update_id`` when missing and returns it."""
        update_id = update.get("update_id")
        if not isinstance(update_id, int):
            update_id = self._next_update_id
            update["update_id"] = update_id
        self._next_update_id = max(self._next_update_id, update_id + 1)
        self._updates.append(update)
        self._updates.sort(key=lambda queued: int(queued["update_id"]))
        self._notify()
        return update_id

    def user_text(
        self,
        user_id: int,
        text: str,
        *,
        first_name: str | None = None,
        chat_id: int | None = None,
        chat_type: str = "private",
        language_code: str | None = None,
    ) -> StoredMessage:
        """The user sends ``text``; stored and queued as a "message" update.

        ``first_name`` and ``language_code`` default to what the user last used ("Runner", "en").
        """
        if not text:
            raise ValueError("a Telegram text message cannot be empty")
        user = self._remember_user(user_id, first_name, language_code)
        target = user_id if chat_id is None else chat_id
        self._remember_chat(target, chat_type, user["first_name"])
        entities: list[dict[str, Any]] | None = None
        if text.startswith("/"):
            command = text.split(maxsplit=1)[0]
            entities = [{"type": "bot_command", "offset": 0, "length": _utf16_length(command)}]
        message = self._new_message(
            target, from_bot=False, text=text, sender_id=user_id, entities=entities
        )
        self.push_update({"message": self._render(message)})
        return message

    def user_location(
        self, user_id: int, latitude: float, longitude: float, *, chat_id: int | None = None
    ) -> StoredMessage:
        """The user shares a location; stored (without text) and queued as a "message"."""
        user = self._remember_user(user_id, None, None)
        target = user_id if chat_id is None else chat_id
        self._remember_chat(target, "private", user["first_name"])
        message = self._new_message(target, from_bot=False, text=None, sender_id=user_id)
        rendered = self._render(message)
        rendered["location"] = {"latitude": latitude, "longitude": longitude}
        self.push_update({"message": rendered})
        return message

    def user_tap(
        self,
        user_id: int,
        message: StoredMessage,
        callback_data: str,
        *,
        first_name: str | None = None,
    ) -> str:
        """The user taps a button carrying ``callback_data`` under ``message``.

        Queues a "callback_query" update with the message as it currently is; returns the query
        id that answerCallbackQuery must use (once).
        """
        user = self._remember_user(user_id, first_name, None)
        current = self.messages.get((message.chat_id, message.message_id), message)
        query_id = str(next(self._callback_ids))
        self._open_callbacks.add(query_id)
        self.push_update(
            {
                "callback_query": {
                    "id": query_id,
                    "from": dict(user),
                    "message": self._render(current),
                    "chat_instance": str(1_000_000_000_000 + abs(current.chat_id)),
                    "data": callback_data,
                }
            }
        )
        return query_id

    def user_tap_label(self, user_id: int, label: str, *, chat_id: int | None = None) -> str:
        """Tap the button labelled ``label`` on the newest bot message that shows one.

        An exact label wins; otherwise the newest message with buttons containing ``label``
        (case-insensitive) must have exactly one such button. Raises LookupError otherwise.
        """
        target = user_id if chat_id is None else chat_id
        newest_first = list(reversed(self.chat_messages(target)))

        def tappable(message: StoredMessage) -> list[dict[str, Any]]:
            return [b for b in message.buttons() if isinstance(b.get("callback_data"), str)]

        for message in newest_first:
            for button in tappable(message):
                if button.get("text") == label:
                    return self.user_tap(user_id, message, str(button["callback_data"]))
        needle = label.casefold()
        for message in newest_first:
            matches = [b for b in tappable(message) if needle in str(b.get("text", "")).casefold()]
            if len(matches) == 1:
                return self.user_tap(user_id, message, str(matches[0]["callback_data"]))
            if matches:
                labels = [str(b.get("text")) for b in matches]
                raise LookupError(
                    f"button {label!r} is ambiguous in message {message.message_id} of chat "
                    f"{target}: {labels}"
                )
        keyboards = [
            f"#{message.message_id}: {message.button_labels()}"
            for message in newest_first
            if message.buttons()
        ][:5]
        raise LookupError(
            f"no button {label!r} in chat {target}; available (newest first): "
            f"{'; '.join(keyboards) or 'no inline keyboards'}"
        )

    # ------------------------------------------------------------------ waiting

    async def wait_changed(self, seconds: float) -> None:
        """Return when anything happened (a call, an update queued) or after ``seconds``."""
        await self._wait_changed(seconds)

    async def wait_for_call(
        self,
        method: str,
        *,
        predicate: Callable[[dict[str, Any]], bool] | None = None,
        after: int = 0,
        timeout: float = 5.0,  # noqa: ASYNC109 - part of the documented waiting API
        successful_only: bool = False,
    ) -> dict[str, Any]:
        """Params of the first call of ``method`` at index >= ``after`` matching ``predicate``."""
        key = _method_key(method)

        def probe() -> dict[str, Any] | None:
            for name, params in self.calls[after:]:
                if _method_key(name) != key:
                    continue
                if successful_only and "_error" in params:
                    continue
                if predicate is None or predicate(params):
                    return params
            return None

        found = await self._wait_for(probe, timeout)
        if found is None:
            condition = " matching the predicate" if predicate is not None else ""
            raise TimeoutError(
                f"no {method} call{condition} at index >= {after} within {timeout}s; "
                f"recent calls: {self.describe_calls()}"
            )
        return found

    async def wait_for_bot_message(
        self,
        chat_id: int,
        *,
        after_message_id: int = 0,
        timeout: float = 5.0,  # noqa: ASYNC109 - part of the documented waiting API
    ) -> StoredMessage:
        """The first bot message in the chat with message_id > ``after_message_id``."""

        def probe() -> StoredMessage | None:
            for message in self.chat_messages(chat_id, include_deleted=True):
                if message.message_id > after_message_id:
                    return message
            return None

        found = await self._wait_for(probe, timeout)
        if found is None:
            raise TimeoutError(
                f"the bot sent nothing to chat {chat_id} after message {after_message_id} "
                f"within {timeout}s; recent calls: {self.describe_calls()}"
            )
        return found

    async def wait_idle(
        self,
        *,
        quiet: float = 0.3,
        timeout: float = 10.0,  # noqa: ASYNC109 - part of the documented waiting API
    ) -> None:
        """Wait until every queued update was delivered and the bot made no call for ``quiet``s.

        getUpdates calls that return nothing do not count as activity.
        """
        deadline = time.monotonic() + timeout
        while True:
            now = time.monotonic()
            pending = len(self.pending_updates)
            idle_for = now - self._last_activity
            if not pending and idle_for >= quiet:
                return
            remaining = deadline - now
            if remaining <= 0:
                raise TimeoutError(
                    f"not idle after {timeout}s: {pending} undelivered update(s), last call "
                    f"{idle_for:.2f}s ago; recent calls: {self.describe_calls()}"
                )
            await self._wait_changed(remaining if pending else min(remaining, quiet - idle_for))

    def describe_calls(self, last: int = 12) -> str:
        """A short, readable list of the latest calls other than getUpdates."""
        polls = 0
        lines: list[str] = []
        for index in range(len(self.calls) - 1, -1, -1):
            name, params = self.calls[index]
            if name == "getUpdates":
                polls += 1
                continue
            if len(lines) < last:
                details = [
                    f"{key}={str(params[key])[:40]!r}"
                    for key in ("chat_id", "message_id", "text", "caption", "_error")
                    if key in params
                ]
                lines.append(f"#{index} {name}({', '.join(details)})")
        lines.reverse()
        return f"[{'; '.join(lines) or 'none'}] (+{polls} getUpdates)"

    # ------------------------------------------------------------------ faults

    def inject_error(
        self,
        chat_id: int,
        status: int,
        *,
        times: int = 1,
        retry_after: int | None = None,
        methods: Iterable[str] | None = None,
        description: str | None = None,
    ) -> None:
        """Answer the next ``times`` calls carrying this chat_id (optionally only of ``methods``)
        with HTTP ``status`` and Telegram's error body for it."""
        if times < 1:
            raise ValueError("times must be at least 1")
        method_keys = None if methods is None else frozenset(_method_key(m) for m in methods)
        self._faults.append(
            _FaultRule(chat_id, status, times, retry_after, method_keys, description)
        )

    def clear_errors(self) -> None:
        """Forget injected errors that have not fired yet."""
        self._faults.clear()

    @staticmethod
    def _fault_error(rule: _FaultRule) -> _ApiError:
        status = rule.status
        if status == 403:
            return _ApiError(403, rule.description or "Forbidden: bot was blocked by the user")
        if status == 429:
            seconds = rule.retry_after if rule.retry_after is not None else 1
            return _ApiError(
                429,
                rule.description or f"Too Many Requests: retry after {seconds}",
                {"retry_after": seconds},
            )
        if status >= 500:
            return _ApiError(status, rule.description or "Internal Server Error")
        if status == 400:
            return _ApiError(400, rule.description or "Bad Request")
        return _ApiError(status, rule.description or f"Error {status}")

    def _check_faults(self, name: str, params: dict[str, Any]) -> None:
        chat_id = params.get("chat_id")
        if isinstance(chat_id, int) and not isinstance(chat_id, bool):
            key = _method_key(name)
            for rule in self._faults:
                if rule.chat_id != chat_id:
                    continue
                if rule.methods is not None and key not in rule.methods:
                    continue
                rule.remaining -= 1
                if rule.remaining <= 0:
                    self._faults.remove(rule)
                raise self._fault_error(rule)
        rate = self.rate_limit_per_second
        if rate is None or name == "getUpdates":
            return
        now = time.monotonic()
        capacity = max(1.0, rate)
        if self._bucket_rate != rate:
            self._bucket_rate, self._bucket_tokens, self._bucket_updated = rate, capacity, now
        refill = (now - self._bucket_updated) * rate
        self._bucket_tokens = min(capacity, self._bucket_tokens + refill)
        self._bucket_updated = now
        if self._bucket_tokens < 1.0:
            raise _ApiError(429, "Too Many Requests: retry after 1", {"retry_after": 1})
        self._bucket_tokens -= 1.0

    # ------------------------------------------------------------------ internals: plumbing

    def _notify(self) -> None:
        """Wake every waiter; they re-check their condition."""
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()

    async def _wait_changed(self, seconds: float) -> None:
        if seconds <= 0:
            return
        changed = self._changed
        try:
            async with asyncio.timeout(seconds):
                await changed.wait()
        except TimeoutError:
            pass

    async def _wait_for(self, probe: Callable[[], _T | None], seconds: float) -> _T | None:
        deadline = time.monotonic() + seconds
        while True:
            found = probe()
            if found is not None:
                return found
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            await self._wait_changed(remaining)

    def _emit(self, event: str, message: StoredMessage) -> None:
        for subscriber in list(self.subscribers):
            try:
                subscriber(event, message)
            except Exception:  # a broken observer must not break the API
                _LOGGER.exception("stand-in subscriber failed on %s event", event)

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        path = request.match_info.get("tail", "")
        if path.startswith("file/bot"):
            return self._serve_file(path.removeprefix("file/bot"))
        match = re.fullmatch(r"bot([^/]+)/([^/]+)/?", path)
        if match is None:
            return self._error_response(_ApiError(404, "Not Found"))
        token, method = match.groups()
        if token != self.token:
            return self._error_response(_ApiError(401, "Unauthorized"))
        entry = self._methods.get(method.lower())
        name = entry[0] if entry else method
        params: dict[str, Any] = {}
        self.calls.append((name, params))
        if name != "getUpdates":
            self._last_activity = time.monotonic()
        try:
            params.update(await self._read_params(request))
            self._notify()
            if entry is None:
                raise _ApiError(404, "Not Found")
            self._check_faults(name, params)
            result = await entry[1](params)
        except _ApiError as error:
            params["_error"] = error.status
            self._notify()
            return self._error_response(error)
        self._notify()
        return web.json_response({"ok": True, "result": result})

    @staticmethod
    def _error_response(error: _ApiError) -> web.Response:
        return web.json_response(error.body(), status=error.status)

    async def _read_params(self, request: web.Request) -> dict[str, Any]:
        raw: dict[str, Any] = dict(request.query)
        if request.method == "POST" and request.can_read_body:
            content_type = request.content_type
            if content_type == "application/json":
                try:
                    body = await request.json()
                except ValueError as exc:
                    raise _bad("can't parse JSON encoded request body") from exc
                if not isinstance(body, dict):
                    raise _bad("JSON request body must be an object")
                raw.update(body)
            elif content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
                form = await request.post()
                for key, value in form.items():
                    if isinstance(value, web.FileField):
                        raw[key] = UploadedFile(
                            filename=value.filename,
                            content_type=value.content_type,
                            data=value.file.read(),
                        )
                    else:
                        raw[key] = value
        params = {key: _coerce(key, value) for key, value in raw.items()}
        for key, value in list(params.items()):
            # "attach://<part>" points at another multipart part carrying the file.
            if isinstance(value, str) and value.startswith("attach://"):
                part = params.get(value.removeprefix("attach://"))
                if isinstance(part, UploadedFile):
                    params[key] = part
        return params

    def _serve_file(self, rest: str) -> web.Response:
        token, _, file_path = rest.partition("/")
        if token != self.token:
            return self._error_response(_ApiError(401, "Unauthorized"))
        file_id = self._file_paths.get(file_path)
        if file_id is None:
            return self._error_response(_ApiError(404, "Not Found"))
        stored = self._files[file_id]
        return web.Response(
            body=stored.data, content_type=stored.mime_type or "application/octet-stream"
        )

    # ------------------------------------------------------------------ internals: state

    def _remember_user(
        self, user_id: int, first_name: str | None, language_code: str | None
    ) -> dict[str, Any]:
        user = self._users.setdefault(
            user_id,
            {"id": user_id, "is_bot": False, "first_name": "Runner", "language_code": "en"},
        )
        if first_name is not None:
            user["first_name"] = first_name
        if language_code is not None:
            user["language_code"] = language_code
        return user

    def _remember_chat(self, chat_id: int, chat_type: str, first_name: str) -> None:
        if chat_type == "private":
            self._chats[chat_id] = {"id": chat_id, "type": "private", "first_name": first_name}
        else:
            chat = self._chats.get(chat_id)
            if chat is None or chat.get("type") != chat_type:
                self._chats[chat_id] = {"id": chat_id, "type": chat_type, "title": "Test group"}

    def _chat(self, chat_id: int) -> dict[str, Any]:
        chat = self._chats.get(chat_id)
        if chat is not None:
            return dict(chat)
        if chat_id < 0:
            kind = "supergroup" if chat_id <= -1_000_000_000_000 else "group"
            return {"id": chat_id, "type": kind, "title": "Test group"}
        known = self._users.get(chat_id)
        return {
            "id": chat_id,
            "type": "private",
            "first_name": known["first_name"] if known else "Runner",
        }

    def _bot_user(self) -> dict[str, Any]:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.bot_first_name,
            "username": self.bot_username,
        }

    def _new_message(
        self,
        chat_id: int,
        *,
        from_bot: bool,
        text: str | None,
        reply_markup: dict[str, Any] | None = None,
        photo: bytes | None = None,
        document: bytes | None = None,
        document_name: str | None = None,
        **extra: Any,
    ) -> StoredMessage:
        message_id = self._next_message_id.get(chat_id, 1)
        self._next_message_id[chat_id] = message_id + 1
        message = StoredMessage(
            chat_id=chat_id,
            message_id=message_id,
            from_bot=from_bot,
            text=text,
            reply_markup=reply_markup,
            photo=photo,
            document=document,
            document_name=document_name,
            date=int(self.clock()),
            **extra,
        )
        self.messages[(chat_id, message_id)] = message
        self._emit("new", message)
        return message

    def _render(self, message: StoredMessage) -> dict[str, Any]:
        """The message as a Telegram Message object."""
        sender = (
            self._bot_user()
            if message.from_bot
            else dict(self._users.get(message.sender_id or message.chat_id) or {})
        )
        if not sender:
            user_id = message.sender_id or message.chat_id
            sender = {"id": user_id, "is_bot": False, "first_name": "Runner"}
        rendered: dict[str, Any] = {
            "message_id": message.message_id,
            "date": message.date,
            "chat": self._chat(message.chat_id),
            "from": sender,
        }
        stored = self._files.get(message.file_id or "")
        if message.photo is not None:
            width, height = _image_size(message.photo)
            rendered["photo"] = [
                {
                    "file_id": message.file_id or "",
                    "file_unique_id": stored.unique_id if stored else "",
                    "width": width,
                    "height": height,
                    "file_size": len(message.photo),
                }
            ]
        elif message.document is not None:
            document: dict[str, Any] = {
                "file_id": message.file_id or "",
                "file_unique_id": stored.unique_id if stored else "",
                "file_size": len(message.document),
            }
            if message.document_name:
                document["file_name"] = message.document_name
            if message.mime_type:
                document["mime_type"] = message.mime_type
            rendered["document"] = document
        has_media = message.photo is not None or message.document is not None
        if message.text is not None and (message.text or not has_media):
            rendered["caption" if has_media else "text"] = message.text
        if message.entities:
            key = "caption_entities" if has_media else "entities"
            rendered[key] = [dict(entity) for entity in message.entities]
        if message.reply_markup:
            rendered["reply_markup"] = message.reply_markup
        if message.edit_date is not None:
            rendered["edit_date"] = message.edit_date
        return rendered

    def _store_file(
        self, kind: str, data: bytes, name: str | None, mime_type: str | None
    ) -> _StoredFile:
        number = next(self._file_numbers)
        extension = mimetypes.guess_extension(mime_type or "") or (
            ".jpg" if kind == "photo" else ""
        )
        stored = _StoredFile(
            file_id=f"standin-{kind}-{number}",
            unique_id=f"u{kind}{number}",
            path=f"{kind}s/file_{number}{extension}",
            data=data,
            name=name,
            mime_type=mime_type,
        )
        self._files[stored.file_id] = stored
        self._file_paths[stored.path] = stored.file_id
        return stored

    def _incoming_file(self, kind: str, value: Any) -> _StoredFile:
        if isinstance(value, UploadedFile):
            if not value.data:
                raise _bad("file must be non-empty")
            mime_type = value.content_type
            if kind == "photo" or not mime_type or mime_type == "application/octet-stream":
                guessed = mimetypes.guess_type(value.filename or "")[0]
                mime_type = guessed or mime_type
            if kind == "photo" and not (mime_type or "").startswith("image/"):
                mime_type = "image/png" if value.data.startswith(b"\x89PNG") else "image/jpeg"
            return self._store_file(kind, value.data, value.filename, mime_type)
        if isinstance(value, str) and value:
            known = self._files.get(value)
            if known is not None:
                return known
            # A URL or a file_id from elsewhere: nothing to keep but the reference.
            return self._store_file(kind, b"", value.rsplit("/", 1)[-1] or None, None)
        raise _bad(f"there is no {kind} in the request")

    # ------------------------------------------------------------------ internals: validation

    @staticmethod
    def _chat_id(params: dict[str, Any]) -> int:
        chat_id = params.get("chat_id")
        if chat_id is None or chat_id == "":
            raise _bad("chat_id is empty")
        if isinstance(chat_id, bool) or not isinstance(chat_id, int):
            raise _bad("chat not found")
        return chat_id

    @staticmethod
    def _message_id(params: dict[str, Any]) -> int:
        message_id = params.get("message_id")
        if isinstance(message_id, bool) or not isinstance(message_id, int):
            raise _bad("message identifier is not specified")
        return message_id

    @staticmethod
    def _parse_mode(params: dict[str, Any]) -> str | None:
        parse_mode = params.get("parse_mode")
        return parse_mode if isinstance(parse_mode, str) and parse_mode else None

    @staticmethod
    def _check_text(text: str, parse_mode: str | None) -> None:
        visible = _visible_text(text, parse_mode)
        if not visible.strip():
            raise _bad("message text is empty")
        if len(visible) > MAX_MESSAGE_LENGTH:
            raise _bad("message is too long")

    @staticmethod
    def _check_caption(caption: str | None, parse_mode: str | None) -> None:
        if caption is None:
            return
        if len(_visible_text(caption, parse_mode)) > MAX_CAPTION_LENGTH:
            raise _bad("message caption is too long")

    @staticmethod
    def _text_param(params: dict[str, Any], key: str) -> str | None:
        value = params.get(key)
        return None if value is None else str(value)

    @staticmethod
    def _inline_markup(value: Any) -> dict[str, Any] | None:
        """Validate an InlineKeyboardMarkup; an empty keyboard is no keyboard."""
        rows = value.get("inline_keyboard") if isinstance(value, dict) else None
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise _bad(
                'can\'t parse inline keyboard markup: field "inline_keyboard" must be '
                "an Array of Arrays"
            )
        for row in rows:
            for button in row:
                if not isinstance(button, dict):
                    raise _bad("can't parse inline keyboard button: object expected")
                label = button.get("text")
                if not isinstance(label, str) or not label.strip():
                    raise _bad("can't parse inline keyboard button: Text must be non-empty")
                if not _BUTTON_ACTIONS.intersection(button):
                    raise _bad(
                        "can't parse inline keyboard button: Text buttons are unallowed in the "
                        "inline keyboard"
                    )
                data = button.get("callback_data")
                if data is not None and (
                    not isinstance(data, str)
                    or not 1 <= len(data.encode("utf-8")) <= MAX_CALLBACK_DATA_BYTES
                ):
                    raise _bad("BUTTON_DATA_INVALID")
        if not any(rows):
            return None
        return dict(value)

    def _markups(
        self, params: dict[str, Any]
    ) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
        """(inline keyboard, other reply markup) of a send call."""
        value = params.get("reply_markup")
        if value is None:
            return None, None
        if not isinstance(value, dict):
            raise _bad("can't parse reply keyboard markup JSON object")
        if "inline_keyboard" in value:
            return self._inline_markup(value), None
        return None, value

    def _edit_markup(self, params: dict[str, Any]) -> dict[str, Any] | None:
        value = params.get("reply_markup")
        if value is None:
            return None  # Telegram removes the inline keyboard when none is given
        return self._inline_markup(value)

    def _editable(self, params: dict[str, Any]) -> StoredMessage:
        chat_id = self._chat_id(params)
        message = self.messages.get((chat_id, self._message_id(params)))
        if message is None or message.deleted:
            raise _bad("message to edit not found")
        if not message.from_bot:
            raise _bad("message can't be edited")
        return message

    def _edited(self, message: StoredMessage) -> dict[str, Any]:
        message.edits += 1
        message.edit_date = int(self.clock())
        self._emit("edit", message)
        return self._render(message)

    # ------------------------------------------------------------------ methods

    async def _true(self, params: dict[str, Any]) -> bool:
        return True

    async def _get_me(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            **self._bot_user(),
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    async def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = params.get("offset")
        if isinstance(offset, int) and not isinstance(offset, bool):
            if offset > 0:
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
            elif offset < 0:
                self._updates = self._updates[offset:]
        limit = params.get("limit")
        limit = min(max(limit, 1), 100) if isinstance(limit, int) else 100
        timeout = params.get("timeout")
        seconds = float(timeout) if isinstance(timeout, int | float) else 0.0
        deadline = time.monotonic() + min(max(seconds, 0.0), MAX_LONG_POLL_SECONDS)
        while True:
            batch = self._updates[:limit]
            if batch:
                self._delivered_up_to = max(self._delivered_up_to, batch[-1]["update_id"])
                self._last_activity = time.monotonic()
                return [json.loads(json.dumps(update)) for update in batch]
            remaining = deadline - time.monotonic()
            if self._closing or remaining <= 0:
                return []
            await self._wait_changed(remaining)

    async def _set_webhook(self, params: dict[str, Any]) -> bool:
        self.webhook_url = str(params.get("url") or "")
        return True

    async def _delete_webhook(self, params: dict[str, Any]) -> bool:
        self.webhook_url = ""
        if params.get("drop_pending_updates") is True:
            if self._updates:
                self._delivered_up_to = max(self._delivered_up_to, self._updates[-1]["update_id"])
            self._updates.clear()
        return True

    async def _get_webhook_info(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            "url": self.webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }

    async def _set_my_commands(self, params: dict[str, Any]) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list) or not all(
            isinstance(c, dict) and isinstance(c.get("command"), str) for c in commands
        ):
            raise _bad("can't parse BotCommand array")
        for command in commands:
            if not re.fullmatch(r"[a-z0-9_]{1,32}", command["command"]):
                raise _bad("BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", ""))) <= 256:
                raise _bad("BOT_COMMAND_DESCRIPTION_INVALID")
        self.commands = commands
        return True

    async def _get_my_commands(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        return list(self.commands)

    async def _delete_my_commands(self, params: dict[str, Any]) -> bool:
        self.commands = []
        return True

    async def _get_chat_menu_button(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"type": "commands"}

    async def _send_message(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = self._chat_id(params)
        text = self._text_param(params, "text") or ""
        parse_mode = self._parse_mode(params)
        self._check_text(text, parse_mode)
        inline, other = self._markups(params)
        message = self._new_message(
            chat_id,
            from_bot=True,
            text=text,
            reply_markup=inline,
            parse_mode=parse_mode,
            reply_keyboard=other,
        )
        return self._render(message)

    async def _edit_message_text(self, params: dict[str, Any]) -> dict[str, Any]:
        message = self._editable(params)
        if message.photo is not None or message.document is not None:
            raise _bad("there is no text in the message to edit")
        text = self._text_param(params, "text") or ""
        parse_mode = self._parse_mode(params)
        self._check_text(text, parse_mode)
        markup = self._edit_markup(params)
        if text == message.text and markup == message.reply_markup:
            raise _ApiError(400, NOT_MODIFIED)
        message.text, message.reply_markup, message.parse_mode = text, markup, parse_mode
        return self._edited(message)

    async def _edit_message_reply_markup(self, params: dict[str, Any]) -> dict[str, Any]:
        message = self._editable(params)
        markup = self._edit_markup(params)
        if markup == message.reply_markup:
            raise _ApiError(400, NOT_MODIFIED)
        message.reply_markup = markup
        return self._edited(message)

    async def _edit_message_caption(self, params: dict[str, Any]) -> dict[str, Any]:
        message = self._editable(params)
        if message.photo is None and message.document is None:
            raise _bad("there is no caption in the message to edit")
        caption = self._text_param(params, "caption")
        parse_mode = self._parse_mode(params)
        self._check_caption(caption, parse_mode)
        markup = self._edit_markup(params)
        if (caption or None) == (message.text or None) and markup == message.reply_markup:
            raise _ApiError(400, NOT_MODIFIED)
        message.text, message.reply_markup, message.parse_mode = caption, markup, parse_mode
        return self._edited(message)

    async def _answer_callback_query(self, params: dict[str, Any]) -> bool:
        query_id = str(params.get("callback_query_id") or "")
        if query_id not in self._open_callbacks or query_id in self.answered_callbacks:
            raise _bad(QUERY_TOO_OLD.removeprefix("Bad Request: "))
        text = params.get("text")
        if isinstance(text, str) and len(text) > MAX_CALLBACK_ANSWER_LENGTH:
            raise _bad("MESSAGE_TOO_LONG")
        self._open_callbacks.discard(query_id)
        self.answered_callbacks[query_id] = dict(params)
        return True

    async def _send_media(self, params: dict[str, Any], kind: str) -> dict[str, Any]:
        chat_id = self._chat_id(params)
        stored = self._incoming_file(kind, params.get(kind))
        caption = self._text_param(params, "caption")
        parse_mode = self._parse_mode(params)
        self._check_caption(caption, parse_mode)
        inline, other = self._markups(params)
        message = self._new_message(
            chat_id,
            from_bot=True,
            text=caption,
            reply_markup=inline,
            photo=stored.data if kind == "photo" else None,
            document=stored.data if kind == "document" else None,
            document_name=stored.name if kind == "document" else None,
            parse_mode=parse_mode,
            file_id=stored.file_id,
            mime_type=stored.mime_type,
            reply_keyboard=other,
        )
        return self._render(message)

    async def _send_photo(self, params: dict[str, Any]) -> dict[str, Any]:
        return await self._send_media(params, "photo")

    async def _send_document(self, params: dict[str, Any]) -> dict[str, Any]:
        return await self._send_media(params, "document")

    async def _delete_message(self, params: dict[str, Any]) -> bool:
        chat_id = self._chat_id(params)
        message = self.messages.get((chat_id, self._message_id(params)))
        if message is None or message.deleted:
            raise _bad("message to delete not found")
        message.deleted = True
        self._emit("delete", message)
        return True

    async def _send_chat_action(self, params: dict[str, Any]) -> bool:
        self._chat_id(params)
        return True

    async def _get_file(self, params: dict[str, Any]) -> dict[str, Any]:
        stored = self._files.get(str(params.get("file_id") or ""))
        if stored is None:
            raise _bad("invalid file_id")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.unique_id,
            "file_size": len(stored.data),
            "file_path": stored.path,
        }
