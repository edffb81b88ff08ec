"""Benchmark: write contention on SQLite WAL (issue 8, item 3).

    python3 -m bench.db                     # 50 runners, 30 check-ins each, ~2.5 minutes
    python3 -m bench.db --checkins 5 --paced-checkins 2    # a quick smoke run

50 runners, each with 120 days of history, record pain check-ins at the same time through
the bot's own write path (the answer to /run's pain question): one write unit (BEGIN
IMMEDIATE) that locks the runner and runs `bot.services.checkins.log_rating`: it stores
the PainCheckin, runs `load_history` and the progression rules (R7), and stores the
LevelChange and the next morning question. Only
Telegram is left out (the reply is a no-op). One process, one `bot.db.engine.Database`
(whose write units queue on an asyncio lock before BEGIN IMMEDIATE), asyncio tasks: the
way the bot runs.

Scenarios, each printed with p50/p95/p99/max latency per check-in, throughput and the
count of "database is locked" errors:

* closed loop: every runner records its next check-in as soon as the last one is stored
  (50 writers always waiting: the worst case);
* paced: every runner waits a random think time between check-ins (Poisson arrivals at
  --paced-rate in all), the load of a busy evening;
* baseline, in the same run: the bare minimum, one raw INSERT of a pain_checkins row per
  check-in, through the same engine and write unit, closed loop;
* a proposal, not in bot/ (to decide on it): the paced case again after gc.freeze(), as
  the bot could call once after start-up, so that full collections skip the objects of
  the imports (Python's cyclic GC pauses the loop ~50 ms per full collection otherwise);
* several processes: the closed loop with the 50 runners spread over --processes
  processes sharing the file (cross-process contention, where only busy_timeout helps;
  not how the bot is deployed on SQLite, shown for what it tells).

Also `load_history` alone for a runner with 120 days of history.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from typing import Any, cast

# `python3 bench/<name>.py` works too, not only `python3 -m bench.<name>`.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import Table, func, insert, select
from telegram import InlineKeyboardMarkup

from bench._common import FunctionTimers, machine_info, print_table, verdict
from bot.clock import Clock, SystemClock
from bot.content import Content, Texts, load_content
from bot.context import BotContext
from bot.db.engine import Database
from bot.db.migrate import upgrade_to_head
from bot.db.models import LevelChange, PainCheckin, RoutineSession, StepEvent, User
from bot.domain.enums import ALL_DAYS, CheckinKind, SessionStatus, StepOutcome, UserStatus
from bot.domain.schedule import local_date_of
from bot.services.checkins import HISTORY_DAYS, load_history, log_rating
from bot.services.unit import Env, runner_unit

ROOT = Path(__file__).resolve().parent.parent
TARGET_P99_MS = 10.0
ZONES = ("Europe/Berlin", "America/New_York", "Asia/Kolkata", "Australia/Adelaide", "UTC")
FIRST_USER_ID = 500_000_000
BYSTANDER_ID = 600_000_000


def table(model: type[Any]) -> Table:
    return cast(Table, model.__table__)


# --- machine ----------------------------------------------------------------------------


def checkpoint(url: str) -> None:
    with contextlib.closing(sqlite3.connect(url.split("///", 1)[1])) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")


# --- seeding: runners with 120 days of history ------------------------------------------


@dataclass
class Rows:
    users: list[dict[str, Any]] = field(default_factory=list)
    sessions: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    checkins: list[dict[str, Any]] = field(default_factory=list)
    changes: list[dict[str, Any]] = field(default_factory=list)


def history_rows(
    rows: Rows, rng: random.Random, *, user_id: int, ladder: Sequence[str], today: date
) -> None:
    """What 120 days of use leave behind: a session most days (its steps, a Hurts now and
    then, the pain after it), a morning rating most days, a run three days a week, and a
    level change every couple of weeks."""
    level = 1
    for back in range(HISTORY_DAYS, 0, -1):
        day = today - timedelta(days=back)
        noon = datetime.combine(day, dtime(12, 0), tzinfo=UTC)
        if rng.random() < 0.9:
            rows.checkins.append(
                checkin(user_id, rng.randint(0, 5), CheckinKind.MORNING, day, noon)
            )
        if rng.random() < 0.85:
            session_id = len(rows.sessions) + 1
            steps = list(ladder[:level])
            rows.sessions.append(
                {
                    "id": session_id,
                    "user_id": user_id,
                    "routine_id": "decompression",
                    "level": level,
                    "steps": steps,
                    "current_step": len(steps),
                    "step_version": 0,
                    "step_hurt": False,
                    "status": SessionStatus.COMPLETED,
                    "local_date": day,
                    "step_message_id": None,
                    "started_at": noon,
                    "ended_at": noon + timedelta(minutes=12),
                }
            )
            for index, exercise in enumerate(steps):
                hurts = rng.random() < 0.03
                rows.events.append(
                    {
                        "session_id": session_id,
                        "step_index": index,
                        "exercise_id": exercise,
                        "outcome": StepOutcome.HURTS if hurts else StepOutcome.DONE,
                        "at": noon + timedelta(minutes=index + 1),
                    }
                )
            rows.checkins.append(
                checkin(
                    user_id,
                    rng.randint(0, 6),
                    CheckinKind.AFTER_SESSION,
                    day,
                    noon + timedelta(minutes=13),
                    session_id=session_id,
                )
            )
        if day.weekday() in (1, 3, 5):
            rows.checkins.append(
                checkin(
                    user_id, rng.randint(0, 6), CheckinKind.AFTER_RUN, day, noon.replace(hour=18)
                )
            )
        if back % 14 == 0:
            to_level = min(len(ladder), level + 1)
            rows.changes.append(
                {
                    "user_id": user_id,
                    "from_level": level,
                    "to_level": to_level,
                    "rule_id": "R3",
                    "numbers": {"sessions": 3, "max_pain": 5},
                    "reason": "Three easy sessions in a row: one step more.",
                    "at": noon + timedelta(minutes=14),
                }
            )
            level = to_level


def checkin(
    user_id: int,
    score: int,
    kind: CheckinKind,
    day: date,
    at: datetime,
    *,
    session_id: int | None = None,
) -> dict[str, Any]:
    return {
        "user_id": user_id,
        "score": score,
        "context": kind,
        "session_id": session_id,
        "local_date": day,
        "recorded_at": at,
    }


def runner_row(user_id: int, telegram_user_id: int, zone: str, now: datetime) -> dict[str, Any]:
    return {
        "id": user_id,
        "telegram_user_id": telegram_user_id,
        "chat_id": telegram_user_id,
        "first_name": "Runner",
        "language_code": "en",
        "status": UserStatus.ACTIVE,
        "onboarding_step": "done",
        "onboarding_answers": {},
        "time_zone": zone,
        "reminder_time": dtime(7, 30),
        "reminder_days": ALL_DAYS,
        "has_foam_roller": True,
        "level": 3,
        "routine_id": "decompression",
        "baseline_pain": 3,
        "morning_time": dtime(8, 0),
        "created_at": now - timedelta(days=HISTORY_DAYS + 1),
        "updated_at": now,
    }


async def seed(
    db: Database, content: Content, *, runners: int, bystanders: int, now: datetime
) -> list[int]:
    """`runners` who will check in and `bystanders` who only make the tables realistic,
    each with 120 days of history. Returns the runners' Telegram ids."""
    rng = random.Random(3)  # noqa: S311 (test data)
    rows = Rows()
    ladder = content.ladder.steps
    ids: list[int] = []
    for n in range(runners + bystanders):
        telegram_user_id = FIRST_USER_ID + n if n < runners else BYSTANDER_ID + n
        zone = ZONES[n % len(ZONES)]
        rows.users.append(runner_row(n + 1, telegram_user_id, zone, now))
        today = local_date_of(now, zone)
        history_rows(rows, rng, user_id=n + 1, ladder=ladder, today=today)
        if n < runners:
            ids.append(telegram_user_id)
    async with db.write() as session:
        for model, batch in (
            (User, rows.users),
            (RoutineSession, rows.sessions),
            (StepEvent, rows.events),
            (PainCheckin, rows.checkins),
            (LevelChange, rows.changes),
        ):
            for start in range(0, len(batch), 5000):
                await session.execute(insert(table(model)), batch[start : start + 5000])
    # Fold the WAL into the file (no ANALYZE: the bot never runs it either).
    checkpoint(db.url)
    return ids


