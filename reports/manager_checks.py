"""What a manager's other checks add to the 1:1 brief and the weekly digest, Slack-free.

The review's actions (`/review action`), the trainings ahead (`/training plan`), the competitors a rep meets
(lost deals naming a competitor, competitors named in the rep's check-in answers), and how current the deal data
is (the last import or CRM sync; data that ends before the period). Each part is a line only when it has
something to say, so a brief or digest without any of it reads as before. Lines are mrkdwn with data escaped.

The wording of one review action (`action_line`) lives here too: the review (reports/review.py), the brief and
the digest show an action the same way.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import case, func, select

from db.competitors import competitors_of
from db.models import CheckinAnswer, CheckinRun, CrmConnection, Deal, ImportRun, Member, ReviewAction
from db.training import upcoming
from reports import kpi_queries as q
from reports.formatting import date_short, money_short
from reports.i18n import add_messages, msg, t
from reports.kpi_engine import LeftOut
from reports.kpi_people import close_date_span
from reports.money_notes import left_out_flag
from reports.mrkdwn import escape

add_messages(
    msg("review.action.line", "#{id} {text}{owner}{due} · {state}"),
    msg("review.action.owner", " — {name}"),
    msg("review.action.due", " · due {day}"),
    msg("review.action.open", "open"),
    msg("review.action.done", "done ✅"),
    msg("review.action.overdue", "⚠ overdue"),
    msg("checks.actions.brief", "Review actions: {items}"),
    msg("checks.actions.digest", "Review actions: {open} open{overdue} — {items}"),
    msg("checks.actions.overdue", ", {count} overdue"),
    msg("checks.training.digest", "Training ahead: {items}"),
    msg("checks.training.item", "{topic} on {day} ({count} attending)"),
    msg("checks.training.brief", "Training ahead for {name}: {items}"),
    msg("checks.competitors.brief", "Competitors (last {days} days): {items}"),
    msg("checks.competitors.lost", "lost {deals} to {name} ({amount})"),
    msg("checks.competitors.named", "{name} named in {count} check-in answers"),
    msg("checks.fresh.stale",
        "⚠ Deal data last updated {day} ({days} days ago, {source}): anything newer in the CRM is not counted. "
        "Import a fresh export (`/salesbot import`) or connect the CRM (`/salesbot connect`)."),
    msg("checks.fresh.source.file", "file {name}"),
    msg("checks.fresh.source.sync", "sync from {crm}"),
    msg("checks.fresh.none",
        "⚠ No deal data yet: import the CRM export (`/salesbot import`) or connect the CRM (`/salesbot connect`); "
        "until then every figure is zero."),
    msg("checks.fresh.ends",
        "⚠ The deal data ends on {day}: no deal was won or lost after that, so this period's figures are zero. "
        "Import a newer export or connect the CRM."),
)

BRIEF_ACTIONS = 3
DIGEST_ACTIONS = 3
TRAINING_DAYS = 7  # the digest lists trainings planned in the coming week
COMPETITOR_DAYS = 90  # the brief looks at a rep's last quarter or so of losses and answers
STALE_DAYS = 7  # deal data older than this is said in the brief and the digest
ENDED_DAYS = 30  # no deal closed in the month before the period: the data ends there (a quiet week is not that)
CRM_NAMES = {"zoho": "Zoho CRM", "hubspot": "HubSpot", "fxiaoke": "Fxiaoke", "salesforce": "Salesforce"}


# ------------------------------------------------------------------------------------------- review actions
def action_line(action: ReviewAction, owner: Member | None, today: date, language: str) -> str:
    """'#3 Call every lost deal over 50k — Bob Stone · due Fri 15 Jan 2027 · ⚠ overdue'."""
    lang = language
    if action.status == "done":
        state = t("review.action.done", lang)
    elif action.due_date is not None and action.due_date < today:
        state = t("review.action.overdue", lang)
    else:
        state = t("review.action.open", lang)
    due = ""
    if action.due_date is not None:
        due = t("review.action.due", lang, day=f"{date_short(action.due_date, lang)} {action.due_date.year}")
    owner_text = t("review.action.owner", lang, name=escape(member_name(owner))) if owner is not None else ""
    return t("review.action.line", lang, id=action.id, text=escape(action.text), owner=owner_text, due=due,
             state=state)


def member_name(member: Member | None) -> str:
    if member is None:
        return "?"
    return member.display_name or member.crm_name or member.slack_user_id or "?"


def open_actions(session: Any, team_id: str, owner_id: int | None = None) -> list[ReviewAction]:
    """The workspace's open review actions (of every manager), or one owner's; overdue first, then by due day."""
    stmt = select(ReviewAction).where(ReviewAction.team_id == team_id, ReviewAction.status == "open")
    if owner_id is not None:
        stmt = stmt.where(ReviewAction.owner_id == owner_id)
    rows = list(session.execute(stmt).scalars())
    return sorted(rows, key=lambda a: (a.due_date or date.max, a.id or 0))


def _owners(session: Any, actions: list[ReviewAction]) -> dict[int, Member]:
    ids = {a.owner_id for a in actions if a.owner_id}
    if not ids:
        return {}
    return {m.id: m for m in session.execute(select(Member).where(Member.id.in_(ids))).scalars()}  # type: ignore[union-attr, misc]


def actions_brief_line(session: Any, team_id: str, member_id: int, today: date, language: str) -> str | None:
    """The rep's open review actions: what was agreed in the last review, to follow up in the 1:1."""
    actions = open_actions(session, team_id, owner_id=member_id)
    if not actions:
        return None
    sep = "；" if language == "zh" else "; "
    items = sep.join(action_line(a, None, today, language) for a in actions[:BRIEF_ACTIONS])
    return t("checks.actions.brief", language, items=items)


