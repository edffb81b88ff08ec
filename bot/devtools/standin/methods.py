"""The Bot API methods the stand-in answers, with Telegram's checks on their parameters.

Each rule cites where Telegram's behaviour comes from; the texts and the parse modes are in
:mod:`.entities` and :mod:`.parsing`, keyboards in :mod:`.markup`.
"""

from __future__ import annotations

import json
import mimetypes
import re
import time
import urllib.parse
from collections.abc import Awaitable, Callable
from typing import Any

from telegram.constants import BotCommandLimit, CallbackQueryLimit, FileSizeLimit, WebhookLimit

from bot.devtools.standin.entities import FormattedText, caption_text, message_text
from bot.devtools.standin.errors import (
    CANT_INITIATE,
    NOT_MODIFIED,
    QUERY_TOO_OLD,
    ApiError,
    bad,
)
from bot.devtools.standin.markup import inline_keyboard
from bot.devtools.standin.store import (
    Store,
    StoredFile,
    StoredMessage,
    UploadedFile,
    image_dimensions,
)

MAX_CALLBACK_ANSWER_LENGTH = int(CallbackQueryLimit.ANSWER_CALLBACK_QUERY_TEXT_LENGTH)
MAX_LONG_POLL_SECONDS = 30.0
MAX_PHOTO_BYTES = int(FileSizeLimit.PHOTOSIZE_UPLOAD)
MAX_PHOTO_SIDES = 10_000  # width + height
MAX_PHOTO_RATIO = 20
MAX_COMMANDS = int(BotCommandLimit.MAX_COMMAND_NUMBER)
MAX_COMMAND_LENGTH = int(BotCommandLimit.MAX_COMMAND)
MAX_COMMAND_DESCRIPTION = int(BotCommandLimit.MAX_DESCRIPTION)
MAX_SECRET_TOKEN_LENGTH = int(WebhookLimit.MAX_SECRET_TOKEN_LENGTH)
WEBHOOK_PORTS = frozenset([80, 88, 443, 8443])

Handler = Callable[[dict[str, Any]], Awaitable[Any]]


def _chat_id(params: dict[str, Any]) -> int:
    chat_id = params.get("chat_id")
    if chat_id is None or chat_id == "":
        raise bad("chat_id is empty")
    if isinstance(chat_id, bool) or not isinstance(chat_id, int):
        raise bad("chat not found")
    return chat_id


def _message_id(params: dict[str, Any]) -> int:
    message_id = params.get("message_id")
    if isinstance(message_id, bool) or not isinstance(message_id, int):
        raise bad("message identifier is not specified")
    return message_id


def _parse_mode(params: dict[str, Any]) -> str | None:
    parse_mode = params.get("parse_mode")
    return parse_mode if isinstance(parse_mode, str) and parse_mode else None


def _text_param(params: dict[str, Any], key: str) -> str | None:
    value = params.get(key)
    return None if value is None else str(value)


def _shown(formatted: FormattedText) -> dict[str, Any]:
    """The StoredMessage fields for what Telegram shows of a text."""
    return {
        "shown_text": formatted.text,
        "entities": [entity.to_api() for entity in formatted.entities] or None,
    }


def _show(message: StoredMessage, formatted: FormattedText) -> None:
    message.shown_text = formatted.text
    message.entities = [entity.to_api() for entity in formatted.entities] or None


def _same_content(message: StoredMessage, formatted: FormattedText) -> bool:
    shown = message.shown_text if message.shown_text is not None else (message.text or "")
    return shown == formatted.text and (message.entities or None) == (
        [entity.to_api() for entity in formatted.entities] or None
    )


def _check_photo(data: bytes) -> None:
    """The limits the Bot API documents for sendPhoto ("The photo must be at most 10 MB in
    size. The photo's width and height must not exceed 10000 in total. Width and height ratio
    must be at most 20"; the same words in td_api.tl ``inputMessagePhoto``). Telegram's server
    answers PHOTO_SAVE_FILE_INVALID to a photo over 10 MB and PHOTO_INVALID_DIMENSIONS to
    dimensions beyond those (as reported in zhukov/webogram#1011 and #726, tdlib/td#2544).
    Only PNG and JPEG headers are read; other images pass the dimension check."""
    if len(data) > MAX_PHOTO_BYTES:
        raise bad("PHOTO_SAVE_FILE_INVALID")
    dimensions = image_dimensions(data)
    if dimensions is None:
        return
    width, height = dimensions
    if (
        width < 1
        or height < 1
        or width + height > MAX_PHOTO_SIDES
        or max(width, height) > MAX_PHOTO_RATIO * min(width, height)
    ):
        raise bad("PHOTO_INVALID_DIMENSIONS")


