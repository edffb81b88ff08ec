"""Guided sessions end to end: one message per step, taps that cannot corrupt state."""

from __future__ import annotations

import asyncio
import copy
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.clock import ManualClock
from bot.content import Content
from bot.db.models import PainCheckin, RoutineSession, StepEvent, User
from bot.devtools.standin import StoredMessage
from bot.domain.enums import CheckinKind, SessionStatus
from tests.utils.app import BotRunner
from tests.utils.chat import ChatUser
from tests.utils.journeys import (
    done_step,
    morning,
    morning_question,
    onboard_to,
    session_with_pain,
    sweep_at,
)
from tests.utils.rows import count, sessions_of, set_user, user_row
from tests.utils.writes import watch

# A one-step session (level 1 with a foam roller) has no "Step 1 of 1": its step starts
# with the exercise's name.
ONE_STEP = "Upper-back foam rolling"


def step_messages(runner: ChatUser) -> list[StoredMessage]:
    return [m for m in runner.bot_messages() if (m.text or "").startswith(("Step ", ONE_STEP))]


def assert_nothing_tappable_but_last(runner: ChatUser) -> None:
    """No answered step keeps buttons; only the newest message may have some."""
    last = runner.last().message_id
    live = [m.message_id for m in step_messages(runner) if m.buttons() and m.message_id != last]
    assert live == [], live


async def to_last_part(runner: ChatUser) -> None:
    """Done on each part of the live step but its last: the step shows its last part."""
    step = runner.last().message_id
    while True:
        before = runner.last().text
        await runner.tap("✅ Done")
        assert runner.last().message_id == step, "the step ended before its last part"
        if runner.last().text == before:
            raise AssertionError("Done changed nothing")
        if not _has_next_part(runner.last().text or ""):
            return


def _has_next_part(text: str) -> bool:
    """Shows a part with another after it: a left side, or technique n of m (n < m)."""
    if "Left side" in text or "left side" in text:
        return True
    found = re.search(r"\((\d+) of (\d+)\)", text)
    return found is not None and found.group(1) != found.group(2)


async def run_through(runner: ChatUser, steps: int) -> None:
    for index in range(steps):
        assert (runner.last().text or "").startswith(f"Step {index + 1} of {steps}")
        await done_step(runner)


async def test_level_one_session_from_the_summary_start_button(
    onboarded: ChatUser, bot_runner: BotRunner
) -> None:
    await onboarded.tap("Start first session")

    messages = onboarded.bot_messages()
    assert "Decompression ladder, level 1 of 7: 1 step," in (messages[-2].text or "")
    step = onboarded.last()
    assert (step.text or "").startswith(ONE_STEP)  # no "Step 1 of 1"
    assert "Step 1 of" not in (step.text or "")
    assert "Never roll your lower back" in (step.text or "")
    assert step.button_labels() == ["✅ Done", "Skip", "Hurts", "Stop"]

    await done_step(onboarded)
    closed = next(m for m in onboarded.bot_messages() if m.message_id == step.message_id)
    # the instructions (of the last part) stay readable, with a status line
    assert (closed.text or "").endswith("\n\n✅ Done")
    assert "Never roll your lower back" in (closed.text or "")
    assert closed.buttons() == []
    texts = [m.text for m in onboarded.bot_messages()]
    assert "Session complete: 1 of 1 done." in texts
    assert onboarded.last().button_labels() == [str(n) for n in range(11)]

    await onboarded.tap("2")
    assert onboarded.last().text == (
        "Logged 2/10 (mild). "
        "I'll see how your back feels tomorrow morning before changing anything."
    )
    assert onboarded.last().button_labels() == ["Something new or different?"]
    sessions = await sessions_of(bot_runner.db, onboarded.user_id)
    assert [s.status for s in sessions] == [SessionStatus.COMPLETED]
    assert await count(bot_runner.db, PainCheckin, session_id=sessions[0].id) == 1
    assert_nothing_tappable_but_last(onboarded)


async def test_full_ladder_at_level_seven(
    onboarded: ChatUser, bot_runner: BotRunner, content: Content
) -> None:
    await set_user(bot_runner.db, onboarded.user_id, level=7)
    await onboarded.say("/session")
    await run_through(onboarded, 7)

    names = [content.exercises[e].name for e in content.ladder.steps]
    records = [m.text or "" for m in onboarded.bot_messages() if (m.text or "").endswith("✅ Done")]
    assert [text.split("\n")[1] for text in records] == names
    assert "Session complete: 7 of 7 done." in [m.text for m in onboarded.bot_messages()]


