"""The /progress chart: a PNG of the asked size, for any data, the same bytes for the same data."""

from __future__ import annotations

import asyncio
import hashlib
import os
import struct
import subprocess
import sys
import zlib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest

from bot.charts import LABEL_KEYS, LevelMark, PainPoint, ProgressData, render_progress
from bot.domain.enums import CheckinKind
from tests.utils.charts import LABELS, TODAY, empty, month

ROOT = Path(__file__).resolve().parent.parent
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_chunks(png: bytes) -> list[tuple[bytes, bytes]]:
    """(type, data) of every chunk, checking the signature and each CRC."""
    assert png[:8] == PNG_SIGNATURE
    chunks: list[tuple[bytes, bytes]] = []
    pos = 8
    while pos < len(png):
        (length,) = struct.unpack(">I", png[pos : pos + 4])
        kind = png[pos + 4 : pos + 8]
        body = png[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", png[pos + 8 + length : pos + 12 + length])
        assert crc == zlib.crc32(kind + body), kind
        chunks.append((kind, body))
        pos += 12 + length
    return chunks


def png_size(png: bytes) -> tuple[int, int]:
    kind, body = png_chunks(png)[0]
    assert kind == b"IHDR"
    width, height = struct.unpack(">II", body[:8])
    return width, height


EDGE_CASES = {
    "nothing": empty(TODAY - timedelta(days=13)),
    "single-point": replace(
        empty(TODAY - timedelta(days=13)), points=(PainPoint(TODAY, 4, CheckinKind.MORNING),)
    ),
    "only-sessions": replace(
        empty(TODAY - timedelta(days=6)),
        session_days=(TODAY - timedelta(days=4), TODAY - timedelta(days=2), TODAY),
    ),
    "start-is-end": replace(
        empty(TODAY),
        points=(
            PainPoint(TODAY, 3, CheckinKind.MORNING),
            PainPoint(TODAY, 2, CheckinKind.AFTER_SESSION),
            PainPoint(TODAY, 5, CheckinKind.AFTER_RUN),
        ),
        session_days=(TODAY,),
        level_marks=(LevelMark(TODAY, 1, 2, "R3"),),
        baseline=2.0,
    ),
    "90-days": month(90),
    "a-year-across-new-year": month(365, end=date(2026, 6, 30)),
    "extremes": replace(
        empty(TODAY - timedelta(days=9)),
        points=(
            PainPoint(TODAY - timedelta(days=9), 10, CheckinKind.MORNING),
            PainPoint(TODAY - timedelta(days=9), 0, CheckinKind.AFTER_RUN),
            PainPoint(TODAY, 10, CheckinKind.AFTER_SESSION),
            PainPoint(TODAY, 0, CheckinKind.MORNING),
        ),
        baseline=10.0,
    ),
    "crowded-level-marks": replace(
        month(10),
        level_marks=tuple(LevelMark(TODAY - timedelta(days=i), i, i + 1, "R3") for i in range(10)),
    ),
    "two-level-marks-a-day": replace(
        month(20),
        level_marks=tuple(
            LevelMark(TODAY - timedelta(days=i // 2), i, i + 1, "R3") for i in range(40)
        ),
    ),
    "baseline-out-of-range": replace(month(14), baseline=12.5),
    "baseline-nan": replace(month(14), baseline=float("nan")),
    "mathtext-and-cyrillic-labels": replace(
        month(14), labels={**LABELS, "title": "Cost $5 and $6 — прогресс", "morning": "$x$"}
    ),
}


@pytest.mark.parametrize("data", EDGE_CASES.values(), ids=EDGE_CASES.keys())
def test_edge_cases_render_at_the_asked_size(data: ProgressData) -> None:
    png = render_progress(data)
    assert png_size(png) == (1000, 600)
    assert [kind for kind, _ in png_chunks(png)][-1] == b"IEND"


@pytest.mark.parametrize(
    ("width", "height"), [(1000, 600), (600, 400), (1280, 720), (1001, 599), (300, 300)]
)
def test_size_is_exact_in_pixels(width: int, height: int) -> None:
    assert png_size(render_progress(month(), width_px=width, height_px=height)) == (width, height)


@pytest.mark.parametrize(("width", "height"), [(0, 600), (1000, 10), (10_000, 600)])
def test_absurd_sizes_are_refused(width: int, height: int) -> None:
    with pytest.raises(ValueError, match="px"):
        render_progress(month(), width_px=width, height_px=height)


def test_same_input_gives_the_same_bytes() -> None:
    assert render_progress(month()) == render_progress(month())


def test_no_timestamp_or_software_in_the_file() -> None:
    kinds = {kind for kind, _ in png_chunks(render_progress(month()))}
    assert not kinds & {b"tIME", b"tEXt", b"iTXt", b"zTXt"}


@pytest.mark.parametrize(
    "change",
    [
        lambda d: replace(d, points=(*d.points[:-1], replace(d.points[-1], score=9))),
        lambda d: replace(d, session_days=d.session_days[1:]),
        lambda d: replace(d, level_marks=()),
        lambda d: replace(d, baseline=3.0),
        lambda d: replace(d, baseline=None),
        lambda d: replace(d, labels={**LABELS, "title": "Another title"}),
        lambda d: replace(d, start=d.start - timedelta(days=1)),
    ],
    ids=["score", "sessions", "levels", "baseline", "no-baseline", "title", "range"],
)
def test_different_input_gives_different_bytes(
    change: Callable[[ProgressData], ProgressData],
) -> None:
    assert render_progress(change(month())) != render_progress(month())


def test_data_outside_the_range_is_skipped() -> None:
    data = month()
    before = data.start - timedelta(days=1)
    after = data.end + timedelta(days=1)
    padded = replace(
        data,
        points=(
            PainPoint(before, 9, CheckinKind.MORNING),
            *data.points,
            PainPoint(after, 9, CheckinKind.AFTER_RUN),
        ),
        session_days=(before, *data.session_days, after),
        level_marks=(
            LevelMark(before, 0, 1, "R2"),
            *data.level_marks,
            LevelMark(after, 3, 4, "R3"),
        ),
    )
    assert render_progress(padded) == render_progress(data)


def test_input_order_of_sessions_does_not_matter() -> None:
    data = month()
    shuffled = replace(data, session_days=tuple(reversed(data.session_days)) + data.session_days)
    assert render_progress(shuffled) == render_progress(data)


def test_pain_outside_0_to_10_is_refused() -> None:
    with pytest.raises(ValueError, match="outside 0-10"):
        PainPoint(TODAY, 11, CheckinKind.MORNING)
    with pytest.raises(ValueError, match="outside 0-10"):
        PainPoint(TODAY, -1, CheckinKind.MORNING)


def test_start_after_end_is_refused() -> None:
    with pytest.raises(ValueError, match="after end"):
        empty(TODAY + timedelta(days=1))


def test_missing_labels_are_named() -> None:
    labels = {k: v for k, v in LABELS.items() if k not in {"level", "sessions"}}
    with pytest.raises(ValueError, match="sessions, level"):
        replace(empty(TODAY), labels=labels)
    assert set(LABELS) == set(LABEL_KEYS)


async def test_renders_in_worker_threads_concurrently() -> None:
    inputs = [month(30), month(90), EDGE_CASES["start-is-end"], EDGE_CASES["nothing"]]
    expected = [render_progress(d) for d in inputs]
    results = await asyncio.gather(*(asyncio.to_thread(render_progress, d) for d in inputs * 2))
    assert list(results) == expected * 2


def test_thread_pool_of_four() -> None:
    expected = render_progress(month())
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda _: render_progress(month()), range(8)))
    assert results == [expected] * 8


def test_same_bytes_in_a_fresh_process_without_pyplot() -> None:
    """Another hash seed and a clean interpreter give the same PNG; pyplot is never imported."""
    script = (
        "import hashlib, sys\n"
        "from tests.utils.charts import month\n"
        "from bot.charts import render_progress\n"
        "print(hashlib.sha256(render_progress(month())).hexdigest())\n"
        "print('matplotlib.pyplot' in sys.modules)\n"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345", "LC_ALL": "C"}
    result = subprocess.run(  # noqa: S603  (fixed command, no user input)
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    digest, pyplot_loaded = result.stdout.split()
    assert digest == hashlib.sha256(render_progress(month())).hexdigest()
    assert pyplot_loaded == "False"


def test_zone_bands_follow_the_thresholds_and_bad_edges_are_refused() -> None:
    data = empty(TODAY - timedelta(days=13))
    assert render_progress(data) != render_progress(replace(data, zone_edges=(3, 6)))
    with pytest.raises(ValueError, match="zone edges"):
        replace(data, zone_edges=(5, 5))


def test_the_progress_chart_reads_its_zones_from_content() -> None:
    """content/progression.yaml's zones are what /progress draws (they were fixed in the
    chart before), so a clinician who moves them sees the bands move."""
    from bot.content import load_content
    from bot.domain import progression as rules
    from bot.domain.thresholds import Zones
    from bot.services.checkins import Progress
    from bot.views import progress_chart

    content = load_content()
    tuned = replace(
        content,
        progression=content.progression.model_copy(
            update={"zones": Zones(green_max=3, amber_max=6)}
        ),
    )
    history = rules.History(
        onboarding_pain=3,
        level=1,
        max_level=7,
        checkins=(),
        sessions=(),
        level_changes=(),
        flare_since=None,
        today=TODAY,
    )
    found = Progress(history, TODAY - timedelta(days=27), 3.0, None, "no_data", 0)
    assert progress_chart(content, found).zone_edges == (2, 5)
    assert progress_chart(tuned, found).zone_edges == (3, 6)
