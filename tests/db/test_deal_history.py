"""Deal history is recorded by the import's writer, on SQLite and PostgreSQL: a first row per new deal, a row per
change of stage, amount/currency, close date or owner (with the state before), nothing for an unchanged
re-import or a change of another column, stamped with the import's time and run, all or nothing."""

from datetime import date, timedelta

import pytest
from sqlalchemy import func, inspect, select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from db import clock
from db.importers import ImportOptions, import_file
from db.importers import upsert as upsert_module
from db.models import Deal, DealChange, ImportRun, Member

TEAM = "T0001"
HEADER = "opportunity_id,deal_name,sales_agent,account,deal_stage,engage_date,close_date,close_value,currency\n"
V1 = [
    "D1,Alpha,Ann,Acme,Prospecting,2026-09-01,2026-12-15,1000,USD",
    "D2,Beta,Ann,Bolt,Engaging,2026-09-02,2026-12-20,2000,USD",
    "D3,Gamma,Bob,Core,Engaging,2026-09-03,2026-12-01,3000,USD",
    "D4,Delta,Bob,Dyne,Prospecting,2026-09-04,2027-01-10,4000,USD",
    "D5,Epsilon,Ann,Echo,Engaging,2026-09-05,2027-01-20,5000,USD",
]
V2 = [
    "D1,Alpha,Ann,Acme,Engaging,2026-09-01,2026-12-15,1000,USD",  # stage moved
    "D2,Beta,Ann,Bolt,Engaging,2026-09-02,2026-12-20,2500,EUR",  # amount and currency
    "D3,Gamma,Bob,Core,Engaging,2026-09-03,2027-02-01,3000,USD",  # close date moved out (slipped)
    "D4,Delta,Ann,Dyne,Prospecting,2026-09-04,2027-01-10,4000,USD",  # owner
    "D5,Epsilon (renamed),Ann,Echo,Engaging,2026-09-05,2027-01-20,5000,USD",  # name only: not history
    "D6,Zeta,Bob,Zinc,Prospecting,2026-11-28,2027-03-01,6000,USD",  # new
]


def _file(rows: list[str]) -> bytes:
    return (HEADER + "\n".join(rows) + "\n").encode()


def _import(engine: Engine, data: bytes, **options: object):  # type: ignore[no-untyped-def]
    return import_file(engine, "deals", data, filename="deals.csv", team_id=TEAM, options=ImportOptions(**options),
                       today=clock.today())  # type: ignore[arg-type]


def _changes(engine: Engine) -> list[DealChange]:
    with Session(engine) as session:
        return list(session.exec(select(DealChange).order_by(DealChange.id)).scalars())


def _ids(engine: Engine) -> tuple[dict[int, str], dict[int, str]]:
    with Session(engine) as session:
        deals = {d.id: d.external_id for d in session.exec(select(Deal)).scalars()}
        members = {m.id: m.crm_name for m in session.exec(select(Member)).scalars()}
    return deals, members  # type: ignore[return-value]


def _last_run(engine: Engine) -> int:
    with Session(engine) as session:
        return int(session.exec(select(func.max(ImportRun.id))).scalar())


def test_first_sightings_then_each_change_with_the_state_before(engine: Engine) -> None:
    first = _import(engine, _file(V1))
    assert (first.status, first.inserted) == ("done", 5)
    run1, seen1 = _last_run(engine), clock.now()
    rows = _changes(engine)
    deals, members = _ids(engine)
    assert sorted(deals[r.deal_id] for r in rows) == ["D1", "D2", "D3", "D4", "D5"]
    d1 = next(r for r in rows if deals[r.deal_id] == "D1")
    assert (d1.stage, d1.status, d1.amount_cents, d1.currency, d1.close_date, members[d1.owner_id]) == (
        "Prospecting", "open", 100_000, "USD", date(2026, 12, 15), "Ann")
    assert (d1.prev_stage, d1.prev_amount_cents, d1.prev_close_date, d1.prev_owner_id) == (None, None, None, None)
    assert all(r.run_id == run1 and r.team_id == TEAM for r in rows)
    assert all(abs(r.seen_at.replace(tzinfo=None) - seen1.replace(tzinfo=None)) < timedelta(seconds=5) for r in rows)

    again = _import(engine, _file(V1))  # unchanged: nothing added
    assert (again.unchanged, len(_changes(engine))) == (5, 5)

    clock.advance(timedelta(days=3))
    second = _import(engine, _file(V2))
    assert (second.inserted, second.updated, second.unchanged) == (1, 5, 0)  # counts as before history
    run2 = _last_run(engine)
    new = [r for r in _changes(engine) if r.run_id == run2]
    deals, members = _ids(engine)
    by = {deals[r.deal_id]: r for r in new}
    assert sorted(by) == ["D1", "D2", "D3", "D4", "D6"]  # D5's name is not history
    assert (by["D1"].prev_stage, by["D1"].stage) == ("Prospecting", "Engaging")
    assert (by["D2"].prev_amount_cents, by["D2"].prev_currency, by["D2"].amount_cents, by["D2"].currency) == (
        200_000, "USD", 250_000, "EUR")
    assert (by["D3"].prev_close_date, by["D3"].close_date) == (date(2026, 12, 1), date(2027, 2, 1))
    assert (members[by["D4"].prev_owner_id], members[by["D4"].owner_id]) == ("Bob", "Ann")
    assert by["D6"].prev_stage is None and by["D6"].stage == "Prospecting"
    assert by["D1"].prev_status == "open" and by["D1"].prev_close_date == date(2026, 12, 15)  # the whole state before
    with Session(engine) as session:
        seen = {deals[c.deal_id]: c.seen_at for c in session.exec(select(DealChange)).scalars()}
    assert seen["D6"].replace(tzinfo=None) - seen["D5"].replace(tzinfo=None) >= timedelta(days=3)

    assert _import(engine, _file(V2)).unchanged == 6 and len(_changes(engine)) == 10


def test_a_refused_file_records_no_history(engine: Engine) -> None:
    _import(engine, _file(V1))
    bad = _import(engine, _file([*V2, "D7,Eta,Bob,Zinc,Prospecting,2026-11-28,not a date,1,USD"]))
    assert bad.status == "refused"
    assert len(_changes(engine)) == 5


def test_a_bulk_import_records_history_while_indexes_are_rebuilt(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLite drops and rebuilds secondary indexes for a big import (here: from 3 rows): history's included."""
    monkeypatch.setattr(upsert_module, "BULK_ROWS", 3)
    _import(engine, _file(V1))
    _import(engine, _file(V2))
    assert len(_changes(engine)) == 10
    with engine.connect() as conn:
        names = {i["name"] for i in inspect(conn).get_indexes("deal_change")}
    assert {"ix_deal_change_team_seen", "ix_deal_change_deal_seen"} <= names