def actions_digest_line(session: Any, team_id: str, today: date, language: str) -> str | None:
    """'Review actions: 4 open, 1 overdue — #1 … — Alice Chen · due … · ⚠ overdue; …' (only when some are open)."""
    actions = open_actions(session, team_id)
    if not actions:
        return None
    overdue = [a for a in actions if a.due_date is not None and a.due_date < today]
    owners = _owners(session, actions)
    shown = (overdue or actions)[:DIGEST_ACTIONS]
    sep = "；" if language == "zh" else "; "
    items = sep.join(action_line(a, owners.get(a.owner_id or 0), today, language) for a in shown)
    more = t("checks.actions.overdue", language, count=len(overdue)) if overdue else ""
    return t("checks.actions.digest", language, open=len(actions), overdue=more, items=items)


# ------------------------------------------------------------------------------------------------ training
def _training_items(session: Any, team_id: str, today: date, language: str, member_id: int | None) -> list[str]:
    from db.training import attendee_ids

    items = []
    for training in upcoming(session, team_id, today):
        if training.day >= today + timedelta(days=TRAINING_DAYS):
            break
        attendees = attendee_ids(session, training.id or 0)
        if member_id is not None and member_id not in attendees:
            continue
        items.append(t("checks.training.item", language, topic=escape(training.topic),
                       day=date_short(training.day, language), count=len(attendees)))
    return items


def training_digest_line(session: Any, team_id: str, today: date, language: str) -> str | None:
    """Trainings planned in the coming week, with how many attend (`/training plan`)."""
    items = _training_items(session, team_id, today, language, None)
    return t("checks.training.digest", language, items=" · ".join(items)) if items else None


def training_brief_line(session: Any, team_id: str, member_id: int, name: str, today: date,
                        language: str) -> str | None:
    items = _training_items(session, team_id, today, language, member_id)
    return t("checks.training.brief", language, name=name, items=" · ".join(items)) if items else None


# --------------------------------------------------------------------------------------------- competitors
@dataclass(frozen=True)
class CompetitorLoss:
    name: str
    deals: int
    cents: int  # in the reporting currency (deals without a rate are counted, not summed)
    left_out: tuple[LeftOut, ...] = ()  # those deals, per currency: said beside the amount, never added


def competitor_losses(session: Any, team_id: str, member_id: int, since: date, until: date) -> list[CompetitorLoss]:
    """The rep's deals lost in [since, until) that name a competitor, per competitor, money converted in SQL at
    each deal's close-date rate (never added one for one across currencies)."""
    from reports import kpi_engine

    f = q.Filters(team_id, member_id, currency=kpi_engine.reporting_currency(session, kpi_engine.Scope(team_id)))
    where = [Deal.team_id == team_id, Deal.owner_id == member_id, Deal.status == "lost", Deal.competitor != "",
             Deal.close_date >= since, Deal.close_date < until]
    rates = q.rates_in_force(session, f, since, until)
    sums = q.money_sums(session, f, where, Deal.competitor, rates, Deal.close_date)
    found = [CompetitorLoss(str(name), s.deals, s.cents,
                            tuple(LeftOut(cur, n, c) for cur, (n, c) in sorted(s.left_out.items())))
             for name, s in sums.items() if name]
    return sorted(found, key=lambda c: (-c.deals, -c.cents, c.name))


def competitor_mentions(session: Any, team_id: str, member_id: int, since: date, until: date) -> list[tuple[str, int]]:
    """How many of the rep's check-in answers in [since, until) name each competitor the manager keeps (SQL)."""
    from reports.market import like_pattern

    names = [c.name for c in competitors_of(session, team_id)]
    if not names:
        return []
    ans, run = CheckinAnswer.__table__.c, CheckinRun.__table__.c  # type: ignore[attr-defined]
    counts = [func.coalesce(func.sum(case((ans.text.ilike(like_pattern(n), escape="\\"), 1), else_=0)), 0)
              for n in names]
    joined = CheckinAnswer.__table__.join(CheckinRun.__table__, run.id == ans.run_id)  # type: ignore[attr-defined]
    row = session.execute(
        select(*counts).select_from(joined).where(
            ans.team_id == team_id, run.team_id == team_id, run.member_id == member_id,
            ans.answered_at >= datetime.combine(since, time(), UTC),
            ans.answered_at < datetime.combine(until, time(), UTC),
        )
    ).one()
    return sorted(((n, int(row[i] or 0)) for i, n in enumerate(names) if row[i]), key=lambda p: (-p[1], p[0]))


