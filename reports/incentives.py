"""Earnings statements, the team's incentives, and the words for them (`/incentive`, the 1:1 brief, the digest).

Revenue and targets come from the one KPI engine (reports/kpi_engine.py: revenue converted to the reporting
currency in SQL, one grouped query for the whole team) and the one target rule (reports/targets.py); the
arithmetic is reports/commission.py. A rep's own plan replaces the team's for that rep. Plan amounts (tier
thresholds, cap, bonus) are kept in the currency they were written in; a plan in another currency than today's
reporting currency is converted at the team's rate on the period's last day, and a plan without a rate is not
applied (said, never added one for one). A plan of rates alone has no amounts: it applies in any currency.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from db import incentives as store
from db.models import PLAN_ALWAYS, CommissionPlan, Member
from reports import kpi_engine as kpi
from reports.commission import Line, Plan, Statement, calculate
from reports.formatting import money, percent
from reports.i18n import add_messages, msg, nmsg, t, tn
from reports.incentive_grammar import MILLI, PPM
from reports.money_notes import left_out_lines, merge
from reports.mrkdwn import escape
from reports.periods import month_of
from reports.target_words import named_period
from reports.targets import RATE_SCALE, _convert_cents, rate_on, rep_targets_cents

add_messages(
    msg("incentive.title", "*Earnings · {name} · {period}*"),
    msg("incentive.head", "Revenue {revenue} · target {target} · attainment {att} · {plan}"),
    msg("incentive.head_no_target", "Revenue {revenue} · no target · {plan}"),
    msg("incentive.plan.team", "team plan"),
    msg("incentive.plan.own", "own plan"),
    msg("incentive.band.flat", "{base} × {rate} = {amount}"),
    msg("incentive.band.first", "{base} × {rate} on the first {high} = {amount}"),
    msg("incentive.band.middle", "{base} × {rate} from {low} to {high} = {amount}"),
    msg("incentive.band.top", "{base} × {rate} above {low} = {amount}"),
    msg("incentive.accelerator",
        "Accelerator ×{factor} above the target: the {base} above it earned {earned}, × ({factor} − 1) = "
        "+{amount}"),
    msg("incentive.cap", "Cap {cap}: the commission of {commission} is cut by −{amount}"),
    msg("incentive.bonus", "Bonus for reaching the target: +{amount}"),
    msg("incentive.bonus_missed", "Bonus {amount} for reaching the target: not reached ({att})"),
    msg("incentive.bonus_no_target", "Bonus {amount} for reaching the target: no target for this period"),
    msg("incentive.total", "*Total {amount}*"),
    msg("incentive.marginal",
        "Tiers are marginal, like tax brackets: each rate applies only to the revenue inside its band."),
    nmsg("incentive.team_title", "*Incentives · {period}* · {n} rep · total {total}",
         "*Incentives · {period}* · {n} reps · total {total}"),
    msg("incentive.team_line", "• {name} — {total} · revenue {revenue} · {att}"),
    msg("incentive.of_target", "{att} of target"),
    msg("incentive.no_target", "no target"),
    nmsg("incentive.more", "… and {n} more rep: `/incentive @rep` shows one",
         "… and {n} more reps: `/incentive @rep` shows one"),
    msg("incentive.no_plan", "No commission plan yet. A manager writes one with `{example}`."),
    msg("incentive.no_plan_rep", "{name} has no commission plan (no team plan, no own plan)."),
    msg("incentive.nobody", "Nobody has revenue or a target in {period} yet."),
    msg("incentive.not_converted",
        "The own plan of {name} is in {currency}, and there is no {currency} rate on {day}: it is not applied. "
        "`/salesbot rate {currency} …` adds one."),
    msg("incentive.not_converted_team",
        "The team plan is in {currency}, and there is no {currency} rate on {day}: it is not applied. "
        "`/salesbot rate {currency} …` adds one."),
    msg("incentive.not_converted_team_line",
        "{name} — the team plan is in {currency}, and there is no {currency} rate on {day}: it is not applied."),
    msg("incentive.plans_title", "*Commission plans*"),
    msg("incentive.plans_none", "No commission plan yet. `{example}` writes the team's."),
    msg("incentive.plan_line", "{who}: {terms}"),
    msg("incentive.plan_since", " (since {month})"),
    msg("incentive.plan_who_team", "Team (everyone without an own plan)"),
    msg("incentive.terms.rate", "{rate} of revenue"),
    msg("incentive.terms.tier", "{rate} from {low}"),
    msg("incentive.terms.accelerator", "×{factor} above the target"),
    msg("incentive.terms.cap", "capped at {cap}"),
    msg("incentive.terms.bonus", "bonus {bonus} on reaching the target"),
    msg("incentive.brief", "Earnings so far in {period}: {total} ({plan}){passed}"),
    msg("incentive.brief_passed", " · target passed 🎉"),
    nmsg("incentive.digest", "Incentives {period}: {total} earned by {n} rep",
         "Incentives {period}: {total} earned by {n} reps"),
    msg("incentive.digest_passed", " · passed target: {names}"),
)


@dataclass
class RepStatement:
    member_id: int
    name: str
    slack_user_id: str | None
    own_plan: bool
    statement: Statement | None  # None: the plan's currency has no rate (see `not_converted`)
    not_converted: str | None = None  # the plan's currency when it could not be converted


@dataclass
class Statements:
    period: Any
    currency: str
    reps: list[RepStatement] = field(default_factory=list)
    has_plan: bool = False
    left_out: tuple[kpi.LeftOut, ...] = ()  # deals in currencies without a rate, not in the revenue

    @property
    def total_cents(self) -> int:
        return sum(r.statement.total_cents for r in self.reps if r.statement is not None)


def _plan(session: Any, team_id: str, row: CommissionPlan, currency: str, day: date) -> Plan | None:
    """The stored plan as the arithmetic reads it, its amounts in the reporting currency (None: no rate)."""
    micros = RATE_SCALE
    has_amounts = bool(row.tiers) or row.cap_cents is not None or row.bonus_cents is not None
    if has_amounts and row.currency.upper() != currency.upper():  # rates alone are the same in any currency
        _reporting, found = rate_on(session, team_id, row.currency, day)
        if found is None:
            return None
        micros = found

    def conv(cents: int | None) -> int | None:
        return None if cents is None else _convert_cents(int(cents), micros)

    return Plan(
        rate=Decimal(row.rate_ppm) / PPM,
        tiers=tuple((int(conv(low) or 0), Decimal(ppm) / PPM) for low, ppm in row.tiers),
        accelerator=Decimal(row.accelerator_milli) / MILLI if row.accelerator_milli else None,
        cap_cents=conv(row.cap_cents),
        bonus_cents=conv(row.bonus_cents),
    )


def statements(session: Any, team_id: str, period: Any, *, today: date, member_id: int | None = None) -> Statements:
    """Every rep's statement for the period (reps with revenue, a target or an own plan), or one rep's.

    The team's revenue is one grouped query of the KPI engine and the targets one read of reports/targets.py,
    however many reps."""
    currency = kpi.reporting_currency(session, kpi.Scope(team_id))
    out = Statements(period, currency)
    team_plan, own = store.plans(session, team_id, period.last_day)  # the plans in force at the period's end
    out.has_plan = team_plan is not None or bool(own)
    if not out.has_plan:
        return out
    if member_id is not None:
        value = kpi.compute(session, "revenue", kpi.Scope(team_id, member_id=member_id), period, today=today)
        revenue = {member_id: int(value.value or 0)}
        out.left_out = value.left_out
        target = kpi.target_for(session, kpi.Scope(team_id, member_id=member_id), "revenue", period)
        targets = {member_id: target} if target else {}
        members = [member_id]
    else:
        rows = kpi.breakdown(session, "revenue", kpi.Scope(team_id), period, "rep", today=today)
        revenue = {int(r.key): int(r.value.value or 0) for r in rows}
        out.left_out = tuple(lo for r in rows for lo in r.value.left_out)
        targets = dict(rep_targets_cents(session, team_id=team_id, metric="revenue", start=period.start,
                                         end=period.end))
        members = list(dict.fromkeys([*revenue, *targets, *own]))
    people = _people(session, team_id, members)
    plans: dict[int, Plan | None] = {}
    for mid in members:
        row = own.get(mid, team_plan)
        if row is None or mid not in people:
            continue
        key = int(row.id or 0)
        if key not in plans:
            plans[key] = _plan(session, team_id, row, currency, period.last_day)
        name, slack_id = people[mid]
        plan = plans[key]
        statement = calculate(plan, revenue.get(mid, 0), targets.get(mid)) if plan is not None else None
        out.reps.append(RepStatement(mid, name, slack_id, mid in own, statement,
                                     None if plan is not None else row.currency))
    out.reps.sort(key=lambda r: (-(r.statement.total_cents if r.statement else 0), r.name))
    return out


def _people(session: Any, team_id: str, member_ids: list[int]) -> dict[int, tuple[str, str | None]]:
    if not member_ids:
        return {}
    stmt = select(Member.id, Member.display_name, Member.crm_name, Member.slack_user_id).where(
        Member.team_id == team_id, Member.id.in_(member_ids)  # type: ignore[union-attr]
    )
    return {int(i): (d or c or "?", s) for i, d, c, s in session.execute(stmt)}


# ------------------------------------------------------------------------------------------------ words


def rate_text(rate: Decimal) -> str:
    """5% · 7.5% · 12.25% (as typed, no float noise)."""
    value = (rate * 100).normalize()
    return f"{value:f}%"


def factor_text(factor: Decimal) -> str:
    return f"{factor.normalize():f}"


def _att(statement: Statement, lang: str) -> str:
    att = statement.attainment
    return percent(float(att), lang, 0) if att is not None else t("incentive.no_target", lang)


def _line(line: Line, statement: Statement, plan_has_tiers: bool, cur: str, lang: str) -> str:
    def m(cents: int) -> str:
        return money(cents, cur, lang)

    if line.kind == "band":
        rate = rate_text(line.rate or Decimal(0))
        if not plan_has_tiers:
            key = "incentive.band.flat"
        elif line.low_cents == 0:
            key = "incentive.band.first"
        elif line.high_cents is None:
            key = "incentive.band.top"
        else:
            key = "incentive.band.middle"
        return t(key, lang, base=m(line.base_cents), rate=rate, low=m(line.low_cents),
                 high=m(line.high_cents or 0), amount=m(line.amount_cents))
    if line.kind == "accelerator":
        return t("incentive.accelerator", lang, factor=factor_text(line.factor or Decimal(1)), base=m(line.base_cents),
                 earned=m(line.earned_cents), amount=m(line.amount_cents))
    if line.kind == "cap":
        return t("incentive.cap", lang, cap=m(line.high_cents or 0), commission=m(line.base_cents),
                 amount=m(-line.amount_cents))
    if line.kind == "bonus":
        return t("incentive.bonus", lang, amount=m(line.amount_cents))
    if line.kind == "bonus_missed":
        return t("incentive.bonus_missed", lang, amount=m(line.base_cents), att=_att(statement, lang))
    return t("incentive.bonus_no_target", lang, amount=m(line.base_cents))


def statement_lines(rep: RepStatement, st: Statements, lang: str) -> list[str]:
    """One rep's statement, line by line, ending with the total."""
    cur = st.currency
    lines = [t("incentive.title", lang, name=escape(rep.name), period=st.period.label(lang))]
    if rep.statement is None:
        lines.append(_not_converted(rep, st, lang))
        return lines
    s = rep.statement
    which = t("incentive.plan.own" if rep.own_plan else "incentive.plan.team", lang)
    if s.target_cents:
        lines.append(t("incentive.head", lang, revenue=money(s.revenue_cents, cur, lang),
                       target=money(s.target_cents, cur, lang), att=_att(s, lang), plan=which))
    else:
        lines.append(t("incentive.head_no_target", lang, revenue=money(s.revenue_cents, cur, lang), plan=which))
    tiers = sum(1 for line in s.lines if line.kind == "band") > 1 or any(
        line.kind == "band" and line.high_cents is not None for line in s.lines)
    lines.extend(f"• {_line(line, s, tiers, cur, lang)}" for line in s.lines)
    lines.append(t("incentive.total", lang, amount=money(s.total_cents, cur, lang)))
    if tiers:
        lines.append(f"_{t('incentive.marginal', lang)}_")
    return lines


