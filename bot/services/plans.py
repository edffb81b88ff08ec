"""Today's plan for a runner: `bot.domain.plan.today_plan` over their row, with the one
fact it needs from their history (a recent Hurts on the sharp-pain step)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.content import Content, Routine
from bot.db.models import User
from bot.db.repo import checkins, sessions
from bot.domain.plan import LADDER, RunnerToday, TodayPlan, today_plan
from bot.domain.progression import flare_level
from bot.domain.schedule import local_date_of
from bot.services.runners import zone_of


def routine_of(content: Content, user: User, routine_id: str | None = None) -> Routine:
    """The routine a session runs: the one asked for, else the runner's, else the ladder."""
    return content.routines.get(routine_id or user.routine_id) or content.ladder


def plan_of(
    content: Content,
    user: User,
    *,
    now: datetime,
    routine: Routine | None = None,
    sharp_hurt_at: datetime | None = None,
    severe_recently: bool = False,
) -> TodayPlan:
    return today_plan(
        routine or routine_of(content, user),
        runner=RunnerToday(
            level=user.level,
            has_roller=bool(user.has_foam_roller),
            in_flare=user.flare_since is not None,
            sharp_hurt_at=sharp_hurt_at,
            severe_recently=severe_recently,
        ),
        catalogue=content.catalogue,
        rules=content.progression,
        now=now,
    )


def reaches_sharp_step(content: Content, user: User, routine: Routine) -> bool:
    """The plan could include the sharp-pain step (only then is a Hurts on it looked up)."""
    if routine.kind != LADDER:
        return False
    rules = content.progression
    level = flare_level(user.level, rules) if user.flare_since is not None else user.level
    return level >= rules.gates.sharp_pain_step


def sharp_step_ids(content: Content) -> frozenset[str]:
    """The sharp-pain step of the ladder and the exercises that stand in for it."""
    step = content.ladder.steps[content.progression.gates.sharp_pain_step - 1]
    exercise = content.exercises[step]
    return frozenset(i for i in (step, exercise.easier, exercise.without_equipment) if i)


def hurt_window_start(content: Content, now: datetime) -> datetime:
    return now - timedelta(days=content.progression.gates.sharp_pain_drop_days)


async def sharp_hurts(
    tx: AsyncSession, content: Content, runners: Sequence[User], *, now: datetime
) -> dict[int, datetime]:
    """The recent Hurts on the sharp-pain step of each runner whose plan could include it,
    in one query for all of them."""
    ids = [u.id for u in runners if reaches_sharp_step(content, u, routine_of(content, u))]
    return await sessions.last_hurts(
        tx,
        user_ids=ids,
        exercise_ids=sharp_step_ids(content),
        since=hurt_window_start(content, now),
    )


def may_be_capped(content: Content, user: User) -> bool:
    """The stored level is at or past the level-4 gate (out of flare mode): a recent high
    rating would hold today's session one level below it."""
    return user.flare_since is None and user.level >= content.progression.gates.level


async def severe_recently(
    tx: AsyncSession, content: Content, runners: Sequence[User], *, now: datetime
) -> set[int]:
    """The runners (among those it could matter for) with a rating at the level-4 gate's
    pain in the last week, in one query for all of them."""
    rules = content.progression
    ids = [u.id for u in runners if may_be_capped(content, u)]
    week = timedelta(days=rules.baseline.trend_days - 1)
    since = {u.id: local_date_of(now, zone_of(u)) - week for u in runners if u.id in ids}
    highest = await checkins.highest_since(tx, user_ids=ids, since=since)
    return {i for i, score in highest.items() if score >= rules.gates.pain_below}


async def plan_for(
    tx: AsyncSession, content: Content, user: User, *, now: datetime, routine: Routine
) -> TodayPlan:
    """Today's plan of `routine` for the runner, reading their history where it matters."""
    hurt: datetime | None = None
    if reaches_sharp_step(content, user, routine):
        found = await sessions.last_hurts(
            tx,
            user_ids=[user.id],
            exercise_ids=sharp_step_ids(content),
            since=hurt_window_start(content, now),
        )
        hurt = found.get(user.id)
    severe = routine.kind == LADDER and user.id in await severe_recently(
        tx, content, [user], now=now
    )
    return plan_of(
        content, user, now=now, routine=routine, sharp_hurt_at=hurt, severe_recently=severe
    )


@dataclass(frozen=True)
class LadderSpan:
    """How long the daily programme runs, as the plan counts it: level 1 (the shortest and
    the longest of with and without a foam roller) and the last level (the longest)."""

    first: tuple[int, int]
    top: int

    @staticmethod
    def text(minutes: tuple[int, int]) -> str:
        """'5' or '5-7'."""
        low, high = minutes
        return str(low) if low == high else f"{low}-{high}"


def ladder_span(content: Content, *, now: datetime) -> LadderSpan:
    """What a new runner is promised: today's plan for a runner at level 1 and at the last
    level, with and without a foam roller, out of flare mode (the welcome's minutes)."""

    def minutes(level: int) -> tuple[int, int]:
        found = [
            today_plan(
                content.ladder,
                runner=RunnerToday(level=level, has_roller=roller, in_flare=False),
                catalogue=content.catalogue,
                rules=content.progression,
                now=now,
            ).minutes
            for roller in (True, False)
        ]
        return min(found), max(found)

    return LadderSpan(first=minutes(1), top=minutes(len(content.ladder.steps))[1])
