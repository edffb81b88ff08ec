"""Child processes for bench/updates.py: the bot under test runs as its own process, as in
production, and is always stopped (SIGINT, then SIGKILL) when the benchmark ends, also on
an error or Ctrl-C."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from collections.abc import AsyncIterator, Mapping, Sequence
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent

# Settings a developer's environment might carry that would change how the bot runs.
_CLEARED = ("WEBHOOK_URL", "WEBHOOK_SECRET", "ADMIN_IDS", "CONTENT_DIR")

_live: set[int] = set()


def child_env(overrides: Mapping[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _CLEARED}
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(REPO_ROOT), os.environ.get("PYTHONPATH", "")) if p
    )
    env.update(overrides)
    return env


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc; 0.0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks  # utime, stime


def tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


@contextlib.asynccontextmanager
async def child_process(
    argv: Sequence[str], *, env: Mapping[str, str], cwd: Path, log: Path
) -> AsyncIterator[asyncio.subprocess.Process]:
    """Start ``argv``; on exit send SIGINT (PTB stops cleanly on it), SIGKILL after 15 s."""
    with log.open("wb") as out:
        proc = await asyncio.create_subprocess_exec(
            *argv, env=dict(env), cwd=cwd, stdin=asyncio.subprocess.DEVNULL, stdout=out, stderr=out
        )
    _live.add(proc.pid)
    try:
        yield proc
    finally:
        try:
            if proc.returncode is None:
                proc.send_signal(signal.SIGINT)
                try:
                    await asyncio.wait_for(proc.wait(), 15)
                except TimeoutError:
                    proc.kill()
                    await proc.wait()
        finally:
            if proc.returncode is None:
                proc.kill()
            _live.discard(proc.pid)


def kill_leftovers() -> None:
    """Last resort (after the event loop is gone): SIGKILL every child still running."""
    for pid in list(_live):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
            print(f"killed child process {pid}", file=sys.stderr)
        _live.discard(pid)
