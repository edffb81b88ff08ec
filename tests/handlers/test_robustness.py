"""Nothing a stranger sends breaks the bot or touches anyone's data."""

from __future__ import annotations

import itertools
from typing import Any

from sqlalchemy import select

from bot.db.models import (
    RoutineSession,
)
from tests.utils.app import BotRunner
from tests.utils.chat import ChatUser
from tests.utils.journeys import done_step, onboard_to
from tests.utils.rows import row_counts

_ids = itertools.count(500)


def _user(user_id: int = 666) -> dict[str, Any]:
    return {"id": user_id, "is_bot": False, "first_name": "Mallory"}


def _message(chat: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {"message_id": next(_ids), "date": 1772431200, "chat": chat, "from": _user(), **fields}


PRIVATE = {"id": 666, "type": "private", "first_name": "Mallory"}
GROUP = {"id": -100123, "type": "group", "title": "Running club"}
SUPERGROUP = {"id": -100999, "type": "supergroup", "title": "Trail runners"}
CHANNEL = {"id": -100777, "type": "channel", "title": "News"}


def malformed_updates(
    victim_session_id: int, victim_message: dict[str, Any]
) -> list[dict[str, Any]]:
    def cmd(text: str) -> dict[str, Any]:
        length = len(text.split()[0])
        return {
            "message": _message(
                PRIVATE,
                text=text,
                entities=[{"type": "bot_command", "offset": 0, "length": length}],
            )
        }

    def tap(data: str | None, with_message: bool = True) -> dict[str, Any]:
        query: dict[str, Any] = {"id": str(next(_ids)), "from": _user(), "chat_instance": "1"}
        if data is not None:
            query["data"] = data
        if with_message:
            query["message"] = victim_message
        return {"callback_query": query}

    updates: list[dict[str, Any]] = [
        cmd("/foo"),
        cmd("/session"),
        cmd("/settings"),
        cmd("/pause"),
        cmd("/resume"),
        cmd("/progress"),
        cmd("/run"),
        cmd("/checkin"),
        cmd("/routines"),
        cmd("/stats"),  # not an admin
        cmd("/help@someone_else_bot"),
        {"message": _message(PRIVATE, text=" ")},
        {"message": _message(PRIVATE, text="x" * 4096)},
        {"message": _message(PRIVATE, text="🏃‍♀️💥🔥")},
        {"message": _message(PRIVATE, text="7")},
        {"message": _message(PRIVATE, text="yes")},
        {
            "message": _message(
                PRIVATE,
                sticker={
                    "file_id": "s",
                    "file_unique_id": "s",
                    "type": "regular",
                    "width": 512,
                    "height": 512,
                    "is_animated": False,
                    "is_video": False,
                },
            )
        },
        {
            "message": _message(
                PRIVATE, photo=[{"file_id": "p", "file_unique_id": "p", "width": 90, "height": 90}]
            )
        },
        {
            "message": _message(
                PRIVATE, voice={"file_id": "v", "file_unique_id": "v", "duration": 3}
            )
        },
        {
            "message": _message(
                PRIVATE, document={"file_id": "d", "file_unique_id": "d", "file_name": "x.pdf"}
            )
        },
        {"message": _message(PRIVATE, location={"latitude": 52.5, "longitude": 13.4})},
        {"message": _message(PRIVATE, contact={"phone_number": "+100", "first_name": "X"})},
        {"message": _message(PRIVATE, dice={"emoji": "🎲", "value": 3})},
        {"edited_message": _message(PRIVATE, text="/start", edit_date=1772431300)},
        {"edited_message": _message(PRIVATE, text="3", edit_date=1772431300)},
        {
            "message": _message(
                GROUP, text="/start", entities=[{"type": "bot_command", "offset": 0, "length": 6}]
            )
        },
        {"message": _message(GROUP, text="hello bot")},
        {"message": _message(SUPERGROUP, text="/session")},
        {
            "channel_post": {
                "message_id": next(_ids),
                "date": 1772431200,
                "chat": CHANNEL,
                "text": "post",
            }
        },
        {
            "my_chat_member": {
                "chat": PRIVATE,
                "from": _user(),
                "date": 1772431200,
                "old_chat_member": {
                    "status": "member",
                    "user": {"id": 7000001, "is_bot": True, "first_name": "Bot"},
                },
                "new_chat_member": {
                    "status": "kicked",
                    "user": {"id": 7000001, "is_bot": True, "first_name": "Bot"},
                    "until_date": 0,
                },
            }
        },
        {"inline_query": {"id": "iq1", "from": _user(), "query": "stretch", "offset": ""}},
        tap(f"1|ss|{victim_session_id}|0|0|d"),  # someone else's session
        tap(f"1|ss|{victim_session_id}|0|0|x"),
        tap(f"1|ck|{victim_session_id}|3"),  # a check-in on someone else's session
        tap("1|ob|pain|3"),  # a stranger who never ran /start
        tap("1|st|time|0700"),
        tap("1|go|today"),
        tap("1|rt|decompression"),
        tap("1|rm|1|z"),
        tap("1|am|1|4"),
        tap("1|rn|run_pain|2"),
        tap("1|ah|new|y"),
        tap("garbage"),
        tap(""),
        tap(None),  # no data at all (a game button)
        tap("1|ss|1|0|0|d", with_message=False),  # inline-mode query: no message
        tap("9" * 100),
    ]
    return updates


async def test_forty_odd_updates_change_nothing_and_the_bot_still_works(
    new_user,
    bot_runner: BotRunner,
) -> None:
    victim: ChatUser = new_user("Vic")
    await onboard_to(victim, "days")
    await victim.tap("Save")
    await victim.say("/session")
    async with bot_runner.db.read() as session:
        victim_session = (await session.scalars(select(RoutineSession))).one()
    step = victim.last()
    victim_message = {
        "message_id": step.message_id,
        "date": 1772431200,
        "chat": {"id": victim.chat_id, "type": "private", "first_name": "Vic"},
        "from": {"id": 7000001, "is_bot": True, "first_name": "Bot"},
        "text": step.text,
        "reply_markup": step.reply_markup,
    }
    before = await row_counts(bot_runner.db)

    updates = malformed_updates(victim_session.id, victim_message)
    assert len(updates) >= 40
    for update in updates:
        bot_runner.standin.push_update(update)
    await victim.settled()

    assert await row_counts(bot_runner.db) == before
    async with bot_runner.db.read() as session:
        again = await session.get(RoutineSession, victim_session.id)
    assert again is not None
    assert (again.current_step, again.step_version, again.status) == (
        victim_session.current_step,
        victim_session.step_version,
        victim_session.status,
    )
    # Every tap with a message was answered; the groups got one hint each, and only that.
    # (The stand-in did not issue these query ids, so it refuses the answers as Telegram
    # would; what counts is that the bot tried.)
    answered = {
        str(p.get("callback_query_id"))
        for _n, p in bot_runner.standin.calls
        if _n.lower() == "answercallbackquery"
    }
    taps = [u["callback_query"]["id"] for u in updates if "callback_query" in u]
    assert set(taps) <= answered
    group_messages = [
        p
        for _n, p in bot_runner.standin.successful_calls("sendMessage")
        if str(p.get("chat_id")) in (str(GROUP["id"]), str(SUPERGROUP["id"]))
    ]
    assert len(group_messages) == 2
    assert all("private chat" in str(p["text"]) for p in group_messages)
    # No handler crashed: nobody was told "Something went wrong".
    assert not [
        p
        for _n, p in bot_runner.standin.successful_calls("sendMessage")
        if "Something went wrong" in str(p.get("text"))
    ]

    # And a normal runner still goes through a whole session.
    await done_step(victim)
    await victim.tap("4")
    assert (victim.last().text or "").startswith("Logged 4/10")
    newcomer: ChatUser = new_user("Nia")
    await onboard_to(newcomer, "days")
    await newcomer.tap("Save")
    await newcomer.tap("Start first session")
    await done_step(newcomer)
    await newcomer.tap("1")
    assert (newcomer.last().text or "").startswith("Logged 1/10")


async def test_stats_for_admins_only(make_settings, content, clock, standin) -> None:
    import asyncio

    from bot.db.migrate import upgrade_to_head

    settings = make_settings(admin_ids=(4242,))
    await asyncio.to_thread(upgrade_to_head, settings.database_url)
    runner = BotRunner(settings, content, clock, standin)
    await runner.start()
    try:
        admin = ChatUser(standin, 4242, settle=runner.settle)
        stranger = ChatUser(standin, 4343, settle=runner.settle)
        replies = await admin.say("/stats")
        assert (replies[-1].text or "").startswith("users: 0")
        replies = await stranger.say("/stats")
        assert replies[-1].text == "I don't know /stats. Send /help to see what I can do."
    finally:
        await runner.stop()


async def test_a_failing_handler_tells_the_runner_and_alerts_admins_once(
    make_settings, content, clock, standin
) -> None:
    import asyncio

    from bot.db.migrate import upgrade_to_head

    settings = make_settings(admin_ids=(4242,))
    await asyncio.to_thread(upgrade_to_head, settings.database_url)
    runner = BotRunner(settings, content, clock, standin)
    standin.open_chat(4242)  # an admin has started the bot: it may not write first
    await runner.start()
    try:
        user = ChatUser(standin, 4545, settle=runner.settle)
        for _ in range(2):
            standin.inject_error(4545, 400, times=1, methods=["sendMessage"])
            await user.say("/help")  # the reply fails: the handler raises
            assert user.last().text == (
                "Something went wrong on my side; your progress is saved. "
                "Please try again in a moment."
            )
        alerts = [
            p
            for _n, p in standin.successful_calls("sendMessage")
            if str(p.get("chat_id")) == "4242"
        ]
        assert len(alerts) == 1  # at most one a minute
        assert str(alerts[0]["text"]).startswith("⚠️ BadRequest while handling update")
        assert "help" not in str(alerts[0]["text"]).lower()  # no user text in the alert
    finally:
        await runner.stop()
