"""What a session says, end to end through the stand-in: a step that is over stays
readable, the summary counts each step once, Stop says whether something hurt, and a
question typed mid-session gets the step again."""

from __future__ import annotations

import copy

from bot.db.models import StepEvent
from bot.devtools.standin import StoredMessage
from bot.domain.enums import SessionStatus
from tests.utils.app import BotRunner
from tests.utils.chat import ChatUser
from tests.utils.journeys import done_step
from tests.utils.rows import count, sessions_of, set_user


def message(runner: ChatUser, message_id: int) -> StoredMessage:
    return next(m for m in runner.bot_messages() if m.message_id == message_id)


def said(runner: ChatUser) -> list[str]:
    return [m.text or "" for m in runner.bot_messages()]


async def test_each_finished_step_keeps_its_instructions_and_shows_its_status(
    onboarded: ChatUser, bot_runner: BotRunner
) -> None:
    await set_user(bot_runner.db, onboarded.user_id, level=3)
    await onboarded.say("/session")
    shown: list[tuple[int, str]] = []
    for tap in ("✅ Done", "Skip"):
        step = onboarded.last()
        while True:  # every part of the step (foam rolling has five): its last one stays
            shown_now = onboarded.last().text or ""
            await onboarded.tap(tap)
            if onboarded.last().message_id != step.message_id:
                break
        shown.append((step.message_id, shown_now))
    step = onboarded.last()
    shown.append((step.message_id, step.text or ""))
    await onboarded.tap("Hurts")
    await onboarded.tap("Skip")

    for (message_id, text), status in zip(
        shown, ("✅ Done", "⏭ Skipped", "Hurt - skipped"), strict=True
    ):
        closed = message(onboarded, message_id)
        assert closed.text == f"{text}\n\n{status}"  # every instruction still there
        assert closed.buttons() == []
    assert "Session complete: 1 of 3 done, 1 skipped, 1 hurt." in said(onboarded)


async def test_a_stale_tap_on_a_finished_step_changes_nothing(
    onboarded: ChatUser, bot_runner: BotRunner
) -> None:
    await set_user(bot_runner.db, onboarded.user_id, level=3)
    await onboarded.say("/session")
    first = copy.deepcopy(onboarded.last())  # as an old client still shows it, buttons on
    await done_step(onboarded)
    closed = message(onboarded, first.message_id).text

    for label in ("✅ Done", "Skip", "Stop"):
        answer = await onboarded.tap_message(first, label)
        assert answer.get("text") == "This step is already done."
    assert message(onboarded, first.message_id).text == closed
    rs = (await sessions_of(bot_runner.db, onboarded.user_id))[-1]
    assert rs.current_step == 1
    assert rs.status is SessionStatus.IN_PROGRESS
    assert await count(bot_runner.db, StepEvent, session_id=rs.id) == 1


async def test_a_six_step_session_counts_each_step_once(
    onboarded: ChatUser, bot_runner: BotRunner
) -> None:
    await set_user(bot_runner.db, onboarded.user_id, level=6)
    await onboarded.say("/session")
    for taps in (["✅ Done"], ["✅ Done"], ["Hurts", "Skip"], ["✅ Done"], ["Skip"], ["✅ Done"]):
        for tap in taps:
            if tap == "✅ Done":
                await done_step(onboarded)  # each side, each technique
            else:
                await onboarded.tap(tap)

    summary = "Session complete: 4 of 6 done, 1 skipped, 1 hurt."
    assert summary in said(onboarded)  # was "4 done, 2 skipped, 1 hurt": seven of six
    assert not any("right call" in text for text in said(onboarded))


async def test_stop_after_hurts_says_stopping_was_right(
    onboarded: ChatUser, bot_runner: BotRunner
) -> None:
    await set_user(bot_runner.db, onboarded.user_id, level=3)
    await onboarded.say("/session")
    await done_step(onboarded)
    step = onboarded.last()
    await onboarded.tap("Hurts")
    await onboarded.tap("Stop")

    assert (message(onboarded, step.message_id).text or "").endswith("\n\nHurt - stopped here")
    assert (
        "Stopped for today: 1 of 3 done, 1 hurt. Stopping when something hurts is the right call."
        in said(onboarded)
    )
    assert "How's your back right now" in (onboarded.last().text or "")


