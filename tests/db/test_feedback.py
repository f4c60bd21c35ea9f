"""db/feedback.py on SQLite and PostgreSQL: the one CSAT/NPS definition (the same numbers the KPI engine
shows), capture that never stores one item twice, the account owner, and the at-risk facts."""

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import insert
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from db import feedback as store
from db.models import Deal, Feedback, Member
from reports import kpi_engine

TEAM = "T0001"
OCT, NOV = date(2026, 10, 1), date(2026, 11, 1)
STAMP = datetime(2026, 11, 1, tzinfo=UTC)


class _Period:
    def __init__(self, start: date, end: date) -> None:
        self.start, self.end = start, end


def _rows(items: list[tuple[str, int | None, int, date, int | None]]) -> list[dict[str, object]]:
    return [
        dict(
            team_id=TEAM,
            source="t",
            external_id=f"F{i}",
            account=a,
            rating=r,
            scale=s,
            received_on=d,
            member_id=m,
            comment="",
            created_at=STAMP,
        )
        for i, (a, r, s, d, m) in enumerate(items)
    ]


@pytest.fixture
def rep(engine: Engine) -> int:
    with Session(engine) as session:
        member = Member(team_id=TEAM, slack_user_id="UALICE", display_name="Alice Chen")
        session.add(member)
        session.commit()
        return int(member.id or 0)


def test_csat_and_nps_follow_the_design_and_match_the_kpi_engine(engine: Engine, rep: int) -> None:
    d = date(2026, 10, 10)
    items = [("Cancity", r, 5, d, rep) for r in (5, 4, 4, 3, 1)]  # CSAT 3/5 = 60%
    items += [("Isdom", r, 10, d, None) for r in (10, 9, 9, 8, 7, 6, 0)]  # NPS (3 - 2) / 7 = +14.3
    items += [("Isdom", None, 5, d, None), ("Cancity", 1, 5, date(2026, 9, 30), rep), ("Cancity", 5, 5, NOV, rep)]
    with engine.begin() as conn:
        conn.execute(insert(Feedback.__table__), _rows(items))  # type: ignore[attr-defined]
    with Session(engine) as session:
        csat, nps, n = store.csat_nps(session, TEAM, OCT, NOV)
        assert csat == pytest.approx(0.6) and nps == pytest.approx(100 / 7) and n == 12  # unrated not counted
        period = _Period(OCT, NOV)
        engine_csat = kpi_engine.compute(session, "csat", kpi_engine.Scope(TEAM), period).value
        engine_nps = kpi_engine.compute(session, "nps", kpi_engine.Scope(TEAM), period).value
        assert (csat, nps) == (pytest.approx(engine_csat), pytest.approx(engine_nps))
        # One rep's accounts, one account; nothing rated -> None, not 0.
        assert store.csat_nps(session, TEAM, OCT, NOV, member_id=rep) == (pytest.approx(0.6), None, 5)
        assert store.csat_nps(session, TEAM, OCT, NOV, account="Isdom")[1:] == (pytest.approx(100 / 7), 7)
        assert store.csat_nps(session, "TOTHER", OCT, NOV) == (None, None, 0)


def test_add_feedback_stores_once_and_checks_the_scale(engine: Engine) -> None:
    with Session(engine) as session:
        kwargs = dict(
            team_id=TEAM, received_on=OCT, account="Cancity", rating=2, scale=5, comment="交付又延迟了", member_id=None
        )
        first, created = store.add_feedback(session, external_id="trigger.1", **kwargs)  # type: ignore[arg-type]
        again, created_again = store.add_feedback(session, external_id="trigger.1", **kwargs)  # type: ignore[arg-type]
        session.commit()
        assert created and not created_again and first.id == again.id
        assert len(session.exec(select(Feedback)).all()) == 1
        for rating, scale in ((6, 5), (0, 5), (11, 10)):
            with pytest.raises(ValueError):
                store.add_feedback(session, external_id=f"x{rating}", **{**kwargs, "rating": rating, "scale": scale})
        store.add_feedback(session, external_id="nps0", **{**kwargs, "rating": 0, "scale": 10})  # type: ignore[arg-type]


def test_account_owner_is_the_owner_of_the_latest_deal_and_names_keep_their_spelling(engine: Engine, rep: int) -> None:
    with Session(engine) as session:
        other = Member(team_id=TEAM, slack_user_id="UBOB", display_name="Bob Stone")
        session.add(other)
        session.commit()
        bob = int(other.id or 0)
    deals = [
        dict(team_id=TEAM, source="t", external_id=f"D{i}", owner_id=o, account="Cancity", created_date=c)
        for i, (o, c) in enumerate([(bob, date(2025, 1, 1)), (rep, date(2026, 3, 1))])
    ]
    with engine.begin() as conn:
        conn.execute(insert(Deal.__table__), deals)  # type: ignore[attr-defined]
    with Session(engine) as session:
        owner = store.account_owner(session, TEAM, "cancity")
        assert owner is not None and owner.display_name == "Alice Chen"
        assert store.account_owner(session, TEAM, "Nobody Inc") is None
        assert store.known_account(session, TEAM, "CANCITY") == "Cancity"
        assert store.known_account(session, TEAM, "Nobody Inc") is None


def test_low_ratings_and_account_averages_for_the_at_risk_rules(engine: Engine) -> None:
    items = [
        ("Cancity", 2, 5, date(2026, 10, 20), None),
        ("Cancity", 1, 5, date(2026, 10, 25), None),
        ("Cancity", 6, 10, date(2026, 10, 28), None),  # a detractor counts as low
        ("Cancity", 2, 5, date(2026, 9, 1), None),  # outside the 30 days
        ("Isdom", 3, 5, date(2026, 10, 21), None),  # 3 of 5 is not low
        ("Isdom", 8, 10, date(2026, 10, 22), None),  # 8 of 10 reads as 4 stars
    ]
    with engine.begin() as conn:
        conn.execute(insert(Feedback.__table__), _rows(items))  # type: ignore[attr-defined]
    with Session(engine) as session:
        since, until = store.window(NOV)
        assert store.recent_low(session, TEAM, since=since, until=until) == {"Cancity": 3}
        stats = store.account_stats(session, TEAM, OCT, NOV)
        assert stats["Isdom"].avg_stars == pytest.approx(3.5) and stats["Isdom"].low == 0
        assert stats["Cancity"].rated == 3 and stats["Cancity"].avg_stars == pytest.approx(2.0)
        totals = store.period_stats(session, TEAM, OCT, NOV)
        assert (totals.items, totals.rated, totals.low) == (5, 5, 3)