@pytest.mark.parametrize(
    "routine_id",
    ["post_run_cooldown", "pre_run_warmup", "home_stretches", "yoga_for_runners", "strength_core"],
)
async def test_full_session_of_every_routine(
    onboarded: ChatUser, bot_runner: BotRunner, content: Content, routine_id: str
) -> None:
    routine = content.routines[routine_id]
    await onboarded.say("/routines")
    await onboarded.tap(routine.name)

    assert f"Today: {routine.name}, {len(routine.steps)} steps" in (
        onboarded.bot_messages()[-2].text or ""
    )
    await run_through(onboarded, len(routine.steps))
    await onboarded.tap("0")

    sessions = await sessions_of(bot_runner.db, onboarded.user_id)
    assert sessions[-1].routine_id == routine_id
    assert sessions[-1].status is SessionStatus.COMPLETED
    assert await count(bot_runner.db, StepEvent, session_id=sessions[-1].id) == len(routine.steps)
    # Tried once: the daily routine stays the ladder.
    assert (await user_row(bot_runner.db, onboarded.user_id)).routine_id == "decompression"
    assert_nothing_tappable_but_last(onboarded)


async def test_no_foam_roller_swaps_step_one(runner: ChatUser, bot_runner: BotRunner) -> None:
    await onboard_to(runner, "equipment")
    await runner.tap("No roller")
    await runner.say("7:30")
    await runner.tap("08:00")  # the morning question
    await runner.say("Europe/Berlin")
    await runner.tap("Save")
    await runner.tap("Start first session")

    assert "cat-cow mobilises the upper back" in (runner.bot_messages()[-2].text or "")
    assert "Cat-cow" in (runner.last().text or "")


async def test_hurts_offers_easier_skip_stop_and_never_done(
    onboarded: ChatUser, bot_runner: BotRunner
) -> None:
    await set_user(bot_runner.db, onboarded.user_id, level=2)
    await onboarded.say("/session")
    await done_step(onboarded)
    assert "Boogie board side stretch" in (onboarded.last().text or "")

    await onboarded.tap("Hurts")
    step = onboarded.last()
    assert "Sorry it hurts" in (step.text or "")
    assert step.button_labels() == ["Easier", "Skip", "Stop"]

    await onboarded.tap("Easier")
    assert "Standing side bend" in (onboarded.last().text or "")
    assert (onboarded.last().text or "").startswith("Step 2 of 2")
    await done_step(onboarded)
    # the hurt step was then done in its easier version: counted once, as done
    assert "Session complete: 2 of 2 done." in [m.text for m in onboarded.bot_messages()]


async def test_stale_done_after_hurts_is_refused(
    onboarded: ChatUser, bot_runner: BotRunner
) -> None:
    await onboarded.say("/session")
    step = copy.deepcopy(onboarded.last())
    await onboarded.tap("Hurts")

    answer = await onboarded.tap_message(step, "✅ Done")

    assert answer.get("text") == "That button has expired."
    rs = (await sessions_of(bot_runner.db, onboarded.user_id))[-1]
    assert rs.status is SessionStatus.IN_PROGRESS
    assert await count(bot_runner.db, StepEvent, session_id=rs.id) == 1


async def test_trunk_rotation_hurt_is_dropped_for_two_days(
    onboarded: ChatUser, bot_runner: BotRunner, clock: ManualClock
) -> None:
    await set_user(bot_runner.db, onboarded.user_id, level=6)
    await onboarded.say("/session")
    for _ in range(5):
        await done_step(onboarded)
    assert "trunk rotation" in (onboarded.last().text or "").lower()
    await onboarded.tap("Hurts")
    assert onboarded.last().button_labels() == ["Skip", "Stop"]
    await onboarded.tap("Stop")
    assert "Stopped for today" in (onboarded.bot_messages()[-2].text or "")
    await onboarded.tap("4")

    clock.advance(timedelta(days=1))
    await onboarded.say("/session")
    await onboarded.tap("Skip, start now")  # this morning's question comes first
    intro = onboarded.bot_messages()[-2].text or ""
    assert "level 6 of 7: 5 steps" in intro
    assert "left out until" in intro
    await run_through(onboarded, 5)

    clock.advance(timedelta(days=1, hours=1))
    await onboarded.say("/session")
    assert "level 6 of 7: 6 steps" in (onboarded.bot_messages()[-2].text or "")


