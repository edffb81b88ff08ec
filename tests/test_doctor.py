"""`python -m bot doctor`: each check against a real database, content/ and the stand-in."""

from __future__ import annotations

import asyncio
import shutil
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from bot import doctor
from bot.config import Settings
from bot.content import DEFAULT_CONTENT_DIR, load_content
from bot.db.engine import Database
from bot.db.migrate import head_revision
from bot.devtools.standin import BotApiStandIn
from bot.doctor import Check, format_table, run_checks
from tests.utils.app import TEST_TOKEN

NAMES = ["settings", "database", "migrations", "content", "bot api", "admins"]
WRONG_TOKEN = "654321:WRONG-token-the-stand-in-refuses"
PASSWORD = "s3cret-Pa55word"


def by_name(checks: list[Check]) -> dict[str, Check]:
    assert [c.name for c in checks] == NAMES
    return {c.name: c for c in checks}


def plain_settings(tmp_path: Path, **overrides: object) -> Settings:
    """Settings that need no database fixture (nothing listens on port 9)."""
    values: dict[str, object] = {
        "telegram_bot_token": TEST_TOKEN,
        "telegram_api_url": "http://127.0.0.1:9",
        "database_url": f"sqlite+aiosqlite:///{tmp_path / 'doctor.db'}",
        "_env_file": None,
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_all_ok_on_a_migrated_database_and_the_stand_in(
    migrated_db: Database, database_url: str, make_settings: Callable[..., Settings]
) -> None:
    url = database_url
    if migrated_db.dialect == "postgresql":  # trust auth: a password is accepted, and hidden
        url = make_url(url).set(password=PASSWORD).render_as_string(hide_password=False)
    content = load_content()

    checks = by_name(await run_checks(make_settings(database_url=url), None))

    assert all(c.ok for c in checks.values()), checks
    assert checks["settings"].detail == "loaded"
    assert checks["database"].detail.startswith(f"{migrated_db.dialect} at ")
    assert checks["migrations"].detail == f"at head {head_revision()}"
    assert checks["content"].detail == (
        f"{len(content.exercises)} exercises, {len(content.routines)} routines, "
        f"languages en, de, es, ru in {DEFAULT_CONTENT_DIR}"
    )
    assert checks["bot api"].detail == "@mobility_test_bot"
    assert checks["admins"] == Check("admins", True, "none set (ADMIN_IDS)")
    table = format_table(list(checks.values()))
    assert TEST_TOKEN not in table
    assert PASSWORD not in table
    if migrated_db.dialect == "postgresql":
        assert ":***@" in checks["database"].detail


async def test_unmigrated_database_fails_with_the_hint(
    database_url: str, make_settings: Callable[..., Settings]
) -> None:
    empty = Database(database_url)  # an empty database (SQLite: creates the file)
    try:
        async with empty.read() as session:
            await session.execute(text("SELECT 1"))
    finally:
        await empty.dispose()

    checks = by_name(await run_checks(make_settings(), None))

    assert checks["database"].ok
    assert not checks["migrations"].ok
    assert "not migrated" in checks["migrations"].detail
    assert "run python -m bot migrate" in checks["migrations"].detail
    assert checks["content"].ok
    assert checks["bot api"].ok


async def test_database_behind_head_names_both_revisions(
    migrated_db: Database,
    make_settings: Callable[..., Settings],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    current = head_revision()
    monkeypatch.setattr(doctor, "_revisions", lambda: ("0099", {current, "0099"}))

    checks = by_name(await run_checks(make_settings(), None))

    assert not checks["migrations"].ok
    assert checks["migrations"].detail == (f"at {current}, head is 0099: run python -m bot migrate")


async def test_database_migrated_by_a_newer_version(
    migrated_db: Database, make_settings: Callable[..., Settings]
) -> None:
    async with migrated_db.write() as session:
        await session.execute(text("UPDATE alembic_version SET version_num = '9999'"))

    checks = by_name(await run_checks(make_settings(), None))

    assert not checks["migrations"].ok
    assert checks["migrations"].detail.startswith(f"at 9999, head is {head_revision()}: ")


async def test_wrong_token_fails_the_bot_api_check_without_showing_it(
    migrated_db: Database, make_settings: Callable[..., Settings], standin: BotApiStandIn
) -> None:
    checks = by_name(await run_checks(make_settings(telegram_bot_token=WRONG_TOKEN), None))

    bot_api = checks["bot api"]
    assert not bot_api.ok
    assert "InvalidToken" in bot_api.detail
    assert "<redacted>" in bot_api.detail  # PTB puts the token in its message
    assert standin.url in bot_api.detail
    table = format_table(list(checks.values()))
    assert WRONG_TOKEN not in table
    assert WRONG_TOKEN.split(":")[1] not in table
    assert [c.name for c in checks.values() if not c.ok] == ["bot api"]
    assert checks["admins"] == Check("admins", True, "skipped: bot api failed", warning=True)


async def test_missing_content_dir_fails_the_content_check(tmp_path: Path) -> None:
    missing = tmp_path / "no-content-here"

    checks = by_name(await run_checks(plain_settings(tmp_path, content_dir=missing), None))

    assert not checks["content"].ok
    assert checks["content"].detail == f"{missing}: content folder is missing"


async def test_broken_content_file_fails_with_the_content_error(tmp_path: Path) -> None:
    broken = tmp_path / "content"
    shutil.copytree(DEFAULT_CONTENT_DIR, broken)
    (broken / "routines.yaml").write_text("routines: [\n  - {id: x\n", encoding="utf-8")

    checks = by_name(await run_checks(plain_settings(tmp_path, content_dir=broken), None))

    assert not checks["content"].ok
    assert "routines.yaml" in checks["content"].detail
    assert "\n" not in checks["content"].detail


async def test_missing_sqlite_file_is_reported_not_created(tmp_path: Path) -> None:
    settings = plain_settings(tmp_path)

    checks = by_name(await run_checks(settings, None))

    assert not checks["database"].ok
    assert checks["database"].detail == (
        f"no database file at {tmp_path / 'doctor.db'}: run python -m bot migrate"
    )
    assert checks["migrations"] == Check("migrations", False, "skipped: database unreachable")
    assert not (tmp_path / "doctor.db").exists()
    # Nothing listens on the API URL: a network error, not a hang.
    assert not checks["bot api"].ok
    assert "NetworkError" in checks["bot api"].detail


async def test_database_password_is_masked_in_errors(tmp_path: Path) -> None:
    url = f"postgresql+asyncpg://doctor:{PASSWORD}@127.0.0.1:{free_port()}/nowhere"

    checks = by_name(await run_checks(plain_settings(tmp_path, database_url=url), None))

    assert not checks["database"].ok
    assert checks["database"].detail.startswith(
        f"postgresql+asyncpg://doctor:***@127.0.0.1:{make_url(url).port}/nowhere: "
    )
    assert PASSWORD not in format_table(list(checks.values()))


@pytest.fixture
async def silent_server() -> AsyncIterator[str]:
    """An HTTP address that accepts connections and never answers."""
    held: list[asyncio.StreamWriter] = []

    async def hold(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)

    server = await asyncio.start_server(hold, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}"
    for writer in held:
        writer.close()
    server.close()
    await server.wait_closed()


async def test_each_check_is_bounded_in_time(
    tmp_path: Path, silent_server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(doctor, "CHECK_TIMEOUT_SECONDS", 0.5)
    started = time.monotonic()

    checks = by_name(
        await run_checks(plain_settings(tmp_path, telegram_api_url=silent_server), None)
    )

    assert time.monotonic() - started < 4  # the HTTP timeouts alone would take 5 s
    assert checks["bot api"] == Check("bot api", False, f"{silent_server}: no answer within 0.5 s")


async def test_invalid_settings_skip_what_needs_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # no .env
    monkeypatch.setenv("DATABASE_URL", "mysql://nope")
    error = "DATABASE_URL must start with ... (see .env.example)\nTELEGRAM_BOT_TOKEN is not set"

    checks = by_name(await run_checks(None, error))

    assert checks["settings"] == Check(
        "settings",
        False,
        "DATABASE_URL must start with ... (see .env.example); TELEGRAM_BOT_TOKEN is not set",
    )
    skipped = "skipped: settings invalid"
    assert [(c.ok, c.detail) for c in list(checks.values())[1:]] == [(False, skipped)] * 5


def test_format_table_aligns_the_columns() -> None:
    table = format_table(
        [
            Check("settings", True, "loaded"),
            Check("bot api", False, "InvalidToken: rejected"),
            Check("admins", True, "1 of 2 cannot be messaged", warning=True),
        ]
    )

    assert table.splitlines() == [
        "check     result  detail",
        "settings  OK      loaded",
        "bot api   FAIL    InvalidToken: rejected",
        "admins    WARN    1 of 2 cannot be messaged",
    ]


# --- admins the bot cannot write to ----------------------------------------------------

NEVER_STARTED = "Forbidden: bot can't initiate conversation with a user"
STARTED, NEW_ADMIN, STRANGER = 31001, 31002, 31003


async def test_an_admin_who_never_started_the_bot_is_a_warning(
    migrated_db: Database, make_settings: Callable[..., Settings], standin: BotApiStandIn
) -> None:
    standin.user_text(STARTED, "/start")  # this admin opened the chat with the bot

    checks = by_name(await run_checks(make_settings(admin_ids=(STARTED, NEW_ADMIN)), None))

    admins = checks["admins"]
    assert (admins.ok, admins.warning) == (True, True)
    assert admins.detail == (
        "1 of 2 cannot be messaged until they send /start to the bot, so error alerts miss "
        f"them: {NEW_ADMIN} ({NEVER_STARTED})"
    )
    actions = [p for _n, p in standin.successful_calls("sendChatAction")]
    assert actions == [{"chat_id": STARTED, "action": "typing"}]  # "typing...", nothing sent
    assert not standin.successful_calls("sendMessage")
    assert all(c.ok for c in checks.values())  # a warning: doctor still exits 0
    [row] = [r for r in format_table(list(checks.values())).splitlines() if r.startswith("admins")]
    assert row.split()[1] == "WARN"


async def test_admins_the_bot_can_write_to_are_ok_and_unknown_chats_warn(
    migrated_db: Database, make_settings: Callable[..., Settings], standin: BotApiStandIn
) -> None:
    standin.user_text(STARTED, "/start")
    settings = make_settings(admin_ids=(STARTED,))

    assert by_name(await run_checks(settings, None))["admins"] == Check(
        "admins", True, "1 of 1 can be messaged"
    )

    standin.inject_error(STRANGER, 400, description="Bad Request: chat not found")
    settings = make_settings(admin_ids=(STARTED, STRANGER))
    admins = by_name(await run_checks(settings, None))["admins"]
    assert admins.warning
    assert admins.detail.endswith(f": {STRANGER} (Chat not found)")


def _doctor_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)  # no .env from the working copy
    for name in ("TELEGRAM_BOT_TOKEN", "TELEGRAM_API_URL", "CONTENT_DIR", "WEBHOOK_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}")


def test_main_without_token_exits_1_naming_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _doctor_env(monkeypatch, tmp_path)

    code = doctor.main()

    out = capsys.readouterr().out
    assert code == 1
    rows = {line.split()[0]: line for line in out.splitlines()[1:]}
    assert "TELEGRAM_BOT_TOKEN" in rows["settings"]
    assert " FAIL " in rows["settings"]
    assert "skipped: settings invalid" in rows["bot"]
    assert " OK " in rows["content"]  # still checked, with the common settings
    assert "Traceback" not in out
    assert not (tmp_path / "bot.db").exists()


def test_main_exits_0_when_every_check_passes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _doctor_env(monkeypatch, tmp_path)
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TEST_TOKEN)
    seen: list[tuple[Settings | None, str | None]] = []

    async def all_ok(settings: Settings | None, error: str | None) -> list[Check]:
        seen.append((settings, error))
        return [Check(name, True, "fine") for name in NAMES]

    monkeypatch.setattr(doctor, "run_checks", all_ok)

    assert doctor.main() == 0
    [(settings, error)] = seen
    assert settings is not None
    assert settings.token == TEST_TOKEN
    assert error is None
    assert capsys.readouterr().out.count(" OK ") == len(NAMES)


async def test_a_language_with_a_text_missing_fails_the_content_check(tmp_path: Path) -> None:
    from bot.doctor import check_content

    root = tmp_path / "content"
    shutil.copytree(DEFAULT_CONTENT_DIR, root)
    po = root / "locale" / "de" / "LC_MESSAGES" / "bot.po"
    po.write_text(
        po.read_text(encoding="utf-8").replace('msgstr "✅ Erledigt"', 'msgstr ""'),
        encoding="utf-8",
    )
    check = await check_content(root)
    assert not check.ok
    assert "content/locale/de/LC_MESSAGES/bot.po: texts." in check.detail
    assert "untranslated" in check.detail
