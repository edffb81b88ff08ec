"""A Telegram bot that coaches runners with lower back pain through a daily mobility routine."""

__version__ = "0.1.0"