async def row_counts(db: Database) -> dict[str, int]:
    counts: dict[str, int] = {}
    async with db.read() as session:
        for model in (User, RoutineSession, StepEvent, PainCheckin, LevelChange):
            counts[table(model).name] = (
                await session.scalar(select(func.count()).select_from(model))
            ) or 0
    return counts


# --- the bot's write path ---------------------------------------------------------------


class QuietBot:
    """Telegram left out: the reply after a check-in goes nowhere."""

    async def send_message(
        self, chat_id: int, text: str, reply_markup: InlineKeyboardMarkup | None = None
    ) -> None:
        return None


@dataclass
class HandlerContext:
    """What the check-in handlers read from their context: content, texts, clock, db, bot."""

    content: Content
    db: Database
    clock: Clock = field(default_factory=SystemClock)
    bot: QuietBot = field(default_factory=QuietBot)

    @property
    def texts(self) -> Texts:
        return self.content.texts


@dataclass
class Breakdown(FunctionTimers):
    """Where a check-in's time goes: the handler module's own functions, wrapped in timers
    while installed (they call the originals; nothing else changes)."""

    MODULE = "bot.services.checkins"
    NAMES = ("log_rating", "load_history")

    def median_ms(self, name: str) -> float:
        values = self.seconds.get(name) or [float("nan")]
        return statistics.median(values) * 1000


