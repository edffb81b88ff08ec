"""Interactive latency and throughput: the real bot against a bare PTB bot (issue 8, part 1).

    python3 -m bench.updates                       # 200 users: the full run, about 3 minutes
    python3 -m bench.updates --users 10 --think-ms 500 --rounds 1   # a smoke run

Two bots run side by side, each as its own process polling its own Bot API stand-in
(bot/devtools/standin/, in this process, which also plays the users):

* real: ``python -m bot`` as in production, on a SQLite file in a temp dir, LOG_LEVEL=WARNING,
  reminder sweep off. Runners are seeded straight into the migrated database (onboarded,
  ladder level ``--level``, i.e. sessions of that many steps).
* bare: bench/_bare_bot.py, the ceiling on this stack: the same PTB setup as bot/app.py
  (PerChatUpdateProcessor, AIORateLimiter, long polling) and the same Bot API calls as a
  step transition, with no database and no logic.

Each simulated user sends /session, taps Done on every step and answers the pain check-in
(bare: as many taps), tapping again only once the previous tap was answered and the next
message arrived. Latency is taken in the stand-in: from queueing a tap (``user_tap``) to
receiving its answerCallbackQuery ("tap→answer"), and to receiving the next message with
buttons ("tap→next msg"). Phases, one bot at a time:

1. warm-up: one user alone (its Bot API calls per update are printed), then ``--warmup``;
2. saturation, ``--rounds`` times, alternating which bot goes first: ``--users`` users at
   once, no think time. Throughput = updates (commands and taps) / wall time; the ratio of
   real to bare is the throughput target. Latency here is queueing: about users/throughput.
3. interactive: ``--users`` other users with ``--think-ms`` think time before each tap (and
   spread starts), a load both bots can carry; its p95 tap→answer is the latency target.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import os
import platform
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Literal, TypeVar

from bench._updates_load import (
    Pace,
    Sample,
    Script,
    UserRun,
    bare_script,
    real_script,
    run_user,
    seed_runners,
    seeded_random,
)
from bench._updates_proc import (
    REPO_ROOT,
    child_env,
    child_process,
    cpu_seconds,
    kill_leftovers,
    tail,
)
from bench._updates_profile import read_stacks, summary
from bench._updates_standin import BenchStandIn

TOKEN = "123456:BENCH-token-for-the-local-stand-in"  # noqa: S105 - the stand-in's, not a secret
RATIO_TARGET = 0.8
P95_TARGET_MS = 50.0
WARMUP_BASE = 500_001
ROUND_BASE = 1_000_001  # round r uses ROUND_BASE + r * 100_000 + i
PACED_BASE = 2_000_001

Kind = Literal["real", "bare"]
KINDS: tuple[Kind, ...] = ("real", "bare")
_T = TypeVar("_T")


@dataclass(frozen=True)
class Options:
    users: int
    level: int
    warmup: int
    rounds: int
    think: float  # seconds, mean think time of the interactive phase (0: no such phase)
    timeout: float
    seed: int
    py_spy: Path | None
    bots: tuple[Kind, ...]
    variant: str  # changes tried on the real bot (bench/_updates_variant.py); "" for none

    @property
    def concurrency(self) -> str | None:
        for change in self.variant.split(","):
            name, _, value = change.strip().partition("=")
            if name == "concurrency":
                return value
        return None

    @property
    def taps(self) -> int:
        return self.level + 1  # every step, then the pain check-in


@dataclass
class Phase:
    users: list[UserRun]
    wall: float  # seconds
    bot_cpu: float  # CPU seconds of the bot process
    bench_cpu: float  # CPU seconds of this process (stand-ins and users)
    api_calls: int  # Bot API calls other than getUpdates
    polls: int  # getUpdates calls
    errors: list[tuple[str, object]]  # (method, HTTP status) of calls answered with an error

    @property
    def updates(self) -> int:
        return sum(1 + len(u.samples) for u in self.users)

    @property
    def rate(self) -> float:
        return self.updates / self.wall

    def samples(self, *kinds: str) -> list[Sample]:
        return [s for u in self.users for s in u.samples if not kinds or s.kind in kinds]


def pooled(phases: Sequence[Phase]) -> Phase:
    return Phase(
        users=[u for p in phases for u in p.users],
        wall=sum(p.wall for p in phases),
        bot_cpu=sum(p.bot_cpu for p in phases),
        bench_cpu=sum(p.bench_cpu for p in phases),
        api_calls=sum(p.api_calls for p in phases),
        polls=sum(p.polls for p in phases),
        errors=[e for p in phases for e in p.errors],
    )


# --- a bot under test ----------------------------------------------------------------------


class BotUnderTest:
    def __init__(
        self,
        kind: Kind,
        opts: Options,
        standin: BenchStandIn,
        proc: asyncio.subprocess.Process,
        log: Path,
    ) -> None:
        self.kind, self.opts, self.standin, self.proc, self.log = kind, opts, standin, proc, log
        self.calls: dict[str, list[str]] = {}  # Bot API calls per kind of update, user alone

    def script(self) -> Script:
        return real_script() if self.kind == "real" else bare_script(self.opts.taps)

    async def guarded(self, work: Awaitable[_T], what: str) -> _T:
        """``work``, unless the bot process exits first."""
        task = asyncio.ensure_future(work)
        died = asyncio.ensure_future(self.proc.wait())
        try:
            await asyncio.wait({task, died}, return_when=asyncio.FIRST_COMPLETED)
            if not task.done():
                raise RuntimeError(
                    f"the {self.kind} bot exited with {self.proc.returncode} during {what}:\n"
                    f"{tail(self.log)}"
                )
            return task.result()
        finally:
            for pending in (task, died):
                if not pending.done():
                    pending.cancel()
                    with contextlib.suppress(asyncio.CancelledError, Exception):
                        await pending

    async def crowd(self, ids: Sequence[int], pace: Pace) -> list[UserRun]:
        runs = (
            run_user(self.standin, uid, self.script(), pace=pace, patience=self.opts.timeout)
            for uid in ids
        )
        return list(await asyncio.gather(*runs))

    async def warm_up(self, ids: Sequence[int]) -> None:
        no_pause = Pace(0.0, seeded_random(0))
        lone = run_user(
            self.standin,
            ids[0],
            self.script(),
            pace=no_pause,
            patience=self.opts.timeout,
            trace=self.calls,
        )
        await self.guarded(lone, "the first warm-up user")
        await self.guarded(self.crowd(ids[1:], no_pause), "warm-up")
        await self.standin.wait_idle(quiet=0.3, timeout=self.opts.timeout)

    async def phase(self, ids: Sequence[int], pace: Pace, *, spy: Path | None = None) -> Phase:
        profiler = await _py_spy(self.proc.pid, spy) if spy is not None else None
        mark = len(self.standin.calls)
        bot_cpu, bench_cpu = cpu_seconds(self.proc.pid), time.process_time()
        started = time.perf_counter()
        try:
            users = await self.guarded(self.crowd(ids, pace), "a measured phase")
        finally:
            if profiler is not None and profiler.returncode is None:
                profiler.send_signal(2)  # SIGINT: py-spy writes its output and exits
                await profiler.wait()
        wall = time.perf_counter() - started
        bot_cpu, bench_cpu = cpu_seconds(self.proc.pid) - bot_cpu, time.process_time() - bench_cpu
        await self.standin.wait_idle(quiet=0.3, timeout=self.opts.timeout)
        polls = sum(1 for name, _ in self.standin.calls[mark:] if name == "getUpdates")
        if self.kind == "real" and any(len(u.samples) != self.opts.taps for u in users):
            counts = sorted({len(u.samples) for u in users})
            print(f"  warning: real sessions took {counts} taps, not {self.opts.taps}")
        return Phase(
            users=users,
            wall=wall,
            bot_cpu=bot_cpu,
            bench_cpu=bench_cpu,
            api_calls=len(self.standin.calls) - mark - polls,
            polls=polls,
            errors=list(self.standin.errors(mark)),
        )


async def _py_spy(pid: int, out: Path) -> asyncio.subprocess.Process | None:
    exe = shutil.which("py-spy")
    if exe is None:
        print("  (py-spy not found: pip install py-spy; no profile taken)")
        return None
    return await asyncio.create_subprocess_exec(
        exe, "record", "--pid", str(pid), "--rate", "250", "--gil", "--nonblocking",
        "--format", "raw", "--output", str(out),
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip


async def _wait_polling(
    standin: BenchStandIn, proc: asyncio.subprocess.Process, log: Path, seconds: float = 60.0
) -> None:
    deadline = time.monotonic() + seconds
    while not any(name == "getUpdates" for name, _ in standin.calls):
        if proc.returncode is not None:
            raise RuntimeError(f"the bot exited with {proc.returncode}:\n{tail(log)}")
        if time.monotonic() > deadline:
            raise TimeoutError(f"the bot did not poll within {seconds}s:\n{tail(log)}")
        await asyncio.sleep(0.05)


@contextlib.asynccontextmanager
async def start_bot(
    kind: Kind, opts: Options, workdir: Path, seeded: Sequence[int]
) -> AsyncIterator[BotUnderTest]:
    """The bot's own stand-in, then the bot as a process polling it; stopped in reverse."""
    await asyncio.to_thread(workdir.mkdir)
    log = workdir / "bot.log"
    env = {
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "LOG_LEVEL": "WARNING",
        "POLLING_TIMEOUT": "1",
        "SWEEP_INTERVAL_SECONDS": "0",
    }
    if kind == "real":
        url = f"sqlite+aiosqlite:///{workdir / 'bench.db'}"
        await seed_runners(url, seeded, opts.level)
        env["DATABASE_URL"] = url
        if opts.variant:
            env["BENCH_VARIANT"] = opts.variant
            argv = [sys.executable, "-m", "bench._updates_variant"]
        else:
            argv = [sys.executable, "-m", "bot"]
    else:
        if opts.concurrency is not None:
            env["BENCH_CONCURRENCY"] = opts.concurrency  # the same for both bots
        argv = [sys.executable, "-m", "bench._bare_bot"]
    standin = BenchStandIn(TOKEN)
    async with standin:
        env["TELEGRAM_API_URL"] = standin.url
        async with child_process(argv, env=child_env(env), cwd=workdir, log=log) as proc:
            await _wait_polling(standin, proc, log)
            yield BotUnderTest(kind, opts, standin, proc, log)


