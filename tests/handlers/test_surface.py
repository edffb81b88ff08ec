"""The bot's whole surface through the Bot API stand-in, and not one call that Telegram
would refuse: onboarding down every answer path, every routine walked with every button,
every setting typed and tapped, reminders and mornings over days up to a level decision,
/progress, /export, /delete and the buttons left from before it, a group chat and
malformed updates. Then the cases the counting found, one by one."""

from __future__ import annotations

import copy
import itertools
import json
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.clock import ManualClock
from bot.content import Content
from bot.devtools.standin import BotApiStandIn, StoredMessage
from tests.utils.app import BotRunner
from tests.utils.chat import ChatUser
from tests.utils.journeys import onboard, sweep_at
from tests.utils.refusals import bot_calls, describe, refused_calls
from tests.utils.rows import row_counts, user_row

CET = timedelta(hours=1)  # Berlin in March 2026, before the 29th
EXPIRED = "That button has expired."
_ids = itertools.count(900)


def berlin(day: int, hour: int, minute: int = 0, second: int = 30) -> datetime:
    """That local time in Berlin on March `day` 2026, as UTC."""
    return datetime(2026, 3, day, hour, minute, second, tzinfo=UTC) - CET


def text_of(message: StoredMessage) -> str:
    return message.text or ""


def newest(runner: ChatUser, starts: str) -> StoredMessage:
    """A copy of the bot's newest message that starts with `starts`, as it is now."""
    found = next(m for m in reversed(runner.bot_messages()) if text_of(m).startswith(starts))
    return copy.deepcopy(found)


def said_since(runner: ChatUser, since: int) -> str:
    """Everything the bot said after message `since`, as it reads now."""
    return "\n".join(text_of(m) for m in runner.bot_messages() if m.message_id > since)


def newest_id(runner: ChatUser) -> int:
    return runner.bot_messages()[-1].message_id


async def walk(runner: ChatUser, *labels: str) -> None:
    for label in labels:
        await runner.tap(label)


async def done_to_the_end(runner: ChatUser, pain: str) -> None:
    """Done on every step left, then the pain rating tapped."""
    while "Stop" in runner.last().button_labels():  # a step (one alone has no "Step 1 of 1")
        await runner.tap("✅ Done")
    await runner.tap(pain)


# --- onboarding -------------------------------------------------------------------------


async def onboarding_every_path(runner: ChatUser) -> None:
    """Each safety stop and the way back from it, typed and tapped answers, bad input, a
    shared location, days toggled and saved (and none), /start halfway and after."""
    await runner.say("/start")
    await runner.say("maybe")  # a button was expected
    await runner.say("/settings")  # finish setting up first
    await runner.tap("Yes")  # emergency signs: R0a
    assert "emergency department" in text_of(runner.last())
    await runner.say("can we start?")
    await runner.say("/session")
    await runner.say("/start")
    await runner.tap("Not yet")
    await runner.say("/start")
    await runner.tap("Yes, I've been cleared")
    await runner.say("no")  # typed
    await runner.tap("Yes")  # doctor first: R0b
    await runner.say("/start")
    await runner.tap("Yes, I've been cleared")
    await walk(runner, "No", "No")
    await runner.tap("Yes")  # movement extremely painful: R0d
    assert "physician" in text_of(runner.last())
    await runner.say("/start")
    await runner.tap("Yes, I've been cleared")
    await walk(runner, "No", "No", "No")
    await runner.say("eleven")
    await runner.tap("10")  # confirmed with the movement question
    await runner.tap("No")
    await runner.say("maybe")
    await runner.say("yes")  # a roller, typed
    await runner.say("25:00")
    await runner.tap("07:00")
    await runner.say("/start")  # halfway: welcome back, the same question again
    await runner.say("8:15")
    await runner.say("Atlantis")
    await runner.share_location(52.52, 13.40)  # Berlin
    await runner.tap("✓ Mon")
    await runner.tap("Mon")
    for day in ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"):
        await runner.tap(f"✓ {day}")
    answer = await runner.tap("Save")  # no day: refused with a toast
    assert answer.get("text") == "Pick at least one day."
    await runner.say("mon-fri")
    assert "weekdays at 07:00, Europe/Berlin" in text_of(runner.last())
    await runner.say("/start")
    await runner.tap("Keep my settings")
    await runner.say("/start")
    await runner.tap("Start over")
    await walk(runner, "No", "No", "No", "3", "No roller", "08:00")
    await runner.tap("With my reminder, 08:00")
    await runner.tap("Berlin")
    await runner.tap("Save")
    assert "every day at 08:00, Europe/Berlin" in text_of(runner.last())


