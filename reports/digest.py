"""The performance digest, Slack-free: what a manager should see about a week (or month, or quarter).

Every figure comes from the one KPI engine; this module only chooses which figures, finds where a drop comes
from, and words the result in English or Chinese. `build_digest` gathers, `digest_lines` words it, and the
handler renders those same lines for the scheduled post and for `/digest preview`.
"""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select

from db import clock
from db import team_requests as asks
from db.models import Deal, Member
from reports import feedback_signals, history, history_text, incentives, target_words, team_requests
from reports import kpi_engine as kpi
from reports import kpi_queries as q
from reports import manager_checks as checks
from reports.changes import change_text
from reports.formatting import change, money, money_short, percent
from reports.i18n import add_messages, msg, nmsg, t, tn
from reports.kpi_people import names_by_slack_id
from reports.market import MarketView, market_view
from reports.market_text import digest_market_lines
from reports.money_notes import left_out_lines, merge
from reports.mrkdwn import escape
from reports.periods import Period, month_of, period_for_kind
from reports.targets import rep_targets

CADENCE_PERIOD = {"weekly": "last_week", "monthly": "last_month", "quarterly": "last_quarter"}
DROP_THRESHOLD = -0.10  # a fall of 10% or more against the previous period is flagged
TREND_POINTS = 12

add_messages(
    msg("digest.title.weekly", "Sales week {week} · {range}"),
    msg("digest.title.monthly", "Monthly review · {range}"),
    msg("digest.title.quarterly", "Quarterly review · {range}"),
    nmsg("digest.headline", "Revenue {revenue} {chg} vs previous · {won} deal won · win rate {rate} · pipeline "
         "{pipeline}", "Revenue {revenue} {chg} vs previous · {won} deals won · win rate {rate} · pipeline {pipeline}"),
    msg("digest.year", "Same period last year: {revenue} ({chg})"),
    msg("digest.target", "Team target {target} · attainment {att}"),
    msg("digest.target_from", "Team target {target} ({source}) · attainment {att}"),
    msg("digest.statuses.pace", "Pace for {month}: on track {on} · at risk {risk} · behind {behind}"),
    msg("digest.statuses.attainment", "Targets: hit {hit} · missed {missed}"),
    msg("digest.behind_list", " ({names})"),
    msg("digest.no_rep_targets", "No rep has a target for {month}, so none is judged — set them with `/target set "
        "revenue 50000 this month @rep`"),
    msg("digest.some_without_target", " · no target {n}"),
    msg("digest.behind_one", "{name}, {pct} of pace"),
    msg("digest.new_lost", "New deals {new} · deals lost {lost} ({lost_amount})"),
    msg("digest.drop", "⚠ Revenue from *{label}* fell {pct} ({delta}){share}{detail}."),
    msg("digest.drop_share", ", {share} of the team's {total} drop"),
    msg("digest.drop_detail", "; {dim} {label}: {delta}, {share} of that"),
    msg("digest.dim.rep", "rep"),
    msg("digest.dim.product", "product"),
    msg("digest.dim.account", "account"),
    msg("digest.leaders", "Top: {names}"),
    msg("digest.checkins", "Check-ins: {rate} answered"),
    msg("digest.csat", "CSAT {csat} ({chg})"),
    msg("digest.empty", "No deals closed in this period."),
    # Stages are the CRM's current ones: the split is of today's open deals, whatever the period.
    msg("digest.no_amounts", "no amounts"),  # open deals the CRM has no value for yet
    msg("digest.stages", "Open pipeline today by stage: {stages}"),
    msg("digest.chart.reps", "Revenue by rep vs target"),
    msg("digest.chart.trend", "Revenue trend"),
    msg("digest.chart.funnel", "Open pipeline today by stage"),
)


