"""The callback-data codec: compact, versioned, and never trusting what comes back."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot import keyboards

SAFE = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789_.:+/-", max_size=8)


@given(kind=st.sampled_from(sorted(keyboards.KINDS)), args=st.lists(SAFE, min_size=1, max_size=4))
def test_round_trip(kind: str, args: list[str]) -> None:
    try:
        data = keyboards.encode(kind, *args)
    except ValueError:
        return  # too long for Telegram's 64 bytes: refused at encode time, never sent
    assert len(data.encode()) <= 64
    decoded = keyboards.decode(data)
    assert decoded == keyboards.Callback(kind=kind, args=tuple(args))


@settings(max_examples=500)
@given(st.one_of(st.text(max_size=200), st.binary(max_size=80), st.none(), st.integers()))
def test_decode_never_raises_and_refuses_junk(data: object) -> None:
    decoded = keyboards.decode(data)
    if decoded is not None:
        assert isinstance(data, str)
        assert data.startswith(f"{keyboards.CALLBACK_VERSION}|{decoded.kind}|")
        assert len(data.encode()) <= 64


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
        "1|ob|pain|3\n",
        "1|ob|pain|<b>",
    ],
)
def test_malformed(data: str) -> None:
    assert keyboards.decode(data) is None


def test_encode_refuses_unsafe_or_long_parts() -> None:
    with pytest.raises(ValueError, match="safe set"):
        keyboards.encode("ob", "a|b")
    with pytest.raises(ValueError, match="64 bytes"):
        keyboards.encode("ob", "x" * 30, "y" * 30)


def test_every_keyboard_the_bot_draws_fits(content) -> None:
    markups = [
        keyboards.days(content.texts, keyboards.SETTINGS, 0b1111111),
        keyboards.zones(keyboards.ONBOARDING, content.choices.common_zones),
        keyboards.times(keyboards.SETTINGS, content.choices.time_presets),
        keyboards.pain_scale(keyboards.CHECKIN, "2147483647"),
        keyboards.step_buttons(
            content.texts, session_id=2**31 - 1, index=99, version=999, actions=list("dehsx")
        ),
        keyboards.reminder_buttons(content.texts, 2**31 - 1, snooze=True),
    ]
    for markup in markups:
        for row in markup.inline_keyboard:
            for button in row:
                assert button.callback_data is not None
                assert len(str(button.callback_data).encode()) <= 64
                assert keyboards.decode(button.callback_data) is not None


def test_every_kind_of_callback_has_a_handler() -> None:
    from bot.handlers.router import TAP_HANDLERS

    assert set(TAP_HANDLERS) == set(keyboards.KINDS)
