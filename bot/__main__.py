"""`python -m bot [run | migrate | content-check | content-sheet | doctor | playground |
replay | translations]` (also the `mobility-bot` script)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

from bot.config import CommonSettings, Settings, SettingsError, load_settings
from bot.content import DEFAULT_CONTENT_DIR, Content, ContentError, load_content, load_languages
from bot.logs import redact, setup_logging

log = logging.getLogger("bot")

EXIT_CONFIG = 2  # a setting or a content file is missing or broken


def _fail(message: str, secrets: Sequence[str] = ()) -> int:
    print(redact(message, list(secrets)), file=sys.stderr)
    return EXIT_CONFIG


def _load_content(settings: CommonSettings) -> Content:
    return load_languages(settings.content_dir)


def cmd_run(args: argparse.Namespace) -> int:
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
    from bot.app import StartError, build_application, run
    from bot.db.migrate import upgrade_to_head

    try:
        # Before the event loop starts: alembic's async env.py runs a loop of its own.
        upgrade_to_head(settings.database_url)
    except Exception as exc:
        log.error("event=migrate_failed error=%s", type(exc).__name__)
        return _fail(f"database error: could not apply migrations: {exc}", secrets)
    log.info("event=migrated")
    app = build_application(settings, content)
    try:
        run(app, settings)
    except StartError as exc:
        return _fail(str(exc), secrets)
    return 0


def cmd_migrate(args: argparse.Namespace) -> int:
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


def cmd_content_check(args: argparse.Namespace) -> int:
    try:
        settings = load_settings(CommonSettings)
    except SettingsError as exc:
        return _fail(str(exc))
    try:
        content = load_content(settings.content_dir)
    except ContentError as exc:
        return _fail(f"content error: {exc}")
    print(
        f"content OK: {len(content.exercises)} exercises from {len(content.sources)} sources "
        f"in {settings.content_dir}"
    )
    # Minutes as the bot announces them (the plan's one estimate, bot.domain.plan).
    print(f"{'routine':<20} {'kind':<8} {'steps':>5} {'minutes':>7}  name")
    for routine in content.routines.values():
        print(
            f"{routine.id:<20} {routine.kind:<8} {len(routine.steps):>5} "
            f"{content.routine_minutes(routine):>7}  {routine.name}"
        )
    by_level = ", ".join(f"{n}: {m}" for n, m in enumerate(content.ladder_minutes(), start=1))
    print(f"{content.ladder.id} minutes by level: {by_level}")
    bare = content.ladder_minutes(has_roller=False)
    by_level = ", ".join(f"{n}: {m}" for n, m in enumerate(bare, start=1))
    print(
        f"{content.ladder.id} minutes by level without a foam roller, extras included: {by_level}"
    )
    failed = 0
    unposed = [e for e in content.exercises if e not in content.poses]
    if unposed:
        # Every step comes with a picture: an exercise without one is unfinished content.
        print(f"exercises without a picture (no pose in content/poses/): {', '.join(unposed)}")
        failed = 1
    else:
        print(f"pictures: every exercise has a pose ({len(content.poses)})")
    return max(failed, _check_languages(Path(settings.content_dir), content))


def _check_languages(root: Path, english: Content) -> int:
    """Each language in full: every unit translated, the same placeholders and every
    plural form the language needs, every length limit; then every message it makes
    within Telegram's limits."""
    from bot import i18n, limits

    found = i18n.extract(root)
    units = len(found)
    failed = 0
    for language in i18n.languages(root):
        problems = [] if language == english.language else i18n.problems(root, language, found)
        for problem in problems[:10]:
            print(f"language {language}: FAILED: {problem}")
        if len(problems) > 10:
            print(f"language {language}: FAILED: ... {len(problems)} texts in all")
        if problems:
            failed = 1
            continue
        try:
            content = english if language == english.language else load_content(root, language)
        except ContentError as exc:
            print(f"language {language}: FAILED: {exc}")
            failed = 1
            continue
        over = limits.too_long(content)
        for m in over:
            print(f"language {language}: FAILED: {m.what}: {m.chars} characters, over {m.limit}")
        failed = max(failed, 1 if over else 0)
        steps = [m.chars for m in limits.measure(content) if m.what.startswith("step ")]
        roomy = len(limits.long_steps(content))
        print(
            f"language {language}: {units} texts, the longest step {max(steps)} characters"
            + (f" ({roomy} parts over {limits.COMFORTABLE_STEP})" if roomy else "")
            + ("" if over else ": OK")
        )
    return failed


