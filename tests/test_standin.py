"""Tests for the local Bot API stand-in: raw HTTP, then python-telegram-bot against it."""

from __future__ import annotations

import asyncio
import struct
import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from telegram import Bot, BotCommand, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter
from telegram.ext import ApplicationBuilder, CallbackQueryHandler, CommandHandler, ContextTypes

from bot.devtools.standin import NOT_MODIFIED, BotApiStandIn, StoredMessage, UploadedFile

TOKEN = "123456:stand-in-test-token"
USER = 424242
PNG = (
    b"\x89PNG\r\n\x1a\n"
    + struct.pack(">I", 13)
    + b"IHDR"
    + struct.pack(">II", 3, 2)
    + b"\x08\x02\x00\x00\x00"
    + b"\x00" * 32
)


@pytest.fixture
async def standin() -> AsyncIterator[BotApiStandIn]:
    async with BotApiStandIn(TOKEN) as server:
        yield server


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
async def tg(standin: BotApiStandIn) -> AsyncIterator[Bot]:
    async with Bot(
        TOKEN, base_url=f"{standin.url}/bot", base_file_url=f"{standin.url}/file/bot"
    ) as bot:
        yield bot


async def api(
    http: aiohttp.ClientSession,
    standin: BotApiStandIn,
    method: str,
    *,
    json: dict[str, Any] | None = None,
    data: Any = None,
    params: dict[str, str] | None = None,
    verb: str = "POST",
    token: str | None = None,
) -> tuple[int, dict[str, Any]]:
    url = f"{standin.url}/bot{token or standin.token}/{method}"
    async with http.request(verb, url, json=json, data=data, params=params) as response:
        return response.status, await response.json()


def keyboard(*labels: str) -> dict[str, Any]:
    return {
        "inline_keyboard": [[{"text": label, "callback_data": f"cb:{label}"}] for label in labels]
    }


# --------------------------------------------------------------------------- raw HTTP


async def test_binds_a_free_port_on_localhost(standin: BotApiStandIn) -> None:
    async with BotApiStandIn(TOKEN) as other:
        assert other.port != standin.port
    assert standin.url == f"http://127.0.0.1:{standin.port}"
    with pytest.raises(RuntimeError):
        _ = other.url


async def test_wrong_token_and_unknown_method(
    standin: BotApiStandIn, http: aiohttp.ClientSession
) -> None:
    status, body = await api(http, standin, "getMe", token="999:wrong")
    assert (status, body) == (
        401,
        {"ok": False, "error_code": 401, "description": "Unauthorized"},
    )
    assert standin.calls == []

    status, body = await api(http, standin, "sendTelepathy")
    assert (status, body) == (404, {"ok": False, "error_code": 404, "description": "Not Found"})
    assert standin.calls == [("sendTelepathy", {"_error": 404})]


async def test_method_names_are_case_insensitive(
    standin: BotApiStandIn, http: aiohttp.ClientSession
) -> None:
    status, body = await api(http, standin, "GETME", verb="GET")
    assert status == 200
    assert body == {
        "ok": True,
        "result": {
            "id": 7000001,
            "is_bot": True,
            "first_name": "Mobility Test",
            "username": "mobility_test_bot",
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        },
    }
    await api(http, standin, "getme")
    assert [name for name, _ in standin.calls] == ["getMe", "getMe"]


