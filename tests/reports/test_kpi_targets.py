"""Targets pro-rated by days, attainment and pace, and the feedback and check-in metrics, on both databases."""

from datetime import UTC, date, datetime

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from db.models import CheckinRun, CheckinSchedule, Deal, Feedback, Member, Workspace
from db.targets import set_target
from reports import kpi_engine as k
from tests.reports.test_kpi_engine import Span

TEAM = "T0001"
Q4 = Span(date(2026, 10, 1), date(2027, 1, 1))
OCTOBER = Span(date(2026, 10, 1), date(2026, 11, 1))


def people(session: Session) -> tuple[int, int]:
    session.add(Workspace(team_id=TEAM))
    ann, ben = Member(team_id=TEAM, display_name="Ann"), Member(team_id=TEAM, display_name="Ben")
    session.add_all([ann, ben])
    session.flush()
    return int(ann.id or 0), int(ben.id or 0)


def won(owner: int, cents: int, closed: date, n: int) -> Deal:
    return Deal(
        team_id=TEAM,
        external_id=f"W{n}",
        owner_id=owner,
        status="won",
        amount_cents=cents,
        created_date=date(2026, 9, 1),
        close_date=closed,
    )


def test_targets_pro_rate_by_days_prefer_the_most_specific_and_need_full_cover(engine: Engine) -> None:
    with Session(engine) as session:
        ann, ben = people(session)
        set_target(
            session, team_id=TEAM, metric="revenue", start=Q4.start, end=Q4.end, value_cents=9_200_000, member_id=ann
        )
        scope = k.Scope(TEAM, member_id=ann)
        assert k.target_for(session, scope, "revenue", Q4) == 9_200_000
        assert k.target_for(session, scope, "revenue", OCTOBER) == 3_100_000  # 31 of 92 days
        assert k.target_for(session, scope, "revenue", Span(date(2026, 11, 1), date(2026, 11, 2))) == 100_000
        # A monthly target for November overrides the quarter's share of it.
        set_target(
            session,
            team_id=TEAM,
            metric="revenue",
            start=date(2026, 11, 1),
            end=date(2026, 12, 1),
            value_cents=5_000_000,
            member_id=ann,
        )
        # The quarter's own target wins for the quarter (rule 2: the exact period first) ...
        assert k.target_use(session, scope, "revenue", Q4).how == "exact"  # type: ignore[union-attr]
        assert k.target_for(session, scope, "revenue", Q4) == 9_200_000
        # ... while a span that no target was set for is built day by day from the most specific ones.
        mid = Span(date(2026, 10, 17), date(2026, 12, 15))  # 15 days of October, November, 14 of December
        use = k.target_use(session, scope, "revenue", mid)
        assert use is not None and use.how == "combined" and len(use.rows) == 2
        assert use.value == 1_500_000 + 5_000_000 + 1_400_000
        assert k.target_for(session, scope, "revenue", Span(date(2026, 11, 1), date(2026, 12, 1))) == 5_000_000
        # The year is not covered on every day: no target rather than a wrong one.
        assert k.target_for(session, scope, "revenue", Span(date(2026, 1, 1), date(2027, 1, 1))) is None
        # The team has no target of its own: the sum of its reps' targets, when they cover the period.
        set_target(
            session, team_id=TEAM, metric="revenue", start=Q4.start, end=Q4.end, value_cents=4_600_000, member_id=ben
        )
        assert k.target_for(session, k.Scope(TEAM), "revenue", OCTOBER) == 3_100_000 + 1_550_000
        team_use = k.target_use(session, k.Scope(TEAM), "revenue", OCTOBER)
        assert team_use is not None and (team_use.how, team_use.count) == ("reps", 2)
        set_target(session, team_id=TEAM, metric="revenue", start=Q4.start, end=Q4.end, value_cents=20_000_000)
        assert k.target_for(session, k.Scope(TEAM), "revenue", Q4) == 20_000_000
        # A rate is not divided by days.
        set_target(session, team_id=TEAM, metric="win_rate", start=Q4.start, end=Q4.end, value_cents=6000)
        assert k.target_for(session, k.Scope(TEAM), "win_rate", OCTOBER) == 6000


