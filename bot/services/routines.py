"""Choosing the daily routine, and the exercise library.

Trying a routine (a tap in /routines) runs it once and is `guided.start`'s; making one the
daily routine, the one reminders and /session run, is a choice of its own, made here. The
ladder keeps its level and everything the rules remember while another routine is the
daily one: sessions off the ladder neither count toward a level nor reset it
(`bot.domain.progression`), so switching back carries on where it stopped.
"""

from __future__ import annotations

import logging
from dataclasses import replace

from bot.callbacks import DailyTap, LibraryTap
from bot.db.repo import users
from bot.domain.onboarding import Step
from bot.services import safety
from bot.services.questions import predates
from bot.services.results import (
    EXPIRED,
    DailyChoice,
    LibraryPage,
    Reply,
    Say,
    note,
    refused,
)
from bot.services.runners import gate
from bot.services.unit import Env, runner_unit

log = logging.getLogger(__name__)


def daily_question(current: str) -> Reply:
    """Which routine should be the daily one? (one button per routine)"""
    return Reply(notes=(note(Say("daily_choose"), buttons=DailyChoice(current)),))


async def choose_daily(
    env: Env, *, telegram_user_id: int, tap: DailyTap, message_id: int | None = None
) -> Reply:
    """ "Change daily routine" (the choice), or a routine chosen: it becomes the one
    reminders and /session run, and the runner hears what happens to the ladder."""
    content = env.content
    if tap.routine_id is not None and tap.routine_id not in content.routines:
        return refused("routine_unknown")
    async with runner_unit(env, telegram_user_id) as (_tx, user):
        if predates(user, message_id):
            return refused(EXPIRED)
        if (paused := safety.refusal(user)) is not None:
            return paused
        if user is None or user.onboarding_step is not Step.DONE:
            return refused(EXPIRED)
        if tap.routine_id is None:
            return daily_question(user.routine_id)
        chosen = content.routines[tap.routine_id]
        if chosen.id == user.routine_id:
            return refused("daily_already")
        ladder = content.ladder
        user.routine_id = chosen.id
        log.info("event=daily_routine_changed")
        fields = {"routine": chosen.name, "ladder": ladder.name, "level": str(user.level)}
        said = Say("daily_back_to_ladder" if chosen.id == ladder.id else "daily_set", fields)
        strip = (message_id,) if message_id is not None else ()
        return Reply(strip=strip, notes=(note(said),))


async def library(
    env: Env, *, telegram_user_id: int, tap: LibraryTap | None = None, message_id: int | None = None
) -> Reply:
    """/exercises (`tap` None) or a tap in the library: the page to show. Nothing is
    written; a page that no longer exists (content changed) has expired."""
    content = env.content
    page = LibraryPage()
    if tap is not None:
        routine = content.routines.get(tap.routine_id) if tap.routine_id is not None else None
        if tap.routine_id is not None and routine is None:
            return refused("routine_unknown")
        if routine is not None and tap.index is not None and tap.index >= len(routine.steps):
            return refused(EXPIRED)
        page = LibraryPage(tap.routine_id, tap.index, in_place=not tap.fresh)
    async with env.db.read() as tx:
        user = await users.get(tx, telegram_user_id=telegram_user_id)
    if tap is None:
        refusal = gate(user)
        if refusal is not None:
            return refusal
    elif predates(user, message_id):
        return refused(EXPIRED)
    elif (paused := safety.refusal(user)) is not None:
        return paused
    elif user is None or user.onboarding_step is not Step.DONE:
        return refused(EXPIRED)
    if page.routine_id is not None and page.index is not None and user is not None:
        exercise_id = content.routines[page.routine_id].steps[page.index]
        if user.pictures and exercise_id in content.poses:
            # a picture cannot be edited into a text message: the page comes anew below it
            page = replace(page, in_place=False, picture=exercise_id)
    return Reply(page=page)