async def test_stop_closes_the_session_and_asks_for_pain(
    onboarded: ChatUser, bot_runner: BotRunner
) -> None:
    await set_user(bot_runner.db, onboarded.user_id, level=3)
    await onboarded.say("/session")
    await onboarded.tap("Skip")
    await onboarded.tap("Stop")

    texts = [m.text for m in onboarded.bot_messages()]
    # nothing hurt: no "right call", and no count of nothing
    assert "Stopped for today: no step done, 1 skipped. Pick it up again tomorrow." in texts
    said = " ".join(text or "" for text in texts)
    assert "right call" not in said
    assert not any(f"0 {word}" in said for word in ("done", "skipped", "hurt"))
    assert "How's your back right now" in (onboarded.last().text or "")
    rs = (await sessions_of(bot_runner.db, onboarded.user_id))[-1]
    assert rs.status is SessionStatus.STOPPED


async def test_resume_after_restart(onboarded: ChatUser, bot_runner: BotRunner) -> None:
    await set_user(bot_runner.db, onboarded.user_id, level=4)
    await onboarded.say("/session")
    await done_step(onboarded)
    old_step = copy.deepcopy(onboarded.last())

    await bot_runner.restart()
    replies = await onboarded.say("/session")

    assert replies[0].text == "Picking up where you left off: step 2 of 4."
    assert (onboarded.last().text or "").startswith("Step 2 of 4")
    old = next(m for m in onboarded.bot_messages() if m.message_id == old_step.message_id)
    assert old.buttons() == []
    await run_through_from(onboarded, 2, 4)
    rs = await sessions_of(bot_runner.db, onboarded.user_id)
    assert len(rs) == 1
    assert rs[0].status is SessionStatus.COMPLETED


async def run_through_from(runner: ChatUser, first: int, total: int) -> None:
    for index in range(first, total + 1):
        assert (runner.last().text or "").startswith(f"Step {index} of {total}")
        await done_step(runner)


async def test_taps_on_the_live_step_work_after_a_restart(
    onboarded: ChatUser, bot_runner: BotRunner
) -> None:
    await set_user(bot_runner.db, onboarded.user_id, level=2)
    await onboarded.say("/session")
    await bot_runner.restart()
    await done_step(onboarded)
    assert (onboarded.last().text or "").startswith("Step 2 of 2")


async def test_yesterdays_session_is_abandoned(
    onboarded: ChatUser, bot_runner: BotRunner, clock: ManualClock
) -> None:
    await set_user(bot_runner.db, onboarded.user_id, level=3)
    await onboarded.say("/session")
    await done_step(onboarded)
    yesterday_step = copy.deepcopy(onboarded.last())

    clock.advance(timedelta(days=1))
    await onboarded.say("/session")

    assert "Today: Decompression ladder" in (onboarded.bot_messages()[-2].text or "")
    statuses = [s.status for s in await sessions_of(bot_runner.db, onboarded.user_id)]
    assert statuses == [SessionStatus.ABANDONED, SessionStatus.IN_PROGRESS]
    answer = await onboarded.tap_message(yesterday_step, "✅ Done")
    assert answer.get("text") == "That session is already over."


async def test_stale_tap_on_an_answered_step(onboarded: ChatUser, bot_runner: BotRunner) -> None:
    await set_user(bot_runner.db, onboarded.user_id, level=3)
    await onboarded.say("/session")
    first = copy.deepcopy(onboarded.last())
    await done_step(onboarded)

    answer = await onboarded.tap_message(first, "Skip")

    assert answer.get("text") == "This step is already done."
    rs = (await sessions_of(bot_runner.db, onboarded.user_id))[-1]
    assert rs.current_step == 1
    assert await count(bot_runner.db, StepEvent, session_id=rs.id) == 1