# --- sessions ---------------------------------------------------------------------------


async def every_routine_every_button(runner: ChatUser, content: Content) -> None:
    """The summary's Start (twice), then every routine from /routines, walked with Hurts,
    Easier, Skip and Done, rated typed after a bad rating; /session twice; Stop."""
    summary = newest(runner, "You're all set!")
    await runner.tap("Start first session")
    await runner.tap_message(summary, "Start first session")  # a double tap
    assert text_of(runner.last()) == "Your session is open below."
    await runner.tap("Stop")
    await runner.tap("1")
    for routine in content.routines.values():
        await runner.say("/routines")
        await runner.tap(routine.name)
        moves = itertools.cycle(["hurt", "done", "skip", "done"])
        while "Stop" in runner.last().button_labels():  # a step, numbered or alone
            labels = runner.last().button_labels()
            move = next(moves)
            if move == "hurt" and "Hurts" in labels:
                await runner.tap("Hurts")
                await runner.tap("Easier" if "Easier" in runner.last().button_labels() else "Skip")
            elif move == "skip":
                await runner.tap("Skip")
            else:
                await runner.tap("✅ Done")
        await runner.say("twelve")
        await runner.say("2")
        assert text_of(runner.last()).startswith("Logged 2/10")
    await runner.say("/session")
    await runner.say("/session")  # resumes the open one
    assert "Picking up where you left off" in said_since(runner, newest_id(runner) - 3)
    await runner.tap("Stop")
    await runner.tap("1")


# --- settings ---------------------------------------------------------------------------


async def every_setting(runner: ChatUser) -> None:
    """Every field of /settings, tapped and typed, with bad input; pause and resume."""
    fields = {
        "Reminder time": (["07:00"], ["7:61", "7:30"]),
        "Time zone": (["London"], ["UTC+14:30", "new york", "Berlin"]),
        "Days": (["✓ Sun", "Sun", "Save"], ["none", "every day"]),
        "Foam roller": (["No roller"], ["maybe", "yes"]),
        "Morning check-in": (["07:30"], ["8:99", "8:00"]),
    }
    for field, (taps, typed) in fields.items():
        await runner.say("/settings")
        await runner.tap(field)
        await walk(runner, *taps)
        await runner.say("/settings")
        await runner.tap(field)
        for text in typed:
            await runner.say(text)
    await runner.say("/settings")
    await runner.tap("Time zone")
    await runner.share_location(52.52, 13.40)
    assert "Time zone set to Europe/Berlin" in text_of(runner.last())
    await runner.say("/settings")
    await runner.tap("Pause")
    await runner.tap("3 days")
    await runner.say("/settings")
    await runner.tap("Resume")
    await runner.say("/pause")
    await runner.tap("Until I resume")
    await runner.say("/resume")
    await runner.say("/resume")  # not paused
    await runner.say("/settings")
    await runner.tap("Close")
    await runner.say("/settings")
    await runner.say("/settings")  # the second menu replaces the first
    assert "every day at 07:30, Europe/Berlin" in text_of(newest(runner, "Your settings"))
    await runner.tap("Close")


# --- days: reminders, mornings, check-ins -----------------------------------------------