async def test_parameters_from_query_form_json_and_multipart(
    standin: BotApiStandIn, http: aiohttp.ClientSession
) -> None:
    status, _ = await api(
        http, standin, "sendMessage", verb="GET", params={"chat_id": "5", "text": "123"}
    )
    assert status == 200
    await api(
        http,
        standin,
        "sendMessage",
        data={"chat_id": "5", "text": "[1, 2]", "reply_markup": '{"inline_keyboard": []}'},
    )
    await api(
        http,
        standin,
        "sendMessage",
        json={
            "chat_id": "5",
            "text": "hi",
            "reply_markup": keyboard("Go"),
            "protect_content": True,
        },
    )
    form = aiohttp.FormData()
    form.add_field("chat_id", "5")
    form.add_field("caption", "plan")
    form.add_field("reply_markup", '{"inline_keyboard": [[{"text": "A", "callback_data": "a"}]]}')
    form.add_field("document", b"week 1", filename="plan.txt", content_type="text/plain")
    status, body = await api(http, standin, "sendDocument", data=form)
    assert status == 200, body

    query, urlencoded, as_json, multipart = (params for _, params in standin.calls)
    assert query == {"chat_id": 5, "text": "123"}
    assert urlencoded == {"chat_id": 5, "text": "[1, 2]", "reply_markup": {"inline_keyboard": []}}
    assert as_json["chat_id"] == 5
    assert as_json["reply_markup"] == keyboard("Go")
    assert as_json["protect_content"] is True
    upload = multipart["document"]
    assert isinstance(upload, UploadedFile)
    assert (upload.filename, upload.content_type, upload.data) == (
        "plan.txt",
        "text/plain",
        b"week 1",
    )

    messages = standin.chat_messages(5)
    assert [m.text for m in messages] == ["123", "[1, 2]", "hi", "plan"]
    assert messages[1].reply_markup is None  # an empty inline keyboard is no keyboard
    assert messages[2].button_labels() == ["Go"]
    assert messages[3].document == b"week 1"
    assert messages[3].document_name == "plan.txt"
    assert body["result"]["document"] == {
        "file_id": messages[3].file_id,
        "file_unique_id": body["result"]["document"]["file_unique_id"],
        "file_size": 6,
        "file_name": "plan.txt",
        "mime_type": "text/plain",
    }
    assert body["result"]["caption"] == "plan"


@pytest.mark.parametrize(
    ("fields", "description"),
    [
        ({"text": ""}, "Bad Request: message text is empty"),
        ({"text": "  \n"}, "Bad Request: message text is empty"),
        ({}, "Bad Request: message text is empty"),
        ({"text": "x" * 4097}, "Bad Request: message is too long"),
        ({"text": "hi", "chat_id": "@channel"}, "Bad Request: chat not found"),
        (
            {"text": "a<br>b", "parse_mode": "HTML"},
            'Bad Request: can\'t parse entities: Unsupported start tag "br" at byte offset 1',
        ),
        (
            {"text": "<b>bold", "parse_mode": "HTML"},
            "Bad Request: can't parse entities: Can't find end tag corresponding to start tag "
            '"b"',
        ),
        (
            {"text": "3 < 5", "parse_mode": "HTML"},
            "Bad Request: can't parse entities: Unsupported start tag at byte offset 2",
        ),
        (
            {"text": "Done.", "parse_mode": "MarkdownV2"},
            "Bad Request: can't parse entities: Character '.' is reserved and must be escaped "
            "with the preceding '\\'",
        ),
        (
            {"text": "hi", "reply_markup": {"inline_keyboard": [[{"text": "x"}]]}},
            "Bad Request: can't parse inline keyboard button: Text buttons are unallowed in the "
            "inline keyboard",
        ),
        (
            {
                "text": "hi",
                "reply_markup": {"inline_keyboard": [[{"text": "x", "callback_data": "d" * 65}]]},
            },
            "Bad Request: BUTTON_DATA_INVALID",
        ),
    ],
)
async def test_send_message_is_validated_like_telegram(
    standin: BotApiStandIn,
    http: aiohttp.ClientSession,
    fields: dict[str, Any],
    description: str,
) -> None:
    status, body = await api(http, standin, "sendMessage", json={"chat_id": USER, **fields})
    assert (status, body) == (400, {"ok": False, "error_code": 400, "description": description})
    assert standin.calls[-1][1]["_error"] == 400
    assert standin.messages == {}


async def test_formatted_texts_that_telegram_accepts(
    standin: BotApiStandIn, http: aiohttp.ClientSession
) -> None:
    accepted = [
        {"text": "x" * 4096},
        {"text": "<b>" + "x" * 4090 + "</b> &lt;", "parse_mode": "HTML"},
        {"text": '<a href="https://t.me/x">link</a> <i>it</i> &amp;', "parse_mode": "HTML"},
        {"text": r"*Done\.* `a.b` [site](https://a.b/c?d=1) \#1", "parse_mode": "MarkdownV2"},
        {"text": ">quoted line", "parse_mode": "MarkdownV2"},
        {"text": "Legacy *bold*. ok!", "parse_mode": "Markdown"},
    ]
    for fields in accepted:
        status, body = await api(http, standin, "sendMessage", json={"chat_id": USER, **fields})
        assert status == 200, (fields, body)
    stored = standin.chat_messages(USER)
    assert stored[1].parse_mode == "HTML"
    assert stored[1].text is not None
    assert stored[1].text.startswith("<b>")  # the text is kept as the bot sent it


