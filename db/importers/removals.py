"""Deals the CRM deleted (or merged into another): removed by their CRM id, in the caller's transaction.

The one place a deal row goes away because its CRM says so (a sync's deletions, db/crm/sync.py). The rollup
triggers on `deal` mark the workspace's rollups stale in the same transaction, like any write.

Deal history keeps the removal: one `deal_change` row per deal, status "removed", with the state it had as its
previous state (stage unchanged, so stage moves and time in stage do not count it). The pipeline as it was on a
past day (reports/history.pipeline_on) then still counts a deal that was open that day and deleted since.
"""

from collections.abc import Iterable

from sqlalchemy import delete, insert, literal, select
from sqlalchemy.engine import Connection

from db import clock
from db.models import Deal, DealChange

BATCH = 500


def remove_deals(conn: Connection, team_id: str, source: str, external_ids: Iterable[str]) -> int:
    """Delete the deals of `source` with these CRM ids; returns how many there were."""
    ids = sorted({str(i) for i in external_ids if str(i)})
    table = Deal.__table__
    removed = 0
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        _keep_in_history(conn, team_id, source, chunk)
        removed += conn.execute(delete(table).where(
            table.c.team_id == team_id, table.c.source == source, table.c.external_id.in_(chunk))).rowcount or 0
    return removed


REMOVED = "removed"  # deal_change.status of a deal its CRM deleted or merged away


def _keep_in_history(conn: Connection, team_id: str, source: str, external_ids: list[str]) -> None:
    d, c = Deal.__table__.c, DealChange.__table__.c  # type: ignore[attr-defined]
    seen = literal(clock.now(), type_=c.seen_at.type)
    rows = select(d.team_id, d.id, seen, d.stage, literal(REMOVED), d.amount_cents, d.currency, d.close_date,
                  d.owner_id, d.stage, d.status, d.amount_cents, d.currency, d.close_date, d.owner_id).where(
        d.team_id == team_id, d.source == source, d.external_id.in_(external_ids))
    columns = ["team_id", "deal_id", "seen_at", "stage", "status", "amount_cents", "currency", "close_date",
               "owner_id", "prev_stage", "prev_status", "prev_amount_cents", "prev_currency", "prev_close_date",
               "prev_owner_id"]
    conn.execute(insert(DealChange.__table__).from_select(columns, rows))  # type: ignore[arg-type]
