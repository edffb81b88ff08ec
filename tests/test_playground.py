"""The playground's API as the page uses it: time travel, bad requests, several runners.
(The page itself is driven in a real browser in test_playground_browser.py.)"""

from __future__ import annotations

import asyncio
import re
import signal
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
import pytest

from bot.app import build_application, stop_signals
from bot.clock import ManualClock, SystemClock, TravelClock
from bot.config import Settings
from bot.content import DEFAULT_CONTENT_DIR, Content
from bot.context import DEPS_KEY
from bot.devtools.playground import Playground
from bot.devtools.playground.server import FIRST_USER
from tests.utils.playground import start_playground
from tests.utils.settle import until_handled


class Page:
    """What the page's script does, over HTTP."""

    def __init__(self, playground: Playground, http: aiohttp.ClientSession) -> None:
        self.playground, self.http, self.user = playground, http, FIRST_USER

    async def post(self, path: str, **body: Any) -> dict[str, Any]:
        body.setdefault("user", self.user)
        async with self.http.post(self.playground.url + path, json=body) as response:
            assert response.status == 200
            result: dict[str, Any] = await response.json()
            return result

    async def state(self, since: str = "") -> dict[str, Any]:
        url = f"{self.playground.url}api/state?user={self.user}&since={since}"
        async with self.http.get(url) as response:
            assert response.status == 200
            result: dict[str, Any] = await response.json()
            return result

    async def say(self, text: str) -> dict[str, Any]:
        assert (await self.post("api/send", text=text))["ok"]
        return await self.settled()

    async def tap(self, label: str) -> dict[str, Any]:
        view = await self.state()
        for message in reversed(view["messages"]):
            for row in message["buttons"]:
                for button in row:
                    if button["text"] == label:
                        result = await self.post(
                            "api/tap", message_id=message["id"], data=button["data"]
                        )
                        assert result["ok"], result
                        return await self.settled()
        raise AssertionError(f"no {label!r} button")

    async def settled(self) -> dict[str, Any]:
        """The chat once the bot has handled everything sent to it (waiting on the bot
        itself, not on a quiet period, which a slow machine outlasts)."""
        app = self.playground.app
        assert app is not None
        await until_handled(self.playground.standin, app)
        return await self.state()

    def bot_texts(self, view: dict[str, Any]) -> list[str]:
        return [m["text"] or "" for m in view["messages"] if m["from_bot"]]


@pytest.fixture
async def page(tmp_path: Path, content: Content) -> AsyncIterator[Page]:
    playground = Playground(
        content,
        content_dir=DEFAULT_CONTENT_DIR,
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'playground.db'}",
        port=0,
    )
    async with playground, aiohttp.ClientSession() as http:
        yield Page(playground, http)


async def onboard(page: Page, zone: str = "Europe/Berlin") -> dict[str, Any]:
    await page.say("/start")
    for label in ("No", "No", "No", "3", "Yes, I have one"):
        await page.tap(label)
    await page.say("7:30")
    await page.tap("08:00")  # the morning question
    await page.say(zone)
    return await page.tap("Save")


async def test_next_reminder_arrives_once_and_time_only_moves_forward(page: Page) -> None:
    refused = await page.post("api/time", action="next")
    assert refused == {
        "ok": False,
        "error": "Nothing is scheduled for Alex: finish /start, or /resume if paused.",
    }

    view = await onboard(page)
    assert view["clock"]["zone"] == "Europe/Berlin"
    assert view["clock"]["next"].endswith("07:30")
    assert view["clock"]["suggested"] == "07:29"
    before = page.playground.clock.now()

    assert (await page.post("api/time", action="next"))["ok"]
    view = await page.settled()
    reminders = [t for t in page.bot_texts(view) if t.startswith("Time for your routine")]
    assert len(reminders) == 1
    moved = page.playground.clock.now()
    local = moved.astimezone(ZoneInfo("Europe/Berlin"))
    assert (local.hour, local.minute) == (7, 30)
    assert view["clock"]["ahead"]  # the page says how far ahead of real time it is

    # The same day's reminder never comes twice, whatever the sweeps.
    await page.playground.sweep()
    assert (await page.post("api/time", action="hour"))["ok"]
    view = await page.settled()
    assert sum(t.startswith("Time for your routine") for t in page.bot_texts(view)) == 1
    assert page.playground.clock.now() - moved >= timedelta(hours=1)

    # Backwards is refused, in words.
    past = await page.post("api/time", action="at", day="today", at="00:01")
    assert past == {"ok": False, "error": "That time has passed: time only moves forward here."}
    assert (await page.post("api/time", action="at", day="today", at="noonish"))["ok"] is False
    assert (await page.post("api/time", action="at", day="yesterday", at="7:00"))["ok"] is False
    assert (await page.post("api/time", action="rewind"))["ok"] is False
    assert page.playground.clock.now() >= before


