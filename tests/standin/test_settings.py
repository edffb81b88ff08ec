"""The bot's settings under Telegram's rules: webhooks and the command list."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest

from bot.devtools.standin import BotApiStandIn
from tests.standin.helpers import api

BAD_WEBHOOK = "Bad Request: bad webhook: "


@pytest.mark.parametrize(
    ("fields", "description"),
    [
        ({"url": "https://bot.example.org/hook"}, None),
        ({"url": "bot.example.org/hook"}, None),  # https is the default scheme
        ({"url": "https://bot.example.org:8443/hook"}, None),
        ({"url": "https://bot.example.org:88/hook"}, None),
        ({"url": "https://bot.example.org:80/hook"}, None),
        ({"url": "https://h.example:443/x", "secret_token": "Ab_-9" * 51 + "x"}, None),
        ({"url": ""}, None),  # no URL: no webhook
        (
            {"url": "http://bot.example.org/hook"},
            BAD_WEBHOOK + "An HTTPS URL must be provided for webhook",
        ),
        (
            {"url": "https://bot.example.org:8080/hook"},
            BAD_WEBHOOK + "Webhook can be set up only on ports 80, 88, 443 or 8443",
        ),
        ({"url": "ftp://bot.example.org/"}, "Bad Request: invalid webhook URL specified"),
        ({"url": "https://:443/x"}, "Bad Request: invalid webhook URL specified"),
        (
            {"url": "https://h.example/x", "secret_token": "a" * 257},
            "Bad Request: secret token is too long",
        ),
        (
            {"url": "https://h.example/x", "secret_token": "not secret!"},
            "Bad Request: secret token contains unallowed characters",
        ),
        (  # the secret is checked before the scheme
            {"url": "http://h.example/x", "secret_token": "a=b"},
            "Bad Request: secret token contains unallowed characters",
        ),
    ],
)
async def test_set_webhook(
    standin: BotApiStandIn,
    http: aiohttp.ClientSession,
    fields: dict[str, Any],
    description: str | None,
) -> None:
    status, body = await api(http, standin, "setWebhook", json=fields)
    if description is None:
        assert (status, body) == (200, {"ok": True, "result": True})
        assert standin.webhook_url == fields["url"]
        assert standin.webhook_secret_token == fields.get("secret_token", "")
    else:
        assert (status, body["description"]) == (400, description)
        assert standin.webhook_url == ""
        assert [d for _, _, d in standin.refused_calls()] == [description]


def commands(count: int) -> list[dict[str, str]]:
    return [{"command": f"c{n}", "description": f"Command {n}"} for n in range(count)]


@pytest.mark.parametrize(
    ("given", "description"),
    [
        (commands(100), None),
        (commands(101), "Bad Request: BOT_COMMANDS_TOO_MUCH"),
        ([{"command": "x" * 32, "description": "d" * 256}], None),
        (
            [{"command": "x" * 33, "description": "d"}],
            "Bad Request: command length must not exceed 32",
        ),
        (
            [{"command": "x", "description": "d" * 257}],
            "Bad Request: command description length must not exceed 256",
        ),
        ([{"command": " / ", "description": "d"}], "Bad Request: command must be non-empty"),
        (
            [{"command": "x", "description": "  "}],
            "Bad Request: command description must be non-empty",
        ),
        ([{"command": "Start", "description": "d"}], "Bad Request: BOT_COMMAND_INVALID"),
        ([{"command": "my-cmd", "description": "d"}], "Bad Request: BOT_COMMAND_INVALID"),
        (
            [{"command": "start"}],
            "Bad Request: can't parse BotCommand: Can't find field \"description\"",
        ),
        ({"command": "start"}, "Bad Request: expected an Array of BotCommand"),
    ],
)
async def test_set_my_commands(
    standin: BotApiStandIn,
    http: aiohttp.ClientSession,
    given: Any,
    description: str | None,
) -> None:
    status, body = await api(http, standin, "setMyCommands", json={"commands": given})
    if description is None:
        assert status == 200, body
        assert standin.commands == given
    else:
        assert (status, body["description"]) == (400, description)
        assert standin.commands == []


async def test_commands_are_trimmed_as_telegram_does(
    standin: BotApiStandIn, http: aiohttp.ClientSession
) -> None:
    given = [{"command": " /start ", "description": " Set up \n"}]
    assert (await api(http, standin, "setMyCommands", json={"commands": given}))[0] == 200
    assert standin.commands == [{"command": "start", "description": "Set up"}]
    _, body = await api(http, standin, "getMyCommands")
    assert body["result"] == standin.commands


async def test_a_menu_per_language_and_per_chat_as_telegram_keeps_them(
    standin: BotApiStandIn, http: aiohttp.ClientSession
) -> None:
    everyone = [{"command": "start", "description": "Set up"}]
    german = [{"command": "start", "description": "Einrichten"}]
    chat = [{"command": "start", "description": "Начать"}]
    for params in (
        {"commands": everyone},
        {"commands": german, "language_code": "de"},
        {"commands": chat, "scope": {"type": "chat", "chat_id": 7}},
    ):
        assert (await api(http, standin, "setMyCommands", json=params))[0] == 200
    assert standin.commands == everyone
    _, body = await api(http, standin, "getMyCommands", json={"language_code": "de"})
    assert body["result"] == german
    # what a user sees: their chat's own menu, else their language's, else everyone's
    assert standin.menu_for(7, "de") == chat
    assert standin.menu_for(8, "de") == german
    assert standin.menu_for(8, "es") == everyone
    assert (await api(http, standin, "deleteMyCommands", json={"language_code": "de"}))[0] == 200
    assert standin.menu_for(8, "de") == everyone


@pytest.mark.parametrize(
    ("params", "description"),
    [
        ({"language_code": "de-AT"}, "Bad Request: invalid language code specified"),
        ({"language_code": "DE"}, "Bad Request: invalid language code specified"),
        (
            {"scope": {"type": "everyone"}},
            "Bad Request: unsupported bot command scope type specified",
        ),
        ({"scope": "{not json"}, "Bad Request: can't parse BotCommandScope JSON object"),
    ],
)
async def test_a_menu_for_an_unknown_language_or_scope_is_refused(
    standin: BotApiStandIn, http: aiohttp.ClientSession, params: dict[str, Any], description: str
) -> None:
    given = {"commands": [{"command": "start", "description": "Set up"}], **params}
    status, body = await api(http, standin, "setMyCommands", json=given)
    assert (status, body["description"]) == (400, description)
    assert standin.menus == {}
