"""The fastest write each database has, for a stream of row chunks inside the import's one transaction.

- PostgreSQL: every chunk is COPYed (text format, built column-wise) into a temporary table while the next
  chunk is being read and checked (psycopg's queued writer sends from a thread), then one
  `INSERT … SELECT … ON CONFLICT DO UPDATE … WHERE row_hash differs` moves the rows into the real table.
  `copy_text` and `copy_into` are the reusable part: any bulk load of plain columns can use them.
- SQLite: a prepared executemany per chunk (db/importers/upsert.py); when the import at least doubles the
  table, the secondary indexes are dropped inside the transaction and rebuilt sorted at the end.

A time budget covers every statement: SQLite's progress handler interrupts a statement past the deadline,
PostgreSQL's `statement_timeout` (SET LOCAL, the time left) cancels it; `ImportRefused("too_slow")` follows
and the transaction rolls back.
"""

import sqlite3
import time
from collections.abc import Callable, Sequence
from contextlib import ExitStack, contextmanager
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

from db.importers import history
from db.importers.report import ImportRefused
from db.importers.upsert import BULK_ROWS, IndexRebuild, sqlite_bulk_end, sqlite_bulk_start, upsert

_ESCAPES = (("\\", "\\\\"), ("\t", "\\t"), ("\n", "\\n"), ("\r", "\\r"))


def copy_text(columns: Sequence[Sequence[Any]]) -> str:
    """Rows given as columns (equal lengths; str, int or None values) in PostgreSQL's COPY text format.

    The rows are joined in C (`str.join` over `zip`); only when a text value holds a tab, a line break or a
    backslash (the counts tell) are the columns escaped and joined again."""
    if not columns or not len(columns[0]):
        return ""
    nulls = [0]
    cells = [_texts(c, nulls) for c in columns]
    n, k = len(cells[0]), len(cells)
    text = "\n".join(map("\t".join, zip(*cells, strict=True))) + "\n"
    clean = text.count("\t") == n * (k - 1) and text.count("\n") == n and "\r" not in text
    if clean and text.count("\\") == nulls[0]:  # every backslash is a NULL's
        return text
    cells = [_texts(c, nulls, escape=True) for c in columns]
    return "\n".join(map("\t".join, zip(*cells, strict=True))) + "\n"


def _texts(values: Sequence[Any], nulls: list[int], *, escape: bool = False) -> list[str]:
    """One column as COPY text cells: object columns hold str or None (None -> \\N), integer columns ints."""
    array = np.asarray(values)
    if array.dtype.kind in "iu":
        return array.astype(str).tolist()
    if array.dtype.kind == "f":  # integers with gaps (NaN)
        nulls[0] += int(np.isnan(array).sum())
        return ["\\N" if v != v else str(int(v)) for v in array.tolist()]
    missing = pd.isna(array)
    out = [_escape(v) if isinstance(v, str) else v for v in array.tolist()] if escape else array.tolist()
    if missing.any():
        nulls[0] += int(missing.sum())
        for i in np.flatnonzero(missing).tolist():
            out[i] = "\\N"
    return out


def _escape(value: str) -> str:
    for a, b in _ESCAPES:
        value = value.replace(a, b)
    return value


def copy_into(conn: Connection, table: str, columns: Sequence[str], text: str) -> None:
    """COPY `text` (copy_text's format) into `table` on a PostgreSQL connection, in its transaction."""
    raw = conn.connection.driver_connection
    with raw.cursor() as cur, cur.copy(f'COPY {table} ({", ".join(columns)}) FROM STDIN') as copy:  # type: ignore[union-attr]
        copy.write(text)


@contextmanager
def deadline(conn: Connection, at: float | None):  # type: ignore[no-untyped-def]
    """Statements on `conn` inside the block stop at monotonic time `at` (ImportRefused too_slow after)."""
    raw = conn.connection.driver_connection
    sqlite = isinstance(raw, sqlite3.Connection)
    if at is not None and sqlite:
        raw.set_progress_handler(lambda: time.monotonic() > at, 10_000)
    try:
        yield
    except DBAPIError as exc:
        if at is not None and time.monotonic() > at:
            raise TooSlow from exc
        raise
    finally:
        if at is not None and sqlite:
            raw.set_progress_handler(None, 0)


class TooSlow(Exception):
    """The import's time budget ran out inside a statement."""


def refuse_when_slow(seconds: float) -> ImportRefused:
    return ImportRefused("too_slow", seconds=f"{seconds:g}")


# -- deal writers ----------------------------------------------------------------------------------
# what a writer takes per row, in this order (owner: the CRM name; the writer finds its id)
ROW = ("external_id", "name", "owner", "account", "product", "stage", "status", "amount_cents", "currency",
       "created_date", "close_date", "row_hash", "loss_reason", "competitor", "segment", "next_step", "next_step_date",
       "last_activity_date")
STORED = tuple("owner_id" if c == "owner" else c for c in ROW)
OwnerIds = Callable[[dict[str, str]], dict[str, int]]  # {crm name: e-mail} -> {crm name: member id}