def _check_webhook(params: dict[str, Any]) -> tuple[str, str]:
    """setWebhook's checks, in the order tdlib/telegram-bot-api makes them: the URL must parse
    (``td::parse_url``, https by default: "invalid webhook URL specified"), the secret token
    must be at most 256 characters of A-Z, a-z, 0-9, "_" and "-" (``Client::do_set_webhook``:
    "secret token is too long", "secret token contains unallowed characters"), and then
    ``WebhookActor::start_up`` refuses http and ports other than 80, 88, 443 and 8443
    ("bad webhook: An HTTPS URL must be provided for webhook", "bad webhook: Webhook can be
    set up only on ports 80, 88, 443 or 8443"). Returns (url, secret token)."""
    url = str(params.get("url") or "")
    secret = str(params.get("secret_token") or "")
    if not url:
        return "", ""
    parsed = urllib.parse.urlsplit(url if "://" in url else f"https://{url}")
    try:
        port = parsed.port
    except ValueError:
        port = -1
    if parsed.scheme.lower() not in ("http", "https") or not parsed.hostname or port == -1:
        raise bad("invalid webhook URL specified")
    if len(secret) > MAX_SECRET_TOKEN_LENGTH:
        raise bad("secret token is too long")
    if not re.fullmatch(r"[A-Za-z0-9_-]*", secret):
        raise bad("secret token contains unallowed characters")
    if parsed.scheme.lower() != "https":
        raise bad("bad webhook: An HTTPS URL must be provided for webhook")
    if (port or 443) not in WEBHOOK_PORTS:
        raise bad("bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443")
    return url, secret


def _menu_key(params: dict[str, Any]) -> tuple[str, str]:
    """Which menu a set/get/deleteMyCommands names: its scope and its language. tdlib's
    ``validate_bot_language_code`` takes "" or two lower-case letters; BotCommandScope
    types as the Bot API lists them (a chat scope needs its chat_id)."""
    language = params.get("language_code") or ""
    if not isinstance(language, str) or not (
        language == "" or (len(language) == 2 and language.isascii() and language.islower())
    ):
        raise bad("invalid language code specified")
    scope = params.get("scope") or {"type": "default"}
    if isinstance(scope, str):
        try:
            scope = json.loads(scope)
        except ValueError:
            raise bad("can't parse BotCommandScope JSON object") from None
    if not isinstance(scope, dict):
        raise bad("can't parse BotCommandScope JSON object")
    kind = scope.get("type")
    if kind in ("default", "all_private_chats", "all_group_chats", "all_chat_administrators"):
        return (str(kind), language)
    if kind in ("chat", "chat_administrators", "chat_member"):
        chat_id = scope.get("chat_id")
        if not isinstance(chat_id, int | str) or chat_id == "":
            raise bad("chat not found")
        return (f"{'chat' if kind == 'chat' else kind}:{chat_id}", language)
    raise bad("unsupported bot command scope type specified")


def _commands(params: dict[str, Any]) -> list[dict[str, Any]]:
    """setMyCommands' checks: tdlib/telegram-bot-api ``Client::get_bot_commands`` reads the
    array; tdlib/td ``BotCommand.cpp`` ``set_commands`` trims each command (and a leading "/")
    and description and refuses empty or too long ones; Telegram's server refuses more than
    100 commands (BOT_COMMANDS_TOO_MUCH, ``BotCommandLimit.MAX_COMMAND_NUMBER``) and a command
    other than lowercase letters, digits and "_" (BOT_COMMAND_INVALID)."""
    commands = params.get("commands")
    if commands is None or commands == "":
        return []
    if not isinstance(commands, list):
        raise bad("expected an Array of BotCommand")
    kept: list[dict[str, Any]] = []
    for command in commands:
        if not isinstance(command, dict):
            raise bad("can't parse BotCommand: expected an Object")
        name, description = command.get("command"), command.get("description")
        if not isinstance(name, str) or not isinstance(description, str):
            missing = "command" if not isinstance(name, str) else "description"
            raise bad(f"can't parse BotCommand: Can't find field \"{missing}\"")
        name = name.strip()
        name = name.removeprefix("/")
        description = description.strip()
        if not name:
            raise bad("command must be non-empty")
        if len(name) > MAX_COMMAND_LENGTH:
            raise bad(f"command length must not exceed {MAX_COMMAND_LENGTH}")
        if not description:
            raise bad("command description must be non-empty")
        if len(description) > MAX_COMMAND_DESCRIPTION:
            raise bad(f"command description length must not exceed {MAX_COMMAND_DESCRIPTION}")
        kept.append({**command, "command": name, "description": description})
    if len(kept) > MAX_COMMANDS:
        raise bad("BOT_COMMANDS_TOO_MUCH")
    if any(not re.fullmatch(r"[a-z0-9_]+", command["command"]) for command in kept):
        raise bad("BOT_COMMAND_INVALID")
    return kept


