"""The words of a use case's result: what a Note, an Ask or a step says, from
content/texts.yaml. Pure (no Telegram, no database); the handlers and the sender send it."""

from __future__ import annotations

from bot.charts import LevelMark, PainPoint, ProgressData
from bot.content import Content, Texts
from bot.domain.enums import CheckinKind
from bot.domain.session_flow import progress_bar
from bot.render import dose_text
from bot.services.checkins import CHART_DAYS, Progress
from bot.services.results import Ask, Note, Say, StepView


def said(texts: Texts, line: Say) -> str:
    return texts.get(line.key, **line.fields)


def note_text(texts: Texts, note: Note) -> str:
    return note.sep.join(said(texts, line) for line in note.lines)


def ask_text(texts: Texts, ask: Ask) -> str:
    """The question, after the lines that say why it is asked (again)."""
    lead = "\n".join(said(texts, line) for line in ask.lead)
    question = said(texts, ask.text)
    return f"{lead}\n\n{question}" if lead else question


def step_text(content: Content, view: StepView) -> str:
    """Step i of N with a progress bar, the exercise, its dose, instructions, tips and
    cautions; after Hurts, what to do instead."""
    texts = content.texts
    exercise = content.exercises[view.exercise_id]
    header = texts.get(
        "step_header",
        index=str(view.index + 1),
        total=str(view.total),
        bar=progress_bar(view.index, view.total),
    )
    lines = [header, exercise.name, dose_text(texts, exercise.dose), ""]
    lines += [texts.get("step_instruction", line=line) for line in exercise.instructions]
    extras = [texts.get("step_tip", cue=cue) for cue in exercise.cues[:2]]
    extras += [texts.get("step_caution", caution=c) for c in exercise.cautions]
    if extras:
        lines += ["", *extras]
    if view.hurt:
        prompt = texts.hurts_prompt if exercise.easier else texts.hurts_prompt_no_easier
        lines += ["", prompt]
    return "\n".join(lines)


def progress_chart(content: Content, progress: Progress) -> ProgressData:
    """The /progress picture's data: pain after sessions, runs and mornings (not the
    ad-hoc ratings), sessions done and level changes since the chart's first day, the
    baseline, the zone bands of content/progression.yaml, every label from texts."""
    history, start, texts = progress.history, progress.start, content.texts
    zones = content.progression.zones
    return ProgressData(
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
        baseline=progress.baseline,
        labels={
            "title": texts.get("chart_title", days=str(CHART_DAYS)),
            "after_session": texts.chart_after_session,
            "after_run": texts.chart_after_run,
            "morning": texts.chart_morning,
            "sessions": texts.chart_sessions,
            "baseline": texts.chart_baseline,
            "pain_axis": texts.chart_pain_axis,
            "level": texts.chart_level,
        },
        zone_edges=(zones.green_max, zones.amber_max),
    )


def progress_caption(texts: Texts, progress: Progress) -> str:
    """'Level 3 of 7 · streak 4 day(s)' and this week's mornings against the baseline."""
    history = progress.history
    week = progress.week_mean
    return texts.get(
        "progress_caption",
        level=str(history.level),
        levels=str(history.max_level),
        flare=texts.progress_flare if history.flare_since else "",
        streak=str(progress.streak),
        w=f"{week:.1f}" if week is not None else texts.progress_no_mornings,
        b=f"{progress.baseline:.1f}",
        verdict=texts.get(f"verdict_{progress.verdict}"),
    )
