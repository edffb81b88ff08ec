"""The reminder schedule at scale (issue 8, item 2).

    python3 -m bench.reminders                    # 100,000 runners, about 3 minutes
    python3 -m bench.reminders --users 5000 --deliver-seconds 3 --rounds 1   # a smoke run
    python3 -m bench.reminders --users 1000000 --jobqueue-max-users 200000   # at scale

One SQLite database (real migrations and models) with ``--users`` runners in 15 zones,
reminders spread over the day, a few paused, blocked or on weekdays only; and, for each
measurement, a group of runners due at a minute of its own, before all of the others. The
runners due in a delivery have ``--history-days`` days of use behind them (those of the
claim, 120; and up to ``--joined-over`` - 1 days more: by default they joined over four
weeks, as a steady population does) and used the bot yesterday, so their first reminder
today runs the rules' daily jobs, which read their history, as it does for every runner
who uses the bot daily:

* start-up and peak memory of the bot (``build_application`` + ``polling``: one sweep job,
  whose first run sends the group due at start) against the usual approach, the same
  application with one ``JobQueue.run_daily`` job per runner read from the database. Each
  runs in a fresh process (after the same imports), the stand-in in one of its own;
* delivery: the real sweep (``bot.sender.sweep``, SEND_RATE_PER_SECOND = the allowed
  rate) sends ``allowed x --deliver-seconds`` reminders to the Bot API stand-in, which
  answers 429 above 30/s, then 1,000/s; against a bare ``send_message`` loop of the same
  application, paced and bounded the way the sweep sends, with no database; ``--rounds``
  times, A B A B. The stand-in counts: sendMessage accepted after the first second (its
  bucket's burst) over the time from then to the last one;
* the ceiling: the fastest a bare sender (no database) pushes messages through the same
  stand-in on this machine when it allows 1,000/s: the bare loop at several numbers of
  sends at once (``--ceiling-concurrency``, PTB's pool holds 256 connections), the best
  of them; the sweep's target at a rate the ceiling caps is a share of it;
* claim: the real ``claim_due`` on a group of one batch, statement by statement: its cost
  per runner, and its due-runners SELECT with SQLite's plan for it (and PostgreSQL's, with
  ``--postgres URL``: the same runners seeded there, EXPLAIN ANALYZE). The SELECT is judged
  in the driver (execute and fetch) on both; the time with the ORM's runner objects, as the
  claim builds them, is shown beside it;
* with ``--postgres URL``, ``--processes`` (2) sender processes sweep that database at
  once at the top rate, each its own application: their rate against the same ceiling,
  and each due runner's reminder sent exactly once (the stand-in counts the chats).

With more runners than ``--jobqueue-max-users`` the per-runner-job baseline is not run (it
does not fit in memory on a small machine); the bot's own figures still are.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import os
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from aiolimiter import AsyncLimiter
from sqlalchemy import event, func, select, text

from bench.harness import (
    TOKEN,
    Child,
    Row,
    alternate,
    child,
    cpu_seconds,
    machine_info,
    percentile,
    print_summary,
    ratio,
    reply,
    run,
    timed,
)
from bench.seed import ZONES, Runners, seed
from bot import keyboards
from bot.app import build_application, polling, sweep_config
from bot.clock import ManualClock, SystemClock
from bot.config import Settings
from bot.content import load_languages
from bot.context import BotApplication, BotContext, deps_of
from bot.db.engine import Database
from bot.db.migrate import upgrade_to_head
from bot.db.models import ReminderDelivery, User
from bot.devtools.standin import BotApiStandIn, StoredMessage
from bot.domain.enums import DeliveryStatus, UserStatus
from bot.domain.zones import tzinfo_for
from bot.sender import SweepConfig, claim_due, sweep
from bot.services.progression import HISTORY_DAYS
from bot.services.reminders import SweepResult
from bot.services.unit import Env

# A Monday morning in winter (northern DST off, southern DST on): every offset kind is live.
SEED_NOW = datetime(2026, 1, 12, 0, 0, tzinfo=UTC)
STARTUP_DUE = 100
TARGET_STARTUP_RATIO, TARGET_MEMORY_RATIO, TARGET_RATE_SHARE = 10.0, 3.0, 0.95
# The ratios to one run_daily job per runner are judged at the scale: with a few
# thousand runners the baseline is small too, and a smoke run would print a MISS.
RATIO_JUDGED_FROM = 100_000
TARGET_CEILING_SHARE = 0.8  # of the bare sender's ceiling, where that caps the rate
TARGET_STARTUP_S, TARGET_PEAK_MIB, TARGET_DUE_SELECT_MS = 1.0, 200, 5.0


def settings(api_url: str, database_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = dict(
        telegram_bot_token=TOKEN, telegram_api_url=api_url, database_url=database_url,
        polling_timeout=1, log_level="WARNING", _env_file=None,
    )  # fmt: skip
    return Settings(**{**values, **overrides})


def kib(name: str) -> int:
    """VmRSS or VmHWM (peak) of this process, KiB."""
    with open("/proc/self/status", encoding="utf-8") as f:
        return next((int(line.split()[1]) for line in f if line.startswith(name)), 0)


def process_age() -> float:
    """Seconds since this process started (interpreter start-up and imports so far)."""
    stat, uptime = Path("/proc/self/stat").read_text(), Path("/proc/uptime").read_text()
    started = int(stat.rsplit(")", 1)[1].split()[19]) / os.sysconf("SC_CLK_TCK")
    return float(uptime.split()[0]) - started


# --- start-up and memory: children, each contender in a fresh process ---------------------


async def per_runner_reminder(context: BotContext) -> None:
    """What a per-runner job does when it fires: send the reminder."""
    assert context.job is not None
    assert context.job.chat_id is not None
    await context.bot.send_message(context.job.chat_id, "Time for your mobility routine")


async def schedule_per_runner_jobs(app: BotApplication) -> int:
    """The usual approach: read every runner with a reminder and give each a daily job."""
    db, job_queue = deps_of(app).db, app.job_queue
    assert db is not None
    assert job_queue is not None
    async with db.read() as tx:
        rows = await tx.execute(
            select(User.telegram_user_id, User.chat_id, User.reminder_time, User.time_zone,
                   User.reminder_days)
            .where(User.status == UserStatus.ACTIVE, User.reminder_time.is_not(None),
                   User.reminder_days != 0)
        )  # fmt: skip
        runners = rows.all()
    for uid, chat_id, at, zone, days in runners:
        assert at is not None
        job_queue.run_daily(
            per_runner_reminder,
            time=at.replace(tzinfo=tzinfo_for(zone or "UTC")),
            days=tuple(sorted((d + 1) % 7 for d in range(7) if days >> d & 1)),  # 0 is Sunday
            name=f"reminder:{uid}",
            chat_id=chat_id,
            user_id=uid,
        )
    return len(runners)


async def start_up(kind: str, api_url: str, database_url: str, at: str, due: str) -> int:
    """Child: the time from here (imports done) until the application polls and its
    scheduler runs, the steps of `python -m bot`; peak memory once it has done some work.
    The clock stands at ``at``, when ``due`` runners are due."""
    imports_s = process_age()
    rss_imports, phases, t0 = kib("VmRSS"), {}, time.perf_counter()
    config = settings(
        api_url,
        database_url,
        sweep_interval_seconds=20 if kind == "bot" else 0,
        send_rate_per_second=1000,  # its first sweep, quickly (the stand-in has no limit)
    )
    content = load_languages(config.content_dir)
    phases["settings+content"] = time.perf_counter() - t0
    await asyncio.to_thread(upgrade_to_head, database_url)
    phases["migrations"] = time.perf_counter() - t0 - sum(phases.values())
    app = build_application(config, content, clock=ManualClock(datetime.fromisoformat(at)))
    info: dict[str, Any] = {"kind": kind, "imports_s": imports_s, "rss_imports_kib": rss_imports}
    if kind == "jobqueue":
        post_init = app.post_init
        assert post_init is not None

        async def post_init_with_jobs(application: BotApplication) -> None:
            await post_init(application)
            started = time.perf_counter()
            info["jobs"] = await schedule_per_runner_jobs(application)
            phases["read runners + run_daily"] = time.perf_counter() - started

        app.post_init = post_init_with_jobs
    async with polling(app, config):
        info["startup_s"] = time.perf_counter() - t0
        phases["application up"] = info["startup_s"] - sum(phases.values())
        db = deps_of(app).db
        assert db is not None
        deadline, sent = time.perf_counter() + 60, 0
        while kind == "bot" and sent < int(due) and time.perf_counter() < deadline:
            await asyncio.sleep(0.2)  # the sweep job's first run, a second after start
            async with db.read() as tx:
                sent = await tx.scalar(
                    select(func.count())
                    .select_from(ReminderDelivery)
                    .where(ReminderDelivery.status == DeliveryStatus.SENT)
                ) or 0  # fmt: skip
        if kind == "jobqueue":
            await asyncio.sleep(1.0)  # the scheduler wakes up and runs whatever is due
        info["sent"] = sent
    reply({**info, "peak_rss_kib": kib("VmHWM"), "phases": phases})
    return 0


async def sweeper(api_url: str, database_url: str, rate: str, at: str) -> int:
    """Child: one sender process of several sharing one PostgreSQL database. Starts the
    application (clock at ``at``), answers {"ready"}, then on "go" runs one sweep and
    answers what it claimed and sent, its wall and CPU time; exits on "quit"."""
    loop, now = asyncio.get_running_loop(), datetime.fromisoformat(at)
    async with application(api_url, database_url, float(rate), now) as (app, env):
        config = sweep_config(deps_of(app).settings)
        reply({"ready": True})
        await loop.run_in_executor(None, sys.stdin.readline)  # "go"
        cpu, started = cpu_seconds(), time.perf_counter()
        result = await sweep(app.bot, env, now=now, config=config)
        reply(
            {
                "claimed": result.claimed,
                "sent": result.sent,
                "wall": time.perf_counter() - started,
                "cpu": cpu_seconds() - cpu,
            }
        )
        await loop.run_in_executor(None, sys.stdin.readline)  # "quit"
    return 0


async def deliver_from_processes(
    standin: StandIn, url: str, allowed: float, at: datetime, processes: int
) -> tuple[Delivery, int]:
    """``processes`` sender processes sweep the same database at once (PostgreSQL): the
    stand-in's figures, and how many chats got more than one message (must be 0)."""
    async with contextlib.AsyncExitStack() as stack:
        argv = ("--child", "sweeper", standin.url, url, str(allowed), at.isoformat())
        senders = [
            await stack.enter_async_context(child("bench.reminders", *argv))
            for _ in range(processes)
        ]
        for sender in senders:
            await sender.answer()  # ready
        async with allowing(standin, allowed):
            cpu_standin, started = standin.child.cpu, time.perf_counter()
            answers = await asyncio.gather(*(sender.ask("go") for sender in senders))
            wall = time.perf_counter() - started
            stats = await standin.child.ask("stats")
        for sender in senders:
            assert sender.proc.stdin is not None
            sender.proc.stdin.write(b"quit\n")
            await sender.proc.stdin.drain()
    cpu = sum(float(a["cpu"]) for a in answers) / wall
    delivery = Delivery(allowed, stats, wall, cpu, (standin.child.cpu - cpu_standin) / wall)
    delivery.result = SweepResult(
        claimed=sum(int(a["claimed"]) for a in answers), sent=sum(int(a["sent"]) for a in answers)
    )
    return delivery, int(stats["sent"]) - int(stats["chats"])