# --- the report ----------------------------------------------------------------------------


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100); nan for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(1, math.ceil(q / 100 * len(ordered))) - 1]


def _cells(values: Sequence[float]) -> str:
    cells = [percentile(values, q) for q in (50, 95, 99)] + [max(values, default=math.nan)]
    return f"{len(values):>6}" + "".join(f"{v:>9.1f}" for v in cells)


def machine_info() -> str:
    model = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    versions = []
    for package in ("python-telegram-bot", "httpx", "SQLAlchemy", "aiosqlite", "aiohttp"):
        with contextlib.suppress(metadata.PackageNotFoundError):
            versions.append(f"{package} {metadata.version(package)}")
    load = ""
    with contextlib.suppress(OSError):
        load = f"; load average at start {' '.join(Path('/proc/loadavg').read_text().split()[:3])}"
    return (
        f"{model}, {os.cpu_count()} cores, {platform.system()} {platform.release()}{load}\n"
        f"         Python {platform.python_version()}; {', '.join(versions)}"
    )


def _calls_lines(bots: dict[Kind, BotUnderTest]) -> list[str]:
    labels = {
        "/session": "/session",
        "step": "Done, next step",
        "finish": "Done, last step",
        "checkin": "pain check-in tap",
    }
    lines = ["Bot API calls per update (one warm-up user alone, until the bot is quiet):"]
    for kind, bot in bots.items():
        for key, label in labels.items():
            if key in bot.calls:
                names = bot.calls[key]
                lines.append(f"  {kind} {label:<18} {len(names)}: {', '.join(names) or '-'}")
    return lines


