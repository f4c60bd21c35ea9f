"""The monthly or quarterly review, Slack-free: one document the Slack message and the PDF both render.

`compose_review` gathers, for one manager and one period (a calendar month or a fiscal quarter): the period's
KPIs against targets (the digest's review, reports/digest.py, so the figures and words are the digest's), the
market view (reports/market.py), the customer feedback summary (reports/feedback_analysis.py), the trainings held
(reports/training.py), every rep's reflection with their own figures (the one KPI engine), and the actions the
manager recorded, with what is open, done and overdue. Lines are mrkdwn (data escaped): handlers/review.py posts
them, reports/review_pdf.py writes them as a PDF.

The reflection questions and a rep's own figures for the DM are here too (`reflection_questions`, `rep_figures`).
"""

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from db import reviews as store
from db.models import CheckinRun, Member
from db.training import held_between
from reports import feedback_themes, incentives
from reports import kpi_engine as kpi
from reports.changes import change_text
from reports.checkins import run_views
from reports.digest import build_digest, digest_lines
from reports.feedback_analysis import FeedbackSummary, summarise
from reports.formatting import money, number, percent
from reports.i18n import add_messages, msg, nmsg, t, tn
from reports.manager_checks import action_line, member_name
from reports.market import market_view
from reports.market_text import market_lines
from reports.market_trend import market_trend, trend_buckets
from reports.market_trend_text import review_line
from reports.mrkdwn import escape
from reports.periods import Period, month_of, quarter_of
from reports.training import effect_lines, training_effect

add_messages(
    msg("review.q.worked", "Looking back on {period}: what worked well?"),
    msg("review.q.did_not", "What did not work?"),
    msg("review.q.change", "What will you change next {unit}?"),
    msg("review.q.need", "What do you need from me or the team?"),
    msg("review.unit.monthly", "month"),
    msg("review.unit.quarterly", "quarter"),
    msg("review.label.0", "Worked"),
    msg("review.label.1", "Did not work"),
    msg("review.label.2", "Will change"),
    msg("review.label.3", "Needs"),
    nmsg("review.figures", "{revenue} won{target} · win rate {win_rate} · {deals} deal won",
         "{revenue} won{target} · win rate {win_rate} · {deals} deals won"),
    msg("review.figures.target", " of {target} target ({pct})"),
    msg("review.figures.no_target", " (no target)"),
    msg("review.section.kpis", "Numbers vs targets"),
    msg("review.section.market", "Market"),
    msg("review.section.feedback", "Customer feedback"),
    msg("review.section.training", "Training"),
    msg("review.section.reflections", "Reflections ({answered} of {asked} answered)"),
    msg("review.section.reflections_none", "Reflections"),
    msg("review.section.actions", "Actions"),
    msg("review.feedback.none", "No customer feedback in this period."),
    nmsg("review.feedback.head", "{n} item · CSAT {csat} · NPS {nps}", "{n} items · CSAT {csat} · NPS {nps}"),
    msg("review.feedback.complaints", "Top complaints: {themes}"),
    msg("review.feedback.praise", "Praised: {themes}"),
    msg("review.feedback.at_risk", "Accounts at risk: {accounts}"),
    msg("review.training.none", "No training was held in this period."),
    msg("review.section.incentives", "Incentives"),
    msg("review.incentives.none",
        "No commission plan yet: `/incentive plan set rate 5% tiers 100k:8% accelerator 1.5 cap 20k bonus 2k`"),
    msg("review.reflection.missed", "_did not answer_"),
    msg("review.reflection.away", "_away_"),
    msg("review.reflection.asking", "_answering_"),
    msg("review.reflection.not_asked", "_not asked yet_"),
    msg("review.reflection.skipped", "_skipped_"),
    msg("review.reflections.no_round", "No review round for this period: `/review start {period}` asks every rep."),
    msg("review.actions.none",
        'No actions yet. Record one: `/review action "Call every lost deal over 50k" @owner by 2027-01-15`'),
)

QUESTION_KEYS = ("review.q.worked", "review.q.did_not", "review.q.change", "review.q.need")
TOP_THEMES = 3


@dataclass
class ReviewDoc:
    """The review as a title and sections of mrkdwn lines: the message and the PDF are made from it."""

    title: str
    language: str
    period: Period
    sections: list[tuple[str, list[str]]] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = [self.title]
        for heading, body in self.sections:
            out += ["", f"*{heading}*", *body]
        return out


