"""Benchmark: the reminder schedule at scale (issue 8, item 2).

    python3 -m bench.reminders                 # 100,000 runners, about two minutes
    python3 -m bench.reminders --users 5000    # a quick smoke run

One SQLite database (real migrations, real models) with N runners in mixed time zones,
then, each figure side by side with its baseline measured in the same run:

* start-up time and peak memory of the bot (`bot.app.build_application` + `bot.app.polling`,
  one sweep job for everybody) against the usual approach: the same application with one
  python-telegram-bot `JobQueue.run_daily` job per runner read from the same database. Each
  contender runs in a fresh process of its own (this script re-invoked with `--child`);
  both time the same steps (settings, content, migrations, application up and polling)
  after the same imports;
* the due-users query: the real `bot.sender.claim_due`, its SELECT timed statement by
  statement, and SQLite's query plan for it;
* the delivery rate of the real sweep (`bot.sender.sweep`, SEND_RATE_PER_SECOND equal
  to the allowed rate) against the Bot API stand-in (`bot.devtools.standin`) limiting to
  30/s and 1,000/s. The stand-in runs in a process of its own (Telegram is not in the bot's process
  either); the rate is counted by the stand-in, from its first to its last accepted
  sendMessage.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import os
import random
import resource
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from typing import Any, cast

# `python3 bench/<name>.py` works too, not only `python3 -m bench.<name>`.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import Table, event, func, insert, select
from sqlalchemy.engine import Connection

from bench._common import FunctionTimers, machine_info, print_table, verdict
from bot.app import build_application, polling, sweep_config
from bot.clock import ManualClock, SystemClock
from bot.config import Settings
from bot.content import Content, load_content
from bot.context import DEPS_KEY, BotApplication, BotContext, Deps
from bot.db.engine import Database
from bot.db.migrate import upgrade_to_head
from bot.db.models import ReminderDelivery, User
from bot.devtools.standin import BotApiStandIn, StoredMessage
from bot.domain.enums import ALL_DAYS, DeliveryStatus, UserStatus
from bot.domain.profile import Schedule, next_reminder
from bot.domain.zones import tzinfo_for
from bot.sender import SweepConfig, claim_due, sweep
from bot.services.reminders import SweepResult
from bot.services.unit import Env

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "123456:BENCH-token-for-the-local-stand-in"  # noqa: S105 (the stand-in's)
# A Monday morning in winter (northern DST off, southern DST on): every offset kind is live.
SEED_NOW = datetime(2026, 1, 12, 0, 0, tzinfo=UTC)
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
WEEKDAYS_MASK = 0b0011111
USERS = cast(Table, User.__table__)

TARGET_STARTUP_RATIO = 10.0
TARGET_MEMORY_RATIO = 3.0
TARGET_RATE_SHARE = 0.95


# --- small helpers ----------------------------------------------------------------------


def rss_now_kib() -> int:
    with open("/proc/self/status", encoding="utf-8") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def peak_rss_kib() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux


def process_age_seconds() -> float:
    """Seconds since this process started (interpreter start-up and imports so far)."""
    with open("/proc/self/stat", encoding="utf-8") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    started = int(fields[19]) / os.sysconf("SC_CLK_TCK")
    with open("/proc/uptime", encoding="utf-8") as f:
        uptime = float(f.read().split()[0])
    return uptime - started


def mib(kib: float) -> str:
    return f"{kib / 1024:.1f} MiB"


def make_settings(api_url: str, database_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "telegram_bot_token": TOKEN,
        "telegram_api_url": api_url,
        "database_url": database_url,
        "polling_timeout": 1,
        "log_level": "WARNING",
        "_env_file": None,
    }
    values.update(overrides)
    return Settings(**values)


def deps_of(app: BotApplication) -> Deps:
    deps = app.bot_data[DEPS_KEY]
    assert isinstance(deps, Deps)
    return deps


def checkpoint(url: str) -> None:
    with contextlib.closing(sqlite3.connect(url.split("///", 1)[1])) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")


# --- seeding ----------------------------------------------------------------------------


def ptb_days(mask: int) -> tuple[int, ...]:
    """Our mask (Monday is bit 0) as python-telegram-bot's days (0 is Sunday)."""
    return tuple(sorted((day + 1) % 7 for day in range(7) if mask >> day & 1))


