"""The competitors a manager keeps (`/market competitors add X`): named in check-in answers and feedback."""

import unicodedata
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from db.models import Competitor

MAX_NAME = 200


def competitor_key(name: str) -> str:
    """How competitor names compare: case, width and spacing ignored."""
    return " ".join(unicodedata.normalize("NFKC", name).casefold().split())


def competitors_of(session: Any, team_id: str) -> list[Competitor]:
    stmt = select(Competitor).where(Competitor.team_id == team_id).order_by(Competitor.name)  # type: ignore[arg-type]
    return list(session.execute(stmt).scalars())


def add_competitor(session: Any, team_id: str, name: str, *, created_by: str | None = None) -> bool:
    """Keep `name` (trimmed, at most MAX_NAME characters); False when the team keeps it already."""
    name = " ".join(name.split())[:MAX_NAME]
    key = competitor_key(name)
    if any(c.name_key == key for c in competitors_of(session, team_id)):
        return False
    try:
        with session.begin_nested():
            session.add(Competitor(team_id=team_id, name=name, name_key=key, created_by=created_by))
    except IntegrityError:  # another request added it at the same moment
        return False
    session.commit()
    return True


def remove_competitor(session: Any, team_id: str, name: str) -> str | None:
    """Forget a competitor; the name as it was kept, None when the team does not keep it."""
    key = competitor_key(name)
    for c in competitors_of(session, team_id):
        if c.name_key == key:
            kept = c.name
            session.delete(c)
            session.commit()
            return kept
    return None
