"""Which workspace an import goes into (db/workspaces.py decides), and its default currency."""


from sqlalchemy import select
from sqlalchemy.engine import Connection

from db.models import Workspace
from db.workspaces import LOCAL_TEAM, resolve_team

__all__ = ["LOCAL_TEAM", "resolve_team", "workspace_currency"]


def workspace_currency(conn: Connection, team_id: str, default: str = "USD") -> str:
    """The workspace's currency; `default` (the settings' currency) for a workspace this import will create."""
    ws = Workspace.__table__
    return conn.execute(select(ws.c.currency).where(ws.c.team_id == team_id)).scalar() or default
