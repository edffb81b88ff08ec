"""The package as people install it: every library the code imports is declared in
pyproject.toml, and a built wheel, installed into a fresh virtual environment, runs from
any directory with the content and migrations it carries."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
LOCAL_MODULES = {"bot", "bench", "tests", "migrations"}


# --- every direct import is declared ---------------------------------------------


def _normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _declared(*extras: str) -> set[str]:
    """Distribution names in [project] dependencies and the given extras, normalized."""
    project = PYPROJECT["project"]
    requirements = list(project["dependencies"])
    for extra in extras:
        requirements += project["optional-dependencies"][extra]
    names = set()
    for requirement in requirements:
        match = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", requirement)
        assert match, requirement
        names.add(_normalized(match.group()))
    return names


def _third_party_imports(*folders: str) -> dict[str, str]:
    """Top-level module -> where it is first imported (file:line), for every absolute
    import in the folders that is neither the standard library nor this repository."""
    found: dict[str, str] = {}
    for folder in folders:
        for path in sorted((ROOT / folder).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            for node in ast.walk(tree):
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names = [node.module]
                else:
                    continue
                for name in names:
                    top = name.partition(".")[0]
                    if top in sys.stdlib_module_names or top in LOCAL_MODULES:
                        continue
                    found.setdefault(top, f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


@pytest.mark.parametrize(
    ("folders", "extras"),
    [(("bot", "migrations"), ()), (("bench", "tests"), ("test",))],
    ids=["bot-needs-dependencies", "bench-and-tests-need-the-test-extra"],
)
def test_every_third_party_import_is_declared(
    folders: tuple[str, ...], extras: tuple[str, ...]
) -> None:
    """An import that works only because another library happens to pull the module in
    (aiolimiter came with python-telegram-bot's rate-limiter extra) breaks as soon as
    that library changes its own requirements: declare what you import."""
    imports = _third_party_imports(*folders)
    assert {"telegram", "sqlalchemy"} <= set(imports)  # the scan sees the imports at all
    declared = _declared(*extras)
    providers = packages_distributions()
    undeclared = []
    for module, where in sorted(imports.items()):
        distributions = sorted({_normalized(d) for d in providers.get(module, [])})
        if not declared & set(distributions):
            source = " or ".join(distributions) or "no installed distribution"
            undeclared.append(f"{module} (imported at {where}; provided by {source})")
    section = "[project] dependencies" + "".join(f" or the '{e}' extra" for e in extras)
    assert not undeclared, f"declare in pyproject.toml, {section}: " + "; ".join(undeclared)
