"""Taps on a reminder (Snooze, Skip today) and the morning check-in's 0-10."""

from __future__ import annotations

import logging
from datetime import timedelta, tzinfo

from telegram import Update

from bot import keyboards
from bot.context import BotContext
from bot.db import repo
from bot.db.models import PainCheckin, ReminderDelivery
from bot.domain.enums import CheckinKind, DeliveryKind, DeliveryStatus
from bot.domain.schedule import local_date_of
from bot.domain.zones import tzinfo_for
from bot.handlers import prompts
from bot.handlers.answers import refresh_next_reminder
from bot.handlers.checkins import after_checkin
from bot.render import next_text, time_text

log = logging.getLogger(__name__)

SNOOZE = timedelta(minutes=30)


async def on_reminder_tap(
    update: Update, context: BotContext, callback: keyboards.Callback
) -> None:
    """Snooze 30 min (once a day) or Skip today, on the reminder the runner tapped."""
    query = update.callback_query
    assert query is not None
    texts = context.texts
    args = callback.args
    if len(args) != 2 or not args[0].isdigit() or args[1] not in ("z", "s"):
        await prompts.answer_query(query, texts.expired_button)
        return
    now = context.clock.now()
    reply: str | None = None
    refusal: str | None = None
    async with context.db.write() as session:
        user = await repo.get_user(session, telegram_user_id=query.from_user.id)
        delivery = await session.get(ReminderDelivery, int(args[0]))
        if user is None or delivery is None or delivery.user_id != user.id:
            refusal = texts.expired_button
        elif (
            delivery.kind is not DeliveryKind.REMINDER or delivery.status is not DeliveryStatus.SENT
        ):
            refusal = texts.reminder_closed
        elif delivery.local_date != local_date_of(now, user.time_zone or "UTC"):
            refusal = texts.expired_button  # yesterday's reminder
        elif args[1] == "z":
            if delivery.snoozed:
                refusal = texts.expired_button  # snooze is once a day
            else:
                delivery.status = DeliveryStatus.SNOOZED
                user.snooze_date = delivery.local_date
                user.next_reminder_at = now + SNOOZE
                local = (now + SNOOZE).astimezone(_tz(user.time_zone))
                reply = texts.get("snoozed", time=time_text(local.time()))
        else:
            delivery.status = DeliveryStatus.SKIPPED
            refresh_next_reminder(user, now)
            reply = texts.get(
                "skipped_today",
                next=next_text(texts, user.next_reminder_at, now=now, zone=user.time_zone),
            )
    if reply is None:
        await prompts.answer_query(query, refusal)
        return
    await prompts.answer_query(query)
    log.info("event=reminder_%s", "snoozed" if args[1] == "z" else "skipped")
    await prompts.close_tapped(query, reply)


def _tz(zone: str | None) -> tzinfo:
    return tzinfo_for(zone or "UTC")


async def on_morning_tap(update: Update, context: BotContext, callback: keyboards.Callback) -> None:
    """The morning rating: once per morning, and only until the next session starts."""
    query = update.callback_query
    assert query is not None
    texts = context.texts
    args = callback.args
    if len(args) != 2 or not args[0].isdigit() or not args[1].isdigit() or int(args[1]) > 10:
        await prompts.answer_query(query, texts.expired_button)
        return
    score = int(args[1])
    now = context.clock.now()
    refusal: str | None = None
    async with context.db.write() as session:
        user = await repo.get_user(session, telegram_user_id=query.from_user.id)
        delivery = await session.get(ReminderDelivery, int(args[0]))
        if (
            user is None
            or delivery is None
            or delivery.user_id != user.id
            or delivery.kind is not DeliveryKind.MORNING_CHECKIN
        ):
            refusal = texts.expired_button
        elif await repo.morning_logged(session, user_id=user.id, local_date=delivery.local_date):
            refusal = texts.already_logged
        elif await repo.session_started_since(session, user_id=user.id, since=delivery.created_at):
            refusal = texts.morning_closed
        else:
            session.add(
                PainCheckin(
                    user_id=user.id,
                    score=score,
                    context=CheckinKind.MORNING,
                    local_date=delivery.local_date,
                    recorded_at=now,
                )
            )
            await session.flush()
    if refusal is not None or user is None:
        await prompts.answer_query(query, refusal)
        return
    await prompts.answer_query(query)
    await prompts.close_tapped(
        query, texts.get("answered", question=texts.morning_prompt, answer=f"{score}/10")
    )
    await after_checkin(context, user.telegram_user_id, CheckinKind.MORNING, score, None)