async def test_a_plain_stop_is_friendly_and_true(
    onboarded: ChatUser, bot_runner: BotRunner
) -> None:
    await set_user(bot_runner.db, onboarded.user_id, level=5)
    await onboarded.say("/session")
    await done_step(onboarded)
    await done_step(onboarded)
    await onboarded.tap("Stop")

    assert "Stopped for today: 2 of 5 done. Pick it up again tomorrow." in said(onboarded)
    assert not any("right call" in text for text in said(onboarded))


async def test_stop_on_the_first_step_says_it_in_words(
    onboarded: ChatUser, bot_runner: BotRunner
) -> None:
    await set_user(bot_runner.db, onboarded.user_id, level=3)
    await onboarded.say("/session")
    step = onboarded.last()
    await onboarded.tap("Stop")

    assert (message(onboarded, step.message_id).text or "").endswith("\n\n⏹ Stopped here")
    assert "Stopped for today. Pick it up again tomorrow." in said(onboarded)
    assert not any("0 done" in text for text in said(onboarded))


async def test_easier_keeps_the_hard_version_readable(
    onboarded: ChatUser, bot_runner: BotRunner
) -> None:
    await set_user(bot_runner.db, onboarded.user_id, level=2)
    await onboarded.say("/session")
    await done_step(onboarded)
    step = onboarded.last()
    await onboarded.tap("Easier")

    closed = message(onboarded, step.message_id).text or ""
    assert closed.startswith("Step 2 of 2")
    assert closed.endswith("\n\n↘ Swapped for Standing side bend")
    assert "Easier: Standing side bend, if your hips or knees" in closed
    assert (onboarded.last().text or "").startswith("Step 2 of 2")


async def test_a_question_typed_mid_session_gets_the_step_again(
    onboarded: ChatUser, bot_runner: BotRunner
) -> None:
    await set_user(bot_runner.db, onboarded.user_id, level=2)
    await onboarded.say("/session")
    await done_step(onboarded)
    old = copy.deepcopy(onboarded.last())

    replies = await onboarded.say("how long do I hold this?")

    assert "I didn't catch that" not in " ".join(m.text or "" for m in replies)
    assert replies[0].text == (
        "You're on Boogie board side stretch. Hold 15-30 s, 2 times each side. "
        "Here it is again; tap a button when you're ready."
    )
    again = replies[-1]
    assert again.text == old.text
    assert again.button_labels() == old.button_labels()
    assert message(onboarded, old.message_id).buttons() == []  # one live step

    stale = await onboarded.tap_message(old, "✅ Done")
    assert stale.get("text") == "That button has expired."  # the step lives below now
    await done_step(onboarded)
    assert "Session complete: 2 of 2 done." in said(onboarded)
    rs = (await sessions_of(bot_runner.db, onboarded.user_id))[-1]
    assert await count(bot_runner.db, StepEvent, session_id=rs.id) == 2


async def test_typed_text_with_no_session_open_is_still_a_hint(onboarded: ChatUser) -> None:
    replies = await onboarded.say("how long do I hold this?")
    assert "I didn't catch that" in (replies[-1].text or "")


async def test_a_question_on_a_foam_rolling_technique_gets_that_techniques_dose(
    onboarded: ChatUser,
) -> None:
    await onboarded.say("/session")  # level 1 with a roller: foam rolling in four parts

    replies = await onboarded.say("how long do I do this?")

    assert replies[0].text == (
        "You're on Upper-back foam rolling (Side to side). 1-5 min. "
        "Here it is again; tap a button when you're ready."
    )
    assert "Side to side (1 of 4)" in (replies[-1].text or "")
