"""Several bot processes in webhook mode sharing one PostgreSQL: each due reminder is
delivered exactly once, and the webhook refuses requests without the secret."""

from __future__ import annotations

import asyncio
import os
import re
import socket
import sys
from collections import Counter
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import aiohttp
import pytest

from bot.db.engine import Database
from bot.db.migrate import upgrade_to_head
from bot.db.models import ReminderDelivery
from bot.devtools.standin import BotApiStandIn
from bot.domain.enums import DeliveryStatus
from tests.utils.app import TEST_TOKEN
from tests.utils.factories import make_runner

ROOT = Path(__file__).resolve().parent.parent
SECRET = "a-webhook-secret-0123456789"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
async def pg_url(database_url: str) -> str:
    if not database_url.startswith("postgresql"):
        pytest.skip("several processes share one database only on PostgreSQL")
    await asyncio.to_thread(upgrade_to_head, database_url)
    return database_url


class BotProcess:
    def __init__(
        self, standin: BotApiStandIn, database_url: str, tmp_path: Path, rate: int
    ) -> None:
        self.port = _free_port()
        self.url = f"https://bot.example/hook/{self.port}"
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "WEBHOOK_"))}
        env.update(
            PYTHONPATH=str(ROOT),
            TELEGRAM_BOT_TOKEN=TEST_TOKEN,
            TELEGRAM_API_URL=standin.url,
            DATABASE_URL=database_url,
            WEBHOOK_URL=self.url,
            WEBHOOK_PORT=str(self.port),
            WEBHOOK_SECRET=SECRET,
            SWEEP_INTERVAL_SECONDS="1",
            SEND_RATE_PER_SECOND=str(rate),
            LOG_LEVEL="INFO",
        )
        self.env, self.cwd = env, tmp_path
        self.proc: asyncio.subprocess.Process | None = None
        self.log = ""

    async def start(self) -> None:
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            cwd=self.cwd,
            env=self.env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )

    async def stop(self) -> None:
        assert self.proc is not None
        if self.proc.returncode is None:
            self.proc.terminate()
        out, _ = await asyncio.wait_for(self.proc.communicate(), timeout=30)
        self.log = out.decode()


def _for_url(url: str) -> Callable[[dict[str, object]], bool]:
    return lambda params: params.get("url") == url


@pytest.fixture
async def processes(
    standin: BotApiStandIn, pg_url: str, tmp_path: Path
) -> AsyncIterator[list[BotProcess]]:
    bots = [BotProcess(standin, pg_url, tmp_path, rate=100) for _ in range(2)]
    for bot in bots:
        await bot.start()
    for bot in bots:
        await standin.wait_for_call("setWebhook", predicate=_for_url(bot.url), timeout=60)
    await asyncio.sleep(1.0)  # the webhook servers listen once setWebhook has returned
    yield bots
    for bot in bots:
        await bot.stop()


async def test_two_processes_deliver_each_reminder_exactly_once(
    processes: list[BotProcess], standin: BotApiStandIn, pg_url: str
) -> None:
    db = Database(pg_url)
    now = datetime.now(UTC)
    # Two processes sending 100 a second each: this is about exactly once, not about
    # Telegram's bulk limit (30 a second), which would only make it slower.
    standin.rate_limit_per_second = None
    try:
        # 500 runners, all due in the same minute (their reminder time has just passed).
        due = (now - timedelta(seconds=20)).time().replace(microsecond=0)
        for chat_id in range(1, 501):
            await make_runner(
                db,
                chat_id,
                standin=standin,
                now=now - timedelta(minutes=1),
                zone="UTC",
                at=time(due.hour, due.minute, due.second),
            )

        async with asyncio.timeout(90):
            while True:
                sent = [
                    p
                    for _n, p in standin.successful_calls("sendMessage")
                    if str(p.get("text", "")).startswith("Time for your routine")
                ]
                if len(sent) >= 500:
                    break
                await asyncio.sleep(0.2)
        await asyncio.sleep(2.5)  # two more sweeps each: nothing more may arrive

        per_chat = Counter(int(str(p["chat_id"])) for p in sent)
        assert len(per_chat) == 500
        assert set(per_chat.values()) == {1}
        sent_again = [
            p
            for _n, p in standin.successful_calls("sendMessage")
            if str(p.get("text", "")).startswith("Time for your routine")
        ]
        assert len(sent_again) == 500
        async with db.read() as session:
            from sqlalchemy import func, select

            statuses = dict(
                (
                    await session.execute(
                        select(ReminderDelivery.status, func.count()).group_by(
                            ReminderDelivery.status
                        )
                    )
                ).all()
            )
        assert statuses == {DeliveryStatus.SENT: 500}
    finally:
        await db.dispose()
        for bot in processes:
            await bot.stop()

    claimed = [
        sum(int(n) for n in re.findall(r"event=sweep claimed=(\d+)", bot.log)) for bot in processes
    ]
    assert sum(claimed) == 500
    assert all(count > 0 for count in claimed), claimed  # both processes did part of the work


async def test_webhook_requires_the_secret(
    processes: list[BotProcess], standin: BotApiStandIn
) -> None:
    bot = processes[0]
    update = {
        "update_id": 900001,
        "message": {
            "message_id": 1,
            "date": 1767225600,
            "text": "/help",
            "chat": {"id": 77, "type": "private", "first_name": "Kai"},
            "from": {"id": 77, "is_bot": False, "first_name": "Kai"},
            "entities": [{"type": "bot_command", "offset": 0, "length": 5}],
        },
    }
    standin.open_chat(77)  # the update comes from Telegram: the user has written to the bot
    address = f"http://127.0.0.1:{bot.port}/hook/{bot.port}"
    async with aiohttp.ClientSession() as http:
        async with http.post(address, json=update) as response:
            assert response.status == 403
        headers = {"X-Telegram-Bot-Api-Secret-Token": "wrong-secret-0123456789"}
        async with http.post(address, json=update, headers=headers) as response:
            assert response.status == 403
        assert not [p for _n, p in standin.calls if str(p.get("chat_id")) == "77"]

        headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
        async with http.post(address, json=update, headers=headers) as response:
            assert response.status == 200
    reply = await standin.wait_for_call(
        "sendMessage", predicate=lambda p: str(p.get("chat_id")) == "77", timeout=10
    )
    assert "/start" in str(reply["text"])
