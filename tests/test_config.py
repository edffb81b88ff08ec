"""Settings: required token, validation messages that name the variable, no secret echoed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from telegram import constants

from bot.config import (
    SUPPORTED_WEBHOOK_PORTS,
    CommonSettings,
    Settings,
    SettingsError,
    load_settings,
)

ROOT = Path(__file__).resolve().parent.parent

GOOD_TOKEN = "123456:ABCdefGHIjklMNOpqrSTUvwxYZ012345"


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    for name in (
        "TELEGRAM_BOT_TOKEN",
        "TELEGRAM_API_URL",
        "DATABASE_URL",
        "ADMIN_IDS",
        "LOG_LEVEL",
        "WEBHOOK_URL",
        "WEBHOOK_PORT",
        "WEBHOOK_SECRET",
        "METRICS_PORT",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env


def test_missing_token_names_the_variable_and_env_example() -> None:
    with pytest.raises(SettingsError) as info:
        load_settings(Settings)
    assert "TELEGRAM_BOT_TOKEN" in str(info.value)
    assert ".env.example" in str(info.value)


def test_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", GOOD_TOKEN)
    settings = load_settings(Settings)
    assert settings.telegram_api_url == "https://api.telegram.org"
    assert settings.database_url == "sqlite+aiosqlite:///mobility.db"
    assert settings.log_level == "INFO"
    assert settings.admin_ids == ()


def test_values_from_a_dotenv_file(tmp_path) -> None:
    (tmp_path / ".env").write_text(
        f"TELEGRAM_BOT_TOKEN={GOOD_TOKEN}\nTELEGRAM_API_URL=http://127.0.0.1:8081/\n"
        "ADMIN_IDS=11, 22\nLOG_LEVEL=debug\n"
    )
    settings = load_settings(Settings)
    assert settings.token == GOOD_TOKEN
    assert settings.telegram_api_url == "http://127.0.0.1:8081"
    assert settings.admin_ids == (11, 22)
    assert settings.log_level == "DEBUG"


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("TELEGRAM_BOT_TOKEN", "not-a-token", "does not look like a bot token"),
        ("TELEGRAM_BOT_TOKEN", "123456789:your-token-here", "placeholder"),
        ("TELEGRAM_API_URL", "api.telegram.org", "http"),
        ("DATABASE_URL", "mysql://x", "sqlite+aiosqlite"),
        ("ADMIN_IDS", "alice,bob", "Telegram user ids"),
        ("LOG_LEVEL", "LOUD", "DEBUG"),
    ],
)
def test_bad_values_are_named(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, expected: str
) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", GOOD_TOKEN)
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as info:
        load_settings(Settings)
    message = str(info.value)
    assert name in message
    assert expected in message
    assert GOOD_TOKEN not in message


def test_token_never_in_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", GOOD_TOKEN)
    settings = load_settings(Settings)
    assert GOOD_TOKEN not in repr(settings)
    assert GOOD_TOKEN not in str(settings.model_dump())


def test_common_settings_need_no_token() -> None:
    settings = load_settings(CommonSettings)
    assert settings.database_url.startswith("sqlite+aiosqlite")


# --- webhook mode: what Telegram's setWebhook accepts, refused at start if not -----------

SECRET = "a-webhook-secret-0123456789"


def _webhook(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", GOOD_TOKEN)
    monkeypatch.setenv("WEBHOOK_URL", url)
    monkeypatch.setenv("WEBHOOK_SECRET", SECRET)


def test_the_supported_ports_are_telegrams() -> None:
    assert set(SUPPORTED_WEBHOOK_PORTS) == set(constants.SUPPORTED_WEBHOOK_PORTS)


@pytest.mark.parametrize(
    "url",
    [
        "https://bot.example.org/hook",
        "https://bot.example.org:443/hook",
        "https://bot.example.org:80/hook",
        "https://bot.example.org:88/hook",
        "https://bot.example.org:8443/hook",
    ],
)
def test_webhook_urls_telegram_accepts(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    _webhook(monkeypatch, url)
    monkeypatch.setenv("WEBHOOK_PORT", "8080")  # the local side may be any port

    settings = load_settings(Settings)

    assert settings.webhook_url == url
    assert settings.webhook_port == 8080


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://bot.example.org/hook", "must start with https://, not http://"),
        ("https://bot.example.org:8080/hook", "has port 8080"),
        ("https://bot.example.org:3000", "has port 3000"),
        ("https://bot.example.org:99999/hook", "has an invalid port"),
        ("bot.example.org/hook", "must start with https://"),
        ("https:///hook", "must name a host"),
    ],
)
def test_webhook_urls_telegram_refuses_are_one_line_naming_the_rule(
    monkeypatch: pytest.MonkeyPatch, url: str, reason: str
) -> None:
    _webhook(monkeypatch, url)

    with pytest.raises(SettingsError) as info:
        load_settings(Settings)

    message = str(info.value)
    assert message.startswith(f"WEBHOOK_URL {reason}")
    assert "\n" not in message
    assert "https:// URLs on port 443, 80, 88 or 8443" in message
    assert "core.telegram.org/bots/api#setwebhook" in message
    assert "WEBHOOK_PORT the local one" in message
    assert SECRET not in message
    assert GOOD_TOKEN not in message


def test_a_local_bot_api_does_not_relax_the_webhook_rule(monkeypatch: pytest.MonkeyPatch) -> None:
    _webhook(monkeypatch, "http://127.0.0.1:8080/hook")
    monkeypatch.setenv("TELEGRAM_API_URL", "http://127.0.0.1:8081")

    with pytest.raises(SettingsError, match=r"^WEBHOOK_URL must start with https://"):
        load_settings(Settings)


@pytest.mark.parametrize("path", ["/healthz", "/metrics/"])
def test_the_webhook_path_is_not_an_operator_endpoint(
    monkeypatch: pytest.MonkeyPatch, path: str
) -> None:
    _webhook(monkeypatch, f"https://bot.example.org{path}")

    with pytest.raises(SettingsError, match=f"^WEBHOOK_URL must not use {path}"):
        load_settings(Settings)


def test_metrics_port_is_for_polling_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", GOOD_TOKEN)
    monkeypatch.setenv("METRICS_PORT", "9100")
    assert load_settings(Settings).metrics_port == 9100

    _webhook(monkeypatch, "https://bot.example.org/hook")
    with pytest.raises(SettingsError, match=r"^METRICS_PORT is for polling mode"):
        load_settings(Settings)


def _process_env(tmp_path: Path, **values: str) -> dict[str, str]:
    prefixes = ("TELEGRAM_", "DATABASE_", "WEBHOOK_", "METRICS_", "ADMIN_", "CONTENT_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(prefixes)}
    env.update(values, PYTHONPATH=str(ROOT), DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path}/b.db")
    return env


@pytest.mark.parametrize("url", ["http://bot.example.org/hook", "https://bot.example.org:8080/"])
def test_run_and_doctor_refuse_the_webhook_url_before_starting(tmp_path: Path, url: str) -> None:
    env = _process_env(
        tmp_path, TELEGRAM_BOT_TOKEN=GOOD_TOKEN, WEBHOOK_URL=url, WEBHOOK_SECRET=SECRET
    )

    def bot(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(  # noqa: S603 (this interpreter, fixed arguments)
            [sys.executable, "-m", "bot", *args],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    run = bot("run")
    assert run.returncode == 2
    [line] = run.stderr.strip().splitlines()
    assert line.startswith("WEBHOOK_URL ")
    assert "443, 80, 88 or 8443" in line
    assert not (tmp_path / "b.db").exists()  # refused before migrations or the network

    doctor = bot("doctor")
    assert doctor.returncode == 1
    [settings_row] = [row for row in doctor.stdout.splitlines() if row.startswith("settings")]
    assert " FAIL " in settings_row
    assert "WEBHOOK_URL " in settings_row
    assert "443, 80, 88 or 8443" in settings_row
    assert "Traceback" not in doctor.stdout + doctor.stderr