# --- the stand-in, in a process of its own ------------------------------------------------


async def serve_standin() -> int:
    """Child: the Bot API stand-in, driven by one-line commands on stdin (rate R|none, latency S,
    reset, stats, quit), one JSON line of answer each."""
    sends: list[float] = []
    chats: set[int] = set()  # every chat a message went to: a reminder sent twice shows here

    def on_message(kind: str, message: StoredMessage) -> None:
        if kind == "new" and message.from_bot:
            sends.append(time.monotonic())
            chats.add(message.chat_id)

    loop = asyncio.get_running_loop()
    async with BotApiStandIn(TOKEN) as standin:
        standin.every_chat_open = True  # the runners are seeded straight into the database
        standin.lift_flood_limits()  # no limit but the one "rate R" sets, as before
        standin.subscribers.append(on_message)
        reply({"url": standin.url})
        while True:
            line = await loop.run_in_executor(None, sys.stdin.readline)
            command, _, arg = line.strip().partition(" ")
            answer: dict[str, Any] = {}
            if command == "rate":
                standin.rate_limit_per_second = None if arg == "none" else float(arg)
            elif command == "latency":
                standin.latency_seconds = float(arg)
            elif command == "reset":
                sends.clear()
                chats.clear()
                standin.messages.clear()
                standin.calls.clear()
            elif command == "stats":
                errors = [p.get("_error") for name, p in standin.calls if name == "sendMessage"]
                answer = {
                    "sent": len(sends),
                    "chats": len(chats),
                    "after_first_second": sum(1 for t in sends if t > sends[0] + 1.0),
                    "span": sends[-1] - sends[0] if sends else 0.0,
                    "gaps": sorted(map(lambda a, b: b - a, sends, sends[1:]), reverse=True)[:3],
                    "too_many": errors.count(429),
                    "other_errors": sum(1 for e in errors if e not in (None, 429)),
                }
            elif command in ("", "quit"):  # "": stdin closed
                return 0
            reply(answer)


