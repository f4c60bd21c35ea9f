"""How far a workspace is set up: data imported, CRM owners linked, a digest subscribed, check-ins scheduled.

Day one shows a checklist of what is missing instead of a screen of $0.00; each figure is one small SQL query
(an EXISTS or a COUNT on indexed columns), so asking costs nothing on a large workspace.
"""

from dataclasses import dataclass

from sqlalchemy import exists, func, select
from sqlalchemy.engine import Connection

from db.models import CheckinSchedule, CrmConnection, Deal, DigestSubscription, Feedback, Member


@dataclass(frozen=True)
class SetupStatus:
    has_deals: bool
    has_feedback: bool
    unlinked_owners: int
    first_unlinked: str | None
    digests: int
    checkin_schedules: int

    @property
    def has_data(self) -> bool:
        """Anything a KPI could be computed from."""
        return self.has_deals or self.has_feedback

    @property
    def owners_linked(self) -> bool:
        return self.has_deals and self.unlinked_owners == 0

    @property
    def complete(self) -> bool:
        return self.has_deals and self.owners_linked and self.digests > 0 and self.checkin_schedules > 0


def without_deal_data(conn: Connection, team_ids: set[str]) -> set[str]:
    """The workspaces among `team_ids` with no deal at all and no CRM connected (nothing imported or synced yet):
    a scheduled digest there would be zeros. One EXISTS per workspace, on indexed columns."""
    deal, crm = Deal.__table__, CrmConnection.__table__
    empty = set()
    for team_id in team_ids:
        has = conn.execute(select(exists().where(deal.c.team_id == team_id))).scalar() or conn.execute(
            select(exists().where(crm.c.team_id == team_id, crm.c.status == "connected"))).scalar()
        if not has:
            empty.add(team_id)
    return empty


def setup_status(conn: Connection, team_id: str) -> SetupStatus:
    """What workspace `team_id` has set up so far."""
    deal, fb, member = Deal.__table__, Feedback.__table__, Member.__table__
    has_deals = bool(conn.execute(select(exists().where(deal.c.team_id == team_id))).scalar())
    has_feedback = bool(conn.execute(select(exists().where(fb.c.team_id == team_id))).scalar())
    unlinked = (member.c.team_id == team_id, member.c.slack_user_id.is_(None), member.c.crm_name.is_not(None),
                member.c.active.is_(True))
    count = int(conn.execute(select(func.count()).select_from(member).where(*unlinked)).scalar() or 0)
    first = conn.execute(select(member.c.crm_name).where(*unlinked).order_by(member.c.crm_name).limit(1)).scalar()
    digests = conn.execute(select(func.count()).select_from(DigestSubscription.__table__).where(
        DigestSubscription.__table__.c.team_id == team_id, DigestSubscription.__table__.c.active.is_(True))).scalar()
    checkins = conn.execute(select(func.count()).select_from(CheckinSchedule.__table__).where(
        CheckinSchedule.__table__.c.team_id == team_id, CheckinSchedule.__table__.c.active.is_(True))).scalar()
    return SetupStatus(has_deals=has_deals, has_feedback=has_feedback, unlinked_owners=count, first_unlinked=first,
                       digests=int(digests or 0), checkin_schedules=int(checkins or 0))