def _phase_header() -> str:
    return (
        f"  {'':<14}{'updates':>8}{'wall s':>8}{'upd/s':>8}{'calls':>7}{'polls':>7}"
        f"{'bot CPU ms/upd':>16}{'bench CPU ms/upd':>18}"
    )


def _phase_row(label: str, phase: Phase) -> str:
    return (
        f"  {label:<14}{phase.updates:>8}{phase.wall:>8.2f}{phase.rate:>8.1f}"
        f"{phase.api_calls:>7}{phase.polls:>7}{phase.bot_cpu / phase.updates * 1000:>16.2f}"
        f"{phase.bench_cpu / phase.updates * 1000:>18.2f}"
    )


def _latency_lines(phases: dict[Kind, Phase]) -> list[str]:
    lines = [f"  latency, ms{'':<31}{'n':>6}{'p50':>9}{'p95':>9}{'p99':>9}{'max':>9}"]
    rows: list[tuple[str, Phase, tuple[str, ...]]] = []
    if "real" in phases:
        real = phases["real"]
        rows += [
            ("real Done, next step", real, ("step",)),
            ("real Done, last step", real, ("finish",)),
            ("real check-in tap", real, ("checkin",)),
            ("real all taps", real, ()),
        ]
    if "bare" in phases:
        rows.append(("bare taps", phases["bare"], ()))
    for label, phase, kinds in rows:
        samples = phase.samples(*kinds)
        lines.append(f"    {label + ': tap→answer':<38}{_cells([s.answer_ms for s in samples])}")
        lines.append(f"    {label + ': tap→next msg':<38}{_cells([s.next_ms for s in samples])}")
    for kind, phase in phases.items():
        label = f"{kind} /session→step 1"
        lines.append(f"    {label:<38}{_cells([u.command_ms for u in phase.users])}")
    for kind, phase in phases.items():
        if phase.errors:
            counts: dict[str, int] = {}
            for name, status in phase.errors:
                counts[f"{name} {status}"] = counts.get(f"{name} {status}", 0) + 1
            lines.append(f"    {kind}: Bot API errors: {counts}")
    return lines


