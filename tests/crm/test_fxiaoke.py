"""Live sync from Fxiaoke 纷享销客 against a fake Fxiaoke OpenAPI on loopback, on SQLite and PostgreSQL.

What a manager would notice: every 商机 arrives once, with its owner linked and its stage read as open/won/lost
as the 商机 export's stage words are; dates are the company's (China) dates; a later sync brings what changed
(the newest version of a 商机 changed twice) and removes what was voided (作废); Fxiaoke's own rate-limit codes
are waited out or left for the next sync; an expired corpAccessToken is renewed; a refused permanent code breaks
the connection (once); a sync stopped halfway goes on where it stopped; figures equal the export's import.
"""

import csv
import io
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine

from db import clock
from db.crm import connections
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
from tests.crm_fakes import FakeFxiaoke

T0 = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
CHINA = timedelta(hours=8)


@pytest.fixture
def fxiaoke() -> Iterator[FakeFxiaoke]:
    fake = FakeFxiaoke()
    yield fake
    fake.close()


def ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def fx_deal(i: int) -> dict[str, object]:
    """A 商机 as the query API returns it: stage as its option value, dates in milliseconds, owner a list."""
    created = datetime(2026, 3, 1, 18, 0, tzinfo=UTC) + timedelta(days=i % 20)  # 02:00 the next day in China
    close = datetime(2026, 1 + i % 11, 15, tzinfo=UTC) - CHINA  # midnight of the 15th in China
    return {"name": f"商机 {i}", "account_id": f"acc{i % 7}", "account_id__r": f"客户 {i % 7}",
            "amount": f"{10_000 + i}.50", "mc_currency": "USD" if i % 4 == 0 else "CNY",
            "sales_stage": str(1 + i % 7), "owner": ["FSUID_A1" if i % 3 else "FSUID_B2"],
            "create_time": ms(created), "close_date": ms(close), "life_status": "normal"}


def connect_fxiaoke(engine: Engine, fake: FakeFxiaoke) -> int:
    creds = {"app_id": fake.app["appId"], "app_secret": fake.app["appSecret"],
             "permanent_code": fake.app["permanentCode"]}
    return connections.connect(engine, TEAM, "fxiaoke", creds, settings={"api_url": fake.url, "user_id": "FSUID_A1"})


