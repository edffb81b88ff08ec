"""bot.export: everything stored about one runner, as JSON and CSV (times in their zone
beside UTC), and removing all of it; `updated_at` moves whenever their data does."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import func, select

from bot.clock import ManualClock
from bot.db.engine import Database
from bot.db.models import (
    Base,
    LevelChange,
    PainCheckin,
    ReminderDelivery,
    RoutineSession,
    StepEvent,
    User,
)
from bot.db.repo.privacy import collect, delete_everything
from bot.domain.enums import CheckinKind, DeliveryKind, DeliveryStatus, SessionStatus, StepOutcome
from bot.export import checkins_csv, to_json
from bot.services import guided
from bot.services.unit import Env
from tests.utils.app import BotRunner
from tests.utils.chat import ChatUser
from tests.utils.factories import make_runner
from tests.utils.journeys import sweep_at
from tests.utils.rows import level_changes, user_row
from tests.utils.usecases import start_session, tap_on
from tests.utils.writes import watch

NOW = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)
MODELS: tuple[type[Base], ...] = (
    User,
    RoutineSession,
    StepEvent,
    PainCheckin,
    ReminderDelivery,
    LevelChange,
)
WEEKDAYS_ONLY = 0b0011111
ALEX = 501


@dataclass
class Stored:
    user_id: int
    session_ids: list[int]


async def store_history(
    db: Database, telegram_user_id: int, *, days: int = WEEKDAYS_ONLY
) -> Stored:
    """A runner with two sessions (one with step answers), three check-ins (one of them
    after a session), a level change and two reminder deliveries."""
    user_id = await make_runner(db, telegram_user_id, now=NOW, days=days, level=2)
    async with db.write() as session:
        first = RoutineSession(
            user_id=user_id,
            routine_id="decompression",
            level=1,
            steps=["cat_cow", "child_pose"],
            current_step=2,
            status=SessionStatus.COMPLETED,
            local_date=date(2026, 3, 2),
            started_at=NOW + timedelta(hours=1),
            ended_at=NOW + timedelta(hours=1, minutes=9),
        )
        second = RoutineSession(
            user_id=user_id,
            routine_id="hips",
            level=2,
            steps=["pigeon"],
            status=SessionStatus.STOPPED,
            local_date=date(2026, 3, 3),
            started_at=NOW + timedelta(days=1, hours=1),
            ended_at=NOW + timedelta(days=1, hours=1, minutes=2),
        )
        session.add_all([first, second])
        await session.flush()
        session.add_all(
            [
                StepEvent(
                    session_id=first.id,
                    step_index=0,
                    exercise_id="cat_cow",
                    outcome=StepOutcome.DONE,
                    at=NOW + timedelta(hours=1, minutes=4),
                ),
                StepEvent(
                    session_id=first.id,
                    step_index=1,
                    exercise_id="child_pose",
                    outcome=StepOutcome.EASIER,
                    at=NOW + timedelta(hours=1, minutes=8),
                ),
                StepEvent(
                    session_id=second.id,
                    step_index=0,
                    exercise_id="pigeon",
                    outcome=StepOutcome.HURTS,
                    at=NOW + timedelta(days=1, hours=1, minutes=1),
                ),
                # Inserted out of order: the export lists check-ins oldest first.
                PainCheckin(
                    user_id=user_id,
                    score=2,
                    context=CheckinKind.MORNING,
                    local_date=date(2026, 3, 3),
                    recorded_at=NOW + timedelta(days=1, minutes=30),
                ),
                PainCheckin(
                    user_id=user_id,
                    score=4,
                    context=CheckinKind.AFTER_SESSION,
                    session_id=first.id,
                    local_date=date(2026, 3, 2),
                    recorded_at=NOW + timedelta(hours=1, minutes=10),
                ),
                PainCheckin(
                    user_id=user_id,
                    score=7,
                    context=CheckinKind.AFTER_RUN,
                    local_date=date(2026, 3, 3),
                    recorded_at=NOW + timedelta(days=1, hours=12),
                ),
                LevelChange(
                    user_id=user_id,
                    from_level=1,
                    to_level=2,
                    rule_id="P1",
                    decision="level_up",
                    local_date=date(2026, 3, 2),
                    numbers={"sessions": 3, "max_pain": 2, "note": "Größer"},
                    reason="three easy sessions in a row",
                    at=NOW + timedelta(hours=2),
                ),
                ReminderDelivery(
                    user_id=user_id,
                    kind=DeliveryKind.REMINDER,
                    local_date=date(2026, 3, 2),
                    status=DeliveryStatus.SENT,
                    message_id=77,
                    due_at=NOW + timedelta(minutes=30),
                    claimed_at=NOW + timedelta(minutes=30),
                    attempts=1,
                    created_at=NOW,
                ),
                ReminderDelivery(
                    user_id=user_id,
                    kind=DeliveryKind.MORNING_CHECKIN,
                    local_date=date(2026, 3, 3),
                    status=DeliveryStatus.SNOOZED,
                    due_at=NOW + timedelta(days=1),
                    snoozed=True,
                    created_at=NOW + timedelta(days=1),
                ),
            ]
        )
        return Stored(user_id, [first.id, second.id])


async def rows_about(db: Database, user_id: int) -> dict[str, int]:
    """How many rows of each table belong to the runner."""
    session_ids = select(RoutineSession.id).where(RoutineSession.user_id == user_id)
    queries = {
        "users": select(func.count()).select_from(User).where(User.id == user_id),
        "routine_sessions": select(func.count())
        .select_from(RoutineSession)
        .where(RoutineSession.user_id == user_id),
        "step_events": select(func.count())
        .select_from(StepEvent)
        .where(StepEvent.session_id.in_(session_ids)),
        "pain_checkins": select(func.count())
        .select_from(PainCheckin)
        .where(PainCheckin.user_id == user_id),
        "reminder_deliveries": select(func.count())
        .select_from(ReminderDelivery)
        .where(ReminderDelivery.user_id == user_id),
        "level_changes": select(func.count())
        .select_from(LevelChange)
        .where(LevelChange.user_id == user_id),
    }
    assert set(queries) == {m.__tablename__ for m in MODELS}
    async with db.read() as session:
        return {table: int(await session.scalar(q) or 0) for table, q in queries.items()}


async def total_rows(db: Database) -> dict[str, int]:
    async with db.read() as session:
        return {
            m.__tablename__: int(await session.scalar(select(func.count()).select_from(m)) or 0)
            for m in MODELS
        }


def aware(value: object) -> datetime:
    """An ISO 8601 datetime with an offset (fails on a naive one)."""
    assert isinstance(value, str)
    parsed = datetime.fromisoformat(value)
    assert parsed.utcoffset() is not None, value
    return parsed


async def test_collect_has_everything_with_the_right_values(migrated_db: Database) -> None:
    stored = await store_history(migrated_db, 4242)
    await store_history(migrated_db, 4343)  # someone else: not in the export

    async with migrated_db.read() as session:
        data = await collect(session, user_id=stored.user_id, now=NOW)

    assert set(data) == {
        "exported_at",
        "profile",
        "sessions",
        "checkins",
        "level_changes",
        "reminders",
    }
    assert aware(data["exported_at"]) == NOW  # the injected clock, not the machine's

    profile = data["profile"]
    assert isinstance(profile, dict)
    assert "id" not in profile
    assert profile["telegram_user_id"] == 4242
    assert profile["chat_id"] == 4242
    assert profile["first_name"] == "Runner"
    assert profile["status"] == "active"
    assert profile["time_zone"] == "Europe/Berlin"
    assert profile["reminder_time"] == time(7, 30).isoformat()
    assert profile["reminder_days"] == ["Mon", "Tue", "Wed", "Thu", "Fri"]
    assert profile["has_foam_roller"] is True
    assert profile["level"] == 2
    assert profile["routine_id"] == "decompression"
    assert profile["baseline_pain"] == 3
    assert profile["paused_until"] is None
    assert profile["flare_since"] is None
    assert aware(profile["next_reminder_at"]) > NOW
    assert profile["morning_time"] == "08:00:00"
    assert aware(profile["created_at"]) == NOW

    first, second = stored.session_ids
    assert data["sessions"] == [
        {
            "id": first,
            "routine_id": "decompression",
            "level": 1,
            "steps": ["cat_cow", "child_pose"],
            "status": "completed",
            "local_date": "2026-03-02",
            "started_at": "2026-03-02T07:00:00+00:00",
            "ended_at": "2026-03-02T07:09:00+00:00",
            "steps_answered": [
                {
                    "step_index": 0,
                    "exercise_id": "cat_cow",
                    "outcome": "done",
                    "at": "2026-03-02T07:04:00+00:00",
                },
                {
                    "step_index": 1,
                    "exercise_id": "child_pose",
                    "outcome": "easier",
                    "at": "2026-03-02T07:08:00+00:00",
                },
            ],
        },
        {
            "id": second,
            "routine_id": "hips",
            "level": 2,
            "steps": ["pigeon"],
            "status": "stopped",
            "local_date": "2026-03-03",
            "started_at": "2026-03-03T07:00:00+00:00",
            "ended_at": "2026-03-03T07:02:00+00:00",
            "steps_answered": [
                {
                    "step_index": 0,
                    "exercise_id": "pigeon",
                    "outcome": "hurts",
                    "at": "2026-03-03T07:01:00+00:00",
                }
            ],
        },
    ]
    assert data["checkins"] == [
        {
            "score": 4,
            "context": "after_session",
            "local_date": "2026-03-02",
            "recorded_at": "2026-03-02T07:10:00+00:00",
            "session_id": first,
        },
        {
            "score": 2,
            "context": "morning",
            "local_date": "2026-03-03",
            "recorded_at": "2026-03-03T06:30:00+00:00",
            "session_id": None,
        },
        {
            "score": 7,
            "context": "after_run",
            "local_date": "2026-03-03",
            "recorded_at": "2026-03-03T18:00:00+00:00",
            "session_id": None,
        },
    ]
    assert data["level_changes"] == [
        {
            "at": "2026-03-02T08:00:00+00:00",
            "from_level": 1,
            "to_level": 2,
            "rule_id": "P1",
            "numbers": {"sessions": 3, "max_pain": 2, "note": "Größer"},
            "reason": "three easy sessions in a row",
        }
    ]
    assert data["reminders"] == [
        {
            "kind": "reminder",
            "local_date": "2026-03-02",
            "status": "sent",
            "due_at": "2026-03-02T06:30:00+00:00",
        },
        {
            "kind": "morning_checkin",
            "local_date": "2026-03-03",
            "status": "snoozed",
            "due_at": "2026-03-03T06:00:00+00:00",
        },
    ]


async def test_json_round_trips_as_utf8(migrated_db: Database) -> None:
    stored = await store_history(migrated_db, 4242)
    async with migrated_db.read() as session:
        data = await collect(session, user_id=stored.user_id, now=NOW)

    raw = to_json(data)

    assert isinstance(raw, bytes)
    assert "Größer".encode() in raw  # ensure_ascii=False: UTF-8, not \\u escapes
    assert raw.startswith(b'{\n  "exported_at"')  # indent=2, keys in their given order
    assert json.loads(raw.decode("utf-8")) == data


async def test_json_of_a_runner_without_history(migrated_db: Database) -> None:
    user_id = await make_runner(migrated_db, 5151, now=NOW)
    async with migrated_db.read() as session:
        data = await collect(session, user_id=user_id, now=NOW)

    assert [data[k] for k in ("sessions", "checkins", "level_changes", "reminders")] == [[]] * 4
    assert json.loads(to_json(data))["profile"]["reminder_days"] == [
        "Mon",
        "Tue",
        "Wed",
        "Thu",
        "Fri",
        "Sat",
        "Sun",
    ]
    assert checkins_csv(data).decode().splitlines() == [
        "date,time_local,time_utc,utc_offset,context,score,session_id"
    ]


async def test_checkins_csv_parses_back_oldest_first(migrated_db: Database) -> None:
    stored = await store_history(migrated_db, 4242)
    async with migrated_db.read() as session:
        data = await collect(session, user_id=stored.user_id, now=NOW)

    raw = checkins_csv(data)

    assert not raw.startswith(b"\xef\xbb\xbf")  # no BOM
    with io.StringIO(raw.decode("utf-8"), newline="") as text:
        rows = list(csv.reader(text))
    assert rows == [
        ["date", "time_local", "time_utc", "utc_offset", "context", "score", "session_id"],
        [
            "2026-03-02",
            "08:10:00",
            "07:10:00",
            "+01:00",
            "after_session",
            "4",
            str(stored.session_ids[0]),
        ],
        ["2026-03-03", "07:30:00", "06:30:00", "+01:00", "morning", "2", ""],
        ["2026-03-03", "19:00:00", "18:00:00", "+01:00", "after_run", "7", ""],
    ]


async def test_delete_everything_removes_every_row_about_the_runner(
    migrated_db: Database,
) -> None:
    gone = await store_history(migrated_db, 4242)
    kept = await store_history(migrated_db, 4343, days=0b1111111)
    kept_before = await rows_about(migrated_db, kept.user_id)
    async with migrated_db.read() as session:
        kept_export = await collect(session, user_id=kept.user_id, now=NOW)

    async with migrated_db.write() as session:
        counts = await delete_everything(session, user_id=gone.user_id)

    assert counts == {
        "step_events": 3,
        "pain_checkins": 3,
        "level_changes": 1,
        "reminder_deliveries": 2,
        "routine_sessions": 2,
        "users": 1,
    }
    assert await rows_about(migrated_db, gone.user_id) == dict.fromkeys(counts, 0)
    async with migrated_db.read() as session:
        for session_id in gone.session_ids:
            left = await session.scalar(
                select(func.count())
                .select_from(PainCheckin)
                .where(PainCheckin.session_id == session_id)
            )
            assert left == 0

    # The other runner is untouched, row for row.
    assert kept_before == {
        "users": 1,
        "routine_sessions": 2,
        "step_events": 3,
        "pain_checkins": 3,
        "reminder_deliveries": 2,
        "level_changes": 1,
    }
    assert await rows_about(migrated_db, kept.user_id) == kept_before
    assert await total_rows(migrated_db) == kept_before
    async with migrated_db.read() as session:
        after = await collect(session, user_id=kept.user_id, now=NOW)
    assert {k: v for k, v in after.items() if k != "exported_at"} == {
        k: v for k, v in kept_export.items() if k != "exported_at"
    }


async def test_delete_everything_twice_finds_nothing(migrated_db: Database) -> None:
    stored = await store_history(migrated_db, 4242)
    async with migrated_db.write() as session:
        await delete_everything(session, user_id=stored.user_id)
    async with migrated_db.write() as session:
        counts = await delete_everything(session, user_id=stored.user_id)

    assert set(counts.values()) == {0}


# --- times as the runner lives them ---------------------------------------------------


def _csv_of(zone: str | None, *recorded: datetime) -> list[dict[str, str]]:
    data: dict[str, object] = {
        "profile": {"time_zone": zone},
        "checkins": [
            {
                "score": 3,
                "context": "ad_hoc",
                "local_date": at.date().isoformat(),
                "recorded_at": at.isoformat(),
                "session_id": None,
            }
            for at in recorded
        ],
    }
    with io.StringIO(checkins_csv(data).decode("utf-8"), newline="") as text:
        return list(csv.DictReader(text))


def test_csv_local_times_follow_berlin_across_both_daylight_saving_changes() -> None:
    """Berlin moves to +02:00 at 01:00 UTC on 29 March 2026 and back at 01:00 UTC on 25
    October; the local time and the offset beside each UTC time move with it, and the hour
    that happens twice in October tells its two halves apart by the offset."""
    rows = _csv_of(
        "Europe/Berlin",
        datetime(2026, 3, 28, 6, 30, tzinfo=UTC),
        datetime(2026, 3, 29, 0, 59, 59, tzinfo=UTC),
        datetime(2026, 3, 29, 1, 0, tzinfo=UTC),
        datetime(2026, 3, 30, 6, 30, tzinfo=UTC),
        datetime(2026, 10, 25, 0, 30, tzinfo=UTC),
        datetime(2026, 10, 25, 1, 30, tzinfo=UTC),
    )

    assert [(r["time_utc"], r["time_local"], r["utc_offset"]) for r in rows] == [
        ("06:30:00", "07:30:00", "+01:00"),
        ("00:59:59", "01:59:59", "+01:00"),
        ("01:00:00", "03:00:00", "+02:00"),
        ("06:30:00", "08:30:00", "+02:00"),
        ("00:30:00", "02:30:00", "+02:00"),
        ("01:30:00", "02:30:00", "+01:00"),
    ]


@pytest.mark.parametrize(
    ("zone", "local", "offset"),
    [
        ("UTC+05:30", "12:00:00", "+05:30"),
        ("America/St_Johns", "03:00:00", "-03:30"),
        ("UTC", "06:30:00", "+00:00"),
        (None, "06:30:00", "+00:00"),  # not set up yet: UTC, and the offset says so
    ],
)
def test_csv_local_time_in_fixed_and_negative_offsets(
    zone: str | None, local: str, offset: str
) -> None:
    [row] = _csv_of(zone, datetime(2026, 1, 5, 6, 30, tzinfo=UTC))
    assert (row["time_utc"], row["time_local"], row["utc_offset"]) == ("06:30:00", local, offset)


# --- updated_at moves with the runner's data --------------------------------------------


async def _exported_updated_at(runner: ChatUser) -> datetime:
    await runner.say("/export")
    await runner.settled()
    [document] = [m for m in runner.bot_messages() if m.document is not None][-2:-1]
    return datetime.fromisoformat(json.loads(document.document or b"")["profile"]["updated_at"])


async def test_export_after_a_checkin_shows_a_later_updated_at(
    onboarded: ChatUser, clock: ManualClock
) -> None:
    before = await _exported_updated_at(onboarded)

    clock.advance(timedelta(hours=3))
    await onboarded.say("/checkin")
    await onboarded.tap("5")
    assert (onboarded.last().text or "").startswith("Logged 5/10")

    after = await _exported_updated_at(onboarded)
    assert before < after == clock.now()


async def test_a_step_answer_alone_moves_updated_at_in_its_own_unit(env: Env) -> None:
    """A Done tap changes only the session's rows; the runner's row follows in the same
    write unit, with the injected clock's time."""
    started = env.clock.now()
    await make_runner(env.db, ALEX, now=started, level=3)
    view = await start_session(env, ALEX)
    assert env.clock.now() == started  # nothing moved the clock
    clock = env.clock
    assert isinstance(clock, ManualClock)
    clock.advance(timedelta(minutes=2))

    with watch(env.db) as seen:
        await guided.tap_step(env, telegram_user_id=ALEX, tap=tap_on(view))

    assert seen.write_units == 1
    assert (await user_row(env.db, ALEX)).updated_at == clock.now()
    updates = [s for s in seen.changes if s.lstrip().upper().startswith("UPDATE USERS")]
    assert len(updates) == 1


