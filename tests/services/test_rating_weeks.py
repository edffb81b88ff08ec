"""A check-in with nothing in memory reads two weeks of the runner's history when they
hold all the rules will count (bot/services/progression.py, history_for_rating), and the
whole history otherwise. Either way the rules decide as on the whole history: the
suite's verify mode (tests/conftest.py) decides every rating read on two weeks again on
the whole history and fails on a difference; these tests count the reads without it,
and check the decision itself."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import update

from bot.content import Content
from bot.db.models import User
from bot.domain import progression as rules
from bot.domain.enums import CheckinKind, StepOutcome
from bot.domain.schedule import local_date_of
from bot.services import checkins, progression
from bot.services.unit import Env, runner_unit
from tests.utils.factories import make_days_of_use, make_decision, make_runner
from tests.utils.rows import level_changes
from tests.utils.writes import watch

ALEX = 502
ZONE = "Europe/Berlin"


async def runner_in_their_routine(
    env: Env, content: Content, *, every: int, days: int = 60
) -> date:
    """Alex, at level 2 for a month: a whole level-2 session every `every` days with pain 2
    and a settled morning after it (not yet today's), B0 fixed long ago. Today."""
    now = env.clock.now()
    today = local_date_of(now, ZONE)
    user_id = await make_runner(env.db, ALEX, now=now - timedelta(days=days), level=2)
    b0_on = today - timedelta(days=days - 7)  # B0 of 1, fixed that day
    memory = rules.Memory(daily_on=today - timedelta(days=1)).with_b0([(b0_on, 1)])
    async with env.db.write() as tx:
        await tx.execute(
            update(User).where(User.id == user_id).values(rules_memory=memory.to_json())
        )
    await make_decision(
        env.db,
        user_id,
        decision="level_up",
        local_date=today - timedelta(days=30),
        at=now - timedelta(days=30),
        from_level=1,
        to_level=2,
    )
    await make_days_of_use(
        env.db,
        user_id,
        now=now,
        days=range(days - 1, 0, -1),
        steps=content.ladder.steps[:2],
        outcomes=lambda back: [StepOutcome.DONE] * 2 if back % every == 1 % every else None,
        pain=lambda _: 2,
        morning=lambda back: back > 1,
    )
    return today


async def rate_morning(env: Env, score: int) -> list[date]:
    """A morning rating, with nothing in memory; the first day each history read asked for
    (the verify mode's own reads left out)."""
    env.histories.clear()
    env.histories.verify = False
    with watch(env.db) as seen:
        async with runner_unit(env, ALEX) as (tx, user):
            assert user is not None
            await checkins.log_rating(env, tx, user, CheckinKind.MORNING, score)
    return [
        _day(params[-1])
        for statement, params in seen.sent
        if "FROM pain_checkins" in statement and "local_date >=" in statement
    ]


def _day(value: object) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


async def test_a_runner_in_their_routine_levels_up_on_two_weeks_of_history(
    env: Env, content: Content
) -> None:
    today = await runner_in_their_routine(env, content, every=1)

    read = await rate_morning(env, 1)

    # The morning after the third comfortable session in a row: R3 moves Alex up, and the
    # check-in read two weeks of ratings, not 120 days.
    assert read == [today - timedelta(days=14)]
    changes = await level_changes(env.db, ALEX)
    assert [(c.decision, c.from_level, c.to_level) for c in changes][-1] == ("level_up", 2, 3)


async def test_a_row_that_began_before_the_two_weeks_makes_it_read_everything(
    env: Env, content: Content
) -> None:
    """A session every seven days: two in the last two weeks, the row's first before them."""
    today = await runner_in_their_routine(env, content, every=7)

    read = await rate_morning(env, 1)

    assert read == [today - timedelta(days=14), today - timedelta(days=progression.HISTORY_DAYS)]
    changes = await level_changes(env.db, ALEX)
    assert [(c.decision, c.from_level, c.to_level) for c in changes][-1] == ("level_up", 2, 3)


async def test_a_runner_without_b0_reads_everything_at_once(env: Env, content: Content) -> None:
    """B0 comes from the first seven mornings, wherever they are."""
    today = await runner_in_their_routine(env, content, every=1)
    async with env.db.write() as tx:
        await tx.execute(update(User).where(User.telegram_user_id == ALEX).values(rules_memory={}))

    read = await rate_morning(env, 1)

    assert read == [today - timedelta(days=progression.HISTORY_DAYS)]
