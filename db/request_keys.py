"""Request ids already handled (Slack's retried events, replayed commands): recorded before the ack, in group commits.

Every request that carries an event id or a trigger id writes one row to `processedevent` before it is
acknowledged, so that a second delivery (also to another instance) is recognised. The threads of a process
that record an id at the same moment share one transaction (db/group_commit.py): one multi-row INSERT … ON
CONFLICT DO NOTHING RETURNING, one commit.
"""

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection, Engine

from db import clock
from db.group_commit import GroupCommit, in_key_order, made_once
from db.models import ProcessedEvent

_table = ProcessedEvent.__table__  # type: ignore[attr-defined]


class RequestKeys:
    """`first_time(team_id, key)`: True the first time a key is recorded for a workspace, False after."""

    def __init__(self, engine: Engine) -> None:
        self._insert = pg_insert if engine.dialect.name == "postgresql" else sqlite_insert
        self._group: GroupCommit[tuple[str, str], bool] = GroupCommit(engine, self._write)

    def first_time(self, team_id: str, key: str) -> bool:
        return self._group.submit((team_id, key))

    def _write(self, conn: Connection, batch: list[tuple[str, str]]) -> list[bool]:
        now = clock.now()
        rows = [{"team_id": team, "event_id": key, "received_at": now} for team, key in in_key_order(batch)]
        statement = (
            self._insert(_table).values(rows)
            .on_conflict_do_nothing(index_elements=["team_id", "event_id"])
            .returning(_table.c.team_id, _table.c.event_id)
        )
        return made_once(batch, {tuple(row) for row in conn.execute(statement)})
