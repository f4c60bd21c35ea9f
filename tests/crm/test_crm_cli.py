"""`salesbot connect|sync|disconnect|secret-key` from a shell, against a fake HubSpot (SQLite: the CLI's path is
the same on both databases; the sync itself is tested on both in test_sync.py)."""

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.cli import main
from db.crm import connections
from db.crm.secrets import new_key, use_key
from db.engine import get_engine
from tests.conftest import PINNED_NOW
from tests.crm.test_sync import hubspot_deal
from tests.crm_fakes import FakeHubSpot


@pytest.fixture
def hubspot() -> Iterator[FakeHubSpot]:
    fake = FakeHubSpot()
    yield fake
    fake.close()


@pytest.fixture
def cli_env(sqlite_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[str]:
    monkeypatch.chdir(tmp_path)  # no .env of the developer's
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SALESBOT_SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)
    use_key(None)
    yield sqlite_url
    use_key(None)


def test_connect_with_a_token_from_the_environment_then_sync_and_disconnect(
        cli_env: str, hubspot: FakeHubSpot, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
    for i in range(5):
        hubspot.put(str(100 + i), PINNED_NOW - timedelta(days=1, minutes=i), **hubspot_deal(i))
    monkeypatch.setenv("HUBSPOT_TOKEN", hubspot.access_token)
    with pytest.raises(SystemExit, match="salesbot secret-key"):  # nothing stored without the key
        main(["connect", "hubspot", "--token-env", "HUBSPOT_TOKEN", "--api-url", hubspot.url])
    (Path.cwd() / ".env").write_text(f"SALESBOT_SECRET_KEY={new_key()}\n")  # the key from .env is enough
    assert main(["connect", "hubspot", "--token-env", "HUBSPOT_TOKEN", "--api-url", hubspot.url]) == 0
    out = capsys.readouterr().out
    assert "hubspot connected to workspace TLOCAL; first sync: 5 deals new or changed" in out
    assert hubspot.access_token not in out
    row = connections.find(get_engine(cli_env), "TLOCAL", "hubspot")
    assert row is not None and hubspot.access_token not in (row.secret or "")
    assert main(["sync"]) == 0 and "hubspot: 0 deals new or changed" in capsys.readouterr().out
    assert main(["disconnect", "hubspot"]) == 0
    with pytest.raises(SystemExit, match="no connected CRM"):
        main(["sync"])


def test_connect_needs_a_variable_and_zoho_goes_through_slack(cli_env: str, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(SystemExit, match="--token-env VARIABLE"):
        main(["connect", "hubspot"])
    with pytest.raises(SystemExit, match="is empty or not set"):
        main(["connect", "hubspot", "--token-env", "NOT_SET_ANYWHERE"])
    with pytest.raises(SystemExit, match="/salesbot connect zoho"):
        main(["connect", "zoho"])


def test_secret_key_prints_a_fernet_key(capsys: pytest.CaptureFixture) -> None:
    assert main(["secret-key"]) == 0
    key = capsys.readouterr().out.strip()
    assert len(key) == 44 and key.endswith("=")
