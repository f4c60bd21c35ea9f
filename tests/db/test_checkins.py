"""The check-in queries on SQLite and PostgreSQL: what is due when, answers stored once, missed marking, rounds."""

from datetime import UTC, datetime, timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from db import checkins as store
from db import deliveries
from db.models import CheckinAnswer, CheckinSchedule, Member, Workspace
from reports.checkins import due_checkins, questions_for

FRIDAY_SH = datetime(2026, 12, 4, 8, 0, tzinfo=UTC)  # Fri 4 Dec 16:00 in Shanghai
FRIDAY_NY = datetime(2026, 12, 4, 21, 0, tzinfo=UTC)  # Fri 4 Dec 16:00 in New York (EST)
LOOKBACK = timedelta(hours=36)


def _team(session: Session) -> tuple[CheckinSchedule, Member, Member]:
    session.add(Workspace(team_id="T1", timezone="UTC"))
    alice = Member(team_id="T1", slack_user_id="UALICE", display_name="Alice", timezone="Asia/Shanghai")
    bob = Member(team_id="T1", slack_user_id="UBOB", display_name="Bob", timezone="America/New_York")
    session.add_all([alice, bob])
    session.flush()
    schedule = store.create_schedule(session, team_id="T1", manager_user_id="UMGR", member_ids=[alice.id, bob.id])
    schedule.created_at = datetime(2026, 12, 1, tzinfo=UTC)
    session.commit()
    return schedule, alice, bob


def _due(session: Session, now: datetime) -> list[tuple[str, datetime]]:
    return sorted((d.slack_user_id, d.occurrence) for d in due_checkins(session, now, lookback=LOOKBACK))


def test_each_rep_is_due_at_their_own_local_time_once(engine: Engine) -> None:
    with Session(engine) as session:
        schedule, _alice, _bob = _team(session)
        assert _due(session, FRIDAY_SH - timedelta(minutes=1)) == []
        assert _due(session, FRIDAY_SH + timedelta(minutes=1)) == [("UALICE", FRIDAY_SH)]
        deliveries.claim(
            session,
            team_id="T1",
            kind="checkin",
            schedule_id=schedule.id,
            occurrence=FRIDAY_SH,
            recipient="UALICE",
            now=FRIDAY_SH,
        )
        assert _due(session, FRIDAY_SH + timedelta(minutes=2)) == []  # claimed: in the ledger
        assert _due(session, FRIDAY_NY + timedelta(minutes=1)) == [("UBOB", FRIDAY_NY)]
        schedule.paused = True
        session.commit()
        assert _due(session, FRIDAY_NY + timedelta(minutes=1)) == []


def test_an_occurrence_before_the_schedule_existed_never_fires(engine: Engine) -> None:
    with Session(engine) as session:
        schedule, _, _ = _team(session)
        schedule.created_at = FRIDAY_SH + timedelta(minutes=30)
        session.commit()
        assert _due(session, FRIDAY_SH + timedelta(hours=1)) == []
        assert _due(session, FRIDAY_SH + timedelta(days=7, minutes=1)) == [("UALICE", FRIDAY_SH + timedelta(days=7))]


def test_answers_are_stored_once_and_the_run_completes_once(engine: Engine) -> None:
    with Session(engine) as session:
        schedule, alice, _ = _team(session)
        run = store.start_run(
            session,
            team_id="T1",
            schedule=schedule,
            member=alice,
            occurrence=FRIDAY_SH,
            questions=questions_for(None, "en"),
            now=FRIDAY_SH,
            away=False,
        )
        again = store.start_run(
            session,
            team_id="T1",
            schedule=schedule,
            member=alice,
            occurrence=FRIDAY_SH,
            questions=["other"],
            now=FRIDAY_SH,
            away=False,
        )
        assert again.id == run.id and run.status == "asking" and len(run.questions) == 5
        assert store.record_answer(
            session, run, index=0, text="Won Rantouch", skipped=False, event_id="Ev1", now=FRIDAY_SH
        )
        assert not store.record_answer(
            session, run, index=0, text="Won Rantouch", skipped=False, event_id="Ev1", now=FRIDAY_SH
        )
        session.commit()
        assert len(session.exec(select(CheckinAnswer)).all()) == 1
        assert store.complete(session, run.id, now=FRIDAY_SH) and not store.complete(session, run.id, now=FRIDAY_SH)


def test_a_second_check_in_waits_and_the_deadline_marks_missed_and_closes_the_round(engine: Engine) -> None:
    with Session(engine) as session:
        schedule, alice, bob = _team(session)
        other = store.create_schedule(session, team_id="T1", manager_user_id="UMGR", member_ids=[alice.id])
        questions = questions_for(None, "en")
        first = store.start_run(
            session,
            team_id="T1",
            schedule=schedule,
            member=alice,
            occurrence=FRIDAY_SH,
            questions=questions,
            now=FRIDAY_SH,
            away=False,
        )
        store.mark_posted(session, first.id, channel_id="DALICE", thread_ts="1.0", now=FRIDAY_SH)
        queued = store.start_run(
            session,
            team_id="T1",
            schedule=other,
            member=alice,
            occurrence=FRIDAY_SH,
            questions=questions,
            now=FRIDAY_SH,
            away=False,
        )
        bobs = store.start_run(
            session,
            team_id="T1",
            schedule=schedule,
            member=bob,
            occurrence=FRIDAY_NY,
            questions=questions,
            now=FRIDAY_NY,
            away=False,
        )
        session.commit()
        assert queued.status == "pending" and store.turns_due(session, FRIDAY_SH) == []
        store.complete(session, first.id, now=FRIDAY_SH)
        session.commit()
        assert [r.run_id for r in store.turns_due(session, FRIDAY_SH)] == [queued.id]

        # Shanghai's deadline passes first; the round (both reps' Friday) closes only at New York's deadline.
        assert store.mark_missed(session, FRIDAY_SH + timedelta(hours=73)) == 1  # the queued run, never asked
        early = store.rounds_due(session, FRIDAY_SH + timedelta(hours=73), lookback=timedelta(days=2))
        assert [r.schedule_id for r in early] == [other.id]  # Bob's deadline has not passed yet
        closing = FRIDAY_NY + timedelta(hours=72, minutes=1)
        assert store.mark_missed(session, closing) == 1  # Bob's
        session.commit()
        rounds = {r.schedule_id: r for r in store.rounds_due(session, closing, lookback=timedelta(days=2))}
        assert sorted(rounds[schedule.id].run_ids) == sorted([first.id, bobs.id])
        assert rounds[schedule.id].round_date.isoformat() == "2026-12-04"
        assert session.get(type(bobs), bobs.id).status == "missed"
