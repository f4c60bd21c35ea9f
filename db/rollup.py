"""The daily deal rollup (`dealday`): built per workspace after imports, read by the KPI engine while valid.

Why: a team-wide quarter on 10M deals is ~225,000 index entries per figure, and an answer needs several
(the period, the previous one, a year earlier, what is dated after today). The same sums per (day, currency)
are ~200 rows a quarter. The pipeline at the end E of any period reads a few thousand rows instead of every
open deal: the deals open now ('open', by created date) created before E, plus the closed deals open on E,
which are those 'started' (closed deals by the earlier of their created and close dates) before E minus those
'won' or 'lost' before E (for a deal created before its close that is [created < E <= close]; for one closed
"before" it was created, 0 both ways). They are exact, not an approximation:
every deal of one currency closed on one day converts at that day's rate, so sum(amount) x rate per day equals
the sum of amount x rate per deal, to the micro-cent, and the engine rounds once as before.

`dealrepmonth` holds the won and lost deals per rep, month (of the close date) and currency: ~15,000 rows a
quarter for a 5,000-rep team instead of the ~280,000 deals closed in it, for breakdowns by rep.

Validity: `dealdaystate` has a row for a workspace only while its `dealday` and `dealrepmonth` rows match its
deals. Database triggers on `deal` (migration 0012_deal_rollup) delete that row in the same transaction as any
write, so a writer that forgets to refresh costs speed, never correctness: the engine then reads the deal table.

`refresh(conn, team_id)` rebuilds one workspace in one transaction (its caller's); on PostgreSQL it takes a
SHARE lock on `deal` first, so no write can commit between the sums and the state row (writers wait for the
refresh, ~10 s at 10M deals on this machine; readers never do).
"""

from datetime import date
from typing import Any

from sqlalchemy import text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine

from db import clock

KINDS = ("won", "lost", "new", "open", "started")


def refresh(conn: Connection, team_id: str, *, by_rep: bool = True) -> int:
    """Rebuild `team_id`'s rollup inside the caller's transaction; return the number of deals it covers.

    `by_rep=False`: without `dealrepmonth` (for migration 0012_deal_rollup, which runs before 0015 creates it)."""
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
    sqlite = conn.dialect.name == "sqlite"
    _refresh_by_created(conn, team_id, sqlite)
    if by_rep:
        _refresh_by_rep(conn, team_id, sqlite)
    return mark_built(conn, team_id)


def mark_built(conn: Connection, team_id: str) -> int:
    """Say the rollup matches the workspace's deals (a new `dealdaystate` row); returns the deals it covers."""
    params = {"t": team_id}
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


def add_rows(conn: Connection, table: Any, rows: list[dict[str, Any]]) -> None:
    """Add `rows`' deals and amount_cents to a rollup table's rows of the same key (inserted when new): the sums
    of deals that were not there before (a first file of a format, db/importers/rollups.py)."""
    if not rows:
        return
    insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    stmt = insert(table)
    stmt = stmt.on_conflict_do_update(
        index_elements=list(table.primary_key.columns),
        set_={"deals": table.c.deals + stmt.excluded.deals,
              "amount_cents": table.c.amount_cents + stmt.excluded.amount_cents})
    conn.execute(stmt, rows)


def fold_deals(columns: Any) -> tuple[Any, Any]:
    """The rollup's sums of checked deal rows before they are stored, as `refresh` would read them back:
    (dealday's kind, day, cur, n, amt; dealrepmonth's kind, month, owner (the CRM name), cur, n, amt)."""
    import pandas as pd

    frame = pd.DataFrame({"status": columns["status"], "created": columns["created_date"].astype(str),
                          "close": columns["close_date"], "cur": columns["currency"],
                          "amt": columns["amount_cents"].fillna(0).astype("int64"),
                          "owner": columns["owner"].fillna("")})

    def sums(part: Any, by: list[str], kind: Any, day: str) -> Any:
        g = part.groupby(by, sort=False)["amt"].agg(n="size", amt="sum").reset_index()
        return g.assign(kind=kind(g), day=g[day])[["kind", "day", "cur", "n", "amt"]]

    closed = frame[frame["status"].isin(("won", "lost")) & frame["close"].notna()].copy()
    closed["close"] = closed["close"].astype(str)
    closed["started"] = closed["close"].where(closed["close"] < closed["created"], closed["created"])
    days = [sums(frame, ["created", "cur"], lambda g: "new", "created"),
            sums(frame[frame["status"] == "open"], ["created", "cur"], lambda g: "open", "created"),
            sums(closed, ["started", "cur"], lambda g: "started", "started"),
            sums(closed, ["status", "close", "cur"], lambda g: g["status"], "close")]
    closed["month"] = closed["close"].str.slice(0, 8) + "01"
    months = closed.groupby(["status", "month", "owner", "cur"], sort=False)["amt"].agg(n="size", amt="sum")
    return pd.concat(days, ignore_index=True), months.reset_index()


_DAY_KEYS, _MONTH_KEYS = ["kind", "day", "cur"], ["status", "month", "owner", "cur"]


def compact(days: list[Any], months: list[Any]) -> tuple[list[Any], list[Any]]:
    """`fold_deals`' partial sums added up (memory bounded by the distinct keys, not by the chunks folded)."""
    import pandas as pd

    return ([pd.concat(days, ignore_index=True).groupby(_DAY_KEYS, sort=False).sum().reset_index()],
            [pd.concat(months, ignore_index=True).groupby(_MONTH_KEYS, sort=False).sum().reset_index()])