def test_first_sync_then_changes_and_voided_deals(engine: Engine, fxiaoke: FakeFxiaoke) -> None:
    for i in range(250):
        fxiaoke.put(f"6a{i:04d}", T0 + timedelta(minutes=i // 3), **fx_deal(i))  # ties of three
    for i in range(250, 400):  # 150 商机 changed in the same millisecond: more than a page of ties
        fxiaoke.put(f"6a{i:04d}", T0 + timedelta(hours=5), **fx_deal(i))
    cid = connect_fxiaoke(engine, fxiaoke)
    first = sync_connection(engine, cid)
    assert (first.outcome, first.written, first.skipped_rows, first.removed) == ("ok", 400, 0, 0)
    assert fxiaoke.refreshes == 1  # the app's credentials were exchanged for a corpAccessToken once
    stored = deals(engine)
    assert len(stored) == 400
    won = stored["6a0011"]  # stage value 5: 赢单
    assert (won.status, won.stage, won.amount_cents, won.currency, won.account) == (
        "won", "赢单", 1_001_150, "CNY", "客户 4")
    assert (won.created_date, won.close_date) == (date(2026, 3, 13), date(2026, 1, 15))  # China's dates
    assert stored["6a0005"].status == "lost" and stored["6a0006"].status == "lost"  # 输单, 无效
    assert stored["6a0003"].stage == "谈判" and stored["6a0003"].status == "open"
    assert stored["6a0000"].currency == "USD"
    with engine.connect() as conn:
        owners = {m.crm_name: m.email for m in conn.execute(select(Member.__table__)).all()}
    assert owners == {"李雷": "lilei@example.com", "Darcel Schlecht": "darcel@example.com"}
    queries = fxiaoke.calls("/cgi/crm/v2/data/query")
    assert all(q[3]["data"]["search_query_info"]["limit"] == 100 for q in queries)
    assert any(q[3]["data"]["search_query_info"]["offset"] == 100 for q in queries)  # paged through the ties

    later = PINNED_NOW + timedelta(hours=2)
    clock.set_now(later + timedelta(minutes=1))
    fxiaoke.put("6a0010", later, amount="5000")  # changed twice between syncs: the newest counts
    fxiaoke.put("6a0010", later + timedelta(seconds=5), amount="7000.00", sales_stage="5")
    fxiaoke.delete("6a0012", later)  # voided (作废)
    fxiaoke.put("6b0001", later, **fx_deal(1))
    second = sync_connection(engine, cid)
    assert second.outcome == "ok"
    stored = deals(engine)
    assert (stored["6a0010"].amount_cents, stored["6a0010"].status) == (700_000, "won")
    assert "6a0012" not in stored and "6b0001" in stored and len(stored) == 400
    assert (second.written, second.removed) == (2, 1)

    third = sync_connection(engine, cid)  # nothing changed: nothing written
    assert (third.outcome, third.written, third.removed) == ("ok", 0, 0)
    assert row(engine, cid).last_sync_status == "ok" and fxiaoke.refreshes == 1


def test_a_deal_voided_and_deleted_between_two_syncs_goes_with_the_daily_check(engine: Engine,
                                                                              fxiaoke: FakeFxiaoke) -> None:
    for i in range(150):
        fxiaoke.put(f"d{i:03d}", T0 + timedelta(seconds=i), **fx_deal(i))
    cid = connect_fxiaoke(engine, fxiaoke)
    assert sync_connection(engine, cid).written == 150
    fxiaoke.delete("d001", PINNED_NOW + timedelta(minutes=1))  # voided, then deleted before the next sync
    purged_then_gone_a_day_later(engine, fxiaoke, cid, "d001")
    listed = [q for q in fxiaoke.calls("/cgi/crm/v2/data/query")
              if q[3]["data"]["search_query_info"]["orders"][0]["fieldName"] == "_id"]
    assert len(listed) == 2  # two pages a day later (not at the first sync): by _id, offset 0, `_id GT` the last
    assert all(q[3]["data"]["search_query_info"]["offset"] == 0 for q in listed)


def test_fxiaoke_rate_limit_codes(engine: Engine, fxiaoke: FakeFxiaoke) -> None:
    for i in range(120):
        fxiaoke.put(f"r{i:03d}", T0 + timedelta(seconds=i), **fx_deal(i))
    fxiaoke.fail_next("/cgi/crm/v2/data/query", 200, {"errorCode": 30004, "errorMessage": "秒频次超限"})
    fxiaoke.fail_next("/cgi/crm/v2/data/query", 200, {"errorCode": 14001, "errorMessage": "接口调用超过限制"})
    waits: list[float] = []
    cid = connect_fxiaoke(engine, fxiaoke)
    result = sync_connection(engine, cid, sleep=no_sleep(waits))
    assert (result.outcome, result.written, waits) == ("ok", 120, [1.0, 20.0])

    fxiaoke.put("r999", PINNED_NOW + timedelta(minutes=5), **fx_deal(999))
    clock.set_now(PINNED_NOW + timedelta(minutes=10))
    fxiaoke.fail_next("/cgi/crm/v2/data/query", 200, {"errorCode": 30002, "errorMessage": "当天访问频次超限"})
    limited = sync_connection(engine, cid)
    assert limited.outcome == "rate_limited" and "r999" not in deals(engine)
    assert row(engine, cid).status == "connected"
    assert sync_connection(engine, cid).written == 1 and "r999" in deals(engine)  # the next sync goes on


def test_expired_corp_access_token_is_renewed_and_stored_sealed(engine: Engine, fxiaoke: FakeFxiaoke) -> None:
    fxiaoke.put("1", T0, **fx_deal(1))
    cid = connect_fxiaoke(engine, fxiaoke)
    assert sync_connection(engine, cid).written == 1 and fxiaoke.refreshes == 1
    fxiaoke.expire_access_token()  # errorCode 20016 on the next call
    fxiaoke.put("2", PINNED_NOW + timedelta(minutes=1), **fx_deal(2))
    clock.set_now(PINNED_NOW + timedelta(minutes=2))
    assert sync_connection(engine, cid).written == 1 and fxiaoke.refreshes == 2
    creds = connections.credentials(row(engine, cid))
    assert creds["corp_access_token"] == fxiaoke.access_token and creds["corp_id"] == "FSCID_77"
    sealed = row(engine, cid).secret or ""
    assert fxiaoke.access_token not in sealed and "PERMANENT-1" not in sealed and "app-secret-1" not in sealed
    assert "hidden" in repr(creds) and "PERMANENT-1" not in repr(creds)


def test_refused_permanent_code_breaks_the_connection_once(engine: Engine, fxiaoke: FakeFxiaoke) -> None:
    fxiaoke.put("1", T0, **fx_deal(1))
    cid = connect_fxiaoke(engine, fxiaoke)
    assert sync_connection(engine, cid).outcome == "ok"
    fxiaoke.revoked = True  # the company withdrew the app's authorisation: 20015
    fxiaoke.expire_access_token()
    result = sync_connection(engine, cid)
    assert result.outcome == "broken" and "20015" in result.error
    assert row(engine, cid).status == "broken"
    assert connections.claim_broken_notice(engine, cid) is True
    assert connections.claim_broken_notice(engine, cid) is False
    assert sync_connection(engine, cid).outcome == "not_connected"


def test_sync_stopped_halfway_resumes_without_gaps_or_doubles(engine: Engine, fxiaoke: FakeFxiaoke) -> None:
    for i in range(500):
        fxiaoke.put(f"s{i:04d}", T0 + timedelta(seconds=i // 2), **fx_deal(i))
    stopped_then_resumed(engine, fxiaoke, connect_fxiaoke(engine, fxiaoke), "s0001", amount="99")


def export_csv(fake: FakeFxiaoke) -> bytes:
    """The same 商机 as Fxiaoke's 商机 export writes them: labels, names, local date-times."""
    labels = dict(fake.STAGES)
    users = {u["openUserId"]: u for u in fake.users}
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["商机编号", "商机名称", "客户名称", "负责人", "负责人邮箱", "销售阶段", "商机金额", "币种",
                     "创建时间", "结单日期"])
    for i, d in fake.deals.items():
        user = users[d["owner"][0]]  # type: ignore[index]
        created = datetime.fromtimestamp(int(d["create_time"]) / 1000, UTC) + CHINA  # type: ignore[arg-type]
        close = datetime.fromtimestamp(int(d["close_date"]) / 1000, UTC) + CHINA  # type: ignore[arg-type]
        writer.writerow([i, d["name"], d["account_id__r"], user["name"], user["email"], labels[str(d["sales_stage"])],
                         d["amount"], d["mc_currency"], f"{created:%Y-%m-%d %H:%M}", f"{close:%Y-%m-%d}"])
    return out.getvalue().encode()


def test_figures_from_synced_deals_equal_the_file_import(engine: Engine, fxiaoke: FakeFxiaoke) -> None:
    for i in range(300):
        fxiaoke.put(f"f{i:04d}", T0 + timedelta(seconds=i), **fx_deal(i))
    cid = connect_fxiaoke(engine, fxiaoke)
    assert sync_connection(engine, cid).written == 300
    filed = import_file(engine, "deals", export_csv(fxiaoke), filename="商机.csv", team_id="T0002",
                        options=ImportOptions(), today=date(2026, 11, 26))
    assert (filed.status, filed.inserted, filed.file_format) == ("done", 300, "fxiaoke")

    same_deals_and_figures(engine)


@pytest.mark.usefixtures("cli_env")  # a SQLite DATABASE_URL, no .env of the developer's, no key
def test_connect_from_a_shell_with_the_apps_credentials_in_the_environment(
        fxiaoke: FakeFxiaoke, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
    import os
    from pathlib import Path

    from bot.cli import main
    from db.crm.secrets import new_key
    from db.engine import get_engine

    for i in range(5):
        fxiaoke.put(f"c{i}", PINNED_NOW - timedelta(days=1, minutes=i), **fx_deal(i))
    args = ["connect", "fxiaoke", "--app-id-env", "FXK_APP_ID", "--app-secret-env", "FXK_APP_SECRET",
            "--permanent-code-env", "FXK_PERMANENT_CODE", "--user-id", "FSUID_A1", "--api-url", fxiaoke.url]
    with pytest.raises(SystemExit, match="--permanent-code-env VARIABLE --user-id"):
        main(["connect", "fxiaoke", "--app-id-env", "FXK_APP_ID"])
    with pytest.raises(SystemExit, match="FXK_APP_ID is empty or not set"):
        main(args)
    monkeypatch.setenv("FXK_APP_ID", fxiaoke.app["appId"])
    monkeypatch.setenv("FXK_APP_SECRET", fxiaoke.app["appSecret"])
    monkeypatch.setenv("FXK_PERMANENT_CODE", fxiaoke.app["permanentCode"])
    (Path.cwd() / ".env").write_text(f"SALESBOT_SECRET_KEY={new_key()}\n")
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "fxiaoke connected to workspace TLOCAL; first sync: 5 deals new or changed" in out
    assert "app-secret-1" not in out and "PERMANENT-1" not in out
    found = connections.find(get_engine(os.environ["DATABASE_URL"]), "TLOCAL", "fxiaoke")
    assert found is not None and found.settings["user_id"] == "FSUID_A1" and "PERMANENT-1" not in (found.secret or "")

    monkeypatch.setenv("FXK_PERMANENT_CODE", "WITHDRAWN")  # a wrong permanent code: refused, exit status 1
    assert main(args) == 1
    assert "first sync failed" in capsys.readouterr().err
