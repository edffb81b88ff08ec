"""The callback-data codec: one typed tap per kind, compact, versioned, and never trusting
what comes back; and every keyboard the bot draws decodes to the tap it was drawn for."""

from __future__ import annotations

from datetime import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot import keyboards
from bot.callbacks import (
    AnswerTap,
    DailyTap,
    DaysTap,
    DeleteTap,
    Flow,
    GoTap,
    LibraryTap,
    MorningFirstTap,
    MorningTap,
    ReminderTap,
    RescreenTap,
    RoutineTap,
    SessionPainTap,
    StepTap,
    Tap,
    decode,
    encode,
)
from bot.content import Content
from bot.domain.session_flow import Action
from bot.services.results import MenuKeys, MorningKeys, QuestionKeys, SessionPainKeys, StepView

BIG = 2**31 - 1
SAFE = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789_.:+/-", min_size=1, max_size=12)
SLUG = st.from_regex(r"[a-z][a-z0-9_]{0,30}", fullmatch=True)
TAPS = st.one_of(
    st.builds(
        AnswerTap,
        st.sampled_from(Flow),
        SAFE.filter(lambda q: q not in ("days", "new", "delete")),
        SAFE,
    ),
    st.builds(
        DaysTap,
        st.sampled_from([Flow.ONBOARDING, Flow.SETTINGS]),
        st.booleans(),
        st.integers(0, 6),
        st.integers(0, 127),
    ),
    st.builds(
        StepTap,
        st.integers(0, BIG),
        st.integers(0, 999),
        st.integers(0, 32_767),
        st.sampled_from(Action),
    ),
    st.just(GoTap()),
    st.builds(RoutineTap, SAFE),
    st.builds(ReminderTap, st.integers(0, BIG), st.booleans()),
    st.builds(SessionPainTap, st.integers(0, BIG), st.integers(0, 10)),
    st.builds(MorningTap, st.integers(0, BIG), st.integers(0, 10)),
    st.builds(MorningFirstTap, st.integers(0, BIG), st.none() | st.integers(0, 10)),
    st.just(RescreenTap()),
    st.builds(DeleteTap, st.booleans()),
    st.builds(GoTap, st.integers(0, BIG)),
    st.builds(DailyTap, st.none() | SLUG),
    st.builds(LibraryTap, st.none(), st.none(), st.booleans()),
    st.builds(LibraryTap, SLUG, st.none() | st.integers(0, 999)),
)


@given(TAPS)
def test_round_trip(tap: Tap) -> None:
    data = encode(tap)
    assert len(data.encode()) <= 64
    assert decode(data) == tap


@pytest.mark.parametrize(
    ("data", "tap"),
    [
        # Buttons already in runners' chats, drawn by earlier releases, decode the same way.
        ("1|ob|pain|3", AnswerTap(Flow.ONBOARDING, "pain", "3")),
        ("1|st|days|t|2|127", DaysTap(Flow.SETTINGS, False, 2, 127)),
        ("1|ss|12|0|1|d", StepTap(12, 0, 1, Action.DONE)),
        ("1|go|today", GoTap()),
        ("1|ck|12|7", SessionPainTap(12, 7)),
        ("1|rm|5|z", ReminderTap(5, True)),
        ("1|am|5|0", MorningTap(5, 0)),
        ("1|af|5|0", MorningFirstTap(5, 0)),
        ("1|af|5|s", MorningFirstTap(5, None)),
        ("1|rn|ran|y", AnswerTap(Flow.RUN, "ran", "y")),
        ("1|ah|adhoc_pain|10", AnswerTap(Flow.ADHOC, "adhoc_pain", "10")),
        ("1|ah|new|y", RescreenTap()),
        ("1|ah|delete|n", DeleteTap(False)),
        ("1|rt|post_run_cooldown", RoutineTap("post_run_cooldown")),
        ("1|go|42", GoTap(42)),
        ("1|dy|-", DailyTap(None)),
        ("1|dy|home_stretches", DailyTap("home_stretches")),
        ("1|lb|-", LibraryTap()),
        ("1|lb|+", LibraryTap(fresh=True)),
        ("1|lb|yoga_for_runners", LibraryTap("yoga_for_runners")),
        ("1|lb|yoga_for_runners|2", LibraryTap("yoga_for_runners", 2)),
    ],
)
def test_the_wire_format_is_kept(data: str, tap: Tap) -> None:
    assert decode(data) == tap
    assert encode(tap) == data


@settings(max_examples=500)
@given(st.one_of(st.text(max_size=200), st.binary(max_size=80), st.none(), st.integers()))
def test_decode_never_raises_and_refuses_junk(data: object) -> None:
    tap = decode(data)
    if tap is not None:
        assert isinstance(data, str)
        assert encode(tap) == data  # only what the bot itself could have drawn


