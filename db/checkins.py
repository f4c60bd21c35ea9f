"""Check-in schedules, runs and answers: the queries, each written to stay cheap with 10,000 schedules.

Why it is shaped like this:
- What is due is computed in bulk: one query for every active (schedule, rep) pair, the recurrence computed
  once per distinct (cadence, weekday, time, zone), and one query for what the ledger already holds. A tick
  with nothing due exits after a handful of queries.
- State changes are conditional UPDATEs (`WHERE current_index = i`, `WHERE status IN (...)`), so a retried
  Slack event, two instances, or a double click move a run forward once.
- An answer is written the moment it arrives (ON CONFLICT DO NOTHING on run + question), so a crash loses
  nothing and a duplicate is never stored twice.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, or_, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, select

from db import clock
from db.models import (
    CheckinAnswer,
    CheckinRound,
    CheckinRun,
    CheckinSchedule,
    CheckinScheduleRep,
    Deal,
    Delivery,
    Feedback,
    Member,
    Workspace,
)

OPEN = ("pending", "asking")
LATE_WINDOW = timedelta(days=7)  # answers to a missed check-in are still taken this long after its deadline


def utc(moment: datetime | None) -> datetime | None:
    """Timestamps come back naive from SQLite; every moment here is UTC."""
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _update(model: Any) -> Any:
    """A bulk UPDATE that does not try to re-evaluate loaded objects (naive SQLite times would not compare)."""
    return update(model).execution_options(synchronize_session=False)


def _insert(session: Session):  # type: ignore[no-untyped-def]
    return pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


# ------------------------------------------------------------------------------------------ schedules


def create_schedule(
    session: Session,
    *,
    team_id: str,
    manager_user_id: str,
    member_ids: Iterable[int],
    cadence: str = "weekly",
    weekday: int = 4,
    time_of_day: str = "16:00",
    deadline_hours: int = 72,
    reminder_hours_before: int = 24,
    summary_channel: str | None = None,
    brief_minutes_before: int | None = None,
    questions: list[str] | None = None,
    anchor_date: date | None = None,
) -> CheckinSchedule:
    schedule = CheckinSchedule(
        team_id=team_id,
        manager_user_id=manager_user_id,
        cadence=cadence,
        weekday=weekday,
        time_of_day=time_of_day,
        deadline_hours=deadline_hours,
        reminder_hours_before=reminder_hours_before,
        summary_channel=summary_channel,
        brief_minutes_before=brief_minutes_before,
        questions=questions or None,
        anchor_date=anchor_date,
    )
    session.add(schedule)
    session.flush()
    for member_id in dict.fromkeys(member_ids):
        session.add(CheckinScheduleRep(team_id=team_id, schedule_id=schedule.id, member_id=member_id))
    session.flush()
    return schedule


def schedule_reps(session: Session, schedule_ids: list[int]) -> dict[int, list[Member]]:
    out: dict[int, list[Member]] = {i: [] for i in schedule_ids}
    if not schedule_ids:
        return out
    rows = session.exec(
        select(CheckinScheduleRep.schedule_id, Member)
        .join(Member, Member.id == CheckinScheduleRep.member_id)
        .where(CheckinScheduleRep.schedule_id.in_(schedule_ids))  # type: ignore[attr-defined]
        .order_by(Member.display_name)
    ).all()
    for schedule_id, member in rows:
        out[schedule_id].append(member)
    return out


def schedules_of(session: Session, *, team_id: str, manager_user_id: str) -> list[CheckinSchedule]:
    return list(
        session.exec(
            select(CheckinSchedule)
            .where(
                CheckinSchedule.team_id == team_id,
                CheckinSchedule.active.is_(True),
                CheckinSchedule.manager_user_id == manager_user_id,
                CheckinSchedule.purpose == "checkin",
            )
            .order_by(CheckinSchedule.id)
        )
    )


def set_schedule_state(
    session: Session, *, team_id: str, schedule_id: int, manager_user_id: str, action: str
) -> CheckinSchedule | None:
    """pause | resume | delete one of the manager's own schedules; None when there is no such schedule."""
    schedule = session.get(CheckinSchedule, schedule_id)
    if (
        schedule is None
        or schedule.team_id != team_id
        or not schedule.active
        or schedule.manager_user_id != manager_user_id
    ):
        return None
    if action == "pause":
        schedule.paused = True
    elif action == "resume":
        schedule.paused = False
    elif action == "delete":
        schedule.active = False
    else:
        raise ValueError(action)
    session.flush()
    return schedule


