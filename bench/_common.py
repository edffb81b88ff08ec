"""What the benchmarks share: the machine they ran on, and timers around the bot's own
functions."""

from __future__ import annotations

import contextlib
import importlib
import os
import platform
import sqlite3
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar


def machine_info() -> list[tuple[str, str]]:
    cpu = "unknown"
    with contextlib.suppress(OSError), open("/proc/cpuinfo", encoding="utf-8") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem = "unknown"
    with contextlib.suppress(OSError), open("/proc/meminfo", encoding="utf-8") as f:
        for line in f:
            if line.startswith("MemTotal"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                break
    return [
        ("CPU", cpu),
        ("cores", str(os.cpu_count())),
        ("memory", mem),
        ("Python", platform.python_version()),
        ("SQLite", sqlite3.sqlite_version),
        ("platform", platform.platform()),
    ]


@dataclass
class FunctionTimers:
    """Where the time goes: functions of a bot module (MODULE, NAMES), wrapped in timers
    while installed. The wrappers call the originals; nothing else changes."""

    MODULE: ClassVar[str]
    NAMES: ClassVar[tuple[str, ...]]
    seconds: dict[str, list[float]] = field(default_factory=dict)

    @contextlib.contextmanager
    def installed(self) -> Iterator[None]:
        module = importlib.import_module(self.MODULE)
        originals = {name: getattr(module, name) for name in self.NAMES}
        for name, original in originals.items():
            setattr(module, name, self._timed(name, original))
        try:
            yield
        finally:
            for name, original in originals.items():
                setattr(module, name, original)

    def _timed(
        self, name: str, original: Callable[..., Awaitable[Any]]
    ) -> Callable[..., Awaitable[Any]]:
        bucket = self.seconds.setdefault(name, [])

        async def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return await original(*args, **kwargs)
            finally:
                bucket.append(time.perf_counter() - started)

        return timed


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def print_table(rows: Sequence[tuple[str, str, str, str]]) -> None:
    """The summary: figure, value, target, PASS/MISS."""
    headers = ("figure", "value", "target", "")
    widths = [max(len(r[i]) for r in [headers, *rows]) for i in range(4)]
    rule = "  ".join("-" * w for w in widths)
    print(rule)
    print("  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip())
    print(rule)
    for row in rows:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
    print(rule)
