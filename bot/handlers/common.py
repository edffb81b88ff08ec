"""Greeting, help, the catch-alls and the error handler."""

from __future__ import annotations

import logging

from telegram import Update

from bot.context import BotContext

log = logging.getLogger(__name__)


async def help_command(update: Update, context: BotContext) -> None:
    """/help: the commands, from the same list as the command menu."""
    if update.effective_message is None:
        return
    commands = "\n".join(f"/{c.command} – {c.description}" for c in context.content.commands)
    await update.effective_message.reply_text(context.texts.get("help", commands=commands))


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


async def on_error(update: object, context: BotContext) -> None:
    """Log the failure (no user text, no pain values) and tell the runner their data is safe."""
    update_id = update.update_id if isinstance(update, Update) else None
    log.error(
        "event=handler_error update_id=%s error=%s",
        update_id,
        type(context.error).__name__,
        exc_info=context.error,
    )
    if isinstance(update, Update) and update.effective_chat is not None:
        try:
            await context.bot.send_message(update.effective_chat.id, context.texts.error)
        except Exception:  # telling the user is best effort; the error is already logged
            log.warning("event=error_reply_failed update_id=%s", update_id)
