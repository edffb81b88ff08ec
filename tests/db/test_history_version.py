"""The runner's history version (migration 0007): the database's own triggers move it on
every write to a row of their history, whoever writes it, and on nothing else."""

from __future__ import annotations

from sqlalchemy import Column, text
from sqlalchemy.sql import visitors

from bot.db.repo import checkins as repo_checkins
from bot.domain.enums import StepOutcome
from bot.services.unit import Env
from tests.utils.factories import make_checkin, make_decision, make_runner, make_session
from tests.utils.rows import history_version

ALEX, BEA = 501, 502
STEPS = ["cat_cow", "pelvic_tilt", "childs_pose"]


async def test_every_write_to_a_history_row_moves_the_version(env: Env) -> None:
    now = env.clock.now()
    user_id = await make_runner(env.db, ALEX, now=now)
    other = await make_runner(env.db, BEA, now=now)
    seen = [await history_version(env.db, ALEX)]

    async def moved(statement: str, **values: object) -> None:
        async with env.db.write() as tx:
            await tx.execute(text(statement), values)
        seen.append(await history_version(env.db, ALEX))

    session = await make_session(env.db, user_id, steps=STEPS, now=now)  # 1 row
    seen.append(await history_version(env.db, ALEX))
    checkin = await make_checkin(env.db, user_id, score=3, at=now)
    seen.append(await history_version(env.db, ALEX))
    await make_decision(
        env.db, user_id, decision="hold", local_date=now.date(), at=now, from_level=1
    )
    seen.append(await history_version(env.db, ALEX))
    await moved(
        "INSERT INTO step_events (session_id, step_index, exercise_id, outcome, at)"
        " VALUES (:s, 0, 'cat_cow', 'hurts', :at)",
        s=session,
        at=now,
    )
    await moved("UPDATE routine_sessions SET status = 'stopped' WHERE id = :s", s=session)
    await moved("UPDATE step_events SET outcome = 'done'")
    await moved("UPDATE pain_checkins SET score = 4 WHERE id = :c", c=checkin)
    await moved("UPDATE level_changes SET to_level = 2")
    await moved("DELETE FROM step_events")
    await moved("DELETE FROM pain_checkins WHERE id = :c", c=checkin)
    await moved("UPDATE users SET level = 3, updated_at = updated_at WHERE id = :u", u=user_id)

    assert seen == [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 10]  # the runner's own row: no move
    assert await history_version(env.db, BEA) == 0

    await moved("UPDATE level_changes SET user_id = :o", o=other)  # moved to Bea: both move
    assert seen[-1] == 11
    assert await history_version(env.db, BEA) == 1


def history_columns() -> set[tuple[str, str]]:
    """Every (table, column) the history query reads, in its columns, joins or filters."""
    found = set()
    for statement in (repo_checkins._CHECKINS, repo_checkins._SESSIONS, repo_checkins._DECISIONS):
        for element in visitors.iterate(statement):
            table = getattr(element, "table", None)
            if isinstance(element, Column) and table is not None and not element.primary_key:
                found.add((table.name, element.name))
    return found


async def test_a_change_of_any_column_the_history_reads_moves_the_version(env: Env) -> None:
    now = env.clock.now()
    user_id = await make_runner(env.db, ALEX, now=now)
    await make_session(env.db, user_id, steps=STEPS, now=now, outcomes=[StepOutcome.HURTS])
    await make_checkin(env.db, user_id, score=3, at=now)
    await make_decision(
        env.db, user_id, decision="hold", local_date=now.date(), at=now, from_level=1
    )
    columns = history_columns()
    assert ("routine_sessions", "status") in columns
    assert ("step_events", "outcome") in columns

    for table, column in sorted(columns):
        before = await history_version(env.db, ALEX)
        async with env.db.write() as tx:
            await tx.execute(text(f"UPDATE {table} SET {column} = {column}"))  # noqa: S608
        assert await history_version(env.db, ALEX) == before + 1, (table, column)

    # What a tap writes outside the runner's unit, and the hold timer: not history.
    before = await history_version(env.db, ALEX)
    async with env.db.write() as tx:
        await tx.execute(
            text(
                "UPDATE routine_sessions SET step_message_id = 77, timer_ends_at = NULL,"
                " step_part = 1, current_step = 1"
            )
        )
    assert await history_version(env.db, ALEX) == before
