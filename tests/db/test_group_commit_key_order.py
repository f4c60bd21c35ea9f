"""Rows written together before an ack (request ids, first contacts: db/group_commit.py) go into their INSERT in key
order, so two instances on one PostgreSQL writing overlapping keys queue behind each other instead of deadlocking."""

import threading
import time

import pytest
from sqlalchemy import event, select, text
from sqlalchemy.engine import Engine
from sqlmodel import Session

from db.members import _insert_members, ensure_workspace
from db.models import Member, ProcessedEvent
from db.request_keys import RequestKeys
from db.workspaces import WorkspaceDefaults


def test_first_contacts_written_together_are_inserted_in_key_order(engine: Engine) -> None:
    with Session(engine) as session:
        ensure_workspace(session, team_id="T0001", defaults=WorkspaceDefaults())
        session.commit()
    with engine.begin() as conn:
        made = _insert_members(conn, [("T0001", "UCAROL", "rep"), ("T0001", "UALICE", "manager"),
                                      ("T0001", "UBOB", "rep"), ("T0001", "UALICE", "rep")])
    assert made == [True, True, True, False]  # answers in the order asked; the second UALICE found the first
    m = Member.__table__.c  # type: ignore[attr-defined]
    with engine.connect() as conn:
        rows = conn.execute(select(m.slack_user_id, m.role).order_by(m.id)).all()
    assert [tuple(r) for r in rows] == [("UALICE", "manager"), ("UBOB", "rep"), ("UCAROL", "rep")]


def test_request_ids_written_together_are_inserted_in_key_order(engine: Engine) -> None:
    keys = RequestKeys(engine)
    written: list[str] = []

    def capture(conn, cursor, statement, parameters, context, executemany) -> None:  # noqa: ANN001, PLR0913
        if "INSERT INTO processedevent" in statement:
            values = parameters.values() if isinstance(parameters, dict) else parameters
            written.extend(v for v in values if isinstance(v, str) and v.startswith("trigger:"))

    event.listen(engine, "before_cursor_execute", capture)
    try:
        with engine.begin() as conn:
            made = keys._write(conn, [("T0001", "trigger:c"), ("T0001", "trigger:a"), ("T0002", "trigger:a"),
                                      ("T0001", "trigger:b")])
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    assert made == [True, True, True, True]
    assert written == ["trigger:a", "trigger:b", "trigger:c", "trigger:a"]  # (team, id) order: T0001's, then T0002


def test_two_instances_writing_the_same_ids_in_opposite_orders_do_not_deadlock(engine: Engine) -> None:
    """Instance 1 holds id A uncommitted and is about to write B; instance 2's batch has B and A. Written as it came
    (B, then A) instance 2 would hold B while waiting for A, and instance 1 would wait for B: a deadlock, which
    PostgreSQL breaks by failing one of them after a second. In key order instance 2 waits for A holding nothing."""
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer at a time: its transactions never hold row locks against each other")
    other = RequestKeys(engine)
    errors: list[BaseException] = []
    answers: list[list[bool]] = []

    def second_instance() -> None:
        try:
            with engine.begin() as conn:
                answers.append(other._write(conn, [("T0001", "trigger:b"), ("T0001", "trigger:a")]))
        except BaseException as error:  # noqa: BLE001 - reported by the test below
            errors.append(error)

    first = engine.connect()
    watcher = engine.connect().execution_options(isolation_level="AUTOCOMMIT")
    try:
        first.begin()
        first.execute(text("INSERT INTO processedevent (team_id, event_id, received_at) "
                           "VALUES ('T0001', 'trigger:a', now())"))
        thread = threading.Thread(target=second_instance)
        thread.start()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:  # until instance 2 waits for A
            waiting = watcher.execute(text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock'")).scalar()
            if waiting:
                break
            time.sleep(0.02)
        else:
            pytest.fail("the second instance never waited for the first one's row")
        try:
            first.execute(text("INSERT INTO processedevent (team_id, event_id, received_at) "
                               "VALUES ('T0001', 'trigger:b', now()) ON CONFLICT DO NOTHING"))
            first.commit()
        except BaseException as error:  # noqa: BLE001
            errors.append(error)
            first.rollback()
        thread.join(30)
    finally:
        first.close()
        watcher.close()
    assert not errors, errors
    assert answers == [[False, False]]  # both ids were the first instance's
    e = ProcessedEvent.__table__.c  # type: ignore[attr-defined]
    with engine.connect() as conn:
        assert sorted(conn.execute(select(e.event_id)).scalars()) == ["trigger:a", "trigger:b"]
