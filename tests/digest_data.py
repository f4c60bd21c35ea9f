"""A small, known sales team for digest tests: figures are easy to compute by hand."""

from datetime import UTC, date, datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session

from db.models import Deal, DigestSubscription, Member, Target, Workspace

TEAM = "T0001"
# (external id, owner slack id, product, account, status, amount cents, created, closed)
DEALS = [
    ("D1", "UALICE", "GTX Pro", "Cancity", "won", 1_200_000, date(2026, 10, 1), date(2026, 11, 17)),
    ("D2", "UALICE", "GTX Pro", "Isdom", "won", 530_050, date(2026, 10, 3), date(2026, 11, 20)),
    ("D3", "UZHANG", "MG Advanced", "Rantouch", "won", 250_000, date(2026, 10, 5), date(2026, 11, 22)),
    ("D4", "UZHANG", "MG Advanced", "Rantouch", "lost", 90_000, date(2026, 10, 5), date(2026, 11, 18)),
    # the week before: 16-22 Nov is compared with 9-15 Nov
    ("D5", "UZHANG", "MG Advanced", "Rantouch", "won", 2_900_000, date(2026, 9, 1), date(2026, 11, 10)),
    ("D6", "UALICE", "GTX Pro", "Cancity", "won", 400_000, date(2026, 9, 1), date(2026, 11, 12)),
    ("D7", "UALICE", "GTX Basic", "Isdom", "open", 700_000, date(2026, 11, 2), None),
]
WEEK_REVENUE = 1_200_000 + 530_050 + 250_000  # 16-22 Nov 2026
PREVIOUS_REVENUE = 2_900_000 + 400_000


def seed(engine: Engine, *, timezone: str = "America/New_York") -> dict[str, int]:
    with Session(engine) as session:
        session.add(Workspace(team_id=TEAM, name="Test", timezone=timezone, language="en", currency="USD"))
        manager = Member(
            team_id=TEAM,
            slack_user_id="UMANAGER",
            display_name="Maria Lopez",
            role="manager",
            timezone=timezone,
            locale="en-US",
        )
        session.add(manager)
        session.flush()
        ids = {"UMANAGER": manager.id}
        for uid, name in (("UALICE", "Alice Smith"), ("UZHANG", "张三")):
            rep = Member(
                team_id=TEAM,
                slack_user_id=uid,
                crm_name=name,
                display_name=name,
                role="rep",
                manager_id=manager.id,
                timezone=timezone,
            )
            session.add(rep)
            session.flush()
            ids[uid] = rep.id
        for ext, owner, product, account, status, cents, created, closed in DEALS:
            session.add(
                Deal(
                    team_id=TEAM,
                    source="test",
                    external_id=ext,
                    owner_id=ids[owner],
                    product=product,
                    account=account,
                    stage=status.title() if status != "open" else "Proposal",
                    status=status,
                    amount_cents=cents,
                    created_date=created,
                    close_date=closed,
                )
            )
        session.add(
            Target(
                team_id=TEAM,
                member_id=ids["UALICE"],
                metric="revenue",
                period_start=date(2026, 11, 1),
                period_end=date(2026, 12, 1),
                value_cents=6_000_000,
            )
        )
        session.commit()
    return ids


def subscription(
    engine: Engine,
    *,
    channel: str = "C0SALES",
    timezone: str = "America/New_York",
    cadence: str = "weekly",
    language: str = "en",
    created: datetime | None = None,
) -> int:
    with Session(engine) as session:
        sub = DigestSubscription(
            team_id=TEAM,
            channel_id=channel,
            cadence=cadence,
            weekday=0,
            time_of_day="09:00",
            timezone=timezone,
            language=language,
            created_by="UMANAGER",
            created_at=created or datetime(2026, 10, 1, tzinfo=UTC),
        )
        session.add(sub)
        session.commit()
        return sub.id  # type: ignore[return-value]
