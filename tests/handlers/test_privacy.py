"""/export, /delete, and what never reaches the logs."""

from __future__ import annotations

import csv
import io
import json
import logging
from datetime import UTC, datetime, timedelta

import pytest

from bot.clock import ManualClock
from bot.logs import quiet_libraries
from tests.utils.app import BotRunner
from tests.utils.chat import ChatUser
from tests.utils.journeys import session_with_pain
from tests.utils.rows import row_counts


async def test_export_sends_json_and_csv(onboarded: ChatUser) -> None:
    await session_with_pain(onboarded, 4)
    replies = await onboarded.say("/export")
    await onboarded.settled()
    documents = [m for m in onboarded.bot_messages() if m.document is not None]
    assert [d.document_name for d in documents][-2:] == [
        "mobility-2026-03-02.json",
        "pain-checkins-2026-03-02.csv",
    ]
    data = json.loads(documents[-2].document or b"")
    assert data["profile"]["time_zone"] == "Europe/Berlin"
    assert [s["status"] for s in data["sessions"]] == ["completed"]
    assert [c["score"] for c in data["checkins"]] == [4]
    rows = list(csv.DictReader(io.StringIO((documents[-1].document or b"").decode())))
    assert [(r["context"], r["score"]) for r in rows] == [("after_session", "4")]
    assert replies


async def test_delete_asks_then_removes_everything(
    onboarded: ChatUser, bot_runner: BotRunner, clock: ManualClock
) -> None:
    await session_with_pain(onboarded, 4)
    await onboarded.say("/delete")
    await onboarded.tap("Keep my data")
    assert onboarded.last().text == "Nothing deleted."
    assert (await row_counts(bot_runner.db))["users"] == 1

    await onboarded.say("/delete")
    await onboarded.tap("Delete everything")
    assert "everything about you is deleted" in (onboarded.last().text or "")
    assert set((await row_counts(bot_runner.db)).values()) == {0}

    # No reminder and no morning question afterwards.
    sent_before = len(bot_runner.standin.successful_calls("sendMessage"))
    clock.set(datetime(2026, 3, 3, 7, 0, tzinfo=UTC) + timedelta(minutes=1))
    await bot_runner.sweep()
    assert len(bot_runner.standin.successful_calls("sendMessage")) == sent_before

    # A later /start begins from nothing.
    replies = await onboarded.say("/start")
    assert (replies[0].text or "").startswith("Hi Alex!")


async def test_delete_button_from_an_old_message_has_expired(
    onboarded: ChatUser, bot_runner: BotRunner
) -> None:
    await onboarded.say("/delete")
    import copy

    old = copy.deepcopy(onboarded.last())
    await onboarded.tap("Keep my data")
    answer = await onboarded.tap_message(old, "Delete everything")
    assert answer.get("text") == "That button has expired."
    assert (await row_counts(bot_runner.db))["users"] == 1


async def test_logs_carry_no_pain_values_no_text_no_token(
    onboarded: ChatUser, caplog: pytest.LogCaptureFixture
) -> None:
    quiet_libraries()  # as python -m bot sets up logging
    caplog.set_level(logging.DEBUG)  # the most a deployment can log
    await onboarded.say("my knee says zebrafish")
    await session_with_pain(onboarded, 9)
    await onboarded.say("/run")
    await onboarded.tap("Yes")
    await onboarded.say("8")
    text = "\n".join(record.getMessage() for record in caplog.records)
    assert "zebrafish" not in text
    assert "9/10" not in text
    assert "8/10" not in text
    assert "score=" not in text
