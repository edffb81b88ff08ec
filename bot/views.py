"""The words of a use case's result: what a Note, an Ask or a step says, from
content/texts.yaml. Pure (no Telegram, no database); the handlers and the sender send it."""

from __future__ import annotations

from bot.content import Content, Texts
from bot.domain.session_flow import progress_bar
from bot.render import dose_text
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
