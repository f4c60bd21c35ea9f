"""The market rollup an import leaves (db/importers/rollups.py on SQLite: sums added from the file, or only the
touched close dates recomputed) is the very rollup a full rebuild gives, to the cent, on both databases."""

from datetime import date

from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session

from db import market_rollup
from db.importers import ImportOptions, import_file, resolve_team

TEAM = "T0001"
HEADER = "opportunity_id,sales_agent,product,account,deal_stage,engage_date,close_date,close_value,currency," \
         "loss_reason,competitor,segment\n"
ACCOUNTS = ("account,sector,office_location,employees,revenue\n"
            "Bluth Co.,Retail,United States,1200,5\nInitech,Technology,Germany,85,2\nGlobex,,Canada,250,1\n")


def _rows() -> dict[str, list[str]]:
    products, accounts = ["GTX Basic", "MG Special", ""], ["Bluth Co", "Initech", "Globex", "Nobody Ltd", ""]
    stages = ["Won", "Lost", "Engaging", "Won", "Lost"]
    rows = {}
    for i in range(60):
        stage = stages[i % 5]
        closed = stage in ("Won", "Lost")
        rows[f"D{i:03d}"] = [
            f"D{i:03d}", f"Agent {i % 4}", products[i % 3], accounts[i % 5], stage, f"2026-0{1 + i % 6}-03",
            f"2026-0{2 + i % 7}-{1 + i % 27:02d}" if closed else "", str(1000 + 37 * i) if stage != "Engaging" else "",
            "EUR" if i % 7 == 0 else "USD", "price" if stage == "Lost" and i % 2 else "",
            "Rival" if stage == "Lost" and i % 3 else "", "SMB" if i % 4 == 0 else "",
        ]
    return rows


def _csv(rows: dict[str, list[str]]) -> bytes:
    return (HEADER + "".join(",".join(r) + "\n" for r in rows.values())).encode()


def _import(engine: Engine, rows: dict[str, list[str]]):  # type: ignore[no-untyped-def]
    result = import_file(engine, "deals", _csv(rows), filename="deals.csv", team_id=resolve_team(engine, TEAM),
                         options=ImportOptions(), today=date(2026, 11, 26))
    assert result.status == "done", result.problems
    return result


def _market_rows(engine: Engine) -> list[tuple[object, ...]]:
    with engine.connect() as conn:
        return sorted(tuple(map(str, r)) for r in conn.execute(text(
            "SELECT kind, key, day, currency, deals, amount_cents FROM dealmarketday WHERE team_id = :t"),
            {"t": TEAM}))


def _as_rebuilt(engine: Engine) -> list[tuple[object, ...]]:
    """The rows now, after checking they are valid; then the rows a full rebuild gives."""
    with Session(engine) as session:
        assert market_rollup.is_valid(session, TEAM)
    kept = _market_rows(engine)
    assert market_rollup.refresh_team(engine, TEAM)
    assert kept == _market_rows(engine)
    return kept


def test_an_import_leaves_the_rollup_a_full_rebuild_gives(engine: Engine) -> None:
    sqlite = engine.dialect.name == "sqlite"
    team = resolve_team(engine, TEAM)
    assert import_file(engine, "accounts", ACCOUNTS.encode(), filename="accounts.csv", team_id=team).status == "done"
    rows = _rows()
    first = _import(engine, rows)
    assert first.rollups == ("added" if sqlite else "")  # a first file: its sums added, read from memory
    built = _as_rebuilt(engine)
    kinds = {r[0] for r in built}
    assert {"won", "lost", "reason", "competitor", "won:product", "won:segment", "lost:region", "won:size"} <= kinds
    assert not kinds & {"product", "segment"}  # won deals by product / segment are stored once, as won:<dimension>

    rows["D000"][7] = "99999"  # amount
    rows["D001"][4] = "Won"  # lost -> won
    rows["D003"][6] = "2026-08-28"  # close date moved to another month
    rows["D005"][1] = "Agent 9"  # owner
    rows["D010"][2] = "GTX Basic"  # product
    rows["D015"][3] = "Initech"  # account: another segment, region and size
    rows["D020"][4], rows["D020"][6] = "Engaging", ""  # a won deal reopened: its close date goes
    rows["D900"] = ["D900", "Agent 1", "MG Special", "Bluth Co", "Won", "2026-01-02", "2026-03-04", "12345", "USD",
                    "", "", ""]
    again = _import(engine, rows)
    assert (again.inserted, again.updated) == (1, 7)
    assert again.rollups == ("days" if sqlite else "")  # only the close dates touched, then and now
    changed = _as_rebuilt(engine)
    assert changed != built
    with engine.connect() as conn:  # the moved deal left its old month and counts in its new one
        moved = conn.execute(text("SELECT count(*) FROM dealmarketday WHERE team_id = :t AND kind = 'won' "
                                  "AND day = :d"), {"t": TEAM, "d": date(2026, 8, 28)}).scalar()
    assert moved == 1

    unchanged = _import(engine, rows)
    assert (unchanged.inserted, unchanged.updated) == (0, 0)
    assert _as_rebuilt(engine) == changed


def test_refresh_days_recomputes_those_days_as_a_full_rebuild(engine: Engine) -> None:
    """On either database, the days recomputed from the deals are the full rebuild's rows for those days, even
    when what was stored for them was wrong (a deal moved between them since)."""
    _import(engine, _rows())
    full = _market_rows(engine)
    days = [date(2026, 2, 1), date(2026, 3, 2), date(2026, 4, 3)]
    with engine.begin() as conn:
        conn.execute(text("UPDATE dealmarketday SET amount_cents = amount_cents + 1 WHERE team_id = :t"), {"t": TEAM})
        assert market_rollup.refresh_days(conn, TEAM, days) == 3
    now, asked = _market_rows(engine), {str(d) for d in days}
    assert {r[2] for r in full} & asked == {"2026-02-01", "2026-03-02"}  # deals closed then (none on 3 April)
    assert [r for r in now if r[2] in asked] == [r for r in full if r[2] in asked]  # recomputed: right again
    assert [r for r in now if r[2] not in asked] != [r for r in full if r[2] not in asked]  # the others left alone