def set_questions(session: Session, schedule: CheckinSchedule, questions: list[str] | None) -> None:
    """New questions make a new version; runs already made keep the questions they asked."""
    cleaned = [q.strip() for q in questions or [] if q.strip()] or None
    if cleaned != schedule.questions:
        schedule.questions = cleaned
        schedule.questions_version += 1
        session.flush()


def set_away(session: Session, member: Member, until: date | None) -> None:
    member.away_until = until
    session.flush()


# ------------------------------------------------------------------------------------------- due items


@dataclass(frozen=True)
class DueRep:
    team_id: str
    schedule_id: int
    member_id: int
    slack_user_id: str
    occurrence: datetime


def active_pairs(session: Session, *, since: datetime) -> list[tuple[Any, ...]]:
    """Every asked (schedule, rep) pair of active, unpaused schedules, in one query: (schedule id, team, cadence,
    weekday, time, anchor, member id, slack id, rep zone, workspace zone, done), where `done` says the ledger
    already holds a check-in for the pair since `since` (cadences are weekly or longer, so that is the latest
    occurrence; it also keeps a rep whose zone changed from being asked twice the same day)."""
    done = (
        select(Delivery.id)
        .where(
            Delivery.kind == "checkin",
            Delivery.schedule_id == CheckinSchedule.id,
            Delivery.recipient == Member.slack_user_id,
            Delivery.occurrence > since,
            Delivery.status != "pending",
        )
        .exists()
    )
    return list(
        session.exec(
            select(
                CheckinSchedule.id,
                CheckinSchedule.team_id,
                CheckinSchedule.cadence,
                CheckinSchedule.weekday,
                CheckinSchedule.time_of_day,
                CheckinSchedule.anchor_date,
                Member.id,
                Member.slack_user_id,
                Member.timezone,
                Workspace.timezone,
                done,
            )
            .join(CheckinScheduleRep, CheckinScheduleRep.schedule_id == CheckinSchedule.id)
            .join(Member, Member.id == CheckinScheduleRep.member_id)
            .join(Workspace, Workspace.team_id == CheckinSchedule.team_id, isouter=True)
            .where(
                CheckinSchedule.active.is_(True),
                CheckinSchedule.paused.is_(False),
                Member.active.is_(True),
                Member.slack_user_id.is_not(None),
            )  # type: ignore[union-attr]
        ).all()
    )


def created_at(session: Session, schedule_ids: Iterable[int]) -> dict[int, datetime]:
    """When each schedule was made (an occurrence before that never fires)."""
    ids = sorted(set(schedule_ids))
    out: dict[int, datetime] = {}
    for i in range(0, len(ids), 5000):
        rows = session.exec(
            select(CheckinSchedule.id, CheckinSchedule.created_at).where(
                CheckinSchedule.id.in_(ids[i : i + 5000])  # type: ignore[union-attr]
            )
        ).all()
        out.update((sid, utc(moment)) for sid, moment in rows)  # type: ignore[misc]
    return out


def ledger_keys(session: Session, *, kind: str, since: datetime) -> set[tuple[int, datetime, str]]:
    """(schedule, occurrence, recipient) the ledger already holds for `kind` (any status but pending)."""
    rows = session.exec(
        select(Delivery.schedule_id, Delivery.occurrence, Delivery.recipient).where(
            Delivery.kind == kind, Delivery.occurrence >= since, Delivery.status != "pending"
        )
    ).all()
    return {(r[0], naive(r[1]), r[2]) for r in rows}