async def record_checkin(context: BotContext, telegram_user_id: int, score: int) -> None:
    """A pain rating after a run, stored the way the bot stores it: one write unit that
    locks the runner, stores the rating, reads the history and applies the rules."""
    env = Env(context.db, context.content, context.clock)
    async with runner_unit(env, telegram_user_id) as (tx, user):
        assert user is not None
        await log_rating(env, tx, user, CheckinKind.AFTER_RUN, score)


async def raw_insert(db: Database, user_id: int, score: int) -> None:
    """The baseline: the bare minimum, one INSERT in one write unit."""
    now = datetime.now(UTC)
    async with db.write() as session:
        await session.execute(
            insert(table(PainCheckin)).values(
                user_id=user_id,
                score=score,
                context=CheckinKind.AD_HOC,
                local_date=now.date(),
                recorded_at=now,
            )
        )


# --- scenarios --------------------------------------------------------------------------


@dataclass
class Outcome:
    label: str
    latencies: list[float]  # seconds, successful check-ins
    wall: float
    errors: Counter[str] = field(default_factory=Counter)

    @property
    def locked(self) -> int:
        return sum(n for kind, n in self.errors.items() if "locked" in kind)

    def pct(self, q: float) -> float:
        ordered = sorted(self.latencies)
        if not ordered:
            return float("nan")
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000

    @property
    def throughput(self) -> float:
        return len(self.latencies) / self.wall if self.wall else 0.0

    def line(self) -> str:
        errors = ", ".join(f"{n} x {kind}" for kind, n in self.errors.most_common()) or "none"
        return (
            f"{len(self.latencies):>5} ok in {self.wall:5.1f} s = {self.throughput:6.0f}/s | "
            f"p50 {self.pct(0.50):6.1f}  p95 {self.pct(0.95):6.1f}  p99 {self.pct(0.99):6.1f}  "
            f"max {self.pct(1.0):6.1f} ms | locked {self.locked} | errors: {errors}"
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "latencies": self.latencies,
            "wall": self.wall,
            "errors": dict(self.errors),
        }

    @classmethod
    def merged(cls, label: str, parts: Sequence[dict[str, Any]]) -> Outcome:
        errors: Counter[str] = Counter()
        for part in parts:
            errors.update(part["errors"])
        return cls(
            label,
            [x for part in parts for x in part["latencies"]],
            max(part["wall"] for part in parts),
            errors,
        )


def error_kind(exc: BaseException) -> str:
    text = str(exc).lower()
    if "database is locked" in text:
        return "database is locked"
    return f"{type(exc).__name__}: {str(exc).splitlines()[0][:80] if str(exc) else ''}"


