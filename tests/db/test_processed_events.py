"""`processedevent` (event ids, trigger ids, repeat fingerprints) is pruned by the scheduler once past its use
(db/processed_events.RETENTION), in batches, by an indexed column; on both databases."""

from datetime import timedelta

from sqlalchemy import inspect, select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from db import clock
from db.models import ProcessedEvent
from db.processed_events import RETENTION, prune
from tests.handlers.test_feedback import seed as seed_feedback
from tests.slack_driver import SlackDriver


def _keys(engine: Engine) -> set[str]:
    with Session(engine) as session:
        return set(session.exec(select(ProcessedEvent.event_id)).scalars())  # type: ignore[call-overload]


def test_the_tick_prunes_ids_and_fingerprints_past_the_retention_and_keeps_the_recent(slack: SlackDriver) -> None:
    seed_feedback(slack)
    slack.command("/feedback", "Cancity 2 late again", user="UALICE")  # a trigger id and a repeat fingerprint
    slack.dm("hello", user="UALICE", event_id="EvOLD00001")
    old = _keys(slack.deps.engine)
    assert "EvOLD00001" in old and any(k.startswith("trigger:") for k in old) and any(
        k.startswith("repeat:") for k in old)

    clock.advance(RETENTION + timedelta(minutes=1))
    slack.command("/feedback", "Cancity 1 still broken", user="UALICE")
    slack.dm("hello again", user="UALICE", event_id="EvNEW00001")
    slack.tick(clock.now())

    kept = _keys(slack.deps.engine)
    assert kept.isdisjoint(old)  # everything recorded an hour and more ago is gone
    assert "EvNEW00001" in kept and any(k.startswith("repeat:") for k in kept)  # the recent ones still count
    slack.command("/feedback", "Cancity 1 still broken", user="UALICE")  # the repeat window still works
    assert "You sent the same feedback" in slack.last_response_text()


def test_pruning_goes_in_batches_oldest_first_and_stops_at_the_cutoff(engine: Engine) -> None:
    now = clock.now()
    with Session(engine) as session:
        session.add_all(ProcessedEvent(team_id="T0001", event_id=f"Ev{i:08d}",
                                       received_at=now - RETENTION - timedelta(seconds=12_000 - i))
                        for i in range(12_000))
        session.add_all(ProcessedEvent(team_id="T0002", event_id=f"Fresh{i}", received_at=now - timedelta(minutes=i))
                        for i in range(10))
        session.commit()
    assert prune(engine, now=now, batch=5_000, batches=1) == 5_000  # one batch a call at most, the oldest
    assert "Ev00000000" not in _keys(engine) and "Ev00005000" in _keys(engine)
    assert prune(engine, now=now, batch=5_000) == 7_000
    assert _keys(engine) == {f"Fresh{i}" for i in range(10)}
    assert prune(engine, now=now) == 0


def test_received_at_is_indexed(engine: Engine) -> None:
    indexes = inspect(engine).get_indexes("processedevent")
    assert any(ix["column_names"] == ["received_at"] for ix in indexes), indexes