def delivered(session: Session, *, kind: str, occurrences: Iterable[datetime]) -> set[tuple[int, datetime, str]]:
    """Like `ledger_keys`, for a few exact occurrences: one indexed query each, reading no timestamps (parsing
    10,000 of them is most of a tick's time on SQLite)."""
    moments = set(occurrences)
    if len(moments) > 24:
        return ledger_keys(session, kind=kind, since=min(moments))
    out: set[tuple[int, datetime, str]] = set()
    for moment in moments:
        rows = session.exec(
            select(Delivery.schedule_id, Delivery.recipient).where(
                Delivery.kind == kind, Delivery.occurrence == moment, Delivery.status != "pending"
            )
        ).all()
        out.update((schedule_id, naive(moment), recipient) for schedule_id, recipient in rows)
    return out


def naive(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


@dataclass(frozen=True)
class RunRef:
    """A run something is due for: its schedule, rep, occurrence, and the rep's Slack id."""

    team_id: str
    run_id: int
    schedule_id: int
    member_id: int
    slack_user_id: str
    occurrence: datetime


def _run_refs(session: Session, where: list[Any], extra: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    return list(
        session.exec(
            select(
                CheckinRun.team_id,
                CheckinRun.id,
                CheckinRun.schedule_id,
                CheckinRun.member_id,
                Member.slack_user_id,
                CheckinRun.occurrence,
                *extra,
            )
            .join(Member, Member.id == CheckinRun.member_id)
            .join(CheckinSchedule, CheckinSchedule.id == CheckinRun.schedule_id)
            .where(*where)
        ).all()
    )


def _refs_not_in_ledger(session: Session, kind: str, rows: list[tuple[Any, ...]]) -> list[RunRef]:
    if not rows:
        return []
    refs = [RunRef(r[0], r[1], r[2], r[3], r[4] or "", utc(r[5])) for r in rows]  # type: ignore[arg-type]
    done = delivered(session, kind=kind, occurrences=[r.occurrence for r in refs])
    return [r for r in refs if (r.schedule_id, naive(r.occurrence), r.slack_user_id) not in done]


def reminders_due(
    session: Session, now: datetime, *, purpose: str = "checkin", kind: str = "checkin_reminder"
) -> list[RunRef]:
    """Runs still being asked whose reminder moment (deadline - reminder hours) has come, before the deadline
    (`purpose`: check-ins, or a review round's reflections; `kind`: the ledger kind of that reminder)."""
    horizon = session.exec(
        select(func.max(CheckinSchedule.reminder_hours_before)).where(CheckinSchedule.active.is_(True))
    ).one()
    if not horizon:
        return []
    rows = _run_refs(
        session,
        [
            CheckinRun.status == "asking",
            CheckinRun.deadline_at > now,
            CheckinRun.deadline_at <= now + timedelta(hours=int(horizon)),
            CheckinRun.reminded_at.is_(None),
            CheckinSchedule.reminder_hours_before > 0,
            CheckinSchedule.purpose == purpose,
        ],  # type: ignore[union-attr]
        (CheckinRun.deadline_at, CheckinSchedule.reminder_hours_before),
    )
    rows = [r for r in rows if utc(r[6]) - timedelta(hours=r[7]) <= now]  # type: ignore[operator]
    return _refs_not_in_ledger(session, kind, rows)


def briefs_due(session: Session, now: datetime) -> list[RunRef]:
    """Runs whose one-on-one (their deadline) is within the schedule's brief lead time."""
    horizon = session.exec(
        select(func.max(CheckinSchedule.brief_minutes_before)).where(CheckinSchedule.active.is_(True))
    ).one()
    if not horizon:
        return []
    rows = _run_refs(
        session,
        [
            CheckinRun.status.in_(("pending", "asking", "completed", "missed", "skipped")),  # type: ignore[attr-defined]
            CheckinRun.deadline_at > now,
            CheckinRun.deadline_at <= now + timedelta(minutes=int(horizon)),
            CheckinSchedule.brief_minutes_before.is_not(None),
        ],  # type: ignore[union-attr]
        (CheckinRun.deadline_at, CheckinSchedule.brief_minutes_before),
    )
    rows = [r for r in rows if utc(r[6]) - timedelta(minutes=r[7]) <= now]  # type: ignore[operator]
    return _refs_not_in_ledger(session, "checkin_brief", rows)


def completed_due(session: Session, now: datetime) -> list[RunRef]:
    """Completed runs this bot asked (imported or demo history has no DM thread) whose manager's copy is not in
    the ledger yet, late completions included."""
    rows = _run_refs(
        session,
        [
            CheckinRun.status == "completed",
            CheckinRun.deadline_at > now - LATE_WINDOW,
            CheckinRun.completed_at.is_not(None),  # type: ignore[union-attr]
            CheckinRun.thread_ts.is_not(None),  # type: ignore[union-attr]
            CheckinSchedule.purpose == "checkin",  # a reflection reaches the manager in the review itself
        ],
    )
    return _refs_not_in_ledger(session, "checkin_summary", rows)


def turns_due(session: Session, now: datetime) -> list[RunRef]:
    """Queued runs (a second schedule waiting its turn) whose rep is no longer being asked anything, and runs
    whose first message never went out (the check-in send failed for good more than a lease ago)."""
    asking = select(CheckinRun.member_id).where(CheckinRun.status == "asking").scalar_subquery()
    rows = _run_refs(
        session, [CheckinRun.status == "pending", CheckinRun.deadline_at > now, CheckinRun.member_id.not_in(asking)]
    )  # type: ignore[attr-defined]
    rows += _run_refs(
        session,
        [
            CheckinRun.status == "asking",
            CheckinRun.deadline_at > now,
            CheckinRun.thread_ts.is_(None),
            CheckinRun.sent_at.is_(None),  # type: ignore[union-attr]
            CheckinRun.occurrence < now - timedelta(minutes=10),
        ],
    )
    seen: set[int] = set()
    unique = []
    for row in sorted(rows, key=lambda r: utc(r[5])):  # type: ignore[arg-type, return-value]  # oldest first, one per rep
        if row[3] not in seen:
            seen.add(row[3])
            unique.append(row)
    return _refs_not_in_ledger(session, "checkin_turn", unique)


def mark_missed(session: Session, now: datetime) -> int:
    """Runs not completed by their deadline become missed (idempotent; any instance may do it)."""
    return session.exec(  # type: ignore[call-overload]
        _update(CheckinRun)
        .where(CheckinRun.status.in_(OPEN), CheckinRun.deadline_at <= now)  # type: ignore[attr-defined]
        .values(status="missed")
    ).rowcount


@dataclass(frozen=True)
class RoundRef:
    team_id: str
    schedule_id: int
    round_date: date
    closes_at: datetime  # the last deadline of the round: the ledger's occurrence
    run_ids: tuple[int, ...]


def rounds_due(session: Session, now: datetime, *, lookback: timedelta) -> list[RoundRef]:
    """Rounds (a schedule's runs on one local day) whose every deadline has passed, not yet summarised."""
    closed = session.exec(
        select(CheckinRun.schedule_id)
        .join(CheckinSchedule, CheckinSchedule.id == CheckinRun.schedule_id)
        .where(
            CheckinRun.status.in_(("completed", "missed", "skipped")),  # type: ignore[attr-defined]
            CheckinRun.deadline_at <= now,
            CheckinRun.deadline_at > now - lookback,
            CheckinSchedule.purpose == "checkin",  # a review round closes with the review (handlers/review.py)
        )
        .distinct()
    ).all()
    if not closed:
        return []
    rows = session.exec(
        select(
            CheckinRun.team_id,
            CheckinRun.schedule_id,
            CheckinRun.id,
            CheckinRun.occurrence,
            CheckinRun.deadline_at,
            Member.timezone,
            Workspace.timezone,
        )
        .join(Member, Member.id == CheckinRun.member_id)
        .join(Workspace, Workspace.team_id == CheckinRun.team_id, isouter=True)
        .where(CheckinRun.schedule_id.in_(closed), CheckinRun.deadline_at > now - lookback - timedelta(days=2))  # type: ignore[attr-defined]
    ).all()
    groups: dict[tuple[int, date], list[tuple[Any, ...]]] = {}
    for team, sid, rid, occ, deadline, tz, ws_tz in rows:
        day = utc(occ).astimezone(ZoneInfo(tz or ws_tz or "UTC")).date()  # type: ignore[union-attr]
        groups.setdefault((sid, day), []).append((team, rid, utc(deadline)))
    out = []
    for (sid, day), items in groups.items():
        closes = max(i[2] for i in items)
        if now - lookback < closes <= now:
            out.append(RoundRef(items[0][0], sid, day, closes, tuple(sorted(i[1] for i in items))))
    if not out:
        return []
    done = delivered(session, kind="checkin_round", occurrences=[r.closes_at for r in out])
    done_keys = {(k[0], k[1]) for k in done}
    return [r for r in out if (r.schedule_id, naive(r.closes_at)) not in done_keys]


# ------------------------------------------------------------------------------------------------ runs


def start_run(
    session: Session,
    *,
    team_id: str,
    schedule: CheckinSchedule,
    member: Member,
    occurrence: datetime,
    questions: list[str],
    now: datetime,
    away: bool,
) -> CheckinRun:
    """The run of this rep for this occurrence, created once: skipped when away, pending while another check-in
    is being asked (one at a time), else asking. Questions are frozen on it.

    The scheduler delivers in parallel, so two schedules of one rep due in the same tick used to both see no run
    in progress and both ask question 1. The rep is locked first (a row lock on PostgreSQL; SQLite's one write
    lock), so the second decides after the first has committed."""
    _lock_member(session, member.id)  # type: ignore[arg-type]
    existing = session.exec(
        select(CheckinRun).where(
            CheckinRun.schedule_id == schedule.id,
            CheckinRun.member_id == member.id,
            CheckinRun.occurrence == occurrence,
        )
    ).first()
    if existing is not None:
        return existing
    busy = session.exec(
        select(CheckinRun.id).where(
            CheckinRun.member_id == member.id, CheckinRun.status == "asking", CheckinRun.deadline_at > now
        )
    ).first()
    status = "skipped" if away else ("pending" if busy else "asking")
    session.exec(
        _insert(session)(CheckinRun)
        .values(  # type: ignore[call-overload]
            team_id=team_id,
            schedule_id=schedule.id,
            member_id=member.id,
            occurrence=occurrence,
            questions=questions,
            questions_version=schedule.questions_version,
            status=status,
            current_index=0,
            deadline_at=occurrence + timedelta(hours=schedule.deadline_hours),
        )
        .on_conflict_do_nothing(index_elements=["schedule_id", "member_id", "occurrence"])
    )
    session.flush()
    return session.exec(
        select(CheckinRun).where(
            CheckinRun.schedule_id == schedule.id,
            CheckinRun.member_id == member.id,
            CheckinRun.occurrence == occurrence,
        )
    ).one()


def _lock_member(session: Session, member_id: int) -> None:
    """Serialise check-in decisions per rep until the transaction ends: PostgreSQL locks the member row; on SQLite
    a no-op write takes the database's write lock, after which every read sees what other writers committed."""
    if session.get_bind().dialect.name == "postgresql":
        session.exec(select(Member.id).where(Member.id == member_id).with_for_update())
    else:
        session.exec(_update(Member).where(Member.id == member_id).values(id=member_id))  # type: ignore[call-overload]


def take_turn(session: Session, run_id: int) -> bool:
    """A queued run becomes the one being asked (once)."""
    return (
        session.exec(
            _update(CheckinRun)
            .where(CheckinRun.id == run_id, CheckinRun.status == "pending")  # type: ignore[call-overload]
            .values(status="asking")
        ).rowcount
        == 1
    )


def mark_posted(session: Session, run_id: int, *, channel_id: str, thread_ts: str, now: datetime) -> None:
    session.exec(
        _update(CheckinRun)
        .where(CheckinRun.id == run_id)  # type: ignore[call-overload]
        .values(channel_id=channel_id, thread_ts=thread_ts, sent_at=now)
    )


def conversation_run(
    session: Session, *, team_id: str, member_id: int, now: datetime, thread_ts: str | None = None
) -> CheckinRun | None:
    """The run a DM from this rep answers: the one whose thread it is in, else the one being asked, else a
    missed one still within the late window that has questions left."""
    base = [CheckinRun.team_id == team_id, CheckinRun.member_id == member_id]
    if thread_ts:
        run = session.exec(select(CheckinRun).where(*base, CheckinRun.thread_ts == thread_ts)).first()
        if run is not None:
            return run if run.status in ("asking", "missed") and run.current_index < len(run.questions) else None
    run = session.exec(
        select(CheckinRun).where(*base, CheckinRun.status == "asking").order_by(CheckinRun.occurrence)
    ).first()
    if run is not None:
        return run
    late = session.exec(
        select(CheckinRun)
        .where(
            *base,
            CheckinRun.status == "missed",
            CheckinRun.deadline_at > now - LATE_WINDOW,
            CheckinRun.sent_at.is_not(None),
        )  # type: ignore[union-attr]
        .order_by(CheckinRun.occurrence.desc())
    ).first()  # type: ignore[attr-defined]
    if late is not None and late.current_index < len(late.questions):
        return late
    return None


def record_answer(
    session: Session, run: CheckinRun, *, index: int, text: str, skipped: bool, event_id: str | None, now: datetime
) -> bool:
    """Store the answer to question `index` and move the run on; False when it was already recorded."""
    stored = (
        session.exec(
            _insert(session)(CheckinAnswer)
            .values(  # type: ignore[call-overload]
                team_id=run.team_id,
                run_id=run.id,
                question_index=index,
                text="" if skipped else text,
                skipped=skipped,
                source_event_id=event_id,
                answered_at=now,
                updated_at=now,
            )
            .on_conflict_do_nothing(index_elements=["run_id", "question_index"])
            .returning(CheckinAnswer.id)  # rowcount of an upsert is -1 on psycopg 3; a returned row is not
        ).first()
        is not None
    )
    moved = (
        session.exec(
            _update(CheckinRun)
            .where(
                CheckinRun.id == run.id,  # type: ignore[call-overload]
                CheckinRun.current_index == index,
            )
            .values(current_index=index + 1)
        ).rowcount
        == 1
    )
    session.flush()
    return stored and moved


def save_answers(session: Session, run: CheckinRun, answers: dict[int, tuple[str, bool]], *, now: datetime) -> None:
    """Write (or overwrite, for edits) several answers at once, as the form sends them."""
    existing = {a.question_index: a for a in session.exec(select(CheckinAnswer).where(CheckinAnswer.run_id == run.id))}
    for index, (text, skipped) in answers.items():
        row = existing.get(index)
        if row is None:
            session.add(
                CheckinAnswer(
                    team_id=run.team_id,
                    run_id=run.id,
                    question_index=index,
                    text=text,
                    skipped=skipped,
                    answered_at=now,
                    updated_at=now,
                )
            )
        elif (row.text, row.skipped) != (text, skipped):
            row.text, row.skipped, row.updated_at = text, skipped, now
    session.exec(
        _update(CheckinRun)
        .where(CheckinRun.id == run.id)  # type: ignore[call-overload]
        .values(current_index=max(run.current_index, max(answers, default=-1) + 1))
    )
    session.flush()


def complete(session: Session, run_id: int, *, now: datetime) -> bool:
    """The run is completed (once): True only for the call that completed it."""
    done = (
        session.exec(
            _update(CheckinRun)
            .where(
                CheckinRun.id == run_id,  # type: ignore[call-overload]
                CheckinRun.status.in_(("asking", "missed")),
            )  # type: ignore[attr-defined]
            .values(status="completed", completed_at=now)
        ).rowcount
        == 1
    )
    session.flush()
    return done


def mark_reminded(session: Session, run_id: int, *, now: datetime) -> None:
    session.exec(_update(CheckinRun).where(CheckinRun.id == run_id).values(reminded_at=now))  # type: ignore[call-overload]


# ------------------------------------------------------------------------------------------- reading


def answers_of(session: Session, run_ids: list[int]) -> list[CheckinAnswer]:
    if not run_ids:
        return []
    return list(session.exec(select(CheckinAnswer).where(CheckinAnswer.run_id.in_(run_ids))))  # type: ignore[attr-defined]


def members_by_id(session: Session, ids: Iterable[int]) -> dict[int, Member]:
    wanted = list(set(ids))
    if not wanted:
        return {}
    return {m.id: m for m in session.exec(select(Member).where(Member.id.in_(wanted)))}  # type: ignore[union-attr, misc]


def runs_by_id(session: Session, ids: Iterable[int]) -> list[CheckinRun]:
    return list(
        session.exec(
            select(CheckinRun)
            .where(CheckinRun.id.in_(list(ids)))  # type: ignore[union-attr]
            .order_by(CheckinRun.occurrence)
        )
    )


def previous_run(session: Session, run: CheckinRun) -> CheckinRun | None:
    """The rep's check-in before this one on the same schedule (for the confidence trend)."""
    return session.exec(
        select(CheckinRun)
        .where(
            CheckinRun.schedule_id == run.schedule_id,
            CheckinRun.member_id == run.member_id,
            CheckinRun.occurrence < run.occurrence,
        )
        .order_by(CheckinRun.occurrence.desc())
    ).first()  # type: ignore[attr-defined]


def previous_round(session: Session, schedule_id: int, before: datetime) -> list[CheckinRun]:
    """The runs of the schedule's round before `before` (the latest run of each rep that is older)."""
    rows = session.exec(
        select(CheckinRun)
        .where(
            CheckinRun.schedule_id == schedule_id,
            CheckinRun.occurrence < before - timedelta(days=1),
            CheckinRun.status == "completed",
        )
        .order_by(CheckinRun.occurrence.desc())
        .limit(200)
    ).all()  # type: ignore[attr-defined]
    latest: dict[int, CheckinRun] = {}
    for r in rows:
        latest.setdefault(r.member_id, r)
    return list(latest.values())


def last_sent_before(session: Session, member_id: int, before: datetime) -> datetime | None:
    """When the rep was last asked (the "since" of their figures)."""
    moment = session.exec(
        select(func.max(CheckinRun.sent_at)).where(CheckinRun.member_id == member_id, CheckinRun.sent_at < before)
    ).one()
    return utc(moment)


def history(
    session: Session, *, team_id: str, member_id: int, since: date | None, until: date | None, limit: int = 12
) -> list[CheckinRun]:
    """A rep's check-ins, newest first (those actually sent, and those skipped while away)."""
    where = [CheckinRun.team_id == team_id, CheckinRun.member_id == member_id, CheckinRun.status != "pending"]
    if since:
        where.append(CheckinRun.occurrence >= datetime.combine(since, time.min, tzinfo=UTC))
    if until:
        where.append(CheckinRun.occurrence < datetime.combine(until, time.min, tzinfo=UTC))
    return list(session.exec(select(CheckinRun).where(*where).order_by(CheckinRun.occurrence.desc()).limit(limit)))  # type: ignore[attr-defined]


def manages(session: Session, *, team_id: str, manager_user_id: str, manager_member_id: int, member: Member) -> bool:
    """Whether this manager may read the rep's answers: their own rep, a rep on one of their schedules, or a rep
    nobody manages yet who has never been asked anything (a CRM owner on the first day: their brief holds
    figures only, and there are no answers to keep private)."""
    if member.manager_id == manager_member_id:
        return True
    if member.manager_id is None and session.exec(
        select(CheckinRun.id).where(CheckinRun.team_id == team_id, CheckinRun.member_id == member.id).limit(1)
    ).first() is None:
        return True
    return (
        session.exec(
            select(CheckinScheduleRep.id)
            .join(CheckinSchedule, CheckinSchedule.id == CheckinScheduleRep.schedule_id)
            .where(
                CheckinSchedule.team_id == team_id,
                CheckinSchedule.manager_user_id == manager_user_id,
                CheckinScheduleRep.member_id == member.id,
            )
        ).first()
        is not None
    )


# --------------------------------------------------------------------------------------- round threads


def claim_round_thread(
    session: Session, *, team_id: str, schedule_id: int, round_date: date, channel_id: str
) -> tuple[int, str | None]:
    """(round id, thread ts). ts None: this caller must post the head and `set_round_thread`; 'claiming': another
    caller is posting it right now."""
    session.exec(
        _insert(session)(CheckinRound)
        .values(  # type: ignore[call-overload]
            team_id=team_id,
            schedule_id=schedule_id,
            round_date=round_date,
            channel_id=channel_id,
            created_at=clock.now(),
        )
        .on_conflict_do_nothing(index_elements=["schedule_id", "round_date"])
    )
    won = (
        session.exec(
            _update(CheckinRound)
            .where(  # type: ignore[call-overload]
                CheckinRound.schedule_id == schedule_id,
                CheckinRound.round_date == round_date,
                or_(
                    CheckinRound.thread_ts.is_(None),
                    and_(
                        CheckinRound.thread_ts == "claiming",  # type: ignore[union-attr]
                        CheckinRound.created_at < clock.now() - timedelta(minutes=5),
                    ),
                ),
            )
            .values(thread_ts="claiming", created_at=clock.now())
        ).rowcount
        == 1
    )
    session.commit()
    row = session.exec(
        select(CheckinRound).where(CheckinRound.schedule_id == schedule_id, CheckinRound.round_date == round_date)
    ).one()
    return row.id or 0, None if won else row.thread_ts


def set_round_thread(session: Session, round_id: int, thread_ts: str | None) -> None:
    session.exec(_update(CheckinRound).where(CheckinRound.id == round_id).values(thread_ts=thread_ts))  # type: ignore[call-overload]
    session.commit()


def round_thread(session: Session, round_id: int) -> str | None:
    session.expire_all()
    row = session.get(CheckinRound, round_id)
    return row.thread_ts if row else None


# ------------------------------------------------------------------------------------- for the brief


def open_deals(session: Session, *, team_id: str, member_id: int) -> list[Deal]:
    return list(
        session.exec(select(Deal).where(Deal.team_id == team_id, Deal.owner_id == member_id, Deal.status == "open"))
    )


def recent_feedback(session: Session, *, team_id: str, member_id: int, since: date) -> list[Feedback]:
    """Feedback on the rep: logged against them, or (logged against nobody) about an account they own a deal with."""
    accounts = select(Deal.account).where(Deal.team_id == team_id, Deal.owner_id == member_id, Deal.account != "")
    return list(
        session.exec(
            select(Feedback)
            .where(
                Feedback.team_id == team_id,
                Feedback.received_on >= since,
                or_(
                    Feedback.member_id == member_id,
                    and_(Feedback.member_id.is_(None), Feedback.account.in_(accounts.scalar_subquery())),  # type: ignore[union-attr]
                ),
            )  # type: ignore[attr-defined]
            .order_by(Feedback.received_on.desc())
            .limit(200)
        )
    )  # type: ignore[attr-defined]