@dataclass
class RepLine:
    member_id: int
    name: str
    revenue: int
    target: int | None
    pace: float | None  # month-to-date pace for weekly digests, attainment for monthly/quarterly
    status: str
    # What the status is measured on, for the chart: month-to-date revenue and the target pro-rated to date
    # (weekly; their ratio is the pace), or the period's revenue and target (reviews).
    basis_revenue: int = 0
    basis_target: int | None = None
    basis_left_out: tuple[kpi.LeftOut, ...] = ()  # deals `basis_revenue` could not include (no rate)


@dataclass
class Drop:
    dimension: str
    label: str
    delta: int  # cents, negative
    ratio: float | None  # relative change of that slice
    detail: "Drop | None" = None
    share: float | None = None  # the part of the parent's drop (the team's, or the slice's) it explains
    parent_delta: int = 0  # cents, the parent's change


@dataclass
class Digest:
    team_id: str
    cadence: str
    period: Period
    language: str
    currency: str
    revenue: kpi.Comparison
    deals_won: int
    win_rate: float | None
    pipeline: int
    new_deals: int
    lost: tuple[int, int]  # (deals lost in the period, their converted amount)
    team_target: int | None
    reps: list[RepLine] = field(default_factory=list)
    trend: list[tuple[str, int]] = field(default_factory=list)
    stages: list[tuple[str, int, int]] = field(default_factory=list)
    drop: Drop | None = None
    checkin_rate: float | None = None
    csat: kpi.Comparison | None = None
    status_period: Period | None = None  # what the reps' statuses measure: the month to date, or the period
    left_out: list[str] = field(default_factory=list)  # deals in currencies without a rate, per figure
    target_source: str = ""  # which target the team line uses ("set for November 2026 by Maria Lopez")
    trend_left_out: tuple[kpi.LeftOut, ...] = ()  # what the trend's amounts could not include
    stages_left_out: tuple[kpi.LeftOut, ...] = ()  # what the open pipeline by stage could not include
    reps_not_compared: str = ""  # reps whose target is in a currency without a rate (said, not "no target")
    market: MarketView | None = None  # the market section, only when something moved (reports/market.py)
    quality: list[feedback_signals.Signal] = field(default_factory=list)  # complaints that jumped (feedback)
    lost_unpriced: bool = False  # the lost deals have no amounts in the CRM data (the Maven export's 0): not "US$0"
    lost_left_out: tuple[kpi.LeftOut, ...] = ()  # lost deals in currencies without a rate, not in the lost amount
    slipped: list[Any] = field(default_factory=list)  # history.DealMove: open deals whose close date moved out
    stalled: Any = None  # history.Stalled: open deals without a change for 21+ days (None/count 0: none said)
    requests: list[asks.OpenRequest] = field(default_factory=list)  # open requests to other teams (`/ask`)
    requests_closed: int = 0  # requests closed in the period
    today: date | None = None  # the digest's day (what "overdue" is measured against)
    data_note: str | None = None  # the deal data is old or ends before the period (reports/manager_checks.py)
    checks: list[str] = field(default_factory=list)  # open review actions, trainings ahead (manager_checks)
    incentives: str | None = None  # the team's earnings and who passed target (reports/incentives.py; None: no plan)


def digest_period(cadence: str, *, today: date, fiscal_year_start_month: int = 1) -> Period:
    """The last finished week, month or quarter before `today` (the digest day, local)."""
    return period_for_kind(CADENCE_PERIOD[cadence], today=today, fiscal_year_start_month=fiscal_year_start_month)


