"""The bots bench/updates.py runs as processes of their own, besides ``python -m bot``.

``python -m bench.bots bare``: the baseline, a bare python-telegram-bot bot with no database
and no logic, built the way bot/app.py builds the real bot (base_url, the same
PerChatUpdateProcessor, AIORateLimiter, long polling) and making the Bot API calls of the
real bot's step transition: for ``/session`` two sendMessage (the intro, then step 1 with
its keyboard); for every tap answerCallbackQuery, editMessageText (the tapped step closed
into a one-line record, keyboard removed) and sendMessage (the next step, with Done / Skip
/ Hurts / Stop). Reads TELEGRAM_BOT_TOKEN, TELEGRAM_API_URL, POLLING_TIMEOUT (default 10),
LOG_LEVEL (default WARNING) and BENCH_CONCURRENCY (PerChatUpdateProcessor's limit).

``python -m bench.bots variant``: the real bot, ``python -m bot``, with changes tried before
they are made in bot/, named in BENCH_VARIANT (comma-separated): ``concurrency=N``,
PerChatUpdateProcessor(N) instead of its default (bench.updates gives the bare bot the
same N). A ``writer-lock`` variant, tried here first, is now part of bot/db/engine.py.
"""

from __future__ import annotations

import logging
import os
import sys

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest, Forbidden
from telegram.ext import (
    AIORateLimiter,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
)

from bot.concurrency import PerChatUpdateProcessor

log = logging.getLogger("bench.bots")

INTRO = "Today: Decompression ladder, level 7 of 7: 7 steps, about 14 minutes."
# About as long as a real step message (header, name, dose, instructions, tips, cautions).
BODY = """Bare exercise
Hold 30 s, 3 times, each side

• Lie on your back with your knees bent and your feet flat on the floor.
• Let your knees fall slowly to one side while your shoulders stay down.
• Breathe out as you go down, breathe in as you come back to the middle.
• Keep the movement slow and small enough that it stays comfortable.

Tip: keep both shoulder blades on the floor the whole time.
Tip: move only as far as you can without pain.
Caution: stop if the pain spreads into a leg or gets sharper."""


def step(index: int) -> tuple[str, InlineKeyboardMarkup]:
    """Step ``index``: its text, and Done / Skip / Hurts / Stop shaped like the real bot's."""
    labels = [("✅ Done", "d"), ("Skip", "s"), ("Hurts", "h"), ("Stop", "x")]
    buttons = [
        InlineKeyboardButton(label, callback_data=f"1|ss|0|{index}|{index}|{action}")
        for label, action in labels
    ]
    return f"Step {index}  ▰▰▰▱▱▱▱\n{BODY}", InlineKeyboardMarkup([buttons[:2], buttons[2:]])


async def on_session(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if update.effective_chat is not None:
        text, markup = step(1)
        await context.bot.send_message(update.effective_chat.id, INTRO)
        await context.bot.send_message(update.effective_chat.id, text, reply_markup=markup)


async def on_tap(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A step transition: answer the query, close the old step, send the next one."""
    query = update.callback_query
    if query is None or query.message is None:
        return
    parts = (query.data or "").split("|")
    index = int(parts[3]) if len(parts) == 6 and parts[3].isdigit() else 0
    try:
        await query.answer()
    except (BadRequest, Forbidden) as exc:
        log.debug("event=answer_query_failed reason=%s", exc.message[:60])
    try:
        await query.edit_message_text("Bare exercise: done", reply_markup=None)
    except BadRequest as exc:
        log.debug("event=close_prompt_skipped reason=%s", exc.message[:60])
    text, markup = step(index + 1)
    await context.bot.send_message(query.message.chat.id, text, reply_markup=markup)


def bare() -> int:
    token, api = os.environ.get("TELEGRAM_BOT_TOKEN"), os.environ.get("TELEGRAM_API_URL")
    if not token or not api:
        print("TELEGRAM_BOT_TOKEN and TELEGRAM_API_URL must be set", file=sys.stderr)
        return 2
    logging.basicConfig(level=os.environ.get("LOG_LEVEL", "WARNING").upper())
    limit = os.environ.get("BENCH_CONCURRENCY")
    app = (
        ApplicationBuilder()
        .token(token)
        .base_url(f"{api.rstrip('/')}/bot")
        .base_file_url(f"{api.rstrip('/')}/file/bot")
        .concurrent_updates(PerChatUpdateProcessor(*([int(limit)] if limit else [])))
        .rate_limiter(AIORateLimiter(overall_max_rate=0, max_retries=3))
        .build()
    )
    app.add_handler(CommandHandler("session", on_session))
    app.add_handler(CallbackQueryHandler(on_tap))
    timeout = int(os.environ.get("POLLING_TIMEOUT", "10"))
    app.run_polling(timeout=timeout, allowed_updates=Update.ALL_TYPES)
    return 0


def variant() -> int:
    for change in filter(None, os.environ.get("BENCH_VARIANT", "").split(",")):
        name, _, value = change.strip().partition("=")
        if name != "concurrency" or not value.isdigit():
            raise SystemExit(f"unknown variant {change!r}; known: concurrency=N")
        from bot import app

        class Limited(PerChatUpdateProcessor):
            def __init__(self, max_concurrent_updates: int = int(value)) -> None:
                super().__init__(max_concurrent_updates)

        setattr(app, "PerChatUpdateProcessor", Limited)  # noqa: B010 - the name build_application calls
    from bot.__main__ import main

    return main([])


if __name__ == "__main__":
    sys.exit({"bare": bare, "variant": variant}[sys.argv[1]]())
