"""A local stand-in for the Telegram Bot API, for end-to-end tests, benchmarks and a playground.

``BotApiStandIn`` is an aiohttp server on 127.0.0.1 that answers ``/bot<token>/<method>`` the
way Telegram does, closely enough for python-telegram-bot to run against it unchanged (point
``TELEGRAM_API_URL`` at :attr:`BotApiStandIn.url`). It

* keeps every message the bot sends, edits or deletes, per chat, with Telegram's own checks
  (empty or too long texts, unparsable HTML, "message is not modified", stale callback queries);
* plays the chat user: :meth:`~BotApiStandIn.user_text` and :meth:`~BotApiStandIn.user_tap`
  queue the updates that ``getUpdates`` (long polling included) delivers;
* lets a test wait for what the bot does next (:meth:`~BotApiStandIn.wait_for_call`,
  :meth:`~BotApiStandIn.wait_for_bot_message`, :meth:`~BotApiStandIn.wait_idle`);
* injects Telegram's failures per chat (blocked by the user, flood wait, server errors) and an
  optional global rate limit.
* lets a test or benchmark observe messages and calls as they happen, through two public
  hooks (:attr:`~BotApiStandIn.subscribers`, :attr:`~BotApiStandIn.call_observers`).

Everything runs on one asyncio loop; the user-side methods are synchronous and meant to be
called from the test's coroutine. Only aiohttp and the standard library are used.

The modules, one responsibility each:

* :mod:`.server`: the aiohttp app, reading parameters, dispatch; :class:`BotApiStandIn`;
* :mod:`.store`: messages, chats, users, files, queued updates and recorded calls;
* :mod:`.methods`: the Bot API methods and Telegram's checks on their parameters;
* :mod:`.entities`: HTML and MarkdownV2 parsing, text lengths;
* :mod:`.faults`: injected errors and the rate limit;
* :mod:`.user`: the user's side (texts, taps, locations) and the ``wait_*`` helpers;
* :mod:`.errors`: Telegram's error answers.
"""

from bot.devtools.standin.errors import NOT_MODIFIED
from bot.devtools.standin.server import BotApiStandIn
from bot.devtools.standin.store import (
    CallObserver,
    MessageSubscriber,
    StoredMessage,
    UploadedFile,
)

__all__ = [
    "NOT_MODIFIED",
    "BotApiStandIn",
    "CallObserver",
    "MessageSubscriber",
    "StoredMessage",
    "UploadedFile",
]