def review_cadence(period: Period) -> str | None:
    """'monthly' or 'quarterly' when the period is one calendar month or one (fiscal) quarter; else None."""
    if (period.start, period.end) == (month_of(period.start).start, month_of(period.start).end):
        return "monthly"
    quarter = quarter_of(period.start, period.fiscal_year_start_month)
    if (period.start, period.end) == (quarter.start, quarter.end):
        return "quarterly"
    return None


def reflection_questions(period: Period, cadence: str, language: str) -> list[str]:
    """The four reflection questions, in the rep's language, the first naming the period."""
    unit = t(f"review.unit.{cadence}", language)
    return [t(key, language, period=period.label(language), unit=unit) for key in QUESTION_KEYS]


@dataclass(frozen=True)
class RepFigures:
    revenue: int
    target: int | None
    win_rate: float | None
    deals_won: int
    currency: str


def rep_figures(session: Any, *, team_id: str, member_id: int, period: Period, today: date) -> RepFigures:
    """A rep's own revenue vs target, win rate and deals won in the period, from the one KPI engine."""
    scope = kpi.Scope(team_id, member_id=member_id)
    values = kpi.compute_many(session, ["revenue", "win_rate", "deals_won"], scope, period, today=today)
    return RepFigures(
        int(values["revenue"].value or 0),
        kpi.target_for(session, scope, "revenue", period),
        values["win_rate"].value,  # type: ignore[arg-type]
        int(values["deals_won"].value or 0),
        kpi.reporting_currency(session, scope),
    )


def figures_line(f: RepFigures, language: str) -> str:
    """'US$42,300.00 won of US$50,000.00 target (85%) · win rate 54% · 7 deals won'."""
    if f.target:
        target = t("review.figures.target", language, target=money(f.target, f.currency, language),
                   pct=percent(f.revenue / f.target, language, 0))
    else:
        target = t("review.figures.no_target", language)
    return tn("review.figures", f.deals_won, language, revenue=money(f.revenue, f.currency, language), target=target,
             win_rate=percent(f.win_rate, language, 0), deals=number(f.deals_won, language))


# ------------------------------------------------------------------------------------------ composing


def compose_review(
    session: Any,
    *,
    team_id: str,
    manager_user_id: str,
    period: Period,
    cadence: str,
    language: str,
    today: date,
    currency: str = "USD",
    now: datetime | None = None,
) -> ReviewDoc:
    """Everything the manager reviews for the period, in `language`."""
    lang = language
    last_day = min(period.last_day, today)
    digest = build_digest(session, team_id=team_id, cadence=cadence, today=period.end, language=lang,
                          currency=currency, fiscal_year_start_month=period.fiscal_year_start_month)
    digest.market = None  # the market has a section of its own below
    kpi_lines = digest_lines(digest)
    doc = ReviewDoc(kpi_lines[0], lang, period)
    doc.sections.append((t("review.section.kpis", lang), kpi_lines[1:]))
    market = market_view(session, team_id, period, today=last_day)
    trend = market_trend(session, team_id, "segment", trend_buckets(None, last_day, period.fiscal_year_start_month))
    trend_line = review_line(trend, lang)  # win rate by segment over the last 4 quarters
    doc.sections.append((t("review.section.market", lang),
                         market_lines(market, lang)[1:] + ([trend_line] if trend_line else [])))
    doc.sections.append(
        (t("review.section.feedback", lang), feedback_lines(summarise(session, team_id, period, today=last_day), lang))
    )
    doc.sections.append((t("review.section.training", lang), _training_lines(session, team_id, period, today, lang)))
    doc.sections.append((t("review.section.incentives", lang), _incentive_lines(session, team_id, period, today, lang)))
    doc.sections.append(_reflections(session, team_id, manager_user_id, period, today, lang))
    doc.sections.append(_actions(session, team_id, manager_user_id, period, today, lang))
    return doc


def feedback_lines(s: FeedbackSummary, language: str) -> list[str]:
    """The feedback summary in a few lines: volume and scores with their change, themes, accounts at risk."""
    lang = language
    if s.items == 0:
        return [t("review.feedback.none", lang)]

    def score(value: float | None, previous: float | None, unit: str) -> str:
        if value is None:
            return "—"
        shown = percent(value, lang, 0) if unit == "ratio" else f"{round(value):+d}"
        change = change_text(unit, value, previous, lang) if previous is not None else ""
        return f"{shown} ({change})" if change else shown

    lines = [tn("review.feedback.head", s.items, lang, n=number(s.items, lang),
                csat=score(s.csat, s.previous_csat, "ratio"), nps=score(s.nps, s.previous_nps, "score"))]
    for side, key in ((feedback_themes.COMPLAINT, "review.feedback.complaints"),
                      (feedback_themes.PRAISE, "review.feedback.praise")):
        shown = [f"“{escape(th.name)}” {number(th.count, lang)}" for th in s.themes if th.side == side][:TOP_THEMES]
        if shown:
            lines.append(t(key, lang, themes=" · ".join(shown)))
    if s.at_risk:
        sep = "、" if lang == "zh" else ", "
        lines.append(t("review.feedback.at_risk", lang, accounts=sep.join(escape(r.account) for r in s.at_risk[:5])))
    return lines


