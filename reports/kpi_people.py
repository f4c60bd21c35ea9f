"""Who and what a KPI question names: the rep behind `@alice`, the workspace's products and accounts.

`@name` in a slash command arrives as typed (the manifest does not escape mentions), so a rep is found
by Slack id, then by display name, CRM name or e-mail name, then by a unique first name.
"""

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, text

from db.models import Deal, Member, Workspace


@dataclass(frozen=True)
class WorkspacePrefs:
    currency: str = "USD"
    fiscal_year_start_month: int = 1
    timezone: str = "UTC"


def workspace_prefs(session: Any, team_id: str) -> WorkspacePrefs:
    ws = session.get(Workspace, team_id)
    if ws is None:
        return WorkspacePrefs()
    return WorkspacePrefs(ws.currency or "USD", ws.fiscal_year_start_month or 1, ws.timezone or "UTC")


def find_member(session: Any, team_id: str, ref: str) -> Member | None:
    """The member a mention names: 'U123', 'alice', 'Darcel Schlecht', '张三', 'alice@example.com' ..."""
    ref = ref.strip().lstrip("@")
    if not ref:
        return None
    members = list(session.execute(select(Member).where(Member.team_id == team_id)).scalars())
    lowered = ref.lower()
    for test in (
        lambda m: m.slack_user_id == ref,
        lambda m: (m.display_name or "").lower() == lowered or (m.crm_name or "").lower() == lowered,
        lambda m: (m.email or "").lower().split("@")[0] == lowered or (m.email or "").lower() == lowered,
        lambda m: _compact(m.display_name) == _compact(ref) or _compact(m.crm_name) == _compact(ref),
    ):
        found = [m for m in members if test(m)]
        if found:
            return _best(found)
    first = [m for m in members if (m.display_name or m.crm_name or "").lower().split(" ")[0] == lowered]
    return _best(first) if len({m.id for m in first}) == 1 else None


def _compact(name: str | None) -> str:
    return "".join((name or "").lower().split()).replace(".", "").replace("_", "")


def _best(members: list[Member]) -> Member:
    """An active row before an inactive one (a merged CRM owner stays behind, inactive)."""
    return sorted(members, key=lambda m: (not m.active, m.id or 0))[0]


def known_values(session: Any, team_id: str, column: str) -> list[str]:
    """Distinct product or account names of the workspace (only asked for when a line says product/account)."""
    col = {"product": Deal.product, "account": Deal.account}[column]
    stmt = select(col).where(Deal.team_id == team_id, col != "").group_by(col)
    return [v for (v,) in session.execute(stmt)]


def owns_deals(session: Any, team_id: str, member_id: int) -> bool:
    stmt = select(func.count()).select_from(
        select(Deal.id).where(Deal.team_id == team_id, Deal.owner_id == member_id).limit(1).subquery()
    )
    return bool(session.execute(stmt).scalar())


def names_by_slack_id(session: Any, team_id: str, slack_ids: set[str]) -> dict[str, str]:
    """{slack user id: display name} for the people who set targets ("set for Q4 2026 by Maria Lopez")."""
    ids = {i for i in slack_ids if i}
    if not ids:
        return {}
    stmt = select(Member.slack_user_id, Member.display_name, Member.crm_name).where(
        Member.team_id == team_id, Member.slack_user_id.in_(ids)  # type: ignore[union-attr]
    )
    return {sid: (name or crm or sid) for sid, name, crm in session.execute(stmt)}


def close_date_span(session: Any, team_id: str, *, except_status: str | None = None) -> tuple[Any, Any]:
    """(first, last) close date of the workspace's deals (those of another status than `except_status`), or
    (None, None): an empty /kpi answer tells a team whose export is history where its data is; the digest's data
    note dates the last closed deal.

    No index leads with (team_id, close_date): a plain min/max reads every index entry of the workspace (1.1-1.7 s
    for 9.9M deals on PostgreSQL). So the statuses the workspace uses are found by skipping through
    ix_deal_team_status_close_owner (one descent per status, whatever values there are), then each status' first
    and last close date is one descent at either end of its range of the same index.
    """
    statuses = [row[0] for row in session.execute(_STATUSES, {"t": team_id}) if row[0] not in (None, except_status)]
    if not statuses:
        return None, None
    ends = []
    for status in statuses:
        where = (Deal.team_id == team_id, Deal.status == status, Deal.close_date.is_not(None))  # type: ignore[union-attr]
        ends.append(select(func.min(Deal.close_date)).where(*where).scalar_subquery())
        ends.append(select(func.max(Deal.close_date)).where(*where).scalar_subquery())
    days = [d for d in session.execute(select(*ends)).one() if d is not None]
    return (min(days), max(days)) if days else (None, None)


# The distinct statuses of a workspace's deals by skipping through the (team_id, status, ...) index: a loose index
# scan, one descent per status instead of a read of every deal.
_STATUSES = text(
    "WITH RECURSIVE s(status) AS ("
    " SELECT min(status) FROM deal WHERE team_id = :t"
    " UNION ALL"
    " SELECT (SELECT min(d.status) FROM deal d WHERE d.team_id = :t AND d.status > s.status)"
    " FROM s WHERE s.status IS NOT NULL"
    ") SELECT status FROM s"
)
