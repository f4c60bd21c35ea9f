"""The market view's daily rollup (`dealmarketday`): built per workspace after imports, read while valid.

Why: `/market` over a quarter and the one before reads ~130,000 closed deals of a 1M-deal workspace, and SQLite
must sort them all to group them by reason, competitor, product and segment (~2 s under load). The same sums
per (kind, key, day, currency) are ~70 rows a day. Exact, not an approximation: every deal of one currency
closed on one day converts at that day's rate, so sum(amount) x rate per day is the per-deal sum.

Validity rides on the KPI rollup's (db/rollup.py): triggers on `deal` delete `dealdaystate` in the writer's
transaction; `dealmarketstate.built_from` keeps the `dealdaystate.refreshed_at` this rollup was built from, so it
is valid only while that very state row still stands. Stale, the market view reads the deal table (slower,
never wrong). A SQLite deals import keeps it in its own transaction (db/importers/rollups.py): `add_sums` for a
first file of a format, `refresh_days` for the close dates a later file touched, `refresh` when it was stale;
`refresh_team` runs after PostgreSQL imports, accounts imports, CRM syncs and the demo load.

Won deals by product and by segment are the trend's 'won:product' / 'won:segment' rows, stored once: the market
view reads those (a copy under kinds 'product' / 'segment' used to double them; a full rebuild drops old copies).
"""

from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy import bindparam, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine

from db.accounts import link_deal_accounts, size_band
from db.group_sums import Codes
from db.models import DealMarketDay

# (kind, key column, status) folded per day and currency
_KINDS = (("reason", "loss_reason", "lost"), ("competitor", "competitor", "lost"))
# /market trend's groups, won and lost deals both (kinds 'won:<dimension>', 'lost:<dimension>', key '' when the
# deal has none: "no segment", "size unknown" — counted, never dropped). A deal's segment is its own, else its
# account's sector; region and size come from its account (db/accounts.py: dealaccount links the names).
DIMENSIONS = {
    "product": "COALESCE(d.product, '')",
    "segment": "COALESCE(NULLIF(d.segment, ''), a.sector, '')",
    "region": "COALESCE(a.region, '')",
    "size": ("CASE WHEN a.employees >= 1000 THEN 'enterprise' WHEN a.employees >= 100 THEN 'mid' "
             "WHEN a.employees >= 1 THEN 'small' ELSE '' END"),
}
DEAL_WITH_ACCOUNT = ("deal d LEFT JOIN dealaccount da ON da.team_id = d.team_id AND da.name = d.account "
                     "LEFT JOIN account a ON a.id = da.account_id")


def refresh(conn: Connection, team_id: str) -> bool:
    """Rebuild `team_id`'s market rollup in the caller's transaction from its current deals; False (and nothing
    marked valid) when the KPI rollup is stale, since validity is tied to it."""
    params = {"t": team_id}
    if conn.dialect.name == "postgresql":
        conn.execute(text("LOCK TABLE deal IN SHARE MODE"))  # no write commits between the sums and the state
    link_deal_accounts(conn, team_id)  # deals' account names -> accounts (new names from this import)
    built_from = conn.execute(text("SELECT refreshed_at FROM dealdaystate WHERE team_id = :t"), params).scalar()
    conn.execute(text("DELETE FROM dealmarketstate WHERE team_id = :t"), params)
    conn.execute(text("DELETE FROM dealmarketday WHERE team_id = :t"), params)
    if built_from is None:
        return False
    insert = ("INSERT INTO dealmarketday (team_id, kind, key, day, currency, deals, amount_cents) ")
    if conn.dialect.name == "sqlite":
        _fold_in_one_pass(conn, team_id, insert)
    else:  # PostgreSQL aggregates each kind by hashing: one statement per kind
        _insert_grouped(conn, team_id, "", {})
    mark_built(conn, team_id)
    return True


def mark_built(conn: Connection, team_id: str) -> None:
    """Say the rollup matches the deals as the KPI rollup's current state row saw them (see is_valid)."""
    params = {"t": team_id}
    conn.execute(text("DELETE FROM dealmarketstate WHERE team_id = :t"), params)
    conn.execute(text("INSERT INTO dealmarketstate (team_id, built_from) SELECT team_id, refreshed_at "
                      "FROM dealdaystate WHERE team_id = :t"), params)


def is_current(conn: Connection, team_id: str) -> bool:
    """`is_valid` on a connection, uncached: asked by an import before it writes (db/importers/rollups.py)."""
    return conn.execute(text(
        "SELECT 1 FROM dealmarketstate m JOIN dealdaystate d ON d.team_id = m.team_id "
        "AND d.refreshed_at = m.built_from WHERE m.team_id = :t"), {"t": team_id}).first() is not None