async def test_snooze_comes_back_after_thirty_minutes_of_travel(page: Page) -> None:
    await onboard(page)
    await page.post("api/time", action="next")
    await page.settled()
    view = await page.tap("Snooze 30 min")
    assert "Snoozed: I'll remind you again at 08:00." in page.bot_texts(view)
    await page.post("api/time", action="at", day="today", at="07:59")
    view = await page.settled()
    assert not any(t.startswith("Time for your routine") for t in page.bot_texts(view))
    await page.post("api/time", action="at", day="today", at="08:01")
    view = await page.settled()
    again = [m for m in view["messages"] if (m["text"] or "").startswith("Time for your routine")]
    assert len(again) == 1
    labels = [b["text"] for row in again[0]["buttons"] for b in row]
    assert "Snooze 30 min" not in labels  # once a day


async def test_the_morning_after_a_session_asks_about_the_back(page: Page) -> None:
    await onboard(page)
    await page.tap("Start first session")
    for _ in range(20):
        view = await page.state()
        last = [m for m in view["messages"] if m["from_bot"]][-1]
        if "✅ Done" not in [b["text"] for row in last["buttons"] or [] for b in row]:
            break  # no step left (one step alone has no "Step 1 of 1")
        await page.tap("✅ Done")
    await page.tap("2")
    # Reminders at 07:30 (today's too, if the test runs before it), then the morning
    # question at 08:00 the day after the session.
    for _ in range(3):
        await page.post("api/time", action="next")
        view = await page.settled()
        if page.bot_texts(view)[-1].startswith("Good morning!"):
            break
    assert page.bot_texts(view)[-1].startswith("Good morning! How's your back this morning?")
    local = page.playground.clock.now().astimezone(ZoneInfo("Europe/Berlin"))
    assert (local.hour, local.minute) == (8, 0)
    view = await page.tap("1")
    assert "Logged 1/10" in page.bot_texts(view)[-1]


async def test_tomorrow_at_a_time_in_the_runners_zone(page: Page) -> None:
    await onboard(page)
    assert (await page.post("api/time", action="at", day="tomorrow", at="07:29"))["ok"]
    local = page.playground.clock.now().astimezone(ZoneInfo("Europe/Berlin"))
    real_local = datetime.now(UTC).astimezone(local.tzinfo)
    assert (local.hour, local.minute) == (7, 29)
    assert local.date() == real_local.date() + timedelta(days=1)


async def test_time_travel_in_a_fixed_offset_zone(page: Page) -> None:
    view = await onboard(page, zone="+05:30")
    assert view["clock"]["zone"] == "UTC+05:30"
    assert view["clock"]["next"].endswith("07:30")
    india = timezone(timedelta(hours=5, minutes=30))

    assert (await page.post("api/time", action="at", day="tomorrow", at="07:29"))["ok"]
    local = page.playground.clock.now().astimezone(india)
    assert (local.hour, local.minute) == (7, 29)
    assert local.date() == datetime.now(india).date() + timedelta(days=1)
    assert (await page.post("api/time", action="at", day="today", at="07:31"))["ok"]
    local = page.playground.clock.now().astimezone(india)
    assert (local.hour, local.minute) == (7, 31)

    view = await page.settled()
    assert view["clock"]["label"].endswith("07:31")
    assert any(t.startswith("Time for your routine") for t in page.bot_texts(view))