class DealWriter:
    """Takes chunks of checked deal rows (dicts of columns, ROW) and stores them; `finish` -> (inserted, updated).

    Every writer records deal history as it writes (db/importers/history.py): a `deal_change` row for each deal
    seen for the first time or whose stage, amount, currency, close date or owner changed, stamped `stamp` and
    `run_id` (the ImportRun of the import or sync that saw it)."""

    def __init__(self, conn: Connection, team_id: str, source: str, stamp: Any, owner_ids: OwnerIds,
                 at: float | None, run_id: int | None) -> None:
        self.conn, self.team_id, self.source, self.stamp = conn, team_id, source, stamp
        self.owner_ids, self.at, self.run_id = owner_ids, at, run_id
        self.emails: dict[str, str] = {}  # every owner of the file: first e-mail given

    def add(self, columns: dict[str, Any], emails: dict[str, str], expected_rows: int) -> None:
        raise NotImplementedError

    def finish(self) -> tuple[int, int]:
        raise NotImplementedError

    def close(self) -> None:
        """Release what `add` opened, when the import stops early (the transaction then rolls back)."""


def deal_writer(conn: Connection, team_id: str, source: str, stamp: Any, owner_ids: OwnerIds,
                at: float | None, *, run_id: int | None) -> DealWriter:
    """The writer for `conn`'s database; `run_id`: the ImportRun its history rows name as their source."""
    cls = PostgresDeals if conn.dialect.name == "postgresql" else SqliteDeals
    return cls(conn, team_id, source, stamp, owner_ids, at, run_id)


class SqliteDeals(DealWriter):
    """executemany per chunk; counts from the rows above the highest id before (inserted) and the connection's
    changes (updated)."""

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.raw = self.conn.connection.driver_connection
        # The import is about to write deals, so the daily rollup is stale (db/rollup.py; refreshed after commit).
        # Said here, before counting changes: otherwise the trigger's delete would count as an updated deal.
        self.conn.exec_driver_sql("DELETE FROM dealdaystate WHERE team_id = ?", (self.team_id,))
        self.last_deal = int(self.conn.exec_driver_sql("SELECT max(id) FROM deal").scalar() or 0)
        self.history_before = history.sqlite_last_id(self.conn)
        history.sqlite_start(self.conn, self.run_id)
        self.changed = 0  # rows inserted or updated by the upserts (the connection's total_changes around them)
        self.rebuild: IndexRebuild | None = None
        self.ids: dict[str, int] = {}

    def add(self, columns: dict[str, Any], emails: dict[str, str], expected_rows: int) -> None:
        new = {o: e for o, e in emails.items() if o not in self.ids}
        if new:
            self.ids.update(self.owner_ids(new))
        if self.rebuild is None:  # first chunk: rebuild indexes when this import at least doubles the table
            table_rows = self.last_deal
            self.rebuild = sqlite_bulk_start(self.conn, "deal", expected_rows if expected_rows > table_rows else 0)
            # deal_change keeps its indexes: its first rows are appended in one statement, in deal id order, so
            # both indexes (team, seen_at) and (deal, seen_at) grow at their ends (a rebuild would sort them)
        ids = self.ids
        owner_id = [ids.get(o) for o in columns["owner"].tolist()]
        rows = zip(*[owner_id if c == "owner" else _values(columns[c]) for c in ROW], strict=True)
        constants = {"team_id": self.team_id, "source": self.source, "updated_at": self.stamp}
        before = self.raw.total_changes
        with deadline(self.conn, self.at):
            upsert(self.conn, "deal", STORED, rows, total=len(owner_id), constants=constants)
        self.changed += self.raw.total_changes - before

    def finish(self) -> tuple[int, int]:
        changed = self.changed - (history.sqlite_last_id(self.conn) - self.history_before)  # not the history rows
        with deadline(self.conn, self.at):  # the deals inserted are those above the highest id before
            inserted = history.sqlite_first_sightings(self.conn, self.team_id, self.source, self.run_id,
                                                      self.last_deal)
            sqlite_bulk_end(self.conn, self.rebuild)
        return inserted, changed - inserted

    def close(self) -> None:
        try:
            history.sqlite_stop(self.conn)
        except DBAPIError:  # the transaction is already broken: its rollback drops the triggers with it
            pass


def _values(values: Any) -> list[Any]:
    """Plain Python values for the driver: None for a missing value (NaN in pandas)."""
    out = values.tolist() if hasattr(values, "tolist") else list(values)
    if getattr(values, "hasnans", False):
        out = [None if v is None or v != v else v for v in out]
    return out