def _not_converted(rep: RepStatement, st: Statements, lang: str, *, listed: bool = False) -> str:
    """Why a rep has no statement: their plan's currency has no rate. The team plan is called the team plan (it is
    nobody's own); in the team's list its line starts with the rep it leaves without a statement."""
    params = dict(name=escape(rep.name), currency=rep.not_converted or "?", day=st.period.last_day.isoformat())
    if rep.own_plan:
        return t("incentive.not_converted", lang, **params)
    return t("incentive.not_converted_team_line" if listed else "incentive.not_converted_team", lang, **params)


def team_lines(st: Statements, lang: str, limit: int = 50) -> list[str]:
    """The team's statements in one line each, best paid first."""
    cur = st.currency
    lines = [tn("incentive.team_title", len(st.reps), lang, period=st.period.label(lang),
               total=money(st.total_cents, cur, lang))]
    for rep in st.reps[:limit]:
        s = rep.statement
        if s is None:
            lines.append("• " + _not_converted(rep, st, lang, listed=True))
            continue
        att = t("incentive.of_target", lang, att=_att(s, lang)) if s.target_cents else t("incentive.no_target", lang)
        lines.append(t("incentive.team_line", lang, name=escape(rep.name), total=money(s.total_cents, cur, lang),
                       revenue=money(s.revenue_cents, cur, lang), att=att))
    if len(st.reps) > limit:
        lines.append(tn("incentive.more", len(st.reps) - limit, lang))
    return lines


