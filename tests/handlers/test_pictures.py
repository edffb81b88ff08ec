"""Exercise pictures end to end: each step arrives as its exercise's picture with the step
as the caption; a picture is uploaded once and sent by Telegram's file_id after that, by
any process and after a restart; a refused file_id or a failed upload never stops the
session; a runner can turn pictures off in /settings."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from bot.content import Content
from bot.db.models import PictureUpload
from bot.devtools.standin import BotApiStandIn
from bot.services.pictures import key_of
from tests.utils.app import BotRunner
from tests.utils.chat import ChatUser
from tests.utils.journeys import done_step, onboard
from tests.utils.rows import set_user, user_row

FOAM_ROLL = "thorax_foam_roll"  # level 1 with a roller: the first step of the ladder


def photo_sends(standin: BotApiStandIn, chat_id: int) -> list[dict[str, Any]]:
    return [p for name, p in standin.calls if name == "sendPhoto" and p.get("chat_id") == chat_id]


def uploaded(params: dict[str, Any]) -> bool:
    """The photo went up as a file, not as a file_id of one Telegram already has."""
    return not isinstance(params.get("photo"), str)


def bot_id(bot_runner: BotRunner) -> int:
    assert bot_runner.app is not None
    return bot_runner.app.bot.id


async def stored_uploads(bot_runner: BotRunner) -> dict[str, str]:
    async with bot_runner.db.read() as tx:
        rows = (await tx.execute(select(PictureUpload.key, PictureUpload.file_id))).all()
    return {key: file_id for key, file_id in rows}


async def test_a_step_arrives_as_its_picture_with_the_step_as_caption(
    onboarded: ChatUser, content: Content
) -> None:
    await onboarded.say("/session")

    step = onboarded.last()
    assert step.photo is not None
    assert step.photo.startswith(b"\x89PNG")
    assert (step.text or "").startswith(content.exercises[FOAM_ROLL].name)
    assert "✅ Done" in step.button_labels()
    [sent] = photo_sends(onboarded.standin, onboarded.chat_id)
    assert uploaded(sent)


async def test_done_on_a_part_edits_the_caption_under_the_same_picture(
    onboarded: ChatUser,
) -> None:
    await onboarded.say("/session")
    step = onboarded.last()
    first_part, picture = step.text or "", step.photo

    await onboarded.tap("✅ Done")

    now = onboarded.last()
    assert now.message_id == step.message_id
    assert now.photo == picture is not None
    assert "(1 of 4)" in first_part
    assert "(2 of 4)" in (now.text or "")
    assert any(name == "editMessageCaption" for name, _ in onboarded.standin.calls)
    assert len(photo_sends(onboarded.standin, onboarded.chat_id)) == 1


async def test_a_picture_is_uploaded_once_then_sent_by_file_id_also_after_a_restart(
    onboarded: ChatUser,
    new_user: Any,
    bot_runner: BotRunner,
    content: Content,
) -> None:
    await onboarded.say("/session")
    first = photo_sends(onboarded.standin, onboarded.chat_id)
    stored = await stored_uploads(bot_runner)
    key = key_of(content.poses[FOAM_ROLL], bot_id(bot_runner))
    assert uploaded(first[0])
    assert key in stored

    second = await onboard(new_user("Bea"))
    await second.say("/session")
    [again] = photo_sends(second.standin, second.chat_id)
    assert again["photo"] == stored[key]  # no upload: the file_id Telegram gave
    assert second.last().photo == onboarded.last().photo

    await bot_runner.restart()  # a new process: nothing but the database carried over
    third = await onboard(new_user("Cem"))
    await third.say("/session")
    [after] = photo_sends(third.standin, third.chat_id)
    assert after["photo"] == stored[key]
    assert await stored_uploads(bot_runner) == stored


async def test_a_file_id_telegram_refuses_is_forgotten_and_the_picture_uploaded_again(
    onboarded: ChatUser, bot_runner: BotRunner, content: Content
) -> None:
    key = key_of(content.poses[FOAM_ROLL], bot_id(bot_runner))
    async with bot_runner.db.write() as tx:
        tx.add(PictureUpload(key=key, file_id="gone-file-id", uploaded_at=bot_runner.clock.now()))

    await onboarded.say("/session")

    step = onboarded.last()
    assert step.photo is not None
    assert "✅ Done" in step.button_labels()
    tried, sent = photo_sends(onboarded.standin, onboarded.chat_id)
    assert tried["photo"] == "gone-file-id"
    assert uploaded(sent)
    assert (await stored_uploads(bot_runner))[key] != "gone-file-id"


async def test_a_picture_that_fails_to_send_leaves_the_step_as_text(
    onboarded: ChatUser, content: Content
) -> None:
    onboarded.standin.inject_error(onboarded.chat_id, 400, methods=["sendPhoto"])

    await onboarded.say("/session")

    step = onboarded.last()
    assert step.photo is None
    assert (step.text or "").startswith(content.exercises[FOAM_ROLL].name)
    await done_step(onboarded)  # the session goes on: Done on every part, by text edits
    assert (onboarded.last().text or "").startswith("How's your back right now?")


async def test_pictures_off_in_settings_sends_steps_as_text_only(
    onboarded: ChatUser, bot_runner: BotRunner
) -> None:
    await onboarded.say("/settings")
    await onboarded.tap("Pictures")
    assert onboarded.last().text == (
        "Pictures off: steps come as text only, to save data. Turn them on again in /settings."
    )
    assert (await user_row(bot_runner.db, onboarded.user_id)).pictures is False

    await onboarded.say("/session")
    await done_step(onboarded)

    assert photo_sends(onboarded.standin, onboarded.chat_id) == []
    assert all(m.photo is None for m in onboarded.bot_messages())

    replies = await onboarded.say("/settings")
    assert "Exercise pictures: No" in (replies[-1].text or "")
    await onboarded.tap("Pictures")
    assert onboarded.last().text == "Pictures on: each step comes with a picture of the exercise."


async def test_a_timer_ending_on_a_picture_step_edits_its_caption(
    onboarded: ChatUser, bot_runner: BotRunner, content: Content
) -> None:
    # a timed hold with a picture: child's pose in the yoga routine
    routine = content.routines["yoga_for_runners"]
    index = next(
        i
        for i, e in enumerate(routine.steps)
        if content.exercises[e].walk()[0].dose.timer_seconds is not None
    )
    await set_user(bot_runner.db, onboarded.user_id, routine_id=routine.id)
    await onboarded.say("/session")
    for _ in range(index):
        await done_step(onboarded)
    step = onboarded.last()
    assert step.photo is not None
    timer = next(label for label in step.button_labels() if label.startswith("⏱"))
    await onboarded.tap(timer)
    assert "Running until" in (onboarded.last().text or "")

    seconds = content.exercises[routine.steps[index]].walk()[0].dose.timer_seconds or 0
    bot_runner.clock.advance(timedelta(seconds=seconds + 1))
    assert await bot_runner.tick() == 1
    await bot_runner.settle()

    shown = next(m for m in onboarded.bot_messages() if m.message_id == step.message_id)
    assert shown.photo is not None
    assert "Running until" not in (shown.text or "")
    assert (onboarded.last().text or "").startswith("⏱ Time.")


async def test_the_library_shows_an_exercise_under_its_picture(
    onboarded: ChatUser, content: Content
) -> None:
    await onboarded.say("/exercises")
    await onboarded.tap("Home stretches")
    routine = content.routines["home_stretches"]
    first = content.exercises[routine.steps[0]]

    await onboarded.tap(f"1. {first.name}")

    picture, page = onboarded.bot_messages()[-2:]
    assert picture.photo is not None
    assert picture.text == first.name
    assert (page.text or "").split("\n")[1] == first.name
    assert page.button_labels() == ["Next ›", "☰ Home stretches"]

    await onboarded.tap("Next ›")
    assert onboarded.bot_messages()[-2].text == content.exercises[routine.steps[1]].name
    old = next(m for m in onboarded.bot_messages() if m.message_id == page.message_id)
    assert old.buttons() == []  # one live page: the one under the newest picture


async def test_a_question_typed_mid_session_sends_the_step_again_with_its_picture(
    onboarded: ChatUser,
) -> None:
    await onboarded.say("/session")
    old = onboarded.last()

    replies = await onboarded.say("how long do I do this?")

    again = replies[-1]
    assert again.photo is not None
    assert again.photo == old.photo
    assert "✅ Done" in again.button_labels()
    sends = photo_sends(onboarded.standin, onboarded.chat_id)
    assert len(sends) == 2
    assert isinstance(sends[1]["photo"], str)  # by file_id


async def test_a_refusal_that_is_not_about_the_file_keeps_the_file_id(
    onboarded: ChatUser, new_user: Any, bot_runner: BotRunner, content: Content
) -> None:
    await onboarded.say("/session")
    stored = await stored_uploads(bot_runner)
    other = await onboard(new_user("Bea"))
    other.standin.inject_error(
        other.chat_id,
        400,
        methods=["sendPhoto"],
        description="Bad Request: not enough rights to send photos to the chat",
    )

    await other.say("/session")

    assert other.last().photo is None  # the step came as text
    assert "✅ Done" in other.last().button_labels()
    assert await stored_uploads(bot_runner) == stored  # the picture is still known
