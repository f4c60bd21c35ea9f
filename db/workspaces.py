"""Workspaces: the one place rows of `workspace` are created, the local workspace and its adoption.

Every row of salesbot belongs to a Slack workspace (`team_id`). With a bot token the workspace is the one
Slack's `auth.test` names; without one, data goes to the local workspace `TLOCAL`, and the first Slack
workspace that talks to the bot adopts it, rows and all. The demo lives in `TDEMO0001` and is never the
default target of anything.
"""

import logging
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import exists, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import SQLModel

from db import clock
from db.models import Member, Workspace

log = logging.getLogger(__name__)

LOCAL_TEAM = "TLOCAL"
# The console's user when no manager is named (`salesbot console` without --user): the local workspace's owner.
LOCAL_USER = "ULOCAL"
DEMO_TEAM_ID = "TDEMO0001"


def has_manager(conn: Any, team_id: str) -> bool:
    """Whether the workspace has a manager yet, for the rules that make a first one (the installer, Slack admins,
    a fresh install's first asker). The console's own user (LOCAL_USER), made manager of the local workspace and
    moved with its data when a Slack workspace adopts it, is nobody in that workspace: it counts only locally."""
    m = Member.__table__.c  # type: ignore[attr-defined]
    where = [m.team_id == team_id, m.role == "manager"]
    if team_id != LOCAL_TEAM:
        where.append(or_(m.slack_user_id.is_(None), m.slack_user_id != LOCAL_USER))
    return conn.execute(select(m.id).where(*where).limit(1)).first() is not None


@dataclass(frozen=True)
class WorkspaceDefaults:
    """What a new workspace row starts with: the settings' SALESBOT_TIMEZONE, _LANGUAGE and _CURRENCY."""

    timezone: str = "UTC"
    language: str = "en"
    currency: str = "USD"
    fiscal_year_start_month: int = 1


def create_workspace(conn: Connection, team_id: str, defaults: WorkspaceDefaults, *, name: str = "") -> bool:
    """Insert the workspace row for `team_id` unless it exists; True when this call created it.

    ON CONFLICT DO NOTHING, so two instances meeting a new workspace at the same moment both succeed and
    the row is made once. Callers pass their own transaction (an import makes the row only when it writes).
    """
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(Workspace.__table__).values(
        team_id=team_id, name=name[:200], timezone=defaults.timezone, language=defaults.language,
        currency=defaults.currency.upper(), fiscal_year_start_month=defaults.fiscal_year_start_month,
        created_at=clock.now(),
    ).on_conflict_do_nothing(index_elements=["team_id"]).returning(Workspace.__table__.c.team_id)
    return conn.execute(statement).first() is not None


def workspace_exists(conn: Connection, team_id: str) -> bool:
    ws = Workspace.__table__
    return conn.execute(select(ws.c.team_id).where(ws.c.team_id == team_id)).first() is not None


def workspaces(conn: Connection) -> list[tuple[str, str]]:
    """(team_id, name) of every workspace, oldest first."""
    ws = Workspace.__table__
    return [(r.team_id, r.name) for r in conn.execute(select(ws.c.team_id, ws.c.name)
                                                      .order_by(ws.c.created_at, ws.c.team_id))]


class AmbiguousWorkspace(LookupError):
    """Several workspaces could be meant; the message lists them and how to choose one."""

    def __init__(self, choices: list[tuple[str, str]]) -> None:
        self.choices = choices
        listed = "\n".join(f"  {team}  {name}".rstrip() for team, name in choices)
        super().__init__(f"this database holds {len(choices)} workspaces; say which one with --team:\n{listed}")


def default_team(conn: Connection) -> str:
    """The workspace a command means when nobody said: the only one that is not the demo, else TLOCAL.

    Raises AmbiguousWorkspace when there are several (the demo never counts: it is never a default target).
    """
    real = [(team, name) for team, name in workspaces(conn) if team != DEMO_TEAM_ID]
    if len(real) > 1:
        raise AmbiguousWorkspace(real)
    return real[0][0] if real else LOCAL_TEAM


def resolve_team(engine: Engine, team_id: str | None = None) -> str:
    """`team_id` when given, else `default_team`. Creates nothing: the import that writes makes the row."""
    if team_id:
        return team_id
    with engine.connect() as conn:
        return default_team(conn)


