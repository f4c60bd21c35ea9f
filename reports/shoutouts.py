"""Recognition: which reps have passed a revenue target whose period is running, and the short message that says so.

A target counts when it is a rep's own revenue target (no product or account) and today is inside its period;
revenue is the KPI engine's, one grouped query per distinct target period (months and quarters: a handful), the
target's value by the one rule of reports/targets.py (converted to the reporting currency). The scheduler sends
each one once (handlers/incentive/shoutouts.py, through the delivery ledger).
"""

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select

from db.models import Member, Target
from reports import kpi_engine as kpi
from reports.formatting import money, percent
from reports.i18n import add_messages, msg, t
from reports.periods import Period
from reports.target_words import named_period
from reports.targets import rep_targets_cents

add_messages(
    msg("shoutout.text", "🎉 {who} passed the {period} target: {revenue} of {target} ({att}). Well done!"),
)


@dataclass(frozen=True)
class Passed:
    target_id: int
    member_id: int
    slack_user_id: str | None
    name: str
    start: date
    end: date
    revenue: int
    target: int


def passed(session: Any, team_id: str, today: date) -> list[Passed]:
    """Every rep target running today that the rep's revenue has reached."""
    rows = session.execute(
        select(Target.id, Target.member_id, Target.period_start, Target.period_end).where(
            Target.team_id == team_id, Target.metric == "revenue", Target.member_id.is_not(None),  # type: ignore[union-attr]
            Target.product.is_(None), Target.account.is_(None),  # type: ignore[union-attr]
            Target.period_start <= today, Target.period_end > today,
        )
    ).all()
    periods: dict[tuple[date, date], list[tuple[int, int]]] = {}
    for target_id, member_id, start, end in rows:
        periods.setdefault((start, end), []).append((int(target_id), int(member_id)))
    out: list[Passed] = []
    for (start, end), targets in periods.items():
        values = rep_targets_cents(session, team_id=team_id, metric="revenue", start=start, end=end)
        if not any(values.get(m) for _t, m in targets):
            continue
        revenue = {r.key: int(r.value.value or 0) for r in kpi.breakdown(
            session, "revenue", kpi.Scope(team_id), Period(start, end, "range"), "rep", today=today)}
        for target_id, member_id in targets:
            value = values.get(member_id)
            if value and revenue.get(member_id, 0) >= value:
                out.append(Passed(target_id, member_id, None, "", start, end, revenue[member_id], value))
    if not out:
        return out
    people = {int(i): (s, d) for i, s, d in session.execute(
        select(Member.id, Member.slack_user_id, Member.display_name).where(
            Member.id.in_([p.member_id for p in out])))}  # type: ignore[union-attr]
    return [Passed(p.target_id, p.member_id, people.get(p.member_id, (None, ""))[0],
                   people.get(p.member_id, (None, ""))[1] or "", p.start, p.end, p.revenue, p.target) for p in out]


def shoutout_text(p: Passed, currency: str, lang: str, fiscal_year_start_month: int = 1) -> str:
    from reports.mrkdwn import escape

    who = f"<@{p.slack_user_id}>" if p.slack_user_id else f"*{escape(p.name)}*"
    return t("shoutout.text", lang, who=who, period=named_period(p.start, p.end, lang, fiscal_year_start_month),
             revenue=money(p.revenue, currency, lang), target=money(p.target, currency, lang),
             att=percent(p.revenue / p.target, lang, 0))
