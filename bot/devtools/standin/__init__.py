"""A local stand-in for the Telegram Bot API; see :mod:`bot.devtools.standin.server`."""

from bot.devtools.standin.server import NOT_MODIFIED, BotApiStandIn, StoredMessage, UploadedFile

__all__ = ["NOT_MODIFIED", "BotApiStandIn", "StoredMessage", "UploadedFile"]
