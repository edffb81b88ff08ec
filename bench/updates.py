"""Taps, end to end: the real bot against a bare python-telegram-bot bot (issue 8, part 1).

    python3 -m bench.updates                                  # 200 runners, about 4 minutes
    python3 -m bench.updates --users 20 --think-ms 500 --rounds 2   # a smoke run
    python3 -m bench.updates --capacity 100,200,400,700,1000 --open-sessions 10000  # all

Two bots, each its own process long polling its own Bot API stand-in (bot/devtools/standin/, in
this process, which also plays the runners):

* real: ``python -m bot`` as in production, on a SQLite file, LOG_LEVEL=WARNING, reminder
  sweep off; runners seeded by bench/seed.py (set up, ladder level ``--level``: sessions
  of that many steps);
* bare: ``python -m bench.bots bare``, the ceiling on this stack: the same PTB set-up as
  bot/app.py and the same Bot API calls, update by update, through a session of the same
  shape (each step's picture by file_id, its parts as caption edits, the pain question),
  with no database and no logic.

Every runner sends /session, taps Done on every part of every step and answers the pain
check-in, each tap only once the previous one was answered and the next message
arrived. The clocks are read in the stand-in: a tap queued -> its answerCallbackQuery
received ("tap→answer"), and -> the next message with buttons received ("tap→next").

1. warm-up: one runner alone (the Bot API calls per update are printed), then ``--warmup``.
2. throughput: ``--users`` runners at once, no pause; ``--rounds`` rounds, real then bare
   (A B A B). Updates per second, each round's real/bare ratio (the target is their
   median), and each bot process's CPU time per update (with, for each phase, its system
   time and its threads' waits: a trip to SQLite's thread costs a few). Latency here is
   queueing.
3. human pace: ``--users`` other runners wait ``--think-ms`` (0.5x-1.5x) before each tap,
   starts spread over twice that: at most users/think updates/s (200 / 5 s = 40/s). Its
   p95 tap→answer of a step, against the bare bot's, is the latency target.
3b. with ``--api-latency-ms MS``: the human pace again, each Bot API call answered MS later
   (Telegram's round trip from a server, which the stand-in on this machine lacks): the
   tap→answer and tap→next a runner meets on a phone, printed, not judged.
4. capacity (``--capacity 100,200,400,...``): the real bot alone at the same pace with
   more runners each time, until its p95 passes 100 ms: how many runners one process serves.
5. open sessions (``--open-sessions 10000``): that many runners each open a session and
   leave it open; each bot's resident memory after the first half and after all, per
   runner: a runner mid-session must hold nothing in the process (the database holds it).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import re
import shutil
import sys
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.harness import (
    TOKEN,
    Child,
    Row,
    alternate,
    child,
    cpu_seconds,
    latencies,
    machine_info,
    percentile,
    print_summary,
    ratio,
    run,
    system_and_switches,
)
from bench.seed import Runners, seed
from bot.content import load_languages
from bot.devtools.standin import BotApiStandIn, StoredMessage

RATIO_TARGET, CPU_RATIO_TARGET, P95_TARGET_MS, P95_RATIO_TARGET = 0.8, 1.25, 50.0, 3.0
WARMUP_IDS, ROUND_IDS, PACED_IDS = 500_001, 1_000_001, 2_000_001  # round r: + r * 100_000
CAPACITY_IDS, OPEN_IDS = 3_000_001, 5_000_001  # capacity size k: + k * 100_000
ROUND_TRIP_IDS = 6_000_001
CAPACITY_P95_MS = 100.0
GROWTH_TARGET = 512  # bytes per runner with an open session: nothing that grows with them
STEP_RE = re.compile(r"Step (\d+)(?: of (\d+))?")
LABELS = {"step": "Done, next step", "finish": "Done, last step", "checkin": "pain check-in"}


class StandIn(BotApiStandIn):
    """The stand-in with the clocks: when a tap's answerCallbackQuery arrives, and every
    new bot message with buttons, per chat, with the time it arrived."""

    def __init__(self) -> None:
        super().__init__(TOKEN, monotonic=time.perf_counter)
        self.lift_flood_limits()  # this measures the bot, not Telegram's flood limits
        self.answers: dict[str, asyncio.Future[float]] = {}
        self.boards: dict[int, asyncio.Queue[tuple[float, StoredMessage]]] = {}
        self.subscribers.append(self._on_message)
        self.call_observers.append(self._on_call)

    def board(self, chat_id: int) -> asyncio.Queue[tuple[float, StoredMessage]]:
        return self.boards.setdefault(chat_id, asyncio.Queue())

    def tap(self, user_id: int, message: StoredMessage, data: str) -> asyncio.Future[float]:
        future = asyncio.get_running_loop().create_future()
        self.answers[self.user_tap(user_id, message, data)] = future
        return future

    def _on_call(self, method: str, params: dict[str, Any], at: float) -> None:
        # The stand-in's public call hook: the time the call arrived, before it is answered.
        if method != "answerCallbackQuery":
            return
        answered = self.answers.pop(str(params.get("callback_query_id")), None)
        if answered is not None and not answered.done():
            answered.set_result(at)

    def _on_message(self, event: str, message: StoredMessage) -> None:
        # A step's next part (each side, each technique) comes as an edit with buttons.
        if event in ("new", "edit") and message.from_bot and message.reply_markup:
            self.board(message.chat_id).put_nowait((time.perf_counter(), message))


def parts_of(level: int) -> tuple[int, ...]:
    """The parts (sides, techniques) of each step of a ladder session at ``level``."""
    content = load_languages()
    return tuple(len(content.exercises[e].walk()) for e in content.ladder.steps[:level])


def resident_bytes(pid: int) -> int:
    """A process's resident memory now (VmRSS)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