async def test_a_stale_tap_leaves_updated_at_alone(env: Env) -> None:
    await make_runner(env.db, ALEX, now=env.clock.now(), level=3)
    view = await start_session(env, ALEX)
    await guided.tap_step(env, telegram_user_id=ALEX, tap=tap_on(view))
    stamped = (await user_row(env.db, ALEX)).updated_at
    clock = env.clock
    assert isinstance(clock, ManualClock)
    clock.advance(timedelta(minutes=5))

    with watch(env.db) as seen:
        reply = await guided.tap_step(env, telegram_user_id=ALEX, tap=tap_on(view))  # again

    assert reply.refused is not None
    assert seen.changes == []
    assert (await user_row(env.db, ALEX)).updated_at == stamped


async def test_a_decision_of_the_daily_jobs_moves_updated_at(
    onboarded: ChatUser, bot_runner: BotRunner, clock: ManualClock
) -> None:
    """The rules' daily jobs run in the reminder sweep, outside any unit of the runner's
    own: the R8 nudge they record on the 10th (no session for a week) moves updated_at;
    the plain reminders before it do not."""
    onboarded_at = (await user_row(bot_runner.db, onboarded.user_id)).updated_at
    for day in range(3, 10):
        await sweep_at(bot_runner, onboarded, clock, berlin_winter(day, 7, 30))
    assert (await user_row(bot_runner.db, onboarded.user_id)).updated_at == onboarded_at

    await sweep_at(bot_runner, onboarded, clock, berlin_winter(10, 7, 30))

    [change] = await level_changes(bot_runner.db, onboarded.user_id)
    assert change.rule_id == "R8"
    assert (await user_row(bot_runner.db, onboarded.user_id)).updated_at == clock.now()


def berlin_winter(day: int, hour: int, minute: int) -> datetime:
    """That local time in Berlin on March `day` 2026 (CET, before the 29th), as UTC."""
    return datetime(2026, 3, day, hour - 1, minute, 30, tzinfo=UTC)
