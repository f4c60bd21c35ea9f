"""The sync engine: a connection's deals since its cursor, chunk by chunk, through the deals importer.

Paging (the same for every connector): ask for deals modified at or after T, ascending; keep those not seen yet
at T; after a batch is committed the cursor becomes the newest modification time in it. The next request is a
fresh query from that time (keyset paging: a deal changed while the sync runs moves past the cursor and is read
later, never skipped as it would be by page offsets); only when a whole page shares one modification time does
the sync follow the CRM's page token within that query. A deal that appears twice (changed between pages) is
written once, as its newest version. Pages arrive column-wise (`Page`) and a batch becomes the import's DataFrame
without a dict per deal.

Transactions: the pages are handed to the import (db/importers/deals.import_frames) as chunks while they arrive
(the first 10,000 deals, then 50,000 at a time: each chunk is checked and written while the next is read), into
ONE transaction as long as the CRM answers without the transaction waiting WAIT_IN_TRANSACTION for pages in all
(up to BATCH_ROWS deals): then it commits and the next begins with the next page. A first sync of 100,000 deals
from a CRM that answers at once is then one import, as the file of the same deals is: SQLite's indexes rebuilt
once after the write (the CRM's count of the deals tells the import how many to expect) and both rollups kept
in the same transaction (db/importers/rollups.py: a first sync's sums added, a later one's touched days
recomputed); a CRM that makes the sync wait (rate limits, a slow link) gets a commit before each long wait, so
SQLite's one writer slot is not held while nothing is written. A deal read again within one transaction (changed
between two pages) starts the next transaction: an import takes each deal once.

Resumable: the cursor is written in the transaction that writes the deals (db/importers/deals.import_frames
`then`), so a sync killed halfway goes on from the last committed transaction; what it re-reads at the cursor's
time is unchanged, and an unchanged row is not written again (row hash). Deals modified within OVERLAP before
the previous sync began are read again, for CRMs whose search index lags their writes by seconds.

Deletions and merges: after the deals, the CRM's deleted (archived, merged-away) ids since the last sync are
removed (db/importers/removals.py). Once a day a connector that can list every live id (`live_ids`: Fxiaoke,
Salesforce) is compared with the stored deals, and those it no longer has are removed too (deletions the CRM's
own list of deletions no longer shows). Rollups left stale (deletions and merges; PostgreSQL after every write) are
rebuilt once at the end.
"""

import json
import logging
import os
import queue
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pandas as pd
from sqlalchemy.engine import Connection, Engine

from db import clock
from db.crm import connections
from db.crm.connector import Connector, CrmError, Page, RateLimited, Revoked
from db.crm.secrets import Credentials, MissingKey
from db.importers.deals import import_frames
from db.importers.options import ImportOptions
from db.importers.removals import remove_deals
from db.importers.report import ImportResult
from db.models import CrmConnection

log = logging.getLogger("salesbot.crm.sync")
BATCH_ROWS = 250_000  # rows committed together at most (one transaction: checks, writes, rollups, cursor)
CHUNK_ROWS = 50_000  # rows handed to the import at a time, written while the next are read (a page is 100-2,000)
FIRST_CHUNK_PART = 5  # the first chunk is a fifth of the others: writing starts after 10,000 deals, not 50,000
WAIT_IN_TRANSACTION = 5.0  # seconds a transaction may wait for the CRM's pages in all, then it commits (SQLite
# has one writer at a time: a first sync of a slow or rate-limited CRM must not keep other writers waiting)
OVERLAP = timedelta(minutes=2)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MAX_AT = 50  # ids kept with the cursor: those modified at its very moment (more: they are read again)
RECONCILE_EVERY = timedelta(days=1)  # how often a complete list of the CRM's live ids is compared with the stored
TIMEOUT_JOIN = 40  # seconds to wait for the page reader to notice a stop (one request's timeout and a little)


@dataclass
class SyncResult:
    outcome: str  # ok | busy | broken | rate_limited | failed | not_connected
    written: int = 0  # deals inserted or updated
    unchanged: int = 0
    removed: int = 0
    skipped_rows: int = 0  # records the import checks refused (kept out, as --skip-bad-rows)
    problems: list[str] = field(default_factory=list)
    error: str = ""
    requests: int = 0