async def test_message_ids_are_per_chat_and_shared_with_the_user(
    standin: BotApiStandIn, http: aiohttp.ClientSession
) -> None:
    standin.user_text(USER, "hello")
    _, first = await api(http, standin, "sendMessage", json={"chat_id": USER, "text": "one"})
    _, other = await api(http, standin, "sendMessage", json={"chat_id": 77, "text": "elsewhere"})
    standin.user_text(USER, "again")
    _, second = await api(http, standin, "sendMessage", json={"chat_id": USER, "text": "two"})
    assert first["result"]["message_id"] == 2
    assert other["result"]["message_id"] == 1
    assert second["result"]["message_id"] == 4
    assert [m.message_id for m in standin.chat_messages(USER)] == [2, 4]
    assert [m.text for m in standin.chat_messages(USER, from_bot=False)] == ["hello", "again"]
    assert len(standin.chat_messages(USER, from_bot=None)) == 4
    result = first["result"]
    assert result["chat"] == {"id": USER, "type": "private", "first_name": "Runner"}
    assert result["from"]["is_bot"] is True
    assert "reply_markup" not in result
    assert "edit_date" not in result


async def test_edits_follow_telegram_rules(
    standin: BotApiStandIn, http: aiohttp.ClientSession
) -> None:
    _, sent = await api(
        http,
        standin,
        "sendMessage",
        json={"chat_id": USER, "text": "Pick", "reply_markup": keyboard("A", "B")},
    )
    message_id = sent["result"]["message_id"]
    stored = standin.messages[(USER, message_id)]
    target = {"chat_id": USER, "message_id": message_id}

    status, body = await api(
        http,
        standin,
        "editMessageText",
        json={**target, "text": "Pick", "reply_markup": keyboard("A", "B")},
    )
    assert (status, body["description"]) == (400, NOT_MODIFIED)

    status, body = await api(
        http, standin, "editMessageReplyMarkup", json={**target, "reply_markup": keyboard("A")}
    )
    assert status == 200
    assert stored.button_labels() == ["A"]
    assert stored.edits == 1
    assert body["result"]["edit_date"] == stored.edit_date

    # Without reply_markup, editMessageText removes the keyboard, as Telegram does.
    status, body = await api(http, standin, "editMessageText", json={**target, "text": "Picked"})
    assert status == 200
    assert "reply_markup" not in body["result"]
    assert (stored.text, stored.reply_markup, stored.edits) == ("Picked", None, 2)

    status, body = await api(http, standin, "editMessageReplyMarkup", json=target)
    assert (status, body["description"]) == (400, NOT_MODIFIED)

    status, body = await api(
        http, standin, "editMessageText", json={"chat_id": USER, "message_id": 99, "text": "x"}
    )
    assert (status, body["description"]) == (400, "Bad Request: message to edit not found")

    users_message = standin.user_text(USER, "mine")
    status, body = await api(
        http,
        standin,
        "editMessageText",
        json={"chat_id": USER, "message_id": users_message.message_id, "text": "x"},
    )
    assert (status, body["description"]) == (400, "Bad Request: message can't be edited")

    assert (await api(http, standin, "deleteMessage", json=target))[0] == 200
    assert stored.deleted
    status, body = await api(http, standin, "deleteMessage", json=target)
    assert (status, body["description"]) == (400, "Bad Request: message to delete not found")
    status, body = await api(http, standin, "editMessageText", json={**target, "text": "late"})
    assert (status, body["description"]) == (400, "Bad Request: message to edit not found")
    assert standin.chat_messages(USER) == []
    assert standin.chat_messages(USER, include_deleted=True) == [stored]
    assert len(standin.successful_calls("editMessageText")) == 1


async def test_captions_can_be_edited(standin: BotApiStandIn, http: aiohttp.ClientSession) -> None:
    form = aiohttp.FormData()
    form.add_field("chat_id", str(USER))
    form.add_field("caption", "Your week")
    form.add_field("photo", PNG, filename="chart.png", content_type="image/png")
    status, body = await api(http, standin, "sendPhoto", data=form)
    assert status == 200, body
    (size,) = body["result"]["photo"]
    assert (size["width"], size["height"], size["file_size"]) == (3, 2, len(PNG))
    target = {"chat_id": USER, "message_id": body["result"]["message_id"]}

    status, body = await api(
        http, standin, "editMessageCaption", json={**target, "caption": "Your week"}
    )
    assert (status, body["description"]) == (400, NOT_MODIFIED)
    status, body = await api(
        http, standin, "editMessageCaption", json={**target, "caption": "Week 2"}
    )
    assert status == 200
    assert body["result"]["caption"] == "Week 2"
    status, body = await api(http, standin, "editMessageText", json={**target, "text": "x"})
    assert (status, body["description"]) == (
        400,
        "Bad Request: there is no text in the message to edit",
    )


