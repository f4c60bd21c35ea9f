"""The stated ranges of imported values (README "Value ranges"), on SQLite and PostgreSQL: a row outside them
refuses the whole file with its row and reason, and nothing changes; the encodings of a file; sums in SQL
that cannot overflow at the worst case (max amount x many rows)."""

import io
from datetime import date

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from db.importers import ImportOptions, import_file, resolve_team
from db.importers.values import MAX_AMOUNT_CENTS
from db.models import Deal, Feedback, ImportRun, Member, Target, Workspace
from reports import kpi_engine as engine_
from reports.periods import Period

TEAM = "T0001"
HEADER = "opportunity_id,sales_agent,product,account,deal_stage,engage_date,close_date,close_value\n"
GOOD = "A1,Ann,GTX,Acme,Won,2026-01-02,2026-02-03,1000\n"


def _import(engine: Engine, data: bytes | str, kind: str = "deals"):  # type: ignore[no-untyped-def]
    raw = data.encode() if isinstance(data, str) else data
    return import_file(
        engine, kind, raw, filename="upload.csv", team_id=TEAM, options=ImportOptions(), today=date(2026, 11, 26)
    )


def _nothing_stored(engine: Engine) -> None:
    with Session(engine) as session:
        for table in (Deal, Member, ImportRun, Feedback, Target, Workspace):
            assert session.exec(select(func.count()).select_from(table)).scalar() == 0, table


@pytest.mark.parametrize(
    "cell",
    ["99999999999999999999", "1e30", "92233720368547758", "$1,000,000,000,000.01", "20000亿", "inf", "-1e13"],
)
def test_an_amount_beyond_the_range_refuses_the_file(engine: Engine, cell: str) -> None:
    quoted = f'"{cell}"' if "," in cell else cell
    result = _import(engine, HEADER + GOOD + f"A2,Ann,GTX,Acme,Open,2026-01-02,,{quoted}\n")
    assert result.refused
    assert [(p.row, p.column, p.reason) for p in result.problems] == [(3, "close_value", "amount_out_of_range")]
    _nothing_stored(engine)


def test_a_won_deal_with_a_negative_amount_is_refused(engine: Engine) -> None:
    result = _import(engine, HEADER + GOOD + "A2,Ann,GTX,Acme,Won,2026-01-02,2026-02-03,-5000\n")
    assert [(p.row, p.reason) for p in result.problems] == [(3, "negative_won_amount")]
    _nothing_stored(engine)


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01", "1989-12-31", "2101-01-01"])
def test_a_date_outside_1990_to_2100_is_refused(engine: Engine, day: str) -> None:
    result = _import(engine, HEADER + GOOD + f"A2,Ann,GTX,Acme,Won,2026-01-02,{day},10\n")
    assert [(p.row, p.column, p.reason) for p in result.problems] == [(3, "close_date", "date_out_of_range")]
    _nothing_stored(engine)


def test_a_nul_byte_refuses_the_file_naming_its_row_instead_of_cutting_the_name(engine: Engine) -> None:
    result = _import(engine, HEADER + GOOD + "A2,Ev\x00e,GTX,Acme,Won,2026-01-02,2026-02-03,10\n")
    assert result.refusal is not None and result.refusal.text().startswith("row 3 contains a NUL byte")
    _nothing_stored(engine)


@pytest.mark.parametrize("name", ["Eve\x1b[31m", "Eve\x7f", "Eve\x08"])
def test_control_characters_in_text_refuse_the_file_instead_of_cutting_it(engine: Engine, name: str) -> None:
    result = _import(engine, HEADER + GOOD + f"A2,{name},GTX,Acme,Won,2026-01-02,2026-02-03,10\n")
    assert [(p.row, p.column, p.reason) for p in result.problems] == [(3, "sales_agent", "control_character")]
    _nothing_stored(engine)


def test_text_over_the_column_size_is_refused(engine: Engine) -> None:
    result = _import(engine, HEADER + GOOD + f"A2,Ann,GTX,{'x' * 301},Won,2026-01-02,2026-02-03,10\n")
    assert [(p.row, p.column, p.reason) for p in result.problems] == [(3, "account", "text_too_long")]
    _nothing_stored(engine)


def test_the_edges_of_the_ranges_are_accepted(engine: Engine) -> None:
    rows = (
        "A1,Ann,GTX,Acme,Won,1990-01-01,1990-01-01,1000000000000\n"
        f"A2,Ann,GTX,{'x' * 300},Open,2100-12-31,,-1000000000000\n"
        "A3,Ann,GTX,Acme,Lost,2026-01-02,2026-02-03,-5000\n"
    )
    result = _import(engine, HEADER + rows)
    assert (result.status, result.inserted) == ("done", 3)
    with Session(engine) as session:
        amounts = dict(session.exec(select(Deal.external_id, Deal.amount_cents)).all())
    assert amounts == {"A1": MAX_AMOUNT_CENTS, "A2": -MAX_AMOUNT_CENTS, "A3": -500_000}


