"""Text checks as Telegram makes them: HTML and MarkdownV2 parsing, lengths, UTF-16 offsets."""

from __future__ import annotations

import html
import re

from bot.devtools.standin.errors import bad

MAX_MESSAGE_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024

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


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8"))


def html_plain_text(text: str) -> str:
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
            raise bad(f"can't parse entities: Unsupported start tag at byte offset {offset}")
        closing, name = match.group(1) == "/", match.group(2).lower()
        if name not in _HTML_TAGS:
            kind = "end" if closing else "start"
            raise bad(
                f'can\'t parse entities: Unsupported {kind} tag "{name}" at byte offset {offset}'
            )
        if not closing:
            stack.append(name)
        elif not stack:
            raise bad(f"can't parse entities: Unexpected end tag at byte offset {offset}")
        elif stack[-1] != name:
            raise bad(
                f"can't parse entities: Unmatched end tag at byte offset {offset}, "
                f'expected "</{stack[-1]}>", found "</{name}>"'
            )
        else:
            stack.pop()
        index = match.end()
    if stack:
        raise bad(
            f"can't parse entities: Can't find end tag corresponding to start tag \"{stack[-1]}\""
        )
    return html.unescape("".join(out))


def markdown_v2_plain_text(text: str) -> str:
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
                raise bad("can't parse entities: Character '\\' is reserved")
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
                raise bad(
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
            raise bad(
                f"can't parse entities: Character '{char}' is reserved and must be escaped "
                "with the preceding '\\'"
            )
        out.append(char)
        index += 1
    if in_code or in_pre:
        raise bad("can't parse entities: Can't find end of Code entity")
    return "".join(out)


def visible_text(text: str, parse_mode: str | None) -> str:
    mode = (parse_mode or "").lower()
    if mode == "html":
        return html_plain_text(text)
    if mode == "markdownv2":
        return markdown_v2_plain_text(text)
    if mode and mode != "markdown":
        raise bad(f"unsupported parse_mode {parse_mode!r}")
    return text


def utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def check_text(text: str, parse_mode: str | None) -> None:
    visible = visible_text(text, parse_mode)
    if not visible.strip():
        raise bad("message text is empty")
    if len(visible) > MAX_MESSAGE_LENGTH:
        raise bad("message is too long")


def check_caption(caption: str | None, parse_mode: str | None) -> None:
    if caption is None:
        return
    if len(visible_text(caption, parse_mode)) > MAX_CAPTION_LENGTH:
        raise bad("message caption is too long")
