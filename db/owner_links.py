"""CRM owners joined to the Slack people they are, automatically, and two rows of one person merged.

An owner (a member with a CRM name and no Slack id, made by an import) is linked to a person of the
directory (a member with a Slack id and no CRM name):
1. by e-mail, when the file gave one and exactly one person has it;
2. else by name: the owner's CRM name equals exactly one person's real name, Slack display name or shown
   name under `name_key` (case, spacing, full-width forms and "Last, First" ignored; Chinese exactly).
A name two people share is never guessed: it is reported with its candidates. Linking merges the owner's
row into the person's: every row that points at a member (found from the schema's foreign keys, so a new
table is never forgotten) moves to the kept row, and the owner's row is deleted.

Tables are named with lightweight `table()` constructs, not the models, so the data migration that merges
old duplicates can call this code against the schema of its own revision.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import column, delete, exists, inspect, select, table, update
from sqlalchemy.engine import Connection

from db.people_names import name_key

MEMBER = table(
    "member", column("id"), column("team_id"), column("slack_user_id"), column("crm_name"), column("email"),
    column("display_name"), column("real_name"), column("slack_display_name"), column("role"), column("active"),
    column("manager_id"),
)


@dataclass
class LinkReport:
    by_email: list[str] = field(default_factory=list)
    by_name: list[str] = field(default_factory=list)
    ambiguous: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # name -> [(shown name, user id)]
    left: list[str] = field(default_factory=list)  # not linked (no match, or shared by several people)

    @property
    def linked(self) -> list[str]:
        return self.by_email + self.by_name


def link_owners(conn: Connection, team_id: str, names: list[str] | None = None, *,
                emails: dict[str, str] | None = None) -> LinkReport:
    """Link the unlinked owners of `team_id` (or only `names`) to directory people; see the module rules.

    `emails` ({CRM name: e-mail}) adds e-mails found elsewhere (users.lookupByEmail answers) to the file's.
    """
    m = MEMBER
    rows = conn.execute(
        select(m.c.id, m.c.slack_user_id, m.c.crm_name, m.c.email, m.c.display_name, m.c.real_name,
               m.c.slack_display_name).where(m.c.team_id == team_id, m.c.active.is_(True))
    ).all()
    wanted = set(names) if names is not None else None
    owners = [r for r in rows if r.crm_name and not r.slack_user_id and (wanted is None or r.crm_name in wanted)]
    people = [r for r in rows if r.slack_user_id and not r.crm_name]
    by_email: dict[str, set[int]] = defaultdict(set)
    by_name: dict[str, set[int]] = defaultdict(set)
    for person in people:
        if person.email:
            by_email[person.email.lower()].add(person.id)
        for written in (person.real_name, person.slack_display_name, person.display_name):
            if name_key(written):
                by_name[name_key(written)].add(person.id)
    person_of = {p.id: p for p in people}
    report = LinkReport()
    taken: set[int] = set()
    references = member_references(conn) if owners else []
    for owner in sorted(owners, key=lambda r: r.crm_name):
        email = (owner.email or (emails or {}).get(owner.crm_name) or "").lower()
        matches = by_email.get(email, set()) - taken if email else set()
        how = report.by_email
        if len(matches) != 1:
            matches, how = by_name.get(name_key(owner.crm_name), set()) - taken, report.by_name
        if len(matches) == 1:
            (person_id,) = matches
            merge_members(conn, keep=person_id, drop=owner.id, references=references)
            taken.add(person_id)
            how.append(owner.crm_name)
            continue
        if len(matches) > 1:
            report.ambiguous[owner.crm_name] = sorted(
                (person_of[i].display_name or person_of[i].slack_user_id, person_of[i].slack_user_id) for i in matches
            )
        report.left.append(owner.crm_name)
    return report


def link_owners_to(conn: Connection, team_id: str, user_ids: list[str]) -> LinkReport:
    """`link_owners` after these people were stored or changed (a first contact's profile), reading only what it
    needs: the workspace's unlinked owners (on uq_member_slack_user: owners have no Slack id) and these people
    (by Slack id). Only owners one of them could be are linked, by the rules of `link_owners`, which reads the
    other people too then, to know that a name is nobody else's. In the usual case — no owner is this person —
    two small indexed reads, not the whole member table per person (200 first contacts were 200 scans).

    Not for a person whose names were taken away (`user_change`): an owner another person now alone matches
    would stay unlinked; `link_owners` reads everyone for that."""
    m = MEMBER
    owners = conn.execute(
        select(m.c.crm_name, m.c.email)
        .where(m.c.team_id == team_id, m.c.slack_user_id.is_(None), m.c.crm_name.is_not(None), m.c.active.is_(True))
    ).all()
    if not owners or not user_ids:
        return LinkReport()
    people = conn.execute(
        select(m.c.email, m.c.display_name, m.c.real_name, m.c.slack_display_name)
        .where(m.c.team_id == team_id, m.c.slack_user_id.in_(user_ids), m.c.crm_name.is_(None), m.c.active.is_(True))
    ).all()
    emails = {p.email.lower() for p in people if p.email}
    names = {name_key(n) for p in people for n in (p.real_name, p.slack_display_name, p.display_name)} - {""}
    maybe = sorted(o.crm_name for o in owners
                   if (o.email and o.email.lower() in emails) or name_key(o.crm_name) in names)
    return link_owners(conn, team_id, maybe) if maybe else LinkReport()


@dataclass(frozen=True)
class Reference:
    """A column that points at member.id: its table, whether rows carry team_id, the unique sets it is in."""

    table: str
    column: str
    has_team: bool
    uniques: tuple[tuple[str, ...], ...]


def member_references(conn: Connection) -> list[Reference]:
    """Every foreign key to member.id in the database's schema (read from the database, not the models)."""
    schema = inspect(conn)
    found = []
    for name in schema.get_table_names():
        for fk in schema.get_foreign_keys(name):
            if fk.get("referred_table") != "member" or len(fk["constrained_columns"]) != 1:
                continue
            col = fk["constrained_columns"][0]
            uniques = [u["column_names"] for u in schema.get_unique_constraints(name)]
            uniques += [i["column_names"] for i in schema.get_indexes(name) if i.get("unique")]
            has_team = any(c["name"] == "team_id" for c in schema.get_columns(name))
            found.append(Reference(name, col, has_team, tuple(tuple(u) for u in uniques if col in u)))
    return found


def merge_members(conn: Connection, *, keep: int, drop: int, references: list[Reference] | None = None) -> None:
    """Make `drop` part of `keep`: move every reference, carry over CRM name, e-mail, role and manager, delete
    `drop`.

    A row of `drop` that would collide with one of `keep` under a unique constraint (the same target set
    for both rows, say) is dropped: the kept person's own row wins.
    """
    m = MEMBER
    team = conn.execute(select(m.c.team_id).where(m.c.id == drop)).scalar_one()
    for ref in references if references is not None else member_references(conn):
        col = ref.column
        for unique in ref.uniques:
            others = [c for c in unique if c != col]
            mine = table(ref.table, *(column(c) for c in {*unique, col}))
            theirs = table(ref.table, *(column(c) for c in {*unique, col})).alias("kept")
            # NULL = NULL is not true in SQL: "the same product (none)" needs IS NOT DISTINCT FROM
            same = (theirs.c[c].is_not_distinct_from(mine.c[c]) for c in others)
            clash = exists().where(theirs.c[col] == keep, *same)
            conn.execute(delete(mine).where(mine.c[col] == drop, clash))
        target = table(ref.table, column(col), column("team_id"))
        # team_id first: every member index leads with it (a million deals are not scanned per owner)
        scope = [target.c.team_id == team] if ref.has_team else []
        conn.execute(update(target).where(*scope, target.c[col] == drop).values({col: keep}))
    old = conn.execute(select(m.c.crm_name, m.c.email, m.c.role, m.c.manager_id).where(m.c.id == drop)).one()
    conn.execute(delete(m).where(m.c.id == drop))
    kept = conn.execute(select(m.c.email, m.c.role, m.c.crm_name, m.c.manager_id).where(m.c.id == keep)).one()
    manager = kept.manager_id or old.manager_id
    conn.execute(update(m).where(m.c.id == keep).values(
        crm_name=kept.crm_name or old.crm_name,
        email=kept.email or old.email,
        role="manager" if "manager" in (kept.role, old.role) else kept.role,
        manager_id=None if manager in (keep, drop) else manager,
    ))

