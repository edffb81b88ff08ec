"""Every handler is registered here, in order: the first matching handler in a group wins."""

from __future__ import annotations

from telegram.ext import CommandHandler, MessageHandler, filters

from bot.context import BotApplication
from bot.handlers import common


def register(app: BotApplication) -> None:
    private = filters.ChatType.PRIVATE
    app.add_handler(CommandHandler("start", common.start, filters=private))
    app.add_handler(CommandHandler("help", common.help_command, filters=private))
    # Catch-alls last, so they only see what no handler above took.
    app.add_handler(MessageHandler(private & filters.COMMAND, common.unknown_command))
    app.add_handler(MessageHandler(private & filters.UpdateType.MESSAGE, common.unknown_text))
    app.add_error_handler(common.on_error)
