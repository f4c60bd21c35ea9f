"""Who a command names: one resolver for every command (`/kpi`, `/target`, `/checkin`, `/salesbot`, ...).

A person can be named by `<@U…>` (also `<@U…|name>`), `@handle`, display name, real name, CRM name or e-mail,
in English or Chinese (`@张三`). Names are compared with `db.people_names` (case, spacing, full-width forms and
"Last, First" ignored; Chinese exactly). Tiers, first that matches wins:
1. the Slack id;
2. a name or e-mail equal under `name_key`;
3. the same, ignoring `.`, `_` and `-` (`@zhang.san` = "Zhang San");
4. a first name, when only one person has it.
Several distinct people in the winning tier is an *ambiguous* answer with the candidates, never a guess;
active people are preferred to deactivated ones. Nothing matching is *unknown*.
"""

import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from db.models import Member
from db.people_names import handle_key, name_key

SLACK_ID = re.compile(r"[UW][A-Z0-9]{2,}")
# <@U123>, <@U123|name>, @name (up to a space or punctuation that ends a name), or @"Full Name"
MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|([^>]*))?>|@[\"“]([^\"”]+)[\"”]|@([^\s@<>,，。;；:：\"“”]+)")


@dataclass(frozen=True)
class Candidate:
    member_id: int
    name: str
    user_id: str | None


@dataclass
class PersonMatch:
    ref: str  # as written, without the @
    member_id: int | None = None
    candidates: list[Candidate] = field(default_factory=list)

    @property
    def found(self) -> bool:
        return self.member_id is not None

    @property
    def ambiguous(self) -> bool:
        return self.member_id is None and len(self.candidates) > 1


def mention_refs(text: str) -> list[str]:
    """The people a text names, in order: Slack ids for `<@U…>`, names as written otherwise."""
    return [m.group(1) or m.group(3) or m.group(4) for m in MENTION.finditer(text or "")]


def clean_ref(ref: str) -> str:
    """A reference as the resolver wants it: `<@U1|x>` -> U1, `@name` -> name."""
    found = MENTION.fullmatch(ref.strip())
    if found:
        return found.group(1) or found.group(3) or found.group(4)
    return ref.strip().lstrip("@").strip()


_COLUMNS = (Member.id, Member.slack_user_id, Member.display_name, Member.real_name, Member.slack_display_name,
            Member.handle, Member.crm_name, Member.email, Member.active)


def resolve_person(session: Any, team_id: str, ref: str) -> PersonMatch:
    """The member `ref` names in `team_id` (see the module rules)."""
    ref = clean_ref(ref)
    match = PersonMatch(ref)
    if not ref:
        return match
    if SLACK_ID.fullmatch(ref):
        row = session.execute(select(*_COLUMNS).where(Member.team_id == team_id, Member.slack_user_id == ref)).first()
        if row is not None:
            match.member_id = row.id
            return match
    rows = session.execute(select(*_COLUMNS).where(Member.team_id == team_id)).all()
    key, loose = name_key(ref), handle_key(ref)
    exact = [r for r in rows if key in _keys(r, name_key)]
    tiers = (lambda: exact, lambda: [r for r in rows if loose in _keys(r, handle_key)],
             lambda: [r for r in rows if key in _first_names(r)])
    for tier in tiers:
        found = tier()
        active = [r for r in found if r.active] or found
        if len(active) == 1:
            match.member_id = active[0].id
            return match
        if active:
            match.candidates = [Candidate(r.id, _shown(r), r.slack_user_id) for r in active]
            return match
    return match


def _keys(row: Any, key: Any) -> set[str]:
    email = (row.email or "").lower()
    written = (row.display_name, row.real_name, row.slack_display_name, row.handle, row.crm_name, email,
               email.split("@")[0])
    return {k for k in map(key, written) if k}


def _first_names(row: Any) -> set[str]:
    names = (row.real_name, row.display_name, row.crm_name)
    return {name_key(n.split()[0]) for n in names if n and len(n.split()) > 1}


def _shown(row: Any) -> str:
    return row.display_name or row.real_name or row.crm_name or row.slack_user_id or "?"


def member_for(session: Any, team_id: str, ref: str) -> Member | None:
    """The member when `ref` names exactly one person; None when unknown or ambiguous."""
    match = resolve_person(session, team_id, ref)
    return session.get(Member, match.member_id) if match.found else None
