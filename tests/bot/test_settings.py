"""Settings come from the environment and .env, and a wrong value stops the bot with a clear message."""

from pathlib import Path

import pytest

from bot.settings import Settings, SettingsError, load_settings


def test_defaults_follow_the_design(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("DATABASE_URL", "SLACK_API_URL", "SALESBOT_TIMEZONE", "SALESBOT_LANGUAGE", "SLACK_BOT_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    settings = load_settings()
    assert settings.database_url == "sqlite:///salesbot.db"
    assert settings.slack_api_url == "https://slack.com/api/"
    assert (settings.salesbot_timezone, settings.salesbot_language) == ("UTC", "en")
    assert not settings.has_slack_tokens


def test_dotenv_is_read_and_env_wins(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("SALESBOT_TIMEZONE=Asia/Shanghai\nSALESBOT_MANAGERS=U1, U2\n"
                                   "SLACK_API_URL=http://127.0.0.1:9/api\nSALESBOT_LANGUAGE=en\n")
    monkeypatch.setenv("SALESBOT_LANGUAGE", "zh")
    settings = load_settings()
    assert settings.salesbot_timezone == "Asia/Shanghai"
    assert settings.salesbot_language == "zh"
    assert settings.manager_ids == ["U1", "U2"]
    assert settings.slack_api_url == "http://127.0.0.1:9/api/"


@pytest.mark.parametrize(("name", "value", "message"), [
    ("SALESBOT_TIMEZONE", "Mars/Olympus", "unknown time zone 'Mars/Olympus'"),
    ("SALESBOT_LANGUAGE", "fr", "unsupported language 'fr'"),
    ("SLACK_API_URL", "slack.com/api", "SLACK_API_URL must be an http(s) URL"),
    ("SALESBOT_FISCAL_YEAR_START_MONTH", "13", "SALESBOT_FISCAL_YEAR_START_MONTH"),
])
def test_a_wrong_value_names_the_variable(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, name: str, value: str,
                                          message: str) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as err:
        load_settings()
    assert message in str(err.value) and name in str(err.value)


def test_tokens_are_secret_in_reprs() -> None:
    settings = Settings(_env_file=None, slack_bot_token="xoxb-123-secret", slack_signing_secret="shh")
    assert "xoxb-123-secret" not in repr(settings) and "shh" not in str(settings.model_dump())


def test_postgres_urls_get_the_installed_driver() -> None:
    settings = Settings(_env_file=None, database_url="postgresql://u@h/db")
    assert settings.database_url == "postgresql+psycopg://u@h/db"