def build_digest(
    session: Any,
    *,
    team_id: str,
    cadence: str,
    today: date,
    language: str,
    currency: str = "USD",
    fiscal_year_start_month: int = 1,
) -> Digest:
    """Gather every figure of the digest for the period that ended before `today`."""
    period = digest_period(cadence, today=today, fiscal_year_start_month=fiscal_year_start_month)
    team = kpi.Scope(team_id)
    last_day = period.last_day
    revenue = kpi.compare(session, "revenue", team, period, today=last_day)
    figures = kpi.compute_many(
        session, ["deals_won", "win_rate", "pipeline", "new_deals", "checkin_rate"], team, period, today=last_day
    )
    csat = kpi.compare(session, "csat", team, period, today=last_day)
    digest = Digest(
        team_id=team_id,
        cadence=cadence,
        period=period,
        language=language,
        currency=currency,
        revenue=revenue,
        deals_won=int(figures["deals_won"].value or 0),
        win_rate=figures["win_rate"].value,  # type: ignore[arg-type]
        pipeline=int(figures["pipeline"].value or 0),
        new_deals=int(figures["new_deals"].value or 0),
        lost=(lost := _lost(session, team_id, period))[:2],
        lost_unpriced=lost[2],
        lost_left_out=lost[3],
        team_target=kpi.target_for(session, team, "revenue", period),
        checkin_rate=figures["checkin_rate"].value,  # type: ignore[arg-type]
        csat=csat if csat.current.value is not None else None,
        quality=feedback_signals.rising(session, team_id, period.start, period.end),
    )
    use = kpi.target_use(session, team, "revenue", period)
    if use is not None:
        names = names_by_slack_id(session, team_id, target_words.setters([use]))
        if use.value is None:  # a target in a currency without a rate: said, not compared
            digest.left_out.append(target_words.not_compared(use, language, names))
        else:
            digest.target_source = target_words.describe(
                use, language, lambda cents: money_short(cents, currency, language), names
            )
    digest.status_period = status_period(period, cadence)
    digest.reps = _rep_lines(session, team, period, cadence, digest.status_period)
    basis = digest.status_period
    uses = rep_targets(session, team_id=team_id, metric="revenue", start=basis.start, end=basis.end)
    uncompared = {r.name: uses[r.member_id] for r in digest.reps if getattr(uses.get(r.member_id), "value", 0) is None}
    if uncompared:
        digest.reps_not_compared = target_words.reps_not_compared(uncompared, language)
    digest.trend, digest.trend_left_out = _trend(session, team, period, cadence, language)
    digest.stages = pipeline_by_stage(session, team_id, last_day)
    digest.stages_left_out = figures["pipeline"].left_out  # the same deals, open on the period's last day
    digest.left_out = [
        *left_out_lines(revenue.current.left_out, language, what=t("money.what.revenue", language)),
        *left_out_lines(figures["pipeline"].left_out, language, what=t("money.what.pipeline", language)),
        *left_out_lines(digest.lost_left_out, language, what=t("money.what.lost", language)),
        *digest.left_out,
        *([digest.reps_not_compared] if digest.reps_not_compared else []),
    ]
    digest.drop = find_drop(session, team, period, revenue)
    digest.slipped = history.slipped(session, team_id, history.day_start(period.start), history.day_start(period.end))
    digest.stalled = history.stalled(session, team_id)
    market = market_view(session, team_id, period, today=last_day)
    digest.market = market if market.moved else None
    digest.today = today
    # Earnings are paid per month (or the period itself for monthly and quarterly digests): a week is a slice.
    earned_over = month_of(last_day) if cadence == "weekly" else period
    digest.incentives = incentives.digest_line(session, team_id, earned_over, last_day, language)
    digest.requests = asks.open_requests(session, team_id)
    if digest.requests:
        digest.requests_closed = asks.closed_count(session, team_id, _utc_midnight(period.start),
                                                   _utc_midnight(period.end))
    digest.data_note = checks.freshness_line(checks.freshness(session, team_id), period_start=period.start,
                                             now=clock.now(), language=language)
    digest.checks = [line for line in (
        checks.actions_digest_line(session, team_id, today, language),
        checks.training_digest_line(session, team_id, today, language),
    ) if line]
    return digest


def _utc_midnight(day: date) -> datetime:
    """The start of a local day as a UTC moment, close enough for counting requests closed in a period."""
    return datetime.combine(day, time(0), UTC)


