"""Which language an update is answered in, at the use-case level: Telegram's for someone
new, the stored one for a runner (English for one stored before languages), read again
after it changes; remembered on SQLite, within a bound and for a minute at most."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.content import Content
from bot.services import language, onboarding
from bot.services.language import _Remembered
from bot.services.unit import Env
from tests.utils.rows import set_user

ANA = 601


@pytest.fixture
def spoken_env(env: Env, content: Content) -> Iterator[Env]:
    """The use cases' env, with content that speaks German too (its texts stand in)."""
    kept = content.languages
    object.__setattr__(content, "languages", {**kept, "en": content, "de": content})
    yield env
    object.__setattr__(content, "languages", kept)


async def test_someone_new_gets_telegrams_language_then_their_own(spoken_env: Env) -> None:
    env = spoken_env
    assert await language.of_runner(env, telegram_user_id=ANA, language_code="de-AT") == "de"
    assert await language.of_runner(env, telegram_user_id=ANA, language_code="pt-BR") == "en"
    await onboarding.start(
        env, telegram_user_id=ANA, chat_id=ANA, first_name="Ana", language_code="de-AT"
    )
    # stored at /start: whatever Telegram says afterwards, the runner's own stays
    assert await language.of_runner(env, telegram_user_id=ANA, language_code="en") == "de"


async def test_a_runner_from_before_languages_keeps_english_even_at_start(
    spoken_env: Env,
) -> None:
    env = spoken_env
    await onboarding.start(
        env, telegram_user_id=ANA, chat_id=ANA, first_name="Ana", language_code="de"
    )
    await set_user(env.db, ANA, language=None)
    language.forget(env, ANA)
    assert await language.of_runner(env, telegram_user_id=ANA, language_code="de") == "en"
    # /start does not change it behind their back (they may be sent there by a safety stop)
    await onboarding.start(
        env, telegram_user_id=ANA, chat_id=ANA, first_name="Ana", language_code="de"
    )
    assert await language.of_runner(env, telegram_user_id=ANA, language_code="de") == "en"


def test_what_is_remembered_is_bounded_and_ages() -> None:
    remembered = _Remembered()
    for uid in range(remembered.SIZE + 50):
        remembered.put(uid, 0.0, True, "de")
    assert len(remembered.found) == remembered.SIZE
    assert remembered.get(0, 1.0) is None  # the oldest went first
    assert remembered.get(remembered.SIZE + 49, 1.0) == (True, "de")
    assert remembered.get(remembered.SIZE + 49, remembered.SECONDS + 1.0) is None