# --- the runners --------------------------------------------------------------------------


@dataclass
class UserRun:
    command: float = 0.0  # s, /session queued -> step 1 received
    taps: list[tuple[str, float, float]] = field(default_factory=list)  # kind, answer, next


Script = Callable[[StoredMessage], tuple[str, str] | None]  # -> (callback data, kind)


def button(message: StoredMessage, label: str) -> str:
    found = [b["callback_data"] for b in message.buttons() if b.get("text") == label]
    if not found:
        raise LookupError(f"no {label!r} on {message.text!r}: {message.button_labels()}")
    return str(found[0])


def real_script(message: StoredMessage) -> tuple[str, str] | None:
    """Done on every step, then 2/10 on the pain check-in; stop at its answer."""
    if (matched := STEP_RE.match(message.text or "")) is not None:
        last = int(matched.group(1)) >= int(matched.group(2) or 0)
        return button(message, "✅ Done"), "finish" if last else "step"
    if "✅ Done" in message.button_labels():  # a one-step session: no "Step 1 of 1"
        return button(message, "✅ Done"), "finish"
    if message.button_labels() == [str(n) for n in range(11)]:
        return button(message, "2"), "checkin"
    return None


async def run_user(
    standin: StandIn,
    user_id: int,
    script: Script,
    think: float,
    rng: random.Random,
    patience: float,
    trace: dict[str, list[list[str]]] | None = None,
) -> UserRun:
    """/session, then tap until the script stops. With ``trace`` (a runner alone), wait
    after each update until the bot is quiet and note its Bot API calls, by kind."""

    async def within(awaitable: Any, what: str) -> Any:
        try:
            return await asyncio.wait_for(awaitable, patience)
        except TimeoutError:
            raise TimeoutError(f"no {what} for runner {user_id} within {patience} s") from None

    async def traced(kind: str, mark: int) -> None:
        if trace is not None:
            await standin.wait_idle(quiet=0.3)
            names = [name for name, _ in standin.calls[mark:] if name != "getUpdates"]
            if names not in (seen := trace.setdefault(kind, [])):
                seen.append(names)

    result, board = UserRun(), standin.board(user_id)
    if think:
        await asyncio.sleep(rng.uniform(0.0, 2.0) * think)
    mark, started = len(standin.calls), time.perf_counter()
    standin.user_text(user_id, "/session")
    at, message = await within(board.get(), "first step")
    result.command = at - started
    await traced("/session", mark)
    while (move := script(message)) is not None:
        if think:
            await asyncio.sleep(rng.uniform(0.5, 1.5) * think)
        mark, tapped = len(standin.calls), time.perf_counter()
        answered = await within(standin.tap(user_id, message, move[0]), "answer")
        at, message = await within(board.get(), f"reply to a {move[1]} tap")
        result.taps.append((move[1], answered - tapped, at - tapped))
        await traced(move[1], mark)
    return result


