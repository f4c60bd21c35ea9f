"""The sync engine: a connection's deals since its cursor, batch by batch, through the deals importer.

Paging (the same for every connector): ask for deals modified at or after T, ascending; keep those not seen yet
at T; after a batch is committed the cursor becomes the newest modification time in it. The next request is a
fresh query from that time (keyset paging: a deal changed while the sync runs moves past the cursor and is read
later, never skipped as it would be by page offsets); only when a whole page shares one modification time does
the sync follow the CRM's page token within that query. A deal that appears twice (changed between pages) is
written once, as its newest version. Pages arrive column-wise (`Page`) and a batch becomes the import's DataFrame
without a dict per deal. The first batch is a fifth of the others (10,000 deals): a first sync of 100,000 starts
writing after ~0.3 s of reading instead of ~1.9 s; each later batch is read while the one before it is written.

Resumable: the cursor is written in the transaction that writes the batch (db/importers/deals.import_frames
`then`), so a sync killed halfway goes on from the last committed batch; what it re-reads at the cursor's
time is unchanged, and an unchanged row is not written again (row hash). Deals modified within OVERLAP before
the previous sync began are read again, for CRMs whose search index lags their writes by seconds.

Deletions and merges: after the deals, the CRM's deleted (archived, merged-away) ids since the last sync are
removed (db/importers/removals.py). Once a day a connector that can list every live id (`live_ids`: Fxiaoke,
Salesforce) is compared with the stored deals, and those it no longer has are removed too (deletions the CRM's
own list of deletions no longer shows). Rollups are refreshed once at the end, as after a file import.
"""

import json
import logging
import os
import queue
import socket
import threading
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
BATCH_ROWS = 50_000  # rows committed together (a page is 100-2,000): fewer, larger transactions
FIRST_BATCH_PART = 5  # the first batch is a fifth of the others: writing starts after 10,000 deals, not 50,000
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
    batch = _Batch()
    merged: set[str] = set()
    batches = 0

    def commit() -> None:
        nonlocal batches
        if not batch.ids:
            return
        frame, done, at_done = batch.frame()
        state = {**cursor, "deals": done.isoformat(), "at": at_done if len(at_done) <= MAX_AT else []}
        frames = [frame]

        def then(conn: Connection, imported: ImportResult) -> None:
            if merged:
                result.removed += remove_deals(conn, row.team_id, connector.file_format, merged)
            connections.store_cursor(conn, int(row.id), json.dumps(state))  # type: ignore[arg-type]
            connections.renew_lease(conn, int(row.id), holder, lease=lease)  # type: ignore[arg-type]

        imported = import_frames(engine, frames, label=f"{row.kind} sync", team_id=row.team_id, options=options,
                                 then=then)
        if imported.refused:
            raise CrmError("the deals were refused: " + _refusal(imported))
        result.written += imported.inserted + imported.updated
        result.unchanged += imported.unchanged
        result.skipped_rows += imported.rejected
        result.problems += [p.text() for p in imported.problems[: 5 - len(result.problems)]]
        cursor.update(state)
        merged.clear()
        batches += 1
        if after_batch is not None:
            after_batch(batches)

    seen = set(cursor.get("at") or []) if cursor.get("deals") and since == datetime.fromisoformat(cursor["deals"]) \
        else set()  # the deals read at the cursor's very moment: committed, not read again
    pages = _Prefetch(connector, since, seen, max_pages=max(4, 2 * batch_rows // max(connector.page_size, 1)))
    try:
        for fresh in pages:
            batch.add(fresh)
            merged.update(m for ids in fresh.columns.get("__merged", ()) if ids for m in ids.split(";"))
            if len(batch.ids) >= (batch_rows if batches else max(1, batch_rows // FIRST_BATCH_PART)):
                commit()
    finally:
        pages.stop()
    commit()
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
        from db.market_rollup import refresh_team as refresh_market
        from db.rollup import refresh_team

        refresh_team(engine, row.team_id)
        refresh_market(engine, row.team_id)


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

    _END = object()

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
            self._put(self._END)
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

    def __iter__(self) -> Iterator[Page]:
        while True:
            item = self.queue.get()
            if item is self._END:
                return
            if isinstance(item, BaseException):
                raise item
            yield item

    def stop(self) -> None:
        self.stopped.set()
        self.thread.join(timeout=TIMEOUT_JOIN)
