"""The baseline for bench/updates.py: a bare python-telegram-bot bot, no database, no logic.

It is built the way bot/app.py builds the real bot (same base_url setup, the same
PerChatUpdateProcessor for concurrent updates, the same AIORateLimiter, long polling with
the same timeout) and makes the Bot API calls of the real bot's step transition:

* ``/session``: two sendMessage (the intro, then step 1 with its keyboard);
* every tap: answerCallbackQuery, editMessageText (the tapped step closed into a one-line
  record, keyboard removed), sendMessage (the next step, with Done / Skip / Hurts / Stop).

Run as its own process, like ``python -m bot``:
``TELEGRAM_BOT_TOKEN=... TELEGRAM_API_URL=http://127.0.0.1:PORT python -m bench._bare_bot``
(``POLLING_TIMEOUT`` seconds, default 10; ``LOG_LEVEL``, default WARNING;
``BENCH_CONCURRENCY``: PerChatUpdateProcessor's limit, default its own, 64).
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

log = logging.getLogger("bench.bare_bot")

INTRO = "Today: Decompression ladder, level 7 of 7: 7 steps, about 14 minutes."
# About as long as a real step message (header, name, dose, instructions, tips, cautions).
BODY = "\n".join(
    [
        "Bare exercise",
        "Hold 30 s, 3 times, each side",
        "",
        "• Lie on your back with your knees bent and your feet flat on the floor.",
        "• Let your knees fall slowly to one side while your shoulders stay down.",
        "• Breathe out as you go down, breathe in as you come back to the middle.",
        "• Keep the movement slow and small enough that it stays comfortable.",
        "",
        "Tip: keep both shoulder blades on the floor the whole time.",
        "Tip: move only as far as you can without pain.",
        "Caution: stop if the pain spreads into a leg or gets sharper.",
    ]
)
RECORD = "Bare exercise: done"


def step_text(index: int) -> str:
    return f"Step {index}  ▰▰▰▱▱▱▱\n{BODY}"


def step_markup(index: int) -> InlineKeyboardMarkup:
    """Done / Skip / Hurts / Stop in two rows, callback data shaped like the real bot's."""
    labels = [("✅ Done", "d"), ("Skip", "s"), ("Hurts", "h"), ("Stop", "x")]
    buttons = [
        InlineKeyboardButton(label, callback_data=f"1|ss|0|{index}|{index}|{action}")
        for label, action in labels
    ]
    return InlineKeyboardMarkup([buttons[:2], buttons[2:]])


def _tapped_index(data: str | None) -> int:
    parts = (data or "").split("|")
    return int(parts[3]) if len(parts) == 6 and parts[3].isdigit() else 0


async def on_session(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    chat = update.effective_chat
    if chat is None:
        return
    await context.bot.send_message(chat.id, INTRO)
    await context.bot.send_message(chat.id, step_text(1), reply_markup=step_markup(1))


async def on_tap(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A step transition: answer the query, close the old step, send the next one."""
    query = update.callback_query
    if query is None or query.message is None:
        return
    index = _tapped_index(query.data)
    try:
        await query.answer()
    except (BadRequest, Forbidden) as exc:
        log.debug("event=answer_query_failed reason=%s", exc.message[:60])
    try:
        await query.edit_message_text(RECORD, reply_markup=None)
    except BadRequest as exc:
        log.debug("event=close_prompt_skipped reason=%s", exc.message[:60])
    await context.bot.send_message(
        query.message.chat.id, step_text(index + 1), reply_markup=step_markup(index + 1)
    )


def main() -> int:
    token = os.environ.get("TELEGRAM_BOT_TOKEN", "")
    api = os.environ.get("TELEGRAM_API_URL", "").rstrip("/")
    if not token or not api:
        print("TELEGRAM_BOT_TOKEN and TELEGRAM_API_URL must be set", file=sys.stderr)
        return 2
    timeout = int(os.environ.get("POLLING_TIMEOUT", "10"))
    limit = os.environ.get("BENCH_CONCURRENCY", "")
    processor = PerChatUpdateProcessor(int(limit)) if limit else PerChatUpdateProcessor()
    logging.basicConfig(level=os.environ.get("LOG_LEVEL", "WARNING").upper())
    app = (
        ApplicationBuilder()
        .token(token)
        .base_url(f"{api}/bot")
        .base_file_url(f"{api}/file/bot")
        .concurrent_updates(processor)
        .rate_limiter(AIORateLimiter(overall_max_rate=0, max_retries=3))
        .build()
    )
    app.add_handler(CommandHandler("session", on_session))
    app.add_handler(CallbackQueryHandler(on_tap))
    app.run_polling(timeout=timeout, allowed_updates=Update.ALL_TYPES)
    return 0


if __name__ == "__main__":
    sys.exit(main())
