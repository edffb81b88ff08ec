"""The open question as stored: every kind reads back as itself; anything else as none."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.questions import (
    Awaiting,
    MorningPain,
    Question,
    SessionPain,
    parse_awaiting,
    stored,
)

AWAITING = st.one_of(
    st.sampled_from(Question),
    st.builds(SessionPain, st.integers(0, 2**31 - 1)),
    st.builds(MorningPain, st.integers(0, 2**31 - 1), st.booleans()),
)


@given(AWAITING)
def test_round_trip(awaiting: Awaiting) -> None:
    text = stored(awaiting)
    assert text is not None
    assert len(text) <= 32  # the column's width
    assert parse_awaiting(text) == awaiting


@pytest.mark.parametrize(
    "raw", ["", "am:", "am:x", "am:-1", "am:١٢", "am_go:1:2", "zz:1", "pain:1.5", "mornin"]
)
def test_anything_else_reads_as_nothing_open(raw: str) -> None:
    assert parse_awaiting(raw) is None
