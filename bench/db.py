"""Check-ins under write contention (issue 8, item 3).

    python3 -m bench.db                                  # about 2 minutes
    python3 -m bench.db --rounds 4 --steady-seconds 3    # a quick smoke run
    python3 -m bench.db --database-url postgresql+asyncpg://...   # an empty database

``--runners`` runners (50), each with 120 days of history, among ``--bystanders`` (200)
others, check in the way the bot stores a rating after a run: one ``runner_unit`` (the
write unit that locks the runner) around ``bot.services.checkins.log_rating``, which
stores the rating, reads the history, applies the progression rules and records what
they decide. Telegram is left out. One ``Database`` per process, asyncio tasks: the way
the bot runs (on SQLite, writers queue on an asyncio lock before BEGIN IMMEDIATE).

* alone: one runner, check-ins one after another: the service time, and inside it
  ``log_rating`` and ``history_for_rating``; then ``load_history`` alone, of the whole
  history and of two weeks.
* at once: every runner checks in at the same instant; then, the baseline, as many bare
  INSERTs of a pain_checkins row (each its own write unit; bystanders' rows) at the same
  instant into the same database; ``--rounds`` times, A B A B. Target: the check-in p99 at most
  twice the bare INSERTs' p99 (median ratio over the rounds). Each runner's history is
  then in the process's memory from their check-in before (bot/services/histories.py);
  the same rounds again with that memory emptied before each: a check-in after a session,
  a restart or another process's write, which reads the history again: two weeks of it
  when they hold all the rules will count (``rules.rating_window_holds``; the run says
  for how many), else the 120 days.
* steady: one check-in every 1/``--rate`` s (25/s) for ``--steady-seconds``, whatever
  the earlier ones are doing (an open loop): the sustained rate and the p99. Then again
  after gc.freeze() as the bot does once it has started (bot/app.py: full collections
  then skip the objects of the imports and the content, which otherwise pause the loop
  ~50 ms each), and again without it, for comparison.
* processes: the at-once rounds with the runners spread over ``--processes`` (5)
  processes sharing the database. "database is locked" must stay 0 with 1 and with 5.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import random
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select

from bench.harness import (
    Row,
    alternate,
    child,
    counted,
    latencies,
    machine_info,
    percentile,
    print_summary,
    ratio,
    reply,
    run,
    timed,
)
from bench.seed import Runners, seed
from bot.clock import SystemClock
from bot.content import load_languages
from bot.db.engine import Database
from bot.db.models import PainCheckin, User
from bot.domain.enums import CheckinKind
from bot.domain.schedule import local_date_of
from bot.services import checkins, progression
from bot.services.unit import Env, runner_unit

TARGET_P99_MS = 10.0
TARGET_AT_ONCE_RATIO = 2.0  # check-ins at once: p99 at most twice that of bare INSERTs
FIRST_RUNNER, FIRST_BYSTANDER = 500_000_000, 600_000_000

Action = Callable[[int], Awaitable[None]]


@dataclass
class Outcome:
    """Latencies (s) of the actions that succeeded, errors by kind, wall time."""

    latencies: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)
    wall: float = 0.0

    @property
    def locked(self) -> int:
        return self.errors["database is locked"]

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.wall if self.wall else 0.0

    def p(self, q: float) -> float:
        return percentile(self.latencies, q) * 1000

    def line(self) -> str:
        errors = ", ".join(f"{n} x {kind}" for kind, n in self.errors.items()) or "no errors"
        return f"{latencies(self.latencies)} ms | {self.rate:5.0f}/s | {errors}"

    def add(self, other: Outcome) -> Outcome:
        self.latencies += other.latencies
        self.errors += other.errors
        self.wall += other.wall
        return self


async def timed_action(action: Action, runner: int, outcome: Outcome) -> None:
    started = time.perf_counter()
    try:
        await action(runner)
    except Exception as exc:
        text = str(exc)
        kind = "database is locked" if "database is locked" in text else type(exc).__name__
        outcome.errors[kind] += 1
    else:
        outcome.latencies.append(time.perf_counter() - started)


async def at_once(
    action: Action, runners: Sequence[int], before: Callable[[], None] | None = None
) -> Outcome:
    if before is not None:
        before()
    outcome, started = Outcome(), time.perf_counter()
    await asyncio.gather(*(timed_action(action, r, outcome) for r in runners))
    outcome.wall = time.perf_counter() - started
    return outcome


async def steady(action: Action, runners: Sequence[int], rate: float, seconds: float) -> Outcome:
    """One action every 1/rate s, round the runners, each in its own task."""
    outcome, started, tasks = Outcome(), time.perf_counter(), []
    for n in range(round(rate * seconds)):
        await asyncio.sleep(max(0.0, started + n / rate - time.perf_counter()))
        tasks.append(asyncio.create_task(timed_action(action, runners[n % len(runners)], outcome)))
    await asyncio.gather(*tasks)
    outcome.wall = time.perf_counter() - started
    return outcome


class Actions:
    """The bot's check-in and the baseline's bare INSERT, on one Database."""

    def __init__(self, url: str, seed: int = 7) -> None:
        self.db = Database(url)
        self.env = Env(self.db, load_languages(), SystemClock())
        self.rng = random.Random(seed)  # noqa: S311 (test data)
        self.user_ids: dict[int, int] = {}

    async def checkin(self, telegram_user_id: int) -> None:
        """A pain rating after a run, stored the way the bot stores it."""
        async with runner_unit(self.env, telegram_user_id) as (tx, user):
            assert user is not None
            score = self.rng.randint(0, 6)
            await checkins.log_rating(self.env, tx, user, CheckinKind.AFTER_RUN, score)

    async def bare_insert(self, telegram_user_id: int) -> None:
        """The baseline: one INSERT of a pain_checkins row in one write unit."""
        if not self.user_ids:
            async with self.db.read() as tx:
                found = await tx.execute(select(User.telegram_user_id, User.id))
                self.user_ids = dict(found.all())
        now = datetime.now(UTC)
        async with self.db.write() as tx:
            await tx.execute(
                insert(PainCheckin).values(
                    user_id=self.user_ids[telegram_user_id],
                    score=self.rng.randint(0, 6),
                    context=CheckinKind.AD_HOC,
                    local_date=now.date(),
                    recorded_at=now,
                )
            )

    async def load_history_ms(
        self, telegram_user_id: int, days: int | None = None, times: int = 50
    ) -> list[float]:
        """load_history alone (the last `days` days; None: the whole history), warm: the
        first call fills the statement cache."""
        async with self.db.read() as tx:
            user = await tx.scalar(select(User).where(User.telegram_user_id == telegram_user_id))
        assert user is not None
        today = local_date_of(datetime.now(UTC), user.time_zone or "UTC")
        runs = []
        for _ in range(times + 1):
            async with self.db.read() as tx:
                started = time.perf_counter()
                since = None if days is None else today - timedelta(days=days)
                await progression.load_history(self.env, tx, user, today, since=since)
                runs.append(time.perf_counter() - started)
        return runs[1:]


async def rounds_of_checkins(url: str, runners: Sequence[int], rounds: int) -> Outcome:
    """In a process of its own: ``rounds`` at-once rounds of check-ins, back to back."""
    actions = Actions(url, seed=runners[0])
    try:
        await at_once(actions.checkin, runners)  # warm-up, not counted
        outcome = Outcome()
        for _ in range(rounds):
            outcome.add(await at_once(actions.checkin, runners))
        return outcome
    finally:
        await actions.db.dispose()


async def in_processes(url: str, runners: Sequence[int], rounds: int, processes: int) -> Outcome:
    async def one(group: Sequence[int]) -> dict[str, Any]:
        ids = ",".join(map(str, group))
        async with child("bench.db", "--child", url, ids, str(rounds), str(start)) as proc:
            return await proc.answer()

    start = time.time() + 5.0  # when every child has imported and connected
    answers = await asyncio.gather(*(one(runners[i::processes]) for i in range(processes)))
    total = Outcome(wall=0.0)
    for answer in answers:
        total.add(Outcome(answer["latencies"], Counter(answer["errors"])))
        total.wall = max(total.wall, answer["wall"])
    return total


async def child_main(url: str, ids: str, rounds: str, start: str) -> int:
    runners = [int(r) for r in ids.split(",")]
    await asyncio.sleep(max(0.0, float(start) - time.time()))
    outcome = await rounds_of_checkins(url, runners, int(rounds))
    reply({"latencies": outcome.latencies, "errors": outcome.errors, "wall": outcome.wall})
    return 0


async def amain(args: argparse.Namespace) -> int:
    began = time.perf_counter()
    print(f"bench/db.py: check-ins under write contention (issue 8, item 3)\n{machine_info()}")
    n, rounds = args.runners, args.rounds
    runners = [FIRST_RUNNER + i for i in range(n)]
    # The baseline's rows go to as many bystanders: a row in a runner's own history would
    # make their next check-in read it again (the same table, index and triggers either way).
    others = [FIRST_BYSTANDER + i % args.bystanders for i in range(n)]
    with tempfile.TemporaryDirectory(prefix="bench-db-") as tmp:
        url = args.database_url or f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
        seeded = await seed(
            url,
            Runners(runners, level=3, history_days=120),
            Runners(range(FIRST_BYSTANDER, FIRST_BYSTANDER + args.bystanders), history_days=120),
            now=datetime.now(UTC),
        )
        rows = ", ".join(f"{table} {count:,}" for table, count in seeded.items())
        print(f"\nseeded in {time.perf_counter() - began:.1f} s ({url.split(':')[0]}): {rows}")

        actions = Actions(url)
        try:
            await at_once(actions.checkin, runners)  # warm-up, not counted
            await at_once(actions.bare_insert, others)
            with timed("bot.services.checkins", "log_rating", "history_for_rating") as inside:
                alone = Outcome()
                for _ in range(4 * rounds):
                    alone.add(await at_once(actions.checkin, runners[:1]))
            history = await actions.load_history_ms(runners[0])
            weeks = await actions.load_history_ms(runners[0], days=14)
            print(f"\none runner alone, {len(alone.latencies)} check-ins one after another:")
            print(f"  check-in           {alone.line()}")
            for name in ("log_rating", "history_for_rating"):
                print(f"    of which {name:<18} {latencies(inside[name])} ms")
            unit = alone.p(50) - percentile(inside["log_rating"], 50) * 1000
            print(f"    medians: the write unit around it (lock, runner, commit) {unit:.1f} ms")
            print(f"  load_history alone {latencies(history)} ms (120 days of history)")
            print(f"  load_history alone {latencies(weeks)} ms (two weeks)")

            print(f"\n{n} at once, {rounds} rounds, A B A B: the bot's check-in, bare INSERTs")
            pairs = await alternate(
                rounds,
                lambda r: at_once(actions.checkin, runners),
                lambda r: at_once(actions.bare_insert, others),
            )
            bot, bare = Outcome(), Outcome()
            for a, b in pairs:
                bot.add(a)
                bare.add(b)
            print(f"  bot check-in  {bot.line()}")
            print(f"  bare INSERT   {bare.line()}")
            p99_ratio = ratio(pairs, lambda o: o.p(99))
            rate_ratio = ratio(pairs, lambda o: o.rate)
            print(f"  per round, bot/bare: p99 {p99_ratio}, rate {rate_ratio}")

            print(
                f"\n{n} at once with nothing in memory (the first check-in after a session,"
                f" a restart or another process's write), {rounds} rounds, A B A B"
            )
            cache = actions.env.histories
            with counted("bot.domain.progression", "rating_window_holds") as held:
                cold_pairs = await alternate(
                    rounds,
                    lambda r: at_once(actions.checkin, runners, before=cache.clear),
                    lambda r: at_once(actions.bare_insert, others),
                )
            print(f"  decided on two weeks of history: {held[True]} of {held.total()} check-ins")
            cold = Outcome()
            for a, _ in cold_pairs:
                cold.add(a)
            print(f"  bot check-in  {cold.line()}")
            cold_ratio = ratio(cold_pairs, lambda o: o.p(99))
            cold_rate = ratio(cold_pairs, lambda o: o.rate)
            print(f"  per round, bot/bare: p99 {cold_ratio}, rate {cold_rate}")

            print(f"\nsteady: {args.rate:g} check-ins/s offered for {args.steady_seconds:g} s")
            paced = await steady(actions.checkin, runners, args.rate, args.steady_seconds)
            print(f"  no gc.freeze  {paced.line()}")
            gc.collect()
            gc.freeze()  # what the bot does once after start-up (bot/app.py post_init)
            try:
                frozen = await steady(actions.checkin, runners, args.rate, args.steady_seconds)
            finally:
                gc.unfreeze()
            print(f"  bot check-in  {frozen.line()}")
        finally:
            await actions.db.dispose()

        print(f"\n{n} at once in {args.processes} processes, {rounds} rounds back to back")
        spread = await in_processes(url, runners, rounds, args.processes)
        print(f"  bot check-in  {spread.line()}")

    in_one = bot.locked + bare.locked + alone.locked + paced.locked + frozen.locked
    errors = sum((o.errors for o in (alone, bot, bare, paced, frozen, spread)), Counter())
    other = sum(errors.values()) - errors["database is locked"]
    below = f"< {TARGET_P99_MS:g} ms"
    print_summary(
        [
            Row(
                "load_history, 120 days / two weeks (median, alone)",
                f"{percentile(history, 50) * 1000:.2f} / {percentile(weeks, 50) * 1000:.2f} ms",
            ),
            Row(
                "check-in, one runner alone: p50 / p99",
                f"{alone.p(50):.1f} / {alone.p(99):.1f} ms",
                target=below,
                ok=alone.p(99) < TARGET_P99_MS,
            ),
            Row(
                f"check-in p99, {n} at once",
                f"{bot.p(99):.1f} ms",
                f"{n} bare INSERTs: {bare.p(99):.1f} ms",
            ),
            Row(
                "  p99 bot/bare, median of rounds",
                str(p99_ratio),
                target=f"<= {TARGET_AT_ONCE_RATIO:g}",
                ok=p99_ratio.median <= TARGET_AT_ONCE_RATIO,
            ),
            Row(
                f"check-in p99, {n} at once, nothing in memory",
                f"{cold.p(99):.1f} ms",
                f"{n} bare INSERTs, ratio {cold_ratio}",
                target=f"<= {TARGET_AT_ONCE_RATIO:g}",
                ok=cold_ratio.median <= TARGET_AT_ONCE_RATIO,
            ),
            Row(
                f"  rate {n} at once, bot/bare",
                f"{bot.rate:.0f}/s",
                f"{bare.rate:.0f}/s; ratio {rate_ratio}",
            ),
            Row(
                f"check-in p99, steady {args.rate:g}/s offered",
                f"{frozen.p(99):.1f} ms (p50 {frozen.p(50):.1f})",
                target=below,
                ok=frozen.p(99) < TARGET_P99_MS,
            ),
            Row(
                "  sustained rate",
                f"{frozen.rate:.1f}/s",
                target=f">= {0.95 * args.rate:g}/s (95%)",
                ok=frozen.rate >= 0.95 * args.rate,
            ),
            Row(
                "  without gc.freeze(): rate, p99",
                f"{paced.rate:.1f}/s, {paced.p(99):.1f} ms (p50 {paced.p(50):.1f})",
            ),
            Row(
                f"  {args.processes} processes at once: p99, rate",
                f"{spread.p(99):.1f} ms, {spread.rate:.0f}/s",
            ),
            Row(
                '"database is locked", 1 process',
                f"{in_one} (slowest check-in {bot.p(100) / 1000:.1f} s; busy_timeout 10 s)",
                target="0",
                ok=in_one == 0,
            ),
            Row(
                f'"database is locked", {args.processes} processes',
                str(spread.locked),
                target="0",
                ok=spread.locked == 0,
            ),
            Row("other errors, all scenarios", str(other), target="0", ok=other == 0),
        ],
        began,
    )
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python3 -m bench.db", description=__doc__)
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    add = parser.add_argument
    add("--runners", type=int, default=50, help="runners checking in at once (default 50)")
    add("--bystanders", type=int, default=200, help="other runners with history (default 200)")
    add("--rounds", type=int, default=30, help="at-once rounds, each bot then bare (default 30)")
    add("--rate", type=float, default=25.0, help="check-ins per second, steady (default 25)")
    add("--steady-seconds", type=float, default=12.0, help="length of a steady run (default 12)")
    add("--processes", type=int, default=5, help="processes sharing the database (default 5)")
    add("--database-url", help="an empty database to use instead of a temporary SQLite file")
    add("--child", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    return run(child_main(*args.child) if args.child else amain(args))


if __name__ == "__main__":
    sys.exit(main())