def status_period(period: Period, cadence: str) -> Period:
    """A week is too short to judge a rep: weekly digests judge the month to date (its pace), reviews the period."""
    if cadence != "weekly":
        return period
    return Period(month_of(period.last_day).start, period.end, "range")


def _rep_lines(session: Any, team: kpi.Scope, period: Period, cadence: str, basis: Period) -> list[RepLine]:
    """Each rep's revenue in the period vs its pro-rated target; status from the month's pace (weekly) or
    the period's attainment (monthly, quarterly)."""
    rows = kpi.breakdown_many(session, ["revenue", "attainment"], team, period, "rep", today=period.last_day)
    attainment = {r.key: r.value.value for r in rows["attainment"]}
    basis_revenue = {r.key: int(r.value.value or 0) for r in rows["revenue"]}
    basis_left_out = {r.key: r.value.left_out for r in rows["revenue"]}
    if cadence == "weekly":
        month = month_of(period.last_day)
        paced = kpi.breakdown(session, "pace", team, month, "rep", today=period.last_day)
        status_basis = {r.key: r.value.value for r in paced}
        to_date = kpi.breakdown(session, "revenue", team, basis, "rep", today=period.last_day)
        basis_revenue = {r.key: int(r.value.value or 0) for r in to_date}
        basis_left_out = {r.key: r.value.left_out for r in to_date}
    else:
        status_basis = attainment
    revenue = [(row.key, row.label, int(row.value.value or 0)) for row in rows["revenue"]]
    # A rep who sold nothing belongs in the digest most of all.
    seen = {key for key, _label, _cents in revenue}
    for member_id, name in session.execute(
        select(Member.id, Member.display_name).where(
            Member.team_id == team.team_id, Member.role == "rep", Member.active.is_(True)
        )
    ):
        if member_id not in seen:
            revenue.append((member_id, name, 0))
    # Every rep's target for the period and the basis in one read each (the rule of reports/targets.py, the same
    # value as kpi.target_for of the rep; kept between requests), not one or two queries per rep.
    on_period = rep_targets(session, team_id=team.team_id, metric="revenue", start=period.start, end=period.end)
    on_basis = on_period if basis == period else rep_targets(
        session, team_id=team.team_id, metric="revenue", start=basis.start, end=basis.end
    )
    lines = []
    for key, label, cents in revenue:
        target = on_period[key].value if key in on_period else None
        basis_target = on_basis[key].value if key in on_basis else None
        value = status_basis.get(key)
        lines.append(
            RepLine(
                key,
                label,
                cents,
                target,
                value,
                kpi.rep_status(value),
                basis_revenue.get(key, 0),
                basis_target,
                basis_left_out.get(key, ()),
            )
        )
    return lines


def _trend(
    session: Any, team: kpi.Scope, period: Period, cadence: str, language: str
) -> tuple[list[tuple[str, int]], tuple[kpi.LeftOut, ...]]:
    """Revenue over the last 12 weeks (weekly) or 12 months / 8 quarters (reviews), ending with `period`, and
    what those amounts could not include (deals in a currency without a rate)."""
    points: list[tuple[str, int]] = []
    left_out: list[tuple[kpi.LeftOut, ...]] = []
    current = period
    count = TREND_POINTS if cadence != "quarterly" else 8
    periods = []
    for _ in range(count):
        periods.append(current)
        current = current.previous()
    if cadence == "weekly":
        span = Period(periods[-1].start, period.end, "range")
        for row in kpi.breakdown(session, "revenue", team, span, "week", today=period.last_day):
            points.append((f"W{row.key.isocalendar()[1]}", int(row.value.value or 0)))
            left_out.append(row.value.left_out)
        return points, merge(left_out)
    for p in reversed(periods):
        figure = kpi.compute(session, "revenue", team, p, today=p.last_day)
        value = figure.value
        left_out.append(figure.left_out)
        if cadence == "monthly":
            label = f"{p.start.month}月" if language == "zh" else p.start.strftime("%b")
        else:
            label = p.label(language).split(" (")[0].split("（")[0]
        points.append((label, int(value or 0)))
    return points, merge(left_out)