def runner_rows(count: int, *, seed: int, now: datetime) -> Iterator[dict[str, Any]]:
    """Runners as the bot stores them after onboarding: mixed zones, times on five-minute
    marks spread over the whole day, mostly every day; a few paused or blocked."""
    rng = random.Random(seed)  # noqa: S311 (test data)
    for i in range(count):
        zone = rng.choice(ZONES)
        at = dtime(rng.randrange(24), rng.randrange(0, 60, 5))
        roll = rng.random()
        days = ALL_DAYS if roll < 0.7 else WEEKDAYS_MASK if roll < 0.9 else rng.randrange(1, 128)
        roll = rng.random()
        status = (
            UserStatus.ACTIVE
            if roll < 0.95
            else UserStatus.PAUSED
            if roll < 0.98
            else UserStatus.BLOCKED
        )
        uid = 100_000_000 + i
        yield {
            "telegram_user_id": uid,
            "chat_id": uid,
            "first_name": "Runner",
            "language_code": "en",
            "status": status,
            "onboarding_step": "done",
            "onboarding_answers": {},
            "time_zone": zone,
            "reminder_time": at,
            "reminder_days": days,
            "has_foam_roller": rng.random() < 0.5,
            "level": rng.randint(1, 5),
            "routine_id": "decompression",
            "baseline_pain": rng.randint(0, 6),
            "morning_time": dtime(8, 0),
            "next_reminder_at": next_reminder(
                schedule=Schedule(at, zone, days),
                status=status.value,
                paused_until=None,
                onboarded=True,
                now=now,
            ),
            "created_at": now,
            "updated_at": now,
        }


async def seed_users(database_url: str, count: int, *, now: datetime) -> None:
    db = Database(database_url)
    try:
        rows = runner_rows(count, seed=8, now=now)
        chunk: list[dict[str, Any]] = []
        async with db.write() as session:
            for row in rows:
                chunk.append(row)
                if len(chunk) == 5000:
                    await session.execute(insert(USERS), chunk)
                    chunk = []
            if chunk:
                await session.execute(insert(USERS), chunk)
        # Fold the WAL into the file (no ANALYZE: the bot never runs it either).
        checkpoint(db.url)
    finally:
        await db.dispose()


# --- children: start-up and memory, each contender in a fresh process -------------------


async def per_user_reminder(context: BotContext) -> None:
    """What a per-user job would do when it fires: send the reminder."""
    job = context.job
    assert job is not None
    assert job.chat_id is not None
    await context.bot.send_message(job.chat_id, "Time for your mobility routine")


async def schedule_per_user_jobs(app: BotApplication) -> int:
    """The usual approach: read every runner with a reminder and give each a daily job."""
    db = deps_of(app).db
    assert db is not None
    assert app.job_queue is not None
    async with db.read() as session:
        rows = (
            await session.execute(
                select(
                    User.telegram_user_id,
                    User.chat_id,
                    User.reminder_time,
                    User.time_zone,
                    User.reminder_days,
                ).where(
                    User.status == UserStatus.ACTIVE,
                    User.onboarding_step == "done",
                    User.reminder_time.is_not(None),
                    User.reminder_days != 0,
                )
            )
        ).all()
    job_queue = app.job_queue
    for uid, chat_id, at, zone, days in rows:
        assert at is not None
        job_queue.run_daily(
            per_user_reminder,
            time=at.replace(tzinfo=tzinfo_for(zone or "UTC")),
            days=ptb_days(days),
            name=f"reminder:{uid}",
            chat_id=chat_id,
            user_id=uid,
        )
    return len(rows)


