"""The history the progression rules read (`bot.db.repo.checkins.history`): read as plain
columns and converted by hand, it must give what the models' column types give."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

from sqlalchemy import select

from bot.db.engine import Database
from bot.db.models import LevelChange, PainCheckin, RoutineSession
from bot.db.repo import checkins
from bot.domain.enums import CheckinKind, SessionStatus, StepOutcome
from tests.utils.factories import make_checkin, make_runner, make_session

NOW = datetime(2026, 3, 2, 17, 30, 15, 123456, tzinfo=UTC)
STEPS = ["thorax_foam_roll", "boogie_board_side_stretch", "child_pose_traction"]


async def test_history_reads_what_the_models_read(migrated_db: Database) -> None:
    db = migrated_db
    user_id = await make_runner(db, 501, now=NOW, level=3)
    hurt = await make_session(
        db,
        user_id,
        steps=STEPS,
        now=NOW - timedelta(days=2),
        status=SessionStatus.COMPLETED,
        outcomes=[StepOutcome.HURTS, StepOutcome.SKIPPED, StepOutcome.DONE],
    )
    plain = await make_session(
        db, user_id, steps=STEPS, now=NOW, status=SessionStatus.STOPPED, outcomes=[]
    )
    await make_checkin(db, user_id, score=4, at=NOW, session_id=plain)
    await make_checkin(db, user_id, score=2, at=NOW, kind=CheckinKind.MORNING)
    async with db.write() as tx:
        checkins.add_level_change(
            tx,
            user_id=user_id,
            from_level=3,
            to_level=2,
            rule_id="R5",
            decision="level_down",
            local_date=NOW.date(),
            numbers={"p": 6, "mean": 2.5},
            reason="test",
            at=NOW,
        )

    async with db.read() as tx:
        rows = await checkins.history(tx, user_id=user_id, since=date(2026, 2, 1))
        stored = await tx.execute(select(RoutineSession).order_by(RoutineSession.id))
        sessions = stored.scalars().all()
        ratings = (await tx.execute(select(PainCheckin).order_by(PainCheckin.id))).scalars()
        changes = (await tx.execute(select(LevelChange))).scalars().all()

    # one row per session, whatever number of answers it has
    assert [s.id for s in rows.sessions] == [hurt, plain]
    for row, model in zip(rows.sessions, sessions, strict=True):
        assert (row.local_date, row.started_at, row.status, list(row.steps)) == (
            model.local_date,
            model.started_at,
            model.status,
            model.steps,
        )
        assert (row.level, row.planned_level, row.in_flare, row.routine_id) == (
            model.level,
            model.planned_level,
            model.in_flare,
            model.routine_id,
        )
        assert row.started_at.tzinfo is UTC
    assert sorted(rows.answers) == [
        (hurt, STEPS[1], StepOutcome.SKIPPED),
        (hurt, STEPS[0], StepOutcome.HURTS),
    ]
    assert all(isinstance(outcome, StepOutcome) for _, _, outcome in rows.answers)
    assert [(c.day, c.score, c.kind, c.at, c.session_id) for c in rows.checkins] == [
        (r.local_date, r.score, r.context, r.recorded_at, r.session_id) for r in ratings
    ]
    assert rows.checkins[0].at == NOW
    assert rows.checkins[0].kind is CheckinKind.AFTER_SESSION
    (change,) = changes
    (decision,) = rows.decisions
    assert (decision.local_date, decision.at, decision.numbers) == (
        change.local_date,
        change.at,
        {"p": 6, "mean": 2.5},
    )

    async with db.read() as tx:
        later = await checkins.history(tx, user_id=user_id, since=NOW.date() + timedelta(1))
    assert (later.checkins, later.sessions, later.answers, later.decisions) == ([], [], [], [])


def test_times_read_as_text_come_back_aware_utc_whatever_their_form() -> None:
    """SQLite hands back naive UTC text; text with an offset of its own is converted."""
    expected = datetime(2026, 3, 2, 17, 30, 15, 123456, tzinfo=UTC)
    for text in (
        "2026-03-02 17:30:15.123456",
        "2026-03-02T17:30:15.123456",
        "2026-03-02 18:30:15.123456+01:00",
        "2026-03-02 17:30:15.123456Z",
    ):
        read = checkins._utc(text)
        assert (read, read.tzinfo) == (expected, UTC), text
    assert checkins._utc("2026-03-02 17:30:15") == expected.replace(microsecond=0)
    midnight = checkins._utc("2026-03-02")  # a date alone: its midnight, UTC
    assert (midnight, midnight.tzinfo) == (datetime(2026, 3, 2, tzinfo=UTC), UTC)
    # What PostgreSQL's driver gives: aware datetimes, in UTC or not; naive ones are UTC.
    vienna = expected.astimezone(timezone(timedelta(hours=1)))
    for given in (expected, vienna, expected.replace(tzinfo=None)):
        read = checkins._utc(given)
        assert (read, read.tzinfo) == (expected, UTC), given
