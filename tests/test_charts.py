"""The /progress chart: a portrait PNG readable on a phone, for any data, the same bytes for
the same data, with no line across a day without a rating."""

from __future__ import annotations

import asyncio
import hashlib
import io
import itertools
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
from typing import Any

import pytest
from matplotlib.image import imread

from bot.charts import (
    LABEL_KEYS,
    PainPoint,
    ProgressData,
    render_progress,
    text_sizes_px,
)
from bot.domain.enums import CheckinKind
from bot.domain.report import Period
from tests.utils.charts import LABELS, TODAY, empty, month

ROOT = Path(__file__).resolve().parent.parent
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PHONE_WIDTH_PX = 360  # about what Telegram gives a photo on a phone
MAX_BYTES = 150_000
MORNING_RGB = (0x56, 0xA0, 0xD3)
WEEKLY_RGB = (0x0B, 0x4F, 0x8A)


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


def decoded(png: bytes) -> Any:
    """The pixels, rows by columns by RGB(A) in 0-1 (every pixel decoded: a broken stream
    fails here)."""
    return imread(io.BytesIO(png), format="png")


def image_size(png: bytes) -> tuple[int, int]:
    height, width = decoded(png).shape[:2]
    return width, height


def columns_with(png: bytes, rgb: tuple[int, int, int], *, top_fraction: float = 0.7) -> list[int]:
    """x of every pixel column in the top part (the pain plot, above the level strip and
    the legend) holding a pixel of about that colour."""
    pixels = decoded(png)[:, :, :3] * 255
    top = pixels[: int(pixels.shape[0] * top_fraction)]
    near = abs(top - rgb).sum(axis=2) <= 24
    return [int(x) for x in near.any(axis=0).nonzero()[0]]


def runs(columns: list[int]) -> int:
    """How many separate stretches the columns form."""
    return sum(1 for i, x in enumerate(columns) if i == 0 or x != columns[i - 1] + 1)


def widest_gap(columns: list[int]) -> int:
    """The most columns in a row without the colour, between the first and the last."""
    return max((b - a - 1 for a, b in itertools.pairwise(columns)), default=0)


EDGE_CASES = {
    "nothing": empty(TODAY - timedelta(days=13)),
    "single-point": replace(
        empty(TODAY - timedelta(days=13)), points=(PainPoint(TODAY, 4, CheckinKind.MORNING),)
    ),
    "only-sessions": replace(
        empty(TODAY - timedelta(days=6)),
        session_days=(TODAY - timedelta(days=4), TODAY - timedelta(days=2), TODAY),
        levels=((TODAY - timedelta(days=6), 1),),
    ),
    "start-is-end": replace(
        empty(TODAY),
        points=(
            PainPoint(TODAY, 3, CheckinKind.MORNING),
            PainPoint(TODAY, 2, CheckinKind.AFTER_SESSION),
            PainPoint(TODAY, 5, CheckinKind.AFTER_RUN),
        ),
        weekly=((TODAY, 3.0),),
        session_days=(TODAY,),
        levels=((TODAY, 2),),
        flares=(Period(TODAY, TODAY),),
        b0=2.0,
    ),
    "two-days": replace(
        empty(TODAY - timedelta(days=1)),
        points=(
            PainPoint(TODAY - timedelta(days=1), 3, CheckinKind.AFTER_SESSION),
            PainPoint(TODAY, 4, CheckinKind.MORNING),
        ),
        weekly=((TODAY, 4.0),),
        session_days=(TODAY - timedelta(days=1),),
        levels=((TODAY - timedelta(days=1), 1),),
        b0=4.0,
        b=4.0,
    ),
    "12-weeks": month(84),
    "12-weeks-across-new-year": month(84, end=date(2027, 1, 20)),
    "extremes": replace(
        empty(TODAY - timedelta(days=9)),
        points=(
            PainPoint(TODAY - timedelta(days=9), 10, CheckinKind.MORNING),
            PainPoint(TODAY - timedelta(days=9), 0, CheckinKind.AFTER_RUN),
            PainPoint(TODAY, 10, CheckinKind.AFTER_SESSION),
            PainPoint(TODAY, 0, CheckinKind.MORNING),
        ),
        weekly=((TODAY - timedelta(days=9), 10.0), (TODAY, 0.0)),
        b0=10.0,
        b=0.0,
    ),
    "a-level-change-every-day": replace(
        month(10),
        levels=tuple((TODAY - timedelta(days=i), 1 + i % 7) for i in range(10)),
    ),
    "flare-over-the-whole-range": replace(
        month(14), flares=(Period(TODAY - timedelta(days=40), TODAY + timedelta(days=3)),)
    ),
    "baseline-out-of-range": replace(month(14), b0=12.5, b=-1.0),
    "baseline-nan": replace(month(14), b0=float("nan"), b=float("inf")),
    "b-equals-b0": replace(month(14), b0=4.0, b=4.0),
    "mathtext-and-cyrillic-labels": replace(
        month(14),
        labels={
            **LABELS,
            "title": "Cost $5 and $6 — прогресс",
            "morning": "$x$",
            "b0": "$ {value}",
        },
    ),
    "a-very-long-title": replace(
        month(14), labels={**LABELS, "title": "Mornings 10 → 0 over 12 weeks, " * 3 + "level 1"}
    ),
}


