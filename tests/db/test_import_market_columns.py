"""Loss reasons, competitors and segments come in with the CRM's own column names (Salesforce, HubSpot,
Fxiaoke), on SQLite and PostgreSQL; a file without those columns re-imports unchanged."""

from datetime import date

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from db.importers import ImportOptions, import_file, resolve_team
from db.models import Deal

TEAM = "T0001"


def _import(engine: Engine, text: str, filename: str = "export.csv"):  # type: ignore[no-untyped-def]
    return import_file(engine, "deals", text.encode("utf-8"), filename=filename, team_id=resolve_team(engine, TEAM),
                       options=ImportOptions(), today=date(2026, 11, 26))


def _market(engine: Engine) -> dict[str, tuple[str, str, str, str]]:
    with Session(engine) as session:
        deals = session.execute(select(Deal)).scalars()
        return {d.external_id: (d.status, d.loss_reason, d.competitor, d.segment) for d in deals}


def test_salesforce_loss_reason_competitor_and_industry(engine: Engine) -> None:
    result = _import(engine, (
        "Opportunity ID,Opportunity Owner,Account Name,Stage,Amount,Close Date,Loss Reason,Competitor,Industry\n"
        "006A,Jane Cooper,Globex,Closed Lost,\"$12,000.00\",9/14/2026,Price,Initech,Manufacturing\n"
        "006B,Jane Cooper,Acme,Closed Won,\"$8,000.00\",9/15/2026,,,Retail\n"
    ))
    assert (result.status, result.file_format, result.inserted) == ("done", "salesforce", 2)
    assert result.mapping["loss_reason"] == "Loss Reason" and result.mapping["competitor"] == "Competitor"
    assert _market(engine) == {"006A": ("lost", "Price", "Initech", "Manufacturing"),
                               "006B": ("won", "", "", "Retail")}


def test_hubspot_closed_lost_reason(engine: Engine) -> None:
    result = _import(engine, (
        "Record ID,Deal Name,Deal Stage,Close Date,Deal owner,Amount,Create Date,Closed lost reason,Competitor\n"
        "901,Globex seats,Closed lost,2026-09-02 10:00,Olivia Brown,27500,2026-05-01 09:00,No budget,Umbrella\n"
    ))
    assert (result.status, result.file_format) == ("done", "hubspot")
    assert _market(engine)["901"] == ("lost", "No budget", "Umbrella", "")


def test_fxiaoke_chinese_columns(engine: Engine) -> None:
    result = _import(engine, (
        "商机编号,商机名称,客户名称,负责人,销售阶段,商机金额,结单日期,输单原因,竞争对手,行业\n"
        "SJ1,智慧门店,上海远景,张三,输单,\"¥120,000\",2026-09-01,价格太高,金蝶,零售\n"
    ))
    assert (result.status, result.file_format) == ("done", "fxiaoke")
    assert _market(engine)["SJ1"] == ("lost", "价格太高", "金蝶", "零售")


def test_a_file_without_market_columns_reimports_unchanged_and_gaining_them_updates(engine: Engine) -> None:
    plain = ("Opportunity ID,Opportunity Owner,Account Name,Stage,Amount,Close Date\n"
             "006A,Jane Cooper,Globex,Closed Lost,1000,9/14/2026\n006B,Jane Cooper,Acme,Closed Won,2000,9/15/2026\n")
    assert _import(engine, plain).inserted == 2
    again = _import(engine, plain)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 2)
    richer = plain.replace("Close Date\n", "Close Date,Loss Reason\n").replace("9/14/2026\n", "9/14/2026,Timing\n")
    richer = richer.replace("9/15/2026\n", "9/15/2026,\n")
    gained = _import(engine, richer)
    assert (gained.updated, gained.unchanged) == (1, 1)
    assert _market(engine)["006A"] == ("lost", "Timing", "", "")


def test_next_steps_and_last_activity_for_follow_up_reminders(engine: Engine) -> None:
    result = _import(engine, (
        "Opportunity ID,Opportunity Owner,Stage,Amount,Close Date,Next Step,Next Step Date,Last Activity\n"
        "006N,Jane Cooper,Proposal/Price Quote,5000,12/31/2026,Send quote,11/26/2026,11/20/2026\n"
    ))
    assert (result.status, result.rejected) == ("done", 0)
    fx = _import(engine, (
        "商机编号,负责人,销售阶段,商机金额,结单日期,下一步,下次跟进时间,最后跟进时间\n"
        "SJ9,张三,谈判,10000,2026-12-31,安排演示,2026-11-30,2026-11-02\n"
    ))
    assert (fx.status, fx.file_format) == ("done", "fxiaoke")
    with Session(engine) as session:
        deals = {d.external_id: d for d in session.execute(select(Deal)).scalars()}
    n, s = deals["006N"], deals["SJ9"]
    assert (n.next_step, n.next_step_date, n.last_activity_date) == ("Send quote", date(2026, 11, 26),
                                                                      date(2026, 11, 20))
    assert (s.next_step, s.next_step_date, s.last_activity_date) == ("安排演示", date(2026, 11, 30), date(2026, 11, 2))
    bad = _import(engine, (
        "Opportunity ID,Opportunity Owner,Stage,Amount,Close Date,Next Step Date\n"
        "006Z,Jane Cooper,Prospecting,5000,12/31/2026,someday\n"
    ))
    assert bad.status == "refused" and bad.problems[0].column == "Next Step Date"


def test_a_taiwanese_fxiaoke_export_with_traditional_headers(engine: Engine) -> None:
    result = _import(engine, (  # 紛享銷客 in Traditional script: the headers read as their Simplified aliases
        "商機編號,商機名稱,客戶名稱,負責人,銷售階段,商機金額,結單日期,輸單原因,競爭對手,行業\n"
        "TW1,智慧門市,台北遠景,林志明,輸單,\"120,000\",2026-09-01,價格太高,華為,零售\n"
    ))
    assert (result.status, result.file_format) == ("done", "fxiaoke"), result
    assert result.mapping["loss_reason"] == "輸單原因" and result.mapping["competitor"] == "競爭對手"
    assert _market(engine)["TW1"] == ("lost", "價格太高", "華為", "零售")  # values are stored as typed
