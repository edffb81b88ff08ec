"""Telegram's three parse modes, ported from TDLib, which the Bot API server runs them through.

Source: tdlib/td, ``td/telegram/MessageEntity.cpp`` (``parse_html``, ``decode_html_entity``,
``parse_markdown``, ``parse_markdown_v2``); the Bot API server calls them through
``parseTextEntities`` (tdlib/telegram-bot-api, ``Client::get_formatted_text``) and prefixes
their errors with "Can't parse entities: " (td ``SynchronousRequests.cpp``).

The ports walk the UTF-8 bytes as TDLib does, so that error offsets are byte offsets and a
position past the end reads as the NUL that ends a C string. They return the visible text and
its entities (offsets and lengths in UTF-16 code units, as the Bot API reports them). Not
modelled: checking link targets (TDLib's ``LinkManager``: a ``tg://user`` link would become a
``text_mention``, an invalid URL drops the entity) and ``tg-time`` formats.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any


class ParseError(Exception):
    """TDLib's parse error, without the "Can't parse entities: " prefix."""


@dataclass(frozen=True)
class Entity:
    """A formatting entity: a Bot API type name, UTF-16 offset and length, and its argument
    (the URL of a text_link, the language of a pre, the id of a custom_emoji)."""

    type: str
    offset: int
    length: int
    argument: str = ""

    def to_api(self) -> dict[str, Any]:
        entity: dict[str, Any] = {"type": self.type, "offset": self.offset, "length": self.length}
        if self.type == "text_link":
            entity["url"] = self.argument
        elif self.type == "pre" and self.argument:
            entity["language"] = self.argument
        elif self.type == "custom_emoji":
            entity["custom_emoji_id"] = self.argument
        return entity


# td's names for entity types, as they appear in "Can't find end of ... entity" errors.
_TD_NAMES = {
    "bold": "Bold",
    "italic": "Italic",
    "underline": "Underline",
    "strikethrough": "Strikethrough",
    "spoiler": "Spoiler",
    "code": "Code",
    "pre": "Pre",
    "pre_code": "PreCode",
    "text_link": "TextUrl",
    "custom_emoji": "CustomEmoji",
    "date_time": "Date",
    "blockquote": "BlockQuote",
    "expandable_blockquote": "ExpandableBlockQuote",
}
_HTML_TAGS = frozenset(
    [
        "a",
        "b",
        "strong",
        "i",
        "em",
        "s",
        "strike",
        "del",
        "u",
        "ins",
        "tg-spoiler",
        "tg-emoji",
        "tg-time",
        "span",
        "pre",
        "code",
        "blockquote",
    ]
)
_HTML_ENTITY_TYPES = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "blockquote": "blockquote",
}
_NAMED_HTML_ENTITIES = {b"lt": 0x3C, b"gt": 0x3E, b"amp": 0x26, b"quot": 0x22}
_INT64_RE = re.compile(rb"-?\d+")
_EMOJI_URL_RE = re.compile(r"tg://emoji\?id=(\d+)")
_TIME_URL_RE = re.compile(r"tg://time\?unix=(\d+)(?:&format=\w*)?")


def _reserved(char: int) -> ParseError:
    return ParseError(
        f"Character '{chr(char)}' is reserved and must be escaped with the preceding '\\'"
    )


def _is_space(char: int) -> bool:  # td::is_space: NUL (the end of a C string) counts
    return char in (0x20, 0x09, 0x0D, 0x0A, 0x00, 0x0B)


def _is_alpha(char: int) -> bool:
    return 0x61 <= (char | 0x20) <= 0x7A


def _is_digit(char: int) -> bool:
    return 0x30 <= char <= 0x39


def _units(char: int) -> int:
    """UTF-16 units added by a UTF-8 byte: 1 for a first byte (2 for a 4-byte one), else 0."""
    if char & 0xC0 == 0x80:
        return 0
    return 2 if char >= 0xF0 else 1


class _Bytes:
    """UTF-8 bytes read like a C string: past the end there is NUL."""

    def __init__(self, text: str) -> None:
        self.data = text.encode("utf-8")
        self.size = len(self.data)

    def __getitem__(self, index: int) -> int:
        return self.data[index] if index < self.size else 0


def _text(buffer: bytearray) -> str:
    return bytes(buffer).decode("utf-8")


def _append_code_point(buffer: bytearray, code: int) -> None:
    buffer += chr(code).encode("utf-8", "surrogatepass")


# --------------------------------------------------------------------------------- HTML