async def test_a_paused_runner_is_told_when_the_pause_ends(page: Page) -> None:
    """No reminder and no morning question comes while paused: the page says when the
    pause ends, and "to next reminder" goes to the first reminder after it."""
    await onboard(page)
    await page.say("/pause")
    view = await page.tap("1 week")
    berlin = ZoneInfo("Europe/Berlin")
    now = page.playground.clock.now().astimezone(berlin)
    ends = now + timedelta(days=7)
    assert view["clock"]["paused_until"] == f"{ends:%a} {ends.day} {ends:%b}"  # Thu 10 Dec
    assert view["clock"]["next_kind"] == "reminder"

    assert (await page.post("api/time", action="next"))["ok"]
    view = await page.settled()
    local = page.playground.clock.now().astimezone(berlin)
    assert (local.hour, local.minute) == (7, 30)
    assert local.date() >= ends.date()
    assert view["clock"]["paused_until"] is None  # the sweep ended the pause
    assert page.bot_texts(view)[-1].startswith("Time for your routine")
    assert not any(t.startswith("Good morning!") for t in page.bot_texts(view))

    await page.say("/pause")
    view = await page.tap("Until I resume")
    assert view["clock"]["paused_until"] == ""
    assert view["clock"]["next"] is None
    refused = await page.post("api/time", action="next")
    assert refused == {"ok": False, "error": "Alex is paused until /resume: no reminder will come."}


async def test_each_message_carries_its_day_in_the_runners_zone(page: Page) -> None:
    """The page puts a date separator where the day changes; time travel changes it."""
    await onboard(page)
    assert (await page.post("api/time", action="day"))["ok"]
    view = await page.say("/help")
    berlin = ZoneInfo("Europe/Berlin")
    today = page.playground.clock.now().astimezone(berlin).date()
    days = [m["day"] for m in view["messages"]]
    assert days == sorted(days)
    assert days[0] < days[-1] == today.isoformat()  # set up yesterday, by the bot's clock
    newest = view["messages"][-1]
    assert newest["day_label"] == f"{today:%A}, {today.day} {today:%B}"  # no year: this one


async def test_bad_requests_get_a_sentence_and_change_nothing(page: Page) -> None:
    await page.say("/start")
    view = await page.state()
    count = len(view["messages"])
    newest = view["messages"][-1]
    cases: list[tuple[str, dict[str, Any], str]] = [
        ("api/send", {"text": "   "}, "Type a message first."),
        ("api/send", {"text": "x" * 5000}, "Telegram messages are at most 4096 characters."),
        ("api/send", {"user": 999, "text": "hi"}, "Unknown runner."),
        ("api/send", {"user": "abc", "text": "hi"}, "Unknown runner."),
        ("api/tap", {"message_id": newest["id"], "data": "1|forged"}, "That button is gone."),
        ("api/tap", {"message_id": 9999, "data": "x"}, "That message is gone."),
        ("api/tap", {"message_id": "1", "data": "x"}, "That message is gone."),
        ("api/location", {"latitude": 91, "longitude": 0}, "That is not a place on Earth."),
        ("api/location", {"latitude": "n"}, "A location needs a latitude and a longitude."),
        ("api/users", {"name": "x" * 65}, "A name is 1 to 64 characters."),
        ("api/users", {"name": 5}, "A name is 1 to 64 characters."),
    ]
    for path, body, error in cases:
        assert await page.post(path, **body) == {"ok": False, "error": error}, (path, body)
    async with page.http.post(page.playground.url + "api/send", data=b"{not json") as response:
        assert (await response.json())["error"] == "The request is not JSON."
    async with page.http.get(page.playground.url + "static/..%2Fserver.py") as response:
        assert response.status == 404
    async with page.http.get(page.playground.url + "api/file/1001/9999") as response:
        assert response.status == 404
    view = await page.settled()
    assert len(view["messages"]) == count
    assert [u["name"] for u in view["users"]] == ["Alex"]


async def test_runners_have_their_own_chats(page: Page) -> None:
    await page.say("/start")
    created = await page.post("api/users", name="  Sam ")
    assert created["ok"]
    sam = created["user"]
    page.user = sam
    view = await page.state()
    assert view["messages"] == []
    assert [u["name"] for u in view["users"]] == ["Alex", "Sam"]
    view = await page.say("/help")
    assert all(m["from_bot"] or m["text"] == "/help" for m in view["messages"])
    unnamed = await page.post("api/users", name="")
    assert unnamed["ok"]
    names = [u["name"] for u in (await page.state())["users"]]
    assert names == ["Alex", "Sam", "Runner 3"]