# --- a bot under test ---------------------------------------------------------------------


@dataclass
class Phase:
    users: list[UserRun]
    wall: float
    bot_cpu: float  # s of the bot process
    bench_cpu: float  # s of this process: the stand-in and the runners
    calls: int  # Bot API calls other than getUpdates
    polls: int
    errors: Counter[str]  # "method status" of calls answered with an error
    bot_system: float = 0.0  # s of the bot's CPU time in the kernel (part of bot_cpu)
    bot_waits: int = 0  # the bot's threads' voluntary context switches

    @property
    def updates(self) -> int:
        return sum(1 + len(u.taps) for u in self.users)

    @property
    def rate(self) -> float:
        return self.updates / self.wall

    def cpu_ms(self) -> float:
        return self.bot_cpu / self.updates * 1000

    def answers(self, *kinds: str) -> list[float]:
        return [t[1] for u in self.users for t in u.taps if not kinds or t[0] in kinds]

    def nexts(self, *kinds: str) -> list[float]:
        return [t[2] for u in self.users for t in u.taps if not kinds or t[0] in kinds]

    def row(self, label: str) -> str:
        return (
            f"  {label:<14}{self.updates:>8}{self.wall:>8.2f}{self.rate:>8.1f}{self.calls:>7}"
            f"{self.polls:>7}{self.cpu_ms():>9.2f}{self.bot_system / self.updates * 1000:>11.2f}"
            f"{self.bot_waits / self.updates:>7.1f}{self.bench_cpu / self.updates * 1000:>11.2f}"
        )

    @staticmethod
    def pooled(phases: Sequence[Phase]) -> Phase:
        return Phase(
            [u for p in phases for u in p.users],
            sum(p.wall for p in phases),
            sum(p.bot_cpu for p in phases),
            sum(p.bench_cpu for p in phases),
            sum(p.calls for p in phases),
            sum(p.polls for p in phases),
            sum((p.errors for p in phases), Counter()),
            sum(p.bot_system for p in phases),
            sum(p.bot_waits for p in phases),
        )


HEADER = (
    f"  {'':<14}{'updates':>8}{'wall s':>8}{'upd/s':>8}{'calls':>7}{'polls':>7}"
    f"{'bot CPU':>9}{'of it sys':>11}{'waits':>7}{'bench CPU':>11}\n  (CPU: ms per update;"
    " waits: the bot's threads' voluntary context switches, per update)"
)


