"""A runner in a private chat with the bot, driven through the Bot API stand-in."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.devtools.standin import BotApiStandIn, StoredMessage


@dataclass
class ChatUser:
    """Sends text and taps buttons as a Telegram user would, and reads the bot's replies."""

    standin: BotApiStandIn
    user_id: int
    first_name: str = "Runner"
    # Waits until the bot has handled everything sent so far (BotRunner.settle); without
    # it, a quiet period on the stand-in stands in for that.
    settle: Callable[[], Awaitable[None]] | None = None

    async def settled(self) -> None:
        if self.settle is not None:
            await self.settle()
        else:
            await self.standin.wait_idle(quiet=0.3)

    @property
    def chat_id(self) -> int:
        return self.user_id

    def bot_messages(self) -> list[StoredMessage]:
        return self.standin.chat_messages(self.chat_id)

    def last(self) -> StoredMessage:
        """The bot's newest message in this chat."""
        messages = self.bot_messages()
        assert messages, "the bot has sent nothing to this chat"
        return messages[-1]

    def _newest_id(self) -> int:
        messages = self.standin.chat_messages(self.chat_id, from_bot=None, include_deleted=True)
        return messages[-1].message_id if messages else 0

    async def send(self, text: str, *, timeout: float = 5.0) -> StoredMessage:
        """Send text and return the bot's first reply to it."""
        sent = self.standin.user_text(self.user_id, text, first_name=self.first_name)
        return await self.standin.wait_for_bot_message(
            self.chat_id, after_message_id=sent.message_id, timeout=timeout
        )

    async def say(self, text: str) -> list[StoredMessage]:
        """Send text and return every reply once the bot has gone quiet."""
        sent = self.standin.user_text(self.user_id, text, first_name=self.first_name)
        await self.standin.wait_for_bot_message(self.chat_id, after_message_id=sent.message_id)
        await self.settled()
        return [m for m in self.bot_messages() if m.message_id > sent.message_id]

    async def share_location(self, latitude: float, longitude: float) -> list[StoredMessage]:
        sent = self.standin.user_location(self.user_id, latitude, longitude)
        await self.standin.wait_for_bot_message(self.chat_id, after_message_id=sent.message_id)
        await self.settled()
        return [m for m in self.bot_messages() if m.message_id > sent.message_id]

    async def tap(self, label: str, *, timeout: float = 5.0) -> dict[str, object]:
        """Tap the newest button with this label; return the answerCallbackQuery params
        once the bot has finished reacting."""
        query_id = self.standin.user_tap_label(self.user_id, label, chat_id=self.chat_id)
        return await self._answered(query_id, timeout)

    async def tap_message(
        self, message: StoredMessage, label: str, *, timeout: float = 5.0
    ) -> dict[str, object]:
        """Tap a button on a given (possibly old) message, by label (a link button fails:
        it sends the bot nothing)."""
        query_id = self.standin.user_tap_button(self.user_id, message, label)
        return await self._answered(query_id, timeout)

    async def tap_data(self, message: StoredMessage, data: str) -> dict[str, object]:
        """Send a callback query with any data (forged, stale, malformed) from a message."""
        query_id = self.standin.user_tap(self.user_id, message, data)
        return await self._answered(query_id, 5.0)

    async def _answered(self, query_id: str, timeout: float) -> dict[str, object]:
        answer = await self.standin.wait_for_call(
            "answerCallbackQuery",
            predicate=lambda params: params.get("callback_query_id") == query_id,
            timeout=timeout,
        )
        await self.settled()
        return answer


def assert_only_last_has_buttons(runner: ChatUser) -> None:
    """Nothing tappable is left behind on answered questions (a Start button may stay:
    starting today's session is never stale)."""
    messages = runner.bot_messages()
    with_buttons = [
        m.message_id
        for m in messages
        if m.buttons() and not all(b["callback_data"].startswith("1|go|") for b in m.buttons())
    ]
    assert with_buttons in ([], [messages[-1].message_id]), with_buttons
