"""The playground's web server: the chat page, its JSON API, and time travel."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import html
import json
import logging
import re
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta, tzinfo
from pathlib import Path
from types import TracebackType
from typing import Any

from aiohttp import web
from telegram.constants import MessageLimit

from bot.app import build_application, polling, sweep_config
from bot.clock import TravelClock
from bot.config import Settings
from bot.content import Content
from bot.context import BotApplication, deps_of
from bot.db.engine import Database
from bot.db.migrate import upgrade_to_head
from bot.db.models import User
from bot.db.repo import users
from bot.devtools.standin import BotApiStandIn, StoredMessage
from bot.domain.enums import UserStatus
from bot.domain.parsing import parse_time
from bot.domain.zones import tzinfo_for
from bot.sender import sweep
from bot.services.unit import Env

log = logging.getLogger(__name__)

# Not a real token: it has a token's shape so Settings accepts it, and only the stand-in
# ever sees it.
TOKEN = "1000001:playground-dummy-token-not-real"  # noqa: S105
FIRST_USER = 1001
STATIC = Path(__file__).resolve().parent / "static"
LONG_POLL_SECONDS = 20.0
SWEEP_EVERY_SECONDS = 2  # real seconds between reminder sweeps, so reminders show promptly
MAX_NAME = 64
MAX_TEXT = MessageLimit.MAX_TEXT_LENGTH
_STATIC_TYPES = {".html": "text/html", ".js": "text/javascript", ".css": "text/css"}


class TravelError(ValueError):
    """A time-travel request the page should explain (in the past, nothing scheduled)."""


class Playground:
    """The stand-in, the real bot against it, and the chat page; an async context manager.

    ``port=0`` picks a free port (see :attr:`url`).
    """

    def __init__(
        self,
        content: Content,
        *,
        content_dir: Path,
        database_url: str,
        host: str = "127.0.0.1",
        port: int = 8765,
        language_code: str = "en",
    ) -> None:
        self.content, self.content_dir = content, content_dir
        # the language the runners' Telegram is set to: the bot starts in it at /start
        self.language_code = language_code
        self.database_url = database_url
        self.host, self._requested_port = host, port
        self.clock = TravelClock()
        self.standin = BotApiStandIn(
            TOKEN, bot_username="mobility_playground_bot", clock=self._timestamp
        )
        self.users: dict[int, str] = {FIRST_USER: "Alex"}
        self._taps: dict[int, list[str]] = {}  # user -> callback query ids, oldest first
        self._changed = asyncio.Event()
        self._stack: contextlib.AsyncExitStack | None = None
        self._app: BotApplication | None = None
        self._site_runner: web.AppRunner | None = None
        self._port: int | None = None
        self._closing = False

    def _timestamp(self) -> float:
        return self.clock.now().timestamp()

    # ------------------------------------------------------------------ lifecycle

    async def __aenter__(self) -> Playground:
        self._stack = contextlib.AsyncExitStack()
        try:
            await self._stack.enter_async_context(self.standin)
            settings = Settings(
                telegram_bot_token=TOKEN,
                telegram_api_url=self.standin.url,
                database_url=self.database_url,
                content_dir=self.content_dir,
                polling_timeout=1,
                sweep_interval_seconds=SWEEP_EVERY_SECONDS,
                webhook_url=None,
                _env_file=None,
            )
            self.settings = settings
            await asyncio.to_thread(upgrade_to_head, settings.database_url)
            app = build_application(settings, self.content, clock=self.clock)
            self._app = await self._stack.enter_async_context(polling(app, settings))
            await self._serve()
        except BaseException:
            await self._stack.aclose()
            raise
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._closing = True  # open long polls answer now, before the bot goes away
        self._touch()
        if self._site_runner is not None:
            await self._site_runner.cleanup()
            self._site_runner = None
        if self._stack is not None:
            await self._stack.aclose()
            self._stack = None

    async def _serve(self) -> None:
        web_app = web.Application(client_max_size=64 * 1024, middlewares=[_refusals])
        web_app.router.add_get("/", self._index)
        web_app.router.add_get("/static/{name}", self._static)
        web_app.router.add_get("/api/state", self._state)
        web_app.router.add_post("/api/send", self._send)
        web_app.router.add_post("/api/tap", self._tap)
        web_app.router.add_post("/api/location", self._location)
        web_app.router.add_post("/api/users", self._add_user)
        web_app.router.add_post("/api/time", self._time)
        web_app.router.add_get("/api/file/{chat}/{message}", self._file)
        runner = web.AppRunner(web_app, access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        site = web.TCPSite(runner, self.host, self._requested_port)
        try:
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self._site_runner = runner
        self._port = int(runner.addresses[0][1])

    @property
    def url(self) -> str:
        if self._port is None:
            raise RuntimeError("the playground is not running")
        return f"http://{self.host}:{self._port}/"

    @property
    def db(self) -> Database:
        assert self._app is not None
        deps = deps_of(self._app)
        assert deps.db is not None
        return deps.db

    def _touch(self) -> None:
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()

    # ------------------------------------------------------------------ time travel

    async def travel(self, action: str, *, user: int, day: str = "", at: str = "") -> datetime:
        """Move the bot's clock forward, then run a reminder sweep at once (the regular one
        runs every few seconds). Raises TravelError with a sentence for the page."""
        now = self.clock.now()
        if action == "hour":
            target = now + timedelta(hours=1)
        elif action == "day":
            target = now + timedelta(days=1)
        elif action == "next":
            target = max(now, await self._next_due(user))
        elif action == "at":
            target = await self._local_instant(user, day, at)
            if target < now:
                raise TravelError("That time has passed: time only moves forward here.")
        else:
            raise TravelError(f"Unknown time control {action!r}.")
        self.clock.travel_to(target)
        log.info("event=time_travel offset_seconds=%d", self.clock.offset.total_seconds())
        self._touch()
        await self.sweep()
        return self.clock.now()

    @property
    def app(self) -> BotApplication | None:
        """The bot inside (None until started)."""
        return self._app

    async def sweep(self) -> None:
        assert self._app is not None
        env = Env(self.db, self.content, self.clock)
        await sweep(self._app.bot, env, now=self.clock.now(), config=sweep_config(self.settings))

    async def _runner(self, user: int) -> User | None:
        async with self.db.read() as session:
            return await users.get(session, telegram_user_id=user)

    async def _next_due(self, user: int) -> datetime:
        row = await self._runner(user)
        due = _next_due_of(row)
        if due is None:
            name = self.users.get(user, "this runner")
            if row is not None and row.status is UserStatus.PAUSED:
                raise TravelError(f"{name} is paused until /resume: no reminder will come.")
            raise TravelError(
                f"Nothing is scheduled for {name}: finish /start, or /resume if paused."
            )
        return due

    async def _local_instant(self, user: int, day: str, at: str) -> datetime:
        try:
            local_time = parse_time(at)
        except ValueError as exc:
            raise TravelError(f"{at!r} is not a time; try 07:29.") from exc
        zone = _zone_of(await self._runner(user))
        today = self.clock.now().astimezone(zone).date()
        offsets = {"today": 0, "tomorrow": 1}
        if day not in offsets:
            raise TravelError("Pick today or tomorrow.")
        local_day = today + timedelta(days=offsets[day])
        return datetime.combine(local_day, local_time, tzinfo=zone).astimezone(UTC)

    # ------------------------------------------------------------------ the page's view

    async def snapshot(self, user: int) -> dict[str, Any]:
        """What the page shows for one runner's chat."""
        row = await self._runner(user)
        zone_name = row.time_zone if row is not None else None
        reminder = row.reminder_time if row is not None else None
        next_due = _next_due_of(row)
        zone = _zone_of(row)
        now = self.clock.now().astimezone(zone)
        suggested = (
            (datetime.combine(date.min, reminder) - timedelta(minutes=1)).strftime("%H:%M")
            if reminder is not None and reminder.hour + reminder.minute > 0
            else "07:29"
        )
        return {
            "users": [{"id": uid, "name": name} for uid, name in self.users.items()],
            "user": user,
            "bot_name": self.standin.bot_first_name,
            "commands": list(self.standin.menu_for(user, self.language_code)),
            "clock": {
                "label": now.strftime("%a %d %b %Y, %H:%M"),
                "zone": zone_name or "UTC",
                "ahead": _ahead(self.clock.offset),
                "next": None if next_due is None else _when(next_due.astimezone(zone), now),
                "next_kind": _next_kind(row, next_due),
                "paused_until": _paused_until(row, zone),
                "suggested": suggested,
            },
            "messages": [
                _message_view(m, zone, this_year=now.year)
                for m in self.standin.chat_messages(user, from_bot=None)
            ],
            "toasts": self._toasts(user),
        }

    def _toasts(self, user: int) -> list[dict[str, Any]]:
        shown = []
        for query_id in self._taps.get(user, [])[-5:]:
            answer = self.standin.answered_callbacks.get(query_id)
            if answer and answer.get("text"):
                shown.append(
                    {
                        "id": query_id,
                        "text": str(answer["text"]),
                        "alert": bool(answer.get("show_alert")),
                    }
                )
        return shown

    # ------------------------------------------------------------------ HTTP handlers

    async def _index(self, request: web.Request) -> web.StreamResponse:
        return self._static_file("index.html")

    async def _static(self, request: web.Request) -> web.StreamResponse:
        return self._static_file(request.match_info["name"])

    @staticmethod
    def _static_file(name: str) -> web.StreamResponse:
        path = STATIC / name
        if not re.fullmatch(r"[a-z]+\.(html|js|css)", name) or not path.is_file():
            raise web.HTTPNotFound()
        return web.Response(
            body=path.read_bytes(),
            content_type=_STATIC_TYPES[path.suffix],
            headers={"Cache-Control": "no-store"},
        )

    async def _state(self, request: web.Request) -> web.StreamResponse:
        user = self._user(request.query.get("user", str(FIRST_USER)))
        since = request.query.get("since", "")
        loop = asyncio.get_running_loop()
        deadline = loop.time() + LONG_POLL_SECONDS
        while True:
            if self._closing:
                raise _bad("The playground is stopping.")
            view = await self.snapshot(user)
            version = hashlib.sha256(
                json.dumps(view, sort_keys=True, default=str).encode()
            ).hexdigest()[:16]
            remaining = deadline - loop.time()
            if version != since or remaining <= 0:
                view["version"] = version
                return web.json_response(view)
            # Wake on a bot call or update (the stand-in), or on a clock or runner change
            # (ours); the waiter that did not fire is cancelled, never left pending.
            waiters = {
                asyncio.ensure_future(self._changed.wait()),
                asyncio.ensure_future(self.standin.wait_changed(min(remaining, 1.0))),
            }
            try:
                await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for waiter in waiters:
                    waiter.cancel()

    async def _send(self, request: web.Request) -> web.StreamResponse:
        body = await _json(request)
        user = self._user(body.get("user"))
        text = body.get("text")
        if not isinstance(text, str) or not text.strip():
            raise _bad("Type a message first.")
        if len(text) > MAX_TEXT:
            raise _bad(f"Telegram messages are at most {MAX_TEXT} characters.")
        self.standin.user_text(
            user, text.strip(), first_name=self.users[user], language_code=self.language_code
        )
        return web.json_response({"ok": True})

    async def _tap(self, request: web.Request) -> web.StreamResponse:
        body = await _json(request)
        user = self._user(body.get("user"))
        message_id, data = body.get("message_id"), body.get("data")
        message = self.standin.messages.get((user, message_id)) if type(message_id) is int else None
        if message is None or message.deleted or not message.from_bot:
            raise _bad("That message is gone.")
        if not any(b.get("callback_data") == data for b in message.buttons()):
            raise _bad("That button is gone.")
        query_id = self.standin.user_tap(user, message, str(data), first_name=self.users[user])
        self._taps.setdefault(user, []).append(query_id)
        return web.json_response({"ok": True})

    async def _location(self, request: web.Request) -> web.StreamResponse:
        body = await _json(request)
        user = self._user(body.get("user"))
        latitude, longitude = body.get("latitude"), body.get("longitude")
        if not isinstance(latitude, int | float) or not isinstance(longitude, int | float):
            raise _bad("A location needs a latitude and a longitude.")
        if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
            raise _bad("That is not a place on Earth.")
        self.standin.user_location(user, float(latitude), float(longitude))
        return web.json_response({"ok": True})

    async def _add_user(self, request: web.Request) -> web.StreamResponse:
        body = await _json(request)
        name = body.get("name")
        if name is None or (isinstance(name, str) and not name.strip()):
            name = f"Runner {len(self.users) + 1}"
        if not isinstance(name, str) or len(name.strip()) > MAX_NAME:
            raise _bad(f"A name is 1 to {MAX_NAME} characters.")
        user = max(self.users) + 1
        self.users[user] = name.strip()
        self._touch()
        return web.json_response({"ok": True, "user": user})

    async def _time(self, request: web.Request) -> web.StreamResponse:
        body = await _json(request)
        user = self._user(body.get("user"))
        try:
            await self.travel(
                str(body.get("action")),
                user=user,
                day=str(body.get("day", "")),
                at=str(body.get("at", "")),
            )
        except TravelError as exc:
            raise _bad(str(exc)) from exc
        return web.json_response({"ok": True})

    async def _file(self, request: web.Request) -> web.StreamResponse:
        try:
            key = (int(request.match_info["chat"]), int(request.match_info["message"]))
        except ValueError:
            raise web.HTTPNotFound() from None
        message = self.standin.messages.get(key)
        if message is None or message.deleted:
            raise web.HTTPNotFound()
        if message.photo is not None:
            return web.Response(body=message.photo, content_type="image/png")
        if message.document is not None:
            name = re.sub(r"[^A-Za-z0-9._-]", "_", message.document_name or "file")
            return web.Response(
                body=message.document,
                content_type=message.mime_type or "application/octet-stream",
                headers={"Content-Disposition": f'attachment; filename="{name}"'},
            )
        raise web.HTTPNotFound()

    def _user(self, value: Any) -> int:
        try:
            user = int(value)
        except (TypeError, ValueError):
            raise _bad("Unknown runner.") from None
        if user not in self.users:
            raise _bad("Unknown runner.")
        return user