def left_out_notes(st: Statements, lang: str) -> list[str]:
    """Deals whose currency has no rate are not in anyone's revenue: said under the statements."""
    return [f"⚠ {line}" for line in left_out_lines(merge([st.left_out]), lang, what=t("money.what.revenue", lang))]


def plan_terms(row: CommissionPlan, lang: str) -> str:
    """A plan in one line: "5% of revenue, 8% from US$100,000.00, …"."""
    cur = row.currency
    parts = [t("incentive.terms.rate", lang, rate=rate_text(Decimal(row.rate_ppm) / PPM))]
    parts += [t("incentive.terms.tier", lang, rate=rate_text(Decimal(ppm) / PPM), low=money(int(low), cur, lang))
              for low, ppm in row.tiers]
    if row.accelerator_milli:
        parts.append(t("incentive.terms.accelerator", lang,
                       factor=factor_text(Decimal(row.accelerator_milli) / MILLI)))
    if row.cap_cents is not None:
        parts.append(t("incentive.terms.cap", lang, cap=money(int(row.cap_cents), cur, lang)))
    if row.bonus_cents:
        parts.append(t("incentive.terms.bonus", lang, bonus=money(int(row.bonus_cents), cur, lang)))
    return ("，" if lang == "zh" else ", ").join(parts)


