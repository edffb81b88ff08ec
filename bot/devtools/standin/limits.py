"""Telegram's flood limits: token buckets per private chat, per group and over all chats.

What Telegram documents (https://core.telegram.org/bots/faq, "My bot is hitting limits, how do
I avoid this?", and python-telegram-bot's ``telegram.constants.FloodLimit``): in one chat, no
more than about one message per second, with short bursts tolerated; in a group, no more than
20 messages per minute; in bulk, about 30 messages per second. Beyond them Telegram answers
429 "Too Many Requests: retry after N" with ``parameters.retry_after`` N (whole seconds).

Modelled as token buckets on the stand-in's ``monotonic`` clock. What counts: the calls that put
a message in a chat or change one (sends and edits); polling, callback answers, chat actions,
deletions and settings do not. The sizes of the bursts are not published; the defaults
(:data:`PRIVATE_BURST`, :data:`GROUP_BURST`) let a conversation's normal pace through (a reply
and an edit after each tap, a few messages in a row) and stop a bot that floods one chat.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from telegram.constants import FloodLimit

from bot.devtools.standin.errors import ApiError

PRIVATE_PER_SECOND = float(FloodLimit.MESSAGES_PER_SECOND_PER_CHAT)
PRIVATE_BURST = 20
GROUP_PER_MINUTE = float(FloodLimit.MESSAGES_PER_MINUTE_PER_GROUP)
GROUP_BURST = int(FloodLimit.MESSAGES_PER_MINUTE_PER_GROUP)
GLOBAL_PER_SECOND = float(FloodLimit.MESSAGES_PER_SECOND)

# Methods that send a message or change one; the rest are never limited.
COUNTED = frozenset(
    [
        "sendMessage",
        "sendPhoto",
        "sendDocument",
        "sendAudio",
        "sendVideo",
        "sendAnimation",
        "sendVoice",
        "sendVideoNote",
        "sendSticker",
        "sendLocation",
        "sendContact",
        "sendPoll",
        "sendDice",
        "sendMediaGroup",
        "copyMessage",
        "forwardMessage",
        "editMessageText",
        "editMessageCaption",
        "editMessageReplyMarkup",
        "editMessageMedia",
    ]
)


@dataclass
class _Bucket:
    tokens: float
    updated: float


class FloodControl:
    """Token buckets; each rate may be set to None to lift that limit.

    * :attr:`rate_limit_per_second` and :attr:`global_burst`: over all chats (the burst
      defaults to one second's worth);
    * :attr:`chat_rate_per_second` and :attr:`chat_burst`: per private chat (chat_id > 0);
    * :attr:`group_rate_per_minute` and :attr:`group_burst`: per group (chat_id < 0).
    """

    def __init__(self, monotonic: Callable[[], float]) -> None:
        self._monotonic = monotonic
        self.rate_limit_per_second: float | None = GLOBAL_PER_SECOND
        self.global_burst: float | None = None
        self.chat_rate_per_second: float | None = PRIVATE_PER_SECOND
        self.chat_burst: float = PRIVATE_BURST
        self.group_rate_per_minute: float | None = GROUP_PER_MINUTE
        self.group_burst: float = GROUP_BURST
        self._buckets: dict[object, _Bucket] = {}

    def reset(self) -> None:
        """Full buckets everywhere, as after a long quiet time."""
        self._buckets.clear()

    def check(self, name: str, chat_id: object) -> None:
        """Take a token for this call, or raise Telegram's 429 if a bucket is empty.

        Every bucket the call counts against must have a token; none is taken otherwise."""
        if name not in COUNTED:
            return
        now = self._monotonic()
        wanted: list[tuple[object, float, float]] = []
        if self.rate_limit_per_second is not None:
            rate = self.rate_limit_per_second
            burst = self.global_burst if self.global_burst is not None else max(1.0, rate)
            wanted.append((("global", rate, burst), rate, burst))
        if isinstance(chat_id, int) and not isinstance(chat_id, bool):
            if chat_id > 0 and self.chat_rate_per_second is not None:
                rate, burst = self.chat_rate_per_second, max(1.0, self.chat_burst)
                wanted.append((("chat", chat_id, rate, burst), rate, burst))
            elif chat_id < 0 and self.group_rate_per_minute is not None:
                rate, burst = self.group_rate_per_minute / 60.0, max(1.0, self.group_burst)
                wanted.append((("group", chat_id, rate, burst), rate, burst))
        buckets: list[_Bucket] = []
        wait = 0.0
        for key, rate, burst in wanted:
            bucket = self._buckets.setdefault(key, _Bucket(burst, now))
            bucket.tokens = min(burst, bucket.tokens + max(0.0, now - bucket.updated) * rate)
            bucket.updated = now
            if bucket.tokens < 1.0:
                wait = max(wait, (1.0 - bucket.tokens) / rate if rate > 0 else math.inf)
            buckets.append(bucket)
        if wait > 0:
            seconds = max(1, math.ceil(wait - 1e-9)) if math.isfinite(wait) else 3600
            raise ApiError(
                429,
                f"Too Many Requests: retry after {seconds}",
                {"retry_after": seconds},
                kind="limited",
            )
        for bucket in buckets:
            bucket.tokens -= 1.0