def _team_tables() -> list[str]:
    return [t.name for t in SQLModel.metadata.sorted_tables if "team_id" in t.c and t.name != "workspace"]


@dataclass
class Adoption:
    """What a Slack workspace took over from the local workspace: rows moved per table."""

    team_id: str
    moved: dict[str, int] = field(default_factory=dict)

    def count(self, table: str) -> int:
        return self.moved.get(table, 0)


def claim_adoption_note(engine: Engine, team_id: str) -> Adoption | None:
    """The adoption still to be announced in `team_id`, taken by this caller only (a conditional update: of
    several instances serving the workspace's first requests at once, one gets it); None when there is none."""
    ws = Workspace.__table__
    with engine.begin() as conn:
        note = conn.execute(select(ws.c.adoption_note).where(ws.c.team_id == team_id)).scalar()
        if note is None:
            return None
        taken = conn.execute(ws.update().where(ws.c.team_id == team_id, ws.c.adoption_note.is_not(None))
                             .values(adoption_note=None)).rowcount
    return Adoption(team_id, {str(k): int(v) for k, v in dict(note).items()}) if taken == 1 else None


def adopt_local_workspace(engine: Engine, team_id: str, *, name: str = "") -> Adoption | None:
    """Give `team_id` every row of the local workspace, in one transaction; None when there is nothing to adopt.

    Only a workspace that has no row yet adopts (the first Slack workspace to call the bot), and only once:
    the first statement renames the TLOCAL row, so on PostgreSQL a second instance doing the same waits for
    the row lock and then finds no TLOCAL row; SQLite serialises the two writers. The demo never adopts.
    """
    if team_id in (LOCAL_TEAM, DEMO_TEAM_ID):
        return None
    ws = Workspace.__table__
    other = ws.alias("already")
    try:
        with engine.begin() as conn:
            renamed = conn.execute(
                ws.update()
                .where(ws.c.team_id == LOCAL_TEAM, ~exists().where(other.c.team_id == team_id))
                .values(team_id=team_id, **({"name": name[:200]} if name else {}))
            ).rowcount
            if not renamed:
                return None
            adoption = Adoption(team_id)
            for table_name in _team_tables():
                table = SQLModel.metadata.tables[table_name]
                if table_name == "processedevent":  # (team_id, event_id) is its key: drop what would collide
                    mine = select(table.c.event_id).where(table.c.team_id == team_id).scalar_subquery()
                    conn.execute(table.delete().where(table.c.team_id == LOCAL_TEAM, table.c.event_id.in_(mine)))
                moved = conn.execute(table.update().where(table.c.team_id == LOCAL_TEAM).values(team_id=team_id))
                if moved.rowcount:
                    adoption.moved[table_name] = int(moved.rowcount)
            conn.execute(ws.update().where(ws.c.team_id == team_id).values(adoption_note=dict(adoption.moved)))
    except IntegrityError:  # the workspace's row appeared meanwhile (another instance): it is not first
        log.info("workspace %s appeared while adopting the local workspace; nothing adopted", team_id)
        return None
    log.warning("workspace %s adopted the local workspace: %s", team_id, adoption.moved)
    return adoption



def forget_workspace(engine: Engine, team_id: str) -> dict[str, int]:
    """Delete every row of the workspace, in every table, and its workspace row, in one transaction: rows deleted
    per table (empty when there was nothing: idempotent). For a workspace that uninstalled the app (its deals,
    people, targets, schedules and ledger, check-ins, feedback, CRM connections and their sealed credentials,
    its installation). The local and demo workspaces are not Slack's to delete: refused."""
    if team_id in (LOCAL_TEAM, DEMO_TEAM_ID) or not team_id:
        raise ValueError(f"workspace {team_id!r} is not a Slack workspace: not deleted")
    deleted: dict[str, int] = {}
    with engine.begin() as conn:
        for table in reversed(SQLModel.metadata.sorted_tables):  # children before the rows they point at
            if "team_id" not in table.c:
                continue
            gone = conn.execute(table.delete().where(table.c.team_id == team_id)).rowcount
            if gone:
                deleted[table.name] = int(gone)
    if deleted:
        log.warning("workspace %s forgotten: %s", team_id, deleted)
    return deleted