@pytest.mark.parametrize(
    "data",
    [
        "",
        "1",
        "1|ss",
        "2|ss|1|0|0|d",
        "1|zz|1",
        "1|ss|1 0|0|d",
        "1|ss|" + "9" * 70,
        "1|ss|99999999999|0|0|d",  # beyond a row id: never reaches the database
        "1|ss|1|0|0|q",
        "1|ob|pain|3\n",
        "1|ob|pain|<b>",
        "1|ck|1|11",
        "1|am|1|-1",
        "1|af|1|11",
        "1|af|1|skip",
        "1|af|1",
        "1|rm|1|x",
        "1|go|tomorrow",
        "1|rn|days|t|1|127",  # no days question in /run
        "1|st|days|t|7|127",
        "1|st|days|t|1|128",
        "1|ah|new|n",
        "1|ah|delete|maybe",
        "1|ob|pain",
        "1|ob|pain|3|4",
    ],
)
def test_malformed(data: str) -> None:
    assert decode(data) is None


def test_encode_refuses_unsafe_or_long_parts() -> None:
    with pytest.raises(ValueError, match="safe set"):
        encode(AnswerTap(Flow.ONBOARDING, "a|b", "y"))
    with pytest.raises(ValueError, match="64 bytes"):
        encode(AnswerTap(Flow.ONBOARDING, "x" * 30, "y" * 30))


def _all_keyboards(content: Content) -> list[object]:
    questions = ["screen_emergency", "red_flag", "equipment", "pain", "time", "morning"]
    questions += ["zone", "days", "restart", "pause", "screen_movement", "see_physician"]
    markups: list[object] = [
        keyboards.question(content, QuestionKeys(flow, q))
        for flow in (Flow.ONBOARDING, Flow.SETTINGS)
        for q in questions
    ]
    markups += [
        keyboards.question(content, QuestionKeys(Flow.RUN, "ran")),
        keyboards.question(content, QuestionKeys(Flow.RUN, "run_pain")),
        keyboards.question(content, QuestionKeys(Flow.ADHOC, "adhoc_pain")),
        keyboards.question(content, QuestionKeys(Flow.ADHOC, "delete")),
        keyboards.question(content, QuestionKeys(Flow.SETTINGS, "morning", reminder=time(7, 5))),
        keyboards.question(content, QuestionKeys(Flow.ONBOARDING, "morning", reminder=time(18))),
    ]
    markups += [
        keyboards.question(content, MenuKeys(paused=True)),
        keyboards.question(content, MenuKeys(paused=False)),
        keyboards.question(content, SessionPainKeys(BIG)),
        keyboards.reminder(content.texts, BIG, snooze=True),
        keyboards.morning(BIG),
        keyboards.question(content, MorningKeys(BIG)),
        keyboards.question(content, MorningKeys(BIG, then_start=True)),
    ]
    for exercise_id in content.exercises:
        for hurt in (False, True):
            view = StepView(BIG, 99, 100, 32_767, exercise_id, hurt)
            markups.append(keyboards.step(content, view))
    return markups


def test_every_keyboard_the_bot_draws_fits_and_decodes(content: Content) -> None:
    for markup in _all_keyboards(content):
        for row in markup.inline_keyboard:  # type: ignore[attr-defined]
            for button in row:
                data = str(button.callback_data)
                assert len(data.encode()) <= 64
                assert decode(data) is not None, data


async def test_every_kind_of_tap_reaches_a_use_case(content: Content) -> None:
    """The router hands each kind of tap to its own use case (none falls through to the
    'expired' default): checked by the use case it calls."""
    from bot.handlers import router

    called: list[str] = []

    class Recorder:
        def __getattr__(self, name: str) -> object:
            async def use_case(*args: object, **kwargs: object) -> object:
                called.append(name)
                return router.Reply()

            return use_case

    samples: list[Tap] = [
        AnswerTap(Flow.ONBOARDING, "pain", "1"),
        AnswerTap(Flow.SETTINGS, "time", "0700"),
        AnswerTap(Flow.RUN, "ran", "y"),
        DaysTap(Flow.ONBOARDING, True, 0, 127),
        StepTap(1, 0, 0, Action.DONE),
        GoTap(),
        RoutineTap("x"),
        DailyTap("x"),
        LibraryTap(),
        ReminderTap(1, True),
        SessionPainTap(1, 1),
        MorningTap(1, 1),
        MorningFirstTap(1, None),
        RescreenTap(),
        DeleteTap(True),
    ]
    originals = {name: getattr(router, name) for name in router.USE_CASE_MODULES}
    try:
        for name in router.USE_CASE_MODULES:
            setattr(router, name, Recorder())
        for tap in samples:
            called.clear()
            await router.use_case(None, 1, tap, 1)  # type: ignore[arg-type]
            assert called, f"{tap} reached no use case"
    finally:
        for name, module in originals.items():
            setattr(router, name, module)