def _decode_html_entity(text: _Bytes, pos: int) -> tuple[int, int] | None:
    """td's ``decode_html_entity``: (code point, position after it), or None when the "&"
    starts no supported entity and stays as it is (``&copy;`` is six characters)."""
    end = pos + 1
    code = 0
    if text[pos + 1] == ord("#"):
        end += 1
        if text[pos + 2] == ord("x"):
            end += 1
            while chr(text[end]) in "0123456789abcdefABCDEF" and text[end]:
                code = code * 16 + int(chr(text[end]), 16)
                end += 1
        else:
            while _is_digit(text[end]):
                code = code * 10 + text[end] - 0x30
                end += 1
        if code == 0 or code >= 0x10FFFF or end - pos >= 10:
            return None
    else:
        while _is_alpha(text[end]):
            end += 1
        named = _NAMED_HTML_ENTITIES.get(text.data[pos + 1 : end])
        if named is None:
            return None
        code = named
    if text[end] == ord(";"):
        end += 1
    return code, end


@dataclass
class _OpenTag:
    name: str
    argument: str
    offset: int  # UTF-16
    begin: int  # position in the output


def parse_html(source: str) -> tuple[str, list[Entity]]:
    """td's ``parse_html``: the visible text and entities of Telegram-flavoured HTML."""
    text = _Bytes(source)
    out = bytearray()
    entities: list[Entity] = []
    nested: list[_OpenTag] = []
    utf16 = 0
    surrogate = False
    i = 0
    while i < text.size:
        char = text[i]
        if char == ord("&"):
            decoded = _decode_html_entity(text, i)
            if decoded is not None:
                code, i = decoded
                utf16 += 2 if code > 0xFFFF else 1
                surrogate = surrogate or 0xD800 <= code <= 0xDFFF
                _append_code_point(out, code)
                continue
        if char != ord("<"):
            utf16 += _units(char)
            out.append(char)
            i += 1
            continue
        begin = i
        i += 1
        if text[i] != ord("/"):
            i = _html_start_tag(text, begin, i, nested, utf16, len(out))
        else:
            if not nested:
                raise ParseError(f"Unexpected end tag at byte offset {begin}")
            while not _is_space(text[i]) and text[i] != ord(">"):
                i += 1
            end_name = text.data[begin + 2 : i].lower().decode("utf-8", "replace")
            while _is_space(text[i]) and text[i] != 0:
                i += 1
            if text[i] != ord(">"):
                raise ParseError(f"Unclosed end tag at byte offset {begin}")
            opened = nested[-1]
            if end_name and end_name != opened.name:
                raise ParseError(
                    f'Unmatched end tag at byte offset {begin}, expected "</{opened.name}>", '
                    f'found "</{end_name}>"'
                )
            if utf16 > opened.offset:
                entity = _html_entity(opened, utf16, _text(out[opened.begin :]))
                if entity is not None:
                    entities.append(entity)
            nested.pop()
        i += 1
    if nested:
        raise ParseError(f'Can\'t find end tag corresponding to start tag "{nested[-1].name}"')
    if surrogate:
        try:
            bytes(out).decode("utf-8")
        except UnicodeDecodeError:
            raise ParseError(
                "Text contains invalid Unicode characters after decoding HTML entities, check "
                "for unmatched surrogate code units"
            ) from None
    return _text(out), _sorted(entities)