def run_child(kind: str, api_url: str, database_url: str, at: datetime, due: int) -> dict[str, Any]:
    """One contender from a fresh process: time from here (imports done) until the
    application polls and its scheduler runs; peak memory after it has done some work.
    The clock stands at `at`, when `due` runners are due."""
    imports_s = process_age_seconds()
    rss_imports = rss_now_kib()
    phases: dict[str, float] = {}
    t0 = time.perf_counter()
    # The same steps as `python -m bot`: settings, content, migrations before the loop.
    settings = make_settings(
        api_url,
        database_url,
        sweep_interval_seconds=20 if kind == "bot" else 0,
        send_rate_per_second=1000,  # its first sweep, quickly (the stand-in has no limit)
    )
    content = load_content(settings.content_dir)
    phases["settings+content"] = time.perf_counter() - t0
    upgrade_to_head(settings.database_url)
    phases["migrations"] = time.perf_counter() - t0 - sum(phases.values())
    result = asyncio.run(_child_async(kind, settings, content, t0, phases, at, due))
    result.update(
        kind=kind,
        imports_s=imports_s,
        rss_imports_kib=rss_imports,
        peak_rss_kib=peak_rss_kib(),
        phases=phases,
    )
    return result


async def _child_async(
    kind: str,
    settings: Settings,
    content: Content,
    t0: float,
    phases: dict[str, float],
    at: datetime,
    due: int,
) -> dict[str, Any]:
    clock = ManualClock(at)
    app = build_application(settings, content, clock=clock)
    info: dict[str, Any] = {}
    if kind == "jobqueue":
        original = app.post_init
        assert original is not None

        async def post_init_with_jobs(application: BotApplication) -> None:
            await original(application)
            started = time.perf_counter()
            info["jobs_scheduled"] = await schedule_per_user_jobs(application)
            phases["read users + run_daily"] = time.perf_counter() - started

        app.post_init = post_init_with_jobs
    async with polling(app, settings):
        info["startup_s"] = time.perf_counter() - t0
        phases["application up"] = info["startup_s"] - sum(phases.values())
        info["rss_ready_kib"] = rss_now_kib()
        if kind == "bot":
            # Some work before memory is read: the sweep job's first run (a second after
            # start) sends every reminder due at `at`; wait for it.
            db = deps_of(app).db
            assert db is not None
            deadline = time.perf_counter() + 60
            sent = 0
            while sent < due and time.perf_counter() < deadline:
                await asyncio.sleep(0.2)
                async with db.read() as session:
                    sent = (
                        await session.scalar(
                            select(func.count())
                            .select_from(ReminderDelivery)
                            .where(ReminderDelivery.status == DeliveryStatus.SENT)
                        )
                        or 0
                    )
            info["sweep_sent"] = sent
        else:
            assert app.job_queue is not None
            info["jobs_in_scheduler"] = len(app.job_queue.scheduler.get_jobs())
            await asyncio.sleep(1.0)  # the scheduler wakes up and runs whatever is due
    return info


async def spawn_child(
    kind: str, api_url: str, database_url: str, at: datetime, due: int
) -> dict[str, Any]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bench.reminders",
        "--child",
        kind,
        "--api-url",
        api_url,
        "--database-url",
        database_url,
        "--at",
        at.isoformat(),
        "--due",
        str(due),
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
    )
    out, _ = await proc.communicate()
    if proc.returncode != 0:
        raise RuntimeError(f"child {kind} failed with exit code {proc.returncode}")
    result: dict[str, Any] = json.loads(out.decode().strip().splitlines()[-1])
    return result


# --- the stand-in, in a process of its own ----------------------------------------------


async def serve_standin() -> None:
    """Child: the Bot API stand-in, driven by one-line commands on stdin (rate, reset,
    stats, quit), answering one JSON line each on stdout."""
    sends: list[float] = []
    mark = 0

    def on_message(kind: str, message: StoredMessage) -> None:
        if kind == "new" and message.from_bot:
            sends.append(time.monotonic())

    loop = asyncio.get_running_loop()
    async with BotApiStandIn(TOKEN) as standin:
        standin.subscribers.append(on_message)
        print(json.dumps({"url": standin.url}), flush=True)
        while True:
            line = (await loop.run_in_executor(None, sys.stdin.readline)).strip()
            command, _, arg = line.partition(" ")
            answer: dict[str, Any] = {"ok": True}
            if command in ("", "quit"):
                print(json.dumps(answer), flush=True)
                return
            if command == "rate":
                standin.rate_limit_per_second = None if arg == "none" else float(arg)
            elif command == "reset":
                sends.clear()
                standin.messages.clear()
                standin.calls.clear()
                mark = 0
            elif command == "stats":
                calls = standin.calls[mark:]
                answer.update(
                    sent=len(sends),
                    after_first_second=sum(1 for t in sends if sends and t > sends[0] + 1.0),
                    first=sends[0] if sends else None,
                    last=sends[-1] if sends else None,
                    gaps=sorted((b - a for a, b in itertools.pairwise(sends)), reverse=True)[:3],
                    too_many=sum(
                        1
                        for name, params in calls
                        if name == "sendMessage" and params.get("_error") == 429
                    ),
                    other_errors=sum(
                        1
                        for name, params in calls
                        if name == "sendMessage" and params.get("_error") not in (None, 429)
                    ),
                )
            print(json.dumps(answer), flush=True)


