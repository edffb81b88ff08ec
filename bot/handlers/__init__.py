"""Every handler is registered here, in order: the first matching handler in a group wins."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, TypeHandler, filters

from bot.context import BotApplication
from bot.handlers import (
    admin,
    checkins,
    common,
    language,
    onboarding,
    privacy,
    router,
    session,
    settings,
)


def register(app: BotApplication) -> None:
    # First of all, in a group of its own: the language the update is answered in.
    app.add_handler(TypeHandler(Update, language.pick_language), group=-2)
    # New messages in a private chat. Edits are ignored on purpose: an edited "7:30" from
    # yesterday must not answer today's open question.
    private = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
    # Groups first: one hint to write privately, and nothing else happens. Channels get
    # nothing at all: a hint there would go to every subscriber.
    app.add_handler(
        MessageHandler(filters.ChatType.GROUPS & ~filters.StatusUpdate.ALL, common.group_chat)
    )
    app.add_handler(CommandHandler("start", onboarding.start, filters=private))
    app.add_handler(CommandHandler("help", common.help_command, filters=private))
    app.add_handler(CommandHandler("settings", settings.settings_command, filters=private))
    app.add_handler(CommandHandler("pause", settings.pause_command, filters=private))
    app.add_handler(CommandHandler("resume", settings.resume_command, filters=private))
    app.add_handler(CommandHandler("session", session.session_command, filters=private))
    app.add_handler(CommandHandler("routines", session.routines_command, filters=private))
    app.add_handler(CommandHandler("exercises", session.exercises_command, filters=private))
    app.add_handler(CommandHandler("run", checkins.run_command, filters=private))
    app.add_handler(CommandHandler("checkin", checkins.checkin_command, filters=private))
    app.add_handler(CommandHandler("progress", checkins.progress_command, filters=private))
    app.add_handler(CommandHandler("stats", admin.stats_command, filters=private))
    app.add_handler(CommandHandler("export", privacy.export_command, filters=private))
    app.add_handler(CommandHandler("delete", privacy.delete_command, filters=private))
    # Every tap goes through one router that parses and checks the callback data.
    app.add_handler(CallbackQueryHandler(router.on_callback))
    app.add_handler(MessageHandler(private & filters.LOCATION, router.on_location))
    # Catch-alls last, so they only see what no handler above took.
    app.add_handler(MessageHandler(private & filters.COMMAND, common.unknown_command))
    app.add_handler(MessageHandler(private & filters.TEXT, router.on_text))
    app.add_handler(MessageHandler(private, common.unknown_text))
    app.add_error_handler(common.on_error)