class _Refused(Exception):
    """A request the page should explain to the person using it (answered 200, ok=false,
    so that a friendly refusal never shows up as a failed request in the browser)."""


def _bad(message: str) -> _Refused:
    return _Refused(message)


@web.middleware
async def _refusals(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    try:
        return await handler(request)
    except _Refused as refused:
        return web.json_response({"ok": False, "error": str(refused)})


async def _json(request: web.Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError:
        raise _bad("The request is not JSON.") from None
    if not isinstance(body, dict):
        raise _bad("The request is not a JSON object.")
    return body


def _next_due_of(row: User | None) -> datetime | None:
    """The runner's next reminder or morning question, whichever comes first. A paused
    runner gets no morning question (the sweep drops it), and their next reminder is
    already the first one after the pause (None: paused until they /resume)."""
    if row is None:
        return None
    if row.status is UserStatus.PAUSED:
        return row.next_reminder_at
    return min(
        (t for t in (row.next_reminder_at, row.next_morning_at) if t is not None), default=None
    )


def _next_kind(row: User | None, due: datetime | None) -> str:
    """What comes at `due`: "reminder" or "morning question"."""
    if row is None or due is None or due != row.next_morning_at or due == row.next_reminder_at:
        return "reminder"
    return "morning question"


def _paused_until(row: User | None, zone: tzinfo) -> str | None:
    """A paused runner gets nothing until the pause ends, so the page says when it ends
    ('Thu 10 Dec'; "" when paused until /resume), not when a reminder would have come.
    None when not paused."""
    if row is None or row.status is not UserStatus.PAUSED:
        return None
    return "" if row.paused_until is None else _day_text(row.paused_until.astimezone(zone))


def _when(local: datetime, now: datetime) -> str:
    """'today 07:30', 'tomorrow 08:00', 'Thu 10 Dec 07:30': short enough for a phone."""
    days = (local.date() - now.date()).days
    day = {0: "today", 1: "tomorrow"}.get(days) or _day_text(local)
    return f"{day} {local:%H:%M}"


def _day_text(local: datetime) -> str:
    """'Thu 10 Dec', as the bot writes a day."""
    return f"{local:%a} {local.day} {local:%b}"


def _day_label(local: date, this_year: int) -> str:
    """The chat's date separator, as Telegram writes it: 'Thursday, 10 December', with the
    year when it is not the clock's."""
    label = f"{local:%A}, {local.day} {local:%B}"
    return label if local.year == this_year else f"{label} {local.year}"


def _zone_of(row: User | None) -> tzinfo:
    """The runner's zone as the bot stores it: an IANA name, "UTC" or "UTC+05:30"."""
    return tzinfo_for(row.time_zone) if row is not None and row.time_zone else UTC


def _ahead(offset: timedelta) -> str:
    """How far the bot's clock is ahead of real time, e.g. "1 d 2 h 5 min" ("" if not)."""
    minutes = int(offset.total_seconds() // 60)
    if minutes <= 0:
        return ""
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    parts = [(days, "d"), (hours, "h"), (mins, "min")]
    return " ".join(f"{value} {unit}" for value, unit in parts if value)


def _message_view(message: StoredMessage, zone: tzinfo, *, this_year: int) -> dict[str, Any]:
    text = message.text
    if text is not None and message.parse_mode:
        # The page shows plain text; formatting tags are dropped, never interpreted.
        text = html.unescape(re.sub(r"<[^>]*>", "", text))
    rows = (message.reply_markup or {}).get("inline_keyboard") or []
    buttons = [
        [
            {"text": str(b.get("text", "")), "data": b.get("callback_data"), "url": b.get("url")}
            for b in row
        ]
        for row in rows
    ]
    file_url = f"/api/file/{message.chat_id}/{message.message_id}"
    sent = datetime.fromtimestamp(message.date, UTC).astimezone(zone)
    return {
        "id": message.message_id,
        "from_bot": message.from_bot,
        "text": text,
        "buttons": buttons,
        "photo": f"{file_url}?v={message.edits}" if message.photo is not None else None,
        "document": {"url": file_url, "name": message.document_name or "file"}
        if message.document is not None
        else None,
        "location": message.text is None and message.photo is None and message.document is None,
        "edited": message.edits > 0,
        "time": sent.strftime("%H:%M"),
        # The bot's clock when it was sent, in the runner's zone: time travel changes days.
        "day": sent.date().isoformat(),
        "day_label": _day_label(sent.date(), this_year),
    }
