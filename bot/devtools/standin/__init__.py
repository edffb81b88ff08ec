"""A local stand-in for the Telegram Bot API, for end-to-end tests, benchmarks and a playground.

``BotApiStandIn`` is an aiohttp server on 127.0.0.1 that answers ``/bot<token>/<method>`` the
way Telegram does, closely enough for python-telegram-bot to run against it unchanged (point
``TELEGRAM_API_URL`` at :attr:`BotApiStandIn.url`). It

* keeps every message the bot sends, edits or deletes, per chat, with Telegram's own checks
  and error texts, taken from the Bot API server's and TDLib's source: the parse modes, text
  lengths, "message is not modified", keyboards, stale callback queries, webhooks, commands,
  photos, uploads, and no message to a user who never opened the chat;
* records every call; :meth:`~BotApiStandIn.refused_calls` lists those Telegram's rules
  refused (apart from injected errors and flood limits), so a test can assert there are none;
* plays the chat user: :meth:`~BotApiStandIn.user_text` and :meth:`~BotApiStandIn.user_tap`
  queue the updates that ``getUpdates`` (long polling included) delivers;
* lets a test wait for what the bot does next (:meth:`~BotApiStandIn.wait_for_call`,
  :meth:`~BotApiStandIn.wait_for_bot_message`, :meth:`~BotApiStandIn.wait_idle`);
* injects Telegram's failures per chat (blocked by the user, flood wait, server errors) and
  applies Telegram's flood limits (per private chat, per group, over all chats);
* lets a test or benchmark observe messages and calls as they happen, through two public
  hooks (:attr:`~BotApiStandIn.subscribers`, :attr:`~BotApiStandIn.call_observers`).

Everything runs on one asyncio loop; the user-side methods are synchronous and meant to be
called from the test's coroutine. Only aiohttp and the standard library are used.

The modules, one responsibility each:

* :mod:`.server`: the aiohttp app, reading parameters, dispatch; :class:`BotApiStandIn`;
* :mod:`.store`: messages, chats, users, files, queued updates and recorded calls;
* :mod:`.methods`: the Bot API methods and Telegram's checks on their parameters;
* :mod:`.entities`: what Telegram does to a text (raw size, parse mode, trimming, lengths);
* :mod:`.parsing`: the HTML, MarkdownV2 and Markdown parsers, ported from TDLib;
* :mod:`.markup`: inline keyboards;
* :mod:`.faults`: injected errors;
* :mod:`.limits`: the flood limits;
* :mod:`.user`: the user's side (texts, taps, locations) and the ``wait_*`` helpers;
* :mod:`.errors`: Telegram's error answers.
"""

from bot.devtools.standin.errors import BLOCKED, CANT_INITIATE, NOT_MODIFIED
from bot.devtools.standin.limits import FloodControl
from bot.devtools.standin.server import BotApiStandIn
from bot.devtools.standin.store import (
    CallObserver,
    MessageSubscriber,
    StoredMessage,
    UploadedFile,
)
from bot.devtools.standin.user import LinkButtonError

__all__ = [
    "BLOCKED",
    "CANT_INITIATE",
    "NOT_MODIFIED",
    "BotApiStandIn",
    "CallObserver",
    "FloodControl",
    "LinkButtonError",
    "MessageSubscriber",
    "StoredMessage",
    "UploadedFile",
]