def since_text(plan: CommissionPlan, lang: str) -> str:
    """" (since December 2026)" for a version that replaced an earlier one; nothing for a scope's first plan."""
    if plan.valid_from == PLAN_ALWAYS:
        return ""
    month = month_of(plan.valid_from)
    return t("incentive.plan_since", lang, month=named_period(month.start, month.end, lang))


# --------------------------------------------------------------------------------- the brief, the digest


def brief_line(session: Any, team_id: str, member_id: int, period: Any, today: date, lang: str) -> str | None:
    """The 1:1 brief's line: what the rep has earned so far this period (None without a plan)."""
    st = statements(session, team_id, period, today=today, member_id=member_id)
    if not st.reps or st.reps[0].statement is None:
        return None
    rep, label = st.reps[0], period.label(lang).split(" (")[0].split("（")[0]
    s = rep.statement
    assert s is not None
    which = t("incentive.plan.own" if rep.own_plan else "incentive.plan.team", lang)
    passed = t("incentive.brief_passed", lang) if s.passed_target else ""
    return t("incentive.brief", lang, period=label, total=money(s.total_cents, st.currency, lang), plan=which,
             passed=passed)


def digest_line(session: Any, team_id: str, period: Any, today: date, lang: str) -> str | None:
    """The digest's line: the team's earnings for the period and who passed their target (None without plans)."""
    st = statements(session, team_id, period, today=today)
    if not st.reps:
        return None
    label = period.label(lang).split(" (")[0].split("（")[0]
    line = tn("incentive.digest", len(st.reps), lang, period=label, total=money(st.total_cents, st.currency, lang))
    passed = [escape(r.name) for r in st.reps if r.statement is not None and r.statement.passed_target]
    if passed:
        line += t("incentive.digest_passed", lang, names=", ".join(passed[:5]) + (" …" if len(passed) > 5 else ""))
    return line