def cmd_translations(args: argparse.Namespace) -> int:
    """content/locale/bot.pot from the English content, merged into every catalogue
    (new texts come in untranslated, changed ones fuzzy); --add LANG starts a language."""
    from bot import i18n

    try:
        root = Path(load_settings(CommonSettings).content_dir)
    except SettingsError as exc:
        return _fail(str(exc))
    units = i18n.extract(root)
    print(f"wrote {i18n.write_template(root, units)}: {len(units)} texts")
    wanted = [*i18n.languages(root)[1:], *([args.add] if args.add else [])]
    for language in dict.fromkeys(wanted):
        try:
            done, total = i18n.update(root, language, units)
        except (ValueError, i18n.TranslationError) as exc:
            return _fail(f"translations: {language}: {exc}")
        print(f"{i18n.catalogue_path(root, language)}: {done} of {total} translated")
    return 0


def cmd_content_sheet(args: argparse.Namespace) -> int:
    """Every exercise's picture with its name, on one PNG, for a reviewer."""
    from bot import pictures

    if args.file is None:
        return _fail("content-sheet needs a file to write: python -m bot content-sheet OUT.png")
    try:
        content = _load_content(load_settings(CommonSettings))
    except (SettingsError, ContentError) as exc:
        return _fail(f"content-sheet: {exc}")
    entries = [
        (f"{exercise.name}", pictures.render_pose(content.poses[exercise.id]))
        for exercise in content.exercises.values()
        if exercise.id in content.poses
    ]
    if not entries:
        return _fail("content-sheet: no exercise has a pose yet (content/poses/)")
    out = Path(args.file)
    try:
        out.write_bytes(pictures.render_sheet(entries))
    except OSError as exc:
        return _fail(f"content-sheet: cannot write {out} ({exc.strerror})")
    missing = len(content.exercises) - len(entries)
    print(
        f"wrote {out}: {len(entries)} exercises"
        + (f", {missing} without a pose" if missing else "")
    )
    return 0


def cmd_replay(args: argparse.Namespace) -> int:
    """A runner's history through the progression rules, day by day."""
    from bot import replay

    if args.file is None:
        return _fail("replay needs a history file: python -m bot replay FILE [--json]")
    try:
        content_dir = Path(args.content) if args.content else None
        if content_dir is None:
            content_dir = load_settings(CommonSettings).content_dir
        content = load_content(content_dir)
        lines = replay.run(replay.load(Path(args.file)), content)
    except (SettingsError, ContentError, replay.ReplayError) as exc:
        return _fail(f"replay: {exc}")
    replay.write(lines, content, sys.stdout, as_json=args.json)
    return 0


def cmd_doctor(args: argparse.Namespace) -> int:
    from bot.doctor import main as doctor_main

    return doctor_main()


