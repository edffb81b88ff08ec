"""/run, /checkin and /progress."""

from __future__ import annotations

import asyncio
import logging

from telegram import Update

from bot.charts import LevelMark, PainPoint, ProgressData, render_progress
from bot.context import BotContext
from bot.domain.enums import CheckinKind
from bot.domain.questions import Question
from bot.handlers.show import show
from bot.services import checkins
from bot.services.checkins import CHART_DAYS

log = logging.getLogger(__name__)


async def run_command(update: Update, context: BotContext) -> None:
    """/run: did you run today? then pain after it."""
    if update.effective_user is not None:
        reply = await checkins.ask(
            context.env, telegram_user_id=update.effective_user.id, question=Question.RAN
        )
        await show(context, update, reply)


async def checkin_command(update: Update, context: BotContext) -> None:
    """/checkin: a rating at any time."""
    if update.effective_user is not None:
        reply = await checkins.ask(
            context.env, telegram_user_id=update.effective_user.id, question=Question.ADHOC_PAIN
        )
        await show(context, update, reply)


async def progress_command(update: Update, context: BotContext) -> None:
    """/progress: the pain picture and a two-line summary (level, streak, W vs B, R9)."""
    message, tg_user = update.effective_message, update.effective_user
    if message is None or tg_user is None:
        return
    found = await checkins.progress(context.env, telegram_user_id=tg_user.id)
    if not isinstance(found, checkins.Progress):
        await show(context, update, found)
        return
    texts = context.texts
    zones = context.content.progression.zones
    history, start = found.history, found.start
    data = ProgressData(
        points=tuple(
            PainPoint(c.local_date, c.score, c.context)
            for c in history.checkins
            if c.context != CheckinKind.AD_HOC and c.local_date >= start
        ),
        session_days=tuple(
            s.local_date for s in history.sessions if s.completed and s.local_date >= start
        ),
        level_marks=tuple(
            LevelMark(c.local_date, c.from_level, c.to_level, c.rule_id)
            for c in history.level_changes
            if c.from_level != c.to_level and c.local_date >= start
        ),
        start=start,
        end=history.today,
        baseline=found.baseline,
        labels=chart_labels(context),
        zone_edges=(zones.green_max, zones.amber_max),
    )
    png = await asyncio.to_thread(render_progress, data)
    caption = texts.get(
        "progress_caption",
        level=str(history.level),
        levels=str(history.max_level),
        flare=texts.progress_flare if history.flare_since else "",
        streak=str(found.streak),
        w=f"{found.week_mean:.1f}" if found.week_mean is not None else texts.progress_no_mornings,
        b=f"{found.baseline:.1f}",
        verdict=texts.get(f"verdict_{found.verdict}"),
    )
    await message.reply_photo(png, caption=caption)
    log.info("event=progress points=%s", len(data.points))


def chart_labels(context: BotContext) -> dict[str, str]:
    texts = context.texts
    return {
        "title": texts.get("chart_title", days=str(CHART_DAYS)),
        "after_session": texts.chart_after_session,
        "after_run": texts.chart_after_run,
        "morning": texts.chart_morning,
        "sessions": texts.chart_sessions,
        "baseline": texts.chart_baseline,
        "pain_axis": texts.chart_pain_axis,
        "level": texts.chart_level,
    }
