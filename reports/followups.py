"""CRM follow-up reminders, Slack-free: which of a rep's open deals need a touch today, and the words for it.

A deal needs one when (first that applies, each deal listed once):
- `overdue`: its expected close date (the open deal's close date) has passed;
- `next_step`: its next step is due (next step date today or earlier);
- `stale`: it has not moved for `stale_days` days: its last activity in the CRM (last activity / stage change
  column), else the last import that changed it, else its created date.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select

from db.models import Deal
from reports.formatting import date_short, money, number
from reports.i18n import add_messages, msg, t
from reports.mrkdwn import capped, escape

KINDS = ("overdue", "next_step", "stale")
SHOWN = 10  # deals listed per kind; the rest are counted

add_messages(
    msg("followup.title", "*Your deals to follow up · {day}*"),
    msg("followup.kind.overdue", "Past their expected close date ({n})"),
    msg("followup.kind.next_step", "Next step due ({n})"),
    msg("followup.kind.stale", "Not moved for {days}+ days ({n})"),
    msg("followup.overdue", "expected {day} ({days} days ago)"),
    msg("followup.next_step", "“{step}” due {day}"),
    msg("followup.next_step_bare", "next step due {day}"),
    msg("followup.stale", "last moved {day} ({days} days)"),
    msg("followup.more", "… and {n} more"),
    msg("followup.footer", "Update them in the CRM; the next import clears them. Your manager turns these reminders on "
        "or off with `/followup`."),
    msg("followup.nothing", "Nothing to follow up today: no deal is past its close date, has a next step due or has "
        "stood still for {days}+ days."),
)


@dataclass(frozen=True)
class FollowUp:
    kind: str
    deal_id: int
    name: str
    account: str
    amount_cents: int
    currency: str
    day: date  # the date the reason is about: expected close, next step due, last movement
    next_step: str = ""


def followups_for(session: Any, team_id: str, member_id: int, today: date, stale_days: int) -> list[FollowUp]:
    """The rep's open deals that need a follow-up on `today` (their local day), most urgent kind first, oldest first."""
    d = Deal.__table__.c  # type: ignore[attr-defined]
    stmt = select(d.id, d.name, d.account, d.amount_cents, d.currency, d.close_date, d.next_step, d.next_step_date,
                  d.last_activity_date, d.updated_at, d.created_date).where(
        d.team_id == team_id, d.owner_id == member_id, d.status == "open")
    stale_before = today - timedelta(days=stale_days)
    found: list[FollowUp] = []
    for row in session.execute(stmt):
        (deal_id, name, account, cents, currency, close, step, step_day, activity, updated, created) = row
        moved = activity or (updated.date() if updated is not None else None) or created
        base = dict(deal_id=int(deal_id), name=name or "", account=account or "", amount_cents=int(cents or 0),
                    currency=currency, next_step=step or "")
        if close is not None and close < today:
            found.append(FollowUp("overdue", day=close, **base))
        elif step_day is not None and step_day <= today:
            found.append(FollowUp("next_step", day=step_day, **base))
        elif moved is not None and moved <= stale_before:
            found.append(FollowUp("stale", day=moved, **base))
    return sorted(found, key=lambda f: (KINDS.index(f.kind), f.day, f.deal_id))


def reminder_lines(items: list[FollowUp], *, today: date, stale_days: int, language: str) -> list[str]:
    """The DM: a title, then per kind a heading and one line per deal (escaped CRM text), then what to do."""
    lang = language
    lines = [t("followup.title", lang, day=date_short(today, lang))]
    for kind in KINDS:
        mine = [f for f in items if f.kind == kind]
        if not mine:
            continue
        lines.append("*" + t(f"followup.kind.{kind}", lang, n=number(len(mine), lang), days=stale_days) + "*")
        for f in mine[:SHOWN]:
            lines.append(_line(f, today, lang))
        if len(mine) > SHOWN:
            lines.append(t("followup.more", lang, n=number(len(mine) - SHOWN, lang)))
    lines.append(t("followup.footer", lang))
    return lines


def _line(f: FollowUp, today: date, lang: str) -> str:
    who = escape(capped(f.name or f.account, 80))
    if f.account and f.name and f.account != f.name:
        who += f" — {escape(capped(f.account, 60))}"
    amount = money(f.amount_cents, f.currency, lang)
    day, days = date_short(f.day, lang), (today - f.day).days
    if f.kind == "overdue":
        why = t("followup.overdue", lang, day=day, days=number(days, lang))
    elif f.kind == "next_step":
        why = (t("followup.next_step", lang, step=escape(capped(f.next_step, 80)), day=day) if f.next_step
               else t("followup.next_step_bare", lang, day=day))
    else:
        why = t("followup.stale", lang, day=day, days=number(days, lang))
    return f"• {who} · {amount} · {why}"