def _html_start_tag(
    text: _Bytes, begin: int, i: int, nested: list[_OpenTag], utf16: int, out_size: int
) -> int:
    """Read a start tag from after its "<"; returns the position of its ">"."""
    while not _is_space(text[i]) and text[i] != ord(">"):
        i += 1
    if text[i] == 0:
        raise ParseError(f"Unclosed start tag at byte offset {begin}")
    name = text.data[begin + 1 : i].lower().decode("utf-8", "replace")
    if name not in _HTML_TAGS:
        raise ParseError(f'Unsupported start tag "{name}" at byte offset {begin}')
    argument = ""
    while text[i] != ord(">"):
        while text[i] != 0 and _is_space(text[i]):
            i += 1
        if text[i] == ord(">"):
            break
        attribute_begin = i
        while not _is_space(text[i]) and chr(text[i]) not in "=>/\"'":
            i += 1
        attribute = text.data[attribute_begin:i]
        if not attribute:
            raise ParseError(f'Empty attribute name in the tag "{name}" at byte offset {begin}')
        while text[i] != 0 and _is_space(text[i]):
            i += 1
        if text[i] != ord("="):
            if text[i] == 0:
                raise ParseError(f'Unclosed start tag "{name}" at byte offset {begin}')
            if name == "blockquote" and attribute == b"expandable":
                argument = "1"
            continue
        i += 1
        while text[i] != 0 and _is_space(text[i]):
            i += 1
        if text[i] == 0:
            raise ParseError(f'Unclosed start tag "{name}" at byte offset {begin}')
        value = bytearray()
        if text[i] not in (ord("'"), ord('"')):
            # A name token: letters, digits, periods or hyphens, not case sensitive.
            token_begin = i
            while _is_alpha(text[i]) or _is_digit(text[i]) or text[i] in (ord("."), ord("-")):
                i += 1
            value += text.data[token_begin:i].lower()
            if not _is_space(text[i]) and text[i] != ord(">"):
                raise ParseError(f"Unexpected end of name token at byte offset {token_begin}")
        else:
            quote = text[i]
            i += 1
            while text[i] != quote and text[i] != 0:
                if text[i] == ord("&"):
                    decoded = _decode_html_entity(text, i)
                    if decoded is not None:
                        code, i = decoded
                        _append_code_point(value, code)
                        continue
                value.append(text[i])
                i += 1
            if text[i] == quote:
                i += 1
        if text[i] == 0:
            raise ParseError(f"Unclosed start tag at byte offset {begin}")
        decoded_value = bytes(value).decode("utf-8", "replace")
        if name == "a" and attribute == b"href":
            argument = decoded_value
        elif name == "code" and attribute == b"class" and decoded_value.startswith("language-"):
            argument = decoded_value.removeprefix("language-")
        elif name == "span" and attribute == b"class" and decoded_value.startswith("tg-"):
            argument = decoded_value.removeprefix("tg-")
        elif name == "tg-emoji" and attribute == b"emoji-id":
            argument = decoded_value
        elif name == "blockquote" and attribute == b"expandable":
            argument = "1"
        elif name == "tg-time" and attribute == b"format":
            argument = decoded_value
    if name == "span" and argument != "spoiler":
        raise ParseError(f'Tag "span" must have class "tg-spoiler" at byte offset {begin}')
    nested.append(_OpenTag(name, argument, utf16, out_size))
    return i


def _html_entity(opened: _OpenTag, utf16: int, inner: str) -> Entity | None:
    offset, length = opened.offset, utf16 - opened.offset
    name, argument = opened.name, opened.argument
    if name in _HTML_ENTITY_TYPES:
        kind = _HTML_ENTITY_TYPES[name]
        if kind == "blockquote" and argument:
            kind = "expandable_blockquote"
        return Entity(kind, offset, length)
    if name == "tg-emoji":
        if not _INT64_RE.fullmatch(argument.encode()) or not -(2**63) <= int(argument) < 2**63:
            raise ParseError("Invalid custom emoji identifier specified")
        if int(argument) == 0:
            raise ParseError("Invalid custom emoji identifier specified")
        return Entity("custom_emoji", offset, length, argument)
    if name == "a":
        url = argument or inner
        return Entity("text_link", offset, length, url) if url else None
    if name == "code":
        return Entity("code", offset, length, argument)  # "pre" below takes the language
    if name == "pre":
        return Entity("pre", offset, length)
    return None  # tg-time: not modelled


def _sorted(entities: list[Entity]) -> list[Entity]:
    """td's ``sort_entities`` order (offset, then longer first), merging ``<pre><code
    class="language-x">`` into one pre with a language, as td does."""
    merged: list[Entity] = []
    for entity in entities:
        if merged and merged[-1].offset == entity.offset and merged[-1].length == entity.length:
            previous = merged[-1]
            code = previous if previous.type == "code" else entity
            if {previous.type, entity.type} == {"pre", "code"} and code.argument:
                merged[-1] = Entity("pre", entity.offset, entity.length, code.argument)
                continue
        merged.append(entity)
    cleaned = [Entity(e.type, e.offset, e.length, "") if e.type == "code" else e for e in merged]
    return sorted(cleaned, key=lambda e: (e.offset, -e.length, e.type))


# ----------------------------------------------------------------------------- Markdown


