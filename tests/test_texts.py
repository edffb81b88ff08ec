"""Every text key the code names is in content/texts.yaml (a missing one would only fail
when a runner reaches it), and no text there is left unused."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from bot.content import Content, Texts
from bot.domain.progression import MESSAGE_KEYS

BOT = Path(__file__).resolve().parent.parent / "bot"
# Calls whose first argument is a text key.
KEYED_CALLS = frozenset({"Say", "say", "get", "refused", "Invalid"})
# Texts read by attribute (texts.error) or built from a prefix (f"pain_{label}").
PREFIXES = ("pain_", "status_", "verdict_", "outcome_", "bad_", "step_status_")


def named_keys() -> dict[str, str]:
    """key -> where it is named, for every literal key passed to a keyed call."""
    found: dict[str, str] = {}
    for path in BOT.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name == "get" and not _on_texts(func):
                continue  # a dict's .get, not Texts.get
            key = node.args[0].value if isinstance(node.args[0], ast.Constant) else None
            if name in KEYED_CALLS and isinstance(key, str) and re.fullmatch(r"[a-z_]+", key):
                found.setdefault(key, f"{path.relative_to(BOT.parent)}:{node.lineno}")
    return found


def _on_texts(func: ast.expr) -> bool:
    """`texts.get(...)`, `context.texts.get(...)`, `env.texts.get(...)`."""
    if not isinstance(func, ast.Attribute):
        return False
    owner = func.value
    return (isinstance(owner, ast.Name) and owner.id == "texts") or (
        isinstance(owner, ast.Attribute) and owner.attr == "texts"
    )


def attribute_reads() -> set[str]:
    """Names read as attributes anywhere in bot/ (texts.error, self.texts.disclaimer...)."""
    names: set[str] = set()
    for path in BOT.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute):
                names.add(node.attr)
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                names.add(node.value)
    return names


def test_every_key_the_code_names_exists(content: Content) -> None:
    declared = set(Texts.model_fields)
    missing = {key: where for key, where in named_keys().items() if key not in declared}
    assert missing == {}
    assert declared >= MESSAGE_KEYS


def test_no_text_is_left_unused() -> None:
    used = attribute_reads() | set(MESSAGE_KEYS)
    unused = [key for key in Texts.model_fields if key not in used and not key.startswith(PREFIXES)]
    assert unused == []