def make_connector(row: CrmConnection, creds: Credentials, saved: Callable[[Credentials], None],
                   sleep: Callable[[float], None] | None = None) -> Connector:
    """The connector for the row's CRM, with its credentials and settings."""
    settings = dict(row.settings or {})
    if row.kind == "hubspot":
        from db.crm.hubspot import HubSpot

        return HubSpot(creds, settings, saved, sleep)
    if row.kind == "zoho":
        from db.crm.zoho import Zoho

        return Zoho(creds, settings, saved, sleep)
    if row.kind == "fxiaoke":
        from db.crm.fxiaoke import Fxiaoke

        return Fxiaoke(creds, settings, saved, sleep)
    if row.kind == "salesforce":
        from db.crm.salesforce import Salesforce

        return Salesforce(creds, settings, saved, sleep)
    raise CrmError(f"no connector for {row.kind} yet")


def holder_name() -> str:
    return f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def sync_connection(engine: Engine, connection_id: int, *, batch_rows: int = BATCH_ROWS,
                    lease: timedelta = connections.LEASE, sleep: Callable[[float], None] | None = None,
                    after_batch: Callable[[int], None] | None = None) -> SyncResult:
    """One sync of one connection (a no-op answer `busy` when another sync holds it).

    `after_batch(n)` is called after the n-th committed batch (tests stop a sync there)."""
    row = connections.by_id(engine, connection_id)
    if row is None or row.status != "connected":
        return SyncResult("not_connected")
    holder = holder_name()
    if not connections.claim_lease(engine, connection_id, holder, lease=lease):
        return SyncResult("busy")
    result = SyncResult("ok")
    connector: Connector | None = None
    try:
        creds = connections.credentials(row)
        connector = make_connector(row, creds, lambda c: connections.save_credentials(engine, connection_id, c), sleep)
        _run(engine, row, connector, holder, result, batch_rows, lease, after_batch)
    except Revoked as exc:
        result.outcome, result.error = "broken", str(exc)
    except MissingKey as exc:
        result.outcome, result.error = "failed", str(exc)
    except RateLimited as exc:
        result.outcome, result.error = "rate_limited", str(exc)
    except CrmError as exc:
        result.outcome, result.error = "failed", str(exc)
    finally:
        if connector is not None:
            api = getattr(connector, "api", None)
            result.requests = getattr(api, "calls", 0)
            if api is not None:
                api.close()
        if result.outcome != "ok":
            log.warning("crm sync %s %s: %s", row.kind, row.team_id, result.error)
        connections.record_outcome(engine, connection_id, status=result.outcome,
                                   deals=result.written + result.removed,
                                   error=result.error or "; ".join(result.problems[:3]),
                                   broken=result.outcome == "broken")
        connections.release_lease(engine, connection_id, holder)
    return result


def _cursor(row: CrmConnection) -> dict[str, str]:
    try:
        return dict(json.loads(row.cursor or "{}"))
    except ValueError:
        return {}