def parse_markdown(source: str) -> tuple[str, list[Entity]]:
    """td's ``parse_markdown``: the legacy "Markdown" parse mode."""
    text = _Bytes(source)
    out = bytearray()
    entities: list[Entity] = []
    utf16 = 0
    i = 0
    markers = (ord("_"), ord("*"), ord("`"), ord("["))
    while i < text.size:
        char = text[i]
        if char == ord("\\") and text[i + 1] in markers:
            out.append(text[i + 1])
            utf16 += 1
            i += 2
            continue
        if char not in markers:
            utf16 += _units(char)
            out.append(char)
            i += 1
            continue
        begin = i
        end_char = ord("]") if char == ord("[") else char
        is_pre = False
        i += 1
        language = b""
        if char == ord("`") and text[i] == ord("`") and text[i + 1] == ord("`"):
            i += 2
            is_pre = True
            language_end = i
            while not _is_space(text[language_end]) and text[language_end] != ord("`"):
                language_end += 1
            if i != language_end and language_end < text.size and text[language_end] != ord("`"):
                language = text.data[i:language_end]
                i = language_end
            i = _skip_one_newline(text, i)
        offset = utf16
        while i < text.size and (
            text[i] != end_char
            or (is_pre and not (text[i + 1] == ord("`") and text[i + 2] == ord("`")))
        ):
            utf16 += _units(text[i])
            out.append(text[i])
            i += 1
        if i == text.size:
            raise ParseError(f"Can't find end of the entity starting at byte offset {begin}")
        if offset != utf16:
            length = utf16 - offset
            if char == ord("_"):
                entities.append(Entity("italic", offset, length))
            elif char == ord("*"):
                entities.append(Entity("bold", offset, length))
            elif char == ord("["):
                if text[i + 1] != ord("("):
                    url = text.data[begin + 1 : i]
                else:
                    i += 2
                    url_begin = i
                    while i < text.size and text[i] != ord(")"):
                        i += 1
                    url = text.data[url_begin:i]
                if url:
                    entities.append(Entity("text_link", offset, length, url.decode("utf-8")))
            elif is_pre:
                entities.append(Entity("pre", offset, length, language.decode("utf-8")))
            else:
                entities.append(Entity("code", offset, length))
        if is_pre:
            i += 2
        i += 1
    return _text(out), _sorted(entities)


def _skip_one_newline(text: _Bytes, i: int) -> int:
    """After an opening ```: one line break ("\\n", "\\r", "\\r\\n" or "\\n\\r") is skipped."""
    if text[i] in (0x0A, 0x0D):
        if text[i + 1] in (0x0A, 0x0D) and text[i] != text[i + 1]:
            return i + 2
        return i + 1
    return i


@dataclass
class _OpenMark:
    type: str
    argument: str
    offset: int  # UTF-16
    byte_offset: int  # of the marker in the source
    begin: int  # position in the output


_MDV2_RESERVED = b"_*[]()~`>#+-=|{}.!\n"


