"""Which workspace an import goes into, and its default currency."""


from sqlalchemy import select
from sqlalchemy.engine import Connection, Engine

from db import clock
from db.models import Workspace

LOCAL_TEAM = "TLOCAL"


def resolve_team(engine: Engine, team_id: str | None) -> str:
    """--team, else the only (or oldest) workspace, else a new local workspace TLOCAL.

    The oldest workspace is the one Slack first talked to (or the demo): a single-team install needs no flag."""
    with engine.begin() as conn:
        ws = Workspace.__table__
        if team_id:
            if conn.execute(select(ws.c.team_id).where(ws.c.team_id == team_id)).first() is None:
                conn.execute(
                    ws.insert().values(
                        team_id=team_id,
                        name="",
                        timezone="UTC",
                        language="en",
                        currency="USD",
                        fiscal_year_start_month=1,
                        created_at=clock.now(),
                    )
                )
            return team_id
        first = conn.execute(select(ws.c.team_id).order_by(ws.c.created_at, ws.c.team_id).limit(1)).scalar()
        if first:
            return str(first)
    return resolve_team(engine, LOCAL_TEAM)


def workspace_currency(conn: Connection, team_id: str) -> str:
    ws = Workspace.__table__
    return conn.execute(select(ws.c.currency).where(ws.c.team_id == team_id)).scalar() or "USD"