@pytest.mark.parametrize("data", EDGE_CASES.values(), ids=EDGE_CASES.keys())
def test_a_small_portrait_png_for_any_data(data: ProgressData) -> None:
    png = render_progress(data)
    assert image_size(png) == (800, 1000)
    assert [kind for kind, _ in png_chunks(png)][-1] == b"IEND"
    assert len(png) < MAX_BYTES


@pytest.mark.parametrize(
    ("width", "height"), [(800, 1000), (720, 900), (1080, 1350), (801, 999), (300, 300)]
)
def test_size_is_exact_in_pixels(width: int, height: int) -> None:
    png = render_progress(month(), width_px=width, height_px=height)
    assert image_size(png) == (width, height)


@pytest.mark.parametrize(("width", "height"), [(0, 1000), (800, 10), (10_000, 1000)])
def test_absurd_sizes_are_refused(width: int, height: int) -> None:
    with pytest.raises(ValueError, match="px"):
        render_progress(month(), width_px=width, height_px=height)


@pytest.mark.parametrize("days", [2, 14, 30, 84])
def test_every_text_reads_on_a_phone(days: int) -> None:
    """Shown 360 px wide, no text is under 11 px high, and the headline is 15 px or more."""
    data = replace(month(days), b0=6.0, b=3.0)
    sizes = text_sizes_px(data)
    scale = PHONE_WIDTH_PX / 800
    assert min(sizes.values()) * scale >= 11
    title = next(size for text, size in sizes.items() if text.startswith("Mornings 6 → 1"))
    assert title * scale >= 15
    # what the picture says, each of it drawn
    for text in ("start 6", "baseline 3", "safe", "careful", "too much", "pain (0-10)", "L1"):
        assert text in sizes, text


def test_a_long_title_is_broken_after_its_comma() -> None:
    sizes = text_sizes_px(month())
    assert "Mornings 6 → 1 over 4 weeks,\nlevel 1 → 3" in sizes


def test_no_morning_line_across_a_day_without_a_rating() -> None:
    start = TODAY - timedelta(days=6)

    def mornings(*offsets: int) -> bytes:
        points = tuple(
            PainPoint(start + timedelta(days=i), 5, CheckinKind.MORNING) for i in offsets
        )
        return render_progress(replace(empty(start), points=points))

    # a white rim around each dot leaves a few columns free, a missing line many more
    assert widest_gap(columns_with(mornings(0, 1), MORNING_RGB)) < 5  # consecutive: joined
    assert widest_gap(columns_with(mornings(0, 2), MORNING_RGB)) > 40  # a day between
    assert widest_gap(columns_with(mornings(0, 1, 2, 4, 5, 6), MORNING_RGB)) > 40
    assert widest_gap(columns_with(mornings(0, 1, 2, 3, 4, 5, 6), MORNING_RGB)) < 5


