"""/progress: the report of the runner's last weeks (PROGRESSION.md R9), read from what the
bot stored: ratings, ended sessions, recorded decisions, B0 and B. Read only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from bot.db.repo import users
from bot.db.repo.report import report_rows
from bot.domain import report
from bot.domain.schedule import local_date_of
from bot.services.results import Reply, Say, note
from bot.services.runners import gate, zone_of
from bot.services.unit import Env


@dataclass(frozen=True)
class Progress:
    """What /progress shows: the report, and how many levels the ladder has."""

    report: report.Report
    max_level: int


async def progress(env: Env, *, telegram_user_id: int) -> Progress | Reply:
    """The report of the days from the first rating on (the last weeks at most), or what
    to tell the runner instead."""
    rules = env.content.progression
    async with env.db.read() as tx:
        user = await users.get(tx, telegram_user_id=telegram_user_id)
        refusal = gate(user)
        if refusal is not None or user is None:
            return refusal or Reply()
        zone = zone_of(user)
        today = local_date_of(env.clock.now(), zone)
        # W on the first day shown reads the days of the week before it
        since = today - timedelta(days=report.SHOWN_DAYS + rules.baseline.trend_days - 2)
        rows = await report_rows(tx, user_id=user.id, since=since)
        level, onboarding_pain, memory = user.level, user.baseline_pain, user.rules_memory
        flare_since = local_date_of(user.flare_since, zone) if user.flare_since else None
    ladder = env.content.ladder
    found = report.build(
        today=today,
        level=level,
        ratings=[report.Rating(r.local_date, r.score, r.kind) for r in rows.ratings],
        sessions=[
            report.SessionDay(s.local_date, s.level if s.routine_id == ladder.id else None)
            for s in rows.sessions
        ],
        decisions=[
            report.Decision(d.local_date, d.decision, d.from_level, d.to_level)
            for d in rows.decisions
        ],
        baselines=report.baselines(memory, onboarding_pain),
        flare_since=flare_since,
        rules=rules,
    )
    if not found.has_data:
        return Reply(notes=(note(Say("progress_empty")),))
    return Progress(found, max_level=len(ladder.steps))
