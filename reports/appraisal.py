"""The appraisal of one rep for one period: revenue vs target, win rate, customer satisfaction, check-in
participation and the manager's teamwork rating, side by side, with what the rep earned.

Every figure has one source: revenue, target and win rate the KPI engine; CSAT the engine's feedback counts on the
feedback linked to the rep (their accounts); check-ins the engine's counts of the rep's check-ins sent in the
period; the rating db/incentives.py; earnings reports/incentives.py.
"""

from dataclasses import dataclass
from datetime import date
from typing import Any

from db import incentives as store
from db.models import Member, TeamworkRating
from reports import incentives
from reports import kpi_engine as kpi
from reports import kpi_queries as q
from reports.formatting import money, percent
from reports.i18n import add_messages, msg, nmsg, t, tn
from reports.mrkdwn import capped, escape

add_messages(
    msg("appraisal.rate_example", "/incentive rate {mention} 4 \"…\""),
    msg("appraisal.title", "*Appraisal · {name} · {period}*"),
    msg("appraisal.revenue", "Revenue vs target: {revenue} of {target} ({att}) {mark}"),
    msg("appraisal.revenue_no_target", "Revenue: {revenue} (no target for this period)"),
    nmsg("appraisal.win_rate", "Win rate: {rate} · {won} deal won", "Win rate: {rate} · {won} deals won"),
    msg("appraisal.team", " · team {value}"),
    msg("appraisal.win_rate_none", "Win rate: no deals closed"),
    nmsg("appraisal.csat", "Customer satisfaction (CSAT): {csat} ({high} of {n} rating 4–5★)",
         "Customer satisfaction (CSAT): {csat} ({high} of {n} ratings 4–5★)"),
    msg("appraisal.csat_none", "Customer satisfaction (CSAT): no ratings on their accounts"),
    msg("appraisal.checkins", "Check-ins: answered {done} of {sent} ({rate})"),
    msg("appraisal.checkins_none", "Check-ins: none sent in this period"),
    msg("appraisal.teamwork", "Teamwork: {rating}/5 — “{comment}” ({by})"),
    msg("appraisal.teamwork_none", "Teamwork: not rated yet — `{example}`"),
    msg("appraisal.teamwork_not_yet", "Teamwork: not rated yet"),
    msg("appraisal.earnings", "Earnings: {total} (`/incentive {ask}` shows the calculation)"),
)


@dataclass
class Appraisal:
    name: str
    slack_user_id: str | None
    period: Any
    currency: str
    revenue: int
    target: int | None
    win_rate: float | None
    deals_won: int
    ratings: tuple[int, int]  # (5-point ratings, of them 4-5)
    checkins: tuple[int, int]  # (sent, answered)
    rating: TeamworkRating | None
    rated_by: str
    earnings: int | None  # None: no plan applies
    team_win_rate: float | None = None  # the whole team's, for comparison
    team_csat: float | None = None
    team_checkin_rate: float | None = None


def appraisal(session: Any, team_id: str, rep: Member, period: Any, *, today: date) -> Appraisal:
    member_id = int(rep.id or 0)
    scope = kpi.Scope(team_id, member_id=member_id)
    figures = kpi.compute_many(session, ["revenue", "win_rate", "deals_won"], scope, period, today=today)
    team = kpi.compute_many(session, ["win_rate", "csat", "checkin_rate"], kpi.Scope(team_id), period, today=today)
    f = q.Filters(team_id, member_id)
    n, high, _low = q.feedback_stats(session, f, period.start, period.end, 5).get(None, (0, 0, 0))
    sent, done = q.checkin_stats(session, f, period.start, period.end).get(None, (0, 0))
    rating = store.rating_for(session, team_id, member_id, period.start, period.end)
    rated_by = ""
    if rating is not None and rating.rated_by:
        from db.members import member_by_slack_id

        by = member_by_slack_id(session, team_id, rating.rated_by)
        rated_by = (by.display_name if by is not None else "") or rating.rated_by
    st = incentives.statements(session, team_id, period, today=today, member_id=member_id)
    earned = st.reps[0].statement if st.reps else None
    return Appraisal(
        name=rep.display_name or rep.crm_name or "?",
        slack_user_id=rep.slack_user_id,
        period=period,
        currency=kpi.reporting_currency(session, scope),
        revenue=int(figures["revenue"].value or 0),
        target=kpi.target_for(session, scope, "revenue", period),
        win_rate=figures["win_rate"].value,  # type: ignore[arg-type]
        deals_won=int(figures["deals_won"].value or 0),
        ratings=(n, high),
        checkins=(sent, done),
        rating=rating,
        rated_by=rated_by,
        earnings=earned.total_cents if earned is not None else None,
        team_win_rate=team["win_rate"].value,  # type: ignore[arg-type]
        team_csat=team["csat"].value,  # type: ignore[arg-type]
        team_checkin_rate=team["checkin_rate"].value,  # type: ignore[arg-type]
    )


def _team(value: float | None, lang: str) -> str:
    """" · team 60%": the rep's figure beside the whole team's, when the team has one."""
    return t("appraisal.team", lang, value=percent(value, lang, 0)) if value is not None else ""


def appraisal_lines(a: Appraisal, lang: str, *, for_manager: bool = True) -> list[str]:
    """The appraisal, one line per figure; a manager is shown how to rate teamwork, a rep only that it is not yet."""
    cur = a.currency
    lines = [t("appraisal.title", lang, name=escape(a.name), period=a.period.label(lang))]
    if a.target:
        att = a.revenue / a.target
        lines.append(t("appraisal.revenue", lang, revenue=money(a.revenue, cur, lang),
                       target=money(a.target, cur, lang), att=percent(att, lang, 0), mark="✅" if att >= 1 else ""))
    else:
        lines.append(t("appraisal.revenue_no_target", lang, revenue=money(a.revenue, cur, lang)))
    if a.win_rate is not None:
        lines.append(tn("appraisal.win_rate", a.deals_won, lang, rate=percent(a.win_rate, lang, 0), won=a.deals_won)
                     + _team(a.team_win_rate, lang))
    else:
        lines.append(t("appraisal.win_rate_none", lang))
    n, high = a.ratings
    if n:
        lines.append(tn("appraisal.csat", n, lang, csat=percent(high / n, lang, 0), high=high)
                     + _team(a.team_csat, lang))
    else:
        lines.append(t("appraisal.csat_none", lang))
    sent, done = a.checkins
    if sent:
        lines.append(t("appraisal.checkins", lang, done=done, sent=sent, rate=percent(done / sent, lang, 0))
                     + _team(a.team_checkin_rate, lang))
    else:
        lines.append(t("appraisal.checkins_none", lang))
    mention = f"<@{a.slack_user_id}>" if a.slack_user_id else "@rep"
    if a.rating is not None:
        lines.append(t("appraisal.teamwork", lang, rating=a.rating.rating,
                       comment=escape(capped(a.rating.comment or "—", 300)), by=escape(a.rated_by)))
    elif for_manager:
        example = t("appraisal.rate_example", lang, mention=mention)
        lines.append(t("appraisal.teamwork_none", lang, example=example))
    else:
        lines.append(t("appraisal.teamwork_not_yet", lang))
    if a.earnings is not None:
        lines.append(t("appraisal.earnings", lang, total=money(a.earnings, cur, lang), ask=mention))
    return lines
