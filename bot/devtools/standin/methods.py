"""The Bot API methods the stand-in answers, with Telegram's checks on their parameters."""

from __future__ import annotations

import json
import mimetypes
import re
import time
from collections.abc import Awaitable, Callable
from typing import Any

from bot.devtools.standin.entities import check_caption, check_text
from bot.devtools.standin.errors import NOT_MODIFIED, QUERY_TOO_OLD, ApiError, bad
from bot.devtools.standin.store import Store, StoredFile, StoredMessage, UploadedFile

MAX_CALLBACK_DATA_BYTES = 64
MAX_CALLBACK_ANSWER_LENGTH = 200
MAX_LONG_POLL_SECONDS = 30.0

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


def _inline_markup(value: Any) -> dict[str, Any] | None:
    """Validate an InlineKeyboardMarkup; an empty keyboard is no keyboard."""
    rows = value.get("inline_keyboard") if isinstance(value, dict) else None
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad(
            'can\'t parse inline keyboard markup: field "inline_keyboard" must be '
            "an Array of Arrays"
        )
    for row in rows:
        for button in row:
            if not isinstance(button, dict):
                raise bad("can't parse inline keyboard button: object expected")
            label = button.get("text")
            if not isinstance(label, str) or not label.strip():
                raise bad("can't parse inline keyboard button: Text must be non-empty")
            if not _BUTTON_ACTIONS.intersection(button):
                raise bad(
                    "can't parse inline keyboard button: Text buttons are unallowed in the "
                    "inline keyboard"
                )
            data = button.get("callback_data")
            if data is not None and (
                not isinstance(data, str)
                or not 1 <= len(data.encode("utf-8")) <= MAX_CALLBACK_DATA_BYTES
            ):
                raise bad("BUTTON_DATA_INVALID")
    if not any(rows):
        return None
    return dict(value)


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
            return _inline_markup(value), None
        return None, value

    def _edit_markup(self, params: dict[str, Any]) -> dict[str, Any] | None:
        value = params.get("reply_markup")
        if value is None:
            return None  # Telegram removes the inline keyboard when none is given
        return _inline_markup(value)

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
            raise bad("can't parse BotCommand array")
        for command in commands:
            if not re.fullmatch(r"[a-z0-9_]{1,32}", command["command"]):
                raise bad("BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", ""))) <= 256:
                raise bad("BOT_COMMAND_DESCRIPTION_INVALID")
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
        chat_id = _chat_id(params)
        text = _text_param(params, "text") or ""
        parse_mode = _parse_mode(params)
        check_text(text, parse_mode)
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
            raise bad("there is no text in the message to edit")
        text = _text_param(params, "text") or ""
        parse_mode = _parse_mode(params)
        check_text(text, parse_mode)
        markup = self._edit_markup(params)
        if text == message.text and markup == message.reply_markup:
            raise ApiError(400, NOT_MODIFIED)
        message.text, message.reply_markup, message.parse_mode = text, markup, parse_mode
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
        check_caption(caption, parse_mode)
        markup = self._edit_markup(params)
        if (caption or None) == (message.text or None) and markup == message.reply_markup:
            raise ApiError(400, NOT_MODIFIED)
        message.text, message.reply_markup, message.parse_mode = caption, markup, parse_mode
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
        chat_id = _chat_id(params)
        stored = self._incoming_file(kind, params.get(kind))
        caption = _text_param(params, "caption")
        parse_mode = _parse_mode(params)
        check_caption(caption, parse_mode)
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
        chat_id = _chat_id(params)
        message = self.messages.get((chat_id, _message_id(params)))
        if message is None or message.deleted:
            raise bad("message to delete not found")
        message.deleted = True
        self._emit("delete", message)
        return True

    async def _send_chat_action(self, params: dict[str, Any]) -> bool:
        _chat_id(params)
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
