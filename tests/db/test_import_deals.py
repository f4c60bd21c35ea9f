"""Deals imports on SQLite and PostgreSQL: every CRM's export, all-or-nothing refusal, idempotent re-import."""

import io
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from db.importers import ImportOptions, import_file, resolve_team
from db.models import Deal, ImportRun, Member

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "imports"
TEAM = "T0001"


def _import(engine: Engine, name: str | bytes, kind: str = "deals", **options: object):  # type: ignore[no-untyped-def]
    data = name if isinstance(name, bytes) else (FIXTURES / name).read_bytes()
    team = resolve_team(engine, TEAM)
    return import_file(
        engine,
        kind,
        data,
        filename="upload.csv" if isinstance(name, bytes) else name,
        team_id=team,
        options=ImportOptions(**options),
        today=date(2026, 11, 26),
    )  # type: ignore[arg-type]


def _deals(engine: Engine) -> dict[str, Deal]:
    with Session(engine) as session:
        return {d.external_id: d for d in session.exec(select(Deal)).scalars()}


def test_salesforce_report_with_us_dates_dollars_and_owner_emails(engine: Engine) -> None:
    result = _import(engine, "salesforce_opportunities.csv")
    assert (result.file_format, result.inserted, result.rejected) == ("salesforce", 6, 0)
    deals = _deals(engine)
    won = deals["0065g00000A1bC1AAJ"]
    assert (won.status, won.amount_cents, won.currency, won.close_date) == ("won", 21_000_000, "USD", date(2026, 3, 14))
    lost = deals["0065g00000A1bC3AAJ"]
    assert (lost.status, lost.amount_cents) == ("lost", 0)
    assert deals["0065g00000A1bC5AAJ"].currency == "EUR"
    assert result.owner_emails["Jane Cooper"] == "jane.cooper@acme-sales.example.com"
    with Session(engine) as session:
        jane = session.exec(select(Member).where(Member.crm_name == "Jane Cooper")).scalar_one()
    assert jane.email == "jane.cooper@acme-sales.example.com" and jane.slack_user_id is None
    assert won.owner_id == jane.id


def test_hubspot_export_with_bom_crlf_and_datetimes(engine: Engine) -> None:
    result = _import(engine, "hubspot_deals.csv")
    assert (result.file_format, result.encoding, result.inserted) == ("hubspot", "utf-8-sig", 5)
    deal = _deals(engine)["9876543201"]
    assert (deal.status, deal.amount_cents, deal.close_date, deal.created_date) == (
        "won",
        4_800_000,
        date(2026, 3, 2),
        date(2026, 1, 12),
    )
    assert _deals(engine)["9876543205"].currency == "EUR"


def test_zoho_export_in_cp1252_with_european_numbers(engine: Engine) -> None:
    result = _import(engine, "zoho_deals.csv")
    assert (result.file_format, result.encoding, result.inserted) == ("zoho", "cp1252", 4)
    deal = _deals(engine)["zcrm_4876876000000321001"]
    assert (deal.amount_cents, deal.close_date, deal.currency) == (1_250_000, date(2026, 3, 15), "EUR")
    assert "Zoë Lefèvre" in result.owners_unlinked


def test_fxiaoke_export_in_gbk_with_chinese_dates_and_wan(engine: Engine) -> None:
    result = _import(engine, "fxiaoke_opportunities.csv")
    assert (result.file_format, result.encoding, result.inserted) == ("fxiaoke", "gb18030", 5)
    deals = _deals(engine)
    assert (deals["SJ20260001"].amount_cents, deals["SJ20260001"].currency) == (120_000_000, "CNY")
    assert deals["SJ20260004"].amount_cents == 86_000_000 and deals["SJ20260004"].close_date == date(2026, 3, 20)
    assert deals["SJ20260002"].status == "lost" and deals["SJ20260003"].status == "open"
    assert ("赢单", "won", 2) in result.stages


def test_xlsx_export_imports_like_its_csv(engine: Engine) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(
        ["Record Id", "Deal Owner", "Deal Name", "Account Name", "Amount", "Closing Date", "Stage", "Created Time"]
    )
    sheet.append(
        [
            "zcrm_1",
            "Jürgen Müller",
            "Benton",
            "Benton (Sample)",
            12500,
            date(2026, 3, 15),
            "Closed Won",
            date(2026, 1, 2),
        ]
    )
    buffer = io.BytesIO()
    book.save(buffer)
    result = _import(engine, buffer.getvalue())
    assert (result.file_format, result.encoding, result.inserted) == ("zoho", "xlsx", 1)
    assert _deals(engine)["zcrm_1"].close_date == date(2026, 3, 15)


