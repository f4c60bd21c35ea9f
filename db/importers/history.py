"""Deal history, recorded by the deal writer (db/importers/bulk.py) inside the import's one transaction.

One place decides what counts as a change (TRACKED) and writes `deal_change` rows (migration 0019h): a first
row when a deal is first seen, then one each time its stage/status, amount or currency, close date or owner
differs from what was stored. Old and new are compared in SQL, set-based, never per row in Python:

- PostgreSQL: the writer's `INSERT … SELECT … ON CONFLICT DO UPDATE … RETURNING` becomes a data-modifying CTE;
  a second CTE joins what it returned to `deal` itself, which, read in the same statement, still shows the rows
  as they were before (one snapshot), and inserts the differences. Rows whose row_hash did not change are
  never returned, so re-importing an unchanged file adds nothing and costs nothing. The direct first import
  (COPY straight into `deal`) records its first rows with one INSERT … SELECT at the end.
- SQLite: the writer's executemany upserts run with two TEMP triggers on `deal` (seen by this connection only,
  dropped when the writer closes) that compare OLD and NEW in SQLite's engine. First sightings take no trigger:
  the deals an import inserted are those with an id above the highest before it (SQLite gives a new row the
  highest rowid + 1, and the import is the only writer in its transaction), so one INSERT … SELECT over that
  rowid range records them at the end (`sqlite_first_sightings`); a trigger program per inserted row cost
  ~1 s of a 1M-row first import.

`seen_at` is the import's clock.now() (the `updated_at` it stamps on the deals it writes); `run_id` its ImportRun.
"""

from sqlalchemy.engine import Connection

# the deal columns whose changes are history, in deal_change's order (each also has a prev_ column)
TRACKED = ("stage", "status", "amount_cents", "currency", "close_date", "owner_id")
COLUMNS = ("team_id", "deal_id", "run_id", "seen_at", *TRACKED, *(f"prev_{c}" for c in TRACKED))


def _run(run_id: int | None) -> str:
    return "NULL" if run_id is None else str(int(run_id))


def pg_upsert_with_history(upsert_sql: str, run_id: int | None) -> str:
    """The PostgreSQL upsert statement `upsert_sql` (an `INSERT INTO deal … ON CONFLICT …` without RETURNING)
    wrapped so that it also records history; the statement returns one row (inserted, updated)."""
    new = ", ".join(f"n.{c}" for c in TRACKED)
    old = ", ".join(f"o.{c}" for c in TRACKED)
    return (
        f"WITH done AS ({upsert_sql} RETURNING deal.id, deal.team_id, deal.updated_at, "
        + ", ".join(f"deal.{c}" for c in TRACKED) + ", (xmax = 0) AS fresh), "
        f"history AS (INSERT INTO deal_change ({', '.join(COLUMNS)}) "
        f"SELECT n.team_id, n.id, {_run(run_id)}, n.updated_at, {new}, {old} "
        "FROM done n LEFT JOIN deal o ON o.id = n.id AND NOT n.fresh "  # o: the row before this statement
        f"WHERE n.fresh OR ({new}) IS DISTINCT FROM ({old})) "
        "SELECT count(*) FILTER (WHERE fresh), count(*) FILTER (WHERE NOT fresh) FROM done"
    )


def pg_first_sightings(conn: Connection, team_id: str, source: str, run_id: int | None) -> None:
    """After a direct first import (every deal of `source` is new): a first row for each."""
    conn.exec_driver_sql(
        f"INSERT INTO deal_change ({', '.join(COLUMNS[:4 + len(TRACKED)])}) "
        f"SELECT team_id, id, {_run(run_id)}, updated_at, {', '.join(TRACKED)} FROM deal "
        "WHERE team_id = %(team)s AND source = %(source)s",
        {"team": team_id, "source": source},
    )


_SQLITE_TRIGGERS = ("deal_change_seen", "deal_change_changed")  # _seen: an older version's, dropped if left


def sqlite_start(conn: Connection, run_id: int | None) -> None:
    """Record the changes of deals updated on this SQLite connection until `sqlite_stop` (the inserted ones:
    `sqlite_first_sightings`)."""
    sqlite_stop(conn)
    new = ", ".join(f"NEW.{c}" for c in TRACKED)
    old = ", ".join(f"OLD.{c}" for c in TRACKED)
    differs = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in TRACKED)
    insert = f"INSERT INTO deal_change ({', '.join(COLUMNS)}) VALUES (NEW.team_id, NEW.id, {_run(run_id)}, " \
             "NEW.updated_at, "
    conn.exec_driver_sql(
        f"CREATE TEMP TRIGGER deal_change_changed AFTER UPDATE ON main.deal WHEN {differs} BEGIN "
        f"{insert}{new}, {old}); END"
    )


def sqlite_first_sightings(conn: Connection, team_id: str, source: str, run_id: int | None, after_id: int) -> int:
    """A first row for each deal of `source` stored with an id above `after_id`, the highest deal id before the
    import's first write: the deals it inserted, in the order it inserted them (a rowid range read in order);
    returns how many."""
    return int(conn.exec_driver_sql(
        f"INSERT INTO deal_change ({', '.join(COLUMNS[:4 + len(TRACKED)])}) "
        f"SELECT team_id, id, {_run(run_id)}, updated_at, {', '.join(TRACKED)} FROM deal "
        "WHERE id > ? AND team_id = ? AND source = ? ORDER BY id",
        (after_id, team_id, source),
    ).rowcount)


def sqlite_stop(conn: Connection) -> None:
    """Stop recording on this connection (the triggers are temporary: they must not outlive the import)."""
    for name in _SQLITE_TRIGGERS:
        conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS temp.{name}")


def sqlite_last_id(conn: Connection) -> int:
    """The highest deal_change id: what the triggers added is the difference (SQLite counts trigger writes
    in total_changes, which the writer uses to count updated deals)."""
    return int(conn.exec_driver_sql("SELECT max(id) FROM deal_change").scalar() or 0)