def cmd_playground(args: argparse.Namespace) -> int:
    """The real bot against the local stand-in, and a chat page on 127.0.0.1: no token, no
    Telegram. Reads no .env: its settings are its own."""
    level = os.environ.get("LOG_LEVEL", "WARNING").upper()
    setup_logging(level, secrets=[])
    if level == "WARNING":
        logging.getLogger("telegram").setLevel(logging.WARNING)  # "Application started" etc.
    content_dir = Path(os.environ.get("CONTENT_DIR") or DEFAULT_CONTENT_DIR)
    try:
        port = args.port if args.port is not None else int(os.environ.get("PLAYGROUND_PORT", 8765))
    except ValueError:
        return _fail("PLAYGROUND_PORT must be a port number, e.g. 8765")
    if not 0 <= port <= 65535:
        return _fail(f"--port must be 0-65535, not {port}")
    try:
        content = load_languages(content_dir)
    except ContentError as exc:
        return _fail(f"content error: {exc}")
    import signal

    from bot.app import stop_signals
    from bot.devtools.playground import Playground

    async def serve(database: Path) -> None:
        playground = Playground(
            content,
            content_dir=content_dir,
            database_url=f"sqlite+aiosqlite:///{database}",
            port=port,
            # the runners' Telegram language, e.g. PLAYGROUND_LANGUAGE=de for German
            language_code=os.environ.get("PLAYGROUND_LANGUAGE") or "en",
        )
        with stop_signals(signal.SIGINT, signal.SIGTERM) as stop:
            async with playground:
                print(f"Playground: open {playground.url} in your browser (Ctrl-C stops it)")
                print(f"Its database: {database}", flush=True)
                if args.browser and _has_display():
                    import webbrowser

                    webbrowser.open(playground.url)
                await stop.wait()

    try:
        if args.db is not None:
            asyncio.run(serve(Path(args.db).resolve()))
        else:
            with tempfile.TemporaryDirectory(prefix="mobility-playground-") as folder:
                asyncio.run(serve(Path(folder) / "playground.db"))
    except OSError as exc:
        return _fail(f"playground: could not start: {exc}")
    except KeyboardInterrupt:  # Ctrl-C before the signal handlers are in place
        pass
    print("Playground stopped.")
    return 0


def _has_display() -> bool:
    """A graphical browser can open here (else only the address is printed: on a bare
    Linux box `webbrowser` would start a text browser in this terminal)."""
    if sys.platform in ("darwin", "win32"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "run": cmd_run,
    "migrate": cmd_migrate,
    "content-check": cmd_content_check,
    "content-sheet": cmd_content_sheet,
    "doctor": cmd_doctor,
    "playground": cmd_playground,
    "replay": cmd_replay,
    "translations": cmd_translations,
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
        help="run the bot (default), apply migrations, validate content/, draw every "
        "exercise's picture on one sheet (content-sheet OUT.png), check everything, "
        "try the bot in a browser (playground), or replay a runner's history through the "
        "progression rules (replay FILE), or bring content/locale/ up to date with the "
        "English texts (translations [--add LANG])",
    )
    parser.add_argument(
        "--add",
        default=None,
        metavar="LANG",
        help="translations only: start a catalogue for this language (e.g. fr)",
    )
    parser.add_argument(
        "file",
        nargs="?",
        default=None,
        help="replay: the history file; content-sheet: the PNG to write",
    )
    parser.add_argument(
        "--json", action="store_true", help="replay only: print the decisions as JSON"
    )
    parser.add_argument(
        "--content",
        default=None,
        help="replay only: read the thresholds and texts from this content folder",
    )
    parser.add_argument(
        "--port",
        type=int,
        default=None,
        help="playground only: the page's port on 127.0.0.1 (default: PLAYGROUND_PORT or 8765; "
        "0 = any free port)",
    )
    parser.add_argument(
        "--db",
        default=None,
        help="playground only: keep the playground's SQLite database in this file "
        "(default: a fresh one each start)",
    )
    parser.add_argument(
        "--no-browser",
        dest="browser",
        action="store_false",
        help="playground only: print the address, don't open a browser",
    )
    args = parser.parse_intermixed_args(argv)
    if args.command != "playground" and (
        args.db is not None or args.port is not None or not args.browser
    ):
        parser.error("--port, --db and --no-browser are for the playground command only")
    if args.command != "replay" and (args.json or args.content):
        parser.error("--json and --content are for the replay command only")
    if args.command not in ("replay", "content-sheet") and args.file is not None:
        parser.error("FILE is for the replay and content-sheet commands only")
    try:
        return COMMANDS[args.command](args)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
