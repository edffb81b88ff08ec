"""Settings from the environment and an optional .env file (see .env.example)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any, TypeVar
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.content import DEFAULT_CONTENT_DIR

DEFAULT_API_URL = "https://api.telegram.org"
DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///mobility.db"

# Telegram tokens look like "123456789:AA..."; anything else is a typo or a placeholder.
TOKEN_SHAPE = re.compile(r"^\d{3,15}:[A-Za-z0-9_-]{20,100}$")
PLACEHOLDER_TOKENS = {"123456789:your-token-here"}

# The Bot API's setWebhook: "Ports currently supported for webhooks: 443, 80, 88, 8443", and
# only https URLs (https://core.telegram.org/bots/api#setwebhook). Kept here rather than read
# from telegram.constants.SUPPORTED_WEBHOOK_PORTS (the settings stay free of Telegram's
# library); tests/test_config.py checks that both agree.
SUPPORTED_WEBHOOK_PORTS = (443, 80, 88, 8443)
SETWEBHOOK_DOCS = "core.telegram.org/bots/api#setwebhook"
OPS_PATHS = ("/healthz", "/metrics")  # served on WEBHOOK_PORT next to the webhook


class SettingsError(Exception):
    """A setting is missing or invalid; the message names it (and never shows a secret)."""


class CommonSettings(BaseSettings):
    """What every command needs (migrate and content-check too): no token."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", frozen=True
    )

    database_url: str = DEFAULT_DATABASE_URL
    log_level: str = "INFO"
    content_dir: Path = DEFAULT_CONTENT_DIR

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        value = value.strip()
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError("must start with sqlite+aiosqlite:// or postgresql+asyncpg://")
        return value

    @field_validator("log_level")
    @classmethod
    def _log_level(cls, value: str) -> str:
        level = value.strip().upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError("must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL")
        return level


class Settings(CommonSettings):
    """Everything the running bot needs."""

    telegram_bot_token: SecretStr
    telegram_api_url: str = DEFAULT_API_URL
    admin_ids: Annotated[tuple[int, ...], NoDecode] = ()
    # Long-poll timeout for getUpdates, seconds.
    polling_timeout: int = Field(default=10, ge=0, le=50)
    # Reminders: how late a reminder may still go out after downtime, how fast a burst is
    # sent (Telegram allows about 30 messages a second in all), how often the sweep runs
    # (0 turns the sweep off in this process).
    reminder_grace_minutes: int = Field(default=120, ge=0, le=24 * 60)
    send_rate_per_second: float = Field(default=25.0, gt=0, le=1000)
    sweep_interval_seconds: int = Field(default=20, ge=0, le=30)
    # Hold timers: how often the tick ends the due ones (0 turns it off in this process);
    # a "Time" comes at most this late. Cheap: one indexed query on timer_ends_at.
    timer_tick_seconds: float = Field(default=1.0, ge=0, le=10)
    # Webhook mode (several processes behind one URL): set WEBHOOK_URL, the public address
    # Telegram posts to, and WEBHOOK_SECRET, which Telegram sends back in
    # X-Telegram-Bot-Api-Secret-Token; other requests are refused. WEBHOOK_LISTEN and
    # WEBHOOK_PORT are the local side (behind a reverse proxy), which also serves /healthz
    # and /metrics.
    webhook_url: str | None = None
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = Field(default=8443, ge=1, le=65535)
    webhook_secret: SecretStr | None = Field(default=None, validate_default=True)
    # Polling mode: /healthz and /metrics on this local port (none by default).
    metrics_listen: str = "127.0.0.1"
    metrics_port: int | None = Field(default=None, ge=1, le=65535, validate_default=True)

    @field_validator("telegram_bot_token")
    @classmethod
    def _token_shape(cls, value: SecretStr) -> SecretStr:
        token = value.get_secret_value().strip()
        if not token:
            raise ValueError("is empty")
        if token in PLACEHOLDER_TOKENS:
            raise ValueError("is still the placeholder from .env.example")
        if not TOKEN_SHAPE.match(token):
            raise ValueError("does not look like a bot token from @BotFather (digits:letters)")
        return SecretStr(token)

    @field_validator("telegram_api_url")
    @classmethod
    def _api_url(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if not re.match(r"^https?://[^/\s]+", value):
            raise ValueError("must start with http:// or https://")
        return value

    @field_validator("webhook_url")
    @classmethod
    def _webhook_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        value = value.strip()
        rule = (
            f"Telegram's setWebhook accepts only https:// URLs on port 443, 80, 88 or 8443 "
            f"({SETWEBHOOK_DOCS}); behind a reverse proxy WEBHOOK_URL is the public address "
            "and WEBHOOK_PORT the local one"
        )
        parts = urlsplit(value)
        if parts.scheme.lower() != "https":
            given = f", not {parts.scheme}://" if parts.scheme else ""
            raise ValueError(f"must start with https://{given}: {rule}")
        if not parts.hostname or re.search(r"\s", value):
            raise ValueError(f"must name a host, as in https://bot.example.org/hook: {rule}")
        try:
            port = parts.port
        except ValueError:
            port = -1
        if port is not None and port not in SUPPORTED_WEBHOOK_PORTS:
            given = f"port {port}" if port >= 0 else "an invalid port"
            raise ValueError(f"has {given}: {rule}")
        if parts.path.rstrip("/") in OPS_PATHS:
            raise ValueError(f"must not use {parts.path}: the webhook's port serves it")
        return value

    @field_validator("webhook_secret")
    @classmethod
    def _webhook_secret(cls, value: SecretStr | None, info: ValidationInfo) -> SecretStr | None:
        secret = value.get_secret_value().strip() if value is not None else ""
        if info.data.get("webhook_url") and not secret:
            raise ValueError("is required when WEBHOOK_URL is set")
        if secret and not re.fullmatch(r"[A-Za-z0-9_-]{16,256}", secret):
            raise ValueError("must be 16-256 characters of A-Z, a-z, 0-9, _ and -")
        return SecretStr(secret) if secret else None

    @field_validator("metrics_port")
    @classmethod
    def _metrics_port(cls, value: int | None, info: ValidationInfo) -> int | None:
        if value is not None and info.data.get("webhook_url"):
            raise ValueError(
                "is for polling mode: with WEBHOOK_URL, WEBHOOK_PORT serves /healthz and /metrics"
            )
        return value

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _admin_ids(cls, value: Any) -> Any:
        if isinstance(value, str):
            parts = [p for p in re.split(r"[,\s]+", value.strip()) if p]
            if not all(re.fullmatch(r"-?\d+", p) for p in parts):
                raise ValueError("must be Telegram user ids separated by commas, e.g. 12345,67890")
            return tuple(int(p) for p in parts)
        if isinstance(value, int):
            return (value,)
        return value

    @property
    def token(self) -> str:
        return self.telegram_bot_token.get_secret_value()


S = TypeVar("S", bound=CommonSettings)


def load_settings(cls: type[S], **overrides: Any) -> S:
    """Read settings; raise SettingsError with one line per problem, naming the variable."""
    try:
        return cls(**overrides)
    except ValidationError as exc:
        lines = []
        for error in exc.errors():
            name = str(error["loc"][0]).upper() if error["loc"] else "settings"
            if error["type"] == "missing":
                lines.append(
                    f"{name} is not set: put it in the environment or in a .env file "
                    "(see .env.example)"
                )
            else:
                message = error["msg"].removeprefix("Value error, ")
                lines.append(f"{name} {message} (see .env.example)")
        raise SettingsError("\n".join(lines)) from None
