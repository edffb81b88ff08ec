"""The runner's own language, end to end through the stand-in: a runner whose Telegram is
set to German, Spanish or Russian is set up, coached, checked in, shown /progress and
/settings and reminded in it, and nothing English is left in what they read; a runner
who switches language gets the next reminder in the new one; the command menu is
registered per language."""

from __future__ import annotations

import io
import re
import string
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from matplotlib.image import imread

from bot.clock import ManualClock
from bot.content import DEFAULT_CONTENT_DIR, Content, Plural
from bot.devtools.standin import BotApiStandIn, StoredMessage
from bot.i18n import languages, placeholders
from tests.utils.app import BotRunner
from tests.utils.chat import ChatUser
from tests.utils.rows import set_user, user_row

ROOT = Path(DEFAULT_CONTENT_DIR)
OTHERS = [language for language in languages(ROOT) if language != "en"]
SHORTEST_LEFTOVER = 14  # characters: a piece of English this long is no accident


def test_the_bot_speaks_english_german_spanish_and_russian(content: Content) -> None:
    assert set(content.languages) == {"en", "de", "es", "ru"}


def _english_pieces(content: Content, language: str) -> list[str]:
    """Every stretch of English text (between placeholders) that the language's own
    version does not contain: what must never reach a runner reading that language."""
    english, other = content, content.speaking(language)
    pieces: set[str] = set()

    def add(source: str, translated: str) -> None:
        if source == translated:
            return
        for piece in re.split(r"\{[a-z_]+\}|\n", source):
            piece = piece.strip(" .,:;!?()–-•")
            if len(piece) >= SHORTEST_LEFTOVER and piece not in translated:
                pieces.add(piece)

    for key in type(english.texts).model_fields:
        value, translated = getattr(english.texts, key), getattr(other.texts, key)
        if isinstance(value, Plural):
            for category, form in value.forms().items():
                add(form, translated.forms().get(category, translated.other))
        else:
            add(value, translated)
    for exercise_id, exercise in english.exercises.items():
        mine = other.exercises[exercise_id]
        add(exercise.name, mine.name)
        for source, translated in zip(
            [*exercise.instructions, *exercise.cues, *exercise.cautions],
            [*mine.instructions, *mine.cues, *mine.cautions],
            strict=True,
        ):
            add(source, translated)
    for routine_id, routine in english.routines.items():
        add(routine.summary, other.routines[routine_id].summary)
    return sorted(pieces)


def _read(message: StoredMessage) -> Iterator[str]:
    yield message.text or ""  # a text, or a photo's caption
    yield from message.button_labels()


def assert_no_english(runner: ChatUser, content: Content, language: str, *, since: int = 0) -> None:
    """Nothing the runner has read since message `since` has English in it."""
    pieces = _english_pieces(content, language)
    for message in runner.bot_messages():
        if message.message_id <= since:
            continue
        for text in _read(message):
            left = [piece for piece in pieces if piece in text]
            assert not left, f"English left in a {language} message: {left!r} in {text!r}"


def speaker(standin: BotApiStandIn, bot_runner: BotRunner, language: str, user_id: int) -> ChatUser:
    runner = ChatUser(standin, user_id, "Ana", settle=bot_runner.settle)
    standin.user_text(user_id, "hi", first_name="Ana", language_code=language)  # Telegram's
    return runner


async def onboard_in(runner: ChatUser, content: Content) -> None:
    """/start and every question answered with the language's own buttons and words."""
    texts = content.texts
    await runner.say("/start")
    for _ in range(3):  # the three screening questions
        await runner.tap(texts.answer_no)
    await runner.tap("3")
    await runner.tap(texts.roller_yes)
    await runner.say("7:30")
    await runner.tap(
        texts.get("morning_with_reminder", time=texts.time_text(datetime(2026, 1, 1, 7, 30).time()))
    )
    await runner.say("Europe/Berlin")
    await runner.tap(texts.save)


