"""`python -m bot doctor`: is this installation ready to run? One line per check.

Checks settings, the database (reachable, migrated to head), content/, the Bot API (the
token is accepted) and whether each ADMIN_IDS admin can be messaged (a warning, not a
failure: Telegram lets a bot write only to users who started a chat with it). Each check
is bounded in time; nothing is written (a missing SQLite file is reported, not created).
No detail ever shows the bot token or a database password.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError

from bot.config import CommonSettings, Settings, SettingsError, load_settings
from bot.content import ContentError, load_languages
from bot.db.engine import Database
from bot.logs import quiet_libraries, redact

if TYPE_CHECKING:
    from telegram import Bot

CHECK_TIMEOUT_SECONDS = 10.0
HTTP_TIMEOUT_SECONDS = 5.0
MIGRATE_HINT = "run python -m bot migrate"
SKIPPED_SETTINGS = "skipped: settings invalid"
SKIPPED_DATABASE = "skipped: database unreachable"
SKIPPED_BOT_API = "skipped: bot api failed"


@dataclass(frozen=True)
class Check:
    name: str  # "settings", "database", "migrations", "content", "bot api", "admins"
    ok: bool
    detail: str  # one line, never containing the bot token or a database password
    warning: bool = False  # ok, but worth the operator's attention (WARN)

    @property
    def result(self) -> str:
        return "FAIL" if not self.ok else "WARN" if self.warning else "OK"


def _one_line(message: str) -> str:
    return "; ".join(line.strip() for line in message.splitlines() if line.strip())


def _describe(exc: BaseException) -> str:
    """The error class and the first line of its message (SQLAlchemy adds SQL and a link
    on the following lines)."""
    if isinstance(exc, DBAPIError) and exc.orig is not None:
        exc = exc.orig
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return f"{type(exc).__name__}: {lines[0]}" if lines else type(exc).__name__


def masked_url(url: str) -> str:
    """The database URL with its password replaced by ***."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<unparseable database URL>"


def _url_password(url: str) -> str | None:
    try:
        password = make_url(url).password
    except ArgumentError:
        return None
    return str(password) if password else None


