"""Revision 0002 on a database that holds version-1 data: nothing is lost, and what the
version-2 rules need is read back from what was stored."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, time, timedelta

from alembic import command
from sqlalchemy import Date, DateTime, Time, bindparam, text

from bot.db.engine import Database
from bot.db.migrate import alembic_config, upgrade_to_head

T0 = datetime(2026, 3, 1, 6, 0, tzinfo=UTC)

USER = (
    "INSERT INTO users (id, telegram_user_id, chat_id, status, onboarding_step,"
    " onboarding_answers, time_zone, reminder_time, reminder_days, has_foam_roller, level,"
    " routine_id, baseline_pain, flare_since, morning_time, created_at, updated_at) VALUES"
    " (:id, :tg, :tg, 'active', 'done', '{}', :zone, :reminder, 127, true, 3, 'decompression',"
    " 4, NULL, :morning, :t0, :t0)"
)


def _v1(database_url: str) -> None:
    command.upgrade(alembic_config(database_url), "0001")


async def test_version_1_data_survives_and_is_read_back(database_url: str) -> None:
    await asyncio.to_thread(_v1, database_url)
    db = Database(database_url)
    try:
        async with db.write() as tx:
            for user_id, zone, reminder, morning in (
                (1, "Europe/Berlin", time(7, 0), time(8, 0)),  # the unasked default
                (2, "America/New_York", time(18, 30), time(8, 0)),
                (3, "UTC", time(6, 30), time(9, 15)),  # chosen: kept
            ):
                await tx.execute(
                    text(USER).bindparams(
                        bindparam("reminder", type_=Time()),
                        bindparam("morning", type_=Time()),
                        bindparam("t0", type_=DateTime(timezone=True)),
                    ),
                    {
                        "id": user_id,
                        "tg": 100 + user_id,
                        "zone": zone,
                        "reminder": reminder,
                        "morning": morning,
                        "t0": T0,
                    },
                )
            # Eight mornings for runner 1 (two on the 4th: the later one counts), three
            # for runner 2: only runner 1 has a B0.
            scores = [5, 4, 6, 3, 4, 2, 4, 1]
            for i, score in enumerate(scores):
                await _morning(tx, 1, date(2026, 3, 1) + timedelta(days=i), score, i)
            await _morning(tx, 1, date(2026, 3, 4), 9, 3, minutes=-5)  # earlier the same day
            for i in range(3):
                await _morning(tx, 2, date(2026, 3, 1) + timedelta(days=i), 2, i)
            await tx.execute(
                text(
                    "INSERT INTO routine_sessions (id, user_id, routine_id, level, steps,"
                    " current_step, step_version, step_hurt, status, local_date, started_at)"
                    " VALUES (1, 1, 'decompression', 3, '[]', 0, 0, false, 'completed',"
                    " :day, :t0)"
                ).bindparams(
                    bindparam("day", type_=Date()), bindparam("t0", type_=DateTime(timezone=True))
                ),
                {"day": date(2026, 3, 1), "t0": T0},
            )
            # 23:30 UTC on 1 March is 2 March in Berlin.
            late = datetime(2026, 3, 1, 23, 30, tzinfo=UTC)
            for i, (rule, from_level, to_level, numbers) in enumerate(
                (
                    ("R3", 2, 3, '{"sessions": 3}'),
                    ("R5", 3, 2, '{"p": 6}'),
                    ("R6", 2, 2, '{"p": 8}'),
                    ("R6", 2, 2, '{"flare_days": 4}'),
                    ("R6b", 2, 2, '{"w": 6}'),
                    ("R7", 2, 2, '{"p": 2}'),
                    ("R7", 2, 2, '{"p": 7, "level_up_from": "2026-03-09"}'),
                    ("R8", 2, 2, '{"sessions": 1}'),
                    ("R4", 2, 2, '{"p": 4}'),
                    ("gate4", 3, 3, '{"highest": 7}'),
                )
            ):
                await tx.execute(
                    text(
                        "INSERT INTO level_changes (id, user_id, from_level, to_level, rule_id,"
                        " numbers, reason, at) VALUES (:id, 1, :f, :t, :r, :n, 'why', :at)"
                    ).bindparams(bindparam("at", type_=DateTime(timezone=True))),
                    {
                        "id": i + 1,
                        "f": from_level,
                        "t": to_level,
                        "r": rule,
                        "n": numbers,
                        "at": late,
                    },
                )
    finally:
        await db.dispose()

    await asyncio.to_thread(upgrade_to_head, database_url)

    db = Database(database_url)
    try:
        async with db.read() as tx:
            counts = {
                table: (await tx.execute(text(f"SELECT count(*) FROM {table}"))).scalar()  # noqa: S608
                for table in ("users", "pain_checkins", "routine_sessions", "level_changes")
            }
            assert counts == {
                "users": 3,
                "pain_checkins": 12,
                "routine_sessions": 1,
                "level_changes": 10,
            }
            decisions = (
                await tx.execute(text("SELECT decision, local_date FROM level_changes ORDER BY id"))
            ).all()
            assert [d for d, _ in decisions] == [
                "level_up",
                "level_down",
                "flare_on",
                "flare_off",
                "clinician",
                "run_keep",
                "run_ease",
                "nudge",
                "repeat",
                "wait",
            ]
            assert {_as_date(day) for _, day in decisions} == {date(2026, 3, 2)}
            session = (
                await tx.execute(text("SELECT planned_level, in_flare FROM routine_sessions"))
            ).one()
            assert session[0] == 3
            assert not session[1]
            users = (
                await tx.execute(
                    text("SELECT id, morning_time, rules_memory, level FROM users ORDER BY id")
                )
            ).all()
    finally:
        await db.dispose()
    mornings = {row[0]: _as_time(row[1]) for row in users}
    assert mornings == {1: time(7, 0), 2: time(8, 0), 3: time(9, 15)}
    memories = {row[0]: _as_json(row[2]) for row in users}
    # B0: the median of the first seven mornings 5, 4, 6, 3 (not the earlier 9), 4, 2, 4.
    assert memories[1] == {"b0": 4.0, "b0_on": "2026-03-07", "b": 4.0, "b_on": "2026-03-07"}
    assert memories[2] == {}
    assert memories[3] == {}
    assert {row[3] for row in users} == {3}


async def _morning(
    tx: object, user_id: int, day: date, score: int, i: int, *, minutes: int = 0
) -> None:
    await tx.execute(  # type: ignore[attr-defined]
        text(
            "INSERT INTO pain_checkins (user_id, score, context, local_date, recorded_at)"
            " VALUES (:u, :s, 'morning', :d, :at)"
        ).bindparams(bindparam("d", type_=Date()), bindparam("at", type_=DateTime(timezone=True))),
        {"u": user_id, "s": score, "d": day, "at": T0 + timedelta(days=i, minutes=minutes)},
    )


def _as_date(value: object) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _as_time(value: object) -> time:
    return value if isinstance(value, time) else time.fromisoformat(str(value))


def _as_json(value: object) -> object:
    import json

    return json.loads(value) if isinstance(value, str) else value