def parse_markdown_v2(source: str) -> tuple[str, list[Entity]]:
    """td's ``parse_markdown_v2``."""
    text = _Bytes(source)
    out = bytearray()
    entities: list[Entity] = []
    nested: list[_OpenMark] = []
    utf16 = 0
    have_blockquote = False
    can_start_blockquote = True
    i = 0
    while i < text.size:
        char = text[i]
        if char == ord("\\") and 0 < text[i + 1] <= 126:
            i += 1
            utf16 += 1
            out.append(text[i])
            if text[i] != 0x0D:
                can_start_blockquote = text[i] == 0x0A
            i += 1
            continue
        reserved = _MDV2_RESERVED
        if nested and nested[-1].type in ("code", "pre", "pre_code"):
            reserved = b"`"
        if char not in reserved:
            if char & 0xC0 != 0x80:
                utf16 += _units(char)
                if char != 0x0D:
                    can_start_blockquote = False
            out.append(char)
            i += 1
            continue

        if not _mdv2_ends(text, i, nested, have_blockquote):
            kind = ""
            argument = ""
            byte_offset = i
            if char == ord("_"):
                if text[i + 1] == ord("_"):
                    kind = "underline"
                    i += 1
                else:
                    kind = "italic"
            elif char == ord("*"):
                kind = "bold"
            elif char == ord("~"):
                kind = "strikethrough"
            elif char == ord("|"):
                if text[i + 1] != ord("|"):
                    raise _reserved(char)
                i += 1
                kind = "spoiler"
            elif char == ord("["):
                kind = "text_link"
            elif char == ord("`"):
                if text[i + 1] == ord("`") and text[i + 2] == ord("`"):
                    i += 3
                    kind = "pre"
                    language_end = i
                    while not _is_space(text[language_end]) and text[language_end] != ord("`"):
                        language_end += 1
                    if (
                        i != language_end
                        and language_end < text.size
                        and text[language_end] != ord("`")
                    ):
                        kind = "pre_code"
                        argument = text.data[i:language_end].decode("utf-8")
                        i = language_end
                    i = _skip_one_newline(text, i) - 1
                else:
                    kind = "code"
            elif char == ord("!"):
                if text[i + 1] != ord("["):
                    raise _reserved(char)
                i += 1
                kind = "custom_emoji"
            elif char == 0x0A:
                utf16 += 1
                out.append(0x0A)
                can_start_blockquote = True
            elif char == ord(">"):
                if not can_start_blockquote:
                    raise _reserved(char)
                if not have_blockquote:
                    kind = "blockquote"
                    have_blockquote = True
            else:
                raise _reserved(char)
            if kind:
                nested.append(_OpenMark(kind, argument, utf16, byte_offset, len(out)))
            i += 1
            continue

        # The end of an entity.
        opened = nested[-1]
        kind = opened.type
        if char == 0x0A and kind != "blockquote":
            closes_expandable = opened.byte_offset == i - 2 or (
                opened.byte_offset == i - 3 and out and out[-1] == 0x0D
            )
            if kind != "spoiler" or not closes_expandable:
                raise _cant_find_end(opened)
            nested.pop()
            opened = nested[-1]
            if opened.type != "blockquote":
                raise _cant_find_end(opened)
            kind = "expandable_blockquote"
        argument = opened.argument
        skip = utf16 == opened.offset
        if kind in ("underline", "spoiler"):
            i += 1
        elif kind in ("pre", "pre_code"):
            i += 2
        elif kind == "text_link":
            if text[i + 1] != ord("("):
                url = _text(out[opened.begin :])
            else:
                i, url = _mdv2_url(text, i + 2)
            if url:
                argument = url
            else:
                skip = True
        elif kind == "custom_emoji":
            if text[i + 1] != ord("("):
                raise ParseError("The entity must contain a tg://emoji or tg://time URL")
            i, url = _mdv2_url(text, i + 2)
            emoji = _EMOJI_URL_RE.fullmatch(url)
            if emoji is not None:
                argument = emoji.group(1)
            elif _TIME_URL_RE.fullmatch(url):
                kind = "date_time"
            else:
                raise ParseError("Invalid tg://emoji or tg://time URL specified")
        elif kind in ("blockquote", "expandable_blockquote"):
            have_blockquote = False
            out.append(text[i])
            can_start_blockquote = True
            utf16 += 1
            skip = False
        if not skip and kind != "date_time":
            api_type = "pre" if kind == "pre_code" else kind
            entities.append(Entity(api_type, opened.offset, utf16 - opened.offset, argument))
        nested.pop()
        i += 1

    if have_blockquote:
        kind = "blockquote"
        if nested[-1].type == "spoiler" and nested[-1].byte_offset == text.size - 2:
            nested.pop()
            kind = "expandable_blockquote"
        if nested[-1].type == "blockquote":
            opened = nested.pop()
            if utf16 != opened.offset:
                entities.append(Entity(kind, opened.offset, utf16 - opened.offset))
    if nested:
        raise _cant_find_end(nested[-1])
    return _text(out), _sorted(entities)


def _mdv2_ends(text: _Bytes, i: int, nested: list[_OpenMark], have_blockquote: bool) -> bool:
    if not nested:
        return False
    char = text[i]
    if have_blockquote and char == 0x0A and (i + 1 == text.size or text[i + 1] != ord(">")):
        return True
    kind = nested[-1].type
    if kind == "bold":
        return char == ord("*")
    if kind == "italic":
        return char == ord("_") and text[i + 1] != ord("_")
    if kind == "code":
        return char == ord("`")
    if kind in ("pre", "pre_code"):
        return char == ord("`") and text[i + 1] == ord("`") and text[i + 2] == ord("`")
    if kind in ("text_link", "custom_emoji"):
        return char == ord("]")
    if kind == "underline":
        return char == ord("_") and text[i + 1] == ord("_")
    if kind == "strikethrough":
        return char == ord("~")
    if kind == "spoiler":
        return char == ord("|") and text[i + 1] == ord("|")
    return False  # blockquote: only a line break ends it


def _mdv2_url(text: _Bytes, i: int) -> tuple[int, str]:
    """A link target from after its "(": (position of the ")", the unescaped URL)."""
    url_begin = i
    url = bytearray()
    while i < text.size and text[i] != ord(")"):
        if text[i] == ord("\\") and 0 < text[i + 1] <= 126:
            url.append(text[i + 1])
            i += 2
            continue
        url.append(text[i])
        i += 1
    if text[i] != ord(")"):
        raise ParseError(f"Can't find end of a URL at byte offset {url_begin}")
    return i, bytes(url).decode("utf-8", "replace")


def _cant_find_end(opened: _OpenMark) -> ParseError:
    return ParseError(
        f"Can't find end of {_TD_NAMES[opened.type]} entity at byte offset {opened.byte_offset}"
    )
