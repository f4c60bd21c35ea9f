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
The KPI rollup (db/rollup.py) likewise: a first file of a format adds its folded sums when it was valid (or the
workspace had no deals), any other file rebuilds it. All in the import's transaction, so the import, both
rollups and their validity commit together or not at all. PostgreSQL keeps the rebuilds after the commit
(db/importers/__init__.py): its writers do not take turns for a whole import.
"""

from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection

from db import market_rollup, rollup
from db.accounts import link_deal_accounts

COMPACT_EVERY = 10  # chunks' partial sums added up every this many chunks (bounded memory at any file size)


class ImportRollups:
    """Made before the import's first deal write; `fold` each chunk written; `finish` after the last."""

    def __init__(self, conn: Connection, team_id: str, source: str, stamp: str, owner_ids: dict[str, int]) -> None:
        self.conn, self.team_id, self.stamp, self.owner_ids = conn, team_id, stamp, owner_ids
        params = {"t": team_id, "s": source}
        empty = conn.execute(text("SELECT 1 FROM deal WHERE team_id = :t LIMIT 1"), params).first() is None
        if empty:  # a workspace without deals: its rollups are empty whatever the state rows say (a new one has
            for table in ("dealday", "dealrepmonth", "dealmarketday"):  # none yet), so the import can add to them
                conn.execute(text(f"DELETE FROM {table} WHERE team_id = :t"), params)
        new_format = empty or conn.execute(text("SELECT 1 FROM deal WHERE team_id = :t AND source = :s LIMIT 1"),
                                           params).first() is None
        self.kpi_fresh = new_format and (empty or rollup.is_current(conn, team_id))
        self.valid = empty or market_rollup.is_current(conn, team_id)
        self.fresh = self.valid and new_format
        self.accounts: dict[str, tuple[str, str, int | None]] = {}
        if self.fresh:
            self.accounts = {key: (sector or "", region or "", employees) for key, sector, region, employees in
                             conn.execute(text("SELECT key, sector, region, employees FROM account WHERE team_id = :t"),
                                          {"t": team_id})}
        self.partial: list[Any] = []
        self.days: list[Any] = []  # the KPI rollup's partial sums (db/rollup.py fold_deals)
        self.months: list[Any] = []
        self.chunks = 0
        self.how = ""  # what finish did: added | days | rebuilt (ImportResult.rollups)

    def fold(self, columns: Any) -> None:
        """Sums of one chunk of rows being written (only a first file of its format needs them)."""
        self.chunks += 1
        if self.kpi_fresh:
            days, months = rollup.fold_deals(columns)
            self.days.append(days)
            self.months.append(months)
            if self.chunks % COMPACT_EVERY == 0:
                self.days, self.months = rollup.compact(self.days, self.months)
        if self.fresh:
            self.partial += market_rollup.fold_deals(columns, self.accounts)
            if self.chunks % COMPACT_EVERY == 0:
                self.partial = market_rollup.compact(self.partial)

    def finish(self) -> None:
        """Both rollups current for the deals as this transaction leaves them, and marked valid."""
        conn, team_id = self.conn, self.team_id
        if self.kpi_fresh:
            rollup.add_sums(conn, team_id, self.days, self.months, self.owner_ids)
        else:
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
