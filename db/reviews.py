"""Review rounds, their schedules and the actions a manager records: the queries.

Why it is shaped like this:
- A round is unique per (workspace, manager, period): two instances, a retried tick or `/review start` typed
  twice open it once, so every rep is asked once per period.
- A round's reflections are check-in runs on a schedule of their own (`purpose = "review"`, no reps listed, so
  the check-in job never asks it): the DM conversation, the form, skipping and late answers are the check-in's.
"""

from datetime import date, datetime, timedelta

from sqlalchemy import and_, or_
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from db import clock
from db.models import CheckinRun, CheckinSchedule, Member, ReviewAction, ReviewRound, ReviewSchedule

ASK_HOURS = 72  # a rep has three days to reflect from the moment they are asked
REMIND_HOURS = 24  # one reminder, a day before that
CLOSES_AFTER = timedelta(hours=ASK_HOURS + 24)  # after every rep's deadline (each is asked within a day of opening)


def set_schedule(session: Session, *, team_id: str, manager_user_id: str, cadence: str, active: bool) -> ReviewSchedule:
    """Turn the manager's monthly or quarterly review on or off (one row per cadence)."""
    row = session.exec(
        select(ReviewSchedule).where(
            ReviewSchedule.team_id == team_id,
            ReviewSchedule.manager_user_id == manager_user_id,
            ReviewSchedule.cadence == cadence,
        )
    ).first()
    if row is None:
        row = ReviewSchedule(team_id=team_id, manager_user_id=manager_user_id, cadence=cadence, active=active)
        session.add(row)
    elif row.active != active:
        row.active = active
        if active:
            row.created_at = clock.now()  # rounds start from the period that ends after it is turned on again
    session.flush()
    return row


def schedules_of(session: Session, *, team_id: str, manager_user_id: str) -> list[ReviewSchedule]:
    return list(
        session.exec(
            select(ReviewSchedule)
            .where(
                ReviewSchedule.team_id == team_id,
                ReviewSchedule.manager_user_id == manager_user_id,
                ReviewSchedule.active.is_(True),
            )
            .order_by(ReviewSchedule.cadence)
        )
    )


def active_schedules(session: Session) -> list[ReviewSchedule]:
    return list(session.exec(select(ReviewSchedule).where(ReviewSchedule.active.is_(True))))


def manager_reps(session: Session, *, team_id: str, manager_member_id: int | None) -> list[Member]:
    """The reps a manager reviews: those who report to them; a team nobody was put under yet: every active rep
    reachable in Slack. Sorted by name."""
    base = [Member.team_id == team_id, Member.active.is_(True), Member.slack_user_id.is_not(None)]  # type: ignore[union-attr]
    mine = list(
        session.exec(select(Member).where(*base, Member.manager_id == manager_member_id).order_by(Member.display_name))
    )
    if mine:
        return mine
    return list(
        session.exec(
            select(Member)
            .where(*base, Member.role == "rep", Member.id != (manager_member_id or 0))
            .order_by(Member.display_name)
        )
    )


def round_for(session: Session, *, team_id: str, manager_user_id: str, start: date, end: date) -> ReviewRound | None:
    return session.exec(
        select(ReviewRound).where(
            ReviewRound.team_id == team_id,
            ReviewRound.manager_user_id == manager_user_id,
            ReviewRound.period_start == start,
            ReviewRound.period_end == end,
        )
    ).first()