def _missing_sqlite_file(url: str) -> Path | None:
    """The SQLite file the URL names, when it does not exist (connecting would create it)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return None
    database = parsed.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    path = Path(database)
    return None if path.exists() else path


async def _bounded(name: str, check: Callable[[], Awaitable[Check]], *, where: str = "") -> Check:
    """Run one check within CHECK_TIMEOUT_SECONDS; an error or a timeout is a FAIL
    (prefixed with `where`, e.g. the masked database URL)."""
    prefix = f"{where}: " if where else ""
    try:
        async with asyncio.timeout(CHECK_TIMEOUT_SECONDS):
            return await check()
    except TimeoutError:
        return Check(name, False, f"{prefix}no answer within {CHECK_TIMEOUT_SECONDS:g} s")
    except Exception as exc:
        return Check(name, False, f"{prefix}{_describe(exc)}")


# --- the checks ------------------------------------------------------------------


async def check_database(url: str) -> Check:
    async def probe() -> Check:
        missing = _missing_sqlite_file(url)
        if missing is not None:
            return Check("database", False, f"no database file at {missing}: {MIGRATE_HINT}")
        db = Database(url)
        try:
            async with db.read() as session:
                await session.execute(text("SELECT 1"))
            return Check("database", True, f"{db.dialect} at {masked_url(url)}")
        finally:
            await db.dispose()

    return await _bounded("database", probe, where=masked_url(url))


def _revisions() -> tuple[str, set[str]]:
    from alembic.script import ScriptDirectory

    from bot.db.migrate import alembic_config, head_revision

    script = ScriptDirectory.from_config(alembic_config("sqlite+aiosqlite://"))
    return head_revision(), {rev.revision for rev in script.walk_revisions()}


def _stored_versions(conn: Connection) -> list[str] | None:
    if not inspect(conn).has_table("alembic_version"):
        return None
    rows = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    return sorted(str(row) for row in rows)


async def check_migrations(url: str) -> Check:
    async def probe() -> Check:
        head, known = await asyncio.to_thread(_revisions)
        db = Database(url)
        try:
            async with db.engine.connect() as conn:
                versions = await conn.run_sync(_stored_versions)
        finally:
            await db.dispose()
        if not versions:
            return Check("migrations", False, f"not migrated (head is {head}): {MIGRATE_HINT}")
        current = ", ".join(versions)
        if versions == [head]:
            return Check("migrations", True, f"at head {head}")
        if not set(versions) <= known:
            return Check(
                "migrations",
                False,
                f"at {current}, head is {head}: the database was migrated by a newer version",
            )
        return Check("migrations", False, f"at {current}, head is {head}: {MIGRATE_HINT}")

    return await _bounded("migrations", probe, where=masked_url(url))


async def check_content(content_dir: Path) -> Check:
    async def probe() -> Check:
        try:
            content = await asyncio.to_thread(load_languages, content_dir)
        except ContentError as exc:
            return Check("content", False, _one_line(str(exc)))
        return Check(
            "content",
            True,
            f"{len(content.exercises)} exercises, {len(content.routines)} routines, "
            f"languages {', '.join(content.languages)} in {content_dir}",
        )

    return await _bounded("content", probe)


def _bot(settings: Settings) -> Bot:
    """A bot with short timeouts (`async with` it: getMe, then shut down)."""
    from telegram import Bot
    from telegram.request import HTTPXRequest

    api = settings.telegram_api_url

    def request() -> HTTPXRequest:
        return HTTPXRequest(
            connect_timeout=HTTP_TIMEOUT_SECONDS,
            read_timeout=HTTP_TIMEOUT_SECONDS,
            write_timeout=HTTP_TIMEOUT_SECONDS,
            pool_timeout=HTTP_TIMEOUT_SECONDS,
        )

    return Bot(
        settings.token,
        base_url=f"{api}/bot",
        base_file_url=f"{api}/file/bot",
        request=request(),
        get_updates_request=request(),
    )


async def check_bot_api(settings: Settings) -> Check:
    async def probe() -> Check:
        async with _bot(settings) as bot:  # calls getMe
            return Check("bot api", True, f"@{bot.username}")

    return await _bounded("bot api", probe, where=settings.telegram_api_url)


async def check_admins(settings: Settings) -> Check:
    """Can the bot write to each admin (its error alerts go to them)? It sends each one the
    "typing" chat action: Telegram refuses it exactly as it would a message, with 403 "bot
    can't initiate conversation with a user" (never started the bot), 403 "bot was blocked
    by the user" or 400 "chat not found", and otherwise shows the admin "typing..." for a few
    seconds, nothing more. (getChat is no test: it also answers for users the bot has only
    seen in a group.) A refusal is a warning: the bot runs, the alerts miss that admin."""
    from telegram.constants import ChatAction
    from telegram.error import TelegramError

    if not settings.admin_ids:
        return Check("admins", True, "none set (ADMIN_IDS)")

    async def probe() -> Check:
        refused: list[str] = []
        async with _bot(settings) as bot:
            for admin_id in settings.admin_ids:
                try:
                    await bot.send_chat_action(admin_id, ChatAction.TYPING)
                except TelegramError as exc:
                    refused.append(f"{admin_id} ({exc.message})")
        count = len(settings.admin_ids)
        if not refused:
            return Check("admins", True, f"{count} of {count} can be messaged")
        return Check(
            "admins",
            True,
            f"{len(refused)} of {count} cannot be messaged until they send /start to the "
            f"bot, so error alerts miss them: {'; '.join(refused)}",
            warning=True,
        )

    checked = await _bounded("admins", probe, where=settings.telegram_api_url)
    return checked if checked.ok else replace(checked, ok=True, warning=True)


async def run_checks(settings: Settings | None, settings_error: str | None) -> list[Check]:
    """Every check, in order. Without valid Settings, the checks that need only the common
    settings (database, migrations, content) still run; the Bot API check is skipped."""
    common: CommonSettings | None = settings
    if settings is None:
        try:
            common = load_settings(CommonSettings)
        except SettingsError:
            common = None  # its problems are part of settings_error already

    checks = [
        Check("settings", True, "loaded")
        if settings is not None
        else Check("settings", False, _one_line(settings_error or "invalid"))
    ]
    if common is None:
        checks += [Check(name, False, SKIPPED_SETTINGS) for name in ("database", "migrations")]
    else:
        database = await check_database(common.database_url)
        checks.append(database)
        if database.ok:
            checks.append(await check_migrations(common.database_url))
        else:
            checks.append(Check("migrations", False, SKIPPED_DATABASE))
    if common is not None:
        checks.append(await check_content(common.content_dir))
    else:
        checks.append(Check("content", False, SKIPPED_SETTINGS))
    if settings is not None:
        bot_api = await check_bot_api(settings)
        checks.append(bot_api)
        if bot_api.ok:
            checks.append(await check_admins(settings))
        else:
            checks.append(Check("admins", True, SKIPPED_BOT_API, warning=True))
    else:
        checks.append(Check("bot api", False, SKIPPED_SETTINGS))
        checks.append(Check("admins", False, SKIPPED_SETTINGS))

    secrets: list[str] = []
    if settings is not None:
        secrets.append(settings.token)
        if settings.webhook_secret is not None:
            secrets.append(settings.webhook_secret.get_secret_value())
    if common is not None:
        password = _url_password(common.database_url)
        if password:
            secrets.append(password)
    return [replace(c, detail=_one_line(redact(c.detail, secrets))) for c in checks]


def format_table(checks: list[Check]) -> str:
    """An aligned plain-text table: check name, OK, WARN or FAIL, detail."""
    rows = [("check", "result", "detail")]
    rows += [(c.name, c.result, c.detail) for c in checks]
    name_width = max(len(r[0]) for r in rows)
    result_width = max(len(r[1]) for r in rows)
    lines = [f"{n:<{name_width}}  {r:<{result_width}}  {d}".rstrip() for n, r, d in rows]
    return "\n".join(lines)


def main() -> int:
    """Load settings, run every check, print the table; 0 when none FAILs (a WARN is
    fine), else 1."""
    quiet_libraries()  # httpx logs request URLs, which carry the token
    settings: Settings | None = None
    error: str | None = None
    try:
        settings = load_settings(Settings)
    except SettingsError as exc:
        error = str(exc)
    checks = asyncio.run(run_checks(settings, error))
    print(format_table(checks))
    return 0 if all(c.ok for c in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
