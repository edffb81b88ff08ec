"""Pain ratings (NPRS 0-10): the label shown next to a rating (PROGRESSION.md R10)."""

from __future__ import annotations

from enum import StrEnum


class PainLabel(StrEnum):
    NONE = "none"
    MILD = "mild"
    MODERATE = "moderate"
    SEVERE = "severe"


def pain_label(score: int, *, mild_min: int, moderate_min: int, severe_min: int) -> PainLabel:
    if not 0 <= score <= 10:
        raise ValueError(f"pain {score} is outside 0-10")
    if score >= severe_min:
        return PainLabel.SEVERE
    if score >= moderate_min:
        return PainLabel.MODERATE
    if score >= mild_min:
        return PainLabel.MILD
    return PainLabel.NONE
