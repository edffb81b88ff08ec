"""Which exercises a session runs: pure, over exercise ids."""

from __future__ import annotations

from collections.abc import Mapping, Sequence


def ladder_steps(
    ladder: Sequence[str],
    level: int,
    *,
    substitutes: Mapping[str, str],
    dropped: frozenset[str] = frozenset(),
) -> list[str]:
    """Steps 1..level of the ladder (cumulative), with equipment substitutes swapped in and
    temporarily dropped steps left out. Level is clamped to the ladder's length."""
    level = max(1, min(level, len(ladder)))
    steps = [substitutes.get(step, step) for step in ladder[:level]]
    return [step for step in steps if step not in dropped] or steps[:1]
