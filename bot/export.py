"""The export's files: everything stored about a runner as JSON, the check-ins as CSV."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime


def to_json(data: dict[str, object]) -> bytes:
    return json.dumps(data, indent=2, sort_keys=False, ensure_ascii=False).encode("utf-8")


def checkins_csv(data: dict[str, object]) -> bytes:
    """date,time_utc,context,score,session_id: one row per check-in, oldest first."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["date", "time_utc", "context", "score", "session_id"])
    checkins = data.get("checkins")
    assert isinstance(checkins, list)
    for c in checkins:
        recorded = datetime.fromisoformat(str(c["recorded_at"])).astimezone(UTC)
        writer.writerow(
            [
                c["local_date"],
                recorded.strftime("%H:%M:%S"),
                c["context"],
                c["score"],
                c["session_id"] or "",
            ]
        )
    return out.getvalue().encode("utf-8")
