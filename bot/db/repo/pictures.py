"""Pictures Telegram already has (`PictureUpload`): looked up by key, remembered once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import PictureUpload


async def file_id(tx: AsyncSession, *, key: str) -> str | None:
    return await tx.scalar(select(PictureUpload.file_id).where(PictureUpload.key == key))


async def remember(tx: AsyncSession, *, key: str, file_id: str, now: datetime) -> None:
    """Store the file_id of an upload. Two processes may upload the same new picture at
    once: the first to store it wins and the other's upload is simply not remembered (both
    file_ids work), so the insert does nothing on a conflict."""
    insert = pg_insert if tx.get_bind().dialect.name == "postgresql" else sqlite_insert
    await tx.execute(
        insert(PictureUpload)
        .values(key=key, file_id=file_id, uploaded_at=now)
        .on_conflict_do_nothing(index_elements=["key"])
    )


async def forget(tx: AsyncSession, *, key: str, file_id: str) -> None:
    """Drop a file_id Telegram no longer accepts (the next send uploads again)."""
    found = await tx.get(PictureUpload, key)
    if found is not None and found.file_id == file_id:
        await tx.delete(found)
