"""What the three benchmarks share: the machine they ran on, one percentile, child
processes (started, timed, always stopped), alternating A/B rounds, timers around the
bot's own functions, and the summary table with its PASS/MISS verdicts.

Percentiles are nearest-rank: the p-th percentile of n values is the ceil(p/100 * n)-th
smallest, a value that was measured (p100 is the maximum; with 50 values, p99 is too).
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import json
import math
import os
import platform
import signal
import sqlite3
import statistics
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Iterator, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any, TypeVar

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "123456:BENCH-token-for-the-local-stand-in"  # noqa: S105 (the stand-in's)
_T = TypeVar("_T")
_live: set[int] = set()  # pids of running children, killed at the very end if still alive


def machine_info() -> str:
    """CPU, cores, memory, load, OS and the versions that move the figures."""
    facts: dict[str, str] = {}
    for name in ("/proc/cpuinfo", "/proc/meminfo"):
        with contextlib.suppress(OSError), open(name, encoding="utf-8") as f:
            for line in f:
                key, _, value = line.partition(":")
                facts.setdefault(key.strip(), value.strip())
    memory = int(facts.get("MemTotal", "0 kB").split()[0]) / 1024**2
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    versions = [f"Python {platform.python_version()}", f"SQLite {sqlite3.sqlite_version}"]
    for package in ("python-telegram-bot", "httpx", "SQLAlchemy", "aiosqlite", "sniffio"):
        try:
            versions.append(f"{package} {metadata.version(package)}")
        except metadata.PackageNotFoundError:  # sniffio: httpcore re-imports it per call
            versions.append(f"no {package}")
    return (
        f"machine: {facts.get('model name', platform.machine())}, {os.cpu_count()} cores, "
        f"{memory:.1f} GiB, {platform.system()} {platform.release()}, load average at start "
        f"{load}\n         {', '.join(versions)}"
    )


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile, q in 0..100; nan for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(1, math.ceil(q / 100 * len(ordered))) - 1]


def latencies(seconds: Sequence[float]) -> str:
    """n, p50, p95, p99 and max, in ms."""
    cells = [percentile(seconds, q) * 1000 for q in (50, 95, 99, 100)]
    return f"n {len(seconds):>5}" + "".join(
        f"  {name} {v:7.1f}" for name, v in zip(("p50", "p95", "p99", "max"), cells, strict=True)
    )


# --- child processes ----------------------------------------------------------------------


def _cpu_times(pid: int | None) -> tuple[float, float]:
    """User and system CPU time of a process (all its threads) so far, from /proc; (0, 0)
    where there is none."""
    try:
        fields = Path(f"/proc/{pid or 'self'}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0, 0.0
    tick = os.sysconf("SC_CLK_TCK")
    return int(fields[11]) / tick, int(fields[12]) / tick


def cpu_seconds(pid: int | None = None) -> float:
    """User + system CPU time of a process (all its threads) so far, from /proc."""
    return sum(_cpu_times(pid))


def system_and_switches(pid: int) -> tuple[float, int]:
    """System CPU time of a process so far, and the times its living threads gave up the
    CPU to wait (voluntary context switches: a thread waiting for a queue, a lock or I/O),
    from /proc; (0, 0) where there is none."""
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
    except OSError:
        return 0.0, 0
    switches = 0
    for task in tasks:
        try:
            status = (task / "status").read_text()
        except OSError:
            continue  # the thread ended meanwhile
        for line in status.splitlines():
            if line.startswith("voluntary_ctxt_switches:"):
                switches += int(line.split()[1])
    return _cpu_times(pid)[1], switches


class Child:
    """``python -m MODULE ARGS`` from the checkout: stderr to ``log`` (or ours), stdout read
    as one JSON object a line, stdin for one-line commands."""

    def __init__(self, proc: asyncio.subprocess.Process, log: Path | None) -> None:
        self.proc, self.log = proc, log

    @property
    def cpu(self) -> float:
        return cpu_seconds(self.proc.pid)

    def tail(self, lines: int = 30) -> str:
        """The end of its log, for an error message."""
        if self.log is None or not self.log.exists():
            return ""
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    async def answer(self) -> dict[str, Any]:
        """The child's next line of output, parsed."""
        assert self.proc.stdout is not None
        line = await self.proc.stdout.readline()
        if not line:
            await self.proc.wait()
            raise RuntimeError(f"child exited with {self.proc.returncode}:\n{self.tail()}")
        answer: dict[str, Any] = json.loads(line)
        return answer

    async def ask(self, command: str) -> dict[str, Any]:
        assert self.proc.stdin is not None
        self.proc.stdin.write(f"{command}\n".encode())
        await self.proc.stdin.drain()
        return await self.answer()

    async def guard(self, work: Awaitable[_T], what: str) -> _T:
        """``work``, unless the child exits first."""
        task, died = asyncio.ensure_future(work), asyncio.ensure_future(self.proc.wait())
        try:
            await asyncio.wait({task, died}, return_when=asyncio.FIRST_COMPLETED)
            if not task.done():
                raise RuntimeError(
                    f"child exited with {self.proc.returncode} during {what}:\n{self.tail()}"
                )
            return task.result()
        finally:
            for pending in (task, died):
                if not pending.done():
                    pending.cancel()
                    with contextlib.suppress(asyncio.CancelledError, Exception):
                        await pending