async def days_of_reminders_and_mornings(
    runner: ChatUser, bot_runner: BotRunner, clock: ManualClock
) -> None:
    """Back on the ladder for a week: reminders snoozed, skipped and started; mornings
    tapped, typed, asked before a session and skipped; /run and /checkin; three easy days
    and the level goes up."""
    await runner.say("/routines")
    await runner.tap("Decompression ladder")
    await done_to_the_end(runner, "1")  # Monday

    await sweep_at(bot_runner, runner, clock, berlin(3, 7, 30))  # the reminder
    await runner.tap("Snooze 30 min")
    await sweep_at(bot_runner, runner, clock, berlin(3, 8, 0))  # the morning question
    await runner.tap("1")
    await sweep_at(bot_runner, runner, clock, berlin(3, 8, 1))  # the snoozed reminder
    await runner.tap("Start")
    await done_to_the_end(runner, "1")

    await sweep_at(bot_runner, runner, clock, berlin(4, 7, 30))
    await runner.tap("Skip today")
    await sweep_at(bot_runner, runner, clock, berlin(4, 8, 0))
    await runner.say("seven")
    await runner.say("1")
    await runner.say("/run")
    await runner.tap("Yes")
    await runner.say("2")
    await runner.say("/run")
    await runner.say("no")
    await runner.say("/checkin")
    await runner.tap("1")
    await runner.say("/session")
    await done_to_the_end(runner, "1")

    await sweep_at(bot_runner, runner, clock, berlin(5, 7, 30))
    reminder = newest(runner, "Time for your routine")
    since = newest_id(runner)
    await runner.tap_message(reminder, "Start")  # the morning question comes first
    await runner.say("1")  # typed: the level goes up, the session starts
    assert "Next session adds" in said_since(runner, since)
    assert (await user_row(bot_runner.db, runner.user_id)).level == 2
    await done_to_the_end(runner, "2")
    await runner.tap_message(reminder, "Start")  # again: today's session once more

    await sweep_at(bot_runner, runner, clock, berlin(6, 7, 30))
    await runner.say("/session")
    await runner.tap("Skip, start now")
    await done_to_the_end(runner, "2")
    await runner.say("/session")
    await runner.say("/session")
    await runner.tap("Stop")
    await runner.say("3")
    await sweep_at(bot_runner, runner, clock, berlin(7, 8, 0))
    await runner.tap("1")
    await runner.tap("Something new or different?")
    await walk(runner, "No", "No")
    assert "nothing there that needs a doctor" in text_of(runner.last())


async def progress_export_and_help(runner: ChatUser) -> None:
    await runner.say("/progress")
    await runner.say("/export")
    await runner.say("/help")
    await runner.say("/stats")  # not an admin
    await runner.say("/nonsense")
    await runner.say("hello")


# --- /delete and what it leaves behind --------------------------------------------------


async def delete_then_old_buttons(
    runner: ChatUser, bot_runner: BotRunner, clock: ManualClock
) -> None:
    """/delete kept, then confirmed; every button from before it answers that it has
    expired and changes nothing, before the runner sets up again and after."""
    await runner.say("/run")
    await runner.tap("Yes")
    await runner.tap("1")
    await runner.say("/checkin")
    await runner.tap("6")
    something_new = newest(runner, "Logged 6/10")
    await runner.say("/routines")
    routines = newest(runner, "Your routines")
    await sweep_at(bot_runner, runner, clock, berlin(8, 7, 30))
    reminder = newest(runner, "Time for your routine")
    await sweep_at(bot_runner, runner, clock, berlin(8, 8, 0))
    morning = newest(runner, "Good morning!")
    await runner.say("/session")
    await runner.tap("Skip, start now")
    step = copy.deepcopy(runner.last())
    await runner.say("/delete")
    await runner.tap("Keep my data")
    await runner.say("/delete")
    confirm = copy.deepcopy(runner.last())
    await runner.tap("Delete everything")

    old = [
        (something_new, "Something new or different?"),
        (routines, routines.button_labels()[0]),
        (reminder, "Start"),
        (reminder, "Skip today"),
        (morning, "2"),
        (step, "✅ Done"),
        (confirm, "Delete everything"),
    ]
    for again in (False, True):
        if again:
            await onboard(runner)  # set up again: the old buttons stay dead
            await runner.say("/session")
            await sweep_at(bot_runner, runner, clock, berlin(9, 8, 0))
        before = await row_counts(bot_runner.db)
        for message, label in old:
            answer = await runner.tap_message(message, label)
            assert answer.get("text") == EXPIRED, (label, answer)
        assert await row_counts(bot_runner.db) == before


# --- groups and strangers ---------------------------------------------------------------


def strange_updates() -> list[dict[str, Any]]:
    """What no runner's tap or message is: a stranger's commands and odd messages, edits,
    a group and a channel, an inline query."""
    stranger = {"id": 666, "is_bot": False, "first_name": "Mallory"}
    private = {"id": 666, "type": "private", "first_name": "Mallory"}
    group = {"id": -100123, "type": "group", "title": "Running club"}
    channel = {"id": -100777, "type": "channel", "title": "News"}

    def message(chat: dict[str, Any], **fields: Any) -> dict[str, Any]:
        sender = {} if chat is channel else {"from": stranger}
        return {"message_id": next(_ids), "date": 1772431200, "chat": chat, **sender, **fields}

    def command(chat: dict[str, Any], text: str) -> dict[str, Any]:
        entity = {"type": "bot_command", "offset": 0, "length": len(text.split()[0])}
        return {"message": message(chat, text=text, entities=[entity])}

    sticker = {
        "file_id": "s",
        "file_unique_id": "s",
        "type": "regular",
        "width": 512,
        "height": 512,
        "is_animated": False,
        "is_video": False,
    }
    return [
        *(command(private, c) for c in ("/foo", "/session", "/settings", "/progress", "/run")),
        {"message": message(private, text="x" * 4096)},
        {"message": message(private, text="🏃‍♀️💥🔥")},
        {"message": message(private, sticker=sticker)},
        {"message": message(private, dice={"emoji": "🎲", "value": 3})},
        {"edited_message": message(private, text="3", edit_date=1772431300)},
        command(group, "/start"),
        {"message": message(group, text="hello bot")},
        {"channel_post": message(channel, text="post")},
        {"inline_query": {"id": "iq1", "from": stranger, "query": "stretch", "offset": ""}},
    ]