async def test_forged_callback_data_writes_nothing(
    onboarded: ChatUser,
    new_user,
    bot_runner: BotRunner,
) -> None:
    await set_user(bot_runner.db, onboarded.user_id, level=3)
    await onboarded.say("/session")
    rs = (await sessions_of(bot_runner.db, onboarded.user_id))[-1]
    step = onboarded.last()

    intruder = new_user("Mallory")
    await onboard_to(intruder, "days")
    await intruder.tap("Save")
    intruder_message = intruder.last()
    forged = [
        f"1|ss|{rs.id}|0|0|d",  # another runner's session, from the intruder
    ]
    for data in forged:
        answer = await intruder.tap_data(intruder_message, data)
        assert answer.get("text") == "That button has expired."
    for data in [
        f"1|ss|{rs.id}|0|0|z",  # unknown action
        f"1|ss|{rs.id}|0|9|d",  # a version that never existed
        f"1|ss|{rs.id}|5|0|d",  # a step ahead
        f"1|ss|{rs.id}|0|d",  # too few parts
        f"2|ss|{rs.id}|0|0|d",  # another version of the format
        "hello",
        "1|ss|" + "9" * 70,  # over 64 bytes
        "1|zz|1|2",
        "",
    ]:
        answer = await onboarded.tap_data(step, data)
        assert answer.get("text") == "That button has expired.", data

    after = (await sessions_of(bot_runner.db, onboarded.user_id))[-1]
    assert (after.current_step, after.step_version, after.status) == (
        0,
        0,
        SessionStatus.IN_PROGRESS,
    )
    assert await count(bot_runner.db, StepEvent) == 0


async def test_double_tap_advances_once(onboarded: ChatUser, bot_runner: BotRunner) -> None:
    await set_user(bot_runner.db, onboarded.user_id, level=3)
    await onboarded.say("/session")
    await to_last_part(onboarded)
    step = onboarded.last()
    data = step.buttons()[0]["callback_data"]
    onboarded.standin.user_tap(onboarded.user_id, step, data)
    onboarded.standin.user_tap(onboarded.user_id, step, data)
    await onboarded.settled()

    rs = (await sessions_of(bot_runner.db, onboarded.user_id))[-1]
    assert rs.current_step == 1
    assert await count(bot_runner.db, StepEvent, session_id=rs.id) == 1
    records = [m for m in onboarded.bot_messages() if (m.text or "").endswith("✅ Done")]
    assert len(records) == 1
    assert len([m for m in step_messages(onboarded) if (m.text or "").startswith("Step 2")]) == 1


async def test_twenty_simultaneous_taps_advance_once(
    onboarded: ChatUser, bot_runner: BotRunner
) -> None:
    await set_user(bot_runner.db, onboarded.user_id, level=3)
    await onboarded.say("/session")
    await to_last_part(onboarded)
    step = onboarded.last()
    data = step.buttons()[0]["callback_data"]
    ids = [onboarded.standin.user_tap(onboarded.user_id, step, data) for _ in range(20)]
    await onboarded.settled()

    answers = [onboarded.standin.answered_callbacks[i].get("text") for i in ids]
    assert answers.count(None) == 1
    assert answers.count("This step is already done.") == 19
    rs = (await sessions_of(bot_runner.db, onboarded.user_id))[-1]
    assert rs.current_step == 1
    assert await count(bot_runner.db, StepEvent, session_id=rs.id) == 1
    assert len([m for m in step_messages(onboarded) if (m.text or "").startswith("Step 2")]) == 1


async def test_concurrent_updates_from_different_runners(new_user, bot_runner: BotRunner) -> None:
    runners = [new_user(f"R{i}") for i in range(5)]
    for r in runners:
        await onboard_to(r, "days")
        await r.tap("Save")
    for r in runners:
        onboarded_step = r.last()
        r.standin.user_tap(r.user_id, onboarded_step, onboarded_step.buttons()[0]["callback_data"])
    await runners[0].settled()
    for r in runners:
        assert (r.last().text or "").startswith(ONE_STEP)


async def test_the_next_step_does_not_wait_for_the_taps_answer(
    onboarded: ChatUser, bot_runner: BotRunner
) -> None:
    """Every Bot API call is a round trip to Telegram: the next step goes out while the
    tap's answer (the button's spinner) and the closing of the step are still unanswered."""
    await set_user(bot_runner.db, onboarded.user_id, level=3)
    await onboarded.say("/session")
    await to_last_part(onboarded)
    standin = onboarded.standin
    first = onboarded.last().message_id
    answers, edits = standin.hold("answerCallbackQuery"), standin.hold("editMessageCaption")
    after = len(standin.calls)

    standin.user_tap_label(onboarded.user_id, "✅ Done", chat_id=onboarded.chat_id)
    sent = await standin.wait_for_call("sendPhoto", after=after)

    assert str(sent.get("caption", "")).startswith("Step 2 of 3")
    waiting = [name for name, params in standin.calls[after:] if name != "getUpdates"]
    assert {"answerCallbackQuery", "editMessageCaption"} <= set(waiting)
    answers.set()
    edits.set()
    await onboarded.settled()
    closed = next(m for m in onboarded.bot_messages() if m.message_id == first)
    assert not closed.buttons()  # the step that was done shows no buttons
    second = [m for m in step_messages(onboarded) if (m.text or "").startswith("Step 2 of 3")]
    assert len(second) == 1
    assert second[0].buttons()
    assert_nothing_tappable_but_last(onboarded)