def report(
    opts: Options,
    bots: dict[Kind, BotUnderTest],
    rounds: list[list[tuple[Kind, Phase]]],
    paced: dict[Kind, Phase],
) -> list[str]:
    lines = _calls_lines(bots)
    add = lines.append
    add("")
    add(
        f"1) saturation: {opts.users} users at once, no think time, {len(rounds)} round(s), "
        "alternating which bot goes first"
    )
    add(_phase_header())
    for number, ran in enumerate(rounds, 1):
        for kind, phase in ran:
            add(_phase_row(f"{kind} round {number}", phase))
    if opts.py_spy is not None:
        add("  (round 1 of each bot ran under py-spy, which takes some of the 2 cores)")
    together: dict[Kind, Phase] = {
        kind: pooled([phase for ran in rounds for k, phase in ran if k == kind]) for kind in bots
    }
    for kind, phase in together.items():
        add(_phase_row(f"{kind} all", phase))
    lines += _latency_lines(together)
    verdicts: list[str] = []
    if "real" in together and "bare" in together:
        real, bare = together["real"], together["bare"]
        per_round = []
        for ran in rounds:
            rates = {kind: phase.rate for kind, phase in ran}
            per_round.append(f"{rates['real'] / rates['bare']:.2f}")
        ratio = real.rate / bare.rate
        add(
            f"  closed loop at saturation, latency is queueing: {opts.users} users / "
            f"{bare.rate:.0f} upd/s = {opts.users / bare.rate * 1000:.0f} ms even for the bare "
            "bot; the latency target is judged in 2)"
        )
        verdict = "PASS" if ratio >= RATIO_TARGET else "MISS"
        why = ""
        if ratio < RATIO_TARGET:
            real_cpu, bare_cpu = (p.bot_cpu / p.updates * 1000 for p in (real, bare))
            why = (
                f", short by {RATIO_TARGET - ratio:.2f}: the real bot spends {real_cpu:.1f} ms "
                f"of CPU per update, the bare one {bare_cpu:.1f} ms, on one core "
                "(--py-spy DIR shows where it goes)"
            )
        verdicts.append(
            f"throughput real/bare {ratio:.2f} (rounds: {', '.join(per_round)}), "
            f"target >= {RATIO_TARGET:.2f}: {verdict}{why}"
        )
    if paced:
        add("")
        add(
            f"2) interactive: {opts.users} users, think time {opts.think * 1000:.0f} ms "
            f"(0.5x-1.5x) before each tap, starts spread over {2 * opts.think:.1f} s: "
            f"at most {opts.users / opts.think:.0f} upd/s offered"
        )
        add(_phase_header())
        for kind, phase in paced.items():
            add(_phase_row(kind, phase))
        lines += _latency_lines(paced)
        if "real" in paced:
            p95 = percentile([s.answer_ms for s in paced["real"].samples("step")], 95)
            verdict = "PASS" if p95 < P95_TARGET_MS else "MISS"
            over = "" if p95 < P95_TARGET_MS else f", over by {p95 - P95_TARGET_MS:.1f} ms"
            bare_p95 = ""
            if "bare" in paced:
                value = percentile([s.answer_ms for s in paced["bare"].samples()], 95)
                bare_p95 = f" (bare bot: {value:.1f} ms)"
            verdicts.append(
                f"p95 tap→answer of a step transition, interactive: {p95:.1f} ms{bare_p95}, "
                f"target < {P95_TARGET_MS:.0f} ms: {verdict}{over}"
            )
    if verdicts:
        add("")
        lines += verdicts
    return lines


