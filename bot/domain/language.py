"""Which of the bot's languages a runner gets."""

from __future__ import annotations

from collections.abc import Collection

from babel import Locale, negotiate_locale

DEFAULT = "en"


def from_telegram(language_code: str | None, spoken: Collection[str]) -> str:
    """The language of `spoken` that Telegram's IETF tag names (`de-AT` is German,
    `es-419` Spanish), else English."""
    if not language_code:
        return DEFAULT
    found = negotiate_locale([language_code.replace("-", "_")], list(spoken), sep="_")
    if found is None:
        return DEFAULT
    # Babel answers in the caller's spelling ("DE" for "DE"): the bot's own name for it
    return next((s for s in spoken if s.lower() == found.lower()), DEFAULT)


def language_name(language: str, *, capital: bool = True) -> str:
    """The language's own name for itself, from CLDR: "Deutsch", "Español", "Русский" on
    a button (`capital`), "español" and "русский" inside a sentence."""
    name = Locale.parse(language).get_display_name(language) or language
    return name[:1].upper() + name[1:] if capital else name
