"""Translations of content/: gettext catalogues (PO files) read and written with Babel.

English is the source: content/*.yaml is written in English and stays the one place where
an exercise, a dose or a text is defined. Every text a runner reads in those files is a
*unit* with a stable context (`texts.welcome`, `exercise.cat_cow.instructions.0`,
`routine.yoga.summary`); `python -m bot translations` writes them to
content/locale/bot.pot and merges that template into content/locale/<lang>/LC_MESSAGES/bot.po,
the layout `pybabel`, Poedit, Weblate and Crowdin know.

A language's content is the English YAML with every unit replaced by its translation,
then validated by the same models as English (bot/content.py), so every length limit and
cross-check holds in every language. A unit whose translation is missing, fuzzy (its
English changed since it was translated) or has other placeholders than the English is an
error: the bot does not start half-translated, and content-check names the unit.

Texts that count something are gettext plurals: msgid is the English "one" form,
msgid_plural its "other", and msgstr[i] follows the catalogue's Plural-Forms, which Babel
derives from CLDR. Each msgstr index is mapped back to CLDR's category (one, few, many,
other) so the bot picks the form with Babel's CLDR rules at run time.
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from babel import Locale
from babel.messages.catalog import Catalog, Message
from babel.messages.plurals import get_plural
from babel.messages.pofile import read_po, write_po

SOURCE_LANGUAGE = "en"
DOMAIN = "bot"
# CLDR's plural categories; a language uses some of them, and always "other".
PLURAL_CATEGORIES = ("zero", "one", "two", "few", "many", "other")

# What a runner reads, per file: the fields translated, everything else (ids, doses,
# equipment, seeds) is shared by every language.
EXERCISE_FIELDS = ("name", "instructions", "cues", "cautions", "easier_when")
EXERCISE_FIELDS_MORE = ("without_equipment_reason",)
TECHNIQUE_FIELDS = ("name", "instructions")
ROUTINE_FIELDS = ("name", "summary")
WORD_LISTS = ("yes_words", "no_words")  # choices.yaml: typed answers, one unit per list

# Texts shown on a button: a narrow phone cuts a long label off.
BUTTONS = frozenset(
    [
        "answer_no",
        "answer_yes",
        "btn_change_daily",
        "btn_done",
        "btn_easier",
        "btn_hurts",
        "btn_library",
        "btn_library_back",
        "btn_library_next",
        "btn_library_routines",
        "btn_skip",
        "btn_skip_morning",
        "btn_skip_today",
        "btn_snooze",
        "btn_start",
        "btn_stop",
        "btn_start_again",
        "btn_library_list",
        "btn_timer",
        "delete_no",
        "delete_yes",
        "doctor_cleared",
        "keep_settings",
        "not_yet",
        "pause_until_resume",
        "pause_week",
        "roller_no",
        "roller_yes",
        "save",
        "start_first_session",
        "start_over",
        "something_new",
        "change_time",
        "change_zone",
        "change_days",
        "change_equipment",
        "change_pictures",
        "change_morning",
        "pause",
        "resume",
        "close",
        "pause_for_days",
        "chosen",
    ]
)
# Shown as a tap's alert, which Telegram cuts at 200 characters.
ALERTS = frozenset({"safety_paused", "safety_paused_physician", "safety_paused_emergency"})
LIMITS = {
    "name": "A name, also on buttons: at most 60 characters (a technique's: 40); "
    "shorter is better.",
    "instructions": "One instruction line: at most 220 characters, read on a phone lying "
    "on the floor.",
    "cues": "A tip line: short, read on a phone lying on the floor.",
    "cautions": "A caution: keep the meaning exactly; short.",
    "summary": "A routine's summary: 10-300 characters.",
    "easier_when": "When to take the easier version: at most 120 characters.",
}

Value = str | dict[str, str]  # a text, or a plural's forms by CLDR category
Visit = Callable[[str, Value, tuple[str, ...]], Value]


class TranslationError(Exception):
    """A catalogue is missing, unreadable, or lacks a unit; the message names the unit."""


@dataclass(frozen=True)
class Unit:
    """One text of content/ a runner reads, with where it is and what it says in English."""

    context: str
    source: Value
    comments: tuple[str, ...] = ()


def placeholders(text: str) -> set[str]:
    """The str.format fields of `text` ({name}, {n})."""
    return {name for _t, name, _s, _c in string.Formatter().parse(text) if name}


# --- walking the YAML ------------------------------------------------------------------


def _limit(field: str) -> tuple[str, ...]:
    return (LIMITS[field],) if field in LIMITS else ()


def _visit_list(context: str, items: Any, visit: Visit, comments: tuple[str, ...]) -> Any:
    if not isinstance(items, list):
        return items
    return [
        visit(f"{context}.{i}", item, comments) if isinstance(item, str) else item
        for i, item in enumerate(items)
    ]


def _visit_fields(
    context: str, entry: dict[str, Any], fields: tuple[str, ...], visit: Visit
) -> dict[str, Any]:
    out = dict(entry)
    for field in fields:
        value = entry.get(field)
        if isinstance(value, str):
            out[field] = visit(f"{context}.{field}", value, _limit(field))
        elif isinstance(value, list):
            out[field] = _visit_list(f"{context}.{field}", value, visit, _limit(field))
    return out


def _walk_exercises(data: Any, visit: Visit) -> Any:
    if not isinstance(data, dict) or not isinstance(data.get("exercises"), list):
        return data
    entries = []
    for entry in data["exercises"]:
        if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
            entries.append(entry)
            continue
        context = f"exercise.{entry['id']}"
        new = _visit_fields(context, entry, EXERCISE_FIELDS + EXERCISE_FIELDS_MORE, visit)
        techniques = entry.get("techniques")
        if isinstance(techniques, list):
            new["techniques"] = [
                _visit_fields(f"{context}.techniques.{i}", t, TECHNIQUE_FIELDS, visit)
                if isinstance(t, dict)
                else t
                for i, t in enumerate(techniques)
            ]
        entries.append(new)
    return {**data, "exercises": entries}


def _walk_routines(data: Any, visit: Visit) -> Any:
    if not isinstance(data, dict) or not isinstance(data.get("routines"), list):
        return data
    return {
        **data,
        "routines": [
            _visit_fields(f"routine.{r['id']}", r, ROUTINE_FIELDS, visit)
            if isinstance(r, dict) and isinstance(r.get("id"), str)
            else r
            for r in data["routines"]
        ],
    }


def _walk_texts(data: Any, visit: Visit, comments: Mapping[str, tuple[str, ...]]) -> Any:
    if not isinstance(data, dict):
        return data
    out = dict(data)
    texts = data.get("texts")
    if isinstance(texts, dict):
        out["texts"] = {
            key: visit(f"texts.{key}", value, _notes(comments.get(key, ()), _text_note(key)))
            if isinstance(value, str | dict)
            else value
            for key, value in texts.items()
        }
    commands = data.get("commands")
    if isinstance(commands, dict):
        out["commands"] = {
            name: visit(
                f"commands.{name}",
                value,
                (f"The command menu's description of /{name}: 3-256 characters, short.",),
            )
            if isinstance(value, str)
            else value
            for name, value in commands.items()
        }
    return out


def _notes(written: tuple[str, ...], added: tuple[str, ...]) -> tuple[str, ...]:
    """The YAML's comments, and ours unless they say it already (an alert's limit)."""
    said = " ".join(written).lower()
    return written + tuple(note for note in added if "alert" not in said)


def _text_note(key: str) -> tuple[str, ...]:
    if key in BUTTONS:
        return ("A button label: keep it short (about 20 characters at most).",)
    if key in ALERTS:
        return ("Also shown as a tap's alert: at most 200 characters.",)
    return ()


def _walk_choices(data: Any, visit: Visit) -> Any:
    if not isinstance(data, dict):
        return data
    out = dict(data)
    for field in WORD_LISTS:
        words = data.get(field)
        if isinstance(words, list) and all(isinstance(w, str) for w in words):
            note = (
                "Words a runner may type for "
                + ('"yes"' if field == "yes_words" else '"no"')
                + ", separated by commas, lower case. List the everyday ones of your"
                " language; the English ones are understood too.",
            )
            said = visit(f"choices.{field}", ", ".join(words), note)
            assert isinstance(said, str)
            out[field] = [w.strip() for w in said.split(",") if w.strip()]
    return out


_COMMENT = re.compile(r"^  # ?(.*)$")
_KEY = re.compile(r"^  ([a-z_][a-z0-9_]*):")


def _text_comments(path: Path) -> dict[str, tuple[str, ...]]:
    """The comment lines written right above each text in texts.yaml: they explain the
    placeholders, and a translator needs them as much as a writer does."""
    found: dict[str, tuple[str, ...]] = {}
    pending: list[str] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if m := _COMMENT.match(line):
            pending.append(m.group(1))
            continue
        if (m := _KEY.match(line)) and pending:
            found[m.group(1)] = tuple(pending)
        pending = []
    return found


def walk(rel: str, data: Any, visit: Visit, *, root: Path | None = None) -> Any:
    """`data` (a content file's parsed YAML, `rel` its path under content/) with every
    translatable text replaced by `visit(context, text, comments)`."""
    if rel.startswith("exercises/"):
        return _walk_exercises(data, visit)
    if rel == "routines.yaml":
        return _walk_routines(data, visit)
    if rel == "texts.yaml":
        comments = _text_comments(root / rel) if root is not None else {}
        return _walk_texts(data, visit, comments)
    if rel == "choices.yaml":
        return _walk_choices(data, visit)
    return data


# --- catalogues ------------------------------------------------------------------------


def languages(root: Path) -> tuple[str, ...]:
    """English and every language with a catalogue under content/locale/."""
    found = sorted(
        p.parent.parent.name for p in (root / "locale").glob(f"*/LC_MESSAGES/{DOMAIN}.po")
    )
    return (SOURCE_LANGUAGE, *(lang for lang in found if lang != SOURCE_LANGUAGE))


def catalogue_path(root: Path, language: str) -> Path:
    return root / "locale" / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def plural_indices(language: str) -> dict[str, int]:
    """CLDR plural category -> msgstr index under the Plural-Forms Babel writes for
    `language`, found by asking both rules the same numbers. A category gettext never
    reaches with whole numbers (Russian "other" is for fractions) gets the last index."""
    locale = Locale.parse(language)
    count, expr = get_plural(language)
    rule = _plural_function(expr)
    found: dict[str, int] = {}
    for n in [*range(0, 1200), 10**6, 2 * 10**6]:
        category = str(locale.plural_form(n))
        index = rule(n)
        if found.setdefault(category, index) != index:
            raise TranslationError(f"{language}: CLDR and gettext plural rules disagree at {n}")
    for category in set(locale.plural_form.tags) | {"other"}:
        found.setdefault(category, count - 1)
    return found


def _plural_function(expr: str) -> Callable[[int], int]:
    import gettext

    return gettext.c2py(expr)


def _categories(language: str) -> list[str]:
    """The CLDR categories `language` uses, in CLDR order (English: one, other)."""
    tags = set(Locale.parse(language).plural_form.tags) | {"other"}
    return [c for c in PLURAL_CATEGORIES if c in tags]


def extract(root: Path) -> list[Unit]:
    """Every translatable text of content/, in file order."""
    import yaml

    found: list[Unit] = []

    def record(context: str, value: Value, comments: tuple[str, ...]) -> Value:
        found.append(Unit(context, value, comments))
        return value

    for path in _content_files(root):
        rel = path.relative_to(root).as_posix()
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        walk(rel, data, record, root=root)
    return found


def _content_files(root: Path) -> Iterator[Path]:
    yield root / "texts.yaml"
    yield root / "routines.yaml"
    yield from sorted((root / "exercises").glob("*.yaml"))
    yield root / "choices.yaml"


def template(units: list[Unit]) -> Catalog:
    """The .pot: every unit, English as msgid (a plural's one/other forms)."""
    catalog = Catalog(fuzzy=False, **_HEADER)
    for unit in units:
        flags = ["python-brace-format"] if _has_fields(unit.source) else []
        catalog.add(
            _msgid(unit.source),
            context=unit.context,
            auto_comments=list(unit.comments),
            flags=flags,
        )
    return catalog


_HEADER: dict[str, Any] = {
    "domain": DOMAIN,
    "project": "mobility-bot",
    "version": "content",
    "copyright_holder": "the mobility-bot authors",
    "msgid_bugs_address": "",
    "header_comment": (
        "# Translations of mobility-bot's content/ (texts, exercises, routines).\n"
        "# English in content/*.yaml is the source: run `python -m bot translations` after\n"
        "# changing it, translate what comes in untranslated or fuzzy, and check with\n"
        "# `python -m bot content-check`.\n#"
    ),
}


def _has_fields(value: Value) -> bool:
    forms = value.values() if isinstance(value, dict) else [value]
    return any(placeholders(form) for form in forms)


def _msgid(value: Value) -> str | tuple[str, str]:
    if isinstance(value, dict):
        return (value.get("one", value["other"]), value["other"])
    return value


def update(root: Path, language: str, units: list[Unit]) -> tuple[int, int]:
    """Merge the template into `language`'s catalogue (creating it): new units come in
    untranslated, changed ones become fuzzy, removed ones go. Returns (translated, total)."""
    pot = template(units)
    path = catalogue_path(root, language)
    if path.is_file():
        with path.open("rb") as f:
            catalog = read_po(f, locale=language, domain=DOMAIN)
        catalog.update(pot, no_fuzzy_matching=False, update_header_comment=True)
        catalog.project, catalog.version = pot.project, pot.version
        catalog.copyright_holder = pot.copyright_holder
        catalog.obsolete.clear()
    else:
        catalog = Catalog(locale=language, fuzzy=False, **_HEADER)
        catalog.update(pot)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as f:
        write_po(f, catalog, width=100, omit_header=False, sort_output=False)
    return _count(catalog), len(units)


def _count(catalog: Catalog) -> int:
    return sum(1 for m in catalog if m.id and _translated(m))


def _translated(message: Message) -> bool:
    if message.fuzzy:
        return False
    strings = message.string if isinstance(message.string, tuple) else (message.string,)
    return all(strings)


def write_template(root: Path, units: list[Unit]) -> Path:
    path = root / "locale" / f"{DOMAIN}.pot"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as f:
        write_po(f, template(units), width=100, omit_header=False, sort_output=False)
    return path


# --- reading a language ----------------------------------------------------------------


@dataclass(frozen=True)
class Translations:
    """One language's catalogue, ready to replace English units."""

    language: str
    messages: Mapping[str, Message]  # by context
    indices: Mapping[str, int]  # CLDR category -> msgstr index

    @classmethod
    def load(cls, root: Path, language: str) -> Translations:
        path = catalogue_path(root, language)
        rel = path.relative_to(root).as_posix()
        try:
            with path.open("rb") as f:
                catalog = read_po(f, locale=language, domain=DOMAIN)
        except OSError as exc:
            raise TranslationError(f"content/{rel}: cannot read: {exc.strerror}") from None
        except Exception as exc:  # Babel's PoFileError and friends
            raise TranslationError(f"content/{rel}: not a valid PO file: {exc}") from None
        messages = {m.context: m for m in catalog if m.id and m.context}
        return cls(language, messages, plural_indices(language))

    @property
    def rel(self) -> str:
        return f"content/locale/{self.language}/LC_MESSAGES/{DOMAIN}.po"

    def translate(self, context: str, source: Value, _comments: tuple[str, ...] = ()) -> Value:
        """The translation of the unit `context` whose English is `source`."""
        where = f"{self.rel}: {context}"
        message = self.messages.get(context)
        if message is None:
            raise TranslationError(f"{where}: missing (run `python -m bot translations`)")
        if message.id != _msgid(source):
            raise TranslationError(
                f"{where}: the English changed since it was translated (run "
                "`python -m bot translations`, then translate it again)"
            )
        if message.fuzzy:
            raise TranslationError(f"{where}: fuzzy: check it and remove the fuzzy flag")
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not any(strings):
            raise TranslationError(f"{where}: untranslated")
        if isinstance(source, dict):
            if not isinstance(message.string, tuple):
                raise TranslationError(f"{where}: needs plural forms (msgstr[0], msgstr[1]...)")
            strings = message.string
            forms: dict[str, str] = {}
            for category in _categories(self.language):
                index = self.indices[category]
                if index >= len(strings) or not strings[index]:
                    raise TranslationError(f"{where}: plural form msgstr[{index}] is missing")
                forms[category] = strings[index]
            expected = placeholders(source["other"])
            for category, form in forms.items():
                self._same_fields(where, form, expected, f" (form '{category}')")
            return forms
        if not isinstance(message.string, str):
            raise TranslationError(f"{where}: has plural forms but the English has none")
        self._same_fields(where, message.string, placeholders(source), "")
        return message.string

    @staticmethod
    def _same_fields(where: str, text: str, expected: set[str], form: str) -> None:
        try:
            found = placeholders(text)
        except ValueError as exc:
            raise TranslationError(f"{where}{form}: {exc}") from None
        if found != expected:
            raise TranslationError(
                f"{where}{form}: placeholders {{{', '.join(sorted(found))}}} differ from "
                f"the English {{{', '.join(sorted(expected))}}}"
            )


def problems(root: Path, language: str, units: list[Unit]) -> list[str]:
    """Every unit of `language` that is missing, fuzzy, untranslated or has other
    placeholders or plural forms than the English (content-check lists them all)."""
    try:
        translations = Translations.load(root, language)
    except TranslationError as exc:
        return [str(exc)]
    found = []
    for unit in units:
        try:
            translations.translate(unit.context, unit.source)
        except TranslationError as exc:
            found.append(str(exc))
    return found