@dataclass
class Bot:
    kind: str
    standin: StandIn
    proc: Child
    taps: int  # per session: every step, then the pain check-in
    patience: float
    calls: dict[str, list[list[str]]] = field(default_factory=dict)  # per kind, alone

    def script(self) -> Script:
        return real_script

    async def crowd(
        self, ids: Sequence[int], think: float, trace: dict[str, list[list[str]]] | None = None
    ) -> list[UserRun]:
        rng = random.Random(8)  # noqa: S311 (think times)
        runs = (
            run_user(self.standin, i, self.script(), think, rng, self.patience, trace) for i in ids
        )
        return await self.proc.guard(asyncio.gather(*runs), f"a phase of the {self.kind} bot")

    async def warm_up(self, ids: Sequence[int]) -> None:
        await self.crowd(ids[:1], 0.0, trace=self.calls)  # alone: its Bot API calls
        await self.crowd(ids[1:], 0.0)
        await self.standin.wait_idle(quiet=0.3, timeout=self.patience)

    async def open_sessions(self, ids: Sequence[int], at_once: int = 50) -> tuple[int, int]:
        """Each runner sends /session and stops at step 1 (``at_once`` runners at a time):
        the bot's resident memory after the first half of them, and after all (the first
        half fills what is bounded: SQLite's page cache of each pooled connection, 2 MiB)."""
        gate = asyncio.Semaphore(at_once)

        async def one(user_id: int) -> None:
            async with gate:
                await run_user(
                    self.standin,
                    user_id,
                    lambda _m: None,
                    0.0,
                    random.Random(8),  # noqa: S311 (no think time here)
                    self.patience,
                )

        half = len(ids) // 2
        await self.proc.guard(asyncio.gather(*map(one, ids[:half])), "open sessions")
        await self.standin.wait_idle(quiet=0.3, timeout=self.patience)
        first = resident_bytes(self.proc.proc.pid)
        await self.proc.guard(asyncio.gather(*map(one, ids[half:])), "open sessions")
        await self.standin.wait_idle(quiet=0.3, timeout=self.patience)
        return first, resident_bytes(self.proc.proc.pid)

    async def phase(self, ids: Sequence[int], think: float, spy: Path | None = None) -> Phase:
        here = os.pathsep.join((str(Path(sys.executable).parent), os.environ.get("PATH", "")))
        profiler, exe = None, shutil.which("py-spy", path=here)
        if spy is not None and exe is None:
            print("  (no py-spy here or on PATH: pip install py-spy; no profile taken)")
        elif spy is not None and exe is not None:
            profiler = await asyncio.create_subprocess_exec(
                exe, "record", "--pid", str(self.proc.proc.pid), "--rate", "250", "--gil",
                "--nonblocking", "--format", "raw", "--output", str(spy),
                stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
            )  # fmt: skip
        mark, cpu = len(self.standin.calls), (self.proc.cpu, cpu_seconds())
        kernel = system_and_switches(self.proc.proc.pid)
        started = time.perf_counter()
        try:
            users = await self.crowd(ids, think)
        finally:
            if profiler is not None:
                profiler.send_signal(2)  # SIGINT: py-spy writes its output and exits
                await profiler.wait()
        wall = time.perf_counter() - started
        bot_cpu, bench_cpu = self.proc.cpu - cpu[0], cpu_seconds() - cpu[1]
        now = system_and_switches(self.proc.proc.pid)
        system, waits = now[0] - kernel[0], now[1] - kernel[1]
        if {len(u.taps) for u in users} != {self.taps}:
            print(f"  warning: sessions took {sorted({len(u.taps) for u in users})} taps")
        await self.standin.wait_idle(quiet=0.3, timeout=self.patience)
        calls = self.standin.calls[mark:]
        polls = sum(1 for name, _ in calls if name == "getUpdates")
        errors = Counter(f"{name} {p['_error']}" for name, p in calls if "_error" in p)
        return Phase(
            users, wall, bot_cpu, bench_cpu, len(calls) - polls, polls, errors, system, waits
        )


@contextlib.asynccontextmanager
async def start(
    kind: str, args: argparse.Namespace, workdir: Path, seeded: Sequence[int]
) -> AsyncIterator[Bot]:
    """The bot's own stand-in, then the bot as a process polling it; stopped in reverse."""
    await asyncio.to_thread(workdir.mkdir)
    env = {"TELEGRAM_BOT_TOKEN": TOKEN, "LOG_LEVEL": "WARNING", "POLLING_TIMEOUT": "1"}
    env["SWEEP_INTERVAL_SECONDS"] = "0"
    env["BENCH_PARTS"] = ",".join(map(str, parts_of(args.level)))  # the bare bot's session
    if args.concurrency:
        env["BENCH_CONCURRENCY"] = args.concurrency  # the bare bot gets the same
    if kind == "real":
        env["DATABASE_URL"] = url = f"sqlite+aiosqlite:///{workdir / 'bench.db'}"
        await seed(url, Runners(seeded, level=args.level), now=datetime.now(UTC))
        env["BENCH_VARIANT"] = args.variant
        module = ("bench.bots", "variant") if args.variant else ("bot",)
    else:
        module = ("bench.bots", "bare")
    standin = StandIn()
    async with standin:
        env["TELEGRAM_API_URL"] = standin.url
        async with child(*module, env=env, log=workdir / "bot.log", cwd=workdir) as proc:
            polling = standin.wait_for_call("getUpdates", timeout=60)
            await proc.guard(polling, f"the start of the {kind} bot")
            yield Bot(kind, standin, proc, sum(parts_of(args.level)) + 1, args.timeout)


# --- the report ---------------------------------------------------------------------------


