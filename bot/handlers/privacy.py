"""/export (everything stored about the runner, as files) and /delete (all of it, after a
confirmation tap)."""

from __future__ import annotations

import logging

from telegram import Update

from bot import keyboards
from bot.context import BotContext
from bot.db import repo
from bot.export import checkins_csv, collect, delete_everything, to_json
from bot.handlers import prompts

log = logging.getLogger(__name__)

DELETE = "delete"


async def export_command(update: Update, context: BotContext) -> None:
    """/export: a JSON file with everything, and the check-ins as CSV."""
    tg_user, message = update.effective_user, update.effective_message
    if tg_user is None or message is None:
        return
    async with context.db.read() as session:
        user = await repo.get_user(session, telegram_user_id=tg_user.id)
        data = await collect(session, user.id) if user is not None else None
    if data is None:
        await message.reply_text(context.texts.export_nothing)
        return
    day = context.clock.now().date().isoformat()
    await message.reply_document(
        to_json(data), filename=f"mobility-{day}.json", caption=context.texts.export_json
    )
    await message.reply_document(
        checkins_csv(data), filename=f"pain-checkins-{day}.csv", caption=context.texts.export_csv
    )
    log.info("event=export")


async def delete_command(update: Update, context: BotContext) -> None:
    """/delete: asks first, with a button."""
    tg_user, message = update.effective_user, update.effective_message
    if tg_user is None or message is None:
        return
    texts = context.texts
    async with context.db.write() as session:
        user = await repo.get_user(session, telegram_user_id=tg_user.id)
        if user is not None:
            user.awaiting = DELETE
    if user is None:
        await message.reply_text(texts.export_nothing)
        return
    markup = keyboards.choice(
        keyboards.ADHOC, DELETE, [(texts.delete_yes, "y"), (texts.delete_no, "n")]
    )
    await prompts.send_prompt(
        context,
        user_id=user.id,
        chat_id=user.chat_id,
        text=texts.delete_confirm,
        markup=markup,
        previous_prompt_id=user.prompt_message_id,
    )


async def on_delete_tap(update: Update, context: BotContext, confirmed: bool) -> None:
    """The confirmation: only from the open /delete question."""
    query = update.callback_query
    assert query is not None
    texts = context.texts
    tapped = query.message.message_id if query.message else None
    counts: dict[str, int] | None = None
    async with context.db.write() as session:
        user = await repo.get_user(session, telegram_user_id=query.from_user.id)
        live = user is not None and user.awaiting == DELETE and user.prompt_message_id == tapped
        if user is not None and live:
            if confirmed:
                counts = await delete_everything(session, user.id)
            else:
                user.awaiting = None
    if user is None or not live:
        await prompts.answer_query(query, texts.expired_button)
        return
    await prompts.answer_query(query)
    label = texts.delete_yes if confirmed else texts.delete_no
    await prompts.close_tapped(
        query, texts.get("answered", question=texts.delete_confirm, answer=label)
    )
    await context.bot.send_message(user.chat_id, texts.deleted if confirmed else texts.delete_kept)
    log.info("event=delete confirmed=%s rows=%s", confirmed, sum((counts or {}).values()))