# --- main ----------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> Options:
    parser = argparse.ArgumentParser(
        prog="python3 -m bench.updates",
        description="Interactive latency and throughput: the real bot against a bare PTB bot.",
    )
    add = parser.add_argument
    add("--users", type=int, default=200, help="simulated users (default 200)")
    add("--level", type=int, default=7, help="ladder level = steps per session (1-7, default 7)")
    add("--warmup", type=int, default=10, help="users run unmeasured first (default 10)")
    add("--rounds", type=int, default=2, help="saturation rounds per bot (default 2)")
    add(
        "--think-ms",
        type=float,
        default=5000.0,
        help="mean think time of the interactive phase (default 5000; 0 skips the phase)",
    )
    add("--timeout", type=float, default=60.0, help="seconds to wait for any one reply")
    add("--seed", type=int, default=8, help="random seed of the think times")
    add("--bots", default="real,bare", help="which bots to run (default real,bare)")
    add(
        "--variant",
        default="",
        help="try changes on the real bot without editing bot/: concurrency=N "
        "(comma-separated; see bench/_updates_variant.py); default none: python -m bot",
    )
    add(
        "--py-spy",
        type=Path,
        default=None,
        metavar="DIR",
        help="record each bot with py-spy (--gil) in its first saturation round "
        "(DIR/real.txt, DIR/bare.txt, collapsed stacks) and print where the time went",
    )
    args = parser.parse_args(argv)
    bots = tuple(k for k in KINDS if k in args.bots.split(","))
    if args.users < 1 or args.warmup < 1 or args.rounds < 1 or not 1 <= args.level <= 7:
        parser.error("--users, --warmup and --rounds must be at least 1, --level 1-7")
    if not bots or args.think_ms < 0:
        parser.error("--bots names real and/or bare; --think-ms is 0 or more")
    return Options(
        users=args.users,
        level=args.level,
        warmup=args.warmup,
        rounds=args.rounds,
        think=args.think_ms / 1000,
        timeout=args.timeout,
        seed=args.seed,
        py_spy=args.py_spy,
        bots=bots,
        variant=args.variant,
    )


