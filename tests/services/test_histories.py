"""The check-ins' history cache: a runner's history is read again whenever anything wrote
to it (this process, another, a unit that rolled back), and only then; the database's
triggers move the version on every history write. Every hit in the whole suite is also
compared with the history read again (HistoryCache.verify, tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, text, update
from sqlalchemy.orm import aliased
from sqlalchemy.sql.expression import Executable

from bot.callbacks import DeleteTap
from bot.clock import ManualClock
from bot.content import Content
from bot.db.engine import Database
from bot.db.models import PainCheckin, RoutineSession, User
from bot.domain import progression as rules
from bot.domain.enums import CheckinKind, StepOutcome
from bot.domain.schedule import local_date_of
from bot.services import checkins, privacy, progression
from bot.services.histories import HistoryCache, Key
from bot.services.questions import remember_prompt
from bot.services.unit import Env, runner_unit
from tests.utils.factories import (
    make_checkin,
    make_days_of_use,
    make_decision,
    make_runner,
    make_session,
)
from tests.utils.rows import history_version, level_changes

ALEX = 501
STEPS = ["cat_cow", "pelvic_tilt", "childs_pose"]


async def rate(env: Env, score: int, kind: CheckinKind = CheckinKind.AFTER_RUN) -> None:
    async with runner_unit(env, ALEX) as (tx, user):
        assert user is not None
        await checkins.log_rating(env, tx, user, kind, score)


async def runner_with_history(env: Env) -> int:
    """Alex, a week in: sessions with answers, ratings, a recorded decision."""
    now = env.clock.now()
    user_id = await make_runner(env.db, ALEX, now=now - timedelta(days=7), level=2)
    await make_days_of_use(
        env.db,
        user_id,
        now=now,
        days=range(6, 0, -1),
        steps=STEPS,
        outcomes=lambda _: [StepOutcome.DONE, StepOutcome.SKIPPED, StepOutcome.DONE],
        pain=lambda _: 2,
    )
    await make_decision(
        env.db,
        user_id,
        decision="level_up",
        local_date=local_date_of(now - timedelta(days=3), "Europe/Berlin"),
        at=now - timedelta(days=3),
        from_level=1,
        to_level=2,
    )
    return user_id


async def test_a_second_rating_reads_the_history_from_memory(env: Env, clock: ManualClock) -> None:
    await runner_with_history(env)

    await rate(env, 2)
    clock.advance(timedelta(hours=3))
    await rate(env, 3, CheckinKind.AD_HOC)

    # The first read the history; the second found it, with the first rating in it, and
    # the suite's verify mode read it again and found the same.
    assert (env.histories.misses, env.histories.hits) == (1, 1)


async def test_the_remembered_history_holds_the_rating_and_decisions_stored(
    env: Env, content: Content, clock: ManualClock
) -> None:
    await runner_with_history(env)
    for score in (7, 8, 8):  # severe ratings: the rules decide (flare, level down)
        await rate(env, score)
        clock.advance(timedelta(minutes=30))

    assert env.histories.hits == 2
    assert await level_changes(env.db, ALEX)  # decisions were stored and remembered
    fresh = Env(env.db, content, clock)  # nothing cached: reads the database
    async with runner_unit(fresh, ALEX) as (tx, user):
        assert user is not None
        today = local_date_of(clock.now(), "Europe/Berlin")
        memory = rules.Memory.from_json(user.rules_memory)
        rating = rules.RunPain(today, 3)  # what the ratings read: their two weeks
        yesterday = today - timedelta(days=1)
        since = rules.rating_read_from(memory, rating, yesterday, content.progression)
        stored = await progression.load_history(fresh, tx, user, today, since=since)
        key = progression.history_key(tx, user)
        assert key is not None
        remembered = await progression.load_history(env, tx, user, today, key, since=since)
    assert remembered == stored
    assert env.histories.hits == 3


@pytest.mark.parametrize(
    "write",
    [
        pytest.param(
            lambda env, uid: make_checkin(env.db, uid, score=1, at=env.clock.now()), id="rating"
        ),
        pytest.param(
            lambda env, uid: make_session(
                env.db, uid, steps=STEPS, now=env.clock.now(), outcomes=[StepOutcome.HURTS]
            ),
            id="session with an answer",
        ),
        pytest.param(
            lambda env, uid: make_decision(
                env.db,
                uid,
                decision="hold",
                local_date=env.clock.now().date(),
                at=env.clock.now(),
                from_level=2,
            ),
            id="decision",
        ),
    ],
)
async def test_any_other_history_write_between_ratings_means_reading_again(
    env: Env, write: Callable[[Env, int], Awaitable[int]]
) -> None:
    user_id = await runner_with_history(env)
    await rate(env, 2)

    await write(env, user_id)
    await rate(env, 3)

    assert (env.histories.misses, env.histories.hits) == (2, 0)


async def test_another_process_writing_history_is_seen(env: Env, content: Content) -> None:
    await runner_with_history(env)
    other = Env(Database(env.db.url), content, env.clock)  # a second process's own cache
    try:
        await rate(env, 2)
        await rate(other, 5)  # stored by the other process
        await rate(env, 3)
    finally:
        await other.db.dispose()

    assert env.histories.hits == 0
    async with env.db.read() as tx:
        scores = (await tx.execute(text("SELECT count(*) FROM pain_checkins"))).scalar()
    assert scores == 12 + 3


async def test_a_rating_that_rolled_back_leaves_nothing_remembered(env: Env) -> None:
    await runner_with_history(env)
    await rate(env, 2)
    before = await history_version(env.db, ALEX)

    with pytest.raises(RuntimeError):
        async with runner_unit(env, ALEX) as (tx, user):
            assert user is not None
            await checkins.log_rating(env, tx, user, CheckinKind.AFTER_RUN, 6)
            raise RuntimeError("Telegram failed before the unit ended")
    await rate(env, 3)

    async with env.db.read() as tx:
        scores = (await tx.execute(text("SELECT score FROM pain_checkins"))).scalars().all()
    assert 6 not in scores
    assert len(scores) == 12 + 2
    assert await history_version(env.db, ALEX) > before
    assert env.histories.hits == 2  # both found the history as the first rating left it


async def test_the_history_is_found_the_next_day_without_the_days_that_left_it(
    env: Env, clock: ManualClock
) -> None:
    await runner_with_history(env)
    await rate(env, 2)

    clock.advance(timedelta(days=1))
    await rate(env, 1, CheckinKind.AD_HOC)
    clock.advance(timedelta(days=progression.HISTORY_DAYS))  # every earlier row left it
    await rate(env, 1)

    # Only the first rating read the database; each later one found its two weeks in
    # memory, the days that left them dropped (the verify mode read them again: the same).
    assert (env.histories.misses, env.histories.hits) == (1, 2)


async def test_a_morning_before_b0_reads_the_whole_history_once(
    env: Env, clock: ManualClock
) -> None:
    """B0 comes from the first seven mornings, wherever they are: a morning rating before
    it is fixed reads everything, not the two weeks first."""
    await runner_with_history(env)
    await rate(env, 2)  # two weeks read

    clock.advance(timedelta(days=1))
    await rate(env, 1, CheckinKind.MORNING)  # everything read: two weeks cannot hold
    await rate(env, 1, CheckinKind.MORNING)  # found in memory

    assert (env.histories.misses, env.histories.hits) == (2, 1)


async def test_a_unit_that_wrote_history_first_does_not_use_or_fill_the_cache(env: Env) -> None:
    user_id = await runner_with_history(env)
    await rate(env, 2)
    hits = env.histories.hits

    async with runner_unit(env, ALEX) as (tx, user):
        assert user is not None
        tx.add(
            PainCheckin(
                user_id=user_id,
                score=4,
                context=CheckinKind.AD_HOC,
                local_date=env.clock.now().date(),
                recorded_at=env.clock.now(),
            )
        )
        assert progression.history_key(tx, user) is None
        await checkins.log_rating(env, tx, user, CheckinKind.AFTER_RUN, 5)

    assert env.histories.hits == hits
    await rate(env, 3)  # the remembered history is not the one those two rows made
    assert env.histories.hits == hits


async def test_a_write_it_cannot_name_counts_as_a_history_write(env: Env) -> None:
    """An aliased table, a text statement: the unit no longer trusts the cache; writes to
    the runner's own row do not count."""
    await runner_with_history(env)
    writes: list[Executable] = [
        update(aliased(RoutineSession, name="rs")).values(level=2),
        text("UPDATE routine_sessions SET level = level"),
    ]
    for write in writes:
        async with runner_unit(env, ALEX) as (tx, user):
            assert user is not None
            await tx.execute(update(User).where(User.id == user.id).values(level=2))
            assert progression.history_key(tx, user) is not None
            await tx.execute(write)
            assert progression.history_key(tx, user) is None


