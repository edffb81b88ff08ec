"""`python -m bot [run | migrate | content-check]` (also the `mobility-bot` script)."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from bot.config import CommonSettings, Settings, SettingsError, load_settings
from bot.content import Content, ContentError, load_content
from bot.logs import redact, setup_logging

log = logging.getLogger("bot")

EXIT_CONFIG = 2  # a setting or a content file is missing or broken


def _fail(message: str, secrets: Sequence[str] = ()) -> int:
    print(redact(message, list(secrets)), file=sys.stderr)
    return EXIT_CONFIG


def _load_content(settings: CommonSettings) -> Content:
    return load_content(settings.content_dir)


def cmd_run() -> int:
    try:
        settings = load_settings(Settings)
    except SettingsError as exc:
        return _fail(str(exc))
    secrets = [settings.token]
    if settings.webhook_secret is not None:
        secrets.append(settings.webhook_secret.get_secret_value())
    setup_logging(settings.log_level, secrets=secrets)
    try:
        content = _load_content(settings)
    except ContentError as exc:
        return _fail(f"content error: {exc}")

    # Imported here so that `content-check` and a missing token stay fast and light.
    from bot.app import build_application, run
    from bot.db.migrate import upgrade_to_head

    try:
        # Before the event loop starts: alembic's async env.py runs a loop of its own.
        upgrade_to_head(settings.database_url)
    except Exception as exc:
        log.error("event=migrate_failed error=%s", type(exc).__name__)
        return _fail(f"database error: could not apply migrations: {exc}", secrets)
    log.info("event=migrated")
    app = build_application(settings, content)
    run(app, settings)
    return 0


def cmd_migrate() -> int:
    try:
        settings = load_settings(CommonSettings)
    except SettingsError as exc:
        return _fail(str(exc))
    setup_logging(settings.log_level, secrets=[])
    from bot.db.migrate import head_revision, upgrade_to_head

    try:
        upgrade_to_head(settings.database_url)
    except Exception as exc:
        return _fail(f"database error: could not apply migrations: {exc}")
    print(f"database is at revision {head_revision()}")
    return 0


def cmd_content_check() -> int:
    try:
        settings = load_settings(CommonSettings)
    except SettingsError as exc:
        return _fail(str(exc))
    try:
        content = _load_content(settings)
    except ContentError as exc:
        return _fail(f"content error: {exc}")
    print(f"content OK: {len(content.exercises)} exercises from {len(content.sources)} sources")
    print(f"{'routine':<20} {'kind':<8} {'steps':>5} {'minutes':>7}  name")
    for routine in content.routines.values():
        print(
            f"{routine.id:<20} {routine.kind:<8} {len(routine.steps):>5} "
            f"{content.routine_minutes(routine):>7}  {routine.name}"
        )
    return 0


def cmd_doctor() -> int:
    from bot.doctor import main as doctor_main

    return doctor_main()


COMMANDS = {
    "run": cmd_run,
    "migrate": cmd_migrate,
    "content-check": cmd_content_check,
    "doctor": cmd_doctor,
}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="mobility-bot",
        description="A Telegram bot that coaches runners with lower back pain.",
    )
    parser.add_argument(
        "command",
        nargs="?",
        default="run",
        choices=sorted(COMMANDS),
        help="run the bot (default), apply migrations, validate content/, or check everything",
    )
    args = parser.parse_args(argv)
    try:
        return COMMANDS[args.command]()
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