class PostgresDeals(DealWriter):
    """COPY into a temporary table (one COPY held open across chunks, sent from a thread), then one
    INSERT … SELECT … ON CONFLICT; owners are resolved once at the end, by a join on their CRM names.

    The first import of a format into a workspace (no deal of that source yet) COPYs each chunk straight into
    `deal` instead, its owners resolved per chunk: nothing can conflict, so the staging table and the second
    pass are skipped, and every row is inserted. Imports of one workspace and format take turns (a transaction
    advisory lock), so two first imports at once cannot both take the direct path."""

    STAGE = "deal_import"

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.stack = ExitStack()
        self.copy: Any = None
        self.direct: bool | None = None  # decided at the first chunk
        self.copied = 0
        self.ids: dict[str, int] = {}

    def add(self, columns: dict[str, Any], emails: dict[str, str], expected_rows: int) -> None:
        if self.direct is None:
            self.direct = self._first_import()
        if self.direct:
            self._add_direct(columns, emails)
            return
        for owner, email in emails.items():
            self.emails.setdefault(owner, email)
        if self.copy is None:
            self._open()
        self.copy.write(copy_text([columns[c] for c in ROW]))

    def _first_import(self) -> bool:
        self.conn.exec_driver_sql("SELECT pg_advisory_xact_lock(hashtext(%(key)s))",
                                  {"key": f"salesbot deal import {self.team_id} {self.source}"})
        return self.conn.exec_driver_sql(
            "SELECT NOT EXISTS (SELECT 1 FROM deal WHERE team_id = %(team)s AND source = %(source)s)",
            {"team": self.team_id, "source": self.source}).scalar() is True

    def _add_direct(self, columns: dict[str, Any], emails: dict[str, str]) -> None:
        new = {o: e for o, e in emails.items() if o not in self.ids}
        if new:
            self.ids.update(self.owner_ids(new))
        ids = self.ids
        owners = [None if (i := ids.get(o)) is None else str(i) for o in columns["owner"].tolist()]
        n = len(owners)
        cells = [[self.team_id] * n, [self.source] * n, [self.stamp.isoformat()] * n]
        cells += [owners if c == "owner" else columns[c] for c in ROW]
        with deadline(self.conn, self.at):
            self._timeout()
            copy_into(self.conn, "deal", ("team_id", "source", "updated_at", *STORED), copy_text(cells))
        self.copied += n

    def _timeout(self) -> None:
        if self.at is not None:
            left = max(1, int((self.at - time.monotonic()) * 1000))
            self.conn.exec_driver_sql(f"SET LOCAL statement_timeout = {left}")

    def _open(self) -> None:
        from psycopg.copy import QueuedLibpqWriter

        self.conn.exec_driver_sql(
            f"CREATE TEMPORARY TABLE {self.STAGE} (external_id text, name text, owner text, account text, "
            "product text, stage text, status text, amount_cents bigint, currency text, created_date date, "
            "close_date date, row_hash text, loss_reason text, competitor text, segment text, next_step text, "
            "next_step_date date, last_activity_date date) ON COMMIT DROP"
        )
        raw = self.conn.connection.driver_connection
        cur = self.stack.enter_context(raw.cursor())  # type: ignore[union-attr]
        self.copy = self.stack.enter_context(cur.copy(f"COPY {self.STAGE} ({', '.join(ROW)}) FROM STDIN"))
        self.copy.writer = QueuedLibpqWriter(cur)  # the socket is fed from a thread: reading goes on meanwhile

    def close(self) -> None:
        self.stack.close()

    def finish(self) -> tuple[int, int]:
        if self.direct:
            with deadline(self.conn, self.at):
                self._timeout()
                history.pg_first_sightings(self.conn, self.team_id, self.source, self.run_id)
            if self.at is not None:
                self.conn.exec_driver_sql("SET LOCAL statement_timeout = 0")
            return self.copied, 0
        if self.copy is None:
            return 0, 0
        with deadline(self.conn, self.at):
            self.stack.close()  # ends the COPY: waits for the queued writer
            self.copy = None
            ids = self.owner_ids(self.emails) if self.emails else {}
            self.conn.exec_driver_sql("CREATE TEMPORARY TABLE deal_import_owner (owner text PRIMARY KEY, "
                                      "owner_id bigint) ON COMMIT DROP")
            if ids:
                copy_into(self.conn, "deal_import_owner", ("owner", "owner_id"),
                          copy_text([list(ids), list(ids.values())]))
            self._timeout()
            stored = [c for c in STORED]
            update = ", ".join(f"{c} = excluded.{c}" for c in [*stored, "updated_at"] if c != "external_id")
            select = ", ".join("o.owner_id" if c == "owner" else f"s.{c}" for c in ROW)
            upsert_sql = (
                f"INSERT INTO deal (team_id, source, updated_at, {', '.join(stored)}) "
                f"SELECT %(team)s, %(source)s, %(stamp)s, {select} FROM {self.STAGE} s "
                "LEFT JOIN deal_import_owner o ON o.owner = s.owner "
                "ON CONFLICT (team_id, source, external_id) DO UPDATE SET " + update + " "
                "WHERE deal.row_hash <> excluded.row_hash"
            )
            counts = self.conn.exec_driver_sql(
                history.pg_upsert_with_history(upsert_sql, self.run_id),
                {"team": self.team_id, "source": self.source, "stamp": self.stamp},
            ).one()
            if self.at is not None:
                self.conn.exec_driver_sql("SET LOCAL statement_timeout = 0")
        return int(counts[0]), int(counts[1])


__all__ = ["BULK_ROWS", "DealWriter", "TooSlow", "copy_into", "copy_text", "deal_writer", "deadline"]