def _insert_grouped(conn: Connection, team_id: str, where: str, params: dict[str, Any]) -> None:
    """Every kind's rows of the closed deals that pass `where` (extra SQL on `d`), one GROUP BY per kind."""
    insert = "INSERT INTO dealmarketday (team_id, kind, key, day, currency, deals, amount_cents) "
    params = {**params, "t": team_id}
    expanding = [bindparam(name, expanding=True) for name, value in params.items() if isinstance(value, list)]

    def run(sql: str) -> None:
        conn.execute(text(insert + sql).bindparams(*expanding), params)

    run("SELECT d.team_id, d.status, '', d.close_date, d.currency, count(*), sum(d.amount_cents) FROM deal d "
        f"WHERE d.team_id = :t AND d.status IN ('won', 'lost') AND d.close_date IS NOT NULL{where} "
        "GROUP BY d.team_id, d.status, d.close_date, d.currency")
    for kind, column, status in _KINDS:
        run(f"SELECT d.team_id, '{kind}', d.{column}, d.close_date, d.currency, count(*), sum(d.amount_cents) "
            f"FROM deal d WHERE d.team_id = :t AND d.status = '{status}' AND d.close_date IS NOT NULL "
            f"AND d.{column} <> ''{where} GROUP BY d.team_id, d.{column}, d.close_date, d.currency")
    for dimension, key in DIMENSIONS.items():
        source = "deal d" if dimension == "product" else DEAL_WITH_ACCOUNT  # the product needs no account
        run(f"SELECT d.team_id, d.status || ':' || '{dimension}', {key}, d.close_date, d.currency, "
            f"count(*), sum(d.amount_cents) FROM {source} WHERE d.team_id = :t AND d.status IN ('won', 'lost') "
            f"AND d.close_date IS NOT NULL{where} GROUP BY d.team_id, d.status, {key}, d.close_date, d.currency")


DAYS_AT_ONCE = 500  # close dates recomputed per statement by refresh_days (bound parameters)


def refresh_days(conn: Connection, team_id: str, days: Iterable[Any]) -> int:
    """Recompute only the rows of these close dates from the deals closed on them (read through the
    (team, status, close date) index): after an import that touched a few days, the same rows as a full rebuild
    at the cost of those days alone. The caller marks the rollup built (`mark_built`). Returns the days done."""
    days = sorted(set(days))
    for start in range(0, len(days), DAYS_AT_ONCE):
        some = days[start:start + DAYS_AT_ONCE]
        conn.execute(text("DELETE FROM dealmarketday WHERE team_id = :t AND day IN :days").bindparams(
            bindparam("days", expanding=True)), {"t": team_id, "days": some})
        _insert_grouped(conn, team_id, " AND d.close_date IN :days", {"days": some})
    return len(days)


def add_sums(conn: Connection, team_id: str, partial: list[Any]) -> None:
    """Add folded sums (`fold_deals`' frames) to the stored rows: a workspace's first file of a format, whose
    deals are all new, adds its deals' sums to what the other formats' deals already hold."""
    sums = _total(partial)
    if sums is None:
        return
    insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    table = DealMarketDay.__table__  # type: ignore[attr-defined]
    stmt = insert(table)
    stmt = stmt.on_conflict_do_update(
        index_elements=[table.c[c] for c in ("team_id", "kind", "key", "day", "currency")],
        set_={"deals": table.c.deals + stmt.excluded.deals,
              "amount_cents": table.c.amount_cents + stmt.excluded.amount_cents})
    conn.execute(stmt, [{"team_id": team_id, "kind": kind, "key": key, "day": date.fromisoformat(day),
                         "currency": cur, "deals": int(n), "amount_cents": int(total)}
                        for (kind, key, day, cur), n, total in zip(sums.index, sums["n"], sums["amt"], strict=True)])


def _fold_in_one_pass(conn: Connection, team_id: str, insert: str) -> None:
    """SQLite, which has no hash aggregation, sorts every closed deal for each GROUP BY: seven sorts of ~750,000
    rows for a 1M-deal workspace (~20-36 s at load 3-6). Here the closed deals (with their accounts) are read once
    and pandas groups them by hashing, every kind from the same frame: the same sums (int64 cents, exact), a row
    per (kind, key, day, currency)."""
    import pandas as pd

    names = list(DIMENSIONS)
    columns = ["status", "day", "cur", "amt", "reason", "competitor", *names]
    raw = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]  # rows as plain tuples
    raw.execute(
        f"SELECT d.status, d.close_date, d.currency, COALESCE(d.amount_cents, 0), COALESCE(d.loss_reason, ''), "
        f"COALESCE(d.competitor, ''), {', '.join(DIMENSIONS.values())} FROM {DEAL_WITH_ACCOUNT} "
        "WHERE d.team_id = ? AND d.status IN ('won', 'lost') AND d.close_date IS NOT NULL", (team_id,))
    partial = []
    while chunk := raw.fetchmany(FOLD_CHUNK):  # bounded memory at any size: each chunk is folded, then dropped
        partial += _fold(pd.DataFrame(chunk, columns=columns), names)
    raw.close()
    sums = _total(partial)
    if sums is None:
        return
    conn.exec_driver_sql(insert + "VALUES (?, ?, ?, ?, ?, ?, ?)",
                         [(team_id, kind, key, day, cur, int(n), int(total))
                          for (kind, key, day, cur), n, total in zip(sums.index, sums["n"], sums["amt"], strict=True)])


