"""CRM owners named in a file become members (crm_name, e-mail) of the workspace, in the import's transaction.

An owner is found by CRM name, else created; then, still in the transaction, `link_file_owners` links the
file's unlinked owners to the people of the directory (db/owner_links.py: by e-mail, else by a unique name)
and records how on the result. Asking Slack (users.lookupByEmail) for the rest is the handler/CLI's part.
"""


from sqlalchemy import select
from sqlalchemy.engine import Connection

from db import clock
from db.importers.report import ImportResult
from db.models import Member
from db.owner_links import link_owners
from db.people_names import name_key


def ensure_owners(conn: Connection, team_id: str, owners: dict[str, str]) -> tuple[dict[str, int], list[str]]:
    """Member ids for owner names ({name: email or ""}); returns (ids by name, names that were created).

    One person written two ways ("Darcel Schlecht", "DARCEL  SCHLECHT", "Schlecht, Darcel") is one owner: a
    name equal to a known CRM name under `name_key` gets that owner's row.
    """
    table = Member.__table__
    rows = conn.execute(
        select(table.c.id, table.c.crm_name).where(table.c.team_id == team_id, table.c.crm_name.is_not(None))
    ).all()
    by_name = {r.crm_name: r.id for r in rows}
    by_key = {name_key(r.crm_name): r.id for r in rows}
    ids: dict[str, int] = {}
    created: list[str] = []
    for name, email in owners.items():
        known = by_name.get(name) or by_key.get(name_key(name))
        if known is not None:
            ids[name] = known
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
        ids[name] = by_key[name_key(name)] = result.inserted_primary_key[0]
        created.append(name)
    return ids, created


def link_file_owners(conn: Connection, team_id: str, result: ImportResult, ids: dict[str, int],
                     emails: dict[str, str]) -> None:
    """Link the file's owners (`ids` from `ensure_owners`) to directory people and say so on `result`."""
    table = Member.__table__
    names = sorted(set(conn.execute(
        select(table.c.crm_name).where(table.c.id.in_(set(ids.values())), table.c.slack_user_id.is_(None))
    ).scalars())) if ids else []
    report = link_owners(conn, team_id, names)
    result.owners_linked = report.by_email
    result.owners_linked_by_name = report.by_name
    result.owners_ambiguous = report.ambiguous
    result.owners_unlinked = report.left
    email_of = {ids[n]: e for n, e in emails.items() if e and n in ids}
    by_name = {r.crm_name: r.id for r in conn.execute(
        select(table.c.id, table.c.crm_name).where(table.c.team_id == team_id, table.c.crm_name.in_(report.left)))}
    result.owner_emails = {n: email_of[by_name[n]] for n in report.left if by_name.get(n) in email_of}