def test_the_weekly_mean_is_drawn_and_broken_where_it_has_no_value() -> None:
    start = TODAY - timedelta(days=13)
    base = replace(empty(start), points=(PainPoint(start, 5, CheckinKind.MORNING),))
    assert columns_with(render_progress(base), WEEKLY_RGB) == []
    week = tuple((start + timedelta(days=i), 5.0) for i in range(7))
    assert runs(columns_with(render_progress(replace(base, weekly=week)), WEEKLY_RGB)) == 1
    split = (*week[:3], *week[5:])  # no W on days 3 and 4
    assert runs(columns_with(render_progress(replace(base, weekly=split)), WEEKLY_RGB)) == 2


def test_same_input_gives_the_same_bytes() -> None:
    assert render_progress(month()) == render_progress(month())


def test_no_timestamp_or_software_in_the_file() -> None:
    kinds = {kind for kind, _ in png_chunks(render_progress(month()))}
    assert not kinds & {b"tIME", b"tEXt", b"iTXt", b"zTXt"}


@pytest.mark.parametrize(
    "change",
    [
        lambda d: replace(d, points=(*d.points[:-1], replace(d.points[-1], score=9))),
        lambda d: replace(d, weekly=d.weekly[:-3]),
        lambda d: replace(d, session_days=d.session_days[1:]),
        lambda d: replace(d, levels=d.levels[:1]),
        lambda d: replace(d, flares=()),
        lambda d: replace(d, b0=3.0),
        lambda d: replace(d, b=None),
        lambda d: replace(d, labels={**LABELS, "title": "Another title"}),
        lambda d: replace(d, start=d.start - timedelta(days=1)),
    ],
    ids=["score", "weekly", "sessions", "levels", "flares", "b0", "no-b", "title", "range"],
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
        weekly=((before, 9.0), *data.weekly, (after, 9.0)),
        session_days=(before, *data.session_days, after),
        levels=(*data.levels, (after, 7)),
        flares=(*data.flares, Period(after, after + timedelta(days=2))),
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


def test_ad_hoc_ratings_are_not_a_chart_series() -> None:
    with pytest.raises(ValueError, match="unknown pain kind"):
        PainPoint(TODAY, 3, CheckinKind.AD_HOC)


def test_start_after_end_is_refused() -> None:
    with pytest.raises(ValueError, match="after end"):
        empty(TODAY + timedelta(days=1))


def test_missing_labels_are_named() -> None:
    labels = {k: v for k, v in LABELS.items() if k not in {"level", "sessions"}}
    with pytest.raises(ValueError, match="sessions, level"):
        replace(empty(TODAY), labels=labels)
    assert set(LABELS) == set(LABEL_KEYS)


async def test_renders_in_worker_threads_concurrently() -> None:
    inputs = [month(30), month(84), EDGE_CASES["start-is-end"], EDGE_CASES["nothing"]]
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
    env = {**os.environ, "PYTHONHASHSEED": "12345", "LC_ALL": "C", "PYTHONPATH": str(ROOT)}
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


def test_a_long_band_name_shrinks_to_its_band_and_a_short_one_keeps_its_size() -> None:
    """ "безопасно" is twice as long as "safe": at the usual size it ran into the next band."""
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import TextPath

    from bot.charts import _fitting

    room = 120.0
    assert _fitting("safe", 14.0, room) == 14.0
    size = _fitting("слишком сильно", 14.0, room)
    assert size < 14.0
    width = TextPath((0, 0), "слишком сильно", size=size, prop=FontProperties(weight="bold"))
    assert width.get_extents().width <= 0.8 * room + 0.01