def _money_filters(session: Any, team_id: str) -> q.Filters:
    return q.Filters(team_id, currency=kpi.reporting_currency(session, kpi.Scope(team_id)))


def pipeline_by_stage(session: Any, team_id: str, day: date | None = None) -> list[tuple[str, int, int]]:
    """Open deals now, by the CRM's stage: (stage, count, amount in cents), largest amount first.

    Amounts are converted at the rates in force on `day` (default: today); deals without a rate count but
    add nothing (the digest's note says what was left out)."""
    day = day or clock.today()
    f = _money_filters(session, team_id)
    where = [Deal.team_id == team_id, Deal.status == "open"]
    rates = q.rates_in_force(session, f, day, day + timedelta(days=1))
    sums = q.money_sums(session, f, where, Deal.stage, rates, day)
    rows = [(stage or "—", s.deals, s.cents) for stage, s in sums.items()]
    return sorted(rows, key=lambda r: (-r[2], r[0]))


def _lost(session: Any, team_id: str, period: Period) -> tuple[int, int, bool, tuple[kpi.LeftOut, ...]]:
    """(deals lost in the period, their amount converted at the rate of each close date, whether none of them has
    an amount: an export that records 0 or nothing for lost deals, as the Maven CRM export does, and those whose
    currency had no rate, which the amount leaves out)."""
    f = _money_filters(session, team_id)
    where = [Deal.team_id == team_id, Deal.status == "lost", Deal.close_date >= period.start]
    where.append(Deal.close_date < period.end)
    rates = q.rates_in_force(session, f, period.start, period.end)
    total = q.money_sums(session, f, where, None, rates, Deal.close_date).get(None, q.MoneySum())
    unpriced = bool(total.deals) and not total.micros and not any(cents for _n, cents in total.left_out.values())
    left_out = tuple(kpi.LeftOut(cur, n, cents) for cur, (n, cents) in sorted(total.left_out.items()))
    return total.deals, total.cents, unpriced, left_out


def find_drop(session: Any, team: kpi.Scope, period: Period, revenue: kpi.Comparison) -> Drop | None:
    """When revenue fell by 10% or more: the rep or product that fell most, with the share of the team's drop
    it explains, and within it the account that fell most, with its share of that slice's fall (never "most"
    when it is not)."""
    if revenue.change_previous is None or revenue.change_previous > DROP_THRESHOLD:
        return None
    best: Drop | None = None
    for dimension in ("product", "rep"):
        drop = _largest_fall(session, team, period, dimension)
        if drop and (best is None or drop.delta < best.delta):
            best = drop
    if best is None:
        return None
    narrowed = kpi.Scope(
        team.team_id,
        member_id=best.label_key if best.dimension == "rep" else None,  # type: ignore[attr-defined]
        product=best.label if best.dimension == "product" else None,
    )
    best.parent_delta = int((revenue.current.value or 0) - (revenue.previous.value or 0))
    best.share = best.delta / best.parent_delta if best.parent_delta < 0 else None
    best.detail = _largest_fall(session, narrowed, period, "account")
    if best.detail is not None:
        best.detail.parent_delta = best.delta
        best.detail.share = best.detail.delta / best.delta
    return best


