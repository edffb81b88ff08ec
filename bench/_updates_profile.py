"""Where the time went: a summary of py-spy's raw (collapsed-stack) output.

Each line of ``py-spy record --format raw`` is ``frame;frame;...;leaf COUNT`` with frames
like ``function (path/to/file.py:LINE)``. bench/updates.py records with ``--gil``: only the
thread holding the GIL is sampled, so the shares are shares of the busy Python core.

    python3 -m bench._updates_profile /tmp/prof/real.txt
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

_FRAME = re.compile(r"^(?P<func>.*) \((?P<file>[^()]*?)(?::\d+)?\)$")

# py-spy names files relative to their sys.path entry: "bot/handlers/session.py",
# "sqlalchemy/orm/session.py", "asyncio/events.py", "selectors.py". The first component
# (or the module file) names the layer.
LAYERS: dict[str, str] = {
    "bot": "bot/ (the real bot's code)",
    "bench": "bench/ (the bare bot's handlers)",
    "sqlalchemy": "sqlalchemy",
    "aiosqlite": "aiosqlite",
    "sqlite3": "sqlite3",
    "telegram": "telegram (PTB)",
    "httpx": "httpx",
    "httpcore": "httpcore",
    "h11": "h11",
    "anyio": "anyio",
    "aiolimiter": "aiolimiter",
    "asyncio": "asyncio",
    "selectors.py": "selectors (epoll)",
    "threading.py": "threading / queue",
    "queue.py": "threading / queue",
    "json": "json",
    "logging": "logging",
}
BOT = LAYERS["bot"]


def layer(frame: str) -> str:
    match = _FRAME.match(frame)
    path = match.group("file") if match else frame
    return LAYERS.get(path.split("/", 1)[0], "other")


def read_stacks(path: Path) -> list[tuple[list[str], int]]:
    stacks: list[tuple[list[str], int]] = []
    for line in path.read_text(errors="replace").splitlines():
        body, _, count = line.rpartition(" ")
        if body and count.isdigit():
            stacks.append((body.split(";"), int(count)))
    return stacks


def summary(stacks: Iterable[tuple[list[str], int]], top: int = 12) -> list[str]:
    stacks = list(stacks)
    total = sum(count for _, count in stacks)
    if not total:
        return ["  (no samples)"]
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    leaves: Counter[str] = Counter()
    bot_frames: Counter[str] = Counter()
    for frames, count in stacks:
        for name in {layer(f) for f in frames}:
            inclusive[name] += count
        own[layer(frames[-1])] += count
        leaves[frames[-1]] += count
        for frame in {f for f in frames if layer(f) == BOT}:
            bot_frames[frame] += count
    lines = [f"  {total} samples of busy threads; by layer: inclusive % (own %)"]
    for name, count in inclusive.most_common():
        lines.append(f"    {count / total:6.1%} ({own[name] / total:6.1%})  {name}")
    lines.append(f"  top {top} leaf frames (own time):")
    for frame, count in leaves.most_common(top):
        lines.append(f"    {count / total:6.1%}  {frame}")
    if bot_frames:
        lines.append(f"  top {top} frames of bot/ (inclusive):")
        for frame, count in bot_frames.most_common(top):
            lines.append(f"    {count / total:6.1%}  {frame}")
    return lines


def main(argv: Sequence[str]) -> int:
    for name in argv:
        print(name)
        print("\n".join(summary(read_stacks(Path(name)))))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
