"""The market view's daily rollup (`dealmarketday`): built per workspace after imports, read while valid.

Why: `/market` over a quarter and the one before reads ~130,000 closed deals of a 1M-deal workspace, and SQLite
must sort them all to group them by reason, competitor, product and segment (~2 s under load). The same sums
per (kind, key, day, currency) are ~70 rows a day. Exact, not an approximation: every deal of one currency
closed on one day converts at that day's rate, so sum(amount) x rate per day is the per-deal sum.

Validity rides on the KPI rollup's (db/rollup.py): triggers on `deal` delete `dealdaystate` in the writer's
transaction; `dealmarketstate.built_from` keeps the `dealdaystate.refreshed_at` this rollup was built from, so it
is valid only while that very state row still stands. Stale, the market view reads the deal table (slower,
never wrong). `refresh_team` runs after each deals import (db/importers) and the demo load.
"""

from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine

from db.accounts import link_deal_accounts

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
        conn.execute(text(
            insert + "SELECT team_id, status, '', close_date, currency, count(*), sum(amount_cents) FROM deal "
            "WHERE team_id = :t AND status IN ('won', 'lost') AND close_date IS NOT NULL "
            "GROUP BY team_id, status, close_date, currency"), params)
        for kind, column, status in _KINDS:
            conn.execute(text(
                insert + f"SELECT team_id, '{kind}', {column}, close_date, currency, count(*), sum(amount_cents) "
                f"FROM deal WHERE team_id = :t AND status = '{status}' AND close_date IS NOT NULL AND {column} <> '' "
                f"GROUP BY team_id, {column}, close_date, currency"), params)
        for dimension, key in DIMENSIONS.items():
            source = "deal d" if dimension == "product" else DEAL_WITH_ACCOUNT  # the product needs no account
            conn.execute(text(
                insert + f"SELECT d.team_id, d.status || ':' || '{dimension}', {key}, d.close_date, d.currency, "
                f"count(*), sum(d.amount_cents) FROM {source} WHERE d.team_id = :t AND d.status IN ('won', 'lost') "
                f"AND d.close_date IS NOT NULL GROUP BY d.team_id, d.status, {key}, d.close_date, d.currency"), params)
    for kind in ("product", "segment"):  # the market view's demand moves: won deals with a product / segment
        conn.execute(text(
            insert + f"SELECT team_id, '{kind}', key, day, currency, deals, amount_cents FROM dealmarketday "
            f"WHERE team_id = :t AND kind = 'won:{kind}' AND key <> ''"), params)
    conn.execute(text("INSERT INTO dealmarketstate (team_id, built_from) SELECT team_id, refreshed_at "
                      "FROM dealdaystate WHERE team_id = :t"), params)
    return True


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
    if not partial:
        return
    sums = pd.concat(partial, ignore_index=True).groupby(["kind", "key", "day", "cur"], sort=False).sum()
    conn.exec_driver_sql(insert + "VALUES (?, ?, ?, ?, ?, ?, ?)",
                         [(team_id, kind, key, day, cur, int(n), int(total))
                          for (kind, key, day, cur), n, total in zip(sums.index, sums["n"], sums["amt"], strict=True)])


FOLD_CHUNK = 200_000  # closed deals folded at a time on SQLite (a few hundred MB at most)


def _fold(frame: Any, names: list[str]) -> list[Any]:
    """Every kind's (kind, key, day, cur, n, amt) sums of one chunk of closed deals."""
    for column in ("status", "day", "cur", "reason", "competitor", *names):  # factorised once, grouped many times
        frame[column] = frame[column].fillna("").astype("category")
    frame["amt"] = frame["amt"].astype("int64")

    def sums(part: Any, by: list[str], kind: Any, key: Any) -> Any:
        g = part.groupby(by, observed=True, sort=False)["amt"].agg(n="size", amt="sum").reset_index()
        return g.assign(kind=kind(g), key=key(g), day=g["day"].astype(str),
                        cur=g["cur"].astype(str))[["kind", "key", "day", "cur", "n", "amt"]]

    out = [sums(frame, ["status", "day", "cur"], lambda g: g["status"].astype(str), lambda g: "")]
    lost = frame[frame["status"] == "lost"]
    for kind in ("reason", "competitor"):
        named = lost[lost[kind] != ""]
        if len(named):
            out.append(sums(named, [kind, "day", "cur"], lambda g, k=kind: k, lambda g, k=kind: g[k].astype(str)))
    for name in names:
        out.append(sums(frame, ["status", name, "day", "cur"], lambda g, n=name: g["status"].astype(str) + ":" + n,
                        lambda g, n=name: g[n].astype(str)))
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
