"""Runners for the benchmarks, straight into a migrated database (SQLite or PostgreSQL), in
bulk, through the ORM models of `bot.db.models` and the enums of `bot.domain.enums`.

Every runner is set up (onboarded, on the ladder, a daily reminder) in one of 15 zones,
and is either due at a given minute (the reminder at that minute's local time) or has
a reminder at a five-minute mark somewhere in the day. With ``history_days`` (and up to
``joined_over - 1`` days more, when they joined over several days), they leave behind
what that many days of use do: a morning rating most days, a session most days (its
steps, now and then a Hurts, the pain after it), a run three days a week with its rating,
a level change every two weeks up to their level, and B0 fixed by their first seven
mornings, as the rules fix it. The ids the database gave are read back, never assumed.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import sqlite3
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from datetime import time as dtime
from typing import Any, cast

from sqlalchemy import Table, bindparam, insert, select, text, update
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession

from bot.content import Content, load_languages
from bot.db.engine import Database, is_sqlite
from bot.db.migrate import upgrade_to_head
from bot.db.models import Base, LevelChange, PainCheckin, RoutineSession, StepEvent, User
from bot.domain.enums import (
    ALL_DAYS,
    WEEKDAYS_MASK,
    CheckinKind,
    SessionStatus,
    StepOutcome,
    UserStatus,
)
from bot.domain.onboarding import Step
from bot.domain.profile import Schedule, next_reminder
from bot.domain.progression import Memory
from bot.domain.schedule import local_date_of
from bot.domain.zones import tzinfo_for

ZONES = (
    "Europe/Berlin",
    "Europe/London",
    "America/New_York",
    "America/Los_Angeles",
    "America/St_Johns",  # -03:30, DST
    "America/Sao_Paulo",
    "Asia/Kolkata",  # +05:30
    "Asia/Kathmandu",  # +05:45
    "Asia/Tehran",  # +03:30
    "Asia/Tokyo",
    "Australia/Adelaide",  # +10:30 in January, DST
    "Australia/Lord_Howe",  # half-hour DST shift
    "Pacific/Chatham",  # +13:45 in January, DST
    "Africa/Lagos",
    "UTC",
)
CHUNK = 5000


@dataclass(frozen=True)
class Runners:
    ids: Sequence[int]  # Telegram user ids (= chat ids)
    level: int | None = None  # ladder level (steps per session); None: 1-5 at random
    due_at: datetime | None = None  # every reminder due at this minute; None: spread out
    history_days: int = 0
    mixed: bool = False  # like a real population: a few paused, blocked, on weekdays only
    # They used the bot yesterday: the rules' daily jobs last ran the day before (as a
    # check-in or reminder yesterday leaves them), so their first reminder today runs them.
    used_yesterday: bool = False
    # They joined over this many days, one a day in turn (by Telegram id), each with
    # history_days and up to joined_over - 1 days more. 1: all on the same day, a
    # launch-day cohort, whose B recomputes (every 28 days from B0) fall on the same days;
    # 28: a steady population, a twenty-eighth of them recomputing on any one day.
    joined_over: int = 1

    def __post_init__(self) -> None:
        if self.joined_over < 1:
            raise ValueError(f"joined_over is a number of days, at least 1: {self.joined_over}")

    def days_of(self, telegram_id: int) -> int:
        """Days of history of this runner."""
        return self.history_days and self.history_days + telegram_id % self.joined_over


def _user(rng: random.Random, telegram_id: int, spec: Runners, now: datetime) -> dict[str, Any]:
    due, zone = spec.due_at, rng.choice(ZONES)
    at = dtime(rng.randrange(24), rng.randrange(0, 60, 5))
    if due is not None:  # that minute's local time in the runner's zone, every day
        at = due.astimezone(tzinfo_for(zone)).time()
    days, status, roll = ALL_DAYS, UserStatus.ACTIVE, rng.random()
    if spec.mixed:
        days = ALL_DAYS if roll < 0.7 else WEEKDAYS_MASK if roll < 0.9 else rng.randrange(1, 128)
        roll = rng.random()
        status = UserStatus.BLOCKED if roll > 0.98 else UserStatus.PAUSED if roll > 0.95 else status
    schedule = Schedule(at, zone, days)
    used = {"daily_on": (local_date_of(due or now, zone) - timedelta(days=2)).isoformat()}
    return {
        "telegram_user_id": telegram_id,
        "chat_id": telegram_id,
        "first_name": "Runner",
        "language_code": "en",
        "status": status,
        "onboarding_step": Step.DONE,
        "onboarding_answers": {},
        "time_zone": zone,
        "reminder_time": at,
        "reminder_days": days,
        "has_foam_roller": rng.random() < 0.5 if spec.mixed else True,
        "level": spec.level or rng.randint(1, 5),
        "routine_id": "decompression",
        "baseline_pain": rng.randint(0, 6),
        "morning_time": dtime(8, 0),
        "next_reminder_at": due
        or next_reminder(
            schedule=schedule, status=status.value, paused_until=None, onboarded=True, now=now
        ),
        "created_at": now - timedelta(days=spec.days_of(telegram_id) + 1),
        "updated_at": now,
        **({"rules_memory": used} if spec.used_yesterday else {}),
    }


def _checkin(
    user_id: int, score: int, kind: CheckinKind, at: datetime, session_id: int | None = None
) -> dict[str, Any]:
    return {
        "user_id": user_id,
        "score": score,
        "context": kind,
        "session_id": session_id,
        "local_date": at.date(),
        "recorded_at": at,
    }


async def _history(
    tx: AsyncSession,
    rng: random.Random,
    users: Sequence[dict[str, Any]],
    spec: Runners,
    content: Content,
    now: datetime,
) -> Counter[str]:
    """The history of these runners (just inserted); rows added, per table."""
    found = await tx.execute(
        select(User.telegram_user_id, User.id).where(
            User.telegram_user_id.in_([u["telegram_user_id"] for u in users])
        )
    )
    ids = dict(found.all())
    sessions, checkins, changes, memories = [], [], [], []
    steps_of: dict[tuple[int, date], list[dict[str, Any]]] = {}  # (user, day): steps, rating
    ladder, first_mornings = content.ladder.steps, content.progression.baseline.first_mornings
    for user in users:
        user_id, final = ids[user["telegram_user_id"]], min(user["level"], len(ladder))
        days = spec.days_of(user["telegram_user_id"])
        mornings: list[tuple[date, int]] = []
        level = max(1, final - days // 14)
        zone = tzinfo_for(user["time_zone"])
        today = local_date_of(now, user["time_zone"])
        for back in range(days, 0, -1):
            # Local noon of a day before today: in the past wherever the runner lives.
            noon = datetime.combine(today - timedelta(days=back), dtime(12), tzinfo=zone)
            if rng.random() < 0.9:
                mornings.append((noon.date(), rng.randint(0, 5)))
                checkins.append(_checkin(user_id, mornings[-1][1], CheckinKind.MORNING, noon))
            if rng.random() < 0.85:
                steps = list(ladder[:level])
                sessions.append(
                    {
                        "user_id": user_id,
                        "routine_id": "decompression",
                        "level": level,
                        "planned_level": level,
                        "steps": steps,
                        "current_step": len(steps),
                        "status": SessionStatus.COMPLETED,
                        "local_date": noon.date(),
                        "started_at": noon,
                        "ended_at": noon + timedelta(minutes=12),
                    }
                )
                after = noon + timedelta(minutes=13)
                steps_of[user_id, noon.date()] = [
                    *(
                        {
                            "step_index": i,
                            "exercise_id": exercise,
                            "outcome": StepOutcome.HURTS
                            if rng.random() < 0.03
                            else StepOutcome.DONE,
                            "at": noon + timedelta(minutes=i + 1),
                        }
                        for i, exercise in enumerate(steps)
                    ),
                    _checkin(user_id, rng.randint(0, 6), CheckinKind.AFTER_SESSION, after),
                ]
            if noon.weekday() in (1, 3, 5):
                evening = noon.replace(hour=18)
                checkins.append(
                    _checkin(user_id, rng.randint(0, 6), CheckinKind.AFTER_RUN, evening)
                )
            if back % 14 == 0 and level < final:
                changes.append(
                    {
                        "user_id": user_id,
                        "from_level": level,
                        "to_level": level + 1,
                        "rule_id": "R3",
                        "decision": "level_up",
                        "local_date": noon.date(),
                        "numbers": {"sessions": 3, "max_pain": 5},
                        "reason": "Three easy sessions in a row: one step more.",
                        "at": noon + timedelta(minutes=14),
                    }
                )
                level += 1
        if len(mornings) >= first_mornings:  # B0, as the rules fixed it on the 7th morning
            memory = Memory.from_json(user.get("rules_memory")).with_b0(mornings[:first_mornings])
            memories.append({"uid": user_id, "memory": memory.to_json()})
    await _insert(tx, RoutineSession, sessions)
    stored = await tx.execute(
        select(RoutineSession.id, RoutineSession.user_id, RoutineSession.local_date).where(
            RoutineSession.user_id.in_(list(ids.values()))
        )
    )
    events = []
    for session_id, user_id, day in stored:
        *done, rating = steps_of[user_id, day]
        events += [{**step, "session_id": session_id} for step in done]
        checkins.append({**rating, "session_id": session_id})
    await _insert(tx, StepEvent, events)
    await _insert(tx, PainCheckin, checkins)
    await _insert(tx, LevelChange, changes)
    users_table = cast(Table, User.__table__)
    if memories:
        await tx.execute(
            update(users_table)
            .where(users_table.c.id == bindparam("uid"))
            .values(rules_memory=bindparam("memory")),
            memories,
        )
    return Counter(
        routine_sessions=len(sessions),
        step_events=len(events),
        pain_checkins=len(checkins),
        level_changes=len(changes),
    )


async def _insert(tx: AsyncSession, model: type[Base], rows: list[dict[str, Any]]) -> None:
    for start in range(0, len(rows), CHUNK):
        await tx.execute(insert(model), rows[start : start + CHUNK])


async def seed(url: str, *groups: Runners, now: datetime, rng_seed: int = 8) -> Counter[str]:
    """Migrate, then add every group of runners; rows added, per table."""
    await asyncio.to_thread(upgrade_to_head, url)
    rng = random.Random(rng_seed)  # noqa: S311 (test data)
    added: Counter[str] = Counter()
    content = load_languages() if any(g.history_days for g in groups) else None
    db = Database(url)
    keep = [tzinfo_for(zone) for zone in ZONES]  # loaded once: zoneinfo caches only a few
    try:
        async with db.write() as tx:
            for spec in groups:
                users = [_user(rng, telegram_id, spec, now) for telegram_id in spec.ids]
                await _insert(tx, User, users)
                added["users"] += len(users)
                if spec.history_days:
                    assert content is not None
                    added += await _history(tx, rng, users, spec, content, now)
        if not is_sqlite(url) and any(g.history_days for g in groups):
            # Each history row inserted moved its runner's history_version (a trigger), so
            # the runners' rows now have as many dead versions as history rows, which
            # slow every read of them (the due-runners SELECT: 9 ms instead of 2 ms).
            # Autovacuum removes them over the months this history takes to write.
            async with db.engine.connect() as conn:
                autocommit = await conn.execution_options(isolation_level="AUTOCOMMIT")
                await autocommit.execute(text("VACUUM ANALYZE users"))
    finally:
        del keep
        await db.dispose()
    if is_sqlite(url):  # fold the WAL into the file (no ANALYZE: the bot never runs it)
        with contextlib.closing(sqlite3.connect(str(make_url(url).database))) as conn:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return added