async def test_shared_location_sets_the_zone(page: Page) -> None:
    await page.say("/start")
    for label in ("No", "No", "No", "3", "Yes, I have one"):
        await page.tap(label)
    await page.say("7:30")
    await page.tap("08:00")  # the morning question
    assert (await page.post("api/location", latitude=27.717, longitude=85.324))["ok"]
    view = await page.settled()
    assert any("Asia/Kathmandu" in t for t in page.bot_texts(view))


async def test_the_long_poll_waits_for_a_change(page: Page) -> None:
    view = await page.state()
    waiting = asyncio.create_task(page.state(since=view["version"]))
    await asyncio.sleep(0.3)
    assert not waiting.done()
    await page.post("api/send", text="/help")
    changed = await waiting
    assert changed["version"] != view["version"]
    assert changed["messages"][0]["text"] == "/help"


def test_only_the_playground_can_move_time(
    make_settings: Any, content: Content, clock: ManualClock
) -> None:
    settings: Settings = make_settings()
    app = build_application(settings, content)
    real = app.bot_data[DEPS_KEY].clock
    assert isinstance(real, SystemClock)
    assert not hasattr(real, "advance")
    assert not hasattr(real, "travel_to")

    travel = TravelClock(clock)
    start = travel.now()
    travel.advance(timedelta(hours=2))
    assert travel.now() == start + timedelta(hours=2)
    clock.advance(timedelta(minutes=1))  # real time keeps flowing underneath
    assert travel.now() == start + timedelta(hours=2, minutes=1)
    with pytest.raises(ValueError, match="forward"):
        travel.travel_to(start)
    with pytest.raises(ValueError, match="forward"):
        travel.advance(timedelta(seconds=-1))


def test_playground_options_belong_to_the_playground(capsys: pytest.CaptureFixture[str]) -> None:
    from bot.__main__ import main

    for argv in (
        ["run", "--port", "9000"],
        ["migrate", "--db", "x.db"],
        ["doctor", "--no-browser"],
    ):
        with pytest.raises(SystemExit) as exit_info:
            main(argv)
        assert exit_info.value.code == 2
        assert "are for the playground command only" in capsys.readouterr().err
    assert main(["playground", "--port", "70000"]) == 2
    assert "--port must be 0-65535, not 70000" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("stop", "started_in_background"),
    [(signal.SIGINT, False), (signal.SIGINT, True), (signal.SIGTERM, False)],
    ids=["ctrl-c", "ctrl-c-background-job", "sigterm"],
)
def test_the_playground_stops_cleanly_on_a_signal(
    stop: signal.Signals, started_in_background: bool
) -> None:
    """Ctrl-C stops it, also when started as a shell's background job (which starts with
    SIGINT ignored: it used to run on, and a test waiting for it hung), and so does SIGTERM;
    either way it says so and removes its temporary database."""
    process = start_playground(as_background_job=started_in_background)
    try:
        assert process.stdout is not None
        assert "Playground: open http://127.0.0.1:" in process.stdout.readline()
        match = re.match(r"Its database: (.+)$", process.stdout.readline().strip())
        assert match, "the database's path is printed"
        database = Path(match.group(1))
        assert database.exists()
        process.send_signal(stop)
        out, err = process.communicate(timeout=15)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, err[-3000:]
    assert "Playground stopped." in out
    assert "Traceback" not in err, err[-3000:]
    assert not database.parent.exists()  # the temporary folder is gone with it


async def test_where_the_loop_cannot_handle_signals_ctrl_c_stays_as_it_was(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Windows' event loops have no add_signal_handler: the playground still starts, and
    Ctrl-C stays Python's KeyboardInterrupt (cmd_playground catches it)."""
    loop = asyncio.get_running_loop()

    def refuse(*_: object) -> None:
        raise NotImplementedError

    before = signal.getsignal(signal.SIGINT)
    monkeypatch.setattr(loop, "add_signal_handler", refuse)
    with stop_signals(signal.SIGINT, signal.SIGTERM) as stop:
        assert not stop.is_set()
    assert signal.getsignal(signal.SIGINT) is before