@pytest.mark.parametrize(
    ("status", "description"),
    [
        (400, "Bad Request: query is too old and response timeout expired or query ID is invalid"),
        (502, "Bad Gateway"),
    ],
)
async def test_a_failed_answer_does_not_stop_the_next_step(
    onboarded: ChatUser, bot_runner: BotRunner, status: int, description: str
) -> None:
    """Telegram refuses or loses the tap's answer: the step still closes, the next one
    still comes, once, and the runner is not told that something went wrong."""
    await set_user(bot_runner.db, onboarded.user_id, level=3)
    await onboarded.say("/session")
    await to_last_part(onboarded)
    onboarded.standin.inject_error(
        onboarded.chat_id, status, methods=["answerCallbackQuery"], description=description
    )

    await onboarded.tap("✅ Done")

    failed = [
        p for name, p in onboarded.standin.calls if name == "answerCallbackQuery" and "_fault" in p
    ]
    assert len(failed) == 1
    second = [m for m in step_messages(onboarded) if (m.text or "").startswith("Step 2 of 3")]
    assert len(second) == 1
    assert second[0].buttons()
    assert_nothing_tappable_but_last(onboarded)
    assert not [m for m in onboarded.bot_messages() if "went wrong" in (m.text or "")]


async def test_429_in_the_middle_of_a_session(onboarded: ChatUser, bot_runner: BotRunner) -> None:
    await set_user(bot_runner.db, onboarded.user_id, level=3)
    await onboarded.say("/session")
    await to_last_part(onboarded)
    # the next step goes out as its picture with the step as caption (sendPhoto)
    onboarded.standin.inject_error(
        onboarded.chat_id, 429, retry_after=1, methods=["sendMessage", "sendPhoto"]
    )

    await onboarded.tap("✅ Done", timeout=10)
    await onboarded.settled()

    refused = [
        p
        for name, p in onboarded.standin.calls
        if name in ("sendMessage", "sendPhoto") and p.get("_fault")
    ]
    assert len(refused) == 1  # Telegram said "retry after 1 s" once (the injected error)
    second = [m for m in step_messages(onboarded) if (m.text or "").startswith("Step 2 of 3")]
    assert len(second) == 1  # the step still arrives, once
    assert second[0].buttons()


async def test_start_double_tap_opens_one_session(
    onboarded: ChatUser, bot_runner: BotRunner
) -> None:
    summary = onboarded.last()
    data = summary.buttons()[0]["callback_data"]
    onboarded.standin.user_tap(onboarded.user_id, summary, data)
    onboarded.standin.user_tap(onboarded.user_id, summary, data)
    await onboarded.settled()

    assert len(await sessions_of(bot_runner.db, onboarded.user_id)) == 1
    assert len(step_messages(onboarded)) == 1


async def test_checkin_accepts_typed_numbers_and_refuses_bad_ones(
    onboarded: ChatUser, bot_runner: BotRunner
) -> None:
    await onboarded.say("/session")
    await done_step(onboarded)
    replies = await onboarded.say("eleven")
    assert "whole number from 0" in (replies[0].text or "")
    assert await count(bot_runner.db, PainCheckin) == 0
    replies = await onboarded.say("11")
    assert await count(bot_runner.db, PainCheckin) == 0
    replies = await onboarded.say("6")
    assert replies[-1].text is not None
    assert replies[-1].text.startswith("Logged 6/10 (moderate).")
    assert await count(bot_runner.db, PainCheckin) == 1


