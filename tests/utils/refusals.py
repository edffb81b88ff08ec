"""The Bot API calls the stand-in refused, as Telegram would have: each one a wasted call
against Telegram's limits, or a message the runner never saw."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from bot.devtools.standin import BotApiStandIn

Call = tuple[str, dict[str, Any]]


def bot_calls(standin: BotApiStandIn) -> list[Call]:
    """Every call the bot made, long polls aside."""
    return [(name, params) for name, params in standin.calls if name != "getUpdates"]


def refused_calls(
    standin: BotApiStandIn, *, injected: int = 0, forged_queries: Collection[str] = ()
) -> list[Call]:
    """The calls answered with an error that the test did not cause on purpose: the first
    `injected` refusals are the faults the test injected (in order), and an answer to a
    callback query the test forged (an id Telegram never issued) is the test's doing."""
    refused = [
        (name, params)
        for name, params in bot_calls(standin)
        if "_error" in params
        and not (
            name == "answerCallbackQuery" and str(params.get("callback_query_id")) in forged_queries
        )
    ]
    return refused[injected:]


def describe(calls: list[Call]) -> str:
    """One line per call: method, the message it was about, and Telegram's status."""
    lines = []
    for name, params in calls:
        about = {k: params[k] for k in ("chat_id", "message_id", "_error") if k in params}
        text = str(params.get("text") or params.get("caption") or "")[:50]
        lines.append(f"{name} {about} {text!r}")
    return "\n".join(lines)