def test_a_figure_is_compared_only_with_a_target_of_its_own_scope(engine: Engine) -> None:
    with Session(engine) as session:
        ann, _ = people(session)
        set_target(session, team_id=TEAM, metric="revenue", start=Q4.start, end=Q4.end, value_cents=20_000_000)
        set_target(
            session, team_id=TEAM, metric="revenue", start=Q4.start, end=Q4.end, value_cents=900_000, product="GTX"
        )
        session.add_all([won(ann, 450_000, date(2026, 10, 3), 1)])
        session.commit()
        product, account = k.Scope(TEAM, product="GTX"), k.Scope(TEAM, account="Cancity")
        assert k.target_for(session, product, "revenue", Q4) == 900_000
        assert k.target_for(session, account, "revenue", Q4) is None  # never the team's 200,000
        assert k.target_for(session, k.Scope(TEAM, member_id=ann), "revenue", Q4) is None
        assert k.target_for(session, k.Scope(TEAM), "revenue", Q4) == 20_000_000
        assert k.attainment(session, k.Scope(TEAM, account="Cancity"), Q4, today=date(2026, 11, 26)) is None


def test_attainment_and_pace_against_a_pro_rated_target(engine: Engine) -> None:
    with Session(engine) as session:
        ann, _ = people(session)
        set_target(
            session, team_id=TEAM, metric="revenue", start=Q4.start, end=Q4.end, value_cents=9_200_000, member_id=ann
        )
        session.add_all(
            [
                won(ann, 1_000_000, date(2026, 10, 3), 1),
                won(ann, 550_000, date(2026, 10, 10), 2),
                won(ann, 777_777, date(2026, 11, 20), 3),
            ]
        )
        session.commit()
        scope = k.Scope(TEAM, member_id=ann)
        # October is over: 15,500 of 31,000.
        assert k.attainment(session, scope, OCTOBER, today=date(2026, 11, 26)) == pytest.approx(0.5)
        assert k.pace(session, scope, OCTOBER, today=date(2026, 11, 26)) == pytest.approx(0.5)
        # 10 days into October: 15,500 so far, projected x31/10 = 48,050 against 31,000.
        assert k.pace(session, scope, OCTOBER, today=date(2026, 10, 10)) == pytest.approx(1.55)
        assert k.rep_status(k.pace(session, scope, OCTOBER, today=date(2026, 10, 10))) == "on_track"
        assert k.pace(session, scope, OCTOBER, today=date(2026, 9, 30)) is None  # not begun
        assert k.attainment(session, k.Scope(TEAM, member_id=ann), Span(date(2025, 1, 1), date(2025, 2, 1))) is None
        by_rep = k.breakdown(session, "attainment", k.Scope(TEAM), Q4, "rep", today=date(2026, 11, 26))
        assert [(r.label, round(r.value.value, 4)) for r in by_rep] == [("Ann", round(2_327_777 / 9_200_000, 4))]


def test_csat_nps_and_checkin_rate(engine: Engine) -> None:
    with Session(engine) as session:
        ann, ben = people(session)
        ratings = [(5, 5), (4, 5), (2, 5), (3, 5), (10, 10), (9, 10), (7, 10), (3, 10), (0, 10)]
        session.add_all(
            [
                Feedback(
                    team_id=TEAM,
                    external_id=f"F{i}",
                    received_on=date(2026, 10, 5 + i),
                    member_id=ann if i % 2 else ben,
                    account="Cancity",
                    rating=r,
                    scale=s,
                )
                for i, (r, s) in enumerate(ratings)
            ]
        )
        session.add(Feedback(team_id=TEAM, external_id="old", received_on=date(2026, 9, 30), rating=1, scale=5))
        schedule = CheckinSchedule(team_id=TEAM, manager_user_id="UMANAGER")
        session.add(schedule)
        session.flush()
        for i, status in enumerate(["completed", "completed", "missed", "asking"]):
            session.add(
                CheckinRun(
                    team_id=TEAM,
                    schedule_id=schedule.id,
                    member_id=ann if i < 2 else ben,
                    occurrence=datetime(2026, 10, 2 + i, 16, tzinfo=UTC),
                    status=status,
                    sent_at=datetime(2026, 10, 2 + i, 16, tzinfo=UTC),
                )
            )
        session.commit()
        got = k.compute_many(session, ["csat", "nps", "checkin_rate"], k.Scope(TEAM), OCTOBER)
        assert got["csat"] == k.KpiValue("csat", 0.5, "ratio")  # 2 of 4 ratings are 4-5
        assert got["nps"].value == pytest.approx(100 * (2 - 2) / 5) and got["nps"].unit == "score"
        assert got["checkin_rate"].value == pytest.approx(0.5)
        assert k.compute(session, "checkin_rate", k.Scope(TEAM, member_id=ann), OCTOBER).value == 1.0
        assert k.compute(session, "csat", k.Scope(TEAM, account="Cancity"), OCTOBER).value == 0.5
        assert k.compute(session, "csat", k.Scope(TEAM), Span(date(2026, 1, 1), date(2026, 2, 1))).value is None
