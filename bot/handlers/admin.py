"""/stats for ADMIN_IDS: counts only, never anybody's pain or text."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from telegram import Update

from bot.context import BotContext
from bot.db.models import PainCheckin, ReminderDelivery, RoutineSession, User
from bot.domain.enums import DeliveryStatus, UserStatus
from bot.handlers.common import unknown_command


async def stats_command(update: Update, context: BotContext) -> None:
    """/stats: users by status, sessions today and in 7 days, check-ins, reminders."""
    tg_user, message = update.effective_user, update.effective_message
    if tg_user is None or message is None:
        return
    if tg_user.id not in context.deps.settings.admin_ids:
        await unknown_command(update, context)  # the same reply anyone gets for a stranger command
        return
    now = context.clock.now()
    day_ago, week_ago = now - timedelta(days=1), now - timedelta(days=7)
    async with context.db.read() as session:
        by_status = dict(
            (await session.execute(select(User.status, func.count()).group_by(User.status))).all()
        )
        sessions_day = await session.scalar(
            select(func.count())
            .select_from(RoutineSession)
            .where(RoutineSession.started_at >= day_ago)
        )
        sessions_week = await session.scalar(
            select(func.count())
            .select_from(RoutineSession)
            .where(RoutineSession.started_at >= week_ago)
        )
        checkins_week = await session.scalar(
            select(func.count()).select_from(PainCheckin).where(PainCheckin.recorded_at >= week_ago)
        )
        reminders = dict(
            (
                await session.execute(
                    select(ReminderDelivery.status, func.count())
                    .where(ReminderDelivery.created_at >= week_ago)
                    .group_by(ReminderDelivery.status)
                )
            ).all()
        )
    total = sum(by_status.values())
    users = ", ".join(f"{status.value} {by_status.get(status, 0)}" for status in UserStatus)
    sent = ", ".join(
        f"{status.value} {reminders.get(status, 0)}"
        for status in (
            DeliveryStatus.SENT,
            DeliveryStatus.FAILED,
            DeliveryStatus.MISSED,
            DeliveryStatus.SKIPPED,
        )
    )
    lines = [
        f"users: {total} ({users})",
        f"sessions: {sessions_day or 0} in 24 h, {sessions_week or 0} in 7 days",
        f"check-ins: {checkins_week or 0} in 7 days",
        f"reminders in 7 days: {sent}",
    ]
    await message.reply_text("\n".join(lines))
