"""Flood limits and injected errors: Telegram's 429s, told apart from its refusals."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from telegram.ext import AIORateLimiter, ApplicationBuilder

from bot.devtools.standin import BotApiStandIn
from tests.standin.helpers import TOKEN, USER, FakeMonotonic, api, keyboard

GROUP = -100200


@pytest.fixture
def clock() -> FakeMonotonic:
    return FakeMonotonic()


@pytest.fixture
async def timed(clock: FakeMonotonic) -> AsyncIterator[BotApiStandIn]:
    """A stand-in whose flood limits follow a clock the test moves; USER, USER + 1 and GROUP
    are chats the bot may write to."""
    async with BotApiStandIn(TOKEN, monotonic=clock) as standin:
        for chat in (USER, USER + 1):
            standin.open_chat(chat)
        standin.user_text(USER, "/start", chat_id=GROUP, chat_type="group")
        yield standin


async def sends(
    http: aiohttp.ClientSession, standin: BotApiStandIn, count: int, chat_id: int = USER
) -> list[int]:
    message = {"chat_id": chat_id, "text": "hi"}
    return [(await api(http, standin, "sendMessage", json=message))[0] for _ in range(count)]


async def test_global_rate_limit(
    timed: BotApiStandIn, clock: FakeMonotonic, http: aiohttp.ClientSession
) -> None:
    assert timed.rate_limit_per_second == 30  # Telegram's documented bulk limit
    timed.rate_limit_per_second = 2
    assert await sends(http, timed, 3) == [200, 200, 429]
    assert (await api(http, timed, "getUpdates"))[0] == 200  # polling is not limited
    _, body = await api(http, timed, "sendMessage", json={"chat_id": USER + 1, "text": "hi"})
    assert body["parameters"] == {"retry_after": 1}  # other chats share the global bucket
    clock.advance(0.25)  # half a call's worth refilled at 2/s
    assert await sends(http, timed, 1) == [429]
    clock.advance(0.25)
    assert await sends(http, timed, 2) == [200, 429]
    timed.rate_limit_per_second = None
    assert await sends(http, timed, 5) == [200] * 5


async def test_per_chat_limit(
    timed: BotApiStandIn, clock: FakeMonotonic, http: aiohttp.ClientSession
) -> None:
    burst = int(timed.flood.chat_burst)
    assert await sends(http, timed, burst + 1) == [200] * burst + [429]
    _, body = await api(http, timed, "sendMessage", json={"chat_id": USER, "text": "hi"})
    assert body == {
        "ok": False,
        "error_code": 429,
        "description": "Too Many Requests: retry after 1",
        "parameters": {"retry_after": 1},
    }
    assert await sends(http, timed, 1, chat_id=USER + 1) == [200]  # another chat: its own bucket
    # Edits count; answers to taps, chat actions and deletions do not.
    status, body = await api(
        http, timed, "editMessageText", json={"chat_id": USER, "message_id": 1, "text": "x"}
    )
    assert status == 429
    action = {"chat_id": USER, "action": "typing"}
    assert (await api(http, timed, "sendChatAction", json=action))[0] == 200
    deletion = {"chat_id": USER, "message_id": 2}
    assert (await api(http, timed, "deleteMessage", json=deletion))[0] == 200
    clock.advance(1.0)  # one message per second
    assert await sends(http, timed, 2) == [200, 429]
    clock.advance(3600)
    assert await sends(http, timed, burst) == [200] * burst

    limited = timed.limited_calls()
    assert len(limited) == 4
    assert all(params["_limited"] and params["_error"] == 429 for _, params, _ in limited)
    assert timed.refused_calls() == []  # a 429 is a limit the bot meets, not a refusal


async def test_group_limit(
    timed: BotApiStandIn, clock: FakeMonotonic, http: aiohttp.ClientSession
) -> None:
    assert await sends(http, timed, 21, chat_id=GROUP) == [200] * 20 + [429]
    _, body = await api(http, timed, "sendMessage", json={"chat_id": GROUP, "text": "hi"})
    assert body["parameters"] == {"retry_after": 3}  # 20 per minute: one every 3 seconds
    clock.advance(3.0)
    assert await sends(http, timed, 2, chat_id=GROUP) == [200, 429]


async def test_limits_are_configurable(
    timed: BotApiStandIn, clock: FakeMonotonic, http: aiohttp.ClientSession
) -> None:
    timed.flood.chat_burst = 2
    assert await sends(http, timed, 3) == [200, 200, 429]
    timed.flood.chat_rate_per_second = None
    assert await sends(http, timed, 5) == [200] * 5
    timed.flood.group_burst = 1
    assert await sends(http, timed, 2, chat_id=GROUP) == [200, 429]
    timed.lift_flood_limits()
    assert await sends(http, timed, 40, chat_id=GROUP) == [200] * 40


async def test_a_reply_and_an_edit_after_a_tap_pass(
    timed: BotApiStandIn, http: aiohttp.ClientSession
) -> None:
    """A conversation's pace, with no time passing: the defaults let it through."""
    for step in range(6):
        status, body = await api(
            http,
            timed,
            "sendMessage",
            json={"chat_id": USER, "text": f"Step {step}", "reply_markup": keyboard("Done")},
        )
        assert status == 200
        message = timed.messages[(USER, body["result"]["message_id"])]
        query_id = timed.user_tap_label(USER, "Done")
        answer = {"callback_query_id": query_id}
        assert (await api(http, timed, "answerCallbackQuery", json=answer))[0] == 200
        edit = {"chat_id": USER, "message_id": message.message_id, "text": f"Step {step} done"}
        assert (await api(http, timed, "editMessageText", json=edit))[0] == 200
    assert timed.limited_calls() == []