def add_sums(conn: Connection, team_id: str, days: list[Any], months: list[Any], owner_ids: dict[str, int]) -> None:
    """Add `fold_deals`' sums (of deals new to the workspace) to its rollup, then mark it built."""
    import pandas as pd

    from db.models import DealDay, DealRepMonth

    if days:
        d = pd.concat(days, ignore_index=True).groupby(_DAY_KEYS, sort=False).sum()
        add_rows(conn, DealDay.__table__, [  # type: ignore[attr-defined]
            {"team_id": team_id, "kind": kind, "day": date.fromisoformat(day), "currency": cur, "deals": int(n),
             "amount_cents": int(a)} for (kind, day, cur), n, a in zip(d.index, d["n"], d["amt"], strict=True)])
    if months:
        m = pd.concat(months, ignore_index=True).groupby(_MONTH_KEYS, sort=False).sum()
        m = m.groupby([m.index.get_level_values(0), m.index.get_level_values(1),  # owners by id: two names, one id
                       [owner_ids.get(o) or 0 for o in m.index.get_level_values(2)], m.index.get_level_values(3)]).sum()
        add_rows(conn, DealRepMonth.__table__, [  # type: ignore[attr-defined]
            {"team_id": team_id, "kind": kind, "month": date.fromisoformat(month), "owner_id": int(owner),
             "currency": cur, "deals": int(n), "amount_cents": int(a)}
            for (kind, month, owner, cur), n, a in zip(m.index, m["n"], m["amt"], strict=True)])
    mark_built(conn, team_id)


def _refresh_by_created(conn: Connection, team_id: str, sqlite: bool) -> None:
    """'new', 'open' and 'started' rows in one pass over the workspace's deals (a table scan: every column is
    needed, and reading the rows in table order beats a lookup per index entry)."""
    closed = "status IN ('won', 'lost') AND close_date IS NOT NULL"
    odd = f"CASE WHEN {closed} AND close_date < created_date THEN close_date END"  # closed "before" created
    stmt = text(
        f"SELECT created_date, currency, {odd} AS odd, count(*), sum(amount_cents), "
        "sum(CASE WHEN status = 'open' THEN 1 ELSE 0 END), "
        "sum(CASE WHEN status = 'open' THEN amount_cents ELSE 0 END), "
        f"sum(CASE WHEN {closed} THEN 1 ELSE 0 END), sum(CASE WHEN {closed} THEN amount_cents ELSE 0 END) "
        f"FROM {'deal NOT INDEXED' if sqlite else 'deal'} WHERE team_id = :t GROUP BY 1, 2, 3"
    )
    kinds: dict[str, dict[tuple[Any, str], list[int]]] = {"new": {}, "open": {}, "started": {}}

    def add(kind: str, day: Any, currency: str, n: Any, amount: Any) -> None:
        if n:
            had = kinds[kind].setdefault((day, currency), [0, 0])
            had[0] += int(n)
            had[1] += int(amount or 0)

    for created, currency, odd_day, n, amount, n_open, a_open, n_closed, a_closed in conn.execute(
        stmt, {"t": team_id}
    ):
        add("new", created, currency, n, amount)
        add("open", created, currency, n_open, a_open)
        add("started", created if odd_day is None else odd_day, currency, n_closed, a_closed)
    rows = [{"t": team_id, "k": kind, "d": day, "c": cur, "n": n, "a": a}
            for kind, sums in kinds.items() for (day, cur), (n, a) in sums.items()]
    if rows:
        conn.execute(text("INSERT INTO dealday (team_id, kind, day, currency, deals, amount_cents) "
                          "VALUES (:t, :k, :d, :c, :n, :a)"), rows)


def _refresh_by_rep(conn: Connection, team_id: str, sqlite: bool) -> None:
    params = {"t": team_id}
    conn.execute(text("DELETE FROM dealrepmonth WHERE team_id = :t"), params)
    month = "date(close_date, 'start of month')" if sqlite else "date_trunc('month', close_date)::date"
    conn.execute(
        text(
            "INSERT INTO dealrepmonth (team_id, kind, month, owner_id, currency, deals, amount_cents) "
            f"SELECT team_id, status, {month}, coalesce(owner_id, 0), currency, count(*), sum(amount_cents) FROM deal "
            "WHERE team_id = :t AND status IN ('won', 'lost') AND close_date IS NOT NULL "
            f"GROUP BY team_id, status, {month}, coalesce(owner_id, 0), currency"
        ),
        params,
    )


def refresh_team(engine: Engine, team_id: str) -> int:
    """`refresh` in its own transaction (after an import has committed)."""
    with engine.begin() as conn:
        return refresh(conn, team_id)


def is_current(conn: Connection, team_id: str) -> bool:
    """`is_valid` on a connection, uncached: asked by an import before it writes (db/importers/rollups.py)."""
    return conn.execute(text("SELECT 1 FROM dealdaystate WHERE team_id = :t"), {"t": team_id}).first() is not None


def is_valid(session: Any, team_id: str) -> bool:
    """Whether `team_id`'s rollup matches its deals now; asked once per session (one request)."""
    key = ("salesbot.rollup", team_id)
    if key not in session.info:
        found = session.execute(text("SELECT 1 FROM dealdaystate WHERE team_id = :t"), {"t": team_id}).first()
        session.info[key] = found is not None
    return bool(session.info[key])
