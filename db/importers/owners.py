"""CRM owners named in a file become members (crm_name, e-mail) of the workspace, in the import's transaction.

Matching to Slack users needs the Slack API (users.lookupByEmail), so it happens in the handler/CLI layer
after the import; here an owner is found by CRM name, then by e-mail, else created unlinked.
"""


from sqlalchemy import select
from sqlalchemy.engine import Connection

from db import clock
from db.models import Member


def ensure_owners(conn: Connection, team_id: str, owners: dict[str, str]) -> tuple[dict[str, int], list[str]]:
    """Member ids for owner names ({name: email or ""}); returns (ids by name, names that were created)."""
    table = Member.__table__
    rows = conn.execute(
        select(table.c.id, table.c.crm_name, table.c.email, table.c.slack_user_id).where(table.c.team_id == team_id)
    ).all()
    by_name = {r.crm_name: r.id for r in rows if r.crm_name}
    by_email = {r.email.lower(): r for r in rows if r.email}
    ids: dict[str, int] = {}
    created: list[str] = []
    for name, email in owners.items():
        if name in by_name:
            ids[name] = by_name[name]
            continue
        match = by_email.get(email.lower()) if email else None
        if match is not None and not match.crm_name:
            conn.execute(table.update().where(table.c.id == match.id).values(crm_name=name))
            ids[name] = match.id
            continue
        result = conn.execute(
            table.insert().values(
                team_id=team_id,
                crm_name=name,
                email=email or None,
                display_name=name,
                role="rep",
                active=True,
                created_at=clock.now(),
            )
        )
        ids[name] = result.inserted_primary_key[0]
        created.append(name)
    return ids, created


def unlinked(conn: Connection, team_id: str, names: list[str]) -> list[str]:
    """Which of these owners are not linked to a Slack user yet."""
    if not names:
        return []
    table = Member.__table__
    linked = set(
        conn.execute(
            select(table.c.crm_name).where(
                table.c.team_id == team_id, table.c.slack_user_id.is_not(None), table.c.crm_name.in_(names)
            )
        ).scalars()
    )
    return sorted(n for n in names if n not in linked)
