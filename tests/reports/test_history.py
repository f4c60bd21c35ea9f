"""What history answers, on SQLite and PostgreSQL, from three imports of one export (tests/history_data.py):
the pipeline on a past day beside today's, stage-to-stage moves, time in stage, slipped and stalled deals, and
"history starts on" before the first import."""

from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from db.models import Member
from reports import history
from tests.history_data import MOMENTS, TEAM, import_history


def _stages(found: dict[str, history.StageMoney]) -> dict[str, tuple[int, int]]:
    return {stage: (s.deals, s.cents) for stage, s in found.items()}


def test_the_pipeline_on_a_past_day_is_what_the_imports_saw_then(engine: Engine) -> None:
    import_history(engine)
    with Session(engine) as session:
        assert history.history_start(session, TEAM) == MOMENTS[0]
        first = history.pipeline_on(session, TEAM, date(2026, 10, 10))
        assert first.known
        assert _stages(first.then) == {"Prospecting": (2, 500_000), "Engaging": (3, 1_000_000)}
        assert _stages(first.now) == {"Prospecting": (1, 400_000), "Engaging": (3, 1_400_000)}
        second = history.pipeline_on(session, TEAM, date(2026, 10, 25))
        assert _stages(second.then) == {"Prospecting": (2, 1_000_000), "Engaging": (4, 900_000)}
        assert second.then["Engaging"].left_out == {"EUR": (1, 250_000)}  # no EUR rate: counted, not summed
        ann = session.execute(select(Member.id).where(Member.crm_name == "Ann")).scalar_one()
        mine = history.pipeline_on(session, TEAM, date(2026, 10, 10), member_id=ann)
        assert _stages(mine.then) == {"Prospecting": (1, 100_000), "Engaging": (2, 700_000)}  # D4 was Bob's
        before = history.pipeline_on(session, TEAM, date(2026, 10, 1))
        assert not before.known and before.then == {} and before.start == MOMENTS[0]


def test_moves_between_stages_and_how_long_deals_stayed(engine: Engine) -> None:
    import_history(engine)
    start, end = datetime(2026, 10, 1, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC)
    with Session(engine) as session:
        moves = {c.stage: c for c in history.conversions(session, TEAM, start, end)}
        assert (moves["Prospecting"].left, moves["Prospecting"].to) == (2, {"Engaging": 2})
        assert (moves["Engaging"].left, moves["Engaging"].won, moves["Engaging"].lost) == (2, 1, 1)
        times = history.time_in_stage(session, TEAM, start, end)
        by = {s.stage: s for s in times.stages}
        assert (by["Prospecting"].stays, round(by["Prospecting"].median_days)) == (1, 21)  # D6, seen new
        assert (by["Engaging"].stays, round(by["Engaging"].median_days)) == (1, 21)  # D1, 20 Oct -> 10 Nov
        assert times.unknown_start == 2  # D1 in Prospecting and D2 in Engaging since before history
        november = history.conversions(session, TEAM, datetime(2026, 11, 1, tzinfo=UTC), end)
        assert {c.stage: c.left for c in november} == {"Engaging": 2, "Prospecting": 1}


def test_slipped_and_stalled_deals(engine: Engine) -> None:
    import_history(engine)
    with Session(engine) as session:
        moved = history.slipped(session, TEAM, datetime(2026, 10, 1, tzinfo=UTC))
        assert [(m.name, m.was, m.now, m.pushed_days) for m in moved] == [
            ("Gamma", date(2026, 12, 1), date(2027, 2, 1), 62)]
        assert history.slipped(session, TEAM, datetime(2026, 10, 21, tzinfo=UTC)) == []
        idle = history.stalled(session, TEAM)  # now: 26 Nov; no change since 5 Nov
        assert idle.count == 3
        assert [(d.name, d.idle_days) for d in idle.deals] == [
            ("Epsilon (renamed)", 52), ("Delta", 37), ("Gamma", 37)]
        assert history.stalled(session, TEAM, days=60).count == 0  # history is 52 days old: not known
        assert not history.stalled(session, TEAM, days=60).count and history.stalled(session, TEAM, days=60).start
