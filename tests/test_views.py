"""What /progress says and draws, from a report: the headline, the R9 sentence against B0,
the caption, and the chart's data (zones from content, every word from texts)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import pytest
from telegram.constants import CallbackQueryLimit, MessageLimit

from bot.content import Content, load_content
from bot.domain import report
from bot.domain.enums import CheckinKind
from bot.domain.report import Headline, Measure
from bot.domain.thresholds import Zones
from bot.services.progress import Progress
from bot.views import (
    caption_and_rest,
    headline_text,
    length,
    parts,
    progress_caption,
    progress_chart,
    toast,
    verdict_text,
)

CONTENT = load_content()
TEXTS = CONTENT.texts
TODAY = date(2026, 3, 30)


def progress(**changes: Any) -> Progress:
    """Three weeks of mornings 6 down to 1, level 1 to 3, a flare in the middle."""
    ratings = [
        report.Rating(TODAY - timedelta(days=20 - i), score, CheckinKind.MORNING)
        for i, score in enumerate([6, 6, 5, 5, 5, 4, 4, 4, 4, 3, 6, 5, 3, 3, 2, 2, 2, 1, 1, 1, 1])
    ]
    ratings.append(report.Rating(TODAY - timedelta(days=10), 8, CheckinKind.AFTER_SESSION))
    values: dict[str, Any] = {
        "today": TODAY,
        "level": 3,
        "ratings": ratings,
        "sessions": [report.SessionDay(TODAY - timedelta(days=n), 1) for n in (10, 2, 1, 0)],
        "decisions": [
            report.Decision(TODAY - timedelta(days=14), "level_up", 1, 2),
            report.Decision(TODAY - timedelta(days=10), "flare_on", 2, 2),
            report.Decision(TODAY - timedelta(days=8), "flare_off", 2, 2),
            report.Decision(TODAY - timedelta(days=5), "level_up", 2, 3),
        ],
        "baselines": report.baselines({"b0": 6.0, "b": 4.0}, 5),
        "flare_since": None,
        "rules": CONTENT.progression,
    }
    values.update(changes)
    return Progress(report.build(**values), max_level=7)


def test_the_caption_tells_the_story_and_measures_against_b0() -> None:
    caption = progress_caption(TEXTS, progress())
    assert caption.splitlines() == [
        "Mornings 6 → 1 over 3 weeks, level 1 → 3",
        "Better than when you started: your mornings this week average 1.4, against 6 then"
        " (4.2 or less counts as better).",
        "Level 3 of 7 · streak 3 days",
    ]


def test_the_caption_says_flare_mode() -> None:
    caption = progress_caption(TEXTS, progress(flare_since=TODAY - timedelta(days=1)))
    assert caption.splitlines()[-1] == "Level 3 of 7, in flare mode · streak 3 days"


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (Headline(6, 1, 21, 1, 3), "Mornings 6 → 1 over 3 weeks, level 1 → 3"),
        (Headline(4, 4, 13, 2, 2), "Mornings 4 → 4 over 13 days, level 2"),
        (Headline(3, 5, 14, 3, 2), "Mornings 3 → 5 over 2 weeks, level 3 → 2"),
        (Headline(3, 2, 2, 1, 1), "Mornings 3 → 2 over 2 days, level 1"),
        (Headline(5, 5, 1, 1, 1), "First morning: 5/10, level 1"),
        (Headline(None, None, 0, 1, 2), "No morning ratings yet, level 1 → 2"),
    ],
)
def test_headline(head: Headline, expected: str) -> None:
    assert headline_text(TEXTS, head) == expected


@pytest.mark.parametrize(
    ("found", "expected"),
    [
        (
            Measure("improved", 3.0, 7, 4.0, 3.0, 3),
            "Better than when you started: your mornings this week average 3, against 4 then"
            " (3 or less counts as better).",
        ),
        (
            Measure("not_yet", 3.2857, 7, 4.5, 3.15, 3),
            "Your mornings this week average 3.3, against 4.5 when you started:"
            " 3.1 or less would count as better.",  # the target shown rounded down
        ),
        (
            Measure("recovered", 0.0, 4, 5.0, 3.5, 3),
            "Recovered: no morning pain on any of the 4 mornings you rated this week,"
            " against 5 when you started.",
        ),
        (
            Measure("out_of_reach", 1.0, 2, 0.0, None, 3),
            "Your mornings this week average 1; you started at 0, so 3 mornings of 0 in a"
            " week will count as recovered.",
        ),
        (
            Measure("no_data", None, 0, 4.0, None, 3),
            "No morning ratings in the last week, so nothing to compare with where you"
            " started yet.",
        ),
    ],
)
def test_verdict_sentence(found: Measure, expected: str) -> None:
    assert verdict_text(TEXTS, found) == expected


def test_the_chart_draws_the_report() -> None:
    found = progress()
    data = progress_chart(CONTENT, found)
    mornings = [p for p in data.points if p.kind == CheckinKind.MORNING]
    assert len(mornings) == 21
    assert [p.kind for p in data.points if p.kind != CheckinKind.MORNING] == [
        CheckinKind.AFTER_SESSION
    ]
    assert data.weekly == found.report.weekly
    assert (data.start, data.end) == (TODAY - timedelta(days=20), TODAY)
    assert (data.b0, data.b) == (6.0, 4.0)
    assert [(s.start, s.end) for s in data.flares] == [
        (TODAY - timedelta(days=10), TODAY - timedelta(days=8))
    ]
    assert [level for _, level in data.levels] == [1, 2, 3]
    assert data.labels["title"] == "Mornings 6 → 1 over 3 weeks, level 1 → 3"
    assert data.labels["weekly"] == "7-day average"


def tuned(content: Content, green: int, amber: int) -> Content:
    zones = Zones(green_max=green, amber_max=amber)
    return replace(content, progression=content.progression.model_copy(update={"zones": zones}))


def test_the_chart_reads_its_zones_from_content() -> None:
    """content/progression.yaml's zones are what /progress draws, so a clinician who moves
    them sees the bands move."""
    assert progress_chart(CONTENT, progress()).zone_edges == (2, 5)
    assert progress_chart(tuned(CONTENT, 3, 6), progress()).zone_edges == (3, 6)


# --- Telegram's limits -------------------------------------------------------------------


def test_a_long_text_goes_out_as_messages_telegram_takes() -> None:
    limit = MessageLimit.MAX_TEXT_LENGTH
    lines = [f"line {n}: " + "x" * 90 for n in range(200)]
    pieces = parts("\n".join(lines))
    assert len(pieces) > 1
    assert all(length(p) <= limit for p in pieces)
    assert "\n".join(pieces) == "\n".join(lines)  # split between lines, nothing lost
    assert parts("short") == ["short"]


def test_a_line_longer_than_a_message_is_split_where_it_must_be() -> None:
    # Emoji count twice: Telegram counts UTF-16 units.
    pieces = parts("🏃" * MessageLimit.MAX_TEXT_LENGTH)
    assert [length(p) for p in pieces] == [MessageLimit.MAX_TEXT_LENGTH] * 2


def test_a_caption_keeps_what_fits_and_the_rest_follows() -> None:
    text = "\n".join(["headline", *("y" * 100 for _ in range(30))])
    caption, rest = caption_and_rest(text)
    assert caption.startswith("headline")
    assert length(caption) <= MessageLimit.CAPTION_LENGTH
    assert "\n".join([caption, *rest]) == text
    assert caption_and_rest("short") == ("short", [])


def test_a_taps_answer_is_cut_to_its_limit() -> None:
    limit = CallbackQueryLimit.ANSWER_CALLBACK_QUERY_TEXT_LENGTH
    assert toast("x" * (limit + 50)) == "x" * (limit - 1) + "…"
    assert length(toast("🏃" * limit)) <= limit
    assert toast(TEXTS.expired_button) == TEXTS.expired_button
