"""What the stand-in's tests share: a raw HTTP call, keyboards, images and a movable clock."""

from __future__ import annotations

import struct
import zlib
from typing import Any

import aiohttp

from bot.devtools.standin import BotApiStandIn

TOKEN = "123456:stand-in-test-token"
USER = 424242  # has opened the chat with the bot (the `standin` fixture does that)


def png(width: int, height: int) -> bytes:
    """A PNG header of that size (enough for Telegram's checks, which read only the header)."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + header
    return (
        b"\x89PNG\r\n\x1a\n"
        + struct.pack(">I", len(header))
        + chunk
        + struct.pack(">I", zlib.crc32(chunk))
        + b"\x00" * 32
    )


PNG = png(3, 2)


async def api(
    http: aiohttp.ClientSession,
    standin: BotApiStandIn,
    method: str,
    *,
    json: dict[str, Any] | None = None,
    data: Any = None,
    params: dict[str, str] | None = None,
    verb: str = "POST",
    token: str | None = None,
) -> tuple[int, dict[str, Any]]:
    url = f"{standin.url}/bot{token or standin.token}/{method}"
    async with http.request(verb, url, json=json, data=data, params=params) as response:
        return response.status, await response.json()


async def send(
    http: aiohttp.ClientSession, standin: BotApiStandIn, **fields: Any
) -> tuple[int, dict[str, Any]]:
    """sendMessage to USER with these fields."""
    return await api(http, standin, "sendMessage", json={"chat_id": USER, **fields})


def keyboard(*labels: str) -> dict[str, Any]:
    return {
        "inline_keyboard": [[{"text": label, "callback_data": f"cb:{label}"}] for label in labels]
    }


def photo_form(data: bytes, *, chat_id: int = USER, caption: str | None = None) -> aiohttp.FormData:
    form = aiohttp.FormData()
    form.add_field("chat_id", str(chat_id))
    if caption is not None:
        form.add_field("caption", caption)
    form.add_field("photo", data, filename="chart.png", content_type="image/png")
    return form


class FakeMonotonic:
    """A monotonic clock that moves only when told to."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds
