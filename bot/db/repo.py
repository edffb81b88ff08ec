"""Data access: small keyword-only functions over an AsyncSession (one per update)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import User, UserStatus


async def get_user(session: AsyncSession, *, telegram_user_id: int) -> User | None:
    return await session.scalar(select(User).where(User.telegram_user_id == telegram_user_id))


async def get_or_create_user(
    session: AsyncSession,
    *,
    telegram_user_id: int,
    chat_id: int,
    first_name: str | None,
    language_code: str | None,
    now: datetime,
) -> tuple[User, bool]:
    """The runner's row, created on first contact. Returns (user, created)."""
    user = await get_user(session, telegram_user_id=telegram_user_id)
    if user is not None:
        user.chat_id = chat_id
        user.first_name = first_name
        user.language_code = language_code
        if user.status == UserStatus.BLOCKED:
            # They wrote to us again, so they unblocked the bot.
            user.status = UserStatus.ACTIVE
        user.updated_at = now
        return user, False
    user = User(
        telegram_user_id=telegram_user_id,
        chat_id=chat_id,
        first_name=first_name,
        language_code=language_code,
        status=UserStatus.ACTIVE,
        onboarding_step="welcome",
        onboarding_answers={},
        created_at=now,
        updated_at=now,
    )
    session.add(user)
    await session.flush()
    return user, True
