"""Workspaces and members: find or create the people salesbot talks to, and link CRM owners to them."""

import threading
from weakref import WeakKeyDictionary

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session, select

from db.group_commit import GroupCommit, in_key_order, made_once
from db.models import Member, Workspace, utcnow
from db.owner_links import merge_members
from db.people_names import name_key
from db.workspaces import WorkspaceDefaults, create_workspace


def ensure_workspace(session: Session, *, team_id: str, defaults: WorkspaceDefaults) -> Workspace:
    """The workspace row for `team_id`, created with the settings' defaults on first contact.

    Read first: every request asks, and an INSERT .. ON CONFLICT would make each one a write (SQLite's one
    writer lock, before the ack)."""
    ws = session.get(Workspace, team_id)
    if ws is not None:
        return ws
    create_workspace(session.connection(), team_id, defaults)
    ws = session.get(Workspace, team_id)
    assert ws is not None
    return ws


def member_by_slack_id(session: Session, team_id: str, user_id: str) -> Member | None:
    return session.exec(
        select(Member).where(Member.team_id == team_id, Member.slack_user_id == user_id)
    ).first()


def member_by_crm_name(session: Session, team_id: str, crm_name: str) -> Member | None:
    return session.exec(select(Member).where(Member.team_id == team_id, Member.crm_name == crm_name)).first()


def ensure_member(session: Session, *, team_id: str, user_id: str, role: str = "rep",
                  display_name: str = "", timezone: str | None = None, locale: str | None = None,
                  email: str | None = None) -> tuple[Member, bool]:
    """The member for a Slack user, created if new. Returns (member, created)."""
    member = member_by_slack_id(session, team_id, user_id)
    if member is not None:
        return member, False
    if email:  # a CRM owner imported earlier with the same e-mail becomes this user
        member = session.exec(
            select(Member).where(Member.team_id == team_id, Member.email == email, Member.slack_user_id.is_(None))
        ).first()
    if member is None:
        member = Member(team_id=team_id, slack_user_id=user_id, role=role)
        session.add(member)
    member.slack_user_id = user_id
    member.display_name = member.display_name or display_name or user_id
    member.timezone = timezone or member.timezone
    member.locale = locale or member.locale
    member.email = member.email or email
    if role == "manager":
        member.role = "manager"
    session.flush()
    return member, True


def owner_named(session: Session, team_id: str, crm_name: str) -> Member | None:
    """The CRM owner row of this name: exactly, else the one owner whose name is equal under `name_key`."""
    exact = member_by_crm_name(session, team_id, crm_name)
    if exact is not None:
        return exact
    key = name_key(crm_name)
    alike = [m for m in session.exec(select(Member).where(Member.team_id == team_id, Member.crm_name.is_not(None)))
             if name_key(m.crm_name) == key]
    return alike[0] if len(alike) == 1 else None


def link_crm_owner(session: Session, *, team_id: str, crm_name: str, member_id: int) -> Member:
    """Make the CRM owner `crm_name` and the person `member_id` one member: the owner's row (deals, targets,
    feedback, every reference) merges into the person's; with no such owner yet, the person takes the name."""
    person = session.get(Member, member_id)
    if person is None or person.team_id != team_id:
        raise ValueError(f"no member {member_id} in {team_id}")
    owner = owner_named(session, team_id, crm_name)
    if owner is None:
        person.crm_name = crm_name
    elif owner.id != person.id:
        if person.crm_name:  # linked before under another CRM name: the newest link names the row
            person.crm_name = None
        session.flush()
        merge_members(session.connection(), keep=person.id, drop=owner.id)
        session.expire_all()
        person = session.get(Member, member_id)
        assert person is not None
    session.flush()
    return person


def set_role(session: Session, *, team_id: str, member_id: int, role: str) -> Member:
    if role not in ("rep", "manager"):
        raise ValueError("role must be rep or manager")
    member = session.get(Member, member_id)
    if member is None or member.team_id != team_id:
        raise ValueError(f"no member {member_id} in {team_id}")
    member.role = role
    session.flush()
    return member


def unlinked_owners(session: Session, team_id: str) -> list[Member]:
    return list(session.exec(
        select(Member).where(Member.team_id == team_id, Member.slack_user_id.is_(None), Member.active.is_(True))
        .order_by(Member.crm_name)
    ))


_NEW_MEMBERS: "WeakKeyDictionary[Engine, GroupCommit[tuple[str, str, str], bool]]" = WeakKeyDictionary()
_NEW_MEMBERS_LOCK = threading.Lock()


def add_member_now(engine: Engine, *, team_id: str, user_id: str, role: str) -> bool:
    """Make the member of a Slack user nobody knows yet, from the bare id (their profile comes later), in a group
    commit with the other first contacts of this process (db/group_commit.py): 200 people talking to the bot for
    the first time at once are a few transactions, not 200 writers waiting in SQLite's busy handler before their
    acks. True if this call made the row, False if it was there already (another request or instance)."""
    with _NEW_MEMBERS_LOCK:
        group = _NEW_MEMBERS.get(engine)
        if group is None:
            group = _NEW_MEMBERS[engine] = GroupCommit(engine, _insert_members)
    return group.submit((team_id, user_id, role))


def _insert_members(conn: Connection, batch: list[tuple[str, str, str]]) -> list[bool]:
    table = Member.__table__  # type: ignore[attr-defined]
    insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    now = utcnow()
    rows = [{"team_id": team, "slack_user_id": user, "display_name": user, "real_name": "", "slack_display_name": "",
             "handle": "", "role": role, "active": True, "created_at": now}
            for team, user, role in in_key_order(batch, lambda item: item[:2])]  # (team_id, slack_user_id)
    made = conn.execute(insert(table).values(rows).on_conflict_do_nothing(index_elements=["team_id", "slack_user_id"])
                        .returning(table.c.team_id, table.c.slack_user_id))
    return made_once([(team, user) for team, user, _role in batch], {tuple(row) for row in made})