def latency_lines(phases: dict[str, Phase]) -> list[str]:
    lines = ["  latency, ms"]
    for kind, phase in phases.items():
        groups = [(LABELS[k], (k,)) for k in LABELS]
        for label, kinds in [*groups, ("all taps", ())]:
            lines.append(
                f"    {kind} {label + ': tap→answer':<30}{latencies(phase.answers(*kinds))}"
            )
            lines.append(f"    {kind} {label + ': tap→next':<30}{latencies(phase.nexts(*kinds))}")
        lines.append(
            f"    {kind} {'/session→step 1':<30}{latencies([u.command for u in phase.users])}"
        )
        if phase.errors:
            lines.append(f"    {kind}: Bot API errors: {dict(phase.errors)}")
    return lines


def where_the_time_went(path: Path, top: int = 10) -> list[str]:
    """py-spy's raw output (``frame;frame;... COUNT``, --gil: shares of the busy core), by
    layer: the top package of each frame's file (bot, sqlalchemy, telegram, asyncio...)."""
    layers: Counter[str] = Counter()
    own: Counter[str] = Counter()
    total = 0
    for line in path.read_text(errors="replace").splitlines():
        stack, _, samples = line.rpartition(" ")
        if not samples.isdigit():
            continue
        frames = [re.sub(r"^.*\((.*?)(?::\d+)?\)$", r"\1", f) for f in stack.split(";")]
        names = [f.split("/", 1)[0].removesuffix(".py") for f in frames]
        total += int(samples)
        layers.update({name: int(samples) for name in set(names)})
        own[names[-1]] += int(samples)
    lines = [f"  {total} samples; by layer: inclusive % (own %)"]
    for name, n in layers.most_common(top):
        lines.append(f"    {n / total:6.1%} ({own[name] / total:6.1%})  {name}")
    return lines


