"""Tools for developing the bot, never used by ``python -m bot run``.

* :mod:`bot.devtools.standin`: a local stand-in for the Telegram Bot API (tests, benchmarks);
* :mod:`bot.devtools.playground`: the real bot against the stand-in, in a browser page.

They may import from the rest of :mod:`bot`; nothing under ``bot.domain``, ``bot.db`` or the
content modules imports from here.
"""
