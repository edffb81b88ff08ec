"""Waiting until the bot has handled everything sent to it: no timers, no quiet periods."""

from __future__ import annotations

import asyncio

from bot.context import BotApplication
from bot.devtools.standin import BotApiStandIn


async def until_handled(standin: BotApiStandIn, app: BotApplication, timeout: float = 15.0) -> None:
    """Every update the stand-in holds was fetched and fully handled: nothing pending,
    nothing queued, no handler running (checked a few times in a row, to cover the moment
    between fetching an update and starting its handler)."""
    processor = app.update_processor
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    calm = 0
    while calm < 4:
        busy = (
            bool(standin.pending_updates)
            or app.update_queue.qsize() > 0
            or processor.current_concurrent_updates > 0
        )
        calm = 0 if busy else calm + 1
        if loop.time() > deadline:
            raise TimeoutError(f"the bot is still busy after {timeout}s")
        await asyncio.sleep(0.01)