# --- delivery -----------------------------------------------------------------------------


@dataclass
class StandIn:
    child: Child
    url: str


@dataclass
class Delivery:
    allowed: float
    stats: dict[str, Any]
    wall: float
    cpu_bot: float  # share of one core over the wall time
    cpu_standin: float
    result: SweepResult | None = None
    phases: dict[str, list[float]] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        """After the stand-in's one-second burst when the run is long enough."""
        sent, span = int(self.stats["sent"]), float(self.stats["span"])
        if span > 3.0:
            return int(self.stats["after_first_second"]) / (span - 1.0)
        return (sent - 1) / span if span > 0 else 0.0

    def line(self) -> str:
        s = self.stats
        gaps = ", ".join(f"{g * 1000:.0f}" for g in s["gaps"])
        return (
            f"accepted {s['sent']:,} in {s['span']:.2f} s = {self.rate:.1f}/s "
            f"({self.rate / self.allowed:.1%} of allowed); 429s {s['too_many']}, other errors "
            f"{s['other_errors']}; CPU: bot {self.cpu_bot:.0%} of a core, stand-in "
            f"{self.cpu_standin:.0%}; longest pauses {gaps} ms"
        )


@contextlib.asynccontextmanager
async def application(
    api_url: str, url: str, allowed: float, now: datetime
) -> AsyncIterator[tuple[BotApplication, Env]]:
    """The real application polling the stand-in at ``api_url``, sending at most
    ``allowed``/s, its clock at ``now``."""
    config = settings(api_url, url, sweep_interval_seconds=0, send_rate_per_second=allowed)
    app = build_application(config, load_languages(), clock=ManualClock(now))
    async with polling(app, config):
        deps = deps_of(app)
        assert deps.db is not None
        yield app, Env(deps.db, deps.content, deps.clock)


@contextlib.asynccontextmanager
async def allowing(standin: StandIn, allowed: float) -> AsyncIterator[None]:
    """The stand-in allows ``allowed``/s, its bucket refilled after the start-up calls and
    its counts reset; no limit again afterwards."""
    await standin.child.ask(f"rate {allowed}")
    await asyncio.sleep(1.1)
    await standin.child.ask("reset")
    try:
        yield
    finally:
        await standin.child.ask("rate none")


@contextlib.asynccontextmanager
async def against(
    standin: StandIn, url: str, allowed: float, now: datetime
) -> AsyncIterator[tuple[BotApplication, Env]]:
    """The real application polling the stand-in, which now allows ``allowed``/s."""
    async with (
        application(standin.url, url, allowed, now) as (app, env),
        allowing(standin, allowed),
    ):
        yield app, env


async def measured(standin: StandIn, allowed: float, work: Awaitable[Any]) -> Delivery:
    cpu = (cpu_seconds(), standin.child.cpu)
    started = time.perf_counter()
    result = await work
    wall = time.perf_counter() - started
    cpu = ((cpu_seconds() - cpu[0]) / wall, (standin.child.cpu - cpu[1]) / wall)
    delivery = Delivery(allowed, await standin.child.ask("stats"), wall, *cpu)
    delivery.result = result if isinstance(result, SweepResult) else None
    return delivery


async def deliver(standin: StandIn, url: str, allowed: float, now: datetime) -> Delivery:
    """The real sweep sends what is due at ``now`` at SEND_RATE_PER_SECOND = allowed."""
    async with against(standin, url, allowed, now) as (app, env):
        config = sweep_config(deps_of(app).settings)
        with timed("bot.sender", "claim_due", "_send_one", "settle") as phases:
            delivery = await measured(standin, allowed, sweep(app.bot, env, now=now, config=config))
        delivery.phases = phases
        return delivery


async def bare_send_loop(
    standin: StandIn, url: str, allowed: float, count: int, in_flight: int | None = None
) -> Delivery:
    """The reference: the same application's bot.send_message, paced and bounded the way
    the sweep sends (one send every 1/rate s, at most `in_flight` at once, by default the
    sweep's), no database."""
    async with against(standin, url, allowed, SEED_NOW) as (app, env):
        config = sweep_config(deps_of(app).settings)
        limiter = AsyncLimiter(1, 1 / config.send_rate_per_second)
        gate = asyncio.Semaphore(in_flight or config.concurrency)
        text = "Time for your routine: Decompression, level 3. 3 steps, about 6 minutes."
        # the reminder's own buttons (Start, Snooze, Skip today), built once
        markup = keyboards.reminder(env.texts, 1, snooze=True)

        async def one(chat_id: int) -> None:
            async with gate:
                await limiter.acquire()
                await app.bot.send_message(chat_id, text, reply_markup=markup)

        sends = asyncio.gather(*(one(900_000_000 + i) for i in range(count)))
        return await measured(standin, allowed, sends)


# --- claim --------------------------------------------------------------------------------


@dataclass
class Claim:
    claimed: int
    ms: float
    statements: list[tuple[str, Any, float]]  # sql, parameters, seconds in the driver

    def due_select(self) -> tuple[str, Any, float]:
        return next(
            (" ".join(sql.split()), params, seconds)
            for sql, params, seconds in self.statements
            if sql.lstrip().startswith("SELECT") and "next_reminder_at <=" in sql
        )