async def test_get_updates_long_poll_wakes_on_push(
    standin: BotApiStandIn, http: aiohttp.ClientSession
) -> None:
    poll = asyncio.create_task(api(http, standin, "getUpdates", json={"timeout": 10}))
    await standin.wait_for_call("getUpdates")
    await asyncio.sleep(0.05)
    assert not poll.done()
    started = time.monotonic()
    message = standin.user_text(USER, "/start now", first_name="Ana", language_code="de")
    status, body = await poll
    assert status == 200
    assert time.monotonic() - started < 1.0
    (update,) = body["result"]
    assert update == {
        "update_id": 1,
        "message": {
            "message_id": message.message_id,
            "date": message.date,
            "chat": {"id": USER, "type": "private", "first_name": "Ana"},
            "from": {"id": USER, "is_bot": False, "first_name": "Ana", "language_code": "de"},
            "text": "/start now",
            "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
        },
    }


async def test_get_updates_offsets_limits_and_timeouts(
    standin: BotApiStandIn, http: aiohttp.ClientSession
) -> None:
    ids = [standin.push_update({"message": {"text": str(n)}}) for n in range(3)]
    assert ids == [1, 2, 3]
    assert standin.push_update({"update_id": 10, "message": {}}) == 10
    assert standin.push_update({}) == 11

    _, body = await api(http, standin, "getUpdates", data={"limit": "2"})
    assert [u["update_id"] for u in body["result"]] == [1, 2]
    _, body = await api(http, standin, "getUpdates", data={"offset": "3"})
    assert [u["update_id"] for u in body["result"]] == [3, 10, 11]
    _, body = await api(http, standin, "getWebhookInfo")
    assert body["result"] == {"url": "", "has_custom_certificate": False, "pending_update_count": 3}

    started = time.monotonic()
    _, body = await api(http, standin, "getUpdates", data={"offset": "12", "timeout": "0.3"})
    assert body["result"] == []
    assert 0.25 < time.monotonic() - started < 2

    standin.push_update({"message": {}})
    await api(http, standin, "deleteWebhook", data={"drop_pending_updates": "true"})
    _, body = await api(http, standin, "getUpdates")
    assert body["result"] == []


async def test_stop_releases_a_pending_long_poll(http: aiohttp.ClientSession) -> None:
    server = BotApiStandIn(TOKEN)
    await server.start()
    poll = asyncio.create_task(api(http, server, "getUpdates", json={"timeout": 25}))
    await server.wait_for_call("getUpdates")
    started = time.monotonic()
    await server.stop()
    await server.stop()  # idempotent
    try:
        answer: tuple[int, dict[str, Any]] | None = await poll
    except aiohttp.ClientError:
        answer = None  # cut off by the shutdown: acceptable too, as long as it is prompt
    assert answer in (None, (200, {"ok": True, "result": []}))
    assert time.monotonic() - started < 3


async def test_injected_errors(standin: BotApiStandIn, http: aiohttp.ClientSession) -> None:
    standin.inject_error(USER, 403)
    standin.inject_error(USER, 429, retry_after=7, methods=["sendPhoto", "send_message"], times=2)
    standin.inject_error(USER, 502)
    standin.inject_error(USER, 400, description="Bad Request: custom")

    send = {"chat_id": USER, "text": "hi"}
    results = [await api(http, standin, "sendMessage", json=send) for _ in range(5)]
    assert results[0] == (
        403,
        {"ok": False, "error_code": 403, "description": "Forbidden: bot was blocked by the user"},
    )
    assert (
        results[1]
        == results[2]
        == (
            429,
            {
                "ok": False,
                "error_code": 429,
                "description": "Too Many Requests: retry after 7",
                "parameters": {"retry_after": 7},
            },
        )
    )
    assert results[3] == (
        502,
        {"ok": False, "error_code": 502, "description": "Internal Server Error"},
    )
    assert results[4] == (
        400,
        {"ok": False, "error_code": 400, "description": "Bad Request: custom"},
    )
    assert (await api(http, standin, "sendMessage", json=send))[0] == 200
    assert (await api(http, standin, "sendMessage", json={"chat_id": 1, "text": "x"}))[0] == 200

    errors = [params.get("_error") for _, params in standin.calls]
    assert errors == [403, 429, 429, 502, 400, None, None]
    assert len(standin.successful_calls("sendMessage")) == 2
    assert len(standin.chat_messages(USER)) == 1

    standin.inject_error(USER, 500, methods=["deleteMessage"])
    assert (await api(http, standin, "sendMessage", json=send))[0] == 200
    status, body = await api(
        http, standin, "deleteMessage", json={"chat_id": USER, "message_id": 1}
    )
    assert (status, body["description"]) == (500, "Internal Server Error")