async def amain(opts: Options) -> int:
    started = time.perf_counter()
    print("bench/updates.py: interactive latency and throughput, real bot vs bare PTB bot")
    print(f"machine: {machine_info()}")
    print(
        f"session: /session, {opts.level} x Done, a pain check-in tap: {opts.taps + 1} updates "
        f"per user ({opts.taps} taps; the bare bot gets {opts.taps} Done taps)"
    )
    real = f"python -m bench._updates_variant ({opts.variant})" if opts.variant else "python -m bot"
    print(
        "bots: each its own process polling its own in-process Bot API stand-in, "
        "PerChatUpdateProcessor + AIORateLimiter as in bot/app.py"
        + (f" (max {opts.concurrency} updates at once)" if opts.concurrency else "")
        + f"; real = {real} (SQLite file), "
        "bare = python -m bench._bare_bot (no database, no logic)",
        flush=True,
    )
    warm_ids = [WARMUP_BASE + i for i in range(opts.warmup)]
    round_ids = [
        [ROUND_BASE + r * 100_000 + i for i in range(opts.users)] for r in range(opts.rounds)
    ]
    paced_ids = [PACED_BASE + i for i in range(opts.users)]
    seeded = [*warm_ids, *(i for ids in round_ids for i in ids), *paced_ids]
    if opts.py_spy is not None:
        opts.py_spy.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="bench-updates-") as tmp:
        async with contextlib.AsyncExitStack() as stack:
            bots: dict[Kind, BotUnderTest] = {}
            for kind in opts.bots:
                started_bot = start_bot(kind, opts, Path(tmp) / kind, seeded)
                bots[kind] = await stack.enter_async_context(started_bot)
            for bot in bots.values():
                await bot.warm_up(warm_ids)
            rounds: list[list[tuple[Kind, Phase]]] = []
            for number, ids in enumerate(round_ids):
                order = list(bots) if number % 2 == 0 else list(reversed(bots))
                ran: list[tuple[Kind, Phase]] = []
                for kind in order:
                    spy = opts.py_spy / f"{kind}.txt" if opts.py_spy and number == 0 else None
                    phase = await bots[kind].phase(ids, Pace(0.0, seeded_random(0)), spy=spy)
                    print(f"  saturation round {number + 1}, {kind}: {phase.rate:.1f} upd/s",
                          flush=True)  # fmt: skip
                    ran.append((kind, phase))
                rounds.append(ran)
            paced: dict[Kind, Phase] = {}
            if opts.think:
                for kind, bot in bots.items():
                    pace = Pace(opts.think, seeded_random(opts.seed))
                    paced[kind] = await bot.phase(paced_ids, pace)
                    print(f"  interactive, {kind}: done", flush=True)
    print()
    print("\n".join(report(opts, bots, rounds, paced)))
    if opts.py_spy is not None:
        for kind in opts.bots:
            out = opts.py_spy / f"{kind}.txt"
            if out.exists():
                print(f"\nprofile of the {kind} bot, saturation round 1 (py-spy --gil, {out}):")
                print("\n".join(summary(read_stacks(out))))
    print(f"\ntotal wall time {time.perf_counter() - started:.0f} s")
    return 0


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt  # SIGTERM too: unwind, so the bots are stopped on the way out


def main(argv: Sequence[str] | None = None) -> int:
    opts = parse_args(argv)
    os.chdir(REPO_ROOT)
    signal.signal(signal.SIGTERM, _interrupt)
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:  # started in the background
        signal.signal(signal.SIGINT, _interrupt)
    try:
        return asyncio.run(amain(opts))
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    finally:
        kill_leftovers()


if __name__ == "__main__":
    sys.exit(main())