class BotApiMethods(Store):
    """One coroutine per Bot API method: it reads the parameters, changes the store, and
    returns the ``result`` (or raises :class:`ApiError` with Telegram's answer)."""

    def _method_handlers(self) -> list[tuple[str, Handler]]:
        """Telegram's name of each method and the coroutine that answers it."""
        return [
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

    # ------------------------------------------------------------------ parameters

    def _incoming_file(self, kind: str, value: Any) -> StoredFile:
        if isinstance(value, UploadedFile):
            if not value.data:
                raise bad("file must be non-empty")
            if kind == "photo":
                _check_photo(value.data)
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
            if not value.startswith(("http://", "https://")):
                # A file_id this server never gave out (or one from another bot)
                raise bad("wrong file identifier/HTTP URL specified")
            # A URL: the stand-in cannot fetch it, so it keeps the reference only.
            return self._store_file(kind, b"", value.rsplit("/", 1)[-1] or None, None)
        raise bad(f"there is no {kind} in the request")

    def _markups(
        self, params: dict[str, Any]
    ) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
        """(inline keyboard, other reply markup) of a send call."""
        value = params.get("reply_markup")
        if value is None:
            return None, None
        if not isinstance(value, dict):
            raise bad("can't parse reply keyboard markup JSON object")
        if "inline_keyboard" in value:
            return inline_keyboard(value), None
        return None, value

    def _edit_markup(self, params: dict[str, Any]) -> dict[str, Any] | None:
        value = params.get("reply_markup")
        if value is None:
            return None  # Telegram removes the inline keyboard when none is given
        return inline_keyboard(value)

    def _sendable(self, params: dict[str, Any]) -> int:
        """The chat of a send, if the bot may write there.

        A private chat must have been opened by its user: Telegram's server answers a bot's
        message to anyone else PEER_ID_INVALID, which TDLib turns into 403 "Bot can't initiate
        conversation with a user" (td ``MessagesManager::process_send_message_fail_error``).
        A group must be one the stand-in has seen (an update from it); otherwise the Bot API
        answers "chat not found" (tdlib/telegram-bot-api ``Client::check_chat``)."""
        chat_id = _chat_id(params)
        if chat_id > 0 and not self.chat_is_open(chat_id):
            raise ApiError(403, CANT_INITIATE)
        if chat_id < 0 and chat_id not in self._chats:
            raise bad("chat not found")
        return chat_id

    def _editable(self, params: dict[str, Any]) -> StoredMessage:
        chat_id = _chat_id(params)
        message = self.messages.get((chat_id, _message_id(params)))
        if message is None or message.deleted:
            raise bad("message to edit not found")
        if not message.from_bot:
            raise bad("message can't be edited")
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
        self.webhook_url, self.webhook_secret_token = _check_webhook(params)
        return True

    async def _delete_webhook(self, params: dict[str, Any]) -> bool:
        self.webhook_url = self.webhook_secret_token = ""
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
        key = _menu_key(params)
        self.menus[key] = _commands(params)
        return True

    async def _get_my_commands(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        return list(self.menus.get(_menu_key(params), []))

    async def _delete_my_commands(self, params: dict[str, Any]) -> bool:
        self.menus.pop(_menu_key(params), None)
        return True

    @property
    def commands(self) -> list[dict[str, Any]]:
        """The menu for every user (default scope, no language)."""
        return self.menus.get(("default", ""), [])

    def menu_for(self, chat_id: int, language_code: str | None) -> list[dict[str, Any]]:
        """What a private chat's user sees, as Telegram picks it: the chat's own menu, then
        the default scope's, each in the user's language first, then without a language."""
        language = (language_code or "")[:2]
        for key in (
            (f"chat:{chat_id}", language),
            (f"chat:{chat_id}", ""),
            ("all_private_chats", language),
            ("all_private_chats", ""),
            ("default", language),
            ("default", ""),
        ):
            if key in self.menus:
                return self.menus[key]
        return []

    async def _get_chat_menu_button(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"type": "commands"}

    async def _send_message(self, params: dict[str, Any]) -> dict[str, Any]:
        _chat_id(params)
        text = _text_param(params, "text") or ""
        parse_mode = _parse_mode(params)
        formatted = message_text(text, parse_mode)
        inline, other = self._markups(params)
        chat_id = self._sendable(params)
        message = self._new_message(
            chat_id,
            from_bot=True,
            text=text,
            reply_markup=inline,
            parse_mode=parse_mode,
            reply_keyboard=other,
            **_shown(formatted),
        )
        return self._render(message)

    async def _edit_message_text(self, params: dict[str, Any]) -> dict[str, Any]:
        message = self._editable(params)
        if message.photo is not None or message.document is not None:
            raise bad("there is no text in the message to edit")
        text = _text_param(params, "text") or ""
        parse_mode = _parse_mode(params)
        formatted = message_text(text, parse_mode, edit=True)
        markup = self._edit_markup(params)
        # Telegram compares what is shown: "a &amp; b" in HTML is the same text as "a & b",
        # plain "x" and bold "x" are not (td ``MessagesManager::edit_message_text`` sends the
        # edit; the server answers MESSAGE_NOT_MODIFIED).
        if _same_content(message, formatted) and markup == message.reply_markup:
            raise ApiError(400, NOT_MODIFIED)
        message.text, message.reply_markup, message.parse_mode = text, markup, parse_mode
        _show(message, formatted)
        return self._edited(message)

    async def _edit_message_reply_markup(self, params: dict[str, Any]) -> dict[str, Any]:
        message = self._editable(params)
        markup = self._edit_markup(params)
        if markup == message.reply_markup:
            raise ApiError(400, NOT_MODIFIED)
        message.reply_markup = markup
        return self._edited(message)

    async def _edit_message_caption(self, params: dict[str, Any]) -> dict[str, Any]:
        message = self._editable(params)
        if message.photo is None and message.document is None:
            raise bad("there is no caption in the message to edit")
        caption = _text_param(params, "caption")
        parse_mode = _parse_mode(params)
        formatted = caption_text(caption, parse_mode, edit=True)
        markup = self._edit_markup(params)
        if _same_content(message, formatted) and markup == message.reply_markup:
            raise ApiError(400, NOT_MODIFIED)
        message.text, message.reply_markup, message.parse_mode = caption, markup, parse_mode
        _show(message, formatted)
        return self._edited(message)

    async def _answer_callback_query(self, params: dict[str, Any]) -> bool:
        query_id = str(params.get("callback_query_id") or "")
        if query_id not in self._open_callbacks or query_id in self.answered_callbacks:
            raise bad(QUERY_TOO_OLD.removeprefix("Bad Request: "))
        text = params.get("text")
        if isinstance(text, str) and len(text) > MAX_CALLBACK_ANSWER_LENGTH:
            raise bad("MESSAGE_TOO_LONG")
        self._open_callbacks.discard(query_id)
        self.answered_callbacks[query_id] = dict(params)
        return True

    async def _send_media(self, params: dict[str, Any], kind: str) -> dict[str, Any]:
        _chat_id(params)
        stored = self._incoming_file(kind, params.get(kind))
        caption = _text_param(params, "caption")
        parse_mode = _parse_mode(params)
        formatted = caption_text(caption, parse_mode)
        inline, other = self._markups(params)
        chat_id = self._sendable(params)
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
            **_shown(formatted),
        )
        return self._render(message)

    async def _send_photo(self, params: dict[str, Any]) -> dict[str, Any]:
        return await self._send_media(params, "photo")

    async def _send_document(self, params: dict[str, Any]) -> dict[str, Any]:
        return await self._send_media(params, "document")

    async def _delete_message(self, params: dict[str, Any]) -> bool:
        chat_id = _chat_id(params)
        message = self.messages.get((chat_id, _message_id(params)))
        if message is None or message.deleted:
            raise bad("message to delete not found")
        message.deleted = True
        self._emit("delete", message)
        return True

    async def _send_chat_action(self, params: dict[str, Any]) -> bool:
        # A chat action goes to the peer as a message does (td sendChatAction -> the same
        # peer check), so the same chats refuse it; `doctor` relies on this to find admins
        # who never pressed Start.
        self._sendable(params)
        return True

    async def _get_file(self, params: dict[str, Any]) -> dict[str, Any]:
        stored = self._files.get(str(params.get("file_id") or ""))
        if stored is None:
            raise bad("invalid file_id")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.unique_id,
            "file_size": len(stored.data),
            "file_path": stored.path,
        }