async def test_delete_forgets_the_runners_history(env: Env) -> None:
    user_id = await runner_with_history(env)
    await rate(env, 2)
    assert len(env.histories) == 1
    await privacy.ask_delete(env, telegram_user_id=ALEX)
    async with env.db.read() as tx:
        prompt = await tx.scalar(select(User.prompt_message_id).where(User.id == user_id))
    await remember_prompt(env, telegram_user_id=ALEX, message_id=prompt or 4242)

    await privacy.confirm_delete(env, telegram_user_id=ALEX, tap=DeleteTap(True), message_id=4242)

    assert len(env.histories) == 0


async def test_a_stale_entry_fails_the_suite_loudly(env: Env) -> None:
    """The verify mode can fail: a history put under the current version that is not the
    stored one is caught on its first use."""
    await runner_with_history(env)
    async with runner_unit(env, ALEX) as (tx, user):
        assert user is not None
        key = progression.history_key(tx, user)
        assert key is not None
        today = local_date_of(env.clock.now(), "Europe/Berlin")
        history = await progression.load_history(env, tx, user, today, key)
        wrong = rules.Rating(today, 9, CheckinKind.AD_HOC, env.clock.now())
        since = today - timedelta(days=progression.HISTORY_DAYS)
        env.histories.put(key, since, replace_ratings(history, wrong))
        with pytest.raises(AssertionError, match="differs in \\['ratings'\\]"):
            await progression.load_history(env, tx, user, today, key)


def replace_ratings(history: rules.History, extra: rules.Rating) -> rules.History:
    return replace(history, ratings=(*history.ratings, extra))


def test_the_cache_keeps_a_bounded_number_of_runners() -> None:
    cache = HistoryCache(max_runners=2)
    day = datetime(2026, 3, 1, tzinfo=UTC)
    history = rules.History(rules.Runner(level=1), 3, 6, day.date())
    keys = [Key(user_id, day, 0) for user_id in (1, 2, 3)]
    for key in keys:
        cache.put(key, day.date(), history)
    assert len(cache) == 2
    assert cache.get(keys[0], day.date()) is None  # the least recently used went
    assert cache.get(keys[2], day.date()) is history
    assert cache.get(Key(3, day + timedelta(seconds=1), 0), day.date()) is None  # a new row
    assert cache.get(Key(3, day, 1), day.date()) is None  # another version
    assert cache.get(keys[2], day.date() - timedelta(days=1)) is None  # an older window
