"""The HTTP side: an aiohttp server answering ``/bot<token>/<method>`` like Telegram, reading
parameters the way the Bot API does (query string, JSON, form or multipart), dispatching to
the methods, and serving stored files under ``/file/bot<token>/``."""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import Callable, Iterable
from types import TracebackType
from typing import Any

from aiohttp import web
from telegram.constants import FileSizeLimit

from bot.devtools.standin.errors import ApiError, bad
from bot.devtools.standin.faults import Faults
from bot.devtools.standin.limits import FloodControl
from bot.devtools.standin.methods import BotApiMethods, Handler
from bot.devtools.standin.store import UploadedFile, method_key
from bot.devtools.standin.user import UserSide

# Bots may upload files of up to 50 MB (https://core.telegram.org/bots/api#sending-files,
# FileSizeLimit.FILESIZE_UPLOAD); api.telegram.org answers a larger request 413 "Request
# Entity Too Large" (as reported in tdlib/telegram-bot-api#720).
MAX_UPLOAD_BYTES = int(FileSizeLimit.FILESIZE_UPLOAD)

# Form fields whose values are free text or opaque ids: never coerced to numbers, booleans or JSON.
_TEXT_FIELDS = frozenset(
    [
        "text",
        "caption",
        "data",
        "callback_query_id",
        "inline_message_id",
        "description",
        "short_description",
        "name",
        "title",
        "url",
        "parse_mode",
        "first_name",
        "last_name",
        "username",
        "query",
        "emoji",
        "action",
        "secret_token",
        "file_id",
        "language_code",
        "question",
        "explanation",
        "address",
        "switch_inline_query",
        "business_connection_id",
        "message_effect_id",
        "ip_address",
        "photo",
        "document",
        "sticker",
        "video",
        "audio",
        "animation",
        "voice",
        "video_note",
        "thumbnail",
        "cover",
    ]
)
_INT_RE = re.compile(r"-?\d+")
_FLOAT_RE = re.compile(r"-?\d+\.\d*")


def _coerce(key: str, value: Any) -> Any:
    """Turn form strings into what Telegram would read: JSON objects, numbers, booleans."""
    if isinstance(value, bytes | bytearray):
        value = bytes(value).decode("utf-8", "replace")
    if not isinstance(value, str) or key in _TEXT_FIELDS:
        return value
    stripped = value.strip()
    if stripped[:1] in ("{", "["):
        try:
            return json.loads(stripped)
        except ValueError:
            return value
    if stripped in ("true", "false"):
        return stripped == "true"
    if _INT_RE.fullmatch(stripped):
        return int(stripped)
    if _FLOAT_RE.fullmatch(stripped):
        return float(stripped)
    return value


