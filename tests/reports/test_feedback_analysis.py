"""reports/feedback_analysis.py: themes and tone in English and Chinese, the at-risk rules, and the summary of
a period against the previous one (on SQLite and PostgreSQL)."""

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import insert
from sqlalchemy.engine import Engine
from sqlmodel import Session

from db.feedback import AccountStats
from db.models import Feedback
from reports import feedback_analysis as fa

TEAM = "T0001"


class Month:
    """A month as reports.periods gives it: [start, end) and the month before."""

    def __init__(self, year: int, month: int) -> None:
        self.start = date(year, month, 1)
        self.end = date(year + month // 12, month % 12 + 1, 1)

    def previous(self) -> "Month":
        return Month(self.start.year - (self.start.month == 1), (self.start.month - 2) % 12 + 1)


@pytest.mark.parametrize(
    ("comment", "tone"),
    [
        ("Love my Echo!", fa.POSITIVE),
        ("not good at all", fa.NEGATIVE),  # a negator flips the cue
        ("It doesn’t work and support never called back", fa.NEGATIVE),  # curly apostrophe
        ("房间很干净，服务热情，下次还来", fa.POSITIVE),
        ("不满意，服务太差", fa.NEGATIVE),  # "不满意" is read whole, not as "满意"
        ("环境不错", fa.POSITIVE),  # "不错" is praise
        ("the meeting is on Tuesday", fa.NEUTRAL),
    ],
)
def test_sentiment_of_comments_without_a_rating(comment: str, tone: str) -> None:
    assert fa.sentiment(comment) == tone


def test_a_rating_always_wins_over_the_words() -> None:
    assert fa.tone(5, 5, "the delivery was late") == fa.POSITIVE
    assert fa.tone(2, 5, "great people") == fa.NEGATIVE
    assert fa.tone(6, 10, "") == fa.NEGATIVE and fa.tone(8, 10, "") == fa.NEUTRAL and fa.tone(9, 10, "") == fa.POSITIVE
    assert fa.tone(None, 5, "terrible support") == fa.NEGATIVE


def test_accounts_at_risk_several_low_ratings_or_a_drop_worst_first() -> None:
    current = {
        "Isdom": AccountStats("Isdom", 3, 1, 2.8),
        "Rantouch": AccountStats("Rantouch", 1, 1, 1.0),  # too few ratings for a drop
        "Zoomit": AccountStats("Zoomit", 4, 0, 4.2),
    }
    previous = {
        "Isdom": AccountStats("Isdom", 2, 0, 4.5),
        "Rantouch": AccountStats("Rantouch", 5, 0, 5.0),
        "Zoomit": AccountStats("Zoomit", 4, 0, 4.6),  # a small dip is not a risk
    }
    risks = fa.accounts_at_risk({"Cancity": 3, "Isdom": 1, "Betatech": 1}, current, previous)
    assert [r.account for r in risks] == ["Cancity", "Isdom"]
    assert risks[0].low_ratings == 3 and not risks[0].dropped
    assert risks[1].dropped and (risks[1].before, risks[1].after) == (4.5, 2.8)


def _insert(engine: Engine, items: list[tuple[str, int | None, int, date, str]]) -> None:
    rows = [
        dict(
            team_id=TEAM,
            source="t",
            external_id=f"F{i}",
            account=a,
            rating=r,
            scale=s,
            received_on=d,
            comment=c,
            created_at=datetime(2026, 11, 1, tzinfo=UTC),
        )
        for i, (a, r, s, d, c) in enumerate(items)
    ]
    with engine.begin() as conn:
        conn.execute(insert(Feedback.__table__), rows)  # type: ignore[attr-defined]


def test_summary_of_a_month_against_the_previous_one(engine: Engine) -> None:
    oct_, sep = date(2026, 10, 15), date(2026, 9, 15)
    _insert(
        engine,
        [
            # October: 6 rated on 5 (4 of them 4-5), 2 NPS, 1 comment without a rating.
            ("Cancity", 2, 5, date(2026, 10, 5), "Delivery was two weeks late again."),
            ("Cancity", 1, 5, date(2026, 10, 20), "Third late delivery this quarter."),
            ("Rantouch", 5, 5, oct_, "the setup call was excellent"),
            ("Rantouch", 5, 5, oct_, "Great setup session"),
            ("Isdom", 4, 5, oct_, "Fair price for what we get."),
            ("Isdom", 4, 5, oct_, ""),
            ("Isdom", 10, 10, oct_, "solid product"),
            ("Isdom", 3, 10, oct_, "too many bugs"),
            ("Zoomit", None, 5, oct_, "still waiting for the shipment, very disappointed"),
            # September: delivery mentioned once, all happy.
            ("Cancity", 5, 5, sep, "Delivery was on time this time, thanks."),
            ("Rantouch", 5, 5, sep, ""),
        ],
    )
    with Session(engine) as session:
        s = fa.summarise(session, TEAM, Month(2026, 10), today=date(2026, 11, 26))
    assert (s.items, s.rated, s.low, s.previous_items) == (9, 8, 3, 2)
    assert s.csat == pytest.approx(4 / 6) and s.nps == pytest.approx(0.0) and s.previous_csat == 1.0
    top = s.themes[0]  # found in the words: the two late deliveries and the unrated "still waiting for the shipment"
    assert (top.side, top.name, top.count, top.previous) == ("complaint", "delivery", 2, 0)
    assert top.avg_stars == pytest.approx(1.5)
    # September's "Delivery was on time this time, thanks." is praise: never the quote of a delivery complaint.
    assert top.quote == "Third late delivery this quarter."
    setup = next(t for t in s.themes if t.side == "praise")
    assert (setup.name, setup.count, setup.avg_stars, setup.quote) == ("setup", 2, 5.0, "Great setup session")
    assert [r.account for r in s.at_risk] == ["Cancity"]  # 2 low ratings in the last 30 days of October
    assert (s.unrated, s.unrated_negative) == (1, 1)


def test_summary_of_one_rep_and_of_an_empty_period(engine: Engine) -> None:
    with Session(engine) as session:
        s = fa.summarise(session, TEAM, Month(2026, 10), member_id=42, today=date(2026, 10, 3))
    assert s.items == 0 and s.csat is None and s.nps is None and s.themes == [] and s.at_risk == []
