"""Live CRM sync from Slack, through the fake Slack and a fake Zoho CRM, on SQLite and PostgreSQL.

A manager types `/salesbot connect zoho`, opens the consent link, Zoho sends them back to the bot's HTTP server
with a code; the tokens are stored sealed, the manager hears it is connected; `/salesbot sync now` and the
scheduler's tick bring the deals; App Home shows the connection; a revoked grant breaks it and the managers
are told once; `/salesbot disconnect zoho` forgets the credentials. Reps cannot do any of it.
"""

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from bot.local_slack import LocalSlack
from db import clock
from db.crm import connections
from db.crm.secrets import new_key, use_key
from tests.conftest import PINNED_NOW
from tests.crm.test_sync import zoho_deal
from tests.crm_fakes import FakeZoho
from tests.slack_driver import SlackDriver, ack_text, message_text

KEY = new_key()


@pytest.fixture
def zoho() -> Iterator[FakeZoho]:
    fake = FakeZoho()
    yield fake
    fake.close()


@pytest.fixture
def bot(fake_slack: LocalSlack, db_url: str, tmp_path: Path, zoho: FakeZoho,
        monkeypatch: pytest.MonkeyPatch) -> Iterator[SlackDriver]:
    monkeypatch.delenv("SALESBOT_SECRET_KEY", raising=False)
    fake_slack.add_user("UREP", "Rita Rep")
    with SlackDriver(fake_slack, db_url, files_dir=tmp_path / "files", salesbot_secret_key=KEY,
                     salesbot_public_url="https://salesbot.example.com", zoho_client_id="1000.CLIENT",
                     zoho_client_secret="zoho-client-secret", zoho_accounts_url=zoho.url) as driver:
        yield driver
    use_key(None)


def connect(bot: SlackDriver, zoho: FakeZoho) -> requests.Response:
    answer = ack_text(bot.command("/salesbot", "connect zoho"))
    link = answer[answer.index("<") + 1 : answer.index("|")]
    assert link.startswith(zoho.url + "/oauth/v2/auth?")
    query = {k: v[0] for k, v in parse_qs(urlsplit(link).query).items()}
    assert query["client_id"] == "1000.CLIENT" and query["access_type"] == "offline"
    assert query["redirect_uri"] == "https://salesbot.example.com/crm/oauth/zoho"
    # Zoho's consent page sends the manager back with a code, the state, and the account's data centre
    return requests.get(bot.url + "/crm/oauth/zoho", params={"code": zoho.code, "state": query["state"],
                                                            "location": "us", "accounts-server": zoho.url}, timeout=10)


def test_connect_sync_now_home_schedule_and_disconnect(bot: SlackDriver, zoho: FakeZoho) -> None:
    for i in range(30):
        zoho.put(str(7000 + i), PINNED_NOW - timedelta(days=1, minutes=i), **zoho_deal(i))
    page = connect(bot, zoho)
    assert page.status_code == 200 and "Zoho CRM is connected" in page.text and "已连接" in page.text
    row = connections.find(bot.deps.engine, bot.team_id, "zoho")
    assert row is not None and row.status == "connected" and row.settings["api_domain"] == zoho.url
    assert "zoho-client-secret" not in (row.secret or "") and zoho.refresh_token not in (row.secret or "")
    assert any("is connected" in message_text(m) for m in bot.fake.posted())

    again = requests.get(bot.url + "/crm/oauth/zoho", params={"code": "x", "state": "forged"}, timeout=10)
    assert again.status_code == 400 and "expired or was already used" in again.text

    assert "Syncing Zoho CRM" in ack_text(bot.command("/salesbot", "sync now"))
    assert "30 deals new or changed" in bot.last_response_text()

    zoho.put("7000", PINNED_NOW + timedelta(minutes=1), Stage="Closed Lost")
    clock.set_now(PINNED_NOW + timedelta(minutes=16))
    report = bot.tick(clock.now())
    assert report.sent == 1
    assert bot.tick(clock.now()).sent == 0  # one sync per slot, whatever the ticks
    assert connections.find(bot.deps.engine, bot.team_id, "zoho").last_sync_deals == 1  # type: ignore[union-attr]

    bot.event({"type": "app_home_opened", "user": "UMANAGER", "tab": "home"})
    home = message_text(bot.fake.calls_to("views.publish")[-1].args["view"])
    assert "CRM connections" in home and "Zoho CRM" in home and "connected" in home

    assert "Disconnected *Zoho CRM*" in ack_text(bot.command("/salesbot", "disconnect zoho"))
    row = connections.find(bot.deps.engine, bot.team_id, "zoho")
    assert row is not None and row.status == "disconnected" and row.secret is None


def test_revoked_grant_tells_the_managers_once(bot: SlackDriver, zoho: FakeZoho) -> None:
    zoho.put("1", PINNED_NOW - timedelta(days=1), **zoho_deal(1))
    assert connect(bot, zoho).status_code == 200
    zoho.revoked = True
    zoho.access_token = "access-expired"
    clock.set_now(PINNED_NOW + timedelta(minutes=15))
    assert bot.tick(clock.now()).failed == 1
    told = [m for m in bot.fake.posted() if "stopped answering salesbot" in message_text(m)]
    assert len(told) == 1 and "/salesbot connect zoho" in message_text(told[0])
    clock.set_now(PINNED_NOW + timedelta(minutes=30))
    bot.tick(clock.now())
    assert len([m for m in bot.fake.posted() if "stopped answering salesbot" in message_text(m)]) == 1
    assert "refused salesbot's access" in ack_text(bot.command("/salesbot", "sync now"))
    bot.event({"type": "app_home_opened", "user": "UMANAGER", "tab": "home"})
    assert "broken" in message_text(bot.fake.calls_to("views.publish")[-1].args["view"])


def test_reps_cannot_connect_and_unknown_crms_get_examples(bot: SlackDriver) -> None:
    assert "manager" in ack_text(bot.command("/salesbot", "connect zoho", user="UREP")).lower()
    # a rep trying to disconnect is told managers disconnect, not that they connect
    assert "Only managers can connect, sync or disconnect a CRM" in ack_text(
        bot.command("/salesbot", "disconnect zoho", user="UREP"))
    answer = ack_text(bot.command("/salesbot", "connect pipedrive"))
    assert "`zoho`" in answer and "/salesbot connect zoho" in answer
    assert "salesbot connect hubspot --token-env" in ack_text(bot.command("/salesbot", "connect hubspot"))
    fxiaoke = ack_text(bot.command("/salesbot", "连接 fxiaoke"))
    assert "salesbot connect fxiaoke --app-id-env" in fxiaoke and "--permanent-code-env" in fxiaoke
    assert "No CRM is connected" in ack_text(bot.command("/salesbot", "sync now"))
    assert connections.find(bot.deps.engine, bot.team_id, "zoho") is None