async def run_scenario(
    label: str,
    users: Sequence[int],
    per_user: int,
    action: Any,
    *,
    think_mean: float = 0.0,
    start_at: float | None = None,
) -> Outcome:
    """Every user does `per_user` actions, one after another, all users at once; with
    think_mean > 0 each waits an exponential think time before every action."""
    rng = random.Random(7)  # noqa: S311 (test data)
    outcome = Outcome(label, [], 0.0)
    loop = asyncio.get_running_loop()
    if start_at is not None:  # several processes: start together
        await asyncio.sleep(max(0.0, start_at - time.time()))

    async def user(uid: int, seed: int) -> None:
        own = random.Random(seed)  # noqa: S311 (test data)
        for _ in range(per_user):
            if think_mean:
                await asyncio.sleep(own.expovariate(1 / think_mean))
            score = own.randint(0, 6)
            started = loop.time()
            try:
                await action(uid, score)
            except Exception as exc:
                outcome.errors[error_kind(exc)] += 1
            else:
                outcome.latencies.append(loop.time() - started)

    began = loop.time()
    await asyncio.gather(*(user(uid, rng.randrange(1 << 30)) for uid in users))
    outcome.wall = loop.time() - began
    return outcome


async def checkin_scenario(
    url: str,
    content: Content,
    users: Sequence[int],
    per_user: int,
    *,
    label: str,
    think_mean: float = 0.0,
    freeze_gc: bool = False,
    start_at: float | None = None,
) -> Outcome:
    db = Database(url)
    context = cast(BotContext, HandlerContext(content=content, db=db))
    if freeze_gc:  # what the bot would do once after start-up
        gc.collect()
        gc.freeze()
    try:

        async def action(uid: int, score: int) -> None:
            await record_checkin(context, uid, score)

        # Not counted: connections opened, statements compiled and cached.
        await run_scenario("warm-up", users, 1, action)
        return await run_scenario(
            label, users, per_user, action, think_mean=think_mean, start_at=start_at
        )
    finally:
        if freeze_gc:
            gc.unfreeze()
        await db.dispose()


async def alone_scenario(
    url: str, content: Content, user: int, count: int, breakdown: Breakdown
) -> Outcome:
    """One runner, check-ins one after another: the service time, with its breakdown."""
    with breakdown.installed():
        return await checkin_scenario(url, content, [user], count, label="alone")


async def baseline_scenario(
    url: str, users: Sequence[int], per_user: int, *, label: str
) -> Outcome:
    db = Database(url)
    try:
        async with db.read() as session:
            rows = await session.execute(
                select(User.telegram_user_id, User.id).where(User.telegram_user_id.in_(list(users)))
            )
            ids = {telegram_user_id: user_id for telegram_user_id, user_id in rows}

        async def action(uid: int, score: int) -> None:
            await raw_insert(db, ids[uid], score)

        await run_scenario("warm-up", users, 1, action)  # not counted
        return await run_scenario(label, users, per_user, action)
    finally:
        await db.dispose()


async def time_load_history(url: str, content: Content, telegram_user_id: int) -> dict[str, Any]:
    """load_history alone, for one runner with 120 days of history, warm (median of 50)."""
    db = Database(url)
    try:
        async with db.read() as session:
            user = await session.scalar(
                select(User).where(User.telegram_user_id == telegram_user_id)
            )
        assert user is not None
        today = local_date_of(datetime.now(UTC), user.time_zone or "UTC")
        runs: list[float] = []
        history = None
        for _ in range(51):
            async with db.read() as session:
                started = time.perf_counter()
                history = await load_history(session, content, user, today)
                runs.append(time.perf_counter() - started)
        assert history is not None
        runs = runs[1:]  # the first one warms the statement cache
        return {
            "median_ms": statistics.median(runs) * 1000,
            "p95_ms": sorted(runs)[int(0.95 * len(runs))] * 1000,
            "checkins": len(history.checkins),
            "sessions": len(history.sessions),
            "level_changes": len(history.level_changes),
        }
    finally:
        await db.dispose()


# --- several processes ------------------------------------------------------------------


def child_main(args: argparse.Namespace) -> None:
    content = load_content()
    users = [int(u) for u in args.child_users.split(",")]
    outcome = asyncio.run(
        checkin_scenario(
            args.child_url,
            content,
            users,
            args.checkins,
            label="child",
            start_at=args.child_start,
        )
    )
    print(json.dumps(outcome.to_json()), flush=True)


