"""The export's files: everything stored about a runner as JSON, the check-ins as CSV."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta, tzinfo

from bot.domain.zones import ZoneNotFound, tzinfo_for

CSV_COLUMNS = ("date", "time_local", "time_utc", "utc_offset", "context", "score", "session_id")


def to_json(data: dict[str, object]) -> bytes:
    return json.dumps(data, indent=2, sort_keys=False, ensure_ascii=False).encode("utf-8")


def checkins_csv(data: dict[str, object]) -> bytes:
    """One row per check-in, oldest first: the runner's date, the time in their zone (the
    one stored now, so a spreadsheet reads like their day) beside the time in UTC, and the
    zone's offset from UTC at that moment (it moves with daylight saving)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    checkins = data.get("checkins")
    assert isinstance(checkins, list)
    zone = _zone(data.get("profile"))
    for c in checkins:
        recorded = datetime.fromisoformat(str(c["recorded_at"])).astimezone(UTC)
        local = recorded.astimezone(zone)
        writer.writerow(
            [
                c["local_date"],
                local.strftime("%H:%M:%S"),
                recorded.strftime("%H:%M:%S"),
                _offset(local.utcoffset()),
                c["context"],
                c["score"],
                c["session_id"] or "",
            ]
        )
    return out.getvalue().encode("utf-8")


def _zone(profile: object) -> tzinfo:
    name = profile.get("time_zone") if isinstance(profile, dict) else None
    try:
        return tzinfo_for(name) if isinstance(name, str) and name else UTC
    except ZoneNotFound:  # a name this tz database no longer has: UTC, and the offset says so
        return UTC


def _offset(offset: timedelta | None) -> str:
    """'+02:00', '-03:30', '+00:00'."""
    minutes = int((offset or timedelta()).total_seconds() // 60)
    sign = "-" if minutes < 0 else "+"
    hours, rest = divmod(abs(minutes), 60)
    return f"{sign}{hours:02d}:{rest:02d}"
