"""The package as people install it: every library the code imports is declared in
pyproject.toml, and a built wheel, installed into a fresh virtual environment, runs from
any directory with the content and migrations it carries."""

from __future__ import annotations

import ast
import asyncio
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import tomllib
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest

from bot.config import Settings
from bot.db.migrate import head_revision
from bot.devtools.standin import BotApiStandIn
from tests.utils.app import TEST_TOKEN
from tests.utils.rows import EXPECTED_TABLES

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


# --- the wheel, installed into a fresh virtual environment -----------------------

# What a build reads (pyproject.toml, setup.py, MANIFEST.in); copied, so that the build
# neither writes build/ into the checkout nor picks up a stale one from it.
BUILD_INPUTS = (
    "pyproject.toml",
    "setup.py",
    "MANIFEST.in",
    "README.md",
    "bot",
    "content",
    "migrations",
)
NOT_SOURCE = shutil.ignore_patterns("__pycache__", "*.py[cod]", "_data")
ROUTINES = (
    "decompression",
    "post_run_cooldown",
    "pre_run_warmup",
    "home_stretches",
    "yoga_for_runners",
    "strength_core",
)
STEP_TIMEOUT = 300  # seconds for one pip step; the whole fixture takes about 25 s


@dataclass(frozen=True)
class Installed:
    wheel: Path
    venv: Path
    site_packages: Path  # resolved

    @property
    def script(self) -> Path:
        return self.venv / "bin" / "mobility-bot"

    @property
    def python(self) -> Path:
        return self.venv / "bin" / "python"


