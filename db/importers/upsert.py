"""Bulk insert-or-update keyed on (team_id, source, external_id): one executemany per chunk, no ORM objects.

Rows whose `row_hash` matches what is stored are never sent; the ON CONFLICT ... DO UPDATE ... WHERE
row_hash differs keeps a concurrent identical import from rewriting rows. Values go as plain text/ints to
an untyped table clause, so SQLAlchemy does no per-value conversion (dates are ISO strings; PostgreSQL
casts them, SQLite stores them as SQLAlchemy's Date does).
"""

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import islice
from typing import Any

from sqlalchemy import bindparam, column, literal_column, table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from db.importers.options import Progress

CHUNK = 50_000
BULK_ROWS = 100_000  # from this many rows, SQLite rebuilds secondary indexes once instead of row by row


@dataclass(frozen=True)
class IndexRebuild:
    """The secondary indexes a big SQLite write dropped, and whether their rebuild may sort on other cores."""

    statements: list[str]
    threaded: bool


def sqlite_bulk_start(conn: Connection, table_name: str, rows: int) -> IndexRebuild:
    """For a big write on SQLite: a larger page cache, and the secondary indexes dropped (inside the
    transaction; readers keep seeing them) to be rebuilt sorted afterwards, ~3x faster than row by row.
    The unique key stays: ON CONFLICT needs it. Whether the rebuild sorts on the other cores is decided here,
    from the load before this import's own threads count in the load average (at the end they always did,
    so a 2-core machine never sorted on both)."""
    if conn.dialect.name != "sqlite" or rows < BULK_ROWS:
        return IndexRebuild([], threaded=False)
    cores = os.cpu_count() or 1
    threaded = cores > 1 and os.getloadavg()[0] < cores - 1
    conn.exec_driver_sql("PRAGMA cache_size=-65536")  # 64 MB of page cache for this connection
    indexes = conn.exec_driver_sql(
        "SELECT name, sql FROM sqlite_master WHERE type='index' AND tbl_name=? AND sql IS NOT NULL "
        "AND sql NOT LIKE 'CREATE UNIQUE%'",
        (table_name,),
    ).all()
    for name, _sql in indexes:
        conn.exec_driver_sql(f'DROP INDEX "{name}"')
    return IndexRebuild([sql for _name, sql in indexes], threaded=threaded and bool(indexes))


def sqlite_bulk_end(conn: Connection, rebuild: IndexRebuild | None) -> None:
    """Rebuild the dropped indexes. With a small page cache SQLite's sorter cuts the keys into many runs,
    which `PRAGMA threads` sorts on the other cores: ~40% faster than one big single-threaded sort when
    cores are idle, twice slower when they are busy (measured under a load of 11 on 2 cores): used only
    when the load average left a core free as the import started."""
    if rebuild is None or not rebuild.statements:
        return
    # the sorter's runs follow the page cache: the default 2 MB sorts ~30% less CPU than 64 MB
    conn.exec_driver_sql("PRAGMA cache_size=-4096" if rebuild.threaded else "PRAGMA cache_size=-2000")
    if rebuild.threaded:
        conn.exec_driver_sql(f"PRAGMA threads={min(4, os.cpu_count() or 1)}")
    for sql in rebuild.statements:
        conn.exec_driver_sql(sql)
    if rebuild.threaded:
        conn.exec_driver_sql("PRAGMA threads=0")
    conn.exec_driver_sql("PRAGMA cache_size=-2000")


def upsert(
    conn: Connection,
    table_name: str,
    columns: Sequence[str],
    rows: Iterable[tuple[Any, ...]],
    *,
    total: int,
    key: Sequence[str] = ("team_id", "source", "external_id"),
    hash_column: str | None = "row_hash",
    progress: Progress | None = None,
    constants: dict[str, Any] | None = None,
) -> int:
    """Insert or update `rows` (tuples in `columns` order) in chunks; returns how many were sent.

    The statement is built with SQLAlchemy Core for the connection's dialect, compiled once with positional
    parameters, and run as the driver's executemany over plain tuples: per-row work stays in C.
    `constants` (column -> value, the same for every row, not in `columns`) are written into the statement
    on SQLite when they are strings (fewer values to bind per row) and appended to each row otherwise."""
    constants = constants or {}
    inline = {c: v for c, v in constants.items() if conn.dialect.name == "sqlite" and isinstance(v, str)}
    tail = tuple(v for c, v in constants.items() if c not in inline)
    if tail:
        rows = (row + tail for row in rows)
    columns = [*columns, *(c for c in constants if c not in inline)]
    tbl = table(table_name, *[column(c) for c in [*columns, *inline]])
    if conn.dialect.name == "postgresql":
        stmt = postgresql.insert(tbl)
        dialect = postgresql.psycopg.dialect(paramstyle="format")
    else:
        stmt = sqlite.insert(tbl)
        dialect = conn.dialect
    if inline:
        quoted = {c: literal_column("'" + v.replace("'", "''") + "'") for c, v in inline.items()}
        stmt = stmt.values({**{c: bindparam(c) for c in columns}, **quoted})
    update = {c: stmt.excluded[c] for c in [*columns, *inline] if c not in key}
    where = tbl.c[hash_column] != stmt.excluded[hash_column] if hash_column else None
    stmt = stmt.on_conflict_do_update(index_elements=list(key), set_=update, where=where)
    compiled = stmt.compile(dialect=dialect)
    order = [columns.index(name) for name in compiled.positiontup or []]
    if order != list(range(len(columns))):
        raise RuntimeError(f"unexpected parameter order {compiled.positiontup}")
    sql = str(compiled)
    sent = 0
    iterator = iter(rows)
    while chunk := list(islice(iterator, CHUNK)):
        conn.exec_driver_sql(sql, chunk)
        sent += len(chunk)
        if progress:
            progress(sent, total)
    if progress and not sent:
        progress(0, total)
    return sent
