"""A runner in a private chat with the bot, driven through the Bot API stand-in."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.standin import BotApiStandIn, StoredMessage


@dataclass
class ChatUser:
    """Sends text and taps buttons as a Telegram user would, and reads the bot's replies."""

    standin: BotApiStandIn
    user_id: int
    first_name: str = "Runner"
    _seen: int = field(default=0, init=False)

    @property
    def chat_id(self) -> int:
        return self.user_id

    def bot_messages(self) -> list[StoredMessage]:
        return self.standin.chat_messages(self.chat_id)

    def _last_seen_id(self) -> int:
        messages = self.standin.chat_messages(self.chat_id, from_bot=None, include_deleted=True)
        return messages[-1].message_id if messages else 0

    async def send(self, text: str, *, timeout: float = 5.0) -> StoredMessage:
        """Send text and return the bot's first reply to it."""
        sent = self.standin.user_text(self.user_id, text, first_name=self.first_name)
        return await self.standin.wait_for_bot_message(
            self.chat_id, after_message_id=sent.message_id, timeout=timeout
        )

    async def tap(self, label: str, *, timeout: float = 5.0) -> dict[str, object]:
        """Tap the newest button with this label; return the answerCallbackQuery params."""
        query_id = self.standin.user_tap_label(self.user_id, label, chat_id=self.chat_id)
        return await self.standin.wait_for_call(
            "answerCallbackQuery",
            predicate=lambda params: params.get("callback_query_id") == query_id,
            timeout=timeout,
        )
