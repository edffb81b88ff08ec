"""Texts and captions as Telegram takes them: raw size, parse modes, trimming, lengths.

Each rule has a case Telegram accepts and one it refuses (with its exact answer); the sources
are cited in bot/devtools/standin/entities.py and parsing.py."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest

from bot.devtools.standin import BotApiStandIn
from tests.standin.helpers import PNG, USER, api, photo_form, send

PARSE_ERROR = "Bad Request: can't parse entities: "
RESERVED = "is reserved and must be escaped with the preceding '\\'"

REFUSED: list[tuple[str, dict[str, Any], str]] = [
    # The raw text: empty, or over 32,768 UTF-8 bytes (counted before parsing).
    ("empty", {"text": ""}, "Bad Request: message text is empty"),
    ("no text", {}, "Bad Request: message text is empty"),
    (
        "raw over 32768 bytes",
        {"text": "<b></b>" * 4682 + "x", "parse_mode": "HTML"},
        "Bad Request: text is too long",
    ),
    # Nothing visible once parsed and trimmed.
    ("blank", {"text": "  \n"}, "Bad Request: text must be non-empty"),
    (
        "blank tags",
        {"text": "<b> </b>", "parse_mode": "HTML"},
        "Bad Request: text must be non-empty",
    ),
    ("braille blank", {"text": "\u2800"}, "Bad Request: text must be non-empty"),
    # Over 4096 characters once parsed, counted in code points.
    ("4097 characters", {"text": "x" * 4097}, "Bad Request: message is too long"),
    (
        "&copy; is six characters",
        {"text": "&copy;" * 700, "parse_mode": "HTML"},
        "Bad Request: message is too long",
    ),
    ("4097 emoji", {"text": "😀" * 4097}, "Bad Request: message is too long"),
    ("unknown mode", {"text": "hi", "parse_mode": "BBCode"}, "Bad Request: unsupported parse_mode"),
    # HTML
    (
        "html: a lone <",
        {"text": "3 < 5", "parse_mode": "HTML"},
        PARSE_ERROR + 'Unsupported start tag "" at byte offset 2',
    ),
    (
        "html: <br>",
        {"text": "a<br>b", "parse_mode": "HTML"},
        PARSE_ERROR + 'Unsupported start tag "br" at byte offset 1',
    ),
    (
        "html: byte offsets",
        {"text": "é<p>", "parse_mode": "HTML"},
        PARSE_ERROR + 'Unsupported start tag "p" at byte offset 2',
    ),
    (
        "html: unclosed",
        {"text": "<b>bold", "parse_mode": "HTML"},
        PARSE_ERROR + 'Can\'t find end tag corresponding to start tag "b"',
    ),
    (
        "html: unmatched",
        {"text": "<b><i>x</b></i>", "parse_mode": "HTML"},
        PARSE_ERROR + 'Unmatched end tag at byte offset 7, expected "</i>", found "</b>"',
    ),
    (
        "html: nothing to close",
        {"text": "x</b>", "parse_mode": "HTML"},
        PARSE_ERROR + "Unexpected end tag at byte offset 1",
    ),
    (
        "html: span without class",
        {"text": "<span>x</span>", "parse_mode": "HTML"},
        PARSE_ERROR + 'Tag "span" must have class "tg-spoiler" at byte offset 0',
    ),
    (
        "html: tg-emoji without id",
        {"text": "<tg-emoji>👍</tg-emoji>", "parse_mode": "HTML"},
        PARSE_ERROR + "Invalid custom emoji identifier specified",
    ),
    (
        "html: unclosed tag",
        {"text": "<b", "parse_mode": "HTML"},
        PARSE_ERROR + "Unclosed start tag at byte offset 0",
    ),
    # MarkdownV2
    (
        "mdv2: reserved",
        {"text": "Done.", "parse_mode": "MarkdownV2"},
        PARSE_ERROR + f"Character '.' {RESERVED}",
    ),
    (
        "mdv2: unclosed bold",
        {"text": "*bold", "parse_mode": "MarkdownV2"},
        PARSE_ERROR + "Can't find end of Bold entity at byte offset 0",
    ),
    (
        "mdv2: unclosed italic",
        {"text": "a _b", "parse_mode": "MarkdownV2"},
        PARSE_ERROR + "Can't find end of Italic entity at byte offset 2",
    ),
    (
        "mdv2: unclosed code",
        {"text": "`x", "parse_mode": "MarkdownV2"},
        PARSE_ERROR + "Can't find end of Code entity at byte offset 0",
    ),
    (
        "mdv2: unclosed url",
        {"text": "[a](http://x.y", "parse_mode": "MarkdownV2"},
        PARSE_ERROR + "Can't find end of a URL at byte offset 4",
    ),
    (
        "mdv2: a lone |",
        {"text": "a | b", "parse_mode": "MarkdownV2"},
        PARSE_ERROR + f"Character '|' {RESERVED}",
    ),
    # Legacy Markdown
    (
        "markdown: unclosed",
        {"text": "a *bold", "parse_mode": "Markdown"},
        PARSE_ERROR + "Can't find end of the entity starting at byte offset 2",
    ),
    (
        "markdown: snake_case",
        {"text": "snake_case", "parse_mode": "Markdown"},
        PARSE_ERROR + "Can't find end of the entity starting at byte offset 5",
    ),
]

ACCEPTED: list[tuple[str, dict[str, Any], str, list[dict[str, Any]]]] = [
    # (fields, the text Telegram shows, its entities)
    ("raw just under 32768 bytes", {"text": "<b></b>" * 4681 + "x", "parse_mode": "HTML"}, "x", []),
    ("4096 characters", {"text": "x" * 4096}, "x" * 4096, []),
    ("4096 then spaces", {"text": " \n" + "x" * 4096 + "  \n "}, "x" * 4096, []),
    ("4096 emoji (8192 UTF-16 units)", {"text": "😀" * 4096}, "😀" * 4096, []),
    (
        "long HTML, short text",
        {"text": "<b>" + "x" * 4000 + "</b>" + "<i></i>" * 3000, "parse_mode": "HTML"},
        "x" * 4000,
        [{"type": "bold", "offset": 0, "length": 4000}],
    ),
    ("&amp; is one character", {"text": "&amp;" * 4096, "parse_mode": "HTML"}, "&" * 4096, []),
    (
        "unknown entities stay",
        {"text": "&copy; &nbsp &lt;&#33;&#x1F600;", "parse_mode": "HTML"},
        "&copy; &nbsp <!😀",
        [],
    ),
    ("control characters", {"text": "a\r\nb\tc"}, "a\nb c", []),
    ("none is no mode", {"text": "<b>x</b>", "parse_mode": "None"}, "<b>x</b>", []),
    (
        "html: </> closes the last tag",
        {"text": "<b>bold</> <i>it</>", "parse_mode": "HTML"},
        "bold it",
        [{"type": "bold", "offset": 0, "length": 4}, {"type": "italic", "offset": 5, "length": 2}],
    ),
    (
        "html: spoiler span",
        {"text": '<span class="tg-spoiler">x</span>', "parse_mode": "HTML"},
        "x",
        [{"type": "spoiler", "offset": 0, "length": 1}],
    ),
    (
        "html: tg-emoji",
        {"text": '<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>', "parse_mode": "HTML"},
        "👍",
        [
            {
                "type": "custom_emoji",
                "offset": 0,
                "length": 2,
                "custom_emoji_id": "5368324170671202286",
            }
        ],
    ),
    (
        "html: link and code",
        {
            "text": '<a href="https://t.me/x?a=1&amp;b=2">link</a> '
            '<pre><code class="language-py">x</code></pre>',
            "parse_mode": "HTML",
        },
        "link x",
        [
            {"type": "text_link", "offset": 0, "length": 4, "url": "https://t.me/x?a=1&b=2"},
            {"type": "pre", "offset": 5, "length": 1, "language": "py"},
        ],
    ),
    (
        "html: trimmed around tags",
        {"text": "  <b>x</b>\n", "parse_mode": "HTML"},
        "x",
        [{"type": "bold", "offset": 0, "length": 1}],
    ),
    (
        "mdv2: escapes and entities",
        {"text": r"*Done\.* `a.b` [site](https://a.b/c?d=1) \#1", "parse_mode": "MarkdownV2"},
        "Done. a.b site #1",
        [
            {"type": "bold", "offset": 0, "length": 5},
            {"type": "code", "offset": 6, "length": 3},
            {"type": "text_link", "offset": 10, "length": 4, "url": "https://a.b/c?d=1"},
        ],
    ),
    ("mdv2: a trailing backslash", {"text": "C:\\", "parse_mode": "MarkdownV2"}, "C:\\", []),
    (
        "mdv2: quote",
        {"text": ">quoted\nplain", "parse_mode": "MarkdownV2"},
        "quoted\nplain",
        [{"type": "blockquote", "offset": 0, "length": 7}],
    ),
    (
        "mdv2: UTF-16 offsets",
        {"text": "😀 *b*", "parse_mode": "MarkdownV2"},
        "😀 b",
        [{"type": "bold", "offset": 3, "length": 1}],
    ),
    (
        "markdown",
        {"text": "Legacy *bold*, _it_ and snake\\_case. ok!", "parse_mode": "Markdown"},
        "Legacy bold, it and snake_case. ok!",
        [{"type": "bold", "offset": 7, "length": 4}, {"type": "italic", "offset": 13, "length": 2}],
    ),
]


@pytest.mark.parametrize(
    ("fields", "description"), [case[1:] for case in REFUSED], ids=[case[0] for case in REFUSED]
)
async def test_texts_telegram_refuses(
    standin: BotApiStandIn,
    http: aiohttp.ClientSession,
    fields: dict[str, Any],
    description: str,
) -> None:
    status, body = await send(http, standin, **fields)
    assert (status, body) == (400, {"ok": False, "error_code": 400, "description": description})
    assert standin.messages == {}
    ((method, params, refused),) = standin.refused_calls()
    assert (method, refused, params["_error"]) == ("sendMessage", description, 400)


@pytest.mark.parametrize(
    ("fields", "shown", "entities"),
    [case[1:] for case in ACCEPTED],
    ids=[case[0] for case in ACCEPTED],
)
async def test_texts_telegram_accepts(
    standin: BotApiStandIn,
    http: aiohttp.ClientSession,
    fields: dict[str, Any],
    shown: str,
    entities: list[dict[str, Any]],
) -> None:
    status, body = await send(http, standin, **fields)
    assert status == 200, body
    result = body["result"]
    assert result["text"] == shown  # Telegram answers with what it shows
    assert result.get("entities", []) == entities
    (stored,) = standin.chat_messages(USER)
    assert stored.text == fields["text"]  # the stand-in keeps what the bot sent, too
    assert (stored.shown_text, stored.entities or []) == (shown, entities)
    assert standin.refused_calls() == []


async def test_captions(standin: BotApiStandIn, http: aiohttp.ClientSession) -> None:
    async def photo(caption: str, parse_mode: str | None = None) -> tuple[int, dict[str, Any]]:
        form = photo_form(PNG, caption=caption)
        if parse_mode:
            form.add_field("parse_mode", parse_mode)
        return await api(http, standin, "sendPhoto", data=form)

    status, body = await photo("  " + "c" * 1024 + "\n")
    assert status == 200
    assert body["result"]["caption"] == "c" * 1024
    status, body = await photo("<b>Week</b> &amp; more", "HTML")
    assert body["result"]["caption"] == "Week & more"
    assert body["result"]["caption_entities"] == [{"type": "bold", "offset": 0, "length": 4}]
    status, body = await photo(" \n ")  # a blank caption is no caption
    assert status == 200
    assert "caption" not in body["result"]

    status, body = await photo("c" * 1025)
    assert (status, body["description"]) == (400, "Bad Request: message caption is too long")
    status, body = await photo("<i>x", "HTML")
    assert (status, body["description"]) == (
        400,
        PARSE_ERROR + 'Can\'t find end tag corresponding to start tag "i"',
    )
    assert len(standin.refused_calls("sendPhoto")) == 2
