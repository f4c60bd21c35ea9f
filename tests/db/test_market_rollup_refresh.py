"""The rollups an import leaves (db/importers/rollups.py on SQLite: sums added from the file, or only the touched
close dates of the market rollup recomputed) are the very rollups a full rebuild gives, to the cent, on both
databases: the market view's (`dealmarketday`) and the KPI engine's (`dealday`, `dealrepmonth`), also when the
import links its CRM owners to Slack people (which moves their deals to other member ids)."""

from datetime import date

from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session

from db import market_rollup, rollup
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


def _kpi_rows(engine: Engine) -> list[tuple[object, ...]]:
    with engine.connect() as conn:
        days = conn.execute(text("SELECT kind, day, currency, deals, amount_cents FROM dealday WHERE team_id = :t"),
                            {"t": TEAM})
        months = conn.execute(text("SELECT kind, month, owner_id, currency, deals, amount_cents FROM dealrepmonth "
                                   "WHERE team_id = :t"), {"t": TEAM})
        return sorted(("day", *map(str, r)) for r in days) + sorted(("month", *map(str, r)) for r in months)


def _as_rebuilt(engine: Engine) -> list[tuple[object, ...]]:
    """The market rows now, after checking both rollups are valid and equal to full rebuilds; then the rows."""
    with Session(engine) as session:
        assert market_rollup.is_valid(session, TEAM)
        assert rollup.is_valid(session, TEAM)
    kept, kpi = _market_rows(engine), _kpi_rows(engine)
    rollup.refresh_team(engine, TEAM)  # first: the market rollup counts as built from this refresh
    assert kpi == _kpi_rows(engine)
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


def _person(engine: Engine, user_id: str, real_name: str) -> int:
    """Someone of the Slack workspace (the directory), not yet linked to any CRM owner."""
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO member (team_id, slack_user_id, display_name, real_name, role, active, "
                          "created_at) VALUES (:t, :u, :n, :n, 'rep', :a, :c)"),
                     {"t": TEAM, "u": user_id, "n": real_name, "a": True, "c": date(2026, 11, 1)})
        return int(conn.execute(text("SELECT id FROM member WHERE slack_user_id = :u"), {"u": user_id}).scalar_one())


def _by_rep(engine: Engine) -> dict[int, int]:
    """Won amount per owner id, from the rollup (what a leaderboard reads)."""
    with engine.connect() as conn:
        return dict(conn.execute(text("SELECT owner_id, sum(amount_cents) FROM dealrepmonth WHERE team_id = :t "
                                      "AND kind = 'won' GROUP BY owner_id"), {"t": TEAM}).all())


def test_owners_linked_by_the_import_own_their_sums_in_the_rollup(engine: Engine) -> None:
    """The file's owners 'Agent 1' and 'AGENT  2' are Slack people: the import links them (merging the owner rows
    it made into the people's), and the per-rep rollup names the people, as a full rebuild does. A later file of
    another CRM whose owner, known from the first file, has since joined Slack moves that owner's old sums too."""
    team = resolve_team(engine, TEAM)
    one, two = _person(engine, "UONE", "Agent 1"), _person(engine, "UTWO", "Agent 2")
    rows = _rows()
    for row in rows.values():
        row[1] = {"Agent 2": "AGENT  2"}.get(row[1], row[1])
    _import(engine, rows)
    _as_rebuilt(engine)
    won = _by_rep(engine)
    with engine.connect() as conn:
        members = dict(conn.execute(text("SELECT crm_name, id FROM member WHERE team_id = :t"), {"t": TEAM}).all())
    assert members["Agent 1"] == one and members["AGENT  2"] == two  # linked: the people carry the CRM names
    assert set(won) == {one, two, members["Agent 0"], members["Agent 3"]}
    assert won[one] > 0 and won[two] > 0

    three = _person(engine, "UTHREE", "Agent 3")  # joins Slack after the first import
    unchanged = _import(engine, rows)  # changes no deal, but links Agent 3: the sums move to the person
    assert (unchanged.inserted, unchanged.updated) == (0, 0)
    _as_rebuilt(engine)
    after = _by_rep(engine)
    assert members["Agent 3"] not in after and after[three] == won[members["Agent 3"]]

    zero = _person(engine, "UZERO", "Agent 0")  # joins too; then a file of another CRM names Agent 0 and Agent 1
    salesforce = "Opportunity ID,Opportunity Owner,Stage,Amount,Close Date,Created Date\n" \
                 "SF1,Agent 0,Closed Won,5000,2026-03-04,2026-01-02\nSF2,Agent 1,Closed Won,700,2026-03-05,2026-01-02\n"
    result = import_file(engine, "deals", salesforce.encode(), filename="sf.csv", team_id=team,
                         options=ImportOptions(), today=date(2026, 11, 26))
    assert result.status == "done" and result.file_format == "salesforce", result.problems
    _as_rebuilt(engine)
    after = _by_rep(engine)
    assert members["Agent 0"] not in after  # the merged-away owner row is named nowhere
    assert after[zero] == won[members["Agent 0"]] + 500_000 and after[one] == won[one] + 70_000
