"""/export (everything stored about the runner, as files) and /delete (after a tap)."""

from __future__ import annotations

from telegram import Update
from telegram.constants import MessageLimit

from bot.context import BotContext
from bot.export import checkins_csv, to_json
from bot.handlers.show import show
from bot.services import privacy
from bot.views import clip


async def export_command(update: Update, context: BotContext) -> None:
    """/export: a JSON file with everything, and the check-ins as CSV."""
    tg_user, message = update.effective_user, update.effective_message
    if tg_user is None or message is None:
        return
    data = await privacy.export(context.env, telegram_user_id=tg_user.id)
    if data is None:
        await message.reply_text(context.texts.export_nothing)
        return
    day = context.clock.now().date().isoformat()
    fit = MessageLimit.CAPTION_LENGTH
    await message.reply_document(
        to_json(data),
        filename=f"mobility-{day}.json",
        caption=clip(context.texts.export_json, fit),
    )
    await message.reply_document(
        checkins_csv(data),
        filename=f"pain-checkins-{day}.csv",
        caption=clip(context.texts.export_csv, fit),
    )


async def delete_command(update: Update, context: BotContext) -> None:
    """/delete: asks first, with a button."""
    if update.effective_user is not None:
        reply = await privacy.ask_delete(context.env, telegram_user_id=update.effective_user.id)
        await show(context, update, reply)
