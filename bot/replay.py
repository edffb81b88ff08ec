"""`python -m bot replay FILE [--json] [--content DIR]`: a runner's history through the
progression rules, day by day (PROGRESSION.md "Replaying a history"). The rules are the
bot's own (`bot.domain.replay` calls `bot.domain.progression.decide`); the thresholds and
the sentences come from content/ (or `--content DIR`), so a clinician can tune
content/progression.yaml and see what it changes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, TextIO

import yaml
from pydantic import ValidationError

from bot.content import Content
from bot.domain import replay


class ReplayError(Exception):
    """The history file cannot be read; the message says where."""


def load(path: Path) -> replay.HistoryFile:
    try:
        data: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ReplayError(f"cannot read {path}: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise ReplayError(f"{path} is not valid YAML: {exc}") from None
    try:
        return replay.parse(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in error['loc'])}: {error['msg']}" for error in exc.errors()
        )
        raise ReplayError(f"{path}: {problems}") from None


def run(spec: replay.HistoryFile, content: Content) -> list[replay.Line]:
    try:
        return replay.replay(spec, content.progression, max_level=len(content.ladder.steps))
    except ValueError as exc:
        raise ReplayError(str(exc)) from None


def write(lines: list[replay.Line], content: Content, out: TextIO, *, as_json: bool) -> None:
    if as_json:
        json.dump([line.as_json() for line in lines], out, indent=1)
        out.write("\n")
        return
    if not lines:
        out.write("no decisions\n")
    for line in lines:
        d = line.decision
        flare = "flare" if d.flare else "     "
        numbers = ", ".join(f"{k}={v}" for k, v in d.fields.items() if k not in _LEVELS)
        out.write(
            f"day {line.day:>3}  {d.rule_id:<5} {d.kind:<10} level {d.to_level}"
            f"  session {d.session_level}  {flare}  {sentence(content, d)}"
            f"{f'  ({numbers})' if numbers else ''}\n"
        )


_LEVELS = frozenset({"from_level", "level"})


def sentence(content: Content, decision: Any) -> str:
    """The sentence the runner is told (the same text key and fields as in the bot)."""
    ladder = content.ladder
    step = ladder.steps[min(decision.to_level, len(ladder.steps)) - 1]
    fields = {
        **decision.fields,
        "next_step": content.texts.in_sentence(content.exercises[step].name),
    }
    return content.texts.get(decision.message_key, count=decision.count, **fields)
