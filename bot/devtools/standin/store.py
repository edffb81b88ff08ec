"""What the stand-in knows: messages per chat, chats, users, files, queued updates and the
calls the bot made, plus the signal that any of it changed (what the waiters wait on)."""

from __future__ import annotations

import asyncio
import itertools
import logging
import mimetypes
import struct
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

_LOGGER = logging.getLogger(__name__)
_T = TypeVar("_T")


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
    text: str | None  # text, or caption for photo/document, as the bot sent it (raw HTML etc.)
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
    # What Telegram shows of a bot's text or caption: parsed and trimmed; ``entities`` then
    # holds its formatting (None: the message keeps ``text`` as it is, e.g. the user's).
    shown_text: str | None = field(default=None, kw_only=True)

    def buttons(self) -> list[dict[str, Any]]:
        """All inline buttons, row by row, as one flat list (empty without a keyboard)."""
        if not self.reply_markup:
            return []
        rows = self.reply_markup.get("inline_keyboard") or []
        return [button for row in rows for button in row]

    def button_labels(self) -> list[str]:
        return [str(button.get("text", "")) for button in self.buttons()]


MessageSubscriber = Callable[[str, StoredMessage], None]
"""Called with ("new" | "edit" | "delete", the message) whenever a message changes."""

CallObserver = Callable[[str, dict[str, Any], float], None]
"""Called with (method, params, at) when a Bot API call arrives, before it is answered."""


@dataclass
class StoredFile:
    file_id: str
    unique_id: str
    path: str
    data: bytes
    name: str | None
    mime_type: str | None


def method_key(name: str) -> str:
    """Telegram treats method names case-insensitively; also accept snake_case here."""
    return name.replace("_", "").lower()


def image_size(data: bytes) -> tuple[int, int]:
    """Width and height of a PNG or JPEG; a plausible default for anything else."""
    return image_dimensions(data) or (800, 600)


def image_dimensions(data: bytes) -> tuple[int, int] | None:
    """Width and height of a PNG or JPEG read from its header; None for anything else."""
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
    return None


class Store:
    """The stand-in's state and the bookkeeping every part of it shares."""

    def __init__(self, *, bot_id: int, bot_username: str, clock: Callable[[], float]) -> None:
        self.clock = clock  # seconds since the epoch, for message dates (the playground's)
        self.bot_id = bot_id
        self.bot_username = bot_username
        words = bot_username.removesuffix("_bot").split("_")
        self.bot_first_name = " ".join(word.capitalize() for word in words if word) or "Bot"
        self.calls: list[tuple[str, dict[str, Any]]] = []
        # setMyCommands' menus by (scope, language code): ("default", "") is everyone's
        self.menus: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.messages: dict[tuple[int, int], StoredMessage] = {}
        self.answered_callbacks: dict[str, dict[str, Any]] = {}
        self.subscribers: list[MessageSubscriber] = []
        self.call_observers: list[CallObserver] = []
        self.webhook_url = ""
        self.webhook_secret_token = ""
        # Benchmarks that seed thousands of runners straight into a database set this: every
        # private chat counts as opened by its user (see :meth:`open_chat`).
        self.every_chat_open = False
        # Seconds each user action (a text, a tap, a location) stands for on the flood limits'
        # clock. A person reads and taps at human pace; a test drives a chat at machine speed
        # and sets this so that the limits see the pace a person would keep.
        self.user_pace_seconds = 0.0
        self._user_time = 0.0  # the user actions' seconds so far

        self._closing = False
        self._changed = asyncio.Event()
        self._last_activity = float("-inf")

        self._updates: list[dict[str, Any]] = []  # not yet confirmed by an offset
        self._next_update_id = 1
        self._delivered_up_to = 0  # highest update_id returned by getUpdates
        self._next_message_id: dict[int, int] = {}
        self._chats: dict[int, dict[str, Any]] = {}
        self._users: dict[int, dict[str, Any]] = {}
        self._opened_chats: set[int] = set()  # private chats whose user wrote or tapped
        self._open_callbacks: set[str] = set()
        self._callback_chats: dict[str, int] = {}  # query id -> the chat of the tapped message
        self._callback_ids = itertools.count(4_611_686_018_427_387_904)
        self._files: dict[str, StoredFile] = {}
        self._file_paths: dict[str, str] = {}
        self._file_numbers = itertools.count(1)

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
        key = None if method is None else method_key(method)
        return [
            (name, params)
            for name, params in self.calls
            if "_error" not in params and (key is None or method_key(name) == key)
        ]

    def refused_calls(self, method: str | None = None) -> list[tuple[str, dict[str, Any], str]]:
        """(method, params, description) of the calls Telegram's rules refused, oldest first.

        Not included: errors injected with :meth:`inject_error` (``params["_fault"]``) and
        429 answers of the flood limits (``params["_limited"]``, see :meth:`limited_calls`):
        a bot is expected to meet those and retry. So an end-to-end test can assert that the
        bot made no call real Telegram would refuse: ``assert standin.refused_calls() == []``.
        """
        return self._calls_marked("_refused", method)

    def limited_calls(self, method: str | None = None) -> list[tuple[str, dict[str, Any], str]]:
        """(method, params, description) of the calls answered 429 by the flood limits."""
        return self._calls_marked("_limited", method)

    def _calls_marked(self, mark: str, method: str | None) -> list[tuple[str, dict[str, Any], str]]:
        key = None if method is None else method_key(method)
        return [
            (name, params, str(params.get("_description", "")))
            for name, params in self.calls
            if params.get(mark) and (key is None or method_key(name) == key)
        ]

    def open_chat(
        self, user_id: int, *, first_name: str | None = None, language_code: str | None = None
    ) -> None:
        """The user has opened the private chat with the bot (pressed Start), so the bot may
        write to them. Telegram refuses a bot's message to a user who never did: "Forbidden:
        bot can't initiate conversation with a user". Sending anything or tapping a button
        does this too; tests that put runners straight into the database call it."""
        user = self._remember_user(user_id, first_name, language_code)
        self._remember_chat(user_id, "private", user["first_name"])
        self._opened_chats.add(user_id)

    def chat_is_open(self, chat_id: int) -> bool:
        """Whether the bot may write to this private chat (see :meth:`open_chat`)."""
        return self.every_chat_open or chat_id in self._opened_chats

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
                    for key in ("chat_id", "message_id", "text", "caption", "_description")
                    if key in params
                ]
                lines.append(f"#{index} {name}({', '.join(details)})")
        lines.reverse()
        return f"[{'; '.join(lines) or 'none'}] (+{polls} getUpdates)"

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

    def _observe_call(self, method: str, params: dict[str, Any], at: float) -> None:
        for observer in list(self.call_observers):
            try:
                observer(method, params, at)
            except Exception:  # a broken observer must not break the API
                _LOGGER.exception("stand-in call observer failed on %s", method)

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
            width, height = image_size(message.photo)
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
        shown = message.shown_text if message.shown_text is not None else message.text
        if shown is not None and (shown or not has_media):
            rendered["caption" if has_media else "text"] = shown
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
    ) -> StoredFile:
        number = next(self._file_numbers)
        extension = mimetypes.guess_extension(mime_type or "") or (
            ".jpg" if kind == "photo" else ""
        )
        stored = StoredFile(
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
