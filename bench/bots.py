"""The bots bench/updates.py runs as processes of their own, besides ``python -m bot``.

``python -m bench.bots bare``: the baseline, a bare python-telegram-bot bot with no database
and no logic, built the way bot/app.py builds the real bot (base_url, the same
PerChatUpdateProcessor, AIORateLimiter, long polling) and making the real bot's Bot API
calls, update by update, through a session of the same shape (BENCH_PARTS: the parts of
each step, e.g. ``5,2,1,1,2,2,1`` for ladder level 7): for ``/session`` sendMessage (the
intro) and sendPhoto (step 1: the exercise's picture by file_id, the step as its caption,
Done / Skip / Hurts / Stop); for Done on a part that is not its step's last,
answerCallbackQuery and editMessageCaption (the next part, same buttons); on a step's last
part, answerCallbackQuery, editMessageCaption (the step closed, buttons off) and sendPhoto
(the next step), or after the last step two sendMessage (the summary, then the 0-10 pain
question); for the pain answer answerCallbackQuery, editMessageText and sendMessage. The
picture is uploaded once, on its first send, and goes by file_id after, as the real bot's
do. Reads TELEGRAM_BOT_TOKEN, TELEGRAM_API_URL, BENCH_PARTS, POLLING_TIMEOUT (default 10),
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

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Update
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
# About as long as a real step's caption (header, name, dose, instructions, tips, cautions).
BODY = """Bare exercise
Hold 30 s, 3 times, each side

• Lie on your back with your knees bent and your feet flat on the floor.
• Let your knees fall slowly to one side while your shoulders stay down.
• Breathe out as you go down, breathe in as you come back to the middle.
• Keep the movement slow and small enough that it stays comfortable.

Tip: keep both shoulder blades on the floor the whole time.
Tip: move only as far as you can without pain.
Caution: stop if the pain spreads into a leg or gets sharper."""
ASK = "How is your back now, from 0 (no pain) to 10 (the worst)?"


def parts_of_steps() -> tuple[int, ...]:
    """BENCH_PARTS: how many parts (sides, techniques) each step of the session has."""
    raw = os.environ.get("BENCH_PARTS", "1,1,1,1,1,1,1")
    return tuple(int(n) for n in raw.split(","))


PARTS = parts_of_steps()
_photo: list[str] = []  # the picture's file_id, once Telegram has it


def step(index: int, part: int) -> tuple[str, InlineKeyboardMarkup]:
    """Step ``index`` at ``part``: its caption, and Done / Skip / Hurts / Stop shaped like
    the real bot's."""
    labels = [("✅ Done", "d"), ("Skip", "s"), ("Hurts", "h"), ("Stop", "x")]
    buttons = [
        InlineKeyboardButton(label, callback_data=f"1|ss|0|{index}|{part}|{action}")
        for label, action in labels
    ]
    header = f"Step {index + 1} of {len(PARTS)}  ▰▰▰▱▱▱▱ part {part + 1}"
    return f"{header}\n{BODY}", InlineKeyboardMarkup([buttons[:2], buttons[2:]])


def picture() -> bytes:
    """A real exercise picture, drawn as the real bot draws it (only the first send)."""
    from bot.content import load_languages
    from bot.pictures import render_pose

    content = load_languages()
    return render_pose(content.poses[content.ladder.steps[0]])


async def send_step(context: ContextTypes.DEFAULT_TYPE, chat_id: int, index: int) -> None:
    """A new step: the picture by file_id (uploaded the first time) with its caption."""
    text, markup = step(index, 0)
    photo: str | InputFile = _photo[0] if _photo else InputFile(picture(), filename="p.png")
    sent = await context.bot.send_photo(chat_id, photo, caption=text, reply_markup=markup)
    if not _photo and sent.photo:
        _photo.append(sent.photo[-1].file_id)


async def on_session(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if update.effective_chat is not None:
        await context.bot.send_message(update.effective_chat.id, INTRO)
        await send_step(context, update.effective_chat.id, 0)


async def on_tap(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A tap: the real bot's calls for a part, a step, the last step or the pain answer."""
    query = update.callback_query
    if query is None or query.message is None:
        return
    chat_id = query.message.chat.id
    parts = (query.data or "").split("|")
    try:
        await query.answer()
    except (BadRequest, Forbidden) as exc:
        log.debug("event=answer_query_failed reason=%s", exc.message[:60])
    if parts[1] == "pain":
        await query.edit_message_text("How was your back after the session? 2")
        new = InlineKeyboardButton("Something new or different?", callback_data="1|new")
        await context.bot.send_message(
            chat_id,
            "Thanks, noted. Same level next time.",
            reply_markup=InlineKeyboardMarkup([[new]]),
        )
        return
    index, part = int(parts[3]), int(parts[4])
    if part + 1 < PARTS[index]:
        text, markup = step(index, part + 1)
        await query.edit_message_caption(text, reply_markup=markup)
        return
    await query.edit_message_caption(f"{step(index, part)[0]}\n✅ Done", reply_markup=None)
    if index + 1 < len(PARTS):
        await send_step(context, chat_id, index + 1)
        return
    await context.bot.send_message(chat_id, f"Session complete: {len(PARTS)} of {len(PARTS)} done.")
    scores = [InlineKeyboardButton(str(n), callback_data=f"1|pain|{n}") for n in range(11)]
    await context.bot.send_message(
        chat_id, ASK, reply_markup=InlineKeyboardMarkup([scores[:6], scores[6:]])
    )


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