async def time_claim(url: str, now: datetime) -> Claim:
    """One real claim_due at ``now``, every statement timed in the driver's thread."""
    db, statements, started = Database(url), [], time.perf_counter()

    def before(*_: Any) -> None:
        nonlocal started
        started = time.perf_counter()

    def after(conn: Any, cursor: Any, sql: str, params: Any, *_: Any) -> None:
        statements.append((sql, params, time.perf_counter() - started))

    event.listen(db.engine.sync_engine, "before_cursor_execute", before)
    event.listen(db.engine.sync_engine, "after_cursor_execute", after)
    env, grace = Env(db, load_languages(), SystemClock()), timedelta(hours=2)
    try:
        for at in (now - timedelta(days=1), now):  # the first warms connections and caches
            statements.clear()
            begun = time.perf_counter()
            config = SweepConfig(grace=grace)
            claimed, _ = await claim_due(env, now=at, config=config, result=SweepResult())
        return Claim(len(claimed), (time.perf_counter() - begun) * 1000, list(statements))
    finally:
        await db.dispose()


@dataclass
class DueSelect:
    driver_ms: float  # execute and fetch in the driver, as the claim's statements are timed
    orm_ms: float  # the same statement with the runner objects built by SQLAlchemy's ORM
    plan: list[str]  # PostgreSQL's EXPLAIN ANALYZE (empty on SQLite, whose plan is above)


async def due_select(url: str, due_at: datetime) -> DueSelect:
    """The due-runners SELECT of a claim, 21 times, without claiming: the medians in the
    driver and with the ORM's runner objects (new ones each time, as each claim builds
    them); on PostgreSQL its plan too (after ANALYZE, as autovacuum would)."""
    db = Database(url)
    driver: list[float] = []
    started = 0.0

    def before(*_: Any) -> None:
        nonlocal started
        started = time.perf_counter()

    def after(*_: Any) -> None:
        driver.append(time.perf_counter() - started)

    query = (
        select(User)
        .where(User.next_reminder_at.is_not(None), User.next_reminder_at <= due_at)
        .order_by(User.next_reminder_at)
        .limit(SweepConfig.batch_size)
        .with_for_update(skip_locked=True)
    )
    try:
        async with db.read() as tx:
            lines = []
            if db.engine.dialect.name == "postgresql":
                compiled = query.compile(db.engine, compile_kwargs={"literal_binds": True})
                await tx.execute(text("ANALYZE users"))
                plan = await tx.execute(text(f"EXPLAIN (ANALYZE, BUFFERS) {compiled}"))
                lines = [str(row[0]).strip() for row in plan]
            (await tx.execute(query)).all()  # the statement cache, warm as in a running bot
            tx.expunge_all()
            event.listen(db.engine.sync_engine, "before_cursor_execute", before)
            event.listen(db.engine.sync_engine, "after_cursor_execute", after)
            orm = []
            for _ in range(21):
                begun = time.perf_counter()
                (await tx.execute(query)).all()
                orm.append(time.perf_counter() - begun)
                tx.expunge_all()
        return DueSelect(percentile(driver, 50) * 1000, percentile(orm, 50) * 1000, lines)
    finally:
        await db.dispose()


# --- the run ------------------------------------------------------------------------------


def delivery_lines(rate: float, kind: str, d: Delivery) -> str:
    lines = f"  {rate:g}/s, {kind:<10} {d.line()}"
    if d.result is not None:
        r = d.result
        lines += (
            f"\n    claimed {r.claimed}, sent {r.sent}, retry later {r.retry_later}, failed "
            f"{r.failed}, wall {d.wall:.2f} s"
            + "".join(
                f"; {name} x{len(v)} p50 {percentile(v, 50) * 1000:.1f} ms, "
                f"p99 {percentile(v, 99) * 1000:.1f} ms"
                for name, v in d.phases.items()
            )
        )
    return lines


