"""The ImportRun row: what each import was and did, written in the import's own transaction."""

import hashlib

from sqlalchemy.engine import Connection

from db import clock
from db.importers.report import ImportResult
from db.models import ImportRun
from db.workspaces import WorkspaceDefaults, create_workspace


def start_run(conn: Connection, result: ImportResult, data: bytes, *, workspace: WorkspaceDefaults,
              sha256: str | None = None) -> int:
    """The ImportRun row, status running; `sha256` of `data` when the caller already has it.

    The workspace row is made here, in the import's own transaction, so a refused file leaves no trace."""
    create_workspace(conn, result.team_id, workspace)
    row = conn.execute(
        ImportRun.__table__.insert().values(
            team_id=result.team_id,
            kind=result.kind,
            filename=result.filename[:300],
            file_format=result.file_format,
            sha256=sha256 or hashlib.sha256(data).hexdigest(),
            status="running",
            started_at=clock.now(),
        )
    )
    return int(row.inserted_primary_key[0])


def finish_run(conn: Connection, run_id: int, result: ImportResult, *, sha256: str | None = None) -> None:
    """The run's outcome; `sha256` when the file's digest was computed while it was imported."""
    table = ImportRun.__table__
    digest = {"sha256": sha256} if sha256 else {}
    conn.execute(
        table.update()
        .where(table.c.id == run_id)
        .values(
            inserted=result.inserted,
            updated=result.updated,
            unchanged=result.unchanged,
            rejected=result.rejected,
            status=result.status,
            finished_at=clock.now(),
            **digest,
        )
    )
