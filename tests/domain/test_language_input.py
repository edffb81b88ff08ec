"""What a runner types in their own language: days of the week, "19 Uhr", a city as their
language names it; and which language Telegram's code gives."""

from __future__ import annotations

from datetime import time

import pytest

from bot.domain.enums import ALL_DAYS, WEEKDAYS_MASK
from bot.domain.language import from_telegram
from bot.domain.parsing import InvalidInput, parse_days, parse_time
from bot.domain.zones import ZoneNotFound, parse_zone

SPOKEN = ["en", "de", "es", "ru"]


@pytest.mark.parametrize(
    ("code", "language"),
    [
        ("de", "de"),
        ("de-AT", "de"),
        ("de-CH", "de"),
        ("es-419", "es"),
        ("es-MX", "es"),
        ("DE", "de"),
        ("De-at", "de"),
        ("ru", "ru"),
        ("en-GB", "en"),
        ("pt-BR", "en"),
        ("uk", "en"),
        ("", "en"),
        (None, "en"),
    ],
)
def test_telegrams_language_code_picks_a_language_the_bot_speaks(
    code: str | None, language: str
) -> None:
    assert from_telegram(code, SPOKEN) == language


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("19 Uhr", time(19, 0)),
        ("7.30 Uhr", time(7, 30)),
        ("19h", time(19, 0)),
        ("8 horas", time(8, 0)),
        ("19 ч", time(19, 0)),
        ("19 часов", time(19, 0)),
    ],
)
def test_an_hour_said_with_its_word(typed: str, expected: time) -> None:
    assert parse_time(typed) == expected


GERMAN = {"mo": 0, "di": 1, "mi": 2, "do": 3, "fr": 4, "sa": 5, "so": 6, "montag": 0}
SPANISH = {"lun": 0, "mié": 2, "vie": 4, "sáb": 5, "lunes": 0, "viernes": 4, "miércoles": 2}
RUSSIAN = {"пн": 0, "вт": 1, "ср": 2, "чт": 3, "пт": 4, "сб": 5, "вс": 6, "пятница": 4}


@pytest.mark.parametrize(
    ("typed", "names", "groups", "days"),
    [
        ("Mo Mi Fr", GERMAN, {}, [0, 2, 4]),
        ("mo-fr", GERMAN, {}, [0, 1, 2, 3, 4]),
        ("Mi., Sa. und So.", GERMAN, {}, [2, 5, 6]),
        ("Montag", GERMAN, {}, [0]),
        ("пн, ср и пятница", RUSSIAN, {}, [0, 2, 4]),
        ("пт-пн", RUSSIAN, {}, [0, 4, 5, 6]),
        ("jeden Tag", GERMAN, {"jeden tag": ALL_DAYS}, list(range(7))),
        ("entre semana", {}, {"entre semana": WEEKDAYS_MASK}, [0, 1, 2, 3, 4]),
        ("mon wed", GERMAN, {}, [0, 2]),  # English is understood in every language
        ("Mo bis Fr", GERMAN, {}, [0, 1, 2, 3, 4]),
        ("Mo.-Fr.", GERMAN, {}, [0, 1, 2, 3, 4]),
        ("de lunes a viernes", SPANISH, {}, [0, 1, 2, 3, 4]),
        ("lunes a viernes", SPANISH, {}, [0, 1, 2, 3, 4]),
        ("mie, sab", SPANISH, {}, [2, 5]),  # typed without accents
        ("miercoles", SPANISH, {}, [2]),
        ("los fines de semana", SPANISH, {"fines de semana": 0b1100000}, [5, 6]),
        ("с пн по пт", RUSSIAN, {}, [0, 1, 2, 3, 4]),
    ],
)
def test_days_in_the_runners_language(
    typed: str, names: dict[str, int], groups: dict[str, int], days: list[int]
) -> None:
    mask = parse_days(typed, names=names, groups=groups)
    assert [d for d in range(7) if mask >> d & 1] == days


def test_a_word_that_is_no_day_is_still_refused() -> None:
    with pytest.raises(InvalidInput):
        parse_days("Mo Kuchen", names=GERMAN)


@pytest.mark.parametrize(
    ("typed", "language", "zone"),
    [
        ("Moskau", "de", "Europe/Moscow"),
        ("Wien", "de", "Europe/Vienna"),
        ("München", "de", "Europe/Berlin"),  # an alias of content/choices.yaml
        ("Ciudad de México", "es", "America/Mexico_City"),
        ("Москва", "ru", "Europe/Moscow"),
        ("москва", "ru", "Europe/Moscow"),
        ("Берлин", "ru", "Europe/Berlin"),
        ("Vienna", "de", "Europe/Vienna"),  # English names work in every language
    ],
)
def test_a_city_as_the_runners_language_names_it(typed: str, language: str, zone: str) -> None:
    aliases = {"münchen": "Europe/Berlin"}
    assert parse_zone(typed, aliases=aliases, language=language).name == zone


def test_a_city_name_of_another_language_is_not_guessed() -> None:
    with pytest.raises(ZoneNotFound):
        parse_zone("Москва", language="de")
