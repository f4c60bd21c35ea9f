"""Deals the CRM deleted (or merged into another): removed by their CRM id, in the caller's transaction.

The one place a deal row goes away because its CRM says so (a sync's deletions, db/crm/sync.py). The rollup
triggers on `deal` mark the workspace's rollups stale in the same transaction, like any write.
"""

from collections.abc import Iterable

from sqlalchemy import delete
from sqlalchemy.engine import Connection

from db.models import Deal

BATCH = 500


def remove_deals(conn: Connection, team_id: str, source: str, external_ids: Iterable[str]) -> int:
    """Delete the deals of `source` with these CRM ids; returns how many there were."""
    ids = sorted({str(i) for i in external_ids if str(i)})
    table = Deal.__table__
    removed = 0
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        removed += conn.execute(delete(table).where(
            table.c.team_id == team_id, table.c.source == source, table.c.external_id.in_(chunk))).rowcount or 0
    return removed