def _total(partial: list[Any]) -> Any:
    """The chunks' partial sums added up: a frame indexed by (kind, key, day, cur) with columns n, amt."""
    if not partial:
        return None
    import pandas as pd

    return pd.concat(partial, ignore_index=True).groupby(["kind", "key", "day", "cur"], sort=False).sum()


def compact(partial: list[Any]) -> list[Any]:
    """Partial sums added up into one frame: memory bounded by the distinct keys, not by the chunks folded."""
    sums = _total(partial)
    return [] if sums is None else [sums.reset_index()]


def fold_deals(columns: Any, accounts: dict[str, tuple[str, str, int | None]]) -> list[Any]:
    """`_fold` of checked deal rows before they are stored (a chunk of an import, db/importers/rollups.py):
    the values the SQL above reads back — NULLs as '' or 0, the segment from the account's sector when the
    deal has none, region and size from the account (`accounts`: normalised name -> sector, region, employees,
    matched as link_deal_accounts matches them)."""
    import pandas as pd

    from reports.account_names import normalise

    closed = columns["status"].isin(("won", "lost")) & columns["close_date"].notna()
    if not closed.any():
        return []
    wanted = ["status", "close_date", "currency", "amount_cents", "account", "loss_reason", "competitor", "product",
              "segment"]
    deals = columns.loc[closed, [c for c in wanted if c in columns]]  # one copy, of the columns folded only
    blank = pd.Series("", index=deals.index, dtype=object)

    def text_of(name: str) -> Any:
        if name not in deals:
            return blank
        column = deals[name]
        return (column.fillna("") if column.hasnans else column).astype(str)

    account = text_of("account")
    linked = {n: a for n in pd.unique(account) if n and (a := accounts.get(normalise(n)))} if accounts else {}

    def of_account(value: Any) -> Any:  # an attribute of the deal's account, '' without one
        if not linked:
            return blank
        return account.map({n: value(a) for n, a in linked.items()}).fillna("").astype(str)

    segment = text_of("segment")
    frame = pd.DataFrame({
        "status": deals["status"], "day": deals["close_date"].astype(str), "cur": deals["currency"],
        "amt": deals["amount_cents"].fillna(0), "reason": text_of("loss_reason"),
        "competitor": text_of("competitor"), "product": text_of("product"),
        "segment": segment.where(segment.ne(""), of_account(lambda a: a[0])),
        "region": of_account(lambda a: a[1]), "size": of_account(lambda a: size_band(a[2])),
    })
    return _fold(frame, list(DIMENSIONS))


FOLD_CHUNK = 200_000  # closed deals folded at a time on SQLite (a few hundred MB at most)


def _fold(frame: Any, names: list[str]) -> list[Any]:
    """Every kind's (kind, key, day, cur, n, amt) sums of one chunk of closed deals: each column factorised
    once, every kind grouped from those codes (db/group_sums.py)."""
    import numpy as np
    import pandas as pd

    keys = ("status", "day", "cur", "reason", "competitor", *names)
    codes = Codes({c: frame[c].fillna("") if frame[c].hasnans else frame[c] for c in keys})
    amt = frame["amt"].fillna(0).to_numpy(dtype=np.int64)

    def rows(g: dict[str, Any], kind: Any, key: Any) -> Any:
        return pd.DataFrame({"kind": kind, "key": key, "day": g["day"], "cur": g["cur"], "n": g["n"], "amt": g["amt"]})

    base = codes.sums(["status", "day", "cur"], amt)
    out = [rows(base, base["status"], "")]
    lost = (codes.values["status"] == "lost")[codes.codes["status"]]
    for kind in ("reason", "competitor"):
        named = lost & (codes.values[kind] != "")[codes.codes[kind]]
        if named.any():
            g = codes.sums([kind, "day", "cur"], amt, named)
            out.append(rows(g, kind, g[kind]))
    for name in names:
        g = codes.sums(["status", name, "day", "cur"], amt)
        out.append(rows(g, g["status"] + ":" + name, g[name]))
    return out


def refresh_team(engine: Engine, team_id: str) -> bool:
    """`refresh` in its own transaction (after an import has committed and the KPI rollup was refreshed)."""
    with engine.begin() as conn:
        return refresh(conn, team_id)


def is_valid(session: Any, team_id: str) -> bool:
    """Whether the market rollup matches the workspace's deals now; asked once per session (one request)."""
    key = ("salesbot.market_rollup", team_id)
    if key not in session.info:
        found = session.execute(text(
            "SELECT 1 FROM dealmarketstate m JOIN dealdaystate d ON d.team_id = m.team_id "
            "AND d.refreshed_at = m.built_from WHERE m.team_id = :t"), {"t": team_id}).first()
        session.info[key] = found is not None
    return bool(session.info[key])