async def processes_scenario(
    url: str, users: Sequence[int], per_user: int, processes: int
) -> Outcome:
    start_at = time.time() + 4.0  # after every child has imported and connected
    groups = [users[i::processes] for i in range(processes)]
    procs = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bench.db",
            "--checkins",
            str(per_user),
            "--child-url",
            url,
            "--child-users",
            ",".join(str(u) for u in group),
            "--child-start",
            str(start_at),
            cwd=ROOT,
            stdout=asyncio.subprocess.PIPE,
        )
        for group in groups
    ]
    outputs = [await proc.communicate() for proc in procs]
    parts = []
    for proc, (out, _) in zip(procs, outputs, strict=True):
        if proc.returncode != 0:
            raise RuntimeError(f"a child process failed with exit code {proc.returncode}")
        parts.append(json.loads(out.decode().strip().splitlines()[-1]))
    return Outcome.merged(f"{len(users)} runners in {processes} processes", parts)


# --- the run ----------------------------------------------------------------------------


async def run(args: argparse.Namespace) -> int:
    began = time.perf_counter()
    print("bench/db.py: write contention on SQLite WAL (issue 8, item 3)")
    for name, value in machine_info():
        print(f"  {name:<9} {value}")
    content = load_content()
    with tempfile.TemporaryDirectory(prefix="bench-db-") as tmp:
        pristine = Path(tmp) / "bench.db"
        url = f"sqlite+aiosqlite:///{pristine}"
        await asyncio.to_thread(upgrade_to_head, url)
        db = Database(url)
        try:
            started = time.perf_counter()
            users = await seed(
                db,
                content,
                runners=args.users,
                bystanders=args.bystanders,
                now=datetime.now(UTC),
            )
            counts = await row_counts(db)
            async with db.engine.connect() as conn:
                mode = (await conn.exec_driver_sql("PRAGMA journal_mode")).scalar()
        finally:
            await db.dispose()
        print(
            f"\nseeded in {time.perf_counter() - started:.1f} s: {args.users} runners + "
            f"{args.bystanders} bystanders, each with {HISTORY_DAYS} days of history "
            f"(journal_mode={mode}); rows: "
            + ", ".join(f"{name} {n:,}" for name, n in counts.items())
        )

        history = await time_load_history(url, content, users[0])
        print(
            f"\nload_history, one runner with {HISTORY_DAYS} days of history "
            f"({history['checkins']} check-ins, {history['sessions']} sessions, "
            f"{history['level_changes']} level changes): median {history['median_ms']:.2f} ms, "
            f"p95 {history['p95_ms']:.2f} ms (warm, no contention)"
        )

        n, k = args.users, args.checkins
        breakdown = Breakdown()
        print(
            f"\n{n} runners at once, {k} check-ins each; latency per check-in "
            "(the bot: two write units, load_history, rules; the baseline: one INSERT):"
        )
        outcomes: dict[str, Outcome] = {}
        paced = {"think_mean": n / args.paced_rate, "per_user": args.paced_checkins}
        scenarios: list[tuple[str, str, Callable[[str], Awaitable[Outcome]]]] = [
            (
                "alone",
                "bot, one runner alone (service time)",
                lambda url: alone_scenario(url, content, users[0], 4 * k, breakdown),
            ),
            (
                "bot",
                f"bot, {n} at once, closed loop",
                lambda url: checkin_scenario(url, content, users, k, label="bot"),
            ),
            (
                "baseline",
                f"baseline: one raw INSERT, {n} at once",
                lambda url: baseline_scenario(url, users, k, label="baseline"),
            ),
            (
                "paced",
                f"bot, {n} paced, {args.paced_rate:g}/s offered",
                lambda url: checkin_scenario(
                    url,
                    content,
                    users,
                    paced["per_user"],
                    label="paced",
                    think_mean=paced["think_mean"],
                ),
            ),
            (
                "freeze",
                "proposal: gc.freeze() after start-up, paced",
                lambda url: checkin_scenario(
                    url,
                    content,
                    users,
                    paced["per_user"],
                    label="freeze",
                    think_mean=paced["think_mean"],
                    freeze_gc=True,
                ),
            ),
        ]
        if args.processes > 1:
            scenarios.append(
                (
                    "processes",
                    f"bot, {n} in {args.processes} processes, closed loop",
                    lambda url: processes_scenario(url, users, k, args.processes),
                )
            )
        for key, label, work in scenarios:
            # Each on a fresh copy of the seeded database: no scenario inherits the rows
            # the one before it wrote.
            copy = Path(tmp) / f"{key}.db"
            shutil.copyfile(pristine, copy)
            outcome = await work(f"sqlite+aiosqlite:///{copy}")
            copy.unlink()
            outcomes[key] = outcome
            print(f"  {label:<44} {outcome.line()}")
            if key == "alone":
                total = outcome.pct(0.5)
                inside = breakdown.median_ms("log_rating")
                print(
                    f"    medians: the check-in {total:.1f} ms = waiting for and locking the "
                    f"runner ~{total - inside:.1f} ms + log_rating {inside:.1f} ms, "
                    f"of which load_history {breakdown.median_ms('load_history'):.1f} ms"
                )

    bot, base, alone = outcomes["bot"], outcomes["baseline"], outcomes["alone"]
    paced_out, freeze = outcomes["paced"], outcomes["freeze"]

    def target(outcome: Outcome) -> tuple[str, str]:
        return f"< {TARGET_P99_MS:g} ms", verdict(outcome.pct(0.99) < TARGET_P99_MS)

    print("\nsummary")
    rows: list[tuple[str, str, str, str]] = [
        ("load_history, 120 days (median, alone)", f"{history['median_ms']:.2f} ms", "", ""),
        (
            "check-in, one runner alone: p50 / p99",
            f"{alone.pct(0.5):.1f} / {alone.pct(0.99):.1f} ms",
            *target(alone),
        ),
        (f"check-in p99, {n} at once, closed loop", f"{bot.pct(0.99):.1f} ms", *target(bot)),
        (
            "  baseline, one INSERT: p99",
            f"{base.pct(0.99):.1f} ms; bot/baseline {bot.pct(0.99) / base.pct(0.99):.1f}x",
            "",
            "",
        ),
        (
            "  throughput bot / baseline",
            f"{bot.throughput:.0f}/s / {base.throughput:.0f}/s = "
            f"{bot.throughput / base.throughput:.2f}x",
            "",
            "",
        ),
        (
            f"check-in p99, {n} paced, {args.paced_rate:g}/s",
            f"{paced_out.pct(0.99):.1f} ms (p50 {paced_out.pct(0.5):.1f})",
            *target(paced_out),
        ),
        (
            "  proposal gc.freeze(), paced",
            f"p99 {freeze.pct(0.99):.1f} ms (p50 {freeze.pct(0.5):.1f})",
            *target(freeze),
        ),
    ]
    if "processes" in outcomes:
        proc = outcomes["processes"]
        rows.append(
            (
                f"  {args.processes} processes, closed loop",
                f"p99 {proc.pct(0.99):.1f} ms, {proc.throughput:.0f}/s",
                *target(proc),
            )
        )
    in_process = sum(o.locked for key, o in outcomes.items() if key != "processes")
    rows.append(
        (
            '"database is locked", one process',
            f"{in_process} (slowest check-in {bot.pct(1.0) / 1000:.1f} s; busy_timeout 10 s)",
            "0",
            verdict(in_process == 0),
        )
    )
    if "processes" in outcomes:
        rows.append(
            (
                f'"database is locked", {args.processes} processes',
                str(outcomes["processes"].locked),
                "0",
                verdict(outcomes["processes"].locked == 0),
            )
        )
    other = sum(sum(o.errors.values()) - o.locked for o in outcomes.values())
    rows.append(("other errors, all scenarios", str(other), "0", verdict(other == 0)))
    print_table(rows)
    print(f"total wall time {time.perf_counter() - began:.0f} s")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write contention on SQLite WAL (issue 8).")
    parser.add_argument("--users", type=int, default=50, help="runners checking in at once")
    parser.add_argument("--checkins", type=int, default=30, help="check-ins per runner")
    parser.add_argument(
        "--bystanders", type=int, default=200, help="other runners with history in the tables"
    )
    parser.add_argument(
        "--paced-rate", type=float, default=25.0, help="check-ins per second in all, paced"
    )
    parser.add_argument("--paced-checkins", type=int, default=8, help="check-ins per runner, paced")
    parser.add_argument(
        "--processes", type=int, default=5, help="processes for the multi-process case (1: off)"
    )
    parser.add_argument("--child-url", help=argparse.SUPPRESS)
    parser.add_argument("--child-users", help=argparse.SUPPRESS)
    parser.add_argument("--child-start", type=float, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child_url:
        child_main(args)
        return 0
    return asyncio.run(run(args))


if __name__ == "__main__":
    sys.exit(main())
