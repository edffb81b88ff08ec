"""`python -m bot` as a process: settings errors, content-check, and a real polling run."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import sqlite3
import sys
from pathlib import Path

import pytest

from bot.devtools.standin import BotApiStandIn
from tests.utils.app import TEST_TOKEN
from tests.utils.rows import EXPECTED_TABLES

ROOT = Path(__file__).resolve().parent.parent
# This environment's console script (a bare `mobility-bot` on PATH may be another install's).
SCRIPT = shutil.which("mobility-bot", path=str(Path(sys.executable).parent))


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "DATABASE_"))}
    env.update(extra)
    env["PYTHONPATH"] = str(ROOT)
    return env


async def _run(args: list[str], env: dict[str, str], cwd: Path) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        cwd=cwd,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), timeout=60)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


async def test_without_token_exits_2_naming_the_variable(tmp_path: Path) -> None:
    code, out, err = await _run([], _env(tmp_path), tmp_path)

    assert code == 2
    assert "TELEGRAM_BOT_TOKEN" in err
    assert ".env.example" in err
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


async def test_content_check_lists_all_six_routines(tmp_path: Path) -> None:
    code, out, err = await _run(["content-check"], _env(tmp_path), tmp_path)

    assert code == 0, err
    for routine in (
        "decompression",
        "post_run_cooldown",
        "pre_run_warmup",
        "home_stretches",
        "yoga_for_runners",
        "strength_core",
    ):
        assert routine in out
    assert "minutes" in out


async def test_content_check_fails_on_a_broken_file(tmp_path: Path) -> None:
    broken = tmp_path / "content"
    shutil.copytree(ROOT / "content", broken)
    (broken / "progression.yaml").write_text("zones: {green_max: 2}\n")

    code, out, err = await _run(
        ["content-check"], _env(tmp_path, CONTENT_DIR=str(broken)), tmp_path
    )

    assert code != 0
    assert "content/progression.yaml" in err
    assert "Traceback" not in err


async def test_broken_content_stops_the_bot_before_it_starts(tmp_path: Path) -> None:
    broken = tmp_path / "content"
    shutil.copytree(ROOT / "content", broken)
    (broken / "texts.yaml").write_text("texts: {welcome: hi}\ncommands: {start: Start}\n")
    env = _env(tmp_path, TELEGRAM_BOT_TOKEN=TEST_TOKEN, CONTENT_DIR=str(broken))

    code, out, err = await _run([], env, tmp_path)

    assert code == 2
    assert "content/texts.yaml" in err
    assert "disclaimer" in err


async def test_migrate_command(tmp_path: Path) -> None:
    db_file = tmp_path / "m.db"
    env = _env(tmp_path, DATABASE_URL=f"sqlite+aiosqlite:///{db_file}")
    code, out, err = await _run(["migrate"], env, tmp_path)

    assert code == 0, err
    tables = {r[0] for r in sqlite3.connect(db_file).execute("SELECT name FROM sqlite_master")}
    assert tables >= EXPECTED_TABLES


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT])
async def test_polls_answers_and_stops_cleanly(
    tmp_path: Path, standin: BotApiStandIn, stop_signal: signal.Signals
) -> None:
    """The real process: migrations, command menu, /start and /help, a clean stop, no token."""
    db_file = tmp_path / "bot.db"
    env = _env(
        tmp_path,
        TELEGRAM_BOT_TOKEN=TEST_TOKEN,
        TELEGRAM_API_URL=standin.url,
        DATABASE_URL=f"sqlite+aiosqlite:///{db_file}",
        LOG_LEVEL="DEBUG",
        POLLING_TIMEOUT="1",
    )
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        cwd=tmp_path,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        await standin.wait_for_call("setMyCommands", timeout=30)
        await standin.wait_for_call("getUpdates", timeout=30)
        tables = {r[0] for r in sqlite3.connect(db_file).execute("SELECT name FROM sqlite_master")}
        assert tables >= EXPECTED_TABLES

        sent = standin.user_text(42, "/start", first_name="Robin")
        reply = await standin.wait_for_bot_message(42, after_message_id=sent.message_id, timeout=10)
        assert "Robin" in (reply.text or "")
        question = await standin.wait_for_bot_message(42, after_message_id=reply.message_id)
        assert "safety check" in (question.text or "")
        sent = standin.user_text(42, "/help", first_name="Robin")
        reply = await standin.wait_for_bot_message(42, after_message_id=sent.message_id, timeout=10)
        assert "/start" in (reply.text or "")

        users = sqlite3.connect(db_file).execute("SELECT telegram_user_id FROM users").fetchall()
        assert users == [(42,)]
    finally:
        if proc.returncode is None:
            proc.send_signal(stop_signal)
        out, err = await asyncio.wait_for(proc.communicate(), timeout=20)

    log = out.decode() + err.decode()
    assert proc.returncode == 0, log[-2000:]
    assert "Traceback" not in log
    assert TEST_TOKEN not in log
    assert "event=stopped" in log


@pytest.mark.skipif(SCRIPT is None, reason="package not installed in this environment")
async def test_console_script_is_the_same_entry_point(tmp_path: Path) -> None:
    assert SCRIPT is not None
    proc = await asyncio.create_subprocess_exec(
        SCRIPT,
        "content-check",
        cwd=tmp_path,
        env=_env(tmp_path),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, _ = await asyncio.wait_for(proc.communicate(), timeout=60)
    assert proc.returncode == 0
    assert b"decompression" in out
