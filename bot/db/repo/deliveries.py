"""Reminder and morning-question deliveries: at most one per runner, kind and local date."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import ColumnElement, Table, bindparam, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import ReminderDelivery, User
from bot.domain.enums import DeliveryKind, DeliveryStatus


async def due_runners(
    tx: AsyncSession, *, kind: DeliveryKind, now: datetime, limit: int
) -> Sequence[User]:
    """Runners whose reminder (or morning question) is due, oldest first, locked; rows
    another process has locked are skipped (SKIP LOCKED on PostgreSQL)."""
    column: ColumnElement[datetime | None]
    column = User.next_reminder_at if kind is DeliveryKind.REMINDER else User.next_morning_at  # type: ignore[assignment]
    result = await tx.scalars(
        select(User)
        .where(column.is_not(None), column <= now)
        .order_by(column)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return result.all()


async def find(
    tx: AsyncSession, *, user_id: int, kind: DeliveryKind, local_date: date
) -> ReminderDelivery | None:
    return await tx.scalar(
        select(ReminderDelivery).where(
            ReminderDelivery.user_id == user_id,
            ReminderDelivery.kind == kind,
            ReminderDelivery.local_date == local_date,
        )
    )


async def existing(
    tx: AsyncSession, *, kind: DeliveryKind, keys: Sequence[tuple[int, date]]
) -> dict[tuple[int, date], ReminderDelivery]:
    """The deliveries of `kind` already recorded for these (user id, local date) pairs, in
    one query for a whole batch."""
    if not keys:
        return {}
    found = await tx.scalars(
        select(ReminderDelivery).where(
            ReminderDelivery.kind == kind,
            ReminderDelivery.user_id.in_({user_id for user_id, _ in keys}),
            ReminderDelivery.local_date.in_({local_date for _, local_date in keys}),
        )
    )
    wanted = set(keys)
    return {
        (row.user_id, row.local_date): row
        for row in found
        if (row.user_id, row.local_date) in wanted
    }


async def add_many(
    tx: AsyncSession, *, rows: Sequence[dict[str, Any]]
) -> dict[tuple[int, date], int]:
    """New deliveries (column values, all of one kind), in one multi-row INSERT: their ids
    by (user id, local date). (Asking for the ids in the order given would make SQLAlchemy
    send one INSERT per row on SQLite, whose RETURNING promises no order.)"""
    if not rows:
        return {}
    table = cast(Table, ReminderDelivery.__table__)
    result = await tx.execute(
        insert(table).returning(table.c.user_id, table.c.local_date, table.c.id), list(rows)
    )
    return {(user_id, local_date): delivery_id for user_id, local_date, delivery_id in result}


async def add(tx: AsyncSession, *, delivery: ReminderDelivery) -> ReminderDelivery:
    tx.add(delivery)
    await tx.flush()
    return delivery


async def get(tx: AsyncSession, *, delivery_id: int) -> ReminderDelivery | None:
    return await tx.get(ReminderDelivery, delivery_id)


async def stale_pending(
    tx: AsyncSession, *, claimed_before: datetime, limit: int
) -> Sequence[ReminderDelivery]:
    """Pending deliveries whose sender died (or gave up for now), locked, oldest first."""
    result = await tx.scalars(
        select(ReminderDelivery)
        .where(
            ReminderDelivery.status == DeliveryStatus.PENDING,
            ReminderDelivery.claimed_at <= claimed_before,
        )
        .order_by(ReminderDelivery.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return result.all()


async def mark_sent(tx: AsyncSession, *, sent: Sequence[tuple[int, int | None]]) -> None:
    """(delivery id, message id) pairs, in one statement; a row deleted meanwhile (the
    runner deleted their data) just matches nothing."""
    if not sent:
        return
    table = cast(Table, ReminderDelivery.__table__)
    await tx.execute(
        update(table)
        .where(table.c.id == bindparam("b_id"))
        .values(
            status=DeliveryStatus.SENT,
            message_id=bindparam("b_message_id"),
            attempts=table.c.attempts + 1,
        ),
        [{"b_id": delivery_id, "b_message_id": message_id} for delivery_id, message_id in sent],
    )


async def morning_sent_after(tx: AsyncSession, *, user_id: int, local_date: date) -> bool:
    """A morning question for a later local date than `local_date` has gone out."""
    found = await tx.scalar(
        select(ReminderDelivery.id)
        .where(
            ReminderDelivery.user_id == user_id,
            ReminderDelivery.kind == DeliveryKind.MORNING_CHECKIN,
            ReminderDelivery.local_date > local_date,
            ReminderDelivery.status == DeliveryStatus.SENT,
        )
        .limit(1)
    )
    return found is not None