def _largest_fall(session: Any, scope: kpi.Scope, period: Period, by: str) -> Drop | None:
    now = {r.key: (r.label, int(r.value.value or 0)) for r in kpi.breakdown(session, "revenue", scope, period, by)}
    before = {
        r.key: (r.label, int(r.value.value or 0))
        for r in kpi.breakdown(session, "revenue", scope, period.previous(), by)
    }
    worst = None
    for key in (set(now) | set(before)) - {None, ""}:  # deals without a product, account or owner name nothing
        label = (now.get(key) or before.get(key))[0]  # type: ignore[index]
        delta = now.get(key, (label, 0))[1] - before.get(key, (label, 0))[1]
        if delta < 0 and (worst is None or delta < worst[2]):
            base = before.get(key, (label, 0))[1]
            worst = (key, label, delta, kpi.relative_change(base + delta, base))
    if worst is None:
        return None
    drop = Drop(by, worst[1], worst[2], worst[3])
    drop.label_key = worst[0]  # type: ignore[attr-defined]
    return drop


def title(d: Digest) -> str:
    week = d.period.start.isocalendar()[1]
    span = d.period.label(d.language)
    if d.cadence == "weekly":
        span = span.split(" · ", 1)[-1] if " · " in span else span
        if d.language == "zh":
            span = span.split("（", 1)[-1].rstrip("）") if "（" in span else span
    return t(f"digest.title.{d.cadence}", d.language, week=week, range=span)


def digest_lines(d: Digest, *, timezone: str = "") -> list[str]:
    """The digest as mrkdwn lines: the answer first, then what explains it (UX.md, 'Weekly digest')."""
    lang, cur = d.language, d.currency
    lines = [f"*{title(d)}*" + (f"  — {timezone}" if timezone else "")]
    rev = d.revenue
    lines.append(
        tn(
            "digest.headline",
            d.deals_won,
            lang,
            revenue=money(int(rev.current.value or 0), cur, lang),
            chg=change(rev.current.value or 0, rev.previous.value, lang),
            won=d.deals_won,
            rate=percent(d.win_rate, lang, 0),
            pipeline=money_short(d.pipeline, cur, lang),
        )
    )
    if d.cadence != "weekly":  # the review: the same period last year, and the target
        lines.append(
            t(
                "digest.year",
                lang,
                revenue=money(int(rev.year_ago.value or 0), cur, lang),
                chg=change(rev.current.value or 0, rev.year_ago.value, lang),
            )
        )
    if d.team_target:
        lines.append(
            t(
                "digest.target_from" if d.target_source else "digest.target",
                lang,
                source=d.target_source,
                target=money_short(d.team_target, cur, lang),
                att=percent((rev.current.value or 0) / d.team_target, lang, 0),
            )
        )
    if d.reps:
        counts = {s: sum(1 for r in d.reps if r.status == s) for s in ("on_track", "at_risk", "behind")}
        # A finished review period is hit or missed; only a running month has a pace and "at risk".
        basis = "pace" if d.cadence == "weekly" else "attainment"
        counts["hit"] = sum(1 for r in d.reps if r.target and r.revenue >= r.target)
        counts["missed"] = sum(1 for r in d.reps if r.target and r.revenue < r.target)
        month = month_of(d.period.last_day).label(lang).split(" (")[0].split("（")[0]
        no_target = sum(1 for r in d.reps if r.status == "no_target") if basis == "pace" else sum(
            1 for r in d.reps if not r.target
        )
        line = t(
            f"digest.statuses.{basis}",
            lang,
            month=month,
            on=counts["on_track"],
            risk=counts["at_risk"],
            behind=counts["behind"],
            hit=counts["hit"],
            missed=counts["missed"],
        )
        behind = [r for r in d.reps if r.status == "behind" and basis == "pace"]
        if behind:
            slowest = sorted(behind, key=lambda r: r.pace or 0)[:3]
            names = ("、" if lang == "zh" else ", ").join(
                t("digest.behind_one", lang, name=escape(r.name), pct=percent(r.pace, lang, 0)) for r in slowest
            )
            line += t("digest.behind_list", lang, names=names)
        if no_target == len(d.reps):  # zeros everywhere would read as a team doing nothing: say why
            when = month if basis == "pace" else d.period.label(lang).split(" (")[0].split("（")[0]
            line = t("digest.no_rep_targets", lang, n=len(d.reps), month=when)
        elif no_target:
            line += t("digest.some_without_target", lang, n=no_target)
        lines.append(line)
        top = [f"{escape(r.name)} {money_short(r.revenue, cur, lang)}" for r in d.reps[:3] if r.revenue > 0]
        if top:
            lines.append(t("digest.leaders", lang, names=" · ".join(top)))
    lines.append(
        t("digest.new_lost", lang, new=d.new_deals, lost=d.lost[0],
          lost_amount=t("digest.no_amounts", lang) if d.lost_unpriced else money_short(d.lost[1], cur, lang))
    )
    lines.extend(f"⚠ {line}" for line in d.left_out)
    if d.data_note:  # zeros that come from old data, not from the team
        lines.append(d.data_note)
    if d.drop:
        lines.append(drop_line(d.drop, cur, lang))
    if d.stages:
        stages = " · ".join(
            f"{escape(s)} {n:,} ({money_short(a, cur, lang) if a else t('digest.no_amounts', lang)})"
            for s, n, a in d.stages[:5]
        )
        lines.append(t("digest.stages", lang, stages=stages))
    extras = []
    if d.checkin_rate is not None:
        extras.append(t("digest.checkins", lang, rate=percent(d.checkin_rate, lang, 0)))
    if d.csat is not None:
        csat_value = d.csat.current.value
        extras.append(
            t(
                "digest.csat",
                lang,
                csat=percent(csat_value, lang, 0),
                chg=change_text("ratio", csat_value, d.csat.previous.value, lang),
            )
        )
    if extras:
        lines.append(" · ".join(extras))
    if d.slipped:  # from deal history, only when there is something to say
        lines.append(history_text.slipped_line(d.slipped, lang))
    if d.stalled is not None and d.stalled.count:
        lines.append(history_text.stalled_line(d.stalled, lang))
    if d.market is not None:
        lines.extend(digest_market_lines(d.market, lang))
    lines.extend(f"⚠ {feedback_signals.line(signal, lang)}" for signal in d.quality[:3])
    if d.incentives:  # only when the team has a commission plan
        lines.append(d.incentives)
    if d.requests and d.today is not None:  # only when some are open
        lines.extend(team_requests.digest_lines(d.requests, d.requests_closed, d.today, lang))
    lines.extend(d.checks)
    return lines


