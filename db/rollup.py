"""The daily deal rollup (`dealday`): built per workspace after imports, read by the KPI engine while valid.

Why: a team-wide quarter on 10M deals is ~225,000 index entries per figure, and an answer needs several
(the period, the previous one, a year earlier, what is dated after today). The same sums per (day, currency)
are ~200 rows a quarter. They are exact, not an approximation: every deal of one currency closed on one day
converts at that day's rate, so sum(amount) x rate per day equals the sum of amount x rate per deal, to the
micro-cent, and the engine rounds once as before.

Validity: `dealdaystate` has a row for a workspace only while its `dealday` rows match its deals. Database
triggers on `deal` (migration 0012_deal_rollup) delete that row in the same transaction as any write, so a
writer that forgets to refresh costs speed, never correctness: the engine then reads the deal table.

`refresh(conn, team_id)` rebuilds one workspace in one transaction (its caller's); on PostgreSQL it takes a
SHARE lock on `deal` first, so no write can commit between the sums and the state row (writers wait for the
refresh, ~10 s at 10M deals on this machine; readers never do).
"""

from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine

from db import clock

KINDS = ("won", "lost", "new")


def refresh(conn: Connection, team_id: str) -> int:
    """Rebuild `team_id`'s rollup inside the caller's transaction; return the number of deals it covers."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("LOCK TABLE deal IN SHARE MODE"))
    params = {"t": team_id}
    conn.execute(text("DELETE FROM dealday WHERE team_id = :t"), params)
    conn.execute(
        text(
            "INSERT INTO dealday (team_id, kind, day, currency, deals, amount_cents) "
            "SELECT team_id, status, close_date, currency, count(*), sum(amount_cents) FROM deal "
            "WHERE team_id = :t AND status IN ('won', 'lost') AND close_date IS NOT NULL "
            "GROUP BY team_id, status, close_date, currency"
        ),
        params,
    )
    conn.execute(
        text(
            "INSERT INTO dealday (team_id, kind, day, currency, deals, amount_cents) "
            "SELECT team_id, 'new', created_date, currency, count(*), sum(amount_cents) FROM deal "
            "WHERE team_id = :t GROUP BY team_id, created_date, currency"
        ),
        params,
    )
    deals = int(
        conn.execute(
            text("SELECT coalesce(sum(deals), 0) FROM dealday WHERE team_id = :t AND kind = 'new'"), params
        ).scalar()
    )
    conn.execute(text("DELETE FROM dealdaystate WHERE team_id = :t"), params)
    conn.execute(
        text("INSERT INTO dealdaystate (team_id, deals, refreshed_at) VALUES (:t, :n, :at)"),
        {"t": team_id, "n": deals, "at": clock.now()},
    )
    return deals


def refresh_team(engine: Engine, team_id: str) -> int:
    """`refresh` in its own transaction (after an import has committed)."""
    with engine.begin() as conn:
        return refresh(conn, team_id)


def is_valid(session: Any, team_id: str) -> bool:
    """Whether `team_id`'s rollup matches its deals now; asked once per session (one request)."""
    key = ("salesbot.rollup", team_id)
    if key not in session.info:
        found = session.execute(text("SELECT 1 FROM dealdaystate WHERE team_id = :t"), {"t": team_id}).first()
        session.info[key] = found is not None
    return bool(session.info[key])
