"""Which of the bot's languages a runner gets."""

from __future__ import annotations

from collections.abc import Collection

from babel import negotiate_locale

DEFAULT = "en"


def from_telegram(language_code: str | None, spoken: Collection[str]) -> str:
    """The language of `spoken` that Telegram's IETF tag names (`de-AT` is German,
    `es-419` Spanish), else English."""
    if not language_code:
        return DEFAULT
    found = negotiate_locale([language_code.replace("-", "_")], list(spoken), sep="_")
    return found or DEFAULT