async def amain(args: argparse.Namespace) -> int:
    began = time.perf_counter()
    print(f"bench/reminders.py: the reminder schedule at scale (issue 8, item 2)\n{machine_info()}")
    rates = [float(r) for r in args.rates.split(",")]
    due = {rate: max(2, min(round(rate * args.deliver_seconds), args.max_due)) for rate in rates}
    # One group of runners per measurement, each due at a minute of its own, before any
    # of the others (whose next reminders all come after SEED_NOW).
    minutes = (SEED_NOW - timedelta(minutes=60 - m) for m in itertools.count())
    first_ids = itertools.count(200_000_000, 1_000_000)

    def group(size: int, days: int = args.history_days) -> Runners:
        start = next(first_ids)
        return Runners(
            range(start, start + size),
            due_at=next(minutes),
            history_days=days,
            used_yesterday=days > 0,
            joined_over=args.joined_over,
        )

    startup = group(STARTUP_DUE, days=0)
    deliveries = {(rate, r): group(due[rate]) for rate in rates for r in range(args.rounds)}
    # As long a history as a check-in reads: what a runner of months costs the claim.
    claim_group = group(SweepConfig.batch_size, days=HISTORY_DAYS)
    population = Runners(range(100_000_000, 100_000_000 + args.users), mixed=True)
    jobqueue = args.users <= args.jobqueue_max_users
    with tempfile.TemporaryDirectory(prefix="bench-reminders-") as tmp:
        path = Path(tmp) / "bench.db"
        url = f"sqlite+aiosqlite:///{path}"
        started = time.perf_counter()
        await seed(url, population, startup, *deliveries.values(), claim_group, now=SEED_NOW)
        print(
            f"\nseeded {args.users:,} runners in {len(ZONES)} zones and the groups due in "
            f"{time.perf_counter() - started:.1f} s: {path.stat().st_size / 1024**2:.1f} MiB"
        )

        async with child("bench.reminders", "--child", "standin") as proc:
            standin = StandIn(proc, (await proc.answer())["url"])
            print("\nstart-up and memory, each in a fresh process (the stand-in in its own):")
            contenders = {}
            for kind in ("bot", "jobqueue") if jobqueue else ("bot",):
                assert startup.due_at is not None
                argv = (kind, standin.url, url, startup.due_at.isoformat(), str(STARTUP_DUE))
                async with child("bench.reminders", "--child", *argv) as contender:
                    contenders[kind] = answer = await contender.answer()
                steps = ", ".join(f"{k} {v:.2f} s" for k, v in answer["phases"].items())
                print(f"  {kind:<9} {answer['startup_s']:.2f} s: {steps}")
            bot, base = contenders["bot"], contenders.get("jobqueue")
            print(
                f"  bot: its sweep job sent the {STARTUP_DUE} reminders due at start "
                f"({bot['sent']} sent) before memory was read; baseline: "
                + (
                    f"{base['jobs']:,} jobs in the scheduler, memory read a second after start"
                    if base is not None
                    else f"not run (more than {args.jobqueue_max_users:,} runners)"
                )
            )

            if args.api_latency_ms:
                await standin.child.ask(f"latency {args.api_latency_ms / 1000}")
            latency = (
                f", each call answered {args.api_latency_ms:g} ms later"
                if args.api_latency_ms
                else ""
            )
            print(f"\ndelivery: the real sweep, then a bare send_message loop, A B A B{latency}:")
            results: dict[float, list[tuple[Delivery, Delivery]]] = {}
            for rate in rates:

                async def sweeping(r: int, rate: float = rate) -> Delivery:
                    at = deliveries[rate, r].due_at
                    assert at is not None
                    d = await deliver(standin, url, rate, at)
                    print(delivery_lines(rate, "sweep", d), flush=True)
                    return d

                async def bare(r: int, rate: float = rate) -> Delivery:
                    d = await bare_send_loop(standin, url, rate, due[rate])
                    print(delivery_lines(rate, "bare loop", d), flush=True)
                    return d

                results[rate] = await alternate(args.rounds, sweeping, bare)

            print("\nthe ceiling: the bare loop, no pacing but the stand-in's, N sends at once:")
            ceiling: dict[float, float] = {}
            for rate in (r for r in rates if r >= 100):  # where the machine, not Telegram, caps
                for n in (int(c) for c in args.ceiling_concurrency.split(",")):
                    d = await bare_send_loop(standin, url, rate, due[rate], in_flight=n)
                    print(delivery_lines(rate, f"bare x{n}", d), flush=True)
                    ceiling[rate] = max(ceiling.get(rate, 0.0), d.rate)

            spread: tuple[float, int, Delivery, int] | None = None
            if args.postgres and ceiling:
                rate, n = max(ceiling), args.processes
                print(
                    f"\n{n} sender processes on PostgreSQL, one database, the same stand-in, "
                    f"{rate:g}/s allowed:"
                )
                on_pg = group(due[rate])
                assert on_pg.due_at is not None
                await seed(args.postgres, on_pg, now=SEED_NOW)
                d, twice = await deliver_from_processes(
                    standin, args.postgres, rate, on_pg.due_at, n
                )
                print(
                    delivery_lines(rate, f"{n} x sweep", d)
                    + f"\n    {d.stats['chats']:,} of {due[rate]:,} due got a reminder; "
                    f"{twice} got more than one"
                )
                spread = (rate, n, d, twice)

        print("\nclaim: the real claim_due, one batch due at once, on a scratch copy:")
        scratch = Path(tmp) / "scratch.db"
        shutil.copyfile(path, scratch)
        assert claim_group.due_at is not None
        claim = await time_claim(f"sqlite+aiosqlite:///{scratch}", claim_group.due_at)
        sql, params, select_s = claim.due_select()
        with contextlib.closing(sqlite3.connect(path)) as conn:  # the original, still due
            plan = [str(row[-1]) for row in conn.execute(f"EXPLAIN QUERY PLAN {sql}", params)]
            raw = []
            for _ in range(21):
                started = time.perf_counter()
                conn.execute(sql, params).fetchall()
                raw.append(time.perf_counter() - started)
        per_runner = claim.ms / max(claim.claimed, 1)
        print(f"  SQL:  {sql}\n  plan: {'; '.join(plan)}")
        print(
            f"  claimed {claim.claimed} in {claim.ms:.1f} ms, {len(claim.statements)} "
            f"statements, {per_runner:.2f} ms per runner; its due-runners SELECT "
            f"{select_s * 1000:.2f} ms in the driver, {percentile(raw, 50) * 1000:.2f} ms "
            "straight through sqlite3 (median of 21)"
        )
        on_sqlite = await due_select(f"sqlite+aiosqlite:///{path}", claim_group.due_at)
        print(
            f"  the same SELECT alone, medians of 21: {on_sqlite.driver_ms:.2f} ms in the "
            f"driver, {on_sqlite.orm_ms:.2f} ms with the ORM's runner objects"
        )
        postgres = None
        if args.postgres:
            print("\nthe due-runners SELECT on PostgreSQL (the same runners seeded there):")
            await seed(args.postgres, population, claim_group, now=SEED_NOW)
            postgres = await due_select(args.postgres, claim_group.due_at)
            print(
                f"  {postgres.driver_ms:.2f} ms in the driver, {postgres.orm_ms:.2f} ms with the "
                f"ORM's runner objects (medians of 21)\n  plan: {' | '.join(postgres.plan)}"
            )

    over_bot = bot["peak_rss_kib"] - bot["rss_imports_kib"]
    rows = [
        Row("runners in the database", f"{args.users:,}"),
        Row(
            "start-up (after imports)",
            f"{bot['startup_s']:.2f} s",
            "",
            f"< {TARGET_STARTUP_S:g} s",
            bot["startup_s"] < TARGET_STARTUP_S,
        ),
        Row("  imports (either, not in the above)", f"{bot['imports_s']:.2f} s"),
        Row(
            "peak memory (RSS)",
            f"{bot['peak_rss_kib'] / 1024:.0f} MiB",
            "",
            f"< {TARGET_PEAK_MIB} MiB",
            bot["peak_rss_kib"] / 1024 < TARGET_PEAK_MIB,
        ),
    ]
    if base is not None:
        startup_ratio = base["startup_s"] / bot["startup_s"]
        memory_ratio = base["peak_rss_kib"] / bot["peak_rss_kib"]
        over_base = base["peak_rss_kib"] - base["rss_imports_kib"]
        judged = args.users >= RATIO_JUDGED_FROM
        unjudged = f"judged from {RATIO_JUDGED_FROM:,} runners"
        rows += [
            Row(
                "  start-up, ratio baseline/bot",
                f"{startup_ratio:.1f}x",
                f"run_daily per runner: {base['startup_s']:.2f} s",
                f">= {TARGET_STARTUP_RATIO:g}x" if judged else unjudged,
                startup_ratio >= TARGET_STARTUP_RATIO if judged else None,
            ),
            Row(
                "  peak memory, ratio baseline/bot",
                f"{memory_ratio:.1f}x",
                f"run_daily per runner: {base['peak_rss_kib'] / 1024:.0f} MiB",
                f">= {TARGET_MEMORY_RATIO:g}x" if judged else unjudged,
                memory_ratio >= TARGET_MEMORY_RATIO if judged else None,
            ),
            Row("  over imports", f"{over_bot / 1024:.1f} MiB", f"{over_base / 1024:.1f} MiB"),
        ]
    else:
        rows.append(Row("  run_daily per runner", "", f"not run (> {args.jobqueue_max_users:,})"))
    rows += [
        Row(
            f"due-runners SELECT, SQLite ({claim.claimed} due)",
            f"{select_s * 1000:.2f} ms",
            "",
            f"< {TARGET_DUE_SELECT_MS:g} ms",
            select_s * 1000 < TARGET_DUE_SELECT_MS,
        ),
        Row("  with the ORM's runner objects", f"{on_sqlite.orm_ms:.2f} ms"),
    ]
    if postgres is not None:
        rows += [
            Row(
                "due-runners SELECT, PostgreSQL",
                f"{postgres.driver_ms:.2f} ms",
                "",
                f"< {TARGET_DUE_SELECT_MS:g} ms",
                postgres.driver_ms < TARGET_DUE_SELECT_MS,
            ),
            Row("  with the ORM's runner objects", f"{postgres.orm_ms:.2f} ms"),
        ]
    rows += [
        Row(
            "claim_due, one batch",
            f"{claim.ms:.1f} ms ({claim.claimed} claimed, {len(claim.statements)} statements)",
        ),
        Row("  per runner", f"{per_runner:.2f} ms"),
    ]
    for rate, pairs in results.items():
        sweeps, bares = [a.rate for a, _ in pairs], [b.rate for _, b in pairs]
        share = statistics.median(sweeps) / rate
        top = ceiling.get(rate)
        rows += [
            Row(
                f"delivery, {rate:g}/s allowed",
                f"{statistics.median(sweeps):.1f}/s = {share:.1%} "
                f"({sum(a.stats['too_many'] for a, _ in pairs)} x 429)",
                f"bare send loop: {statistics.median(bares):.1f}/s",
                f">= {TARGET_RATE_SHARE:.0%} of allowed" if top is None else "",
                share >= TARGET_RATE_SHARE if top is None else None,
            ),
            Row("  ratio sweep/bare", str(ratio(pairs, lambda d: d.rate))),
        ]
        if top is not None:
            rows.append(
                Row(
                    "  share of the ceiling",
                    f"{statistics.median(sweeps) / top:.2f}",
                    f"ceiling, best bare loop: {top:.1f}/s",
                    f">= {TARGET_CEILING_SHARE:g}",
                    statistics.median(sweeps) / top >= TARGET_CEILING_SHARE,
                )
            )
    if spread is not None:
        rate, n, d, twice = spread
        top = ceiling[rate]
        each_once = twice == 0 and int(d.stats["chats"]) == due[rate]
        rows.append(
            Row(
                f"delivery, {rate:g}/s, {n} processes on PostgreSQL",
                f"{d.rate:.1f}/s = {d.rate / top:.2f} of the ceiling; "
                + ("each reminder once" if each_once else f"{twice} sent twice, or some missing"),
                f"ceiling: {top:.1f}/s",
                f">= {TARGET_CEILING_SHARE:g} of the ceiling, once",
                d.rate / top >= TARGET_CEILING_SHARE and each_once,
            )
        )
    print_summary(rows, began)
    return 0