def competitors_brief_line(session: Any, team_id: str, member_id: int, today: date, currency: str,
                           language: str) -> str | None:
    """'Competitors (last 90 days): lost 2 to Acme (US$40K); Acme named in 1 check-in answers'."""
    since, until = today - timedelta(days=COMPETITOR_DAYS), today + timedelta(days=1)
    parts = [t("checks.competitors.lost", language, deals=c.deals, name=escape(c.name),
               amount=" ".join(filter(None, (money_short(c.cents, currency, language),
                                             left_out_flag(c.left_out, language)))))
             for c in competitor_losses(session, team_id, member_id, since, until)[:3]]
    parts += [t("checks.competitors.named", language, name=escape(name), count=count)
              for name, count in competitor_mentions(session, team_id, member_id, since, until)[:3]]
    if not parts:
        return None
    sep = "；" if language == "zh" else "; "
    return t("checks.competitors.brief", language, days=COMPETITOR_DAYS, items=sep.join(parts))


# ------------------------------------------------------------------------------------------ data freshness
@dataclass(frozen=True)
class Freshness:
    updated_at: datetime | None  # the last import of deals or CRM sync that finished (None: not known)
    source: str  # "file" | "sync"
    name: str  # the file's name or the CRM's
    connected: bool  # a CRM connection is live (it syncs on its own)
    data_end: date | None  # the latest close date of a won or lost deal
    has_deals: bool = True  # False: the workspace has no deal at all (day one, nothing imported or synced)


def freshness(session: Any, team_id: str) -> Freshness:
    """When the workspace's deal data was last brought in, and how far its dates reach: three index reads."""
    run = session.execute(
        select(ImportRun.finished_at, ImportRun.filename).where(
            ImportRun.team_id == team_id, ImportRun.kind == "deals", ImportRun.status == "done",
            ImportRun.finished_at.is_not(None),  # type: ignore[union-attr]
        ).order_by(ImportRun.finished_at.desc()).limit(1)  # type: ignore[union-attr]
    ).first()
    sync = session.execute(
        select(CrmConnection.last_sync_at, CrmConnection.kind, CrmConnection.status).where(
            CrmConnection.team_id == team_id, CrmConnection.last_sync_at.is_not(None),  # type: ignore[union-attr]
        ).order_by(CrmConnection.last_sync_at.desc()).limit(1)  # type: ignore[union-attr]
    ).first()
    connected = bool(session.execute(
        select(func.count()).select_from(CrmConnection).where(CrmConnection.team_id == team_id,
                                                              CrmConnection.status == "connected")
    ).scalar())
    # Closed deals only: an open deal without a created date in the export is dated by its import day.
    # Read per status off the status index (a `!=` would read every closed deal's entry: ~1 s at 10M deals).
    _first, closed = close_date_span(session, team_id, except_status="open")
    candidates = []
    if run is not None:
        candidates.append((_aware(run[0]), "file", run[1] or ""))
    if sync is not None:
        candidates.append((_aware(sync[0]), "sync", CRM_NAMES.get(sync[1], sync[1])))
    latest = max(candidates, key=lambda c: c[0]) if candidates else (None, "", "")
    has_deals = candidates or closed is not None or session.execute(
        select(Deal.id).where(Deal.team_id == team_id).limit(1)).first() is not None
    return Freshness(latest[0], latest[1], latest[2], connected, closed, bool(has_deals))


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def freshness_line(fresh: Freshness, *, period_start: date, now: datetime, language: str) -> str | None:
    """A warning when the figures rest on no data (nothing imported or synced yet) or on old data: the deal data
    ends before the period (no deal closed in the 30 days before it: its figures are zero because of that, not
    because nothing was sold), or it was last brought in over a week ago and no CRM syncs it. Nothing when the
    data is current or when where it came from is not known (the demo)."""
    if not fresh.has_deals and not fresh.connected:
        return t("checks.fresh.none", language)
    ended = fresh.data_end is not None and fresh.data_end < period_start - timedelta(days=ENDED_DAYS)
    if ended and fresh.updated_at is not None and fresh.data_end is not None:
        return t("checks.fresh.ends", language, day=f"{date_short(fresh.data_end, language)} {fresh.data_end.year}")
    if fresh.updated_at is None or fresh.connected:
        return None
    days = (now - fresh.updated_at).days
    if days < STALE_DAYS:
        return None
    source = t(f"checks.fresh.source.{fresh.source}", language,
               name=escape(fresh.name or "?"), crm=escape(fresh.name or "?"))
    day = fresh.updated_at.date()
    return t("checks.fresh.stale", language, day=f"{date_short(day, language)} {day.year}", days=days,
             source=source)
