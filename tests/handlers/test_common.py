"""/start, /help and the catch-alls, end to end through the Bot API stand-in."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.context import BotApplication, deps_of
from bot.db.models import User
from bot.devtools.standin import BotApiStandIn
from bot.domain.enums import UserStatus
from tests.utils.chat import ChatUser


async def test_start_greets_with_disclaimer_and_remembers_the_runner(
    runner: ChatUser, bot_app: BotApplication
) -> None:
    reply = await runner.send("/start")

    assert reply.text is not None
    assert "Hi Alex" in reply.text
    assert "not medical advice" in reply.text
    db = deps_of(bot_app).db
    assert db is not None
    async with db.read() as session:
        user = await session.scalar(select(User).where(User.telegram_user_id == runner.user_id))
    assert user is not None
    assert user.chat_id == runner.chat_id
    assert user.status is UserStatus.ACTIVE


async def test_second_start_welcomes_back_and_keeps_one_row(
    runner: ChatUser, bot_app: BotApplication
) -> None:
    await runner.say("/start")
    replies = await runner.say("/start")

    assert "Welcome back" in (replies[0].text or "")
    assert "numbness" in (replies[-1].text or "")  # the open question again
    db = deps_of(bot_app).db
    assert db is not None
    async with db.read() as session:
        count = await session.scalar(
            select(func.count()).select_from(User).where(User.telegram_user_id == runner.user_id)
        )
    assert count == 1


async def test_help_lists_every_menu_command(
    runner: ChatUser, bot_app: BotApplication, standin: BotApiStandIn
) -> None:
    reply = await runner.send("/help")

    assert reply.text is not None
    menu = [c["command"] for c in standin.commands]
    assert menu, "the bot registers its command menu at start-up"
    for command in menu:
        assert f"/{command}" in reply.text


async def test_command_menu_matches_content(
    bot_app: BotApplication, standin: BotApiStandIn
) -> None:
    content = deps_of(bot_app).content
    assert [(c["command"], c["description"]) for c in standin.commands] == [
        (c.command, c.description) for c in content.commands
    ]


async def test_unknown_command_gets_a_hint_naming_it(runner: ChatUser) -> None:
    reply = await runner.send("/dance")

    assert reply.text is not None
    assert "/dance" in reply.text
    assert "/help" in reply.text


async def test_free_text_from_a_stranger_gets_a_hint_not_silence(runner: ChatUser) -> None:
    reply = await runner.send("my back hurts a bit today")

    assert reply.text is not None
    assert "/start" in reply.text


async def test_two_runners_get_their_own_replies(new_user, bot_app: BotApplication) -> None:
    first, second = new_user("Sam"), new_user("Kim")
    reply_first = (await first.say("/start"))[0]
    reply_second = (await second.say("/start"))[0]

    assert reply_first.chat_id == first.chat_id
    assert "Sam" in (reply_first.text or "")
    assert reply_second.chat_id == second.chat_id
    assert "Kim" in (reply_second.text or "")