@pytest.mark.parametrize("language", OTHERS)
async def test_a_whole_programme_in_the_runners_language(
    content: Content,
    standin: BotApiStandIn,
    bot_runner: BotRunner,
    clock: ManualClock,
    language: str,
) -> None:
    mine = content.speaking(language)
    texts = mine.texts
    runner = speaker(standin, bot_runner, language, 20_001 + OTHERS.index(language))
    await runner.settled()
    await onboard_in(runner, mine)
    user = await user_row(bot_runner.db, runner.user_id)
    assert user.language == language
    assert user.reminder_time is not None

    # a whole session: every step's Done, then the pain rating and a level decision
    await set_user(bot_runner.db, runner.user_id, level=3)
    await runner.say("/session")
    while texts.btn_done in runner.last().button_labels():
        await runner.tap(texts.btn_done)
    await runner.tap("6")
    reply = runner.last().text or ""
    assert reply.startswith(texts.get("checkin_logged", score="6", label=texts.pain_moderate))
    assert said(texts.decision_level_down_pain, reply, level="2", p="6")
    assert (await user_row(bot_runner.db, runner.user_id)).level == 2

    # /progress: the caption in the language, and a chart
    await runner.say("/progress")
    chart = runner.last()
    assert chart.photo is not None
    assert imread(io.BytesIO(chart.photo), format="png").shape[0] > 100

    # /settings: the menu and its buttons
    await runner.say("/settings")
    assert (runner.last().text or "").startswith(texts.settings_menu.split("\n")[0])
    assert texts.change_language in runner.last().button_labels()
    await runner.tap(texts.close)

    # the next reminder, at 07:30 Berlin tomorrow
    clock.set(datetime(2026, 3, 3, 6, 30, 30, tzinfo=UTC))
    await bot_runner.sweep()
    await runner.settled()
    # the morning question comes with the reminder (the runner chose "with my reminder")
    latest = runner.bot_messages()[-2:]
    assert any(texts.btn_start in m.button_labels() for m in latest)
    assert any((m.text or "").startswith(texts.morning_prompt[:20]) for m in latest)
    assert_no_english(runner, content, language)


@pytest.mark.parametrize("language", OTHERS)
async def test_a_runner_who_switches_language_gets_the_next_reminder_in_it(
    content: Content,
    standin: BotApiStandIn,
    bot_runner: BotRunner,
    clock: ManualClock,
    language: str,
) -> None:
    english = content
    runner = speaker(standin, bot_runner, "en", 20_101 + OTHERS.index(language))
    await runner.settled()
    await onboard_in(runner, english)
    mine = content.speaking(language)
    await runner.say("/settings")
    await runner.tap(english.texts.change_language)
    assert runner.last().text == english.texts.ask_language
    name = {"de": "Deutsch", "es": "Español", "ru": "Русский"}[language]
    switched = runner.last().message_id
    await runner.tap(name)
    said = runner.last().text or ""
    assert said == mine.texts.get(
        "language_set", language=name.lower() if language != "de" else name
    )
    assert (await user_row(bot_runner.db, runner.user_id)).language == language
    # the chat's own command menu follows, though their Telegram stays in English
    menu = standin.menu_for(runner.chat_id, "en")
    assert [c["description"] for c in menu] == [c.description for c in mine.commands]

    clock.set(datetime(2026, 3, 3, 6, 30, 30, tzinfo=UTC))
    await bot_runner.sweep()
    await runner.settled()
    labels = [label for m in runner.bot_messages()[-2:] for label in m.button_labels()]
    assert mine.texts.btn_snooze in labels
    assert english.texts.btn_snooze not in labels
    assert_no_english(runner, content, language, since=switched)

    # and back: English again from the next reply on
    await runner.say("/settings")
    await runner.tap(mine.texts.change_language)
    await runner.tap("English")
    assert runner.last().text == english.texts.get("language_set", language="English")
    assert standin.menu_for(runner.chat_id, "en") == standin.commands


async def test_a_runner_from_before_languages_keeps_english_until_they_choose(
    content: Content, standin: BotApiStandIn, bot_runner: BotRunner
) -> None:
    runner = speaker(standin, bot_runner, "en", 20_201)
    await runner.settled()
    await onboard_in(runner, content)
    await set_user(bot_runner.db, runner.user_id, language=None)
    standin.user_text(runner.user_id, "/help", language_code="de")
    await runner.settled()
    assert (runner.last().text or "").startswith(content.texts.help.split("\n")[0])