class BotApiStandIn(UserSide, BotApiMethods):
    """An in-process Telegram Bot API for one bot token; see :mod:`bot.devtools.standin`.

    Two time sources can be injected:

    * ``clock``: seconds since the epoch, the ``date`` and ``edit_date`` of messages (the
      playground passes its movable clock);
    * ``monotonic``: seconds on a monotonic scale for what Telegram measures as durations
      (the flood limits' refill, see :attr:`flood`) and for the ``at`` given to call
      observers. A test can pass a fake one and move it instead of sleeping.

    Every call is kept in :attr:`calls` as ``(method, params)``. An error answer adds
    ``params["_error"]`` (the HTTP status), ``params["_description"]`` and one mark of why:
    ``"_refused"`` (a rule of Telegram's, see :meth:`refused_calls`), ``"_fault"`` (injected
    with :meth:`inject_error`) or ``"_limited"`` (a flood limit, see :meth:`limited_calls`).

    Waiting (long polls, the ``wait_*`` helpers) really waits on the event loop, so it
    always follows real time.

    Two hooks let a test or a benchmark watch without subclassing; both are plain lists of
    callables, called synchronously on the event loop, and an exception in one is logged,
    never passed to the bot:

    * :attr:`subscribers`: ``subscriber(event, message)`` after a message is stored
      (``"new"``), edited (``"edit"``) or deleted (``"delete"``), from either side;
    * :attr:`call_observers`: ``observer(method, params, at)`` when a Bot API call arrives,
      once its parameters are read and before injected errors, the flood limits or the
      method itself answer it. ``method`` is Telegram's spelling for known methods
      ("answerCallbackQuery"), otherwise as requested; ``params`` is the same dict that
      :attr:`calls` records (read it, don't change it; the error marks above are added to
      it later if the answer is an error); ``at`` is ``monotonic()`` at arrival. Calls whose
      body cannot be parsed are answered 400 without reaching observers.
    """

    def __init__(
        self,
        token: str,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        bot_id: int = 7000001,
        bot_username: str = "mobility_test_bot",
        clock: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(bot_id=bot_id, bot_username=bot_username, clock=clock)
        self.token = token
        self.host = host
        self.monotonic = monotonic
        self._requested_port = port
        self._port: int | None = None
        self._runner: web.AppRunner | None = None
        self._faults = Faults()
        # Each Bot API call (but getUpdates) answered this much later: Telegram's round trip
        # from a server, which the stand-in on the same machine does not have.
        self.latency_seconds = 0.0
        self._held: dict[str, asyncio.Event] = {}
        # Follows a reassigned clock; user actions add their pace (see user_pace_seconds).
        self.flood = FloodControl(lambda: self.monotonic() + self._user_time)
        self._methods: dict[str, tuple[str, Handler]] = {
            name.lower(): (name, handler) for name, handler in self._method_handlers()
        }

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        """Bind and serve; with port 0 a free port is chosen (see :attr:`url`)."""
        if self._runner is not None:
            raise RuntimeError("the stand-in is already running")
        self._closing = False
        self._changed = asyncio.Event()
        app = web.Application(client_max_size=MAX_UPLOAD_BYTES)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=2.0)
        await runner.setup()
        try:
            site = web.TCPSite(runner, self.host, self._requested_port)
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        self._port = int(runner.addresses[0][1])

    async def stop(self) -> None:
        """Answer pending long polls with no updates, then close the server."""
        runner, self._runner = self._runner, None
        if runner is None:
            return
        self._closing = True
        for gate in self._held.values():  # nothing held is left waiting on a stopped server
            gate.set()
        self._notify()
        await asyncio.sleep(0)  # let the released long polls write their answers
        await runner.cleanup()
        self._port = None

    async def __aenter__(self) -> BotApiStandIn:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.stop()

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("the stand-in is not running; call start() first")
        return self._port

    @property
    def url(self) -> str:
        """The API root, e.g. ``http://127.0.0.1:PORT`` (the bot's TELEGRAM_API_URL)."""
        return f"http://{self.host}:{self.port}"

    # ------------------------------------------------------------------ faults

    @property
    def rate_limit_per_second(self) -> float | None:
        """Messages sent or edited per second over all chats; None: no limit. Beyond it
        (after a burst of one second's worth) calls are answered 429 "retry after N", as
        Telegram does. Defaults to Telegram's 30 per second; the per-chat and per-group
        limits are on :attr:`flood` (:class:`~bot.devtools.standin.limits.FloodControl`)."""
        return self.flood.rate_limit_per_second

    @rate_limit_per_second.setter
    def rate_limit_per_second(self, rate: float | None) -> None:
        self.flood.rate_limit_per_second = rate

    def lift_flood_limits(self) -> None:
        """No flood limit at all: for benchmarks that measure the bot, not Telegram."""
        self.flood.rate_limit_per_second = None
        self.flood.chat_rate_per_second = None
        self.flood.group_rate_per_minute = None

    def inject_error(
        self,
        chat_id: int,
        status: int,
        *,
        times: int = 1,
        retry_after: int | None = None,
        methods: Iterable[str] | None = None,
        description: str | None = None,
    ) -> None:
        """Answer the next ``times`` calls carrying this chat_id (optionally only of ``methods``)
        with HTTP ``status`` and Telegram's error body for it."""
        self._faults.inject_error(
            chat_id,
            status,
            times=times,
            retry_after=retry_after,
            methods=methods,
            description=description,
        )

    def clear_errors(self) -> None:
        """Forget injected errors that have not fired yet."""
        self._faults.clear_errors()

    def hold(self, method: str) -> asyncio.Event:
        """Calls of ``method`` wait, unanswered, until the returned event is set: which
        calls a bot makes before it has the answer to this one."""
        key = method_key(method)
        gate = self._held.get(key)
        if gate is None or gate.is_set():  # still held: the same gate, none left waiting
            gate = self._held[key] = asyncio.Event()
        return gate

    # ------------------------------------------------------------------ HTTP

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        path = request.match_info.get("tail", "")
        if path.startswith("file/bot"):
            return self._serve_file(path.removeprefix("file/bot"))
        match = re.fullmatch(r"bot([^/]+)/([^/]+)/?", path)
        if match is None:
            return self._error_response(ApiError(404, "Not Found"))
        token, method = match.groups()
        if token != self.token:
            return self._error_response(ApiError(401, "Unauthorized"))
        entry = self._methods.get(method.lower())
        name = entry[0] if entry else method
        params: dict[str, Any] = {}
        self.calls.append((name, params))
        if name != "getUpdates":
            self._last_activity = time.monotonic()
        try:
            try:
                params.update(await self._read_params(request))
            except ConnectionResetError:
                # The client went away before its body arrived (a bot stopping mid-call):
                # nothing was carried out, and no one is left to answer. The call stays in
                # the record, marked, so that positions in it stay as waiters counted them.
                params.update(_error=400, _description="the body never arrived", _gone=True)
                self._notify()
                return web.Response(status=400)
            self._notify()
            self._observe_call(name, params, self.monotonic())
            if entry is None:
                raise ApiError(404, "Not Found")
            if name != "getUpdates" and self.latency_seconds > 0:
                await asyncio.sleep(self.latency_seconds)
            gate = self._held.get(method_key(name))
            if gate is not None:
                await gate.wait()
            tapped_in = self._callback_chats.get(str(params.get("callback_query_id")))
            self._faults.check(name, params, tapped_in)
            self.flood.check(name, params.get("chat_id"))
            result = await entry[1](params)
        except ApiError as error:
            params["_error"] = error.status
            params["_description"] = error.description
            params[f"_{error.kind}"] = True
            self._notify()
            return self._error_response(error)
        self._notify()
        return web.json_response({"ok": True, "result": result})

    @staticmethod
    def _error_response(error: ApiError) -> web.Response:
        return web.json_response(error.body(), status=error.status)

    async def _read_params(self, request: web.Request) -> dict[str, Any]:
        raw: dict[str, Any] = dict(request.query)
        try:
            await self._read_body(request, raw)
        except web.HTTPRequestEntityTooLarge:
            raise ApiError(413, "Request Entity Too Large") from None
        params = {key: _coerce(key, value) for key, value in raw.items()}
        for key, value in list(params.items()):
            # "attach://<part>" points at another multipart part carrying the file.
            if isinstance(value, str) and value.startswith("attach://"):
                part = params.get(value.removeprefix("attach://"))
                if isinstance(part, UploadedFile):
                    params[key] = part
        return params

    async def _read_body(self, request: web.Request, raw: dict[str, Any]) -> None:
        if request.method == "POST" and request.can_read_body:
            content_type = request.content_type
            if content_type == "application/json":
                try:
                    body = await request.json()
                except ValueError as exc:
                    raise bad("can't parse JSON encoded request body") from exc
                if not isinstance(body, dict):
                    raise bad("JSON request body must be an object")
                raw.update(body)
            elif content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
                form = await request.post()
                for key, value in form.items():
                    if isinstance(value, web.FileField):
                        raw[key] = UploadedFile(
                            filename=value.filename,
                            content_type=value.content_type,
                            data=value.file.read(),
                        )
                    else:
                        raw[key] = value

    def _serve_file(self, rest: str) -> web.Response:
        token, _, file_path = rest.partition("/")
        if token != self.token:
            return self._error_response(ApiError(401, "Unauthorized"))
        file_id = self._file_paths.get(file_path)
        if file_id is None:
            return self._error_response(ApiError(404, "Not Found"))
        stored = self._files[file_id]
        return web.Response(
            body=stored.data, content_type=stored.mime_type or "application/octet-stream"
        )
