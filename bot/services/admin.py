"""/stats for ADMIN_IDS: counts only, never anybody's pain or text."""

from __future__ import annotations

from bot.db.repo import stats
from bot.domain.enums import DeliveryStatus, UserStatus
from bot.services.results import Note, Say
from bot.services.unit import Env

REMINDER_STATUSES = (
    DeliveryStatus.SENT,
    DeliveryStatus.FAILED,
    DeliveryStatus.MISSED,
    DeliveryStatus.SKIPPED,
)


async def stats_report(env: Env) -> Note:
    """Users by status, sessions in 24 h and 7 days, check-ins, reminders by outcome."""
    async with env.db.read() as tx:
        counts = await stats.counts(tx, now=env.clock.now())
    texts = env.texts
    users = ", ".join(
        texts.get("stats_count", name=status.value, value=str(counts.users.get(status, 0)))
        for status in UserStatus
    )
    reminders = ", ".join(
        texts.get("stats_count", name=s.value, value=str(counts.reminders_week.get(s, 0)))
        for s in REMINDER_STATUSES
    )
    return Note(
        (
            Say("stats_users", {"total": str(sum(counts.users.values())), "by_status": users}),
            Say(
                "stats_sessions",
                {"day": str(counts.sessions_day), "week": str(counts.sessions_week)},
            ),
            Say("stats_checkins", {"week": str(counts.checkins_week)}),
            Say("stats_reminders", {"by_status": reminders}),
        )
    )
