"""What Telegram does to a message text or caption before it keeps it, and which ones it refuses.

The order and the texts follow the Bot API server and TDLib:

1. the raw text (as sent, before parsing) may have at most 32,768 UTF-8 bytes:
   tdlib/telegram-bot-api ``Client::get_formatted_text``, ``text.size() > (1 << 15)`` ->
   "Text is too long"; an empty raw message text is refused before that
   (``Client::get_input_message_text``: "Message text is empty");
2. the parse mode ("HTML", "MarkdownV2", legacy "Markdown", "none" or nothing, in any case)
   turns it into visible text and entities (:mod:`.parsing`); another mode is refused
   ("Unsupported parse_mode");
3. TDLib's ``fix_formatted_text`` (td ``MessageEntity.cpp``) cleans it (``clean_input_string``
   in td ``misc.cpp``: control characters become spaces, "\\r" and U+2028..U+202E go),
   trims spaces and line breaks at both ends (leading ones only before the first entity), and
   refuses a text with nothing visible left ("Text must be non-empty");
4. the length limits apply to that parsed, trimmed text, counted in Unicode code points
   (``utf8_length``, not UTF-16 units and not the raw HTML): td ``MessageContent.cpp``
   refuses a bot's text over ``message_text_length_max`` (4096) with "Message is too long"
   and a caption over ``message_caption_length_max`` (1024) with "Message caption is too
   long". Edits have no such local check: the server answers MESSAGE_TOO_LONG /
   MEDIA_CAPTION_TOO_LONG, which the Bot API passes on as they are.

The Bot API server lower-cases the first letter of TDLib's messages and prefixes "Bad Request: "
(``Client::fail_query_with_error``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from telegram.constants import MessageLimit

from bot.devtools.standin.errors import bad
from bot.devtools.standin.parsing import (
    Entity,
    ParseError,
    parse_html,
    parse_markdown,
    parse_markdown_v2,
)

MAX_RAW_TEXT_BYTES = 1 << 15
MAX_MESSAGE_LENGTH = int(MessageLimit.MAX_TEXT_LENGTH)
MAX_CAPTION_LENGTH = int(MessageLimit.CAPTION_LENGTH)

_PARSERS: dict[str, Callable[[str], tuple[str, list[Entity]]]] = {
    "html": parse_html,
    "markdownv2": parse_markdown_v2,
    "markdown": parse_markdown,
}
# clean_input_string: removed outright.
_REMOVED = frozenset("\r\u2028\u2029\u202a\u202b\u202c\u202d\u202e\u0333\u033f\u030a")
# strip_empty_characters / is_empty_string: characters that show nothing.
_BLANK = frozenset(
    " \t\n\v\f\u00a0\u1680\u180e\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008"
    "\u2009\u200a\u200b\u200c\u200d\u200e\u200f\u202e\u202f\u205f\u2800\u3000\ufeff\ufffc"
)


@dataclass(frozen=True)
class FormattedText:
    """A text as Telegram keeps and shows it: visible characters and formatting entities."""

    text: str
    entities: tuple[Entity, ...] = ()


def utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def format_text(raw: str, parse_mode: str | None, *, allow_empty: bool) -> FormattedText:
    """Steps 1 to 3 above: the raw size, the parse mode, cleaning and trimming."""
    if len(raw.encode("utf-8")) > MAX_RAW_TEXT_BYTES:
        raise bad("text is too long")
    mode = (parse_mode or "").lower()
    entities: list[Entity] = []
    text = raw
    if raw and mode and mode != "none":
        parser = _PARSERS.get(mode)
        if parser is None:
            raise bad("unsupported parse_mode")
        try:
            text, entities = parser(raw)
        except ParseError as error:
            raise bad(f"can't parse entities: {error}") from None
    return _fix(text, entities, allow_empty=allow_empty)


def message_text(raw: str | None, parse_mode: str | None, *, edit: bool = False) -> FormattedText:
    """A message text as sendMessage (or, with ``edit``, editMessageText) takes it."""
    if not raw:
        raise bad("message text is empty")
    formatted = format_text(raw, parse_mode, allow_empty=False)
    if len(formatted.text) > MAX_MESSAGE_LENGTH:
        raise bad("MESSAGE_TOO_LONG" if edit else "message is too long")
    return formatted


def caption_text(raw: str | None, parse_mode: str | None, *, edit: bool = False) -> FormattedText:
    """A caption as sendPhoto/sendDocument (or, with ``edit``, editMessageCaption) takes it;
    it may be empty."""
    formatted = format_text(raw or "", parse_mode, allow_empty=True)
    if len(formatted.text) > MAX_CAPTION_LENGTH:
        raise bad("MEDIA_CAPTION_TOO_LONG" if edit else "message caption is too long")
    return formatted


def _fix(text: str, entities: list[Entity], *, allow_empty: bool) -> FormattedText:
    """td's ``fix_formatted_text``, for what a bot's message needs: clean, trim, refuse empty."""
    text, entities = _clean(text, entities)
    trimmed = text.rstrip(" \n")
    if not trimmed:
        if allow_empty:
            return FormattedText("")
        raise bad("text must be non-empty")
    end = utf16_length(trimmed)
    kept = [
        Entity(e.type, e.offset, min(e.length, end - e.offset), e.argument)
        for e in entities
        if e.offset < end
    ]
    first_entity = min((e.offset for e in kept), default=end)
    leading = 0
    while leading < first_entity and trimmed[leading] in " \n":
        leading += 1
    trimmed = trimmed[leading:]
    kept = [Entity(e.type, e.offset - leading, e.length, e.argument) for e in kept]
    if all(char in _BLANK for char in trimmed):
        if allow_empty:
            return FormattedText("")
        raise bad("text must be non-empty")
    return FormattedText(trimmed, tuple(kept))


def _clean(text: str, entities: list[Entity]) -> tuple[str, list[Entity]]:
    """``clean_input_string``: control characters other than "\\n" become spaces; "\\r",
    U+2028..U+202E and three combining vertical lines are removed (entities move with)."""
    out: list[str] = []
    new_offset: list[int] = []  # UTF-16 offset in the cleaned text of each old UTF-16 offset
    position = 0
    for char in text:
        units = 2 if ord(char) > 0xFFFF else 1
        new_offset.extend([position] * units)
        if char in _REMOVED:
            continue
        out.append(" " if ord(char) < 32 and char != "\n" else char)
        position += units
    new_offset.append(position)
    if not entities or len(out) == len(text):
        return "".join(out), entities
    moved: list[Entity] = []
    for entity in entities:
        start = new_offset[min(entity.offset, len(new_offset) - 1)]
        stop = new_offset[min(entity.offset + entity.length, len(new_offset) - 1)]
        if stop > start:
            moved.append(Entity(entity.type, start, stop - start, entity.argument))
    return "".join(out), moved