async def test_checkin_tapped_twice_counts_once(onboarded: ChatUser, bot_runner: BotRunner) -> None:
    await onboarded.say("/session")
    await done_step(onboarded)
    prompt = copy.deepcopy(onboarded.last())
    await onboarded.tap("3")
    answer = await onboarded.tap_message(prompt, "5")

    assert answer.get("text") == "Already logged, thanks."
    assert await count(bot_runner.db, PainCheckin) == 1


async def test_session_before_setup(runner: ChatUser) -> None:
    reply = await runner.send("/session")
    assert "send /start" in (reply.text or "")


async def test_routines_list_marks_the_current_one(onboarded: ChatUser) -> None:
    replies = await onboarded.say("/routines")
    labels = replies[-1].button_labels()
    assert len(labels) == 8  # six routines, then the daily choice and the library
    assert labels[0].startswith("✓ Decompression ladder · level 1")
    assert not any(label.startswith("✓") for label in labels[1:])
    assert labels[6:] == ["Change daily routine", "📖 Exercises"]


async def test_unknown_routine_id(onboarded: ChatUser) -> None:
    replies = await onboarded.say("/routines")
    answer = await onboarded.tap_data(replies[-1], "1|rt|moonwalk")
    assert (
        answer.get("text") == "That routine is no longer available. Send /routines to see the list."
    )


async def test_concurrent_taps_directly_on_the_database(
    onboarded: ChatUser, bot_runner: BotRunner
) -> None:
    """Even without the per-chat ordering, two units of work claiming one step: one wins."""
    await set_user(bot_runner.db, onboarded.user_id, level=3)
    await onboarded.say("/session")
    rs = (await sessions_of(bot_runner.db, onboarded.user_id))[-1]

    async def claim() -> bool:
        async with bot_runner.db.write() as session:
            # Locked the way every write path locks: through the runner's row.
            await session.get(User, rs.user_id, with_for_update=True)
            row = await session.get(RoutineSession, rs.id)
            assert row is not None
            await asyncio.sleep(0)
            if row.current_step != 0:
                return False
            row.current_step = 1
            return True

    results = await asyncio.gather(*(claim() for _ in range(20)))
    assert results.count(True) == 1


async def test_write_units_per_tap_through_the_bot(
    onboarded: ChatUser, bot_runner: BotRunner
) -> None:
    """The service does a Done tap in one write unit (tests/services/test_guided.py); the
    handler adds one more to remember the message that carries the next step. A check-in
    after the session is one write unit end to end."""
    await set_user(bot_runner.db, onboarded.user_id, level=2)
    await onboarded.say("/session")

    with watch(bot_runner.db) as part_tap:
        await onboarded.tap("✅ Done")
    assert "Up and down (2 of 4)" in (onboarded.last().text or "")
    assert part_tap.write_units == 1  # the same message shows the next part

    await to_last_part(onboarded)
    with watch(bot_runner.db) as done_tap:
        await onboarded.tap("✅ Done")
    assert (onboarded.last().text or "").startswith("Step 2 of 2")
    # and the first time step 2's picture goes up, one more to keep its file_id
    assert done_tap.write_units == 3

    await to_last_part(onboarded)
    with watch(bot_runner.db) as last_tap:
        await onboarded.tap("✅ Done")
    assert onboarded.last().button_labels() == [str(n) for n in range(11)]
    assert last_tap.write_units == 2  # the tap, then remembering the pain question

    with watch(bot_runner.db) as checkin:
        await onboarded.tap("3")
    assert (onboarded.last().text or "").startswith("Logged 3/10")
    assert checkin.write_units == 1


# --- today's morning question first ------------------------------------------------------

MORNING_FIRST = "Before you start: how's your back this morning?"


async def mornings(bot_runner: BotRunner) -> list[tuple[int, date]]:
    async with bot_runner.db.read() as session:
        rows = await session.scalars(
            select(PainCheckin)
            .where(PainCheckin.context == CheckinKind.MORNING)
            .order_by(PainCheckin.id)
        )
        return [(r.score, r.local_date) for r in rows]


