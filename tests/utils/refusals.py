"""The Bot API calls the stand-in refused, as Telegram would have: each one a wasted call
against Telegram's limits, or a message the runner never saw."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from bot.devtools.standin import BotApiStandIn

Call = tuple[str, dict[str, Any]]

# Marks the stand-in may put on an error answer the bot is not to blame for: a fault the
# test injected, a flood limit's 429 (the bot waits and retries).
NOT_REFUSALS = ("_fault", "_limited", "_gone")  # "_gone": the bot hung up mid-call


def bot_calls(standin: BotApiStandIn) -> list[Call]:
    """Every call the bot made, long polls aside."""
    return [(name, params) for name, params in standin.calls if name != "getUpdates"]


def refused_calls(standin: BotApiStandIn, *, forged_queries: Collection[str] = ()) -> list[Call]:
    """The calls answered with an error that the test did not cause on purpose: not an
    injected fault, not a flood limit, and not the answer to a callback query the test
    forged (an id Telegram never issued, so it refuses any answer to it)."""
    return [
        (name, params)
        for name, params in bot_calls(standin)
        if "_error" in params
        and not any(params.get(mark) for mark in NOT_REFUSALS)
        and not (
            name == "answerCallbackQuery" and str(params.get("callback_query_id")) in forged_queries
        )
    ]


def describe(calls: list[Call]) -> str:
    """One line per call: method, the message it was about, Telegram's status and answer."""
    lines = []
    for name, params in calls:
        keys = ("chat_id", "message_id", "_error", "_description")
        about = {key: params[key] for key in keys if key in params}
        text = str(params.get("text") or params.get("caption") or "")[:50]
        lines.append(f"{name} {about} {text!r}")
    return "\n".join(lines)
