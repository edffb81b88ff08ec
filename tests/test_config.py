"""Settings: required token, validation messages that name the variable, no secret echoed."""

from __future__ import annotations

import pytest

from bot.config import CommonSettings, Settings, SettingsError, load_settings

GOOD_TOKEN = "123456:ABCdefGHIjklMNOpqrSTUvwxYZ012345"


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    for name in (
        "TELEGRAM_BOT_TOKEN",
        "TELEGRAM_API_URL",
        "DATABASE_URL",
        "ADMIN_IDS",
        "LOG_LEVEL",
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