def _training_lines(session: Any, team_id: str, period: Period, today: date, lang: str) -> list[str]:
    held = held_between(session, team_id, period.start, period.end)
    if not held:
        return [t("review.training.none", lang)]
    lines: list[str] = []
    for training in held:
        lines += effect_lines(training_effect(session, team_id, training, today), lang)
    return lines


def _incentive_lines(session: Any, team_id: str, period: Period, today: date, lang: str) -> list[str]:
    """What each rep earned in the period under the commission plans (`/incentive`), best paid first."""
    earned = incentives.statements(session, team_id, period, today=min(period.last_day, today))
    if not earned.has_plan:
        return [t("review.incentives.none", lang)]
    return incentives.team_lines(earned, lang) + incentives.left_out_notes(earned, lang)


def _reflections(
    session: Any, team_id: str, manager_user_id: str, period: Period, today: date, lang: str
) -> tuple[str, list[str]]:
    review = store.round_for(session, team_id=team_id, manager_user_id=manager_user_id, start=period.start,
                             end=period.end)
    if review is None:
        return t("review.section.reflections_none", lang), [
            t("review.reflections.no_round", lang, period=period.label("en").split(" (")[0])
        ]
    runs: list[CheckinRun] = store.reflections(session, review)
    views = {v.member_id: v for v in run_views(session, runs)}
    members = _members(session, review.member_ids)
    lines: list[str] = []
    answered = 0
    for member_id in sorted(review.member_ids, key=lambda i: member_name(members.get(i)).lower()):
        member = members.get(member_id)
        figures = figures_line(rep_figures(session, team_id=team_id, member_id=member_id, period=period,
                                           today=min(period.last_day, today)), lang)
        lines.append(f"*{escape(member_name(member))}* — {figures}")
        view = views.get(member_id)
        if view is None:
            lines.append(t("review.reflection.not_asked", lang))
            continue
        if view.status == "completed":
            answered += 1
        if not view.answers:
            state = {"missed": "missed", "skipped": "away", "asking": "asking", "pending": "not_asked"}.get(
                view.status, "missed")
            lines.append(t(f"review.reflection.{state}", lang))
            continue
        for index in range(len(view.questions)):
            answer = view.answers.get(index)
            label = t(f"review.label.{index}", lang) if index < len(QUESTION_KEYS) else escape(view.questions[index])
            if answer is None:
                text = t("review.reflection.asking" if view.status == "asking" else "review.reflection.missed", lang)
            elif answer.skipped:
                text = t("review.reflection.skipped", lang)
            else:
                text = escape(" ".join(answer.text.split()))
            lines.append(f"• {label}: {text}")
    heading = t("review.section.reflections", lang, answered=answered, asked=len(review.member_ids))
    return heading, lines


def _members(session: Any, ids: list[int]) -> dict[int, Member]:
    from sqlmodel import select

    if not ids:
        return {}
    return {int(m.id or 0): m for m in session.exec(select(Member).where(Member.id.in_(ids)))}  # type: ignore[union-attr]


def _actions(
    session: Any, team_id: str, manager_user_id: str, period: Period, today: date, lang: str
) -> tuple[str, list[str]]:
    """Open actions (overdue flagged) and those done since the previous review ended."""
    from datetime import UTC, time

    since_day = store.previous_round_end(session, team_id=team_id, manager_user_id=manager_user_id,
                                         before=period.end) or period.start
    done_since = datetime.combine(since_day, time.min, tzinfo=UTC)
    actions = store.actions_of(session, team_id=team_id, manager_user_id=manager_user_id, done_since=done_since)
    if not actions:
        return t("review.section.actions", lang), [t("review.actions.none", lang)]
    owners = _members(session, [a.owner_id for a in actions if a.owner_id])
    return t("review.section.actions", lang), [action_line(a, owners.get(a.owner_id or 0), today, lang)
                                               for a in actions]


__all__ = [
    "ReviewDoc",
    "RepFigures",
    "action_line",
    "compose_review",
    "feedback_lines",
    "figures_line",
    "reflection_questions",
    "rep_figures",
    "review_cadence",
]
