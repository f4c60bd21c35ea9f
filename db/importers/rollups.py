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

The KPI rollup (db/rollup.py: dealday, dealrepmonth) likewise: a first file of a format adds its sums folded
from the rows in memory when the rollup was valid before (or the workspace had no deals); a file that changes
no deal leaves a valid one as it was; any other file rebuilds it. Its per-rep sums are folded by the CRM owner
NAME the file gives and turned into member ids only after the import has linked its owners to Slack people
(`link_file_owners` merges an owner's member row into the person's and moves its deals): ids taken before
linking named merged-away members (reverted 7c3e5c3). When linking merged away a member the rollup already had
rows for (an owner of another format's deals), it is rebuilt instead. All in the import's transaction, so the
import, both rollups and their validity commit together or not at all. PostgreSQL keeps the rebuilds after the
commit (db/importers/__init__.py): its writers do not take turns for a whole import.
"""

from typing import Any

from sqlalchemy import bindparam, text
from sqlalchemy.engine import Connection

from db import market_rollup, rollup
from db.accounts import link_deal_accounts

COMPACT_EVERY = 10  # chunks' partial sums added up every this many chunks (bounded memory at any file size)


class ImportRollups:
    """Made before the import's first deal write; `fold` each chunk written; `finish` after the last."""

    def __init__(self, conn: Connection, team_id: str, source: str, stamp: str) -> None:
        self.conn, self.team_id, self.stamp = conn, team_id, stamp
        empty = self._empty()
        new_format = empty or conn.execute(text("SELECT 1 FROM deal WHERE team_id = :t AND source = :s LIMIT 1"),
                                           {"t": team_id, "s": source}).first() is None
        self.valid = empty or market_rollup.is_current(conn, team_id)
        self.fresh = self.valid and new_format
        # asked before the writer's first write, which says the KPI rollup is stale (db/importers/bulk.py)
        self.kpi_valid = empty or rollup.is_current(conn, team_id)
        self.kpi_fresh = new_format and self.kpi_valid
        self.days: list[Any] = []  # the KPI rollup's partial sums (db/rollup.py fold_deals)
        self.months: list[Any] = []
        self.owners_before: dict[int, str] = {}  # member id -> CRM name, before linking
        self.accounts: dict[str, tuple[str, str, int | None]] = {}
        if self.fresh:
            self.accounts = {key: (sector or "", region or "", employees) for key, sector, region, employees in
                             conn.execute(text("SELECT key, sector, region, employees FROM account WHERE team_id = :t"),
                                          {"t": team_id})}
        self.partial: list[Any] = []
        self.chunks = 0
        self.how = ""  # what finish did: added | days | rebuilt (ImportResult.rollups)

    def _empty(self) -> bool:
        """A workspace without deals: its rollups are empty whatever their state says (a new workspace has
        none yet), so the import can add to them."""
        params = {"t": self.team_id}
        if self.conn.execute(text("SELECT 1 FROM deal WHERE team_id = :t LIMIT 1"), params).first() is not None:
            return False
        for table in ("dealmarketday", "dealday", "dealrepmonth"):
            self.conn.execute(text(f"DELETE FROM {table} WHERE team_id = :t"), params)
        return True

    def fold(self, columns: Any) -> None:
        """Sums of one chunk of rows being written (only a first file of its format needs them)."""
        self.chunks += 1
        compact = self.chunks % COMPACT_EVERY == 0
        if self.kpi_fresh:
            days, months = rollup.fold_deals(columns)
            self.days.append(days)
            self.months.append(months)
            if compact:
                self.days, self.months = rollup.compact(self.days, self.months)
        if self.fresh:
            self.partial += market_rollup.fold_deals(columns, self.accounts)
            if compact:
                self.partial = market_rollup.compact(self.partial)

    def before_linking(self, owner_ids: dict[str, int]) -> None:
        """Called with the file's owners ({CRM name: member id}) just before `link_file_owners` merges some of
        them into Slack people: what each member's CRM name was, to find where it went."""
        if self.kpi_valid and owner_ids:
            ids = sorted(set(owner_ids.values()))
            self.owners_before = dict(self.conn.execute(
                text("SELECT id, crm_name FROM member WHERE id IN :ids").bindparams(bindparam("ids", expanding=True)),
                {"ids": ids}).all())

    def _owners_now(self, owner_ids: dict[str, int]) -> dict[str, int] | None:
        """{CRM name of the file: member id after linking}; None when linking merged away a member that the
        KPI rollup had rows for already (they would still name it: the rollup must be rebuilt)."""
        if not owner_ids:
            return {}
        conn, params = self.conn, {"t": self.team_id}
        ids = sorted(self.owners_before)
        left = {i for (i,) in conn.execute(
            text("SELECT id FROM member WHERE id IN :ids").bindparams(bindparam("ids", expanding=True)),
            {"ids": ids})} if ids else set()
        gone = [i for i in ids if i not in left]
        moved: dict[int, int] = {}
        if gone:
            if conn.execute(text("SELECT 1 FROM dealrepmonth WHERE team_id = :t AND owner_id IN :ids LIMIT 1")
                            .bindparams(bindparam("ids", expanding=True)), {**params, "ids": gone}).first():
                return None
            names = {self.owners_before[i] for i in gone}
            kept = dict(conn.execute(
                text("SELECT crm_name, id FROM member WHERE team_id = :t AND crm_name IN :names")
                .bindparams(bindparam("names", expanding=True)), {**params, "names": sorted(names)}).all())
            moved = {i: kept[self.owners_before[i]] for i in gone if self.owners_before[i] in kept}
            if len(moved) != len(gone):  # a member went where its CRM name cannot be followed
                return None
        return {name: moved.get(i, i) for name, i in owner_ids.items()}

    def finish(self, owner_ids: dict[str, int] | None = None, *, wrote: bool = True) -> None:
        """Both rollups current for the deals as this transaction leaves them, and marked valid; `owner_ids`:
        the file's owners as `before_linking` was given them; `wrote`: whether any deal was inserted or changed
        (a file that changes nothing leaves a valid KPI rollup as it was, but for owners linking merged away)."""
        conn, team_id = self.conn, self.team_id
        owners = self._owners_now(owner_ids or {}) if self.kpi_valid else None
        if owners is not None and self.kpi_fresh:
            rollup.add_sums(conn, team_id, self.days, self.months, owners)
        elif owners is not None and not wrote:
            rollup.mark_built(conn, team_id)
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
            market_rollup.refresh_days(conn, team_id, self._touched() if wrote else [])
            self.how = "days"
        market_rollup.mark_built(conn, team_id)

    def _touched(self) -> list[Any]:
        """Close dates of the rows this import wrote, now and before (a close date moved, a won deal reopened)."""
        params = {"t": self.team_id, "at": self.stamp}
        return [day for (day,) in self.conn.execute(text(
            "SELECT close_date FROM deal NOT INDEXED WHERE team_id = :t AND updated_at = :at "
            "AND close_date IS NOT NULL UNION SELECT prev_close_date FROM deal_change WHERE team_id = :t "
            "AND seen_at = :at AND prev_close_date IS NOT NULL"), params)]
