"""The KPI and market rollups of a SQLite deals import, brought up to date inside the import's own transaction.

Why: rebuilding the market rollup from every closed deal after each import cost 10.7-18.4 s of a 1M-deal import
(issue 12). SQLite has one writer at a time, so what the rollup was just before the import's first write is
what it still is at its end; the import changes only its own rows. Hence, when the market rollup was valid
before the import:
- a workspace's first file of a format (no deal of that format yet: every row of the file is inserted) adds its
  closed deals' sums, folded chunk by chunk from the rows in memory while the writer thread stores them;
- any other file recomputes only the close dates it touched: those of the rows it inserted or changed (stamped
  with its `updated_at`) and the close dates they had before (`deal_change`), from the (team, status, close
  date) index.
Otherwise (stale before: a sync or a failed refresh left it so) the market rollup is rebuilt whole, as before.
The KPI rollup (db/rollup.py) is rebuilt in the same transaction, so the import, both rollups and their
validity commit together or not at all. PostgreSQL keeps the rebuild after the commit (db/importers/__init__.py):
its writers do not take turns for a whole import.
"""

from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection

from db import market_rollup, rollup
from db.accounts import link_deal_accounts

COMPACT_EVERY = 10  # chunks' partial sums added up every this many chunks (bounded memory at any file size)


class ImportRollups:
    """Made before the import's first deal write; `fold` each chunk written; `finish` after the last."""

    def __init__(self, conn: Connection, team_id: str, source: str, stamp: str) -> None:
        self.conn, self.team_id, self.stamp = conn, team_id, stamp
        self.valid = market_rollup.is_current(conn, team_id) or self._empty()
        self.fresh = self.valid and conn.execute(text("SELECT 1 FROM deal WHERE team_id = :t AND source = :s LIMIT 1"),
                                                 {"t": team_id, "s": source}).first() is None
        self.accounts: dict[str, tuple[str, str, int | None]] = {}
        if self.fresh:
            self.accounts = {key: (sector or "", region or "", employees) for key, sector, region, employees in
                             conn.execute(text("SELECT key, sector, region, employees FROM account WHERE team_id = :t"),
                                          {"t": team_id})}
        self.partial: list[Any] = []
        self.chunks = 0
        self.how = ""  # what finish did: added | days | rebuilt (ImportResult.rollups)

    def _empty(self) -> bool:
        """A workspace without deals: its market rollup is empty whatever its state says (a new workspace has
        none yet), so the import can add to it."""
        params = {"t": self.team_id}
        if self.conn.execute(text("SELECT 1 FROM deal WHERE team_id = :t LIMIT 1"), params).first() is not None:
            return False
        self.conn.execute(text("DELETE FROM dealmarketday WHERE team_id = :t"), params)
        return True

    def fold(self, columns: Any) -> None:
        """Sums of one chunk of rows being written (only a first file of its format needs them)."""
        if not self.fresh:
            return
        self.partial += market_rollup.fold_deals(columns, self.accounts)
        self.chunks += 1
        if self.chunks % COMPACT_EVERY == 0:
            self.partial = market_rollup.compact(self.partial)

    def finish(self) -> None:
        """Both rollups current for the deals as this transaction leaves them, and marked valid."""
        conn, team_id = self.conn, self.team_id
        rollup.refresh(conn, team_id)
        if not self.valid:
            market_rollup.refresh(conn, team_id)
            self.how = "rebuilt"
            return
        link_deal_accounts(conn, team_id)  # account names this file brought
        if self.fresh:
            market_rollup.add_sums(conn, team_id, self.partial)
            self.how = "added"
        else:
            market_rollup.refresh_days(conn, team_id, self._touched())
            self.how = "days"
        market_rollup.mark_built(conn, team_id)

    def _touched(self) -> list[Any]:
        """Close dates of the rows this import wrote, now and before (a close date moved, a won deal reopened)."""
        params = {"t": self.team_id, "at": self.stamp}
        return [day for (day,) in self.conn.execute(text(
            "SELECT close_date FROM deal NOT INDEXED WHERE team_id = :t AND updated_at = :at "
            "AND close_date IS NOT NULL UNION SELECT prev_close_date FROM deal_change WHERE team_id = :t "
            "AND seen_at = :at AND prev_close_date IS NOT NULL"), params)]