class StandInProcess:
    def __init__(self) -> None:
        self.proc: asyncio.subprocess.Process | None = None
        self.url = ""

    async def __aenter__(self) -> StandInProcess:
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bench.reminders",
            "--child",
            "standin",
            cwd=ROOT,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )
        assert self.proc.stdout is not None
        self.url = json.loads(await self.proc.stdout.readline())["url"]
        return self

    async def command(self, line: str) -> dict[str, Any]:
        assert self.proc is not None
        assert self.proc.stdin is not None
        assert self.proc.stdout is not None
        self.proc.stdin.write(f"{line}\n".encode())
        await self.proc.stdin.drain()
        answer: dict[str, Any] = json.loads(await self.proc.stdout.readline())
        return answer

    async def __aexit__(self, *exc: object) -> None:
        if self.proc is None:
            return
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.command("quit"), 5)
        try:
            await asyncio.wait_for(self.proc.wait(), 5)
        except TimeoutError:
            self.proc.kill()
            await self.proc.wait()


# --- the due-users query ----------------------------------------------------------------


@dataclass
class StatementTimer:
    """Times every statement an engine runs (in the driver's thread, so without the hop
    back to the event loop)."""

    records: list[tuple[str, Any, float]] = field(default_factory=list)
    _started: float = 0.0

    def install(self, db: Database) -> None:
        engine = db.engine.sync_engine

        @event.listens_for(engine, "before_cursor_execute")
        def _before(conn: Connection, cursor: Any, sql: str, params: Any, *_: Any) -> None:
            self._started = time.perf_counter()

        @event.listens_for(engine, "after_cursor_execute")
        def _after(conn: Connection, cursor: Any, sql: str, params: Any, *_: Any) -> None:
            self.records.append((sql, params, time.perf_counter() - self._started))


@dataclass
class QueryFigures:
    due: int
    claim_ms: float
    select_ms: float
    statements: int
    raw_select_ms: float
    plan: list[str]
    sql: str


def _is_due_select(sql: str) -> bool:
    flat = " ".join(sql.split())
    return flat.startswith("SELECT") and "FROM users WHERE users.next_reminder_at" in flat


async def time_claim(
    database_url: str, pristine: Path, content: Content, now: datetime
) -> QueryFigures:
    """One real claim_due at `now`, statement by statement, on a scratch copy (it writes);
    then its due-users SELECT again, straight through sqlite3 on the `pristine` file."""
    db = Database(database_url)
    timer = StatementTimer()
    timer.install(db)
    config = SweepConfig(grace=timedelta(hours=24))
    try:
        warm_up = now - timedelta(days=1)
        await claim_due(
            Env(db, content, SystemClock()), now=warm_up, config=config, result=SweepResult()
        )
        timer.records.clear()  # the first call warmed up connections and statement caches
        started = time.perf_counter()
        claimed, _ = await claim_due(
            Env(db, content, SystemClock()), now=now, config=config, result=SweepResult()
        )
        claim_ms = (time.perf_counter() - started) * 1000
    finally:
        await db.dispose()
    due = [r for r in timer.records if _is_due_select(r[0])]
    assert due, "the due-users SELECT was not seen"
    sql, params, seconds = due[0]
    with contextlib.closing(sqlite3.connect(pristine)) as conn:
        plan = [str(row[-1]) for row in conn.execute(f"EXPLAIN QUERY PLAN {sql}", params)]
        runs = []
        for _ in range(21):
            started = time.perf_counter()
            conn.execute(sql, params).fetchall()
            runs.append(time.perf_counter() - started)
    return QueryFigures(
        due=len(claimed),
        claim_ms=claim_ms,
        select_ms=seconds * 1000,
        statements=len(timer.records),
        raw_select_ms=statistics.median(runs) * 1000,
        plan=plan,
        sql=" ".join(sql.split()),
    )


