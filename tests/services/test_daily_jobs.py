"""The rules' daily jobs in the reminder sweep: the first reminder of the day of every runner
who used the bot the day before runs them. A batch of runners reads the weeks the jobs look
at in one statement per table, and decides what each runner's history alone decides; a
runner back after weeks away, or the runners whose B recompute falls today (28 days),
are read as a group of their own. (The suite's verify mode, tests/conftest.py,
also runs every daily job again on all 120 days and fails on any difference.)"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from bot.clock import ManualClock
from bot.db.models import User
from bot.db.repo import checkins as repo
from bot.domain.enums import StepOutcome
from bot.domain.progression import Memory
from bot.domain.schedule import local_date_of
from bot.sender import SweepConfig, claim_due
from bot.services.histories import HistoryCache
from bot.services.reminders import Outgoing, SweepResult
from bot.services.unit import Env
from tests.utils.factories import make_days_of_use, make_decision, make_runner
from tests.utils.writes import watch

RUNNERS = range(601, 606)
STEPS = ["cat_cow", "pelvic_tilt", "childs_pose"]


async def runner_who_used_the_bot(
    env: Env, telegram_user_id: int, *, days: int, until: int = 0
) -> int:
    """A runner of `days` days, up to `until` days ago: a session most days (now and then a
    Hurts), its pain, a morning rating, a level change; the daily jobs last ran the day
    before yesterday, as a check-in yesterday leaves them. Their reminder is due at 07:30
    Berlin time today."""
    now = env.clock.now()
    user_id = await make_runner(env.db, telegram_user_id, now=now - timedelta(days=days), level=2)
    await make_days_of_use(
        env.db,
        user_id,
        now=now,
        days=range(days, until, -1),
        steps=STEPS,
        outcomes=lambda back: (
            None
            if back % 4 == 0
            else [StepOutcome.DONE, StepOutcome.HURTS if back % 7 == 0 else StepOutcome.DONE]
        ),
        pain=lambda back: back % 5,
        morning=lambda back: back % 3 != 0,
    )
    await make_decision(
        env.db,
        user_id,
        decision="level_up",
        local_date=local_date_of(now - timedelta(days=days // 2), "Europe/Berlin"),
        at=now - timedelta(days=days // 2),
        from_level=1,
        to_level=2,
    )
    await daily_jobs_last_ran(env, user_id, days_ago=2)
    return user_id


async def daily_jobs_last_ran(
    env: Env, user_id: int, *, days_ago: int, b0_days_ago: int | None = None
) -> None:
    """...that many days ago (B0 fixed `b0_days_ago` days ago, if given); and their next
    reminder is today's, at 07:30 in Berlin."""
    now = env.clock.now()
    today = local_date_of(now, "Europe/Berlin")
    memory = {"daily_on": (today - timedelta(days=days_ago)).isoformat()}
    if b0_days_ago is not None:
        b0_on = today - timedelta(days=b0_days_ago)
        memory.update(
            Memory().with_b0([(b0_on, 1)]).to_json()  # B0 of 1 fixed that day
        )
    due = now.replace(hour=6, minute=30)  # CET
    async with env.db.write() as tx:
        await tx.execute(
            update(User).where(User.id == user_id).values(rules_memory=memory, next_reminder_at=due)
        )


async def sweep(env: Env, clock: ManualClock) -> list[Outgoing]:
    clock.set(clock.now().replace(hour=6, minute=31))  # 07:31 in Berlin (CET)
    config = SweepConfig(grace=timedelta(hours=1), batch_size=100)
    items, _ = await claim_due(env, now=clock.now(), config=config, result=SweepResult())
    return items


def reads_of_ratings(statements: list[str]) -> int:
    return sum(
        1 for s in statements if s.lstrip().startswith("SELECT") and "FROM pain_checkins" in s
    )


@pytest.fixture
def no_verify(monkeypatch: pytest.MonkeyPatch) -> None:
    """Count the statements the bot makes, not the suite's own second reads."""
    monkeypatch.setattr(HistoryCache, "verify", False)


async def test_a_batch_of_reminders_reads_the_runners_histories_together(
    env: Env, clock: ManualClock, no_verify: None
) -> None:
    for telegram_user_id in RUNNERS:
        await runner_who_used_the_bot(env, telegram_user_id, days=40)

    with watch(env.db) as seen:
        items = await sweep(env, clock)

    assert len(items) == len(RUNNERS)
    assert reads_of_ratings(seen.statements) == 1  # one for the batch, not one per runner


async def test_runners_whose_b_recompute_falls_today_are_read_as_one_group(
    env: Env, clock: ManualClock, no_verify: None
) -> None:
    """Their jobs look at 28 days, the others' at a week: two groups, not one read each."""
    for telegram_user_id in RUNNERS:
        await runner_who_used_the_bot(env, telegram_user_id, days=40)
    for telegram_user_id in (611, 612, 613):
        user_id = await runner_who_used_the_bot(env, telegram_user_id, days=40)
        # B0 fixed 29 days ago: yesterday is the 28th day after, the recompute's
        await daily_jobs_last_ran(env, user_id, days_ago=2, b0_days_ago=29)

    with watch(env.db) as seen:
        items = await sweep(env, clock)

    assert len(items) == len(RUNNERS) + 3
    assert reads_of_ratings(seen.statements) == 2  # the week's group and the 28 days'


async def test_a_runner_back_after_weeks_away_is_read_alone_and_told_the_same(
    env: Env, clock: ManualClock, no_verify: None
) -> None:
    """Read with the others, every runner of the batch would be read from weeks back."""
    for telegram_user_id in RUNNERS:
        await runner_who_used_the_bot(env, telegram_user_id, days=40)
    away = await runner_who_used_the_bot(env, 699, days=90, until=60)
    await daily_jobs_last_ran(env, away, days_ago=60)

    with watch(env.db) as seen:
        items = await sweep(env, clock)

    assert reads_of_ratings(seen.statements) == 2  # the batch, and the runner back alone
    [back] = [item for item in items if item.chat_id == 699]
    # Their sessions stopped 60 days ago: R8's nudge comes with this reminder.
    assert "decision_nudge" in {say.key for say in back.news}


async def test_the_same_reminders_with_every_history_read_whole_and_compared(
    env: Env, clock: ManualClock
) -> None:
    """The suite's verify mode (on here) runs each runner's daily jobs again on all 120
    days of their history and fails on any difference; both runners get news."""
    for telegram_user_id in RUNNERS:
        await runner_who_used_the_bot(env, telegram_user_id, days=40)
    away = await runner_who_used_the_bot(env, 699, days=90, until=60)
    await daily_jobs_last_ran(env, away, days_ago=60)

    items = await sweep(env, clock)

    assert len(items) == len(RUNNERS) + 1
    assert any(item.news for item in items)


async def test_read_together_each_runner_gets_exactly_their_rows_from_their_day(
    env: Env,
) -> None:
    ids = [await runner_who_used_the_bot(env, t, days=40) for t in RUNNERS]
    nobody = await make_runner(env.db, 698, now=env.clock.now())  # no history at all
    today = local_date_of(env.clock.now(), "Europe/Berlin")
    since = {user_id: today - timedelta(days=20 + n) for n, user_id in enumerate(ids)}
    since[nobody] = today - timedelta(days=30)

    async with env.db.read() as tx:
        together = await repo.histories(tx, since=since)
        alone = {u: await repo.history(tx, user_id=u, since=day) for u, day in since.items()}

    assert together == alone
    assert all(together[u].checkins and together[u].answers for u in ids)
    assert not together[nobody].checkins
    assert not together[nobody].sessions
