"""Live sync from Salesforce against a fake Salesforce (login host and org instance) on loopback, on SQLite and
PostgreSQL, and connecting it from Slack through the fake Slack.

What a manager would notice: `/salesbot connect salesforce` gives a consent link, Salesforce sends them back to the
bot and the org is connected; every opportunity arrives once with its owner linked and its stage read as the org
says (custom won and open stages included); a later sync brings what changed and removes what was deleted; the
org's request limit is waited out (a concurrent one) or left for the next sync (the daily one); an expired session
is refreshed; a revoked refresh token breaks the connection and the managers hear it once; a sync stopped halfway
goes on where it stopped; figures equal those of the same opportunities imported from a report export.
"""

import csv
import io
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from sqlalchemy import select
from sqlalchemy.engine import Engine

from bot.local_slack import LocalSlack
from db import clock
from db.crm import connections
from db.crm.secrets import new_key, use_key
from db.crm.sync import sync_connection
from db.importers import ImportOptions, import_file
from db.models import Member
from tests.conftest import PINNED_NOW
from tests.crm.test_crm_cli import cli_env  # noqa: F401
from tests.crm.test_sync import (
    TEAM,
    deals,
    no_sleep,
    purged_then_gone_a_day_later,
    row,
    same_deals_and_figures,
    secret_key,  # noqa: F401 (the autouse fixture: a SALESBOT_SECRET_KEY)
    stopped_then_resumed,
)
from tests.crm_fakes import FakeSalesforce
from tests.slack_driver import SlackDriver, ack_text, message_text

T0 = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
_STAGES = FakeSalesforce.STAGES


@pytest.fixture
def salesforce() -> Iterator[FakeSalesforce]:
    fake = FakeSalesforce()
    yield fake
    fake.close()


def sf_deal(i: int) -> dict[str, object]:
    """An Opportunity as the query API returns it (relationship fields nested, times in +0000)."""
    stage, closed, won = _STAGES[i % 6]
    created = datetime(2026, 3, 2, 5, 0, tzinfo=UTC) + timedelta(days=i % 20)  # 21:00 the day before in LA
    return {"Name": f"Opportunity {i}", "StageName": stage, "IsClosed": closed, "IsWon": won,
            "Amount": 1000 + i + 0.5, "CurrencyIsoCode": "EUR" if i % 4 == 0 else "USD",
            "CloseDate": f"2026-{1 + i % 11:02d}-15", "CreatedDate": FakeSalesforce.stamp(created),
            "OwnerId": "005A1" if i % 3 else "005B2", "Account": {"Name": f"Account {i % 7}"} if i % 5 else None,
            "Loss_Reason__c": "Price" if stage == "Closed Lost" else None, "NextStep": None, "LastActivityDate": None}


def connect_salesforce(engine: Engine, fake: FakeSalesforce, *, expires_in: timedelta = timedelta(hours=1)) -> int:
    creds = {"access_token": fake.access_token, "refresh_token": fake.refresh_token, "client_id": "c",
             "client_secret": "s", "expires_at": (datetime.now(UTC) + expires_in).isoformat()}
    return connections.connect(engine, TEAM, "salesforce", creds,
                               settings={"login_url": fake.url, "instance_url": fake.url})


