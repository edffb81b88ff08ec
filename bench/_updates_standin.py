"""The Bot API stand-in with the clocks bench/updates.py needs.

* :meth:`BenchStandIn.tap` taps a button and returns a future that resolves with the
  ``time.perf_counter()`` at which the stand-in received answerCallbackQuery for that query;
* every new bot message with an inline keyboard (the next step, a question) is queued per
  chat with the time it arrived (:meth:`BenchStandIn.keyboards`).

Both are read through the stand-in's public hooks (a call observer and a message
subscriber), when the bot's call arrives, before the stand-in answers it; the stand-in's
monotonic clock is ``time.perf_counter`` so that its ``at`` is on the bench's scale.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any

from bot.devtools.standin import BotApiStandIn, StoredMessage


@dataclass(frozen=True)
class Arrival:
    at: float  # time.perf_counter() when the stand-in received the sendMessage
    message: StoredMessage


class BenchStandIn(BotApiStandIn):
    def __init__(self, token: str) -> None:
        super().__init__(token, monotonic=time.perf_counter)
        self._answers: dict[str, asyncio.Future[float]] = {}
        self._keyboards: dict[int, asyncio.Queue[Arrival]] = {}
        self.subscribers.append(self._on_message)
        self.call_observers.append(self._on_call)

    def keyboards(self, chat_id: int) -> asyncio.Queue[Arrival]:
        """New bot messages with an inline keyboard in this chat, in order of arrival."""
        queue = self._keyboards.get(chat_id)
        if queue is None:
            queue = self._keyboards[chat_id] = asyncio.Queue()
        return queue

    def tap(
        self, user_id: int, message: StoredMessage, callback_data: str
    ) -> asyncio.Future[float]:
        """Queue the tap; the future gets the time its answerCallbackQuery arrived."""
        query_id = self.user_tap(user_id, message, callback_data)
        answered: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self._answers[query_id] = answered
        return answered

    def call_names(self, since: int) -> list[str]:
        """The Bot API methods called since index ``since`` of :attr:`calls`, without polls."""
        return [name for name, _ in self.calls[since:] if name != "getUpdates"]

    def errors(self, since: int = 0) -> list[tuple[str, Any]]:
        """Calls answered with an error since ``since``: (method, HTTP status)."""
        return [(name, p["_error"]) for name, p in self.calls[since:] if "_error" in p]

    def _on_call(self, method: str, params: dict[str, Any], at: float) -> None:
        if method != "answerCallbackQuery":
            return
        answered = self._answers.pop(str(params.get("callback_query_id") or ""), None)
        if answered is not None and not answered.done():
            answered.set_result(at)

    def _on_message(self, event: str, message: StoredMessage) -> None:
        if event == "new" and message.from_bot and message.reply_markup:
            self.keyboards(message.chat_id).put_nowait(Arrival(time.perf_counter(), message))