async def test_a_session_before_the_morning_answer_asks_it_first_and_one_tap_starts(
    onboarded: ChatUser, bot_runner: BotRunner, clock: ManualClock
) -> None:
    await session_with_pain(onboarded, 2)
    asked = await morning_question(onboarded, bot_runner, clock, 3)

    replies = await onboarded.say("/session")

    question = replies[-1]
    assert MORNING_FIRST in (question.text or "")
    assert question.button_labels() == [*(str(n) for n in range(11)), "Skip, start now"]
    assert len(await sessions_of(bot_runner.db, onboarded.user_id)) == 1  # not yet started
    earlier = next(m for m in onboarded.bot_messages() if m.message_id == asked.message_id)
    assert earlier.buttons() == []  # one live morning question, not two

    await onboarded.tap("3")

    texts = [m.text or "" for m in onboarded.bot_messages() if m.message_id > question.message_id]
    assert texts[0].startswith("Logged 3/10 (mild).")
    assert texts[1].startswith("Today: Decompression ladder")
    assert texts[2].startswith(ONE_STEP)
    assert await mornings(bot_runner) == [(3, date(2026, 3, 3))]
    sessions = await sessions_of(bot_runner.db, onboarded.user_id)
    assert [s.status for s in sessions] == [SessionStatus.COMPLETED, SessionStatus.IN_PROGRESS]

    # Answered: the next /session resumes it, no question first.
    replies = await onboarded.say("/session")
    assert "Picking up where you left off" in (replies[0].text or "")


async def test_the_reminders_start_asks_the_morning_question_first_and_skip_starts(
    onboarded: ChatUser, bot_runner: BotRunner, clock: ManualClock
) -> None:
    await session_with_pain(onboarded, 2)
    asked = await morning_question(onboarded, bot_runner, clock, 3)  # the reminder came too
    clock.advance(timedelta(minutes=5))

    await onboarded.tap("Start")
    assert MORNING_FIRST in (onboarded.last().text or "")
    await onboarded.tap("Skip, start now")

    assert (onboarded.last().text or "").startswith(ONE_STEP)
    assert await mornings(bot_runner) == []
    assert len(await sessions_of(bot_runner.db, onboarded.user_id)) == 2
    late = await onboarded.tap_message(asked, "4")  # the session has begun: closed
    assert "closed" in str(late.get("text"))
    assert await mornings(bot_runner) == []


async def test_a_morning_question_due_later_today_is_asked_before_an_early_session(
    onboarded: ChatUser, bot_runner: BotRunner, clock: ManualClock
) -> None:
    await session_with_pain(onboarded, 2)  # the morning question: tomorrow 08:00
    clock.set(datetime(2026, 3, 3, 5, 30, tzinfo=UTC))  # 06:30 in Berlin

    replies = await onboarded.say("/session")
    assert MORNING_FIRST in (replies[-1].text or "")
    replies = await onboarded.say("2/10")  # typed works here too

    assert (replies[0].text or "").startswith("Logged 2/10")
    assert (onboarded.last().text or "").startswith(ONE_STEP)
    assert await mornings(bot_runner) == [(2, date(2026, 3, 3))]
    # It was asked: the sweep at 08:00 does not ask it again.
    await sweep_at(bot_runner, onboarded, clock, datetime(2026, 3, 3, 7, 0, 30, tzinfo=UTC))
    assert not any((m.text or "").startswith("Good morning!") for m in onboarded.bot_messages())


async def test_no_morning_question_first_on_a_day_without_one(
    onboarded: ChatUser, bot_runner: BotRunner, clock: ManualClock
) -> None:
    await session_with_pain(onboarded, 2)
    await morning(onboarded, bot_runner, clock, 3)  # Tuesday's, answered
    clock.advance(timedelta(hours=2))

    replies = await onboarded.say("/session")

    assert not any(MORNING_FIRST in (m.text or "") for m in replies)
    assert (replies[-1].text or "").startswith(ONE_STEP)


async def test_a_double_tap_on_the_morning_question_first_starts_one_session(
    onboarded: ChatUser, bot_runner: BotRunner, clock: ManualClock
) -> None:
    await session_with_pain(onboarded, 2)
    await morning_question(onboarded, bot_runner, clock, 3)
    await onboarded.say("/session")
    question = onboarded.last()
    data = next(b["callback_data"] for b in question.buttons() if b["text"] == "4")
    onboarded.standin.user_tap(onboarded.user_id, question, data)
    onboarded.standin.user_tap(onboarded.user_id, question, data)
    await onboarded.settled()

    assert await mornings(bot_runner) == [(4, date(2026, 3, 3))]
    assert len(await sessions_of(bot_runner.db, onboarded.user_id)) == 2
    steps = [m for m in onboarded.bot_messages() if m.message_id > question.message_id]
    assert len([m for m in steps if (m.text or "").startswith(ONE_STEP)]) == 1
