"""The words of a use case's result: what a Note, an Ask or a step says, from
content/texts.yaml, fitted to what Telegram takes (its published limits). Pure (no calls
to Telegram, no database); the handlers and the sender send it."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from telegram.constants import CallbackQueryLimit, MessageLimit

from bot.charts import PainPoint, ProgressData
from bot.content import Content, Texts
from bot.domain.enums import CheckinKind
from bot.domain.report import Headline, Measure, Period
from bot.domain.session_flow import Side, progress_bar
from bot.render import dose_text
from bot.services.guided import RoutineOption
from bot.services.progress import Progress
from bot.services.results import Ask, LibraryPage, Note, Say, StepView

# --- Telegram's limits on what a message, a caption and a tap's answer may say ----------


def length(text: str) -> int:
    """A text's length in UTF-16 code units (an emoji is often two). Telegram counts the
    text's characters (TDLib's ``utf8_length``), never more than this, so a text that fits
    by this count fits at Telegram too."""
    return len(text.encode("utf-16-le")) // 2


def _head(text: str, limit: int) -> str:
    """The longest start of `text` that Telegram counts as at most `limit`."""
    used = 0
    for index, char in enumerate(text):
        used += length(char)
        if used > limit:
            return text[:index]
    return text


def clip(text: str, limit: int) -> str:
    """`text`, cut to `limit` with an ellipsis when longer (a last resort: every text in
    content/ fits where it is used)."""
    if length(text) <= limit:
        return text
    return _head(text, limit - 1).rstrip() + "…"


def toast(text: str) -> str:
    """A tap's answer (toast or alert) within Telegram's limit."""
    return clip(text, CallbackQueryLimit.ANSWER_CALLBACK_QUERY_TEXT_LENGTH)


def parts(text: str, limit: int = MessageLimit.MAX_TEXT_LENGTH) -> list[str]:
    """The text as messages of at most `limit` each, split between lines where it can be
    (a line longer than that is split where it must)."""
    pieces: list[str] = []
    current = ""
    for whole in text.split("\n"):
        line = whole
        while length(line) > limit:
            if current:
                pieces.append(current)
                current = ""
            head = _head(line, limit)
            pieces.append(head)
            line = line[len(head) :]
        joined = f"{current}\n{line}" if current else line
        if current and length(joined) > limit:
            pieces.append(current)
            current = line
        else:
            current = joined
    pieces.append(current)
    return [piece for piece in pieces if piece.strip()] or [text]


def caption_and_rest(text: str) -> tuple[str, list[str]]:
    """A photo's caption within Telegram's caption limit, and what does not fit, as
    messages to send after it."""
    lines = parts(text, MessageLimit.CAPTION_LENGTH)
    rest = "\n".join(lines[1:])
    return lines[0], parts(rest) if rest else []


# --- the words of a result ------------------------------------------------------------


def said(texts: Texts, line: Say) -> str:
    return texts.get(line.key, count=line.count, **line.fields)


def note_text(texts: Texts, note: Note) -> str:
    return note.sep.join(said(texts, line) for line in note.lines)


def ask_text(texts: Texts, ask: Ask) -> str:
    """The question, after the lines that say why it is asked (again)."""
    lead = "\n".join(said(texts, line) for line in ask.lead)
    question = said(texts, ask.text)
    return f"{lead}\n\n{question}" if lead else question


# One cell a part for up to this many parts (sides and techniques), so that each side
# moves the bar; short enough for one line on a phone held at arm's length.
BAR_CELLS = 20


def step_text(content: Content, view: StepView) -> str:
    """Step i of N with a progress bar counting each side and technique (no header for a
    one-step session), the exercise, the part the runner is on and its dose, instructions,
    every tip of the content, the easier version and the cautions; the running hold timer;
    after Hurts, what to do instead; once the step is over, its status line."""
    texts = content.texts
    exercise = content.exercises[view.exercise_id]
    walked = exercise.walk()
    piece = walked[min(view.part, len(walked) - 1)]
    lines: list[str] = []
    if view.total > 1:
        at, of = view.index, view.total
        if view.position is not None and view.positions is not None:
            at, of = view.position, view.positions
        lines.append(
            texts.get(
                "step_header_extra" if view.extra else "step_header",
                index=str(view.index + 1),
                total=str(view.total),
                bar=progress_bar(at, of, width=BAR_CELLS),
            )
        )
    dose = dose_text(texts, piece.dose)
    if len(walked) > 1:
        dose = texts.get(
            "part_line", part=part_label(content, view.exercise_id, view.part), dose=dose
        )
    lines += [exercise.name, dose, ""]
    lines += [texts.get("step_instruction", line=line) for line in piece.instructions]
    # After Hurts the how-to tips give way to what to do instead (the prompt below).
    lines += _notes(content, view.exercise_id, tips=not (view.hurt and view.status is None))
    if view.status is not None:
        lines += ["", said(texts, view.status)]
    else:
        if view.timer_until is not None and not view.hurt:
            lines += ["", texts.get("timer_running", time=view.timer_until.strftime("%H:%M:%S"))]
        if view.hurt:
            prompt = texts.hurts_prompt if exercise.easier else texts.hurts_prompt_no_easier
            lines += ["", prompt]
    return "\n".join(lines)


def _notes(content: Content, exercise_id: str, *, tips: bool = True) -> list[str]:
    """What goes under an exercise's instructions: every tip of the content (unless not
    `tips`), the easier version, the cautions; after a blank line, or nothing."""
    texts = content.texts
    exercise = content.exercises[exercise_id]
    extras = [texts.get("step_tip", cue=cue) for cue in exercise.cues] if tips else []
    if exercise.easier is not None:
        easier = content.exercises[exercise.easier].name
        if exercise.easier_when:
            extras.append(texts.get("step_easier_when", name=easier, when=exercise.easier_when))
        else:
            extras.append(texts.get("step_easier", name=easier))
    extras += [texts.get("step_caution", caution=c) for c in exercise.cautions]
    return ["", *extras] if extras else []


def exercise_body(content: Content, exercise_id: str) -> list[str]:
    """An exercise as the library shows it, whole: its name and dose, instructions, each
    technique with its dose and instructions, then the tips, easier version and cautions
    a step shows (a step shows one part at a time)."""
    texts = content.texts
    exercise = content.exercises[exercise_id]
    lines = [exercise.name, dose_text(texts, exercise.dose), ""]
    lines += [texts.get("step_instruction", line=line) for line in exercise.instructions]
    for technique in exercise.techniques:
        dose = dose_text(texts, technique.dose)
        lines += ["", texts.get("library_technique", name=technique.name, dose=dose)]
        lines += [texts.get("step_instruction", line=line) for line in technique.instructions]
    return lines + _notes(content, exercise_id)


def routines_text(texts: Texts, options: Sequence[RoutineOption]) -> str:
    """/routines: each routine with today's minutes and what it is for, the daily one
    marked."""
    entries = []
    for option in options:
        label = said(texts, option.label)
        if option.current:
            label = texts.get("chosen", label=label)
        entries.append(texts.get("routine_entry", label=label, summary=option.summary))
    return "\n\n".join([texts.routines_list, *entries])


def library_text(content: Content, page: LibraryPage) -> str:
    """A page of the exercise library: the routines; one routine's exercises; or one
    exercise as a step shows it, with where it comes from."""
    texts = content.texts
    if page.routine_id is None:
        return texts.library_intro
    routine = content.routines[page.routine_id]
    if page.index is None:
        return texts.get("library_routine", routine=routine.name, summary=routine.summary)
    exercise = content.exercises[routine.steps[page.index]]
    where = texts.get(
        "library_header",
        routine=routine.name,
        index=str(page.index + 1),
        total=str(len(routine.steps)),
    )
    sources = [content.sources[exercise.seed].title]
    if exercise.instructions_from is not None:
        sources.append(content.sources[exercise.instructions_from].title)
    source = texts.get("library_source", source="; ".join(sources))
    return "\n".join([where, *exercise_body(content, exercise.id), "", source])


def part_label(content: Content, exercise_id: str, part: int) -> str:
    """'Left side'; 'Side to side (1 of 4)'; 'Diagonal (4 of 4), left side'."""
    texts = content.texts
    exercise = content.exercises[exercise_id]
    piece = exercise.walk()[part]
    if piece.technique is None or piece.part.technique is None:
        return texts.part_left if piece.side is Side.LEFT else texts.part_right
    name, n, total = piece.technique, str(piece.part.technique + 1), str(len(exercise.techniques))
    if piece.side is None:
        return texts.get("part_technique", name=name, n=n, total=total)
    side = texts.side_left if piece.side is Side.LEFT else texts.side_right
    return texts.get("part_technique_side", name=name, n=n, total=total, side=side)


def progress_chart(content: Content, progress: Progress) -> ProgressData:
    """The /progress picture's data: morning ratings and their weekly mean, pain after
    sessions and runs (not the ad-hoc ratings), sessions, the level, flare periods, B0 and
    B, the zone bands of content/progression.yaml; every word from texts."""
    found, texts = progress.report, content.texts
    zones = content.progression.zones
    return ProgressData(
        points=(
            *(PainPoint(day, score, CheckinKind.MORNING) for day, score in found.mornings),
            *(PainPoint(r.day, r.score, r.kind) for r in found.others),
        ),
        weekly=found.weekly,
        session_days=tuple(s.day for s in found.sessions),
        levels=found.levels,
        flares=tuple(Period(p.start, p.end) for p in found.flares),
        start=found.start,
        end=found.today,
        b0=found.baselines.b0,
        b=found.baselines.b,
        labels={
            "title": headline_text(texts, found.headline),
            "morning": texts.chart_morning,
            "weekly": texts.get("chart_weekly", days=str(content.progression.baseline.trend_days)),
            "after_session": texts.chart_after_session,
            "after_run": texts.chart_after_run,
            "sessions": texts.chart_sessions,
            "b0": texts.chart_b0,
            "b": texts.chart_b,
            "pain_axis": texts.chart_pain_axis,
            "level_axis": texts.chart_level_axis,
            "level": texts.chart_level,
            "flare": texts.chart_flare,
            "zone_green": texts.chart_zone_green,
            "zone_amber": texts.chart_zone_amber,
            "zone_red": texts.chart_zone_red,
        },
        zone_edges=(zones.green_max, zones.amber_max),
        day_label=None if content.language == "en" else texts.day_month,
        number=None if content.language == "en" else texts.number,
    )


def progress_caption(texts: Texts, progress: Progress) -> str:
    """The headline, the R9 sentence against B0, then level, flare mode and streak."""
    found = progress.report
    level_line = texts.get(
        "progress_level_line_flare" if found.in_flare else "progress_level_line",
        level=str(found.headline.level_to),
        levels=str(progress.max_level),
    )
    return texts.get(
        "progress_caption",
        headline=headline_text(texts, found.headline),
        verdict=verdict_text(texts, found.measure),
        level_line=level_line,
        streak=texts.get("progress_streak", count=found.streak),
    )


def headline_text(texts: Texts, head: Headline) -> str:
    """'Mornings 6 → 1 over 3 weeks, level 1 → 3'."""
    if head.level_from == head.level_to:
        level = texts.get("progress_level_same", level=str(head.level_to))
    else:
        change: dict[str, Any] = {"from": str(head.level_from), "to": str(head.level_to)}
        level = texts.get("progress_level_change", **change)
    if head.first is None or head.last is None:
        return texts.get("progress_headline_none", level=level)
    if head.days < 2:
        return texts.get("progress_headline_one", first=str(head.first), level=level)
    if head.days < 14:
        span = texts.get("progress_span_days", count=head.days)
    else:
        span = texts.get("progress_span_weeks", count=round(head.days / 7))
    return texts.get(
        "progress_headline", first=str(head.first), last=str(head.last), span=span, level=level
    )


def verdict_text(texts: Texts, found: Measure) -> str:
    """R9 in one sentence, with this week's W, B0 and what would count as better."""
    # the verdicts that count mornings take their plural form from that count
    counts = {"recovered": found.mornings, "out_of_reach": found.need}
    return texts.get(
        f"verdict_{found.verdict}",
        count=counts.get(found.verdict),
        w=_number(texts, found.w),
        b0=_number(texts, found.b0),
        # shown rounded down, so a W shown at or below it is one that counts
        target=_number(
            texts, None if found.target is None else math.floor(found.target * 10 + 1e-9) / 10
        ),
        mornings=str(found.mornings),
        need=str(found.need),
    )


def _number(texts: Texts, value: float | None) -> str:
    """3 or 3.5: one decimal, none when whole, as the runner's language writes it."""
    if value is None:
        return "?"
    return texts.number(value)
