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
from sqlalchemy.dialects import postgresql as postgresql_dialect
from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlalchemy.engine import Connection, Engine

from db import clock
from db.group_sums import Codes

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
    """Say `team_id`'s rollup matches its deals (its `dealdaystate` row, anew); returns the deals it covers."""
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


# -- a first file of a format, folded from its rows in memory (db/importers/rollups.py) -----------------------
_DAY, _MONTH = ["kind", "day", "cur"], ["kind", "month", "owner", "cur"]


def fold_deals(columns: Any) -> tuple[Any, Any]:
    """The sums `refresh` would read back from checked deal rows about to be stored (a chunk of an import), as
    two frames: dealday's (kind, day, cur; n, amt) and dealrepmonth's (kind, month, owner, cur; n, amt), the
    owner as the CRM name the file gives (ids are known only once the import has linked its owners)."""
    import numpy as np
    import pandas as pd

    status = columns["status"].to_numpy(dtype=object)
    created = columns["created_date"].to_numpy(dtype=object)
    close = columns["close_date"].to_numpy(dtype=object)
    amt = pd.to_numeric(columns["amount_cents"]).fillna(0).to_numpy(dtype=np.int64)
    cur = columns["currency"].to_numpy(dtype=object)
    closed = ((status == "won") | (status == "lost")) & pd.notna(close)
    is_open = status == "open"
    c_close, c_created = close[closed], created[closed]
    month = np.array([d[:8] + "01" for d in c_close.tolist()], dtype=object)
    codes = Codes({"status": status, "created": created, "cur": cur})
    closed_codes = Codes({"status": status[closed], "close": c_close, "cur": cur[closed], "month": month,
                          "started": np.where(c_close < c_created, c_close, c_created) if len(c_close) else c_close,
                          "owner": columns["owner"].fillna("").to_numpy(dtype=object)[closed]})
    c_amt = amt[closed]

    def frame(kind: Any, g: dict[str, Any], names: dict[str, str]) -> Any:
        return pd.DataFrame({"kind": kind, **{to: g[name] for to, name in names.items()}, "n": g["n"], "amt": g["amt"]})

    days = [frame("new", codes.sums(["created", "cur"], amt), {"day": "created", "cur": "cur"})]
    if is_open.any():
        days.append(frame("open", codes.sums(["created", "cur"], amt, is_open), {"day": "created", "cur": "cur"}))
    months = None
    if len(c_close):
        g = closed_codes.sums(["status", "close", "cur"], c_amt)
        days.append(frame(g["status"], g, {"day": "close", "cur": "cur"}))
        days.append(frame("started", closed_codes.sums(["started", "cur"], c_amt), {"day": "started", "cur": "cur"}))
        g = closed_codes.sums(["status", "month", "owner", "cur"], c_amt)
        months = frame(g["status"], g, {"month": "month", "owner": "owner", "cur": "cur"})
    return _stack(days, _DAY), _stack([months] if months is not None else [], _MONTH)


def _stack(frames: list[Any], keys: list[str]) -> Any:
    """Frames of partial sums added up per key (None for none)."""
    import pandas as pd

    frames = [f for f in frames if f is not None and len(f)]
    if not frames:
        return None
    return pd.concat(frames, ignore_index=True).groupby(keys, sort=False)[["n", "amt"]].sum().reset_index()


def compact(days: list[Any], months: list[Any]) -> tuple[list[Any], list[Any]]:
    """`fold_deals`' partial sums added up (memory follows the distinct keys, not the chunks folded)."""
    day, month = _stack(days, _DAY), _stack(months, _MONTH)
    return [] if day is None else [day], [] if month is None else [month]


def add_sums(conn: Connection, team_id: str, days: list[Any], months: list[Any], owner_ids: dict[str, int]) -> int:
    """Add folded sums of deals new to `team_id` to its rollup and mark it built; returns the deals it covers.

    `owner_ids`: the member id each CRM owner name of the file has NOW (after linking; several names may have
    one id: their sums are added up); a name not in it, or '', counts as no owner (0), as `refresh` does."""
    from db.models import DealDay, DealRepMonth

    day, month = _stack(days, _DAY), _stack(months, _MONTH)
    if day is not None:
        _add_rows(conn, DealDay.__table__, [  # type: ignore[attr-defined]
            {"team_id": team_id, "kind": k, "day": date.fromisoformat(d), "currency": c, "deals": int(n),
             "amount_cents": int(a)}
            for k, d, c, n, a in zip(day["kind"], day["day"], day["cur"], day["n"], day["amt"], strict=True)])
    if month is not None:
        month["owner"] = [owner_ids.get(o, 0) if o else 0 for o in month["owner"].tolist()]
        month = month.groupby(_MONTH, sort=False)[["n", "amt"]].sum().reset_index()
        _add_rows(conn, DealRepMonth.__table__, [  # type: ignore[attr-defined]
            {"team_id": team_id, "kind": k, "month": date.fromisoformat(m), "owner_id": int(o), "currency": c,
             "deals": int(n), "amount_cents": int(a)}
            for k, m, o, c, n, a in zip(month["kind"], month["month"], month["owner"], month["cur"], month["n"],
                                        month["amt"], strict=True)])
    return mark_built(conn, team_id)


def _add_rows(conn: Connection, table: Any, rows: list[dict[str, Any]]) -> None:
    """Add `rows`' deals and amounts to the stored rows of the same key (inserted when there is none)."""
    if not rows:
        return
    insert = postgresql_dialect.insert if conn.dialect.name == "postgresql" else sqlite_dialect.insert
    stmt = insert(table)
    stmt = stmt.on_conflict_do_update(
        index_elements=list(table.primary_key.columns),
        set_={"deals": table.c.deals + stmt.excluded.deals,
              "amount_cents": table.c.amount_cents + stmt.excluded.amount_cents})
    conn.execute(stmt, rows)


def is_current(conn: Connection, team_id: str) -> bool:
    """Whether the rollup matches the deals, asked on a connection, uncached (an import, before it writes)."""
    return conn.execute(text("SELECT 1 FROM dealdaystate WHERE team_id = :t"), {"t": team_id}).first() is not None


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