def test_first_sync_in_batches_then_changes_and_deletions(engine: Engine, salesforce: FakeSalesforce) -> None:
    for i in range(450):
        salesforce.put(f"006A{i:05d}", T0 + timedelta(minutes=i // 3), **sf_deal(i))  # ties of three
    for i in range(450, 700):  # 250 changed in the same millisecond: more than a batch of ties
        salesforce.put(f"006A{i:05d}", T0 + timedelta(hours=9), **sf_deal(i))
    cid = connect_salesforce(engine, salesforce)
    first = sync_connection(engine, cid)
    assert (first.outcome, first.written, first.skipped_rows, first.removed) == ("ok", 700, 0, 0)
    assert any("/query/01gFAKE" in r[1] for r in salesforce.requests)  # followed nextRecordsUrl
    stored = deals(engine)
    assert len(stored) == 700
    won = stored["006A00002"]
    assert (won.status, won.stage, won.amount_cents, won.currency, won.account, won.close_date) == (
        "won", "Closed Won", 100_250, "USD", "Account 2", date(2026, 3, 15))
    assert won.created_date == date(2026, 3, 3)  # 2026-03-04 05:00 UTC is the 3rd in the org's Los Angeles
    assert stored["006A00004"].status == "won" and stored["006A00004"].stage == "Signed - Awaiting PO"
    assert stored["006A00005"].status == "open"  # "Parked": open, as OpportunityStage says
    assert (stored["006A00003"].status, stored["006A00003"].loss_reason) == ("lost", "Price")
    assert stored["006A00000"].currency == "EUR" and stored["006A00000"].account == ""
    with engine.connect() as conn:
        owners = {m.crm_name: m.email for m in conn.execute(select(Member.__table__)).all()}
    assert owners == {"Darcel Schlecht": "darcel@example.com", "王芳": "wangfang@example.com"}

    later = PINNED_NOW + timedelta(hours=2)
    clock.set_now(later + timedelta(minutes=1))
    salesforce.put("006A00010", later, Amount=5000)  # changed twice between syncs: the newest counts
    salesforce.put("006A00010", later + timedelta(seconds=5), Amount=7000, StageName="Closed Won")
    salesforce.delete("006A00011", later)
    salesforce.put("006B00001", later, **sf_deal(1))
    second = sync_connection(engine, cid)
    assert second.outcome == "ok"
    stored = deals(engine)
    assert (stored["006A00010"].amount_cents, stored["006A00010"].status) == (700_000, "won")
    assert "006A00011" not in stored and "006B00001" in stored and len(stored) == 700
    assert (second.written, second.removed) == (2, 1)
    third = sync_connection(engine, cid)
    assert (third.outcome, third.written, third.removed) == ("ok", 0, 0)


def test_an_opportunity_gone_from_the_recycle_bin_goes_with_the_daily_check(engine: Engine,
                                                                           salesforce: FakeSalesforce) -> None:
    for i in range(250):
        salesforce.put(f"006P{i:03d}", T0 + timedelta(seconds=i), **sf_deal(i))
    cid = connect_salesforce(engine, salesforce)
    assert sync_connection(engine, cid).written == 250
    purged_then_gone_a_day_later(engine, salesforce, cid, "006P001")  # emptied from the recycle bin meanwhile


def test_request_limits_and_expired_sessions(engine: Engine, salesforce: FakeSalesforce) -> None:
    for i in range(30):
        salesforce.put(f"006L{i:03d}", T0 + timedelta(seconds=i), **sf_deal(i))
    salesforce.fail_next("/services/data/v62.0/query", 403, [{
        "message": "ConcurrentPerOrgLongTxn Limit exceeded", "errorCode": "REQUEST_LIMIT_EXCEEDED"}])
    waits: list[float] = []
    cid = connect_salesforce(engine, salesforce)
    assert sync_connection(engine, cid, sleep=no_sleep(waits)).written == 30 and waits == [5.0]

    salesforce.put("006L999", PINNED_NOW + timedelta(minutes=1), **sf_deal(999))
    clock.set_now(PINNED_NOW + timedelta(minutes=2))
    salesforce.fail_next("/services/data/v62.0/query", 403, [{
        "message": "TotalRequests Limit exceeded.", "errorCode": "REQUEST_LIMIT_EXCEEDED"}])
    limited = sync_connection(engine, cid)
    assert limited.outcome == "rate_limited" and row(engine, cid).status == "connected"
    assert "006L999" not in deals(engine)

    salesforce.expire_access_token()  # 401 INVALID_SESSION_ID: refreshed once, the sync goes on
    assert sync_connection(engine, cid).written == 1 and salesforce.refreshes == 1
    creds = connections.credentials(row(engine, cid))
    assert creds["access_token"] == salesforce.access_token and salesforce.access_token not in (row(engine, cid).secret
                                                                                                 or "")


def test_an_access_token_near_its_end_is_refreshed_first(engine: Engine, salesforce: FakeSalesforce) -> None:
    salesforce.put("006R1", T0, **sf_deal(1))
    cid = connect_salesforce(engine, salesforce, expires_in=timedelta(minutes=2))
    assert sync_connection(engine, cid).written == 1
    assert salesforce.refreshes == 1 and salesforce.requests[0][1] == "/services/oauth2/token"


def test_revoked_refresh_token_breaks_the_connection_once(engine: Engine, salesforce: FakeSalesforce) -> None:
    salesforce.put("006X1", T0, **sf_deal(1))
    cid = connect_salesforce(engine, salesforce)
    salesforce.revoked = True
    result = sync_connection(engine, cid)
    assert result.outcome == "broken" and "invalid_grant" in result.error
    assert row(engine, cid).status == "broken"
    assert connections.claim_broken_notice(engine, cid) is True
    assert connections.claim_broken_notice(engine, cid) is False


def test_sync_stopped_halfway_resumes_without_gaps_or_doubles(engine: Engine, salesforce: FakeSalesforce) -> None:
    for i in range(500):
        salesforce.put(f"006S{i:04d}", T0 + timedelta(seconds=i // 2), **sf_deal(i))
    stopped_then_resumed(engine, salesforce, connect_salesforce(engine, salesforce), "006S0001", Amount=99)


def export_csv(fake: FakeSalesforce) -> bytes:
    """The same opportunities as a Salesforce report export ("Details only") writes them, dates in the org's zone."""
    from zoneinfo import ZoneInfo

    users = {u["Id"]: u for u in fake.users}
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["Opportunity ID", "Opportunity Name", "Opportunity Owner", "Owner Email", "Account Name", "Stage",
                     "Amount", "Opportunity Currency", "Created Date", "Close Date", "Loss Reason"])
    for i, d in fake.deals.items():
        user = users[str(d["OwnerId"])]
        created = datetime.fromisoformat(str(d["CreatedDate"])).astimezone(ZoneInfo(fake.timezone))
        account = (d["Account"] or {}).get("Name", "")  # type: ignore[attr-defined]
        writer.writerow([i, d["Name"], user["Name"], user["Email"], account, d["StageName"], d["Amount"],
                         d["CurrencyIsoCode"], f"{created:%m/%d/%Y}", datetime.fromisoformat(str(d["CloseDate"]))
                         .strftime("%m/%d/%Y"), d["Loss_Reason__c"] or ""])
    return out.getvalue().encode()


def test_figures_from_synced_deals_equal_the_file_import(engine: Engine, salesforce: FakeSalesforce) -> None:
    for i in range(300):
        salesforce.put(f"006F{i:04d}", T0 + timedelta(seconds=i), **sf_deal(i))
    cid = connect_salesforce(engine, salesforce)
    assert sync_connection(engine, cid).written == 300
    stage_map = {name: ("won" if won else "lost") if closed else "open" for name, closed, won in _STAGES}
    filed = import_file(engine, "deals", export_csv(salesforce), filename="opportunities.csv", team_id="T0002",
                        options=ImportOptions(stage_map=stage_map, date_order="MDY"), today=date(2026, 11, 26))
    assert (filed.status, filed.inserted, filed.file_format) == ("done", 300, "salesforce")

    same_deals_and_figures(engine)


KEY = new_key()


@pytest.fixture
def bot(fake_slack: LocalSlack, db_url: str, tmp_path: Path, salesforce: FakeSalesforce,
        monkeypatch: pytest.MonkeyPatch) -> Iterator[SlackDriver]:
    monkeypatch.delenv("SALESBOT_SECRET_KEY", raising=False)
    with SlackDriver(fake_slack, db_url, files_dir=tmp_path / "files", salesbot_secret_key=KEY,
                     salesbot_public_url="https://salesbot.example.com", salesforce_client_id="3MVG9.CONSUMER",
                     salesforce_client_secret="sf-consumer-secret", salesforce_login_url=salesforce.url) as driver:
        yield driver
    use_key(None)


def test_a_manager_connects_salesforce_from_slack(bot: SlackDriver, salesforce: FakeSalesforce) -> None:
    for i in range(12):
        salesforce.put(f"006C{i:03d}", PINNED_NOW - timedelta(days=1, minutes=i), **sf_deal(i))
    answer = ack_text(bot.command("/salesbot", "connect salesforce"))
    link = answer[answer.index("<") + 1 : answer.index("|")]
    assert link.startswith(salesforce.url + "/services/oauth2/authorize?")
    query = {k: v[0] for k, v in parse_qs(urlsplit(link).query).items()}
    assert (query["client_id"], query["response_type"], query["scope"]) == ("3MVG9.CONSUMER", "code",
                                                                           "api refresh_token")
    assert query["redirect_uri"] == "https://salesbot.example.com/crm/oauth/salesforce"
    page = requests.get(bot.url + "/crm/oauth/salesforce", params={"code": salesforce.code, "state": query["state"]},
                        timeout=10)
    assert page.status_code == 200 and "Salesforce is connected" in page.text
    found = connections.find(bot.deps.engine, bot.team_id, "salesforce")
    assert found is not None and found.status == "connected" and found.settings["instance_url"] == salesforce.url
    assert "sf-consumer-secret" not in (found.secret or "") and salesforce.refresh_token not in (found.secret or "")

    assert "Syncing Salesforce" in ack_text(bot.command("/salesbot", "sync now"))
    assert "*Salesforce*: 12 deals new or changed" in bot.last_response_text()
    bot.event({"type": "app_home_opened", "user": "UMANAGER", "tab": "home"})
    home = message_text(bot.fake.calls_to("views.publish")[-1].args["view"])
    assert "*Salesforce* · connected" in home

    salesforce.revoked = True  # the org revoked salesbot's access: the next scheduled sync breaks it, told once
    clock.set_now(PINNED_NOW + timedelta(minutes=15))
    assert bot.tick(clock.now()).failed == 1
    clock.set_now(PINNED_NOW + timedelta(minutes=30))
    bot.tick(clock.now())
    told = [m for m in bot.fake.posted() if "stopped answering salesbot" in message_text(m)]
    assert len(told) == 1 and "/salesbot connect salesforce" in message_text(told[0])


def test_salesforce_needs_its_connected_app(fake_slack: LocalSlack, sqlite_url: str, tmp_path: Path) -> None:
    with SlackDriver(fake_slack, sqlite_url, files_dir=tmp_path / "files", salesbot_secret_key=KEY,
                     salesbot_public_url="https://salesbot.example.com") as driver:
        answer = ack_text(driver.command("/salesbot", "connect salesforce"))
    use_key(None)
    assert "SALESFORCE_CLIENT_ID" in answer and "SALESFORCE_CLIENT_SECRET" in answer


@pytest.mark.usefixtures("cli_env")
def test_a_shell_points_to_slack_for_salesforce() -> None:
    from bot.cli import main

    with pytest.raises(SystemExit, match="a manager types `/salesbot connect salesforce` in Slack"):
        main(["connect", "salesforce"])