async def groups_and_strangers(
    runner: ChatUser, standin: BotApiStandIn, victim: StoredMessage
) -> list[str]:
    """The strange updates, and taps on a runner's live step by a stranger, forged and
    malformed; the ids of the taps Telegram would never have issued (no message)."""
    for update in strange_updates():
        standin.push_update(update)
    for data in ("garbage", "9" * 100, "1|ss|1|0|0|d", "1|ah|new|y", "1|go|today", "1|rt|x"):
        standin.user_tap(666, victim, data)
    forged = str(next(_ids))
    standin.push_update(
        {
            "callback_query": {
                "id": forged,
                "from": {"id": 666, "is_bot": False, "first_name": "Mallory"},
                "chat_instance": "1",
                "data": "1|go|today",
            }
        }
    )
    await runner.settled()
    return [forged]


# --- the test ---------------------------------------------------------------------------


async def test_the_whole_surface_makes_no_call_telegram_would_refuse(
    new_user: Callable[..., ChatUser],
    bot_runner: BotRunner,
    clock: ManualClock,
    content: Content,
) -> None:
    standin = bot_runner.standin
    await onboarding_every_path(new_user("Ada"))

    runner = await onboard(new_user("Ben"))
    await every_routine_every_button(runner, content)
    await every_setting(runner)
    await days_of_reminders_and_mornings(runner, bot_runner, clock)
    await progress_export_and_help(runner)
    await runner.say("/session")
    steps_before = await row_counts(bot_runner.db)
    forged = await groups_and_strangers(runner, standin, copy.deepcopy(runner.last()))
    assert await row_counts(bot_runner.db) == steps_before
    hints = [p for _n, p in standin.successful_calls("sendMessage") if int(p["chat_id"]) < 0]
    assert [int(p["chat_id"]) for p in hints] == [-100123]  # the group, once; no channel
    await delete_then_old_buttons(runner, bot_runner, clock)

    calls = bot_calls(standin)
    refused = refused_calls(standin, forged_queries=forged)
    print(f"\nBot API calls made: {len(calls)}, refused: {len(refused)}")
    assert len(calls) > 500  # the surface was walked
    assert not refused, describe(refused)
    # Every keyboard came off once at most, and no edit repeated what was shown.
    removals = [
        (p.get("chat_id"), p.get("message_id"))
        for name, p in calls
        if name == "editMessageReplyMarkup" and p.get("reply_markup") in (None, "")
    ]
    assert len(removals) == len(set(removals))
    # No text leaves its plural to the reader: "1 steps", "session(s)".
    texts = sent_texts(calls)
    unplural = [text for text in texts if UNPLURAL.search(text)]
    assert not unplural, unplural
    assert any(": 1 step, about" in text for text in texts)  # level 1 was read, in the singular


# A count of one with a plural noun, or "(s)" left for the reader to choose.
UNPLURAL = re.compile(
    r"(?<![\d.,])1 (steps|sessions|days|mornings|weeks|reps|breaths|minutes|sets|sides)\b"
    r"|\w\(s\)"
)


def sent_texts(calls: list[tuple[str, dict[str, Any]]]) -> list[str]:
    """Every text the bot showed: messages, captions, edits, tap answers, button labels."""
    found: list[str] = []
    for _name, params in calls:
        found += [str(params[k]) for k in ("text", "caption") if params.get(k)]
        markup = params.get("reply_markup")
        if isinstance(markup, str) and markup:
            markup = json.loads(markup)
        if isinstance(markup, dict):
            rows = markup.get("inline_keyboard") or markup.get("keyboard") or []
            found += [str(b.get("text", "")) for row in rows for b in row if isinstance(b, dict)]
    return found


# --- the cases the counting found -------------------------------------------------------


