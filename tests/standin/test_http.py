"""The stand-in over raw HTTP: reading calls like the Bot API, updates, waiting, hooks."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import aiohttp
import pytest

from bot.devtools.standin import BotApiStandIn, StoredMessage, UploadedFile
from tests.standin.helpers import PNG, TOKEN, USER, FakeMonotonic, api, keyboard


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
    assert standin.calls == [
        ("sendTelepathy", {"_error": 404, "_description": "Not Found", "_refused": True})
    ]


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
    standin.open_chat(5)
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


async def test_message_ids_are_per_chat_and_shared_with_the_user(
    standin: BotApiStandIn, http: aiohttp.ClientSession
) -> None:
    standin.user_text(USER, "hello")
    standin.open_chat(77)
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
        standin.open_chat(USER)
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
    assert [params for _, params in standin.calls][1] == {
        **send,
        "_error": 403,
        "_description": "Forbidden: bot was blocked by the user",
        "_fault": True,
    }
    assert "stand-in call observer failed on sendMessage" in caplog.text


async def test_a_held_method_is_answered_only_once_released(
    standin: BotApiStandIn, http: aiohttp.ClientSession
) -> None:
    gate = standin.hold("sendMessage")
    held = asyncio.ensure_future(
        api(http, standin, "sendMessage", json={"chat_id": USER, "text": "held"})
    )
    await standin.wait_for_call("sendMessage")  # received
    assert (await api(http, standin, "getMe"))[0] == 200  # other methods are not held
    assert not held.done()
    assert standin.chat_messages(USER) == []  # nor carried out yet

    gate.set()
    status, body = await held
    assert status == 200
    assert body["result"]["text"] == "held"


async def test_latency_delays_every_answer_but_the_long_poll(
    standin: BotApiStandIn, http: aiohttp.ClientSession
) -> None:
    standin.latency_seconds = 0.2
    started = time.monotonic()
    assert (await api(http, standin, "getMe"))[0] == 200
    assert time.monotonic() - started >= 0.2
    standin.latency_seconds = 60.0
    polled = api(http, standin, "getUpdates", json={"timeout": 0})
    assert (await asyncio.wait_for(polled, timeout=10))[0] == 200


async def test_a_client_gone_before_its_body_arrived_is_marked_not_carried_out(
    standin: BotApiStandIn, http: aiohttp.ClientSession, caplog: pytest.LogCaptureFixture
) -> None:
    """A bot stopping mid-call hangs up after the headers: nothing carried out, the call
    marked as gone (not a success, not a refusal), no error in the log (it used to log
    aiohttp's "Error handling request" with a traceback); the next call is served."""
    reader, writer = await asyncio.open_connection("127.0.0.1", standin.port)
    writer.write(
        f"POST /bot{TOKEN}/sendMessage HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\n"
        f"chat_id={USER}&te".encode()
    )
    await writer.drain()
    await standin.wait_for_call("sendMessage")  # its headers arrived
    writer.close()
    await writer.wait_closed()
    assert (await api(http, standin, "getMe"))[0] == 200
    assert [(name, params.get("_gone")) for name, params in standin.calls] == [
        ("sendMessage", True),
        ("getMe", None),
    ]
    assert standin.successful_calls("sendMessage") == []
    assert standin.refused_calls() == []
    assert standin.chat_messages(USER) == []
    errors = [r for r in caplog.records if r.levelname == "ERROR"]
    assert errors == [], errors[0].getMessage()
