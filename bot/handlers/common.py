"""Help, the catch-alls, groups, and the error handler."""

from __future__ import annotations

import logging
import time

from telegram import Update
from telegram.error import TelegramError

from bot.context import BotContext
from bot.handlers.language import pick_language
from bot.handlers.show import send_text

log = logging.getLogger(__name__)

GROUPS_ANSWERED_MAX = 10_000
ADMIN_ALERT_INTERVAL = 60.0  # seconds between error alerts to admins, per process


async def help_command(update: Update, context: BotContext) -> None:
    """/help: the commands, from the same list as the command menu."""
    message = update.effective_message
    if message is None:
        return
    commands = "\n".join(
        context.texts.get("help_line", command=c.command, description=c.description)
        for c in context.content.commands
    )
    await send_text(context, message.chat_id, context.texts.get("help", commands=commands))


async def unknown_command(update: Update, context: BotContext) -> None:
    """A command we do not have: a hint, not silence."""
    message = update.effective_message
    if message is None or not message.text:
        return
    command = message.text.split()[0].split("@")[0][:40]
    await message.reply_text(context.texts.get("unknown_command", command=command))


async def unknown_text(update: Update, context: BotContext) -> None:
    """Anything else in a private chat: point to /help."""
    if update.effective_message is None:
        return
    await update.effective_message.reply_text(context.texts.unknown_text)


async def group_chat(update: Update, context: BotContext) -> None:
    """Anything in a group: one hint to write privately, per chat; nothing stored (the set
    of answered chats lives in memory only)."""
    chat = update.effective_chat
    if chat is None:
        return
    answered: set[int] = context.application.bot_data.setdefault("groups_answered", set())
    if chat.id in answered or len(answered) >= GROUPS_ANSWERED_MAX:
        return
    answered.add(chat.id)
    link = f"https://t.me/{context.bot.username}" if context.bot.username else ""
    try:
        await context.bot.send_message(chat.id, context.texts.get("group_chat", link=link))
    except TelegramError as exc:  # a group that removed us, or where we may not write
        log.info("event=group_hint_failed error=%s", type(exc).__name__)


async def on_error(update: object, context: BotContext) -> None:
    """Log the failure (no user text, no pain values, no token), tell the runner their data
    is safe, and alert ADMIN_IDS (at most once a minute)."""
    update_id = update.update_id if isinstance(update, Update) else None
    error = type(context.error).__name__
    log.error("event=handler_error update_id=%s error=%s", update_id, error, exc_info=context.error)
    if isinstance(update, Update) and update.effective_chat is not None:
        # PTB hands errors a context of their own: the runner's language is picked again
        await pick_language(update, context)
        try:
            await context.bot.send_message(update.effective_chat.id, context.texts.error)
        except Exception:  # telling the user is best effort; the error is already logged
            log.warning("event=error_reply_failed update_id=%s", update_id)
    data = context.application.bot_data
    now = time.monotonic()
    if now - float(data.get("last_admin_alert", -ADMIN_ALERT_INTERVAL)) < ADMIN_ALERT_INTERVAL:
        return
    data["last_admin_alert"] = now
    english = context.deps.content.texts  # admins read alerts in the bot's own language
    alert = english.get("admin_alert", error=error, update_id=str(update_id))
    for admin_id in context.deps.settings.admin_ids:
        try:
            await context.bot.send_message(admin_id, alert)
        except Exception:  # an admin who blocked the bot must not hide the next alert
            log.warning("event=admin_alert_failed")