async def test_user_pace_refills_the_limits(
    timed: BotApiStandIn, http: aiohttp.ClientSession
) -> None:
    """A test driving a chat at machine speed can give each user action a person's pace."""
    timed.flood.chat_burst = 2
    assert await sends(http, timed, 3) == [200, 200, 429]
    timed.user_text(USER, "hi")  # no pace: no time passes
    assert await sends(http, timed, 1) == [429]
    timed.user_pace_seconds = 2.0
    timed.user_text(USER, "hi again")  # two seconds' worth: two messages
    assert await sends(http, timed, 3) == [200, 200, 429]
    message = timed.chat_messages(USER)[-1]
    timed.user_tap(USER, message, "x")  # a tap too
    assert await sends(http, timed, 3) == [200, 200, 429]


async def test_the_bots_rate_limiter_waits_and_retries(standin: BotApiStandIn) -> None:
    """python-telegram-bot's AIORateLimiter (the bot uses it) sleeps retry_after and retries."""
    standin.flood.chat_burst = 1
    application = (
        ApplicationBuilder()
        .token(TOKEN)
        .base_url(f"{standin.url}/bot")
        .rate_limiter(AIORateLimiter(overall_max_rate=0, max_retries=3))
        .build()
    )
    async with application:
        started = time.monotonic()
        await asyncio.gather(*(application.bot.send_message(USER, f"{n}") for n in range(2)))
    assert 0.9 < time.monotonic() - started < 5
    assert sorted(str(m.text) for m in standin.chat_messages(USER)) == ["0", "1"]
    assert len(standin.limited_calls()) == 1


async def test_injected_errors(standin: BotApiStandIn, http: aiohttp.ClientSession) -> None:
    standin.open_chat(1)
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
    assert [bool(params.get("_fault")) for _, params in standin.calls] == [True] * 5 + [False] * 2
    assert standin.refused_calls() == []  # injected faults are not Telegram's refusals
    assert standin.limited_calls() == []
    assert len(standin.successful_calls("sendMessage")) == 2
    assert len(standin.chat_messages(USER)) == 1

    standin.inject_error(USER, 500, methods=["deleteMessage"])
    assert (await api(http, standin, "sendMessage", json=send))[0] == 200
    status, body = await api(
        http, standin, "deleteMessage", json={"chat_id": USER, "message_id": 1}
    )
    assert (status, body["description"]) == (500, "Internal Server Error")


async def test_refused_calls_name_the_rule(
    standin: BotApiStandIn, http: aiohttp.ClientSession
) -> None:
    await api(http, standin, "sendMessage", json={"chat_id": USER, "text": "ok"})
    await api(http, standin, "sendMessage", json={"chat_id": USER, "text": ""})
    await api(http, standin, "answerCallbackQuery", json={"callback_query_id": "1"})
    refused: list[tuple[str, Any, str]] = standin.refused_calls()
    assert [(method, description) for method, _, description in refused] == [
        ("sendMessage", "Bad Request: message text is empty"),
        (
            "answerCallbackQuery",
            "Bad Request: query is too old and response timeout expired or query ID is invalid",
        ),
    ]
    assert refused[0][1] == {
        "chat_id": USER,
        "text": "",
        "_error": 400,
        "_description": "Bad Request: message text is empty",
        "_refused": True,
    }
    assert [m for m, _, _ in standin.refused_calls("answer_callback_query")] == [
        "answerCallbackQuery"
    ]
