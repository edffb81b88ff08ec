"""Plural forms in one place: a text that counts something is a mapping of CLDR plural
categories, Babel picks the form for the count in the content's language, and start-up
refuses a plural text that a language could not read."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.content import DEFAULT_CONTENT_DIR, Content, ContentError, Plural, load_content
from bot.domain.progression import MESSAGE_COUNTS

COUNTS = (0, 1, 2, 5, 11, 21)


@pytest.fixture
def content_copy(tmp_path: Path) -> Path:
    target = tmp_path / "content"
    shutil.copytree(DEFAULT_CONTENT_DIR, target)
    return target


def _edit_texts(root: Path, change) -> None:
    path = root / "texts.yaml"
    data = yaml.safe_load(path.read_text())
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))


def _plural_keys(data: dict[str, Any]) -> list[str]:
    return [key for key, value in data["texts"].items() if isinstance(value, dict)]


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("n_steps", ["0 steps", "1 step", "2 steps", "5 steps", "11 steps", "21 steps"]),
        ("pause_for_days", ["0 days", "1 day", "2 days", "5 days", "11 days", "21 days"]),
        (
            "progress_streak",
            [f"streak {n} days" if n != 1 else "streak 1 day" for n in COUNTS],
        ),
    ],
)
def test_english_forms_for_every_count(content: Content, key: str, expected: list[str]) -> None:
    assert [content.texts.get(key, count=n) for n in COUNTS] == expected


def test_a_sentence_takes_the_form_of_the_number_its_noun_counts(content: Content) -> None:
    texts = content.texts
    fields = {"level": "2"}
    one = texts.get("decision_wait_hold", count=1, remaining="1", **fields)
    many = texts.get("decision_wait_hold", count=3, remaining="3", **fields)
    assert "for 1 more session after" in one
    assert "for 3 more sessions after" in many
    assert "(s)" not in one + many


def test_russian_picks_one_few_and_many(content_copy: Path) -> None:
    """The later languages need more than two forms: Russian's 1, 21 (one), 2 (few),
    0, 5, 11 (many), from CLDR, not from a rule written here."""

    def russian(data: dict[str, Any]) -> None:
        data["locale"] = "ru"
        for key in _plural_keys(data):
            forms = data["texts"][key]
            forms["few"] = "few:" + forms["other"]
            forms["many"] = "many:" + forms["other"]
        data["texts"]["n_steps"] = {
            "one": "{n} шаг",
            "few": "{n} шага",
            "many": "{n} шагов",
            "other": "{n} шага",
        }

    _edit_texts(content_copy, russian)
    texts = load_content(content_copy).texts
    assert [texts.plural_category(n) for n in COUNTS] == [
        "many",
        "one",
        "few",
        "many",
        "many",
        "one",
    ]
    assert [texts.get("n_steps", count=n) for n in COUNTS] == [
        "0 шагов",
        "1 шаг",
        "2 шага",
        "5 шагов",
        "11 шагов",
        "21 шаг",
    ]


def test_a_language_whose_forms_are_missing_stops_the_start(content_copy: Path) -> None:
    def russian(data: dict[str, Any]) -> None:
        data["locale"] = "ru"

    _edit_texts(content_copy, russian)
    with pytest.raises(ContentError, match=r"text '\w+': field 'few': ru needs the plural forms"):
        load_content(content_copy)


@pytest.mark.parametrize(
    ("forms", "message"),
    [
        ({"one": "{n} step"}, r"field 'n_steps.other': Field required"),
        (
            {"one": "{n} step", "few": "{n} steps", "other": "{n} steps"},
            r"text 'n_steps': field 'few': en never uses this plural form",
        ),
        (
            {"one": "one step", "other": "{n} steps"},
            r"text 'n_steps': field 'one': placeholders \{\} differ from the other form's \{n\}",
        ),
        ({"one": "{n step", "other": "{n} steps"}, r"text 'n_steps': field 'value'"),
    ],
    ids=["no-other", "unused-category", "placeholders", "broken-brace"],
)
def test_a_broken_plural_text_names_the_text_and_form(
    content_copy: Path, forms: dict[str, str], message: str
) -> None:
    def change(data: dict[str, Any]) -> None:
        data["texts"]["n_steps"] = forms

    _edit_texts(content_copy, change)
    with pytest.raises(ContentError, match=message):
        load_content(content_copy)


def test_an_unknown_locale_stops_the_start(content_copy: Path) -> None:
    def change(data: dict[str, Any]) -> None:
        data["locale"] = "xx_NOWHERE"

    _edit_texts(content_copy, change)
    with pytest.raises(ContentError, match=r"content/texts.yaml: field 'locale'"):
        load_content(content_copy)


def test_a_plural_text_needs_a_count_and_a_plain_one_takes_none(content: Content) -> None:
    with pytest.raises(TypeError, match="n_steps"):
        content.texts.get("n_steps")
    with pytest.raises(TypeError, match="welcome_back"):
        content.texts.get("welcome_back", count=2, first_name="Ada", disclaimer="")


def test_every_decision_that_counts_has_plural_forms_and_only_those(content: Content) -> None:
    """The rules name the number each sentence counts; a sentence with forms and no
    number to pick them (or the reverse) would stop at the first runner who reads it."""
    plural = {k for k in content.texts.plurals() if k.startswith("decision_")}
    assert plural == set(MESSAGE_COUNTS)
    for key, field in MESSAGE_COUNTS.items():
        text = getattr(content.texts, key)
        assert isinstance(text, Plural)
        assert "{" + field + "}" in text.other, key


def test_no_text_leaves_the_plural_to_the_reader(content: Content) -> None:
    """'(s)' was the old way of not choosing."""
    for key in type(content.texts).model_fields:
        value = getattr(content.texts, key)
        forms = value.forms().values() if isinstance(value, Plural) else [value]
        assert not any("(s)" in form for form in forms), key