# --- delivery rate ----------------------------------------------------------------------


async def nth_due(database_url: str, n: int) -> datetime:
    """The reminder time of the n-th runner due (or of the last one, when fewer)."""
    db = Database(database_url)
    try:
        async with db.read() as session:
            due = select(User.next_reminder_at).where(User.next_reminder_at.is_not(None))
            found = await session.scalar(due.order_by(User.next_reminder_at).offset(n - 1).limit(1))
            if found is None:
                found = await session.scalar(select(func.max(User.next_reminder_at)))
    finally:
        await db.dispose()
    if found is None:
        raise RuntimeError("no runner has a reminder")
    return found


async def count_due(database_url: str, now: datetime) -> int:
    db = Database(database_url)
    try:
        async with db.read() as session:
            count = await session.scalar(
                select(func.count()).select_from(User).where(User.next_reminder_at <= now)
            )
    finally:
        await db.dispose()
    return count or 0


@dataclass
class Phases(FunctionTimers):
    """Where a sweep's time goes: the real functions of bot.sender, wrapped in timers
    for the length of one measurement (they call the originals; nothing else changes)."""

    MODULE = "bot.sender"
    NAMES = ("claim_due", "_send_one", "settle")

    def describe(self, name: str, label: str) -> str:
        values = sorted(self.seconds.get(name, []))
        if not values:
            return f"{label}: -"
        p50 = values[len(values) // 2] * 1000
        p99 = values[min(len(values) - 1, int(len(values) * 0.99))] * 1000
        return f"{label} x{len(values)}: p50 {p50:.1f} ms, p99 {p99:.1f} ms"


def process_cpu_seconds(pid: int | None = None) -> float:
    """User + system CPU of a process (all its threads), from /proc."""
    with open(f"/proc/{pid or 'self'}/stat", encoding="utf-8") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class DeliveryFigures:
    allowed: float
    due: int
    accepted: int
    too_many: int
    other_errors: int
    rate: float
    wall_s: float
    span_s: float
    gaps: list[float]
    cpu_bot: float  # share of one core, over the wall time
    cpu_standin: float
    result: SweepResult | None = None
    phases: Phases | None = None


async def _delivery_stats(
    standin: StandInProcess, allowed: float, due: int, wall: float, cpu: tuple[float, float]
) -> DeliveryFigures:
    stats = await standin.command("stats")
    assert standin.proc is not None
    cpu_bot = (process_cpu_seconds() - cpu[0]) / wall
    cpu_standin = (process_cpu_seconds(standin.proc.pid) - cpu[1]) / wall
    span = (stats["last"] - stats["first"]) if stats["sent"] > 1 else 0.0
    # The stand-in's bucket (like Telegram's) lets a one-second burst through at the start:
    # the rate is counted after it, when the run is long enough.
    if span > 3.0:
        rate = stats["after_first_second"] / (span - 1.0)
    else:
        rate = (stats["sent"] - 1) / span if span > 0 else 0.0
    return DeliveryFigures(
        allowed=allowed,
        due=due,
        accepted=stats["sent"],
        too_many=stats["too_many"],
        other_errors=stats["other_errors"],
        rate=rate,
        wall_s=wall,
        span_s=span,
        gaps=stats["gaps"],
        cpu_bot=cpu_bot,
        cpu_standin=cpu_standin,
    )


@contextlib.asynccontextmanager
async def bot_against(
    standin: StandInProcess, database_url: str, content: Content, *, allowed: float, now: datetime
) -> AsyncIterator[BotApplication]:
    """The real application, polling the stand-in, which now limits to `allowed`/s."""
    settings = make_settings(
        standin.url,
        database_url,
        sweep_interval_seconds=0,  # the sweep runs once, where the caller says
        send_rate_per_second=allowed,
        reminder_grace_minutes=24 * 60,  # the window of due runners may be long
    )
    app = build_application(settings, content, clock=ManualClock(now))
    async with polling(app, settings):
        await standin.command(f"rate {allowed}")
        await asyncio.sleep(1.1)  # the stand-in's bucket refills after the start-up calls
        await standin.command("reset")
        try:
            yield app
        finally:
            await standin.command("rate none")


async def measure_delivery(
    standin: StandInProcess,
    database_url: str,
    content: Content,
    *,
    allowed: float,
    due: int,
    profile: Path | None,
) -> DeliveryFigures:
    """The real sweep sends `due` reminders through the real application at
    SEND_RATE_PER_SECOND = allowed, to a stand-in that answers 429 above `allowed`."""
    now = await nth_due(database_url, due)
    async with bot_against(standin, database_url, content, allowed=allowed, now=now) as app:
        deps = deps_of(app)
        assert deps.db is not None
        config = sweep_config(deps.settings)
        phases = Phases()
        assert standin.proc is not None
        cpu = (process_cpu_seconds(), process_cpu_seconds(standin.proc.pid))
        started = time.perf_counter()
        with phases.installed():
            if profile is None:
                result = await sweep(
                    app.bot, Env(deps.db, content, deps.clock), now=now, config=config
                )
            else:
                import cProfile

                with cProfile.Profile() as profiler:
                    result = await sweep(
                        app.bot, Env(deps.db, content, deps.clock), now=now, config=config
                    )
                profiler.dump_stats(profile)
        wall = time.perf_counter() - started
        figures = await _delivery_stats(standin, allowed, result.claimed, wall, cpu)
    figures.result, figures.phases = result, phases
    return figures


async def measure_send_only(
    standin: StandInProcess, database_url: str, content: Content, *, allowed: float, count: int
) -> DeliveryFigures:
    """The reference for the sweep: the same application's bot.send_message, paced and
    bounded the way the sweep sends (bot.sender._Sender: one AsyncLimiter, 16 at a time),
    with no database work at all: how fast one process can talk to the Bot API on this machine."""
    from aiolimiter import AsyncLimiter

    async with bot_against(standin, database_url, content, allowed=allowed, now=SEED_NOW) as app:
        config = sweep_config(deps_of(app).settings)
        limiter = AsyncLimiter(config.send_rate_per_second, 1)
        gate = asyncio.Semaphore(config.concurrency)
        text = "Time for your routine: Decompression, level 3. 3 steps, about 6 minutes."

        async def one(chat_id: int) -> None:
            async with gate:
                await limiter.acquire()
                await app.bot.send_message(chat_id, text)

        assert standin.proc is not None
        cpu = (process_cpu_seconds(), process_cpu_seconds(standin.proc.pid))
        started = time.perf_counter()
        await asyncio.gather(*(one(900_000_000 + i) for i in range(count)))
        wall = time.perf_counter() - started
        return await _delivery_stats(standin, allowed, count, wall, cpu)


# --- the run ----------------------------------------------------------------------------


async def timed(label: str, work: Awaitable[Any]) -> Any:
    print(f"  {label} ...", end="", flush=True)
    started = time.perf_counter()
    value = await work
    print(f" {time.perf_counter() - started:.1f} s", flush=True)
    return value


async def run(args: argparse.Namespace) -> int:
    began = time.perf_counter()
    print("bench/reminders.py: the reminder schedule at scale (issue 8, item 2)")
    for name, value in machine_info():
        print(f"  {name:<9} {value}")
    content = load_content()
    rates = [float(r) for r in args.rates.split(",") if r.strip()]
    with tempfile.TemporaryDirectory(prefix="bench-reminders-") as tmp:
        path = Path(tmp) / "bench.db"
        url = f"sqlite+aiosqlite:///{path}"
        print(f"\nsetting up: {args.users:,} runners in {len(ZONES)} zones, SQLite WAL at {path}")
        await timed("migrations", asyncio.to_thread(upgrade_to_head, url))
        await timed(f"seeding {args.users:,} runners", seed_users(url, args.users, now=SEED_NOW))
        print(f"  database file: {path.stat().st_size / 1024 / 1024:.1f} MiB")

        async with StandInProcess() as standin:
            print("\nstart-up and memory, each in a fresh process (stand-in in its own):")
            first = await nth_due(url, 1)
            due_then = await count_due(url, first)
            bot = await timed(
                "bot (one sweep job)", spawn_child("bot", standin.url, url, first, due_then)
            )
            base = await timed(
                "baseline (JobQueue.run_daily per runner)",
                spawn_child("jobqueue", standin.url, url, first, due_then),
            )
            for child in (bot, base):
                phases = ", ".join(f"{k} {v:.2f} s" for k, v in child["phases"].items())
                print(f"  {child['kind']:<9} {phases}")
            print(
                f"  bot: started at {first:%H:%M} UTC, its sweep job sent the {due_then} "
                f"reminders due then ({bot['sweep_sent']} sent) before memory was read; "
                f"baseline: {base['jobs_in_scheduler']:,} jobs in the scheduler, memory read "
                "a second after start"
            )

            print("\nthe due-users query (real claim_due, on a scratch copy of the database):")
            scratch = Path(tmp) / "scratch.db"
            shutil.copyfile(path, scratch)
            scratch_url = f"sqlite+aiosqlite:///{scratch}"
            # The bot's sweep above sent the first minute: the next minute with runners due.
            minute = await nth_due(url, 1)
            due_now = await count_due(url, minute)
            claim = await time_claim(scratch_url, path, content, minute)
            scratch.unlink()
            print(f"  SQL:  {claim.sql}")
            for line in claim.plan:
                print(f"  plan: {line}")
            print(
                f"  at {minute:%H:%M} UTC, {due_now} runners due: claim_due claimed {claim.due} "
                f"(one batch) in {claim.claim_ms:.1f} ms, {claim.statements} statements, "
                f"{claim.claim_ms / max(claim.due, 1):.2f} ms per runner"
            )
            print(
                f"  its due-users SELECT: {claim.select_ms:.2f} ms in the driver, "
                f"{claim.raw_select_ms:.2f} ms again straight through sqlite3 (median of 21)"
            )

            print(
                "\ndelivery rate: the real sweep through the real application; the stand-in,"
                "\nin its own process, answers 429 above the allowed rate and counts what it"
                "\naccepted: rate = sendMessage accepted after the first second (the bucket's"
                "\nburst) over the time from then to the last one:"
            )
            deliveries: list[tuple[DeliveryFigures, DeliveryFigures | None]] = []
            for allowed in rates:
                due = max(2, min(round(allowed * args.deliver_seconds), args.max_due))
                profile = Path(args.profile) if args.profile and allowed == max(rates) else None
                d = await timed(
                    f"{allowed:g}/s allowed, SEND_RATE_PER_SECOND={allowed:g}, ~{due:,} due",
                    measure_delivery(
                        standin, url, content, allowed=allowed, due=due, profile=profile
                    ),
                )
                assert d.result is not None
                assert d.phases is not None
                r = d.result
                print(
                    f"    accepted {d.accepted:,} in {d.span_s:.2f} s = {d.rate:.1f}/s "
                    f"({d.rate / allowed:.1%} of allowed); 429s {d.too_many}, other errors "
                    f"{d.other_errors}\n"
                    f"    sweep: claimed {r.claimed}, sent {r.sent}, retry later "
                    f"{r.retry_later}, failed {r.failed}, wall {d.wall_s:.2f} s; CPU: bot "
                    f"process {d.cpu_bot:.0%} of a core, stand-in {d.cpu_standin:.0%}\n"
                    "    longest pauses between accepted sends: "
                    + ", ".join(f"{g * 1000:.0f} ms" for g in d.gaps)
                )
                for name, label in (
                    ("claim_due", "claim_due"),
                    ("_send_one", "send (+retries)"),
                    ("settle", "settle (a write of many)"),
                ):
                    print(f"    {d.phases.describe(name, label)}")
                reference = None
                if allowed > 100:
                    reference = await timed(
                        f"reference: send_message alone, no database, {due:,} at {allowed:g}/s",
                        measure_send_only(standin, url, content, allowed=allowed, count=due),
                    )
                    print(
                        f"    accepted {reference.accepted:,} in {reference.span_s:.2f} s = "
                        f"{reference.rate:.1f}/s ({reference.rate / allowed:.1%}); 429s "
                        f"{reference.too_many}; CPU: bot process {reference.cpu_bot:.0%} of a "
                        f"core, stand-in {reference.cpu_standin:.0%}"
                    )
                deliveries.append((d, reference))

    startup_ratio = base["startup_s"] / bot["startup_s"]
    memory_ratio = base["peak_rss_kib"] / bot["peak_rss_kib"]
    delta_bot = bot["peak_rss_kib"] - bot["rss_imports_kib"]
    delta_base = base["peak_rss_kib"] - base["rss_imports_kib"]
    print("\nsummary")
    rows: list[tuple[str, str, str, str]] = [
        ("runners in the database", f"{args.users:,}", "", ""),
        ("bot start-up (after imports)", f"{bot['startup_s']:.2f} s", "", ""),
        ("baseline start-up (after imports)", f"{base['startup_s']:.2f} s", "", ""),
        (
            "start-up ratio baseline/bot",
            f"{startup_ratio:.1f}x",
            f">= {TARGET_STARTUP_RATIO:g}x",
            verdict(startup_ratio >= TARGET_STARTUP_RATIO),
        ),
        ("imports (either, not in the above)", f"{bot['imports_s']:.2f} s", "", ""),
        ("bot peak RSS", mib(bot["peak_rss_kib"]), "", ""),
        ("baseline peak RSS", mib(base["peak_rss_kib"]), "", ""),
        (
            "memory ratio baseline/bot (peak RSS)",
            f"{memory_ratio:.1f}x",
            f">= {TARGET_MEMORY_RATIO:g}x",
            verdict(memory_ratio >= TARGET_MEMORY_RATIO),
        ),
        (
            "  over imports: bot / baseline",
            f"{mib(delta_bot)} / {mib(delta_base)} = {delta_base / max(delta_bot, 1):.0f}x",
            "",
            "",
        ),
        (
            f"due-users SELECT ({due_now} due)",
            f"{claim.select_ms:.2f} ms",
            "",
            "",
        ),
        ("claim_due, one batch", f"{claim.claim_ms:.1f} ms ({claim.due} claimed)", "", ""),
    ]
    for d, reference in deliveries:
        share = d.rate / d.allowed
        rows.append(
            (
                f"delivery at {d.allowed:g}/s allowed",
                f"{d.rate:.1f}/s = {share:.1%} ({d.too_many} x 429)",
                f">= {TARGET_RATE_SHARE:.0%}",
                verdict(share >= TARGET_RATE_SHARE),
            )
        )
        if reference is not None:
            rows.append(
                (
                    "  reference: send_message alone",
                    f"{reference.rate:.1f}/s = {reference.rate / reference.allowed:.1%}; "
                    f"sweep/reference {d.rate / max(reference.rate, 1e-9):.2f}",
                    "",
                    "",
                )
            )
    print_table(rows)
    print(f"total wall time {time.perf_counter() - began:.0f} s")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("--users", type=int, default=100_000, help="runners in the database")
    parser.add_argument(
        "--rates", default="30,1000", help="allowed rates of the stand-in, comma-separated"
    )
    parser.add_argument(
        "--deliver-seconds",
        type=float,
        default=12.0,
        help="due runners per delivery run = allowed rate x this (at most --max-due)",
    )
    parser.add_argument("--max-due", type=int, default=5000, help="cap on due runners per run")
    parser.add_argument("--profile", help="write a cProfile of the highest-rate delivery run here")
    parser.add_argument("--child", choices=["bot", "jobqueue", "standin"], help=argparse.SUPPRESS)
    parser.add_argument("--api-url", help=argparse.SUPPRESS)
    parser.add_argument("--database-url", help=argparse.SUPPRESS)
    parser.add_argument("--at", help=argparse.SUPPRESS)
    parser.add_argument("--due", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child == "standin":
        asyncio.run(serve_standin())
        return 0
    if args.child is not None:
        at = datetime.fromisoformat(args.at)
        result = run_child(args.child, args.api_url, args.database_url, at, args.due)
        print(json.dumps(result), flush=True)
        return 0
    return asyncio.run(run(args))


if __name__ == "__main__":
    sys.exit(main())
