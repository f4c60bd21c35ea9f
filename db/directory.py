"""The people directory: every person of the Slack workspace as a member row, written in bulk.

Slack's user objects (from `users.list`, `users.info`, `team_join`, `user_change`) go through `person_of`,
which drops bots, apps and Slackbot; `sync_people` then inserts the new people and updates the changed ones
with two multi-row statements (5,000 people in well under a second). A deactivated user (`deleted`) is
marked inactive, never deleted: their deals, check-ins and feedback stay theirs. Rows are matched by Slack
id only; joining CRM owners to people is `db.owner_links`' job.
"""

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from db import clock
from db.models import Member, Workspace
from db.workspaces import has_manager

SLACKBOT = "USLACKBOT"
PROFILE_FIELDS = ("real_name", "slack_display_name", "handle", "email", "timezone", "locale")


@dataclass(frozen=True)
class Person:
    """What salesbot keeps of one Slack user."""

    user_id: str
    real_name: str
    slack_display_name: str
    handle: str
    email: str | None
    timezone: str | None
    locale: str | None
    active: bool
    admin: bool = False  # a Slack admin or owner of the workspace

    @property
    def shown_name(self) -> str:
        return self.real_name or self.slack_display_name or self.handle or self.user_id


@dataclass
class SyncReport:
    added: int = 0
    updated: int = 0
    deactivated: int = 0
    ignored: int = 0  # bots, apps, Slackbot, and deactivated people salesbot never knew
    added_ids: list[str] = field(default_factory=list)


def person_of(user: dict[str, Any]) -> Person | None:
    """The person behind a Slack user object, or None for a bot, an app or Slackbot."""
    user_id = str(user.get("id") or "")
    if not user_id or user_id == SLACKBOT or user.get("is_bot") or user.get("is_app_user"):
        return None
    profile = user.get("profile") or {}
    return Person(
        user_id=user_id,
        real_name=_cut(user.get("real_name") or profile.get("real_name"), 200),
        slack_display_name=_cut(profile.get("display_name"), 200),
        handle=_cut(user.get("name"), 100),
        email=_cut(profile.get("email"), 320).lower() or None,
        timezone=_cut(user.get("tz"), 64) or None,
        locale=_cut(user.get("locale"), 16) or None,
        active=not user.get("deleted"),
        admin=bool(user.get("is_admin") or user.get("is_owner") or user.get("is_primary_owner")),
    )


def _cut(value: Any, limit: int) -> str:
    return str(value or "").replace("\x00", "").strip()[:limit]


FEW_PEOPLE = 100  # up to this many, `sync_people` reads the stored rows of these people only


def sync_people(conn: Connection, team_id: str, people: list[Person], *, managers: frozenset[str] = frozenset(),
                complete: bool = False) -> SyncReport:
    """Insert or update these people in `team_id`; `complete` (a whole users.list) stamps the workspace.

    Runs in the caller's transaction. A person another request created meanwhile makes the insert fail:
    the caller retries (see `sync_people_retrying`).
    """
    table = Member.__table__
    report = SyncReport()
    # The whole directory reads every person once; a few people (a first contact's profile, an event) only theirs,
    # on uq_member_slack_user, not the member table again for each.
    mine = (table.c.slack_user_id.is_not(None) if complete or len(people) > FEW_PEOPLE
            else table.c.slack_user_id.in_([p.user_id for p in people]))
    stored = {
        row.slack_user_id: row
        for row in conn.execute(
            select(table.c.id, table.c.slack_user_id, table.c.active, table.c.display_name, table.c.crm_name,
                   *(table.c[name] for name in PROFILE_FIELDS))
            .where(table.c.team_id == team_id, mine)
        )
    }
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    now = clock.now()
    for person in people:
        row = stored.get(person.user_id)
        if row is None:
            if not person.active:
                report.ignored += 1
                continue
            inserts.append({
                "team_id": team_id, "slack_user_id": person.user_id, "display_name": person.shown_name,
                "role": "manager" if person.user_id in managers else "rep", "active": True, "created_at": now,
                **_profile_values(person),
            })
            report.added_ids.append(person.user_id)
            continue
        values = {**_profile_values(person), "display_name": _shown(person, row.crm_name), "active": person.active}
        # Empty from Slack (no e-mail scope, no locale asked) never erases what salesbot knew.
        values = {k: (v if v not in ("", None) else getattr(row, k)) for k, v in values.items()}
        if any(getattr(row, k) != v for k, v in values.items()):
            updates.append({"_id": row.id, **{f"v_{k}": v for k, v in values.items()}})
            report.deactivated += int(row.active and not person.active)
    if inserts:
        conn.execute(table.insert(), inserts)
    if updates:
        keys = [k[2:] for k in updates[0] if k != "_id"]
        conn.execute(
            update(table).where(table.c.id == bindparam("_id")).values({k: bindparam(f"v_{k}") for k in keys}),
            updates,
        )
    if not managers:
        _admins_lead_a_team_without_managers(conn, team_id, [p.user_id for p in people if p.admin and p.active])
    report.added, report.updated = len(inserts), len(updates) - report.deactivated
    if complete:
        ws = Workspace.__table__
        conn.execute(update(ws).where(ws.c.team_id == team_id).values(directory_synced_at=now))
    return report


def _admins_lead_a_team_without_managers(conn: Connection, team_id: str, admin_ids: list[str]) -> None:
    """No SALESBOT_MANAGERS and nobody made manager yet: the workspace's Slack admins and owners are its
    managers, so a team that left the setting empty is not locked out of /salesbot role, /target set and
    imports. Once the workspace has a manager, nobody is promoted this way any more."""
    if not admin_ids:
        return
    table = Member.__table__
    if not has_manager(conn, team_id):
        conn.execute(
            update(table)
            .where(table.c.team_id == team_id, table.c.slack_user_id.in_(admin_ids), table.c.active.is_(True))
            .values(role="manager")
        )


def sync_people_retrying(engine: Any, team_id: str, people: list[Person], **kwargs: Any) -> SyncReport:
    """`sync_people` in its own transaction, once more if a concurrent first contact inserted the same person."""
    try:
        with engine.begin() as conn:
            return sync_people(conn, team_id, people, **kwargs)
    except IntegrityError:
        with engine.begin() as conn:
            return sync_people(conn, team_id, people, **kwargs)


def _profile_values(person: Person) -> dict[str, Any]:
    return {name: getattr(person, name) for name in PROFILE_FIELDS}


def _shown(person: Person, crm_name: str | None) -> str:
    return person.real_name or person.slack_display_name or person.handle or crm_name or person.user_id


def directory_synced(conn: Connection, team_id: str) -> bool:
    """Whether users.list was ever read completely for this workspace."""
    ws = Workspace.__table__
    return conn.execute(select(ws.c.directory_synced_at).where(ws.c.team_id == team_id)).scalar() is not None