async def amain(args: argparse.Namespace) -> int:
    began = time.perf_counter()
    taps = sum(parts_of(args.level)) + 1  # every part of every step, then the pain check-in
    print(
        f"bench/updates.py: taps end to end, the real bot against a bare PTB bot\n{machine_info()}"
    )
    real = f"bench.bots variant ({args.variant})" if args.variant else "bot"
    print(
        f"a session: /session, {taps - 1} x Done ({args.level} steps), a pain check-in tap = "
        f"{taps + 1} updates, the same for both bots; real = python -m {real} (SQLite), bare = "
        f"python -m bench.bots bare; each its own process and stand-in",
        flush=True,
    )
    warm = [WARMUP_IDS + i for i in range(args.warmup)]
    rounds = [[ROUND_IDS + r * 100_000 + i for i in range(args.users)] for r in range(args.rounds)]
    paced = [PACED_IDS + i for i in range(args.users)]
    sizes = [int(n) for n in args.capacity.split(",") if n.strip()] if args.capacity else []
    capacity = [[CAPACITY_IDS + k * 100_000 + i for i in range(n)] for k, n in enumerate(sizes)]
    opened = [OPEN_IDS + i for i in range(args.open_sessions)]
    tripped = [ROUND_TRIP_IDS + i for i in range(args.users)] if args.api_latency_ms else []
    if args.py_spy:
        args.py_spy.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="bench-updates-") as tmp:
        async with contextlib.AsyncExitStack() as stack:
            seeded = [*warm, *(i for ids in rounds for i in ids), *paced, *opened]
            seeded += [*(i for ids in capacity for i in ids), *tripped]
            bots = {k: await stack.enter_async_context(start(k, args, Path(tmp) / k, seeded))
                    for k in ("real", "bare")}  # fmt: skip
            for bot in bots.values():
                await bot.warm_up(warm)

            async def saturate(kind: str, r: int) -> Phase:
                spy = args.py_spy / f"{kind}.txt" if args.py_spy and r == 0 else None
                phase = await bots[kind].phase(rounds[r], 0.0, spy)
                print(f"  round {r + 1}, {kind}: {phase.rate:.1f} updates/s", flush=True)
                return phase

            pairs = await alternate(
                args.rounds, lambda r: saturate("real", r), lambda r: saturate("bare", r)
            )
            human = {}
            if args.think_ms:
                for kind, bot in bots.items():
                    spy = args.py_spy / f"{kind}-paced.txt" if args.py_spy else None
                    human[kind] = await bot.phase(paced, args.think_ms / 1000, spy)
                    print(f"  human pace, {kind}: done", flush=True)
            far = {}  # the human pace again, each Bot API call answered args.api_latency_ms later
            if tripped:
                for kind, bot in bots.items():
                    bot.standin.latency_seconds = args.api_latency_ms / 1000
                    far[kind] = await bot.phase(tripped, args.think_ms / 1000)
                    bot.standin.latency_seconds = 0.0
                    print(f"  human pace, {args.api_latency_ms:g} ms a call, {kind}: done")
            served: list[tuple[int, float]] = []  # runners, p95 of a step's tap→answer, ms
            for ids in capacity:
                phase = await bots["real"].phase(ids, args.think_ms / 1000)
                served.append((len(ids), percentile(phase.answers("step"), 95) * 1000))
                print(f"  capacity, {len(ids)} runners: p95 {served[-1][1]:.1f} ms", flush=True)
                if served[-1][1] > CAPACITY_P95_MS:
                    break
            growth = {}
            if opened:
                for kind, bot in bots.items():
                    growth[kind] = await bot.open_sessions(opened)
                    print(f"  open sessions, {kind}: done", flush=True)

    print("\nBot API calls per update (one warm-up runner alone, until the bot is quiet):")
    for kind, bot in bots.items():
        for key, sequences in bot.calls.items():
            for names in sequences:
                print(f"  {kind} {LABELS.get(key, key):<18} {len(names)}: {', '.join(names)}")
    print(f"\n2) throughput: {args.users} runners at once, no pause, {args.rounds} rounds, A B A B")
    print(HEADER)
    for r, (a, b) in enumerate(pairs, 1):
        print(f"{a.row(f'real round {r}')}\n{b.row(f'bare round {r}')}")
    together = {
        k: Phase.pooled([pair[n] for pair in pairs]) for n, k in enumerate(("real", "bare"))
    }
    for kind, phase in together.items():
        print(phase.row(f"{kind} all"))
    print("\n".join(latency_lines(together)))
    throughput = ratio(pairs, lambda p: p.rate)
    cpu = ratio(pairs, lambda p: p.cpu_ms())
    real_all, bare_all = together["real"], together["bare"]
    rows = [
        Row(
            "CPU time per update, no pause",
            f"{real_all.cpu_ms():.1f} ms",
            f"bare bot: {bare_all.cpu_ms():.1f} ms",
        ),
        Row(
            "  real/bare, median of rounds",
            str(cpu),
            target=f"<= {CPU_RATIO_TARGET:g}",
            ok=cpu.median <= CPU_RATIO_TARGET,
        ),
        Row(
            f"throughput, {args.users} at once, no pause",
            f"{real_all.rate:.0f} updates/s",
            f"bare bot: {bare_all.rate:.0f}/s",
        ),
        Row(
            "  real/bare, median of rounds",
            str(throughput),
            target=f">= {RATIO_TARGET:g}",
            ok=throughput.median >= RATIO_TARGET,
        ),
    ]
    if human:
        think = args.think_ms / 1000
        print(
            f"\n3) human pace: {args.users} runners, think time {args.think_ms:.0f} ms "
            f"(0.5x-1.5x), starts spread over {2 * think:.1f} s: at most "
            f"{args.users / think:.0f} updates/s offered"
        )
        print(HEADER)
        for kind, phase in human.items():
            print(phase.row(kind))
        print("\n".join(latency_lines(human)))
        if args.users / think > 0.8 * min(real_all.rate, bare_all.rate):
            print(
                f"  note: {args.users / think:.0f}/s offered is near or above what the bots "
                f"carried with no pause ({real_all.rate:.0f}/s, {bare_all.rate:.0f}/s) on this "
                "machine: these latencies are mostly queueing"
            )
        p95 = percentile(human["real"].answers("step"), 95) * 1000
        bare_p95 = percentile(human["bare"].answers("step"), 95) * 1000
        rows.append(
            Row(
                f"p95 tap→answer, {args.users} at human pace",
                f"{p95:.1f} ms ({p95 / bare_p95:.2f}x bare)",
                f"bare bot: {bare_p95:.1f} ms",
                f"< {P95_TARGET_MS:g} ms, <= {P95_RATIO_TARGET:g}x",
                p95 < P95_TARGET_MS and p95 <= P95_RATIO_TARGET * bare_p95,
            )
        )
    if far:
        print(
            f"\n3b) the same human pace with each Bot API call answered "
            f"{args.api_latency_ms:g} ms later (a round trip to Telegram from a server; "
            "--api-latency-ms): what a runner waits for on a phone, not judged"
        )
        print("\n".join(latency_lines(far)))
    if served:
        print(
            f"\n4) capacity: the real bot alone at a human pace ({args.think_ms:.0f} ms), more "
            f"runners each time, until p95 tap→answer passes {CAPACITY_P95_MS:g} ms"
        )
        for n, p95 in served:
            print(
                f"  {n:>6} runners ({n / (args.think_ms / 1000):.0f} updates/s offered): "
                f"p95 {p95:.1f} ms"
            )
        within = [n for n, p95 in served if p95 <= CAPACITY_P95_MS]
        rows.append(
            Row(
                f"runners served, p95 <= {CAPACITY_P95_MS:g} ms",
                f"{max(within)}" if within else f"< {served[0][0]}",
                f"next tried: {served[-1][0]}" if served[-1][1] > CAPACITY_P95_MS else "all passed",
            )
        )
    if growth:
        print(
            f"\n5) open sessions: {len(opened)} runners each open a session (/session, step 1 "
            "shown) and leave it open; the bot's resident memory after the first half and "
            "after all of them"
        )
        for kind, (first, last) in growth.items():
            print(f"  {kind}: {first / 2**20:.1f} MiB, then {last / 2**20:.1f} MiB")
        per = {k: (b - a) / (len(opened) - len(opened) // 2) for k, (a, b) in growth.items()}
        rows.append(
            Row(
                f"memory growth per open session ({len(opened)})",
                f"{per['real']:.0f} bytes",
                f"bare bot: {per['bare']:.0f} bytes",
                f"<= {GROWTH_TARGET} + bare",
                per["real"] <= GROWTH_TARGET + max(per["bare"], 0.0),
            )
        )
    if args.py_spy:
        for kind in bots:
            for name, what in ((kind, "throughput round 1"), (f"{kind}-paced", "human pace")):
                if (out := args.py_spy / f"{name}.txt").exists():
                    print(f"\nprofile of the {kind} bot, {what} (py-spy --gil, {out}):")
                    print("\n".join(where_the_time_went(out)))
    print_summary(rows, began)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python3 -m bench.updates", description=__doc__)
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    add = parser.add_argument
    add("--users", type=int, default=200, help="runners per phase (default 200)")
    add("--level", type=int, default=7, choices=range(1, 8), help="steps per session (7)")
    add("--warmup", type=int, default=10, help="runners run unmeasured first (default 10)")
    add("--rounds", type=int, default=3, help="throughput rounds, real then bare (default 3)")
    add("--think-ms", type=float, default=5000, help="human pace (default 5000; 0: skip it)")
    add("--timeout", type=float, default=60.0, help="seconds to wait for any one reply")
    add("--variant", default="", help="changes tried on the real bot: concurrency=N")
    add(
        "--py-spy",
        type=Path,
        metavar="DIR",
        help="profile round 1 and the human pace of each bot into DIR",
    )
    add(
        "--capacity",
        default="",
        metavar="N,N,...",
        help="runners at a human pace, the real "
        "bot alone, in turn until p95 passes 100 ms (e.g. 100,200,400,700,1000)",
    )
    add(
        "--api-latency-ms",
        type=float,
        default=0,
        metavar="MS",
        help="then the human pace again with each Bot API call answered MS later (a round "
        "trip to Telegram; e.g. 50): the latencies a runner meets, not judged",
    )
    add(
        "--open-sessions",
        type=int,
        default=0,
        metavar="N",
        help="N runners open a session "
        "and leave it open: memory growth per runner, both bots (e.g. 10000)",
    )
    args = parser.parse_args(argv)
    changes = (change.strip().partition("=") for change in args.variant.split(","))
    args.concurrency = next((value for name, _, value in changes if name == "concurrency"), "")
    return run(amain(args))


if __name__ == "__main__":
    sys.exit(main())