def positive(text: str) -> int:
    """A whole number of at least 1, for argparse."""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"at least 1: {text}")
    return value


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python3 -m bench.reminders", description=__doc__)
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    add = parser.add_argument
    add("--users", type=int, default=100_000, help="runners in the database (default 100,000)")
    add("--rates", default="30,1000", help="allowed rates of the stand-in (default 30,1000)")
    add("--deliver-seconds", type=float, default=10.0, help="due = rate x this (default 10)")
    add("--max-due", type=int, default=5000, help="at most this many due per run (default 5000)")
    add(
        "--history-days",
        type=int,
        default=35,
        help="days of use behind each runner due in a delivery, who also used "
        "the bot yesterday, so the rules' daily jobs run with their first reminder today "
        "(default 35, more than the jobs read; 0: new runners, whose jobs do not run)",
    )
    add(
        "--joined-over",
        type=positive,
        default=28,
        metavar="DAYS",
        help="the runners with a history joined over this many days (default 28: a steady "
        "population, a twenty-eighth of them with their B recompute today; 1: a launch-day "
        "cohort, about two in five of them)",
    )
    add("--rounds", type=int, default=2, help="delivery rounds, sweep then bare (default 2)")
    add(
        "--api-latency-ms",
        type=float,
        default=0,
        metavar="MS",
        help="delivery and ceiling with each Bot API call answered MS later (Telegram's round "
        "trip from a server, e.g. 100)",
    )
    add(
        "--ceiling-concurrency",
        default="16,64,128,256",
        help="sends at once tried for the ceiling (default 16,64,128,256)",
    )
    add(
        "--jobqueue-max-users",
        type=int,
        default=200_000,
        help="run the run_daily baseline up to this many runners (default 200,000)",
    )
    add(
        "--postgres",
        metavar="URL",
        help="also seed an empty PostgreSQL database (postgresql+asyncpg://...) and time the "
        "due-runners SELECT there",
    )
    add(
        "--processes",
        type=int,
        default=2,
        help="with --postgres: sender processes sharing that database at the top rate (default 2)",
    )
    add("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child == ["standin"]:
        return run(serve_standin())
    if args.child and args.child[0] == "sweeper":
        return run(sweeper(*args.child[1:]))
    if args.child:
        return run(start_up(*args.child))
    return run(amain(args))


if __name__ == "__main__":
    sys.exit(main())
