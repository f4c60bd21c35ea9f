"""reports/feedback_signals.py: a product whose complaints about one thing jump beyond the previous periods is
flagged ("GTX Pro: “battery” complaints 3 → 14"); steady complaints are not (SQLite and PostgreSQL)."""

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import insert
from sqlalchemy.engine import Engine
from sqlmodel import Session

from db.models import Feedback
from reports import feedback_signals as fs

TEAM = "T0001"
END = date(2026, 11, 27)  # the 30 days up to and including 26 Nov 2026
BATTERY = [
    "The battery dies within hours",
    "battery drains overnight",
    "Battery is dead after a week",
    "the battery will not charge",
]


def insert_history(engine: Engine, team: str = TEAM) -> None:
    """GTX Pro battery complaints: 4, 2 and 3 in the three previous 30-day windows, 14 in the last one;
    MG Special screen complaints: 6 in each window (steady); happy GTX Pro reviews all along."""
    rows = []

    def add(window: int, n: int, product: str, texts: list[str], rating: int) -> None:
        for i in range(n):
            day = END - timedelta(days=30 * window + 1 + i % 28)
            rows.append(
                dict(
                    team_id=team,
                    source="t",
                    external_id=f"{product}{window}{rating}{i}",
                    account="Cancity",
                    product=product,
                    rating=rating,
                    scale=5,
                    received_on=day,
                    comment=texts[i % len(texts)],
                    created_at=datetime(2026, 11, 1, tzinfo=UTC),
                    link=f"https://x.slack.com/p{window}{i}",
                )
            )

    for window, n in enumerate([14, 3, 2, 4]):
        add(window, n, "GTX Pro", BATTERY, 1)
        add(window, 6, "MG Special", ["the screen flickers", "screen went black"], 2)
        add(window, 10, "GTX Pro", ["Great speed, love it", "works great"], 5)
    with engine.begin() as conn:
        conn.execute(insert(Feedback.__table__), rows)  # type: ignore[attr-defined]


def test_a_jump_in_one_products_complaints_is_flagged_and_steady_ones_are_not(engine: Engine) -> None:
    insert_history(engine)
    with Session(engine) as session:
        signals = fs.rising(session, TEAM, END - timedelta(days=30), END)
    assert [(s.product, s.theme, s.current, s.before) for s in signals] == [("GTX Pro", "battery", 14, (3, 2, 4))]
    [signal] = signals
    assert "battery" in signal.quote.lower()
    assert len(signal.links) == 3 and all(link.startswith("https://x.slack.com/p0") for link in signal.links)
    with Session(engine) as session:  # a month earlier, 3 after 2 and 4 explains nothing: no signal
        assert fs.rising(session, TEAM, END - timedelta(days=60), END - timedelta(days=30)) == []


def test_the_monthly_digest_flags_it(engine: Engine) -> None:
    from reports.digest import build_digest, digest_lines

    insert_history(engine)
    with Session(engine) as session:
        digest = build_digest(session, team_id=TEAM, cadence="monthly", today=date(2026, 12, 1), language="zh")
    assert [(s.product, s.theme) for s in digest.quality] == [("GTX Pro", "battery")]
    line = next(line for line in digest_lines(digest) if "GTX Pro" in line)
    assert line.startswith("⚠ GTX Pro：“battery”抱怨 ") and "→ 14" in line


def test_no_signal_against_periods_before_the_feedback_starts(engine: Engine) -> None:
    """Reviews from one month only, read for that month: the previous periods have no feedback at all, so
    "battery complaints 0 → 14 (previous periods: 0, 0, 0)" would flag every product's first month. Nothing is
    flagged; once a previous period has feedback (of any product), a product new to complaints is flagged."""
    insert_history(engine)
    with engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM feedback WHERE received_on < ?" if engine.dialect.name == "sqlite"
                             else "DELETE FROM feedback WHERE received_on < %s", (END - timedelta(days=30),))
    with Session(engine) as session:
        assert fs.rising(session, TEAM, END - timedelta(days=30), END) == []
    with engine.begin() as conn:  # some feedback a month earlier, none of it about GTX Pro's battery
        conn.execute(insert(Feedback.__table__), [dict(  # type: ignore[attr-defined]
            team_id=TEAM, source="t", external_id=f"old{i}", account="Cancity", product="MG Special", rating=5,
            scale=5, received_on=END - timedelta(days=45), comment="works fine", created_at=datetime(2026, 11, 1,
            tzinfo=UTC)) for i in range(3)])
    with Session(engine) as session:
        signals = fs.rising(session, TEAM, END - timedelta(days=30), END)
    assert [(s.product, s.theme, s.current, s.before) for s in signals] == [
        ("GTX Pro", "battery", 14, (0,)),
        ("MG Special", "screen flickers", 6, (0,)),
    ]
