"""Before every other handler: the language this update is answered in."""

from __future__ import annotations

import logging

from telegram import Update

from bot.context import BotContext
from bot.services import language

log = logging.getLogger(__name__)


async def pick_language(update: Update, context: BotContext) -> None:
    """Sets `context.language` for every handler of this update. A database that cannot
    be read here falls back to Telegram's language; the handler that needs the database
    then meets the same fault and answers it."""
    who = update.effective_user
    if who is None:
        return
    try:
        context.language = await language.of_runner(
            context.env, telegram_user_id=who.id, language_code=who.language_code
        )
    except Exception as exc:
        log.warning("event=language_unread error=%s", type(exc).__name__, exc_info=exc)
        context.language = language.from_telegram(who.language_code, language.spoken(context.env))