BAD = (
    b"opportunity_id,sales_agent,product,account,deal_stage,engage_date,close_date,close_value\n"
    b"A1,Ann,GTX,Acme,Won,2026-01-02,2026-02-03,1000\n"
    b"A2,Ann,GTX,Acme,Won,2026-01-02,,1000\n"
    b"A3,Bob,GTX,Beta,Lost,2026-01-02,2026-02-03,lots\n"
    b"A4,Bob,GTX,Beta,Signed,2026-01-02,2026-02-03,10\n"
)


def test_a_file_with_bad_rows_is_refused_whole_and_nothing_changes(engine: Engine) -> None:
    result = _import(engine, BAD)
    assert result.refused and result.rejected == 3 and result.inserted == 0
    assert [(p.row, p.column, p.reason) for p in result.problems] == [
        (3, "close_date", "missing_close_date"),
        (4, "close_value", "bad_amount"),
        (5, "deal_stage", "unknown_stage"),
    ]
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(Deal)).scalar() == 0
        assert session.exec(select(func.count()).select_from(Member)).scalar() == 0
        assert session.exec(select(func.count()).select_from(ImportRun)).scalar() == 0


def test_skip_bad_rows_imports_the_rest_and_returns_the_rejected_rows(engine: Engine) -> None:
    result = _import(engine, BAD, skip_bad_rows=True, stage_map={"Signed": "won"})
    assert (result.status, result.inserted, result.rejected) == ("partial", 2, 2)
    assert set(_deals(engine)) == {"A1", "A4"} and _deals(engine)["A4"].status == "won"
    rejected = result.rejected_csv().decode("utf-8-sig")
    assert "A2" in rejected and "closed deal without a close date" in rejected and "A4" not in rejected
    from db.rollup import is_valid

    with Session(engine) as session:  # the rows it did write are in the rollup the team figures read
        assert is_valid(session, TEAM)


def test_skipped_rows_past_the_kept_limit_are_counted_not_held(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """Millions of bad rows with --skip-bad-rows must not fill memory: the CSV keeps the first N, all are counted."""
    from db.importers import report

    monkeypatch.setattr(report, "MAX_REJECTED_KEPT", 1)
    result = _import(engine, BAD, skip_bad_rows=True)
    assert (result.inserted, result.rejected, len(result.rejected_rows)) == (1, 3, 1)
    rejected = result.rejected_csv().decode("utf-8-sig")
    assert "A2" in rejected and "A3" not in rejected


def test_reimport_updates_in_place_and_never_duplicates(engine: Engine) -> None:
    first = _import(engine, BAD, skip_bad_rows=True)
    again = _import(engine, BAD, skip_bad_rows=True)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, first.inserted)
    changed = BAD.replace(b"2026-02-03,1000", b"2026-02-05,1500")
    third = _import(engine, changed, skip_bad_rows=True)
    assert (third.inserted, third.updated, third.unchanged) == (0, 1, 0)
    deals = _deals(engine)
    assert len(deals) == 1 and (deals["A1"].amount_cents, deals["A1"].close_date) == (150_000, date(2026, 2, 5))


def test_files_without_ids_get_stable_keys(engine: Engine) -> None:
    data = (
        b"owner,account,stage,amount,close_date\nAnn,Acme,Won,100,2026-01-05\nAnn,Acme,Won,100,2026-01-05\n"
        b"Bob,Beta,Lost,,2026-01-06\n"
    )
    assert _import(engine, data).inserted == 3  # two identical rows are two deals
    again = _import(engine, data.replace(b"Lost,,", b"Lost,0,"))
    assert (again.inserted, again.unchanged) == (0, 3)


def test_ambiguous_dates_are_refused_until_an_order_is_given(engine: Engine) -> None:
    data = b"id,owner,stage,amount,close_date\n1,Ann,Won,100,03/04/2026\n2,Ann,Won,100,05/06/2026\n"
    refused = _import(engine, data)
    assert refused.refusal is not None and refused.refusal.code == "ambiguous_dates"
    assert _import(engine, data, date_order="DMY").inserted == 2
    assert _deals(engine)["1"].close_date == date(2026, 4, 3)


def test_unrecognised_columns_say_what_is_missing(engine: Engine) -> None:
    result = _import(engine, b"foo,bar\n1,2\n")
    assert result.refusal is not None and "stage" in result.refusal.text() and "--map" in result.refusal.text()
    mapped = _import(
        engine,
        b"Deal,Phase,Value,Won on\nX,Won,10,2026-01-01\n",
        column_map={"Phase": "stage", "Value": "amount", "Won on": "close_date", "Deal": "name"},
    )
    assert mapped.inserted == 1


