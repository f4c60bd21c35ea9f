"""Fixtures for the command line: the environment `salesbot …` sees when typed in a shell."""

from pathlib import Path

import pytest

SLACK_AND_TEAM_VARIABLES = ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "SLACK_API_URL",
                            "SALESBOT_TIMEZONE", "SALESBOT_LANGUAGE", "SALESBOT_CURRENCY", "SALESBOT_MANAGERS")


@pytest.fixture
def shell_env(db_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    """DATABASE_URL on the test's database, no Slack or team variable, no .env of the developer's."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", db_url)
    for name in SLACK_AND_TEAM_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch
