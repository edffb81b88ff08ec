"""The dependency rule (../shared/STYLE.md), checked on every import in bot/, including
imports inside functions and under TYPE_CHECKING:

    domain <- content <- db <- services <- handlers | sender | devtools

A module may import from its own layer and the layers below it, never above; Telegram
stays out of everything below the handlers, SQLAlchemy out of the domain and the handlers.
One exception: the content layer reads Telegram's published limits (`telegram.constants`:
how long a text, a tap's answer, a button's data or a command may be), which are data.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

BOT = Path(__file__).resolve().parent.parent / "bot"

DOMAIN, CONTENT, DB, SERVICES, OUTER = range(5)
NAMES = {DOMAIN: "domain", CONTENT: "content", DB: "db", SERVICES: "services", OUTER: "outer"}
# Modules of the content layer: content/ as data, and pure helpers over it and the domain.
CONTENT_MODULES = {
    "bot",
    "bot.content",
    "bot.render",
    "bot.callbacks",
    "bot.clock",
    "bot.config",
    "bot.logs",
    "bot.export",
    "bot.charts",
    "bot.poses",
    "bot.pictures",
    "bot.resources",
    "bot.i18n",
}


def layer(module: str) -> int:
    if module == "bot.domain" or module.startswith("bot.domain."):
        return DOMAIN
    if module in CONTENT_MODULES:
        return CONTENT
    if module == "bot.db" or module.startswith("bot.db."):
        return DB
    if module == "bot.services" or module.startswith("bot.services."):
        return SERVICES
    return OUTER


def module_name(path: Path, root: Path = BOT) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports(path: Path, root: Path = BOT) -> list[tuple[int, str]]:
    """(line, module) for every import in the file, relative ones resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module_name(path, root).rsplit(".", 0 if path.name == "__init__.py" else 1)[0]
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            found.append((node.lineno, base))
            # `from bot import x` imports the module bot.x
            found += [(node.lineno, f"{base}.{alias.name}") for alias in node.names]
    return found


FILES = sorted(BOT.rglob("*.py"))


def _violations(path: Path, root: Path = BOT) -> list[str]:
    name = module_name(path, root)
    own = layer(name)
    problems: list[str] = []
    for line, target in imports(path, root):
        top = target.split(".")[0]
        where = f"{path.relative_to(root.parent)}:{line}"
        limits = target == "telegram.constants" or target.startswith("telegram.constants.")
        if top == "telegram" and own < OUTER and not (own == CONTENT and limits):
            problems.append(f"{where}: the {NAMES[own]} layer imports telegram")
        if top == "sqlalchemy" and (own == DOMAIN or name.startswith("bot.handlers")):
            problems.append(f"{where}: {name} imports sqlalchemy")
        above = top == "bot" and target != "bot" and layer(target) > own
        if above and _is_module(target, root):
            problems.append(
                f"{where}: {name} ({NAMES[own]}) imports {target} ({NAMES[layer(target)]})"
            )
    return problems


def _is_module(target: str, root: Path) -> bool:
    relative = Path(*target.split("."))
    return (root.parent / relative).with_suffix(".py").exists() or (
        root.parent / relative / "__init__.py"
    ).exists()


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(BOT.parent)))
def test_dependency_rule(path: Path) -> None:
    assert _violations(path) == []


def test_the_rule_catches_a_violation(tmp_path: Path) -> None:
    """The check itself can fail: a domain module importing a service, Telegram and
    SQLAlchemy, one of them under TYPE_CHECKING and one inside a function."""
    root = tmp_path / "bot"
    for package in ("", "domain", "services"):
        (root / package).mkdir(parents=True, exist_ok=True)
        (root / package / "__init__.py").write_text("")
    (root / "services" / "x.py").write_text("")
    bad = root / "domain" / "bad.py"
    bad.write_text(
        "from typing import TYPE_CHECKING\n"
        "import telegram\n"
        "if TYPE_CHECKING:\n"
        "    from bot.services import x\n"
        "def f():\n"
        "    import sqlalchemy\n"
    )
    found = _violations(bad, root)
    assert any("imports telegram" in p for p in found)
    assert any("bot.services.x (services)" in p for p in found)
    assert any("imports sqlalchemy" in p for p in found)


def test_handlers_hold_no_sqlalchemy() -> None:
    for path in (BOT / "handlers").rglob("*.py"):
        assert "sqlalchemy" not in path.read_text(encoding="utf-8"), path
