"""`python -m bot playground` driven in a real headless Chromium at a phone's size, as a
newcomer would use it: onboard, tap through a session, answer the pain check-in, move the
clock to the next reminder and see it arrive, a new day marked in the chat, see the
/progress picture; the bars stay one line each, long button labels are cut with "…"; no
console errors on the way."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Iterator

import pytest

from tests.utils.playground import start_playground

CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 15_000
PHONE_WIDTH, PHONE_HEIGHT = 390, 844


def chromium_path() -> str:
    """Debian's chromium (CHROMIUM_PATH overrides). In CI a missing browser is a failure;
    .ci/run installs it."""
    path = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium")
    if path:
        return path
    if os.environ.get("CI"):
        pytest.fail("Chromium is not installed; .ci/run installs Debian's chromium")
    pytest.skip("no Chromium on this machine (install Debian's chromium)")


@pytest.fixture
def playground_url() -> Iterator[str]:
    """The real command, in its own process, on a free port; stopped with Ctrl-C."""
    # PYTHONFAULTHANDLER: if it hangs on stopping, SIGABRT shows every thread
    process = start_playground({"LOG_LEVEL": "WARNING", "PYTHONFAULTHANDLER": "1"})
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        match = re.search(r"http://127\.0\.0\.1:\d+/", first)
        assert match, (
            f"no address printed: {first!r} {process.stderr.read() if process.stderr else ''}"
        )
        yield match.group(0)
    finally:
        process.send_signal(signal.SIGINT)
        try:
            _, stderr = process.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            process.send_signal(signal.SIGABRT)
            try:
                _, stderr = process.communicate(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                _, stderr = process.communicate()
    assert process.returncode == 0, stderr[-6000:]
    assert "Traceback" not in stderr, stderr[-6000:]


def test_a_newcomer_tries_the_bot_in_the_browser(playground_url: str) -> None:
    executable = chromium_path()
    from playwright.sync_api import Page, expect, sync_playwright

    problems: list[str] = []

    def tap(page: Page, label: str) -> None:
        """Tap the newest button with exactly this label, as a finger would."""
        buttons = page.locator(".msg.bot .kb button").filter(
            has_text=re.compile(f"^{re.escape(label)}$")
        )
        expect(buttons.last).to_be_visible()
        count = page.locator(".msg.bot").count()
        buttons.last.click()
        wait_for_reply(page, count)

    def say(page: Page, text: str) -> None:
        count = page.locator(".msg.bot").count()
        page.locator("#composer-text").fill(text)
        page.locator("#composer-text").press("Enter")
        expect(page.locator(".msg.me .text").last).to_have_text(text)
        wait_for_reply(page, count)

    def wait_for_reply(page: Page, count: int) -> None:
        """The bot answered: a new message, or the question edited in place."""
        page.wait_for_function(
            "([n, v]) => document.querySelectorAll('.msg.bot').length > n"
            " || document.body.dataset.version !== v",
            arg=[count, page.evaluate("document.body.dataset.version")],
            timeout=TIMEOUT_MS,
        )

    def last_bot(page: Page) -> str:
        return page.locator(".msg.bot .text").last.inner_text()

    with tempfile.TemporaryDirectory() as profile, sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            profile,
            executable_path=executable,
            headless=True,
            args=CHROMIUM_FLAGS,
            viewport={"width": PHONE_WIDTH, "height": PHONE_HEIGHT},
            is_mobile=True,
            has_touch=True,
        )
        context.set_default_timeout(TIMEOUT_MS)
        page = context.new_page()
        page.on(
            "console",
            lambda message: (
                problems.append(f"console {message.type}: {message.text}")
                if message.type in ("error", "warning")
                else None
            ),
        )
        page.on("pageerror", lambda error: problems.append(f"page error: {error}"))

        page.goto(playground_url)
        expect(page.locator("#clock")).to_contain_text("UTC")
        expect(page.locator("#user-select")).to_contain_text("Alex")

        # The command menu lists what setMyCommands registered; /start from it.
        page.locator("#menu-button").click()
        expect(page.locator("#menu [data-command=progress]")).to_be_visible()
        count = page.locator(".msg.bot").count()
        page.locator("#menu [data-command=start]").click()
        wait_for_reply(page, count)
        expect(page.locator(".msg.me .text").last).to_have_text("/start")

        # Onboarding: screening, pain, equipment, then typed time, the morning question,
        # zone, then days.
        tap(page, "No")
        tap(page, "No")
        tap(page, "No")
        tap(page, "3")
        tap(page, "Yes, I have one")
        say(page, "nonsense o'clock")
        assert "7:30" in last_bot(page)  # bad input says what is accepted
        say(page, "7:30")
        tap(page, "08:00")
        say(page, "Berlin")
        tap(page, "Save")
        expect(page.locator("#clock")).to_contain_text("Europe/Berlin")
        expect(page.locator("#clock-next")).to_contain_text("07:30")

        # At a phone's width the bars stay one line each: nothing wraps, nothing scrolls.
        one_line = page.evaluate(
            """() => [...document.querySelectorAll(
                    '.bar, .time .line, .travel, .peer-name, #clock, #clock-next')]
                .filter(e => e.scrollWidth > e.clientWidth + 1
                    && getComputedStyle(e).textOverflow !== 'ellipsis'
                    || e.getClientRects().length > 1)
                .map(e => e.id || e.className)"""
        )
        assert one_line == [], one_line
        heights = page.evaluate(
            "[document.querySelector('.bar').offsetHeight,"
            " document.querySelector('.time').offsetHeight]"
        )
        assert heights[0] <= 60, heights
        assert heights[1] <= 80, heights

        # A session: every step, answered questions lose their buttons (edits in place).
        tap(page, "Start first session")
        newest = page.locator(".msg.bot .text").last
        expect(newest).to_contain_text("Upper-back foam rolling")
        # A session of several steps counts them; one alone has no "Step 1 of 1".
        match = re.search(r"Step 1 of (\d+)", newest.inner_text())
        steps = int(match.group(1)) if match else 1
        for step in range(1, steps + 1):
            if steps > 1:
                expect(newest).to_contain_text(f"Step {step} of {steps}")
            # Done on each part of the step (each side, each technique): the same message
            # shows the next part, until the next step (or the check-in) arrives below it.
            after = f"Step {step + 1} of {steps}" if step < steps else "How's your back"
            done = page.locator(".msg.bot .kb button").filter(has_text=re.compile("^✅ Done$"))
            tap(page, "✅ Done")
            while done.count() and after not in last_bot(page):
                tap(page, "✅ Done")
            expect(newest).to_contain_text(after)
        # The check-in after the session.
        expect(
            page.locator(".msg.bot .kb button").filter(has_text=re.compile("^2$"))
        ).to_have_count(1)
        tap(page, "2")
        step_buttons = (
            page.locator(".msg.bot")
            .filter(has_text="Upper-back foam rolling")
            .locator(".kb button")
        )
        expect(step_buttons).to_have_count(0)

        # Time travel: to the next reminder, which arrives with Start / Snooze / Skip.
        count = page.locator(".msg.bot").count()
        page.locator("#travel-next").click()
        reminder = page.locator(".msg.bot").filter(has_text="Time for your routine")
        expect(reminder).to_have_count(1)
        snooze = reminder.locator(".kb button").filter(has_text="Snooze 30 min")
        expect(snooze).to_have_count(1)
        expect(page.locator("#clock-ahead")).to_have_attribute(
            "title", re.compile("ahead of real time")
        )
        assert page.locator(".msg.bot").count() > count
        # The page cuts a label too long for its button with "…" on one line, as Telegram
        # does; the bot lays its buttons out so that none is (three in a row cut this one).
        cut = snooze.evaluate(
            "b => [b.scrollWidth > b.clientWidth, getComputedStyle(b).textOverflow,"
            " getComputedStyle(b).whiteSpace, b.title]"
        )
        assert cut == [False, "ellipsis", "nowrap", "Snooze 30 min"], cut

        # A day later (across midnight, whatever the hour now), the chat marks the new
        # day before its first message, in the runner's zone, as Telegram does.
        separators = page.locator("#messages .day")
        days_before = separators.count()
        assert days_before >= 1  # the first message of the chat has one too
        page.locator("[data-travel=day]").click()
        say(page, "/help")
        expect(separators).to_have_count(days_before + 1)
        clock = re.match(r"(\w{3}) (\d\d) (\w{3})", page.locator("#clock").inner_text())
        assert clock is not None
        weekday, day, month = clock.groups()
        expect(separators.last).to_have_text(re.compile(rf"^{weekday}\w*, {int(day)} {month}"))
        # The new day's messages come after its separator.
        after = page.evaluate(
            """() => { const nodes = [...document.querySelectorAll('#messages > *')];
                const at = nodes.findLastIndex(n => n.classList.contains('day'));
                return nodes.slice(at + 1).map(n => n.querySelector('.text')?.textContent); }"""
        )
        assert "/help" in after, after

        # Moving time backwards is refused with a sentence, not a stack trace.
        page.locator("#travel-at-open").click()
        page.locator("#travel-day").select_option("today")
        page.locator("#travel-at").fill("00:01")
        page.locator("#travel-go").click()
        expect(page.locator("#error")).to_contain_text("time only moves forward")

        # /progress: the picture is a real, decoded image.
        say(page, "/progress")
        photo = page.locator("img.photo").last
        expect(photo).to_be_visible()
        page.wait_for_function(
            "img => img.complete && img.naturalWidth > 200", arg=photo.element_handle()
        )

        # /export: the documents are download links.
        say(page, "/export")
        expect(page.locator("a.document").filter(has_text=".json")).to_have_count(1)
        href = page.locator("a.document").first.get_attribute("href")
        assert href is not None
        response = page.request.get(playground_url.rstrip("/") + href)
        assert response.ok
        assert b'"check' in response.body()

        # A second runner has a chat of their own.
        page.locator("#add-runner").click()
        page.locator("#new-user-name").fill("Sam")
        page.locator("#new-user-add").click()
        expect(page.locator("#user-select")).to_contain_text("Sam")
        expect(page.locator(".msg")).to_have_count(0)
        say(page, "/start")
        assert "Alex" not in page.locator("#messages").inner_text()

        context.close()

    assert problems == [], problems
