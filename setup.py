"""The build step pyproject.toml cannot express: content/ and migrations/ stay at the top
of the repository, and a built package carries copies of them as bot/_data/content and
bot/_data/migrations (found there by bot/resources.py), so an installed bot runs from
any directory. Everything else about the package is in pyproject.toml."""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
SHIPPED = ("content", "migrations")  # top-level folders -> bot/_data/<name>
IGNORED = shutil.ignore_patterns("__pycache__", "*.py[cod]", ".*")


class BuildWithData(build_py):
    """build_py, plus fresh copies of the shipped folders in the build directory. An
    editable install skips the copies: it reads the checkout's folders directly."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        target = Path(self.build_lib) / "bot" / "_data"
        shutil.rmtree(target, ignore_errors=True)  # no stale file from an earlier build
        for name in SHIPPED:
            source = HERE / name
            if not source.is_dir():
                raise SystemExit(f"cannot build: {source} is missing")
            shutil.copytree(source, target / name, ignore=IGNORED)


setup(cmdclass={"build_py": BuildWithData})
