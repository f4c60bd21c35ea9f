"""Live CRM sync (issue 14): a first sync of 100,000 HubSpot deals from a fake HubSpot on loopback that answers
at once (its pages ready in memory), beside the file import of the same deals as HubSpot's export writes them,
in the same run and on the same database; then an incremental sync with nothing changed.

Goals: the first sync within 2x the file import; an incremental sync with nothing changed under 1 s.
SQLite, and PostgreSQL when it answers (SALESBOT_BENCH_PG_URL). Rows: BENCH_SYNC_ROWS (default 100,000).
"""

import os
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from benchmarks import Row

ROWS = int(os.environ.get("BENCH_SYNC_ROWS", "100000"))
PG_URL = os.environ.get("SALESBOT_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def _fresh(url: str, name: str) -> str:
    from sqlalchemy import create_engine, text

    if url.startswith("sqlite"):
        return url
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {name}"))
        conn.execute(text(f"CREATE DATABASE {name}"))
    admin.dispose()
    return url.rsplit("/", 1)[0] + "/" + name


def _measure(label: str, url: str) -> list[Row]:
    from db.crm import connections
    from db.crm.secrets import new_key
    from db.crm.sync import sync_connection
    from db.engine import get_engine
    from db.importers import ImportOptions, import_file
    from db.importers.limits import ImportLimits
    from db.migrate import upgrade
    from tests.crm.test_sync import export_csv
    from tests.crm_fakes import FakeHubSpot

    os.environ.setdefault("SALESBOT_SECRET_KEY", new_key())
    fake = _filled(FakeHubSpot())  # here for its export file; the sync reads the same deals from a twin process
    server = _Server()
    rows: list[Row] = []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            file_url = _fresh(url, "salesbot_bench_sync_file") if not url.startswith("sqlite") \
                else f"sqlite:///{tmp}/file.db"
            sync_url = _fresh(url, "salesbot_bench_sync_api") if not url.startswith("sqlite") \
                else f"sqlite:///{tmp}/sync.db"
            csv_path = Path(tmp) / "hubspot.csv"
            csv_path.write_bytes(export_csv(fake))
            stage_map = {lbl: ("won" if p == "1.0" else "lost") if closed == "true" else "open"
                         for _i, lbl, closed, p in fake.pipeline}
            file_engine, sync_engine = get_engine(file_url), get_engine(sync_url)
            upgrade(file_engine)
            upgrade(sync_engine)
            began = time.perf_counter()
            result = import_file(file_engine, "deals", csv_path, filename="hubspot.csv", team_id="TBENCH",
                                 options=ImportOptions(stage_map=stage_map, limits=ImportLimits(seconds=3600)),
                                 today=date(2026, 11, 26))
            file_seconds = time.perf_counter() - began
            assert result.inserted == ROWS, result
            cid = connections.connect(sync_engine, "TBENCH", "hubspot", {"token": fake.access_token},
                                      settings={"api_url": server.url})
            began = time.perf_counter()
            first = sync_connection(sync_engine, cid)
            sync_seconds = time.perf_counter() - began
            assert first.outcome == "ok" and first.written == ROWS, first
            began = time.perf_counter()
            again = sync_connection(sync_engine, cid)
            again_seconds = time.perf_counter() - began
            assert again.outcome == "ok" and again.written == 0, again
            load = os.getloadavg()[0]
            rows.append(Row("crm_sync", f"{label} first sync {ROWS:,} deals ({first.requests} requests, load "
                            f"{load:.1f})", sync_seconds, "s", "<= 2x the file import",
                            sync_seconds <= 2 * file_seconds, floor=file_seconds))
            rows.append(Row("crm_sync", f"{label} incremental, nothing changed ({again.requests} requests)",
                            again_seconds, "s", "< 1 s", again_seconds < 1.0))
            file_engine.dispose()
            sync_engine.dispose()
    finally:
        fake.close()
        server.close()
    return rows


def _filled(fake):  # type: ignore[no-untyped-def]
    from tests.crm.test_sync import hubspot_deal

    start = datetime(2026, 1, 1, tzinfo=UTC)
    for i in range(ROWS):
        fake.put(str(10_000_000 + i), start + timedelta(seconds=i // 4), **hubspot_deal(i))
    fake.ordered(start)  # the fake's index built before the clock starts
    return fake


def _serve(urls, stop) -> None:  # type: ignore[no-untyped-def]
    from tests.crm_fakes import FakeHubSpot

    fake = _filled(FakeHubSpot())
    urls.put(fake.url)
    stop.wait()
    fake.close()


class _Server:
    """The fake HubSpot in a process of its own, so its answers do not wait for the syncing process's
    interpreter lock (a CRM answers from its own machines)."""

    def __init__(self) -> None:
        import multiprocessing

        ctx = multiprocessing.get_context("fork")
        self.stop, urls = ctx.Event(), ctx.Queue()
        self.process = ctx.Process(target=_serve, args=(urls, self.stop), daemon=True)
        self.process.start()
        self.url = urls.get(timeout=600)

    def close(self) -> None:
        self.stop.set()
        self.process.join(timeout=10)


def run() -> list[Row]:
    rows = _measure("SQLite", "sqlite://")
    try:
        from tests.databases import pg_available

        if pg_available() is None:
            rows += _measure("PostgreSQL", PG_URL)
    except Exception as exc:  # PostgreSQL is optional here
        rows.append(Row("crm_sync", f"PostgreSQL skipped: {str(exc)[:80]}", 0, "", "", None))
    return rows
