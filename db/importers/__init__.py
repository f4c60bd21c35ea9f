"""Importers: CRM exports (deals), targets, feedback and exchange-rate files into the database, all or nothing.

`import_file(engine, kind, data, ...)` is the one entry point the CLI and the Slack handler call; it reads
CSV/XLSX bytes (or, for deals, a path: streamed in chunks), checks every row, and either writes the whole file
in one transaction or refuses it with the rows and reasons (see report.ImportResult).
"""

from datetime import date
from pathlib import Path

from sqlalchemy.engine import Engine

from db.importers.options import ImportOptions, Progress
from db.importers.report import ImportRefused, ImportResult, RowProblem, summary_lines
from db.importers.workspace import resolve_team

KINDS = ("deals", "targets", "feedback", "rates", "accounts")

__all__ = [
    "KINDS",
    "ImportOptions",
    "ImportRefused",
    "ImportResult",
    "RowProblem",
    "import_file",
    "resolve_team",
    "summary_lines",
]


def import_file(
    engine: Engine,
    kind: str,
    data: bytes | Path,
    *,
    filename: str,
    team_id: str,
    options: ImportOptions | None = None,
    progress: Progress | None = None,
    today: date | None = None,
) -> ImportResult:
    """Import one file of `kind` (deals | targets | feedback | rates | accounts) into the workspace `team_id`.

    `data`: the file's bytes, or its path (deals stream from disk; the other kinds are read whole)."""
    options = options or ImportOptions()
    if kind != "deals" and isinstance(data, Path):
        data = data.read_bytes()
    if kind == "deals":
        from db.importers.deals import import_deals
        from db.market_rollup import refresh_team as refresh_market
        from db.rollup import refresh_team

        result = import_deals(
            engine, data, filename=filename, team_id=team_id, options=options, progress=progress, today=today
        )
        if result.status in ("done", "partial") and not result.rollups:  # a --skip-bad-rows import wrote rows too
            # (SQLite brings them up to date in the import's own transaction: db/importers/rollups.py)
            refresh_team(engine, team_id)  # the team-wide KPI figures read the daily rollup (db/rollup.py)
            refresh_market(engine, team_id)  # and /market its own (db/market_rollup.py), valid with it
        return result
    if kind == "targets":
        from db.importers.targets import import_targets

        return import_targets(engine, data, filename=filename, team_id=team_id, options=options)
    if kind == "feedback":
        from db.importers.feedback import import_feedback

        return import_feedback(engine, data, filename=filename, team_id=team_id, options=options, progress=progress)
    if kind == "rates":
        from db.importers.rates import import_rates

        return import_rates(engine, data, filename=filename, team_id=team_id, options=options)
    if kind == "accounts":
        from db.importers.accounts import import_accounts
        from db.market_rollup import refresh_team as refresh_market

        result = import_accounts(engine, data, filename=filename, team_id=team_id, options=options)
        if result.status in ("done", "partial"):  # a deal's segment may now come from its account's sector
            refresh_market(engine, team_id)
        return result
    raise ValueError(f"unknown import kind {kind!r}")