def keyboard_removals(standin: BotApiStandIn, message: StoredMessage) -> list[dict[str, Any]]:
    return [
        params
        for name, params in bot_calls(standin)
        if name == "editMessageReplyMarkup"
        and str(params.get("message_id")) == str(message.message_id)
        and str(params.get("chat_id")) == str(message.chat_id)
    ]


async def test_the_next_prompt_leaves_a_tapped_question_alone(
    onboarded: ChatUser, standin: BotApiStandIn
) -> None:
    """A tapped answer closes its question (its record has no buttons): the next
    question does not take the buttons off it again."""
    await onboarded.say("/run")
    question = copy.deepcopy(onboarded.last())
    await onboarded.tap("No")
    await onboarded.say("/settings")
    await onboarded.tap("Close")
    await onboarded.say("/checkin")

    assert keyboard_removals(standin, question) == []
    assert refused_calls(standin) == []


async def test_a_typed_settings_answer_then_settings_removes_its_keyboard_once(
    onboarded: ChatUser, standin: BotApiStandIn
) -> None:
    await onboarded.say("/settings")
    await onboarded.tap("Reminder time")
    question = copy.deepcopy(onboarded.last())
    await onboarded.say("7:45")
    assert text_of(onboarded.last()).startswith("Reminders now at 07:45")
    await onboarded.say("/settings")
    await onboarded.say("/settings")

    assert len(keyboard_removals(standin, question)) == 1
    assert refused_calls(standin) == []


async def test_a_double_tap_on_start_edits_nothing_twice(
    onboarded: ChatUser, standin: BotApiStandIn
) -> None:
    """The second tap finds the message already without its button: nothing to take off."""
    summary = newest(onboarded, "You're all set!")
    await onboarded.tap("Start first session")
    await onboarded.tap_message(summary, "Start first session")

    assert len(keyboard_removals(standin, summary)) == 1
    assert refused_calls(standin) == []


async def test_something_new_from_before_delete_has_expired_and_changes_nothing(
    onboarded: ChatUser, bot_runner: BotRunner
) -> None:
    await onboarded.say("/checkin")
    await onboarded.tap("4")
    something_new = newest(onboarded, "Logged 4/10")
    await onboarded.say("/delete")
    await onboarded.tap("Delete everything")

    answer = await onboarded.tap_message(something_new, "Something new or different?")
    assert answer.get("text") == EXPIRED
    assert await row_counts(bot_runner.db) == dict.fromkeys(await row_counts(bot_runner.db), 0)

    await onboard(onboarded)  # a new record: the old button still does nothing
    before, shown = await row_counts(bot_runner.db), len(onboarded.bot_messages())
    answer = await onboarded.tap_message(something_new, "Something new or different?")
    assert answer.get("text") == EXPIRED
    assert await row_counts(bot_runner.db) == before
    assert len(onboarded.bot_messages()) == shown  # no safety questions asked
    user = await user_row(bot_runner.db, onboarded.user_id)
    assert user.onboarding_step == "done"
    assert refused_calls(bot_runner.standin) == []


async def test_a_step_from_before_delete_has_expired(onboarded: ChatUser) -> None:
    """Ids in callback data do not tell records apart (SQLite gives a deleted row's id to
    the next one): the message the button is on does."""
    await onboarded.say("/session")
    step = copy.deepcopy(onboarded.last())
    await onboarded.say("/delete")
    await onboarded.tap("Delete everything")
    await onboard(onboarded)
    await onboarded.say("/session")  # a new session on the new record

    answer = await onboarded.tap_message(step, "✅ Done")
    assert answer.get("text") == EXPIRED
    assert text_of(onboarded.last()).startswith("Upper-back foam rolling")  # one step: no header


async def test_the_morning_question_before_a_session_closes_the_open_question(
    onboarded: ChatUser, bot_runner: BotRunner, clock: ManualClock
) -> None:
    """/settings open, then /session asks the morning question first: the menu's buttons
    come off with the morning question sent earlier, each once."""
    await onboarded.say("/session")
    await done_to_the_end(onboarded, "2")
    await sweep_at(bot_runner, onboarded, clock, berlin(3, 8, 0))
    morning = newest(onboarded, "Good morning!")
    await onboarded.say("/settings")
    menu = newest(onboarded, "Your settings")
    await onboarded.say("/session")

    assert text_of(onboarded.last()).startswith("Before you start")
    standin = bot_runner.standin
    assert len(keyboard_removals(standin, menu)) == len(keyboard_removals(standin, morning)) == 1
    assert refused_calls(standin) == []