def test_feedback_dates_text_and_comment_length_have_ranges(engine: Engine) -> None:
    data = (
        "date,account,rating,comment\n"
        "2026-01-02,Acme,5,fine\n"
        "9999-12-31,Acme,4,ok\n"
        "2026-01-02,Ac\x1bme,4,ok\n"
        f"2026-01-02,Acme,4,{'y' * 10_001}\n"
    )
    result = _import(engine, data, "feedback")
    assert [(p.row, p.reason) for p in result.problems] == [
        (3, "date_out_of_range"),
        (4, "control_character"),
        (5, "text_too_long"),
    ]
    _nothing_stored(engine)


def test_targets_values_and_periods_have_ranges(engine: Engine) -> None:
    data = "owner,metric,period,value\nteam,revenue,2026-Q3,100000\nteam,revenue,2026-Q4,1e30\nteam,revenue,2200,5\n"
    result = _import(engine, data, "targets")
    assert [(p.row, p.reason) for p in result.problems] == [(3, "amount_out_of_range"), (4, "date_out_of_range")]
    _nothing_stored(engine)


def test_a_utf8_file_with_one_latin1_row_is_refused_naming_the_row(engine: Engine) -> None:
    data = (HEADER + GOOD + "A2,Zoë Lefèvre,GTX,Acme,Won,2026-01-02,2026-02-03,10\n").encode()
    data += "A3,Jürgen Müller,GTX,Acme,Won,2026-01-02,2026-02-03,10\n".encode("latin-1")
    data += "A4,Renée,GTX,Acme,Won,2026-01-02,2026-02-03,10\n".encode()
    result = _import(engine, data)
    assert result.refusal is not None and result.refusal.code == "mixed_encoding"
    assert "row 4" in result.refusal.text()
    _nothing_stored(engine)


def test_utf16_with_a_bom_reads(engine: Engine) -> None:
    result = _import(engine, (HEADER + "A1,Zoë,GTX,Acme,Won,2026-01-02,2026-02-03,1000\n").encode("utf-16"))
    assert (result.status, result.encoding, result.inserted) == ("done", "utf-16", 1)
    assert result.owners_new == ["Zoë"]


def test_a_single_byte_file_is_still_read_whole_in_its_encoding(engine: Engine) -> None:
    result = _import(engine, (HEADER + "A1,Zoë Lefèvre,GTX,Acme,Won,2026-01-02,2026-02-03,1000\n").encode("cp1252"))
    assert (result.status, result.encoding, result.owners_new) == ("done", "cp1252", ["Zoë Lefèvre"])


@pytest.mark.parametrize("kind", ["deals", "feedback", "targets"])
def test_a_header_only_file_is_refused_with_a_clear_message(engine: Engine, kind: str) -> None:
    header = {"deals": HEADER, "feedback": "date,account,rating,comment\n", "targets": "owner,metric,period,value\n"}
    result = _import(engine, header[kind], kind)
    assert result.refusal is not None and result.refusal.text() == "the file has a header but no rows"
    _nothing_stored(engine)


def test_a_header_only_xlsx_is_refused(engine: Engine) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    book.active.append(HEADER.strip().split(","))
    buffer = io.BytesIO()
    book.save(buffer)
    result = _import(engine, buffer.getvalue())
    assert result.refusal is not None and result.refusal.code == "no_rows"


def test_revenue_sums_cannot_overflow_at_max_amount_times_many_rows(engine: Engine) -> None:
    """100,000 won deals at the largest amount: 10^19 cents, past BIGINT's 9.2*10^18."""
    team = resolve_team(engine, TEAM)
    rows = [
        {
            "team_id": team,
            "source": "generic",
            "external_id": f"D{i}",
            "status": "won",
            "amount_cents": MAX_AMOUNT_CENTS,
            "currency": "USD",
            "created_date": date(2026, 11, 2),
            "close_date": date(2026, 11, 2),
        }
        for i in range(100_000)
    ]
    with engine.begin() as conn:
        conn.execute(insert(Deal.__table__), rows)
    period = Period(date(2026, 11, 1), date(2026, 12, 1), "month")
    with Session(engine) as session:
        revenue = engine_.compute(session, "revenue", engine_.Scope(team), period, today=date(2026, 11, 26))
        average = engine_.compute(session, "avg_deal_size", engine_.Scope(team), period, today=date(2026, 11, 26))
    assert revenue.value == pytest.approx(100_000 * MAX_AMOUNT_CENTS, rel=1e-12)
    assert revenue.value > 2**63
    assert average.value == pytest.approx(MAX_AMOUNT_CENTS, rel=1e-12)