@contextlib.asynccontextmanager
async def child(
    module: str,
    *args: str,
    env: dict[str, str] | None = None,
    log: Path | None = None,
    cwd: Path = ROOT,
) -> AsyncIterator[Child]:
    """Start a child. When the block ends (also on an error or Ctrl-C): close its stdin and
    give it 2 s to end; then SIGINT, which stops a PTB application cleanly; SIGKILL after
    15 s more."""
    cleared = ("WEBHOOK_URL", "WEBHOOK_SECRET", "ADMIN_IDS", "CONTENT_DIR")  # a developer's
    environ = {k: v for k, v in os.environ.items() if k not in cleared}
    environ["PYTHONPATH"] = os.pathsep.join(filter(None, (str(ROOT), environ.get("PYTHONPATH"))))
    with contextlib.ExitStack() as files:
        err = files.enter_context(log.open("wb")) if log is not None else None
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", module, *args, env={**environ, **(env or {})}, cwd=cwd,
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=err,
        )  # fmt: skip
    _live.add(proc.pid)
    try:
        yield Child(proc, log)
    finally:
        try:
            if proc.stdin is not None:
                proc.stdin.close()  # a child reading commands or done answering ends here
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(proc.wait(), 2)
            if proc.returncode is None:
                proc.send_signal(signal.SIGINT)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(proc.wait(), 15)
        finally:
            if proc.returncode is None:
                proc.kill()
            _live.discard(proc.pid)


def reply(answer: dict[str, Any]) -> None:
    """A child's answer to its parent: one JSON line on stdout."""
    print(json.dumps(answer), flush=True)


def run(main: Coroutine[Any, Any, int]) -> int:
    """Run a benchmark's coroutine: SIGTERM unwinds like Ctrl-C, so every child is stopped
    on the way out; whatever still runs after the loop is gone is killed."""

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:  # started in the background
        signal.signal(signal.SIGINT, interrupt)
    try:
        return asyncio.run(main)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    finally:
        for pid in list(_live):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


# --- A/B rounds ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Ratio:
    """A over B, round by round: the median and its spread (min-max over the rounds)."""

    rounds: tuple[float, ...]

    @property
    def median(self) -> float:
        return statistics.median(self.rounds) if self.rounds else math.nan

    def __str__(self) -> str:
        if len(self.rounds) < 2:
            return f"{self.median:.2f}"
        return f"{self.median:.2f} (rounds {min(self.rounds):.2f}-{max(self.rounds):.2f})"


async def alternate(
    rounds: int, a: Callable[[int], Awaitable[_T]], b: Callable[[int], Awaitable[_T]]
) -> list[tuple[_T, _T]]:
    """A B A B ...: round r runs ``a(r)``, then ``b(r)``; their results, round by round."""
    return [(await a(r), await b(r)) for r in range(rounds)]


def ratio(pairs: Sequence[tuple[_T, _T]], figure: Callable[[_T], float]) -> Ratio:
    return Ratio(tuple(figure(a) / figure(b) for a, b in pairs if figure(b)))


# --- timers around the bot's functions ----------------------------------------------------


@contextlib.contextmanager
def _wrapped(
    module: str, names: Sequence[str], wrap: Callable[[str, Callable[..., Any]], Callable[..., Any]]
) -> Iterator[None]:
    """While the block runs, the functions ``names`` of ``module`` are replaced by
    ``wrap(name, original)``; the originals come back after it."""
    target = importlib.import_module(module)
    originals = {name: getattr(target, name) for name in names}
    for name, original in originals.items():
        setattr(target, name, wrap(name, original))
    try:
        yield
    finally:
        for name, original in originals.items():
            setattr(target, name, original)


@contextlib.contextmanager
def counted(module: str, name: str) -> Iterator[Counter[Any]]:
    """While the block runs, what the function ``name`` of ``module`` returns, counted (the
    wrapper calls the original; nothing else changes)."""
    seen: Counter[Any] = Counter()

    def wrap(_name: str, original: Callable[..., Any]) -> Callable[..., Any]:
        def counter(*args: Any, **kwargs: Any) -> Any:
            result = original(*args, **kwargs)
            seen[result] += 1
            return result

        return counter

    with _wrapped(module, (name,), wrap):
        yield seen


@contextlib.contextmanager
def timed(module: str, *names: str) -> Iterator[dict[str, list[float]]]:
    """While the block runs, the async functions ``names`` of ``module`` are wrapped in
    timers (the wrappers call the originals; nothing else changes): seconds per call."""
    seconds: dict[str, list[float]] = {name: [] for name in names}

    def wrap(name: str, original: Callable[..., Any]) -> Callable[..., Any]:
        async def timer(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return await original(*args, **kwargs)
            finally:
                seconds[name].append(time.perf_counter() - started)

        return timer

    with _wrapped(module, names, wrap):
        yield seconds


# --- the summary --------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    figure: str
    bot: str
    baseline: str = ""
    target: str = ""
    ok: bool | None = None  # None: a figure without a target


def print_summary(rows: Sequence[Row], began: float) -> None:
    table = [("figure", "this bot", "baseline, same run", "target", "")]
    verdicts = {None: "", True: "PASS", False: "MISS"}
    table += [(r.figure, r.bot, r.baseline, r.target, verdicts[r.ok]) for r in rows]
    widths = [max(len(row[i]) for row in table) for i in range(5)]
    rule = "  ".join("-" * w for w in widths)
    print(f"\nsummary\n{rule}")
    for number, row in enumerate(table):
        print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
        if number == 0:
            print(rule)
    print(f"{rule}\ntotal wall time {time.perf_counter() - began:.0f} s")