async def test_the_command_menu_is_registered_in_every_language(
    content: Content, standin: BotApiStandIn, bot_runner: BotRunner
) -> None:
    assert [c["description"] for c in standin.commands] == [c.description for c in content.commands]
    for language in OTHERS:
        menu = standin.menus[("default", language)]
        mine = content.speaking(language).commands
        assert [(c["command"], c["description"]) for c in menu] == [
            (c.command, c.description) for c in mine
        ]
        assert menu != standin.commands


@pytest.mark.parametrize("language", OTHERS)
def test_every_text_that_counts_has_the_form_cldr_picks(content: Content, language: str) -> None:
    texts = content.speaking(language).texts
    for key, plural in texts.plurals().items():
        forms = plural.forms()
        for n in (1, 2, 5, 11, 21):
            said = texts.get(key, count=n, **{f: "x" for f in placeholders(plural.other) - {"n"}})
            expected = forms.get(texts.plural_category(n), plural.other)
            assert said == expected.format(
                n=n, **{f: "x" for f in placeholders(plural.other) - {"n"}}
            )
            if "{n}" in expected:
                assert str(n) in said


def said(template: str | Plural, text: str, **known: str) -> bool:
    """`text` says `template` (any of its plural forms), with `known` fields as given and
    the others anything."""
    forms = template.forms().values() if isinstance(template, Plural) else [template]
    for form in forms:
        pattern = ""
        for literal, name, _spec, _conv in string.Formatter().parse(form):
            pattern += re.escape(literal)
            if name is not None:
                pattern += re.escape(known[name]) if name in known else ".+?"
        if re.search(pattern, text):
            return True
    return False


@pytest.mark.parametrize(
    ("language", "steps", "days"),
    [
        ("de", ["1 Schritt", "2 Schritte", "5 Schritte", "11 Schritte", "21 Schritte"], None),
        ("es", ["1 paso", "2 pasos", "5 pasos", "11 pasos", "21 pasos"], None),
        (
            "ru",
            ["1 шаг", "2 шага", "5 шагов", "11 шагов", "21 шаг"],
            ["1 день", "2 дня", "5 дней", "11 дней", "21 день"],
        ),
    ],
)
def test_counted_words_as_each_language_says_them(
    content: Content, language: str, steps: list[str], days: list[str] | None
) -> None:
    texts = content.speaking(language).texts
    assert [texts.get("n_steps", count=n) for n in (1, 2, 5, 11, 21)] == steps
    if days is not None:
        assert [texts.get("pause_for_days", count=n) for n in (1, 2, 5, 11, 21)] == days


async def test_a_failing_handler_says_so_in_the_runners_language(
    content: Content, standin: BotApiStandIn, bot_runner: BotRunner
) -> None:
    """PTB gives the error handler a context of its own: the language is picked again."""
    runner = speaker(standin, bot_runner, "ru", 20_301)
    await runner.settled()
    standin.inject_error(runner.user_id, 400, times=1, methods=["sendMessage"])
    await runner.say("/help")  # the reply fails: the handler raises
    assert runner.last().text == content.speaking("ru").texts.error


@pytest.mark.parametrize("language", ["en", *OTHERS])
def test_every_button_label_is_shown_whole_on_a_narrow_phone(
    content: Content, language: str
) -> None:
    """A row of buttons shares a phone's width equally: no label may need more than its
    share, or the phone cuts it ("Más f…")."""
    from bot import keyboards
    from bot.services.results import MenuKeys

    texts = content.speaking(language).texts
    markups = [
        keyboards.question(content.speaking(language), MenuKeys(False)),
        keyboards.reminder(texts, 1, snooze=True),
    ]
    for markup in markups:
        for row in markup.inline_keyboard:
            share = keyboards.ROW_CHARACTERS // len(row) - 2
            assert all(keyboards._width(b.text) <= share for b in row if len(row) > 1), row
