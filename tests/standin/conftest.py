"""Fixtures for the stand-in's own tests: a running stand-in (USER has opened the chat), a raw
HTTP session, and python-telegram-bot's Bot pointed at the stand-in."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest
from telegram import Bot

from bot.devtools.standin import BotApiStandIn
from tests.standin.helpers import TOKEN, USER


@pytest.fixture
async def standin() -> AsyncIterator[BotApiStandIn]:
    async with BotApiStandIn(TOKEN) as server:
        server.open_chat(USER)
        yield server


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
async def tg(standin: BotApiStandIn) -> AsyncIterator[Bot]:
    async with Bot(
        TOKEN, base_url=f"{standin.url}/bot", base_file_url=f"{standin.url}/file/bot"
    ) as bot:
        yield bot