def test_the_shared_crm_export_imports_and_reimports_unchanged(engine: Engine, shared_data: Path) -> None:
    path = shared_data / "crm_sales_opportunities" / "sales_pipeline.csv"
    team = resolve_team(engine, TEAM)
    first = import_file(engine, "deals", path.read_bytes(), filename=path.name, team_id=team)
    assert (first.file_format, first.inserted, first.rejected) == ("generic", 8800, 0)
    assert dict((s, n) for s, _st, n in first.stages) == {
        "Won": 4238,
        "Lost": 2473,
        "Engaging": 1589,
        "Prospecting": 500,
    }
    again = import_file(engine, "deals", path.read_bytes(), filename=path.name, team_id=team)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 8800)
    with Session(engine) as session:
        won = session.exec(select(func.sum(Deal.amount_cents)).where(Deal.status == "won")).scalar()
        assert session.exec(select(func.count()).select_from(Deal)).scalar() == 8800
    assert won == 1_000_553_400  # $10,005,534 of won deals (summed with the csv module)
    assert len(first.owners_unlinked) == 30


@pytest.mark.parametrize("fmt", ["salesforce", "hubspot"])
def test_forcing_a_format_that_does_not_fit_is_refused(engine: Engine, fmt: str) -> None:
    assert _import(engine, "fxiaoke_opportunities.csv", file_format=fmt).refused


def test_an_order_lines_file_in_cp437_from_the_shell_names_its_stages_then_imports_its_letters(
    engine: Engine, shared_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture,
) -> None:
    """The model-car wholesaler's order lines (DOS code page 437, statuses like Shipped): the first try is refused
    with every unknown stage counted — not 20 rows saying the same — and a --stage-map line to start from; the
    second imports, with "Berguvsvägen" spelt right (cp1252 would read "Berguvsv„gen"), and revenue to the cent."""
    import pandas as pd

    from bot.cli import main

    path = shared_data / "sales_data_sample.csv"
    resolve_team(engine, TEAM)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.delenv("SLACK_BOT_TOKEN", raising=False)
    maps = ["--map", "SALES=amount", "--map", "ORDERDATE=close_date", "--map", "CUSTOMERNAME=account",
            "--map", "PRODUCTLINE=product", "--map", "STATUS=stage", "--map", "ADDRESSLINE1=name", "--team", TEAM]
    capsys.readouterr()
    assert main(["import", "deals", str(path), *maps]) != 0
    out = capsys.readouterr().out
    assert "Refused sales_data_sample.csv: 2,823 bad row(s); nothing was imported." in out
    assert "Stages not known: Shipped (2,617 rows), Cancelled (60 rows), Resolved (47 rows)" in out
    assert '--stage-map "Shipped=won" --stage-map "Cancelled=lost"' in out and "… and 2,803 more" in out
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(Deal)).one()[0] == 0

    stages = {"Shipped": "won", "Resolved": "won", "Cancelled": "lost", "Disputed": "lost", "On Hold": "open",
              "In Process": "open"}
    flags = [arg for stage, status in stages.items() for arg in ("--stage-map", f"{stage}={status}")]
    assert main(["import", "deals", str(path), *maps, *flags]) == 0
    out = capsys.readouterr().out
    assert "(generic, cp437)" in out and "inserted 2,823" in out
    frame = pd.read_csv(path, encoding="cp437", dtype=str)
    won = frame[frame["STATUS"].isin(["Shipped", "Resolved"])]
    expected = sum(round(float(v) * 100) for v in won["SALES"])
    with Session(engine) as session:
        total = session.exec(select(func.sum(Deal.amount_cents)).where(Deal.status == "won")).one()[0]
        names = set(session.exec(select(Deal.name)).scalars())
    assert total == expected
    assert "Berguvsvägen  8" in names and not any("„" in n for n in names)


def test_cp1252_and_cp437_are_told_apart_by_the_letters_inside_words() -> None:
    from db.importers.reading import detect_encoding

    header = "id,name,account,amount,close_date\n"
    french = header + "1,Société Générale renouvelé,Crédit Agricole,100,2026-01-05\n"
    assert detect_encoding(french.encode("cp1252")) == "cp1252"
    swedish = header + "1,Berguvsvägen 8,Mart\u00edn & Cataluña,100,2026-01-05\n"
    assert detect_encoding(swedish.encode("cp437")) == "cp437"


@pytest.mark.parametrize("header", ["Currency", "Currency Code", "币种"])
def test_a_currency_column_another_crm_names_is_read_not_taken_for_dollars(engine: Engine, header: str) -> None:
    data = (
        f"Opportunity Owner,Opportunity Name,Stage,Amount,{header},Close Date,Opportunity ID\n"
        "Jane Cooper,Berlin renewal,Closed Won,\"1,000.00\",EUR,3/14/2026,0065g00000B1\n"
        "Jane Cooper,Austin upsell,Closed Won,\"2,000.00\",USD,3/15/2026,0065g00000B2\n"
    ).encode()
    result = _import(engine, data)
    assert (result.file_format, result.inserted, result.rejected) == ("salesforce", 2, 0)
    assert result.mapping["currency"] == header
    deals = _deals(engine)
    assert (deals["0065g00000B1"].currency, deals["0065g00000B1"].amount_cents) == ("EUR", 100_000)
    assert deals["0065g00000B2"].currency == "USD"