class FakeMonotonic:
    """A monotonic clock that moves only when told to."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


async def test_rate_limit(http: aiohttp.ClientSession) -> None:
    clock = FakeMonotonic()
    async with BotApiStandIn(TOKEN, monotonic=clock) as standin:
        standin.rate_limit_per_second = 2
        send = {"chat_id": USER, "text": "hi"}
        statuses = [(await api(http, standin, "sendMessage", json=send))[0] for _ in range(3)]
        assert statuses == [200, 200, 429]
        assert (await api(http, standin, "getUpdates"))[0] == 200  # polling is not limited
        _, body = await api(http, standin, "sendMessage", json=send)
        assert body["parameters"] == {"retry_after": 1}
        clock.advance(0.25)  # half a call's worth refilled at 2/s
        assert (await api(http, standin, "sendMessage", json=send))[0] == 429
        clock.advance(0.25)
        assert (await api(http, standin, "sendMessage", json=send))[0] == 200
        assert (await api(http, standin, "sendMessage", json=send))[0] == 429
        standin.rate_limit_per_second = None
        statuses = [(await api(http, standin, "sendMessage", json=send))[0] for _ in range(5)]
        assert statuses == [200] * 5


async def test_user_side_chats_and_names(standin: BotApiStandIn) -> None:
    standin.user_text(USER, "hi", first_name="Ana")
    standin.user_text(USER, "still me")
    group_message = standin.user_text(
        USER, "/help@mobility_test_bot x", chat_id=-100, chat_type="group"
    )
    with pytest.raises(ValueError, match="empty"):
        standin.user_text(USER, "")
    updates = standin.pending_updates
    assert updates[1]["message"]["from"]["first_name"] == "Ana"
    assert "entities" not in updates[1]["message"]
    group = updates[2]["message"]
    assert group["chat"] == {"id": -100, "type": "group", "title": "Test group"}
    assert group["entities"] == [{"type": "bot_command", "offset": 0, "length": 23}]
    assert group_message.message_id == 1
    assert not group_message.from_bot


async def test_taps_and_callback_answers(
    standin: BotApiStandIn, http: aiohttp.ClientSession
) -> None:
    _, sent = await api(
        http,
        standin,
        "sendMessage",
        json={"chat_id": USER, "text": "Pain?", "reply_markup": keyboard("0", "5")},
    )
    message = standin.messages[(USER, sent["result"]["message_id"])]
    query_id = standin.user_tap(USER, message, "cb:5")
    (update,) = standin.pending_updates
    query = update["callback_query"]
    assert query["id"] == query_id
    assert query["data"] == "cb:5"
    assert query["message"]["text"] == "Pain?"
    assert query["message"]["reply_markup"] == keyboard("0", "5")
    assert query["from"]["id"] == USER
    assert query["chat_instance"]

    answer: dict[str, Any] = {"callback_query_id": query_id, "text": "x" * 201}
    status, body = await api(http, standin, "answerCallbackQuery", json=answer)
    assert (status, body["description"]) == (400, "Bad Request: MESSAGE_TOO_LONG")
    answer = {"callback_query_id": query_id, "text": "Saved", "show_alert": True}
    assert (await api(http, standin, "answerCallbackQuery", json=answer))[0] == 200
    assert standin.answered_callbacks[query_id] == answer
    for unknown in (query_id, "12345"):
        status, body = await api(
            http, standin, "answerCallbackQuery", data={"callback_query_id": unknown}
        )
        assert (status, body["description"]) == (
            400,
            "Bad Request: query is too old and response timeout expired or query ID is invalid",
        )


async def test_tap_by_label(standin: BotApiStandIn, http: aiohttp.ClientSession) -> None:
    async def send(text: str, markup: dict[str, Any]) -> StoredMessage:
        _, body = await api(
            http,
            standin,
            "sendMessage",
            json={"chat_id": USER, "text": text, "reply_markup": markup},
        )
        return standin.messages[(USER, body["result"]["message_id"])]

    old = await send("old", keyboard("Start session", "Settings"))
    new = await send("new", keyboard("Start", "Start later"))
    await send("links", {"inline_keyboard": [[{"text": "Open site", "url": "https://a.b"}]]})

    def tapped() -> dict[str, Any]:
        query: dict[str, Any] = standin.pending_updates[-1]["callback_query"]
        return query

    standin.user_tap_label(USER, "Start")  # exact beats substring
    assert (tapped()["message"]["message_id"], tapped()["data"]) == (new.message_id, "cb:Start")
    standin.user_tap_label(USER, "settings")  # the only substring match, on an older message
    assert (tapped()["message"]["message_id"], tapped()["data"]) == (old.message_id, "cb:Settings")
    standin.user_tap_label(USER, "Start session")
    assert tapped()["data"] == "cb:Start session"
    with pytest.raises(LookupError, match="ambiguous"):
        standin.user_tap_label(USER, "sta")
    with pytest.raises(LookupError, match=r"'Start', 'Start later'") as missing:
        standin.user_tap_label(USER, "Open site")  # a URL button sends no callback
    assert "Settings" in str(missing.value)
    with pytest.raises(LookupError, match="no inline keyboards"):
        standin.user_tap_label(USER, "x", chat_id=555)


async def test_waiting_helpers(standin: BotApiStandIn, http: aiohttp.ClientSession) -> None:
    async def later() -> None:
        await asyncio.sleep(0.1)
        await api(http, standin, "sendMessage", json={"chat_id": USER, "text": "first"})
        await api(http, standin, "sendMessage", json={"chat_id": USER, "text": "second"})

    task = asyncio.create_task(later())
    params = await standin.wait_for_call(
        "send_message", predicate=lambda p: p["text"] == "second", timeout=2
    )
    assert params["text"] == "second"
    message = await standin.wait_for_bot_message(USER, after_message_id=1)
    assert message.text == "second"
    await task

    with pytest.raises(TimeoutError, match=r"no sendMessage call at index >= 2 .*'second'"):
        await standin.wait_for_call("sendMessage", after=2, timeout=0.1)
    with pytest.raises(TimeoutError, match="the bot sent nothing to chat 1"):
        await standin.wait_for_bot_message(1, timeout=0.1)


async def test_wait_idle(standin: BotApiStandIn, http: aiohttp.ClientSession) -> None:
    await standin.wait_idle(timeout=1)  # nothing happened yet
    standin.user_text(USER, "hi")
    with pytest.raises(TimeoutError, match="1 undelivered update"):
        await standin.wait_idle(timeout=0.2)

    async def bot_turn() -> None:
        await api(http, standin, "getUpdates")
        await asyncio.sleep(0.1)
        await api(http, standin, "sendMessage", json={"chat_id": USER, "text": "hello"})

    task = asyncio.create_task(bot_turn())
    started = time.monotonic()
    await standin.wait_idle(quiet=0.3, timeout=3)
    assert task.done()
    assert time.monotonic() - started >= 0.4


async def test_subscribers_and_file_download(
    standin: BotApiStandIn, http: aiohttp.ClientSession
) -> None:
    events: list[tuple[str, int]] = []

    def broken(event: str, message: StoredMessage) -> None:
        raise RuntimeError("observer bug")

    standin.subscribers.append(broken)
    standin.subscribers.append(lambda event, message: events.append((event, message.message_id)))
    standin.user_text(USER, "hi")
    form = aiohttp.FormData()
    form.add_field("chat_id", str(USER))
    form.add_field("photo", PNG, filename="chart.png", content_type="image/png")
    _, sent = await api(http, standin, "sendPhoto", data=form)
    target = {"chat_id": USER, "message_id": 2}
    await api(http, standin, "editMessageCaption", json={**target, "caption": "c"})
    await api(http, standin, "deleteMessage", json=target)
    assert events == [("new", 1), ("new", 2), ("edit", 2), ("delete", 2)]

    file_id = sent["result"]["photo"][0]["file_id"]
    _, info = await api(http, standin, "getFile", json={"file_id": file_id})
    path = info["result"]["file_path"]
    async with http.get(f"{standin.url}/file/bot{TOKEN}/{path}") as response:
        assert response.status == 200
        assert await response.read() == PNG
    async with http.get(f"{standin.url}/file/bot{TOKEN}/photos/nope.jpg") as response:
        assert response.status == 404
        assert (await response.json())["ok"] is False


async def test_call_observers_see_each_call_before_it_is_answered(
    http: aiohttp.ClientSession, caplog: pytest.LogCaptureFixture
) -> None:
    clock = FakeMonotonic()
    async with BotApiStandIn(TOKEN, monotonic=clock) as standin:
        seen: list[tuple[str, dict[str, Any], float, int]] = []

        def broken(method: str, params: dict[str, Any], at: float) -> None:
            raise RuntimeError("observer bug")

        def observe(method: str, params: dict[str, Any], at: float) -> None:
            # A snapshot, and what the chat held at that moment: the call is not answered yet.
            seen.append((method, dict(params), at, len(standin.chat_messages(USER))))

        standin.call_observers.append(broken)
        standin.call_observers.append(observe)
        send = {"chat_id": USER, "text": "hi"}
        assert (await api(http, standin, "sendMessage", json=send))[0] == 200
        clock.advance(2.5)
        standin.inject_error(USER, 403)
        assert (await api(http, standin, "sendMessage", json=send))[0] == 403
        assert (await api(http, standin, "getme"))[0] == 200
        assert (await api(http, standin, "noSuchMethod"))[0] == 404
        unparsable = {"Content-Type": "application/json"}
        url = f"{standin.url}/bot{TOKEN}/sendMessage"
        async with http.post(url, data=b"{", headers=unparsable) as response:
            assert response.status == 400  # answered without reaching the observers

    assert seen == [
        ("sendMessage", send, 1000.0, 0),
        ("sendMessage", send, 1002.5, 1),  # seen although an injected error answers it
        ("getMe", {}, 1002.5, 1),
        ("noSuchMethod", {}, 1002.5, 1),
    ]
    assert [params for _, params in standin.calls][1] == {**send, "_error": 403}
    assert "stand-in call observer failed on sendMessage" in caplog.text


# --------------------------------------------------------------------------- python-telegram-bot


async def test_ptb_parses_every_response(standin: BotApiStandIn, tg: Bot) -> None:
    me = await tg.get_me()
    assert (me.id, me.username, me.is_bot) == (7000001, "mobility_test_bot", True)
    assert await tg.delete_webhook(drop_pending_updates=True) is True
    commands = [BotCommand("start", "Set up"), BotCommand("help", "What I can do")]
    assert await tg.set_my_commands(commands) is True
    assert standin.commands == [
        {"command": "start", "description": "Set up"},
        {"command": "help", "description": "What I can do"},
    ]
    assert await tg.get_my_commands() == tuple(commands)
    assert await tg.send_chat_action(USER, "typing") is True

    markup = InlineKeyboardMarkup(
        [
            [InlineKeyboardButton("Easy", callback_data="lvl:1")],
            [InlineKeyboardButton("Hard", callback_data="lvl:2")],
        ]
    )
    sent = await tg.send_message(
        USER, "<b>Pick</b> a level", parse_mode="HTML", reply_markup=markup
    )
    assert sent.text == "<b>Pick</b> a level"
    assert sent.reply_markup == markup
    assert sent.chat.id == USER
    assert sent.chat.type == "private"
    assert sent.from_user == me
    stored = standin.messages[(USER, sent.message_id)]
    assert stored.reply_markup == markup.to_dict()
    assert stored.button_labels() == ["Easy", "Hard"]

    edited = await tg.edit_message_text(
        "Level?", chat_id=USER, message_id=sent.message_id, reply_markup=markup
    )
    assert not isinstance(edited, bool)
    assert edited.text == "Level?"
    assert edited.edit_date is not None
    edited = await tg.edit_message_reply_markup(chat_id=USER, message_id=sent.message_id)
    assert not isinstance(edited, bool)
    assert edited.reply_markup is None
    assert stored.edits == 2
    assert standin.messages[(USER, sent.message_id)].reply_markup is None  # (mypy narrowing)

    photo = await tg.send_photo(USER, PNG, caption="Your week")
    assert photo.caption == "Your week"
    assert (photo.photo[-1].width, photo.photo[-1].height) == (3, 2)
    assert standin.messages[(USER, photo.message_id)].photo == PNG
    photo_file = await tg.get_file(photo.photo[-1].file_id)
    assert bytes(await photo_file.download_as_bytearray()) == PNG

    document = await tg.send_document(USER, b"day,pain\n1,3\n", filename="export.csv")
    assert document.document is not None
    assert document.document.file_name == "export.csv"
    assert document.document.mime_type == "text/csv"
    stored_document = standin.messages[(USER, document.message_id)]
    assert (stored_document.document, stored_document.document_name) == (
        b"day,pain\n1,3\n",
        "export.csv",
    )

    assert await tg.delete_message(USER, document.message_id) is True
    assert stored_document.deleted

    standin.user_text(USER, "/start", first_name="Ana")
    query_id = standin.user_tap(USER, stored, "lvl:2")
    updates = await tg.get_updates(timeout=1)
    assert [type(u) for u in updates] == [Update, Update]
    assert updates[0].message is not None
    assert updates[0].message.text == "/start"
    assert updates[0].message.from_user is not None
    assert updates[0].message.from_user.first_name == "Ana"
    assert updates[0].message.entities[0].type == "bot_command"
    query = updates[1].callback_query
    assert query is not None
    assert query.id == query_id
    assert query.data == "lvl:2"
    assert query.message is not None
    assert query.message.message_id == sent.message_id
    assert await query.answer("Saved") is True
    assert standin.answered_callbacks[query_id]["text"] == "Saved"
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await query.answer()
    assert await tg.get_updates(offset=updates[-1].update_id + 1, timeout=0) == ()
    assert await tg.log_out() is True


async def test_ptb_sees_not_modified_as_bad_request(standin: BotApiStandIn, tg: Bot) -> None:
    sent = await tg.send_message(USER, "Same")
    with pytest.raises(BadRequest, match="Message is not modified"):
        await tg.edit_message_text("Same", chat_id=USER, message_id=sent.message_id)
    with pytest.raises(BadRequest, match="Message is too long"):
        await tg.send_message(USER, "x" * 5000)
    with pytest.raises(BadRequest, match="Message to edit not found"):
        await tg.edit_message_text("New", chat_id=USER, message_id=404)


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_ptb_raises_the_right_errors(standin: BotApiStandIn, tg: Bot) -> None:
    standin.inject_error(USER, 403)
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await tg.send_message(USER, "hi")
    standin.inject_error(USER, 429, retry_after=7)
    with pytest.raises(RetryAfter, match="Retry in 7 seconds"):
        await tg.send_message(USER, "hi")
    for status in (500, 502):
        standin.inject_error(USER, status, methods=["sendPhoto"])
        with pytest.raises(NetworkError, match="Internal Server Error"):
            await tg.send_photo(USER, PNG)
    standin.inject_error(USER, 400, description="Bad Request: chat not found")
    with pytest.raises(BadRequest, match="Chat not found"):
        await tg.send_chat_action(USER, "typing")
    sent = await tg.send_message(USER, "finally")
    assert standin.chat_messages(USER) == [standin.messages[(USER, sent.message_id)]]
    assert [params.get("_error") for name, params in standin.calls if name != "getMe"] == [
        403,
        429,
        500,
        502,
        400,
        None,
    ]


async def test_ptb_application_polls_against_the_stand_in(standin: BotApiStandIn) -> None:
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        choices = [[InlineKeyboardButton(t, callback_data=f"lvl:{t}")] for t in ("Easy", "Hard")]
        await update.effective_message.reply_text(
            "Pick a level", reply_markup=InlineKeyboardMarkup(choices)
        )

    async def choose(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        await query.answer("Saved")
        await query.edit_message_text(f"You chose {query.data}")

    application = (
        ApplicationBuilder()
        .token(TOKEN)
        .base_url(f"{standin.url}/bot")
        .base_file_url(f"{standin.url}/file/bot")
        .build()
    )
    application.add_handler(CommandHandler("start", start))
    application.add_handler(CallbackQueryHandler(choose))
    async with application:
        assert application.updater is not None
        await application.updater.start_polling(timeout=1, drop_pending_updates=True)
        await application.start()
        try:
            standin.user_text(USER, "/start", first_name="Ana")
            menu = await standin.wait_for_bot_message(USER)
            assert menu.text == "Pick a level"
            assert menu.button_labels() == ["Easy", "Hard"]
            query_id = standin.user_tap_label(USER, "hard")
            await standin.wait_for_call("editMessageText")
            await standin.wait_idle(quiet=0.2)
        finally:
            await application.updater.stop()
            await application.stop()
    assert standin.answered_callbacks[query_id]["text"] == "Saved"
    assert (menu.text, menu.reply_markup, menu.edits) == ("You chose lvl:Hard", None, 1)
    assert standin.pending_updates == []
