"""`python -m bot playground`: try the bot in a browser, with no Telegram account or token.

One process runs three things on 127.0.0.1: the Bot API stand-in
(:mod:`bot.devtools.standin`, the same one the tests and benchmarks use), the real bot
polling it (its own SQLite file, a dummy token, the same :func:`bot.app.build_application`
as ``python -m bot run``), and a web page that looks and behaves like a Telegram private
chat. The page plays the chat users through the stand-in's user-side methods, so
everything the bot does goes through the same Bot API calls it makes in production.

Only here does the bot get a :class:`~bot.clock.TravelClock`: the page can move time
forward to see reminders, snooze and morning check-ins without waiting.
"""

from bot.devtools.playground.server import Playground, TravelError

__all__ = ["Playground", "TravelError"]
