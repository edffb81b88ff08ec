"""The runners' histories this process read last, while the database says they still hold.

Reading a runner's history (ratings, sessions and decisions: two weeks of them, or 120
days when the weeks do not hold all the rules count) is most of a check-in's cost. Every
write to a history row moves the runner's `history_version` in the same transaction
(triggers, migration 0007), whoever writes it, so a history read at version N is still
the whole truth while their row says N, in this process or any other.

An entry is used only in a write unit that has not written history yet (its own rows
are not in the entry; repo.checkins.wrote_history) and only for the same runner row
(`created_at` too: SQLite can give a deleted runner's id to a new one). It is stored from
a unit that read it under the runner's lock before writing, or, after a check-in
commits, as the history the unit read plus the rows it wrote, under the version those
rows moved it to; if that guess is wrong (something else wrote history in the unit), the
entry is simply never used.
A window that moved on (a new day) drops the rows that left it, as the query would.

`verify` (the tests switch it on) reads the history again on every use and fails loudly
on any difference: the whole suite checks the cache."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, replace
from datetime import date, datetime

from bot.domain import progression as rules

# Bounded: nothing here grows with the number of runners. A runner's 120 days with two
# ratings and a session a day take about 150 KB (measured with tracemalloc), two weeks
# an eighth of it; this keeps the runners who checked in last (a burst of them, or one
# runner's morning and after-run ratings), about 19 MB at most.
MAX_RUNNERS = 128


@dataclass(frozen=True)
class Key:
    """Which runner row, at which version of their history."""

    user_id: int
    created_at: datetime
    version: int


@dataclass(frozen=True)
class _Entry:
    key: Key
    since: date  # the first day the history holds
    history: rules.History


class HistoryCache:
    verify = False  # also read the history every time, and fail on a difference (tests)

    def __init__(self, max_runners: int = MAX_RUNNERS) -> None:
        self._entries: OrderedDict[int, _Entry] = OrderedDict()
        self._max = max_runners
        self.hits = 0
        self.misses = 0

    def get(self, key: Key, since: date) -> rules.History | None:
        """The history from `since` on at exactly that version, or None."""
        entry = self._entries.get(key.user_id)
        if entry is None or entry.key != key or since < entry.since:
            self.misses += 1
            return None
        self._entries.move_to_end(key.user_id)
        self.hits += 1
        history = entry.history
        if since > entry.since:
            history = replace(
                history,
                ratings=tuple(r for r in history.ratings if r.day >= since),
                sessions=tuple(s for s in history.sessions if s.day >= since),
                decisions=tuple(d for d in history.decisions if d.day >= since),
            )
        return history

    def put(self, key: Key, since: date, history: rules.History) -> None:
        self._entries[key.user_id] = _Entry(key, since, history)
        self._entries.move_to_end(key.user_id)
        while len(self._entries) > self._max:
            self._entries.popitem(last=False)

    def forget(self, user_id: int) -> None:
        self._entries.pop(user_id, None)

    def clear(self) -> None:
        self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)