def drop_line(drop: Drop, currency: str, language: str) -> str:
    """"Revenue from *MG Advanced* fell 34% (−$41K), 80% of the team's −$51K drop; account Rantouch: −$29K,
    70% of that." Each named cause says what share of the change it explains."""
    detail = ""
    if drop.detail is not None:
        detail = t(
            "digest.drop_detail",
            language,
            dim=t(f"digest.dim.{drop.detail.dimension}", language),
            label=f"*{escape(drop.detail.label)}*",
            delta=money_short(drop.detail.delta, currency, language),
            share=percent(drop.detail.share, language, 0),
        )
    share = ""
    if drop.share is not None:
        total = money_short(drop.parent_delta, currency, language)
        share = t("digest.drop_share", language, share=percent(drop.share, language, 0), total=total)
    pct = percent(abs(drop.ratio), language, 0) if drop.ratio is not None else "100%"
    return t(
        "digest.drop",
        language,
        label=escape(drop.label),
        pct=pct,
        delta=money_short(drop.delta, currency, language),
        share=share,
        detail=detail,
    )


def digest_day(occurrence_local: date) -> date:
    """The local day a digest is for: the day it fires (its period is the one that ended before)."""
    return occurrence_local


__all__ = [
    "Digest",
    "RepLine",
    "Drop",
    "build_digest",
    "digest_lines",
    "digest_period",
    "pipeline_by_stage",
    "find_drop",
    "title",
    "timedelta",
]