def _run(engine: Engine, row: CrmConnection, connector: Connector, holder: str, result: SyncResult,
         batch_rows: int, lease: timedelta, after_batch: Callable[[int], None] | None) -> None:
    connector.prepare()
    options = ImportOptions(file_format=connector.file_format, skip_bad_rows=True, stage_map=connector.stage_map())
    cursor = _cursor(row)
    started = clock.now()  # deletions after this moment are the next sync's
    since = EPOCH
    if cursor.get("deals"):  # deals modified within OVERLAP before the last sync began may have been indexed late
        since = datetime.fromisoformat(cursor["deals"])
        if cursor.get("removed"):
            since = min(since, datetime.fromisoformat(cursor["removed"]) - OVERLAP)
    batches = 0
    seen = set(cursor.get("at") or []) if cursor.get("deals") and since == datetime.fromisoformat(cursor["deals"]) \
        else set()  # the deals read at the cursor's very moment: committed, not read again
    chunk_rows = min(CHUNK_ROWS, batch_rows)
    pages = _Prefetch(connector, since, seen, max_pages=max(4, 2 * chunk_rows // max(connector.page_size, 1)))
    chunks = _Chunks(pages, chunk_rows, max(1, chunk_rows // FIRST_CHUNK_PART))
    try:
        while (first := chunks.next(None)) is not None:  # read before the transaction opens
            segment = _Segment(first)
            expected = min(batch_rows, max(first.rows, (chunks.total or 0) - chunks.committed))

            def then(conn: Connection, imported: ImportResult, segment: _Segment = segment) -> None:
                if segment.merged:
                    result.removed += remove_deals(conn, row.team_id, connector.file_format, segment.merged)
                connections.store_cursor(conn, int(row.id), json.dumps(segment.state(cursor)))  # type: ignore[arg-type]
                connections.renew_lease(conn, int(row.id), holder, lease=lease)  # type: ignore[arg-type]

            imported = import_frames(engine, chunks.transaction(segment, batch_rows), label=f"{row.kind} sync",
                                     team_id=row.team_id, options=options, then=then, columns=segment.columns,
                                     expected_rows=expected, rollups=True)
            if imported.refused:
                raise CrmError("the deals were refused: " + _refusal(imported))
            result.written += imported.inserted + imported.updated
            result.unchanged += imported.unchanged
            result.skipped_rows += imported.rejected
            result.problems += [p.text() for p in imported.problems[: 5 - len(result.problems)]]
            cursor.update(segment.state(cursor))
            chunks.committed += segment.rows
            batches += 1
            if after_batch is not None:
                after_batch(batches)
    finally:
        pages.stop()
    removed_since = datetime.fromisoformat(cursor["removed"]) - OVERLAP if cursor.get("removed") else started
    gone: set[str] = set()
    if cursor.get("removed"):  # the first sync has nothing to remove: the deals read are the CRM's live ones
        for ids in connector.removed_since(removed_since):
            gone.update(ids)
    state = {**cursor, "removed": started.isoformat()}
    if _reconcile_due(connector, cursor, started):
        if cursor.get("removed"):  # the first sync has just read every live deal: its check is a day later
            gone |= _missing(engine, row.team_id, connector)
        state["reconciled"] = started.isoformat()
    with engine.begin() as conn:
        if gone:
            result.removed += remove_deals(conn, row.team_id, connector.file_format, gone)
        connections.store_cursor(conn, int(row.id), json.dumps(state))  # type: ignore[arg-type]
    if result.written or result.removed:
        _refresh_stale_rollups(engine, row.team_id)


def _refresh_stale_rollups(engine: Engine, team_id: str) -> None:
    """Rebuild the rollups the sync left stale: on SQLite each transaction of deals keeps them (as a file import
    does), so only deletions and merges leave them stale; PostgreSQL rebuilds them after the sync."""
    from sqlalchemy import text

    from db import market_rollup, rollup

    with engine.begin() as conn:
        if conn.execute(text("SELECT 1 FROM dealdaystate WHERE team_id = :t"), {"t": team_id}).first() is None:
            rollup.refresh(conn, team_id)
        if not market_rollup.is_current(conn, team_id):
            market_rollup.refresh(conn, team_id)


def _reconcile_due(connector: Connector, cursor: dict[str, Any], started: datetime) -> bool:
    """Once a day, for connectors that can list every live deal's id (`live_ids`): deletions the CRM no longer
    reports (Fxiaoke: voided and deleted between two syncs; Salesforce: gone from the recycle bin)."""
    if not hasattr(connector, "live_ids"):
        return False
    last = cursor.get("reconciled")
    return not last or started - datetime.fromisoformat(last) >= RECONCILE_EVERY


def _missing(engine: Engine, team_id: str, connector: Connector) -> set[str]:
    """The deals stored from this CRM that its complete list of live ids does not name."""
    from sqlalchemy import select

    from db.models import Deal

    alive: set[str] = set()
    for ids in connector.live_ids():  # type: ignore[attr-defined]
        alive.update(ids)
    table = Deal.__table__
    with engine.connect() as conn:
        stored = conn.execute(select(table.c.external_id).where(
            table.c.team_id == team_id, table.c.source == connector.file_format)).scalars()
        return {i for i in stored if i not in alive}


def _refusal(imported: ImportResult) -> str:
    refusal = imported.refusal
    return str(getattr(refusal, "code", "") or refusal or "refused")[:200]


class _Batch:
    """The pages of one batch as they arrived, and the ids in it (a deal read twice counts once)."""

    def __init__(self) -> None:
        self.pages: list[Page] = []
        self.ids: set[str] = set()

    def add(self, page: Page) -> None:
        self.pages.append(page)
        self.ids.update(page.ids)

    def frame(self) -> tuple[pd.DataFrame, datetime, list[str]]:
        """The batch as the import's DataFrame (the export's columns, each deal once: its newest version, the later
        read on a tie), then the newest modification time in it and the ids modified at that time; emptied."""
        pages, self.pages, self.ids = self.pages, [], set()
        ids = [i for p in pages for i in p.ids]
        modified = [m for p in pages for m in p.modified]
        names = [c for c in dict.fromkeys(c for p in pages for c in p.columns) if not c.startswith("__")]
        columns = {c: [v for p in pages for v in (p.columns.get(c) or [""] * len(p))] for c in names}
        if len(set(ids)) < len(ids):  # changed between two pages: keep the version read last among the newest
            newest: dict[str, int] = {}
            for at, (i, m) in enumerate(zip(ids, modified, strict=True)):
                known = newest.get(i)
                if known is None or modified[known] <= m:
                    newest[i] = at
            keep = sorted(newest.values())
            ids, modified = [ids[k] for k in keep], [modified[k] for k in keep]
            columns = {c: [v[k] for k in keep] for c, v in columns.items()}
        done = max(modified)
        at_done = sorted(i for i, m in zip(ids, modified, strict=True) if m == done)
        return pd.DataFrame(columns, dtype=object), done, at_done


@dataclass
class _Chunk:
    """Pages made one of the import's chunks: the DataFrame (each deal once), its ids, the newest modification
    time in it and the ids modified then, the ids merged into its deals."""

    frame: pd.DataFrame
    ids: set[str]
    done: datetime
    at_done: list[str]
    merged: set[str]

    @property
    def rows(self) -> int:
        return len(self.frame)


class _Segment:
    """The chunks of one transaction: the ids in it (a deal read again ends it: an import takes a deal once), the
    cursor it commits (the newest modification time and the ids modified then), the merged-away ids it removes."""

    def __init__(self, first: _Chunk) -> None:
        self.first, self.columns = first.frame, list(first.frame.columns)
        self.ids: set[str] = set()
        self.merged: set[str] = set()
        self.rows = 0
        self.done, self.at_done = first.done, set(first.at_done)
        self.waited = 0.0  # seconds this transaction has waited for the CRM's pages
        self.cut = False  # it ends after the chunks it has (a deal read again, the wait spent, an error)
        self.add(first)

    def add(self, chunk: _Chunk) -> None:
        chunk.frame.index = pd.RangeIndex(self.rows, self.rows + chunk.rows)  # rows numbered through the import
        self.ids |= chunk.ids
        self.merged |= chunk.merged
        self.rows += chunk.rows
        if chunk.done > self.done:
            self.done, self.at_done = chunk.done, set(chunk.at_done)
        elif chunk.done == self.done:
            self.at_done |= set(chunk.at_done)

    def state(self, cursor: dict[str, Any]) -> dict[str, Any]:
        at = sorted(self.at_done)
        return {**cursor, "deals": self.done.isoformat(), "at": at if len(at) <= MAX_AT else []}


class _Chunks:
    """The prefetched pages as the import's chunks (the sync's first a fifth of the others), and the chunks of one
    transaction: as many as arrive without the transaction waiting WAIT_IN_TRANSACTION for pages in all, up to
    its row limit, and never a deal twice (the page that repeats one starts the next transaction)."""

    def __init__(self, pages: "_Prefetch", chunk_rows: int, first_rows: int) -> None:
        self.pages, self.chunk_rows, self.first_rows = pages, chunk_rows, first_rows
        self.held: Page | None = None  # read, for the next transaction
        self.held_chunk: _Chunk | None = None
        self.error: BaseException | None = None  # raised once the transaction in progress has committed
        self.ended = False
        self.total: int | None = None  # how many deals the CRM's first answer said it would send
        self.committed = 0  # deals committed so far
        self.handed = 0  # deals handed to the import so far

    def next(self, segment: _Segment | None, limit: int = 0) -> _Chunk | None:
        """The next chunk, None at the end; within a transaction (`segment`) None when it must end."""
        if segment is None:
            if self.error is not None:
                error, self.error = self.error, None
                raise error
            if self.held_chunk is not None:
                chunk, self.held_chunk = self.held_chunk, None
                return chunk
        target = self.chunk_rows if self.handed else self.first_rows
        if segment is not None:
            target = min(target, max(1, limit - segment.rows))
        batch = _Batch()
        merged: set[str] = set()
        while len(batch.ids) < target:
            page = self._page(segment)
            if page is None:
                break
            if segment is not None and not segment.ids.isdisjoint(page.ids):
                self.held, segment.cut = page, True
                break
            if self.total is None and page.total is not None:
                self.total = page.total
            batch.add(page)
            merged.update(m for ids in page.columns.get("__merged", ()) if ids for m in ids.split(";"))
        if not batch.ids:
            if segment is None and self.error is not None:
                error, self.error = self.error, None
                raise error
            return None
        ids = set(batch.ids)
        frame, done, at_done = batch.frame()
        chunk = _Chunk(frame, ids, done, at_done, merged)
        if segment is not None and list(frame.columns) != segment.columns:  # not for this import's columns
            self.held_chunk, segment.cut = chunk, True
            return None
        self.handed += chunk.rows
        return chunk

    def _page(self, segment: _Segment | None) -> Page | None:
        if self.held is not None:
            page, self.held = self.held, None
            return page
        if self.ended or self.error is not None:
            return None
        if segment is None:
            item = self.pages.get(None)
        else:
            left = WAIT_IN_TRANSACTION - segment.waited
            began = time.monotonic()
            try:
                item = self.pages.get(left) if left > 0 else self.pages.get_nowait()
            except queue.Empty:
                segment.cut = True
                return None
            finally:
                segment.waited += time.monotonic() - began
        if item is _Prefetch.END:
            self.ended = True
            return None
        if isinstance(item, BaseException):
            self.error = item
            if segment is not None:
                segment.cut = True
            return None
        return item  # type: ignore[no-any-return]

    def transaction(self, segment: _Segment, limit: int) -> Iterator[pd.DataFrame]:
        """The frames of one transaction, its first chunk read already."""
        yield segment.first
        while not segment.cut and segment.rows < limit:
            chunk = self.next(segment, limit)
            if chunk is None:
                return
            segment.add(chunk)
            yield chunk.frame


def keyset_pages(connector: Connector, since: datetime, seen: set[str] | None = None) -> Iterator[Page]:
    """The deals modified at or after `since`, oldest first, as the pages arrive (the module docstring's paging);
    `seen`: ids modified at exactly `since` that are known already."""
    newest = since
    seen_at: set[str] = set(seen or ())  # ids already read whose modification time equals `newest`
    token: str | None = None
    while True:
        page, token = connector.deals_since(newest, token)
        more = token is not None  # the CRM has more for this query (its batches may be shorter than page_size)
        keep = [k for k, (i, m) in enumerate(zip(page.ids, page.modified, strict=True))
                if m > newest or (m == newest and i not in seen_at)]
        fresh = page if len(keep) == len(page) else page.take(keep)
        if fresh.ids:
            yield fresh
            top = max(fresh.modified)
            at_top = {i for i, m in zip(fresh.ids, fresh.modified, strict=True) if m == top}
            seen_at = (seen_at | at_top) if top == newest else at_top
            if top > newest:
                newest, token = top, None  # keyset: a fresh query from the newest time read
        if not more and not (fresh.ids and len(page) >= connector.page_size):
            return


class _Prefetch:
    """`keyset_pages` read on a thread of its own, a few pages ahead: the CRM's answers arrive while the previous
    batch is checked and written (the database and the sockets wait without the interpreter lock)."""

    END = object()

    def __init__(self, connector: Connector, since: datetime, seen: set[str], max_pages: int) -> None:
        self.queue: queue.Queue[Any] = queue.Queue(maxsize=max_pages)
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._read, args=(connector, since, seen), name="crm-fetch", daemon=True)
        self.thread.start()

    def _read(self, connector: Connector, since: datetime, seen: set[str]) -> None:
        try:
            for page in keyset_pages(connector, since, seen):
                if not self._put(page):
                    return
            self._put(self.END)
        except BaseException as exc:  # handed to the reading thread, which raises it
            self._put(exc)

    def _put(self, item: Any) -> bool:
        while not self.stopped.is_set():
            try:
                self.queue.put(item, timeout=0.2)
                return True
            except queue.Full:
                continue
        return False

    def get(self, timeout: float | None) -> Any:
        """The next page, END, or the reader's exception; queue.Empty after `timeout` seconds."""
        return self.queue.get(timeout=timeout)

    def get_nowait(self) -> Any:
        return self.queue.get_nowait()

    def stop(self) -> None:
        self.stopped.set()
        self.thread.join(timeout=TIMEOUT_JOIN)
