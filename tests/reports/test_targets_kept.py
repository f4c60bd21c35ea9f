"""Resolved targets are kept between requests (reports/targets.py) and never outlive a write: a team target made of
every rep's, and one rep's, stay right after targets and rates are written by the ORM, by hand-written SQL on
another connection (as another process would), deleted, or written in a transaction that rolls back — on both
databases."""

import re
from datetime import date
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import Engine
from sqlmodel import Session

from db.models import Member, Workspace
from db.rates import set_rate
from db.targets import set_target
from reports import kpi_engine as k
from reports.targets import forget_kept
from tests.reports.test_kpi_engine import Span

TEAM = "TKEPT"
Q4 = Span(date(2026, 10, 1), date(2027, 1, 1))


def _reps(engine: Engine, n: int = 3) -> list[int]:
    with Session(engine) as session:
        session.add(Workspace(team_id=TEAM))
        reps = [Member(team_id=TEAM, display_name=f"Rep {i}") for i in range(n)]
        session.add_all(reps)
        session.flush()
        for i, rep in enumerate(reps):  # US$1,000, US$2,000, US$3,000 for the quarter
            set_target(session, team_id=TEAM, metric="revenue", start=Q4.start, end=Q4.end,
                       value_cents=(i + 1) * 100_000, member_id=rep.id)
        session.commit()
        return [int(r.id or 0) for r in reps]


def _team_and_rep(engine: Engine, rep: int) -> tuple[Any, Any, int]:
    """(team target, the rep's target, statements that read `target`) in a fresh session, as a request has."""
    reads: list[str] = []

    def count(_conn: Any, _cur: Any, sql: str, *_args: Any) -> None:
        if re.search(r"FROM target\b", sql):  # not the token's `targetversion`
            reads.append(sql)

    event.listen(engine, "before_cursor_execute", count)
    try:
        with Session(engine) as session:
            team = k.target_use(session, k.Scope(TEAM), "revenue", Q4)
            one = k.target_for(session, k.Scope(TEAM, member_id=rep), "revenue", Q4)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return (team.value, team.how, team.count) if team else None, one, len(reads)


def test_kept_targets_are_reused_until_any_write_to_targets(engine: Engine) -> None:
    forget_kept()
    reps = _reps(engine)
    assert _team_and_rep(engine, reps[1]) == ((600_000, "reps", 3), 200_000, 3)  # team, its reps, the rep
    assert _team_and_rep(engine, reps[1]) == ((600_000, "reps", 3), 200_000, 0)  # kept: no read of `target`
    # Another process changes a target with plain SQL: the triggers make every kept copy unreachable.
    with engine.begin() as conn:
        conn.execute(text("UPDATE target SET value_cents = 250000 WHERE member_id = :m"), {"m": reps[1]})
    assert _team_and_rep(engine, reps[1])[:2] == ((650_000, "reps", 3), 250_000)
    # A team target set through /target's code wins over the reps' sum.
    with Session(engine) as session:
        set_target(session, team_id=TEAM, metric="revenue", start=Q4.start, end=Q4.end, value_cents=900_000)
        session.commit()
    assert _team_and_rep(engine, reps[1])[:2] == ((900_000, "exact", 1), 250_000)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM target WHERE member_id IS NULL"))
        conn.execute(text("DELETE FROM target WHERE member_id = :m"), {"m": reps[1]})
    assert _team_and_rep(engine, reps[1])[:2] == ((400_000, "reps", 2), None)


def test_a_write_that_rolls_back_leaves_the_kept_targets_right(engine: Engine) -> None:
    forget_kept()
    reps = _reps(engine)
    assert _team_and_rep(engine, reps[0])[:2] == ((600_000, "reps", 3), 100_000)
    with Session(engine) as session:  # seen inside its own transaction, then rolled back
        set_target(session, team_id=TEAM, metric="revenue", start=Q4.start, end=Q4.end, value_cents=5,
                   member_id=reps[0])
        assert k.target_for(session, k.Scope(TEAM, member_id=reps[0]), "revenue", Q4) == 5
        session.rollback()
    assert _team_and_rep(engine, reps[0])[:2] == ((600_000, "reps", 3), 100_000)


def test_a_new_rate_converts_kept_targets_again(engine: Engine) -> None:
    """A rep's target set in CNY has no value without a rate; the rate arrives (another process): it converts."""
    forget_kept()
    reps = _reps(engine)
    with engine.begin() as conn:
        conn.execute(text("UPDATE target SET currency = 'CNY', value_cents = 700000 WHERE member_id = :m"),
                     {"m": reps[2]})
    team, one, _reads = _team_and_rep(engine, reps[2])
    assert team == (None, "reps", 3) and one is None  # not compared one for one
    with Session(engine) as session:
        set_rate(session, team_id=TEAM, currency="CNY", to_currency="USD", valid_from=date(2026, 1, 1),
                 rate_micros=140_000)
        session.commit()
    assert _team_and_rep(engine, reps[2])[:2] == ((398_000, "reps", 3), 98_000)  # ¥7,000 x 0.14 = US$980
    with engine.begin() as conn:
        conn.execute(text("UPDATE exchangerate SET rate_micros = 150000"))
    assert _team_and_rep(engine, reps[2])[:2] == ((405_000, "reps", 3), 105_000)