def open_round(
    session: Session,
    *,
    team_id: str,
    manager_user_id: str,
    cadence: str,
    start: date,
    end: date,
    member_ids: list[int],
    opens_at: datetime,
) -> tuple[ReviewRound, bool]:
    """The round of this period (created once: True when this call made it) with its reflection schedule."""
    existing = round_for(session, team_id=team_id, manager_user_id=manager_user_id, start=start, end=end)
    if existing is not None:
        return existing, False
    try:
        with session.begin_nested():
            carrier = CheckinSchedule(
                team_id=team_id,
                manager_user_id=manager_user_id,
                purpose="review",
                cadence=cadence,
                deadline_hours=ASK_HOURS,
                reminder_hours_before=REMIND_HOURS,
            )
            session.add(carrier)
            session.flush()
            row = ReviewRound(
                team_id=team_id,
                manager_user_id=manager_user_id,
                cadence=cadence,
                period_start=start,
                period_end=end,
                checkin_schedule_id=int(carrier.id or 0),
                member_ids=list(dict.fromkeys(member_ids)),
                opens_at=opens_at,
                closes_at=opens_at + CLOSES_AFTER,
            )
            session.add(row)
            session.flush()
        return row, True
    except IntegrityError:  # another instance opened it a moment ago
        found = round_for(session, team_id=team_id, manager_user_id=manager_user_id, start=start, end=end)
        assert found is not None
        return found, False


def rounds_asking(session: Session, now: datetime) -> list[ReviewRound]:
    """Rounds open at `now` (reps may still have to be asked)."""
    return list(
        session.exec(
            select(ReviewRound).where(ReviewRound.opens_at <= now, ReviewRound.closes_at > now)  # type: ignore[arg-type]
        )
    )


def rounds_closed(session: Session, now: datetime, *, lookback: timedelta) -> list[ReviewRound]:
    """Rounds that closed in (now - lookback, now]: their review is due."""
    return list(
        session.exec(
            select(ReviewRound).where(
                ReviewRound.closes_at <= now, ReviewRound.closes_at > now - lookback  # type: ignore[arg-type]
            )
        )
    )


def round_of_schedule(session: Session, checkin_schedule_id: int) -> ReviewRound | None:
    return session.exec(select(ReviewRound).where(ReviewRound.checkin_schedule_id == checkin_schedule_id)).first()


def reflections(session: Session, review: ReviewRound) -> list[CheckinRun]:
    """The round's runs, one per rep asked (answers in CheckinAnswer)."""
    return list(session.exec(select(CheckinRun).where(CheckinRun.schedule_id == review.checkin_schedule_id)))


def previous_round_end(session: Session, *, team_id: str, manager_user_id: str, before: date) -> date | None:
    """Where the manager's previous review ended (actions done since then are reported in this one)."""
    return session.exec(
        select(ReviewRound.period_end)
        .where(
            ReviewRound.team_id == team_id,
            ReviewRound.manager_user_id == manager_user_id,
            ReviewRound.period_end < before,
        )
        .order_by(ReviewRound.period_end.desc())  # type: ignore[attr-defined]
    ).first()


# --------------------------------------------------------------------------------------------- actions


def add_action(
    session: Session, *, team_id: str, manager_user_id: str, text: str, owner_id: int | None, due_date: date | None
) -> ReviewAction:
    row = ReviewAction(
        team_id=team_id, manager_user_id=manager_user_id, text=text[:500], owner_id=owner_id, due_date=due_date
    )
    session.add(row)
    session.flush()
    return row


def actions_of(
    session: Session, *, team_id: str, manager_user_id: str, done_since: datetime | None = None
) -> list[ReviewAction]:
    """The manager's open actions, and those done since `done_since` (None: open ones only); by due date."""
    state = ReviewAction.status == "open"
    if done_since is not None:
        state = or_(state, and_(ReviewAction.status == "done", ReviewAction.done_at >= done_since))  # type: ignore[assignment, operator]
    rows = session.exec(
        select(ReviewAction).where(
            ReviewAction.team_id == team_id, ReviewAction.manager_user_id == manager_user_id, state
        )
    ).all()
    return sorted(rows, key=lambda a: (a.status != "open", a.due_date or date.max, a.id or 0))


def mark_done(session: Session, *, team_id: str, manager_user_id: str, action_id: int) -> ReviewAction | None:
    """The action marked done (once; an action already done is returned as it is); None: not the manager's."""
    row = session.get(ReviewAction, action_id)
    if row is None or row.team_id != team_id or row.manager_user_id != manager_user_id:
        return None
    if row.status != "done":
        row.status, row.done_at = "done", clock.now()
        session.flush()
    return row
