"""Reply markup as the Bot API reads it: inline keyboards and their buttons.

Sources: tdlib/telegram-bot-api ``Client::get_reply_markup``, ``Client::get_inline_keyboard_button``
and ``Client::get_inline_keyboard_button_type`` (what a button must carry, and the error texts);
tdlib/td ``ReplyMarkup.cpp`` ``get_reply_markup`` (a button whose text is empty is dropped
without an error, as is a row left empty; a keyboard left empty is no keyboard). Telegram's
server refuses callback data that is not 1-64 bytes: BUTTON_DATA_INVALID.

Not modelled: checking ``url`` targets (td ``LinkManager::check_link``), login URLs, the
per-row and total button caps that TDLib applies by cutting the keyboard short.
"""

from __future__ import annotations

from typing import Any

from telegram.constants import InlineKeyboardButtonLimit

from bot.devtools.standin.errors import bad

MAX_CALLBACK_DATA_BYTES = int(InlineKeyboardButtonLimit.MAX_CALLBACK_DATA)

# What makes an inline button more than a label, in the order the Bot API looks for them;
# "url" and "callback_data" count only when not empty.
_ACTIONS = (
    "callback_game",
    "pay",
    "switch_inline_query",
    "switch_inline_query_chosen_chat",
    "switch_inline_query_current_chat",
    "login_url",
    "web_app",
    "copy_text",
)


def _button(item: Any) -> dict[str, Any]:
    if not isinstance(item, dict):
        raise bad("can't parse inline keyboard button: InlineKeyboardButton must be an Object")
    value: dict[str, Any] = item
    if "text" not in value:
        raise bad("can't parse inline keyboard button: Can't find field \"text\"")
    label = value["text"]
    if isinstance(label, int | float) and not isinstance(label, bool):
        value = {**value, "text": str(label)}  # td's JSON reader takes a number as a string
    elif not isinstance(label, str):
        raise bad('can\'t parse inline keyboard button: Field "text" must be of type String')
    url, data = value.get("url"), value.get("callback_data")
    has_url = isinstance(url, str) and bool(url)
    has_data = isinstance(data, str) and bool(data)
    if not has_url and not has_data and not any(action in value for action in _ACTIONS):
        raise bad(
            "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
        )
    if has_data and not has_url and len(str(data).encode("utf-8")) > MAX_CALLBACK_DATA_BYTES:
        raise bad("BUTTON_DATA_INVALID")
    return value


def inline_keyboard(value: Any) -> dict[str, Any] | None:
    """An InlineKeyboardMarkup as Telegram keeps it; None when nothing is left of it."""
    rows = value.get("inline_keyboard") if isinstance(value, dict) else None
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad('field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays')
    kept: list[list[dict[str, Any]]] = []
    for row in rows:
        buttons = [_button(button) for button in row]
        shown = [button for button in buttons if button["text"]]  # empty labels: dropped
        if shown:
            kept.append(shown)
    if not kept:
        return None
    return {**value, "inline_keyboard": kept}


def is_callback_button(button: dict[str, Any]) -> bool:
    """A button whose tap sends the bot a callback query (a link opens, and sends nothing)."""
    url, data = button.get("url"), button.get("callback_data")
    return isinstance(data, str) and bool(data) and not (isinstance(url, str) and url)
