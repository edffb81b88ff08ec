"""Translations as gettext catalogues: what a translator gets (the template), what the bot
refuses (a missing, fuzzy, stale or re-placeheld text, a missing plural form) and how a
language's content is built (the English YAML with the translations in place)."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

from bot import i18n
from bot.__main__ import main
from bot.content import DEFAULT_CONTENT_DIR, ContentError, load_content, load_languages


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """content/ without its catalogues: each test writes the one it needs."""
    target = tmp_path / "content"
    shutil.copytree(DEFAULT_CONTENT_DIR, target, ignore=shutil.ignore_patterns("locale"))
    return target


def _catalogue(root: Path, language: str, change: Callable[[Catalog], None] | None = None) -> Path:
    """A complete catalogue of `language` whose every translation is the English with
    «» around it (plurals: a form per gettext index), then `change`d."""
    units = i18n.extract(root)
    i18n.update(root, language, units)
    path = i18n.catalogue_path(root, language)
    with path.open("rb") as f:
        catalog = read_po(f, locale=language)
    count = len(set(i18n.plural_indices(language).values()))
    for message in catalog:
        if not message.id:
            continue
        if isinstance(message.id, tuple):
            one, other = message.id
            message.string = (one, *([other] * (count - 1)))
        else:
            message.string = message.id
    if change is not None:
        change(catalog)
    with path.open("wb") as f:
        write_po(f, catalog)
    return path


def _message(catalog: Catalog, context: str):
    return next(m for m in catalog if m.context == context)


def test_the_template_has_every_text_a_runner_reads_once_with_its_notes() -> None:
    units = i18n.extract(Path(DEFAULT_CONTENT_DIR))
    contexts = [u.context for u in units]
    assert len(contexts) == len(set(contexts))
    english = load_content()
    texts = {c.removeprefix("texts.") for c in contexts if c.startswith("texts.")}
    assert texts == set(type(english.texts).model_fields)
    assert {f"commands.{c.command}" for c in english.commands} <= set(contexts)
    for exercise in english.exercises.values():
        assert f"exercise.{exercise.id}.name" in contexts
        for i in range(len(exercise.cautions)):
            assert f"exercise.{exercise.id}.cautions.{i}" in contexts
    by_context = {u.context: u for u in units}
    # the YAML comment explaining a placeholder reaches the translator
    assert any("first_minutes" in line for line in by_context["texts.welcome"].comments)
    assert any("button" in line for line in by_context["texts.btn_hurts"].comments)
    assert isinstance(by_context["texts.n_steps"].source, dict)


def test_the_template_on_disk_is_up_to_date_with_the_english() -> None:
    """Whoever changes an English text runs `python -m bot translations` in the same change."""
    root = Path(DEFAULT_CONTENT_DIR)
    with (root / "locale" / "bot.pot").open("rb") as f:
        template = read_po(f)
    on_disk = {(m.context, m.id) for m in template if m.id}
    fresh = {(m.context, m.id) for m in i18n.template(i18n.extract(root)) if m.id}
    assert on_disk == fresh


def test_a_complete_catalogue_makes_a_whole_content_in_that_language(root: Path) -> None:
    def german(catalog: Catalog) -> None:
        _message(catalog, "texts.btn_done").string = "✅ Erledigt"
        _message(catalog, "exercise.cat_cow.name").string = "Katze-Kuh"
        _message(catalog, "texts.n_steps").string = ("{n} Schritt", "{n} Schritte")
        _message(catalog, "choices.yes_words").string = "ja, j, klar"

    _catalogue(root, "de", german)
    english = load_languages(root)
    assert set(english.languages) == {"en", "de"}
    de = english.speaking("de")
    assert de.language == "de"
    assert de.texts.locale.language == "de"
    assert de.texts.btn_done == "✅ Erledigt"
    assert de.exercises["cat_cow"].name == "Katze-Kuh"
    assert [de.texts.get("n_steps", count=n) for n in (1, 2, 21)] == [
        "1 Schritt",
        "2 Schritte",
        "21 Schritte",
    ]
    assert set(de.choices.yes_words) == {"ja", "j", "klar"}
    # what is not text is shared: doses, routines' steps, pictures
    assert de.exercises["cat_cow"].dose == english.exercises["cat_cow"].dose
    assert de.routines.keys() == english.routines.keys()
    assert de.poses is english.poses
    # any content reaches any language; one the bot does not speak is English
    assert de.speaking("en") is english
    assert english.speaking("fr") is english


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda c: c.delete("Good morning!", "x"), None),  # nothing: a check of the check
        (lambda c: setattr(_message(c, "texts.error"), "string", ""), "texts.error: untranslated"),
        (
            lambda c: _message(c, "texts.error").flags.add("fuzzy"),
            "texts.error: fuzzy",
        ),
        (
            lambda c: c.delete(_message(c, "texts.welcome").id, "texts.welcome"),
            "texts.welcome: missing",
        ),
        (
            lambda c: setattr(_message(c, "texts.time_set"), "string", "Um {zeit}. {next}."),
            "texts.time_set: placeholders {next, zeit} differ from the English {next, time}",
        ),
    ],
)
def test_a_catalogue_with_a_faulty_text_stops_the_start_naming_it(
    root: Path, change: Callable[[Catalog], None], problem: str | None
) -> None:
    _catalogue(root, "de", change)
    if problem is None:
        load_content(root, "de")
        return
    with pytest.raises(ContentError, match=problem.replace("{", r"\{").replace("}", r"\}")):
        load_content(root, "de")
    units = i18n.extract(root)
    assert any(problem in found for found in i18n.problems(root, "de", units))


def test_russian_needs_its_three_plural_forms_and_gets_the_right_one(root: Path) -> None:
    def russian(catalog: Catalog) -> None:
        _message(catalog, "texts.n_steps").string = ("{n} шаг", "{n} шага", "{n} шагов")

    _catalogue(root, "ru", russian)
    ru = load_content(root, "ru")
    assert [ru.texts.get("n_steps", count=n) for n in (1, 2, 5, 11, 21, 22, 25)] == [
        "1 шаг",
        "2 шага",
        "5 шагов",
        "11 шагов",
        "21 шаг",
        "22 шага",
        "25 шагов",
    ]

    def two_forms(catalog: Catalog) -> None:
        _message(catalog, "texts.n_steps").string = ("{n} шаг", "{n} шага", "")

    _catalogue(root, "ru", two_forms)
    with pytest.raises(ContentError, match=r"texts.n_steps: plural form msgstr\[2\] is missing"):
        load_content(root, "ru")


def test_a_form_that_types_the_number_is_refused(root: Path) -> None:
    """Russian "one" is also 21: a form without {n} would say "1" for 21."""

    def typed(catalog: Catalog) -> None:
        _message(catalog, "texts.n_steps").string = ("один шаг", "{n} шага", "{n} шагов")

    _catalogue(root, "ru", typed)
    with pytest.raises(ContentError, match="form 'one'"):
        load_content(root, "ru")


def test_a_text_whose_english_changed_since_is_refused_until_translated_again(
    root: Path,
) -> None:
    _catalogue(root, "de")
    data = yaml.safe_load((root / "texts.yaml").read_text())
    data["texts"]["error"] = "Something broke on my side. Please try again in a minute."
    (root / "texts.yaml").write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    with pytest.raises(ContentError, match=r"texts\.error: the English changed"):
        load_content(root, "de")
    # the merge keeps the old translation as a fuzzy suggestion: still refused
    i18n.update(root, "de", i18n.extract(root))
    with pytest.raises(ContentError, match=r"texts\.error: fuzzy"):
        load_content(root, "de")


def test_a_translation_too_long_for_a_button_name_is_refused(root: Path) -> None:
    def long_name(catalog: Catalog) -> None:
        _message(catalog, "exercise.cat_cow.name").string = "Katze-Kuh " * 8

    _catalogue(root, "de", long_name)
    with pytest.raises(ContentError, match="cat_cow': field 'name'"):
        load_content(root, "de")


def test_plural_indices_follow_cldr() -> None:
    assert i18n.plural_indices("en") == {"one": 0, "other": 1}
    assert i18n.plural_indices("ru") == {"one": 0, "few": 1, "many": 2, "other": 2}
    assert i18n.plural_indices("es") == {"one": 0, "many": 1, "other": 2}


def test_content_check_fails_and_lists_what_a_language_lacks(
    root: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CONTENT_DIR", str(root))
    _catalogue(root, "de")
    assert main(["content-check"]) == 0
    assert "language de: 6" in capsys.readouterr().out

    def holes(catalog: Catalog) -> None:
        _message(catalog, "texts.error").string = ""
        _message(catalog, "texts.btn_hurts").string = ""

    _catalogue(root, "de", holes)
    assert main(["content-check"]) == 1
    out = capsys.readouterr().out
    assert "language de: FAILED: content/locale/de/LC_MESSAGES/bot.po: texts.error" in out
    assert "texts.btn_hurts: untranslated" in out


def test_the_translations_command_starts_and_merges_catalogues(
    root: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CONTENT_DIR", str(root))
    assert main(["translations", "--add", "fr"]) == 0
    out = capsys.readouterr().out
    assert "0 of " in out
    assert (root / "locale" / "fr" / "LC_MESSAGES" / "bot.po").is_file()
    with (root / "locale" / "fr" / "LC_MESSAGES" / "bot.po").open("rb") as f:
        catalog = read_po(f)
    assert catalog.num_plurals == 3  # Babel's CLDR-derived Plural-Forms for French
    assert main(["translations"]) == 0  # again: nothing changes, fr is kept
    assert "fr" in capsys.readouterr().out