def _call(
    args: list[str | Path], cwd: Path | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603  (our own interpreters and paths)
        [str(a) for a in args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=STEP_TIMEOUT,
        check=False,
    )


def _check_call(
    args: list[str | Path], cwd: Path | None = None, env: dict[str, str] | None = None
) -> str:
    result = _call(args, cwd, env)
    assert result.returncode == 0, f"{args}: {result.stdout[-2000:]}{result.stderr[-3000:]}"
    return result.stdout


def _clean_env(venv: Path, **extra: str) -> dict[str, str]:
    """The environment of a user who installed the wheel: none of the bot's settings
    from this process, no PYTHONPATH to the checkout, the venv's scripts on PATH."""
    settings = {name.upper() for name in Settings.model_fields}
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in settings and not k.startswith("PYTHON") and k != "VIRTUAL_ENV"
    }
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    env.update(extra)
    return env


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Installed]:
    """Build the wheel from a copy of the checkout and pip install it, not editable, with
    its dependencies from the configured index, into a new venv (without pip of its own:
    this environment's pip installs into it). The venv (about 200 MB) is removed after."""
    work = tmp_path_factory.mktemp("wheel")
    source = work / "source"
    for name in BUILD_INPUTS:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, source / name, ignore=NOT_SOURCE)
        else:
            source.mkdir(exist_ok=True)
            shutil.copy2(ROOT / name, source / name)
    started = time.perf_counter()
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check"]
    _check_call([*pip, "wheel", "--no-deps", "-q", "-w", work / "dist", source])
    (wheel,) = (work / "dist").glob("mobility_bot-*.whl")
    venv = work / "venv"
    _check_call([sys.executable, "-m", "venv", "--without-pip", venv])
    python = venv / "bin" / "python"
    # --no-compile: the bytecode of numpy & co. is written on first import instead.
    _check_call([*pip, "--python", python, "install", "-q", "--no-compile", wheel])
    site_packages = _check_call(
        [python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"], cwd=work
    ).strip()
    print(f"wheel built and installed in {time.perf_counter() - started:.1f} s")
    yield Installed(wheel, venv, Path(site_packages).resolve())
    shutil.rmtree(work, ignore_errors=True)


def _files(folder: Path) -> set[str]:
    return {
        p.relative_to(folder).as_posix()
        for p in folder.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"
    }


def test_the_wheel_carries_the_code_content_and_migrations(installed: Installed) -> None:
    names = set(zipfile.ZipFile(installed.wheel).namelist())
    expected = {f"bot/{n}" for n in _files(ROOT / "bot") if not n.startswith("_data/")}
    expected |= {f"bot/_data/content/{n}" for n in _files(ROOT / "content")}
    expected |= {f"bot/_data/migrations/{n}" for n in _files(ROOT / "migrations")}

    assert not expected - names, sorted(expected - names)
    # Nothing at the top of site-packages but the package and its metadata.
    dist_info = f"mobility_bot-{PYPROJECT['project']['version']}.dist-info"
    assert {n.split("/")[0] for n in names} == {"bot", dist_info}


def test_the_installed_bot_reads_its_own_files_not_the_checkout(
    installed: Installed, tmp_path: Path
) -> None:
    code = (
        "import bot, bot.resources as r, bot.db.migrate as m\n"
        "print(bot.__file__)\n"
        "print(r.content_dir())\n"
        "print(m.alembic_config('sqlite+aiosqlite://').get_main_option('script_location'))\n"
    )
    out = _check_call([installed.python, "-c", code], cwd=tmp_path, env=_clean_env(installed.venv))

    package, content, migrations = (Path(line).resolve() for line in out.splitlines())
    bot_dir = installed.site_packages / "bot"
    assert package == bot_dir / "__init__.py"
    assert content == bot_dir / "_data" / "content"
    assert migrations == bot_dir / "_data" / "migrations"


def test_installed_content_check_runs_from_any_directory(
    installed: Installed, tmp_path: Path
) -> None:
    result = _call([installed.script, "content-check"], tmp_path, _clean_env(installed.venv))

    assert result.returncode == 0, result.stderr
    assert f"in {installed.site_packages / 'bot' / '_data' / 'content'}" in result.stdout
    for routine in ROUTINES:
        assert routine in result.stdout


def test_installed_content_check_honours_content_dir(installed: Installed, tmp_path: Path) -> None:
    broken = tmp_path / "content"
    shutil.copytree(ROOT / "content", broken)
    (broken / "progression.yaml").write_text("zones: {green_max: 2}\n")

    result = _call(
        [installed.script, "content-check"],
        tmp_path,
        _clean_env(installed.venv, CONTENT_DIR=str(broken)),
    )

    assert result.returncode == 2
    assert "content/progression.yaml" in result.stderr
    assert "Traceback" not in result.stderr


def test_installed_migrate_runs_from_any_directory(installed: Installed, tmp_path: Path) -> None:
    db_file = tmp_path / "x.db"
    env = _clean_env(installed.venv, DATABASE_URL=f"sqlite+aiosqlite:///{db_file}")

    result = _call([installed.script, "migrate"], tmp_path, env)

    assert result.returncode == 0, result.stderr
    assert f"database is at revision {head_revision()}" in result.stdout
    tables = {r[0] for r in sqlite3.connect(db_file).execute("SELECT name FROM sqlite_master")}
    assert tables >= EXPECTED_TABLES


async def test_installed_bot_runs_and_passes_the_doctor(
    installed: Installed, tmp_path: Path, standin: BotApiStandIn
) -> None:
    """run (migrations, handlers, texts from the shipped content) answers /start and stops
    cleanly; then doctor finds everything in order, the migrations at head included."""
    db_file = tmp_path / "bot.db"
    env = _clean_env(
        installed.venv,
        TELEGRAM_BOT_TOKEN=TEST_TOKEN,
        TELEGRAM_API_URL=standin.url,
        DATABASE_URL=f"sqlite+aiosqlite:///{db_file}",
        POLLING_TIMEOUT="1",
    )
    proc = await asyncio.create_subprocess_exec(
        installed.script,
        "run",
        cwd=tmp_path,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        await standin.wait_for_call("getUpdates", timeout=60)
        sent = standin.user_text(42, "/start", first_name="Robin")
        reply = await standin.wait_for_bot_message(42, after_message_id=sent.message_id, timeout=10)
        assert "Robin" in (reply.text or "")
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
        out, err = await asyncio.wait_for(proc.communicate(), timeout=20)
    assert proc.returncode == 0, (out + err).decode()[-2000:]

    doctor = await asyncio.create_subprocess_exec(
        installed.script,
        "doctor",
        cwd=tmp_path,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(doctor.communicate(), timeout=60)
    table = out.decode()
    assert doctor.returncode == 0, table + err.decode()
    assert f"at head {head_revision()}" in table
    assert str(installed.site_packages / "bot" / "_data" / "content") in table
