"""Block Kit for `/kpi` and `/target` answers: the figure first, then what makes it useful.

Every renderer takes plain values (KpiValue, Comparison, rows) and returns a message payload; none touches
the database. Money is formatted for the asker's locale (reports.formatting, Babel).
"""

from dataclasses import dataclass
from typing import Any

from handlers.blocks import Block, button, context, section, sections
from handlers.blocks import message as make_message
from reports import mrkdwn, target_words
from reports.changes import change_text
from reports.formatting import money, money_short, money_whole, number, percent
from reports.i18n import add_messages, msg, nmsg, t, tn
from reports.kpi_engine import BreakdownRow, Comparison, KpiValue, rep_status
from reports.money_notes import left_out_flag, left_out_lines, merge
from reports.standing import Standing
from reports.targets import TargetUse

# Metric names: their Chinese in the catalogs is the one glossary's term (tests/reports/test_glossary.py).
add_messages(
    msg("kpi.metric.revenue", "Revenue"),
    msg("kpi.metric.deals_won", "Deals won"),
    msg("kpi.metric.win_rate", "Win rate"),
    msg("kpi.metric.avg_deal_size", "Average deal size"),
    msg("kpi.metric.sales_cycle", "Sales cycle"),
    msg("kpi.metric.pipeline", "Pipeline"),
    msg("kpi.metric.new_deals", "New deals"),
    msg("kpi.metric.attainment", "Attainment"),
    msg("kpi.metric.pace", "Pace"),
    msg("kpi.metric.csat", "CSAT"),
    msg("kpi.metric.nps", "NPS"),
    msg("kpi.metric.checkin_rate", "Check-in rate"),
    msg("kpi.metric.stage_conversion", "Stage-to-stage conversion"),
    msg("kpi.metric.time_in_stage", "Time in stage"),
)
# A pipeline of open deals the CRM gave no amounts: said, never "US$0" (as the digest's "no amounts").
add_messages(nmsg("kpi.no_amounts", "{deals} deal, no amounts", "{deals} deals, no amounts"))

add_messages(
    msg("kpi.by.rep", "by rep"),
    msg("kpi.by.product", "by product"),
    msg("kpi.by.account", "by account"),
    msg("kpi.by.week", "by week"),
    msg("kpi.team", "Team"),
    msg("kpi.you", "You"),
    msg("kpi.your_numbers", "Your numbers"),
    msg("kpi.team_numbers", "Team numbers"),
    msg("kpi.leaderboard", "{metric} leaderboard"),
    msg("kpi.vs_previous", "{change} vs previous period ({value})"),
    msg("kpi.vs_year", "{change} vs a year earlier ({value})"),
    msg("kpi.target_line", "Target {target} · attainment {attainment} {mark}"),
    msg("kpi.target_is", "Target {target} ({source})"),
    msg("kpi.attainment_is", "attainment {pct}"),
    msg("kpi.status.hit", "hit ✅"),
    msg("kpi.status.missed", "missed by {gap}"),
    msg("kpi.status.upcoming", "not started yet"),
    msg("kpi.partial", "Partial period: {n} of {total} days so far, compared with the same {n} days of each earlier "
        "period"),
    msg("kpi.pace_line", "pace {pace} · {status}"),
    msg("kpi.no_target", "No target for this period · set one with `/target set revenue 100000 {hint}`"),
    nmsg("kpi.revenue_context", "Won {won} deal · avg {avg} · win rate {win_rate}",
         "Won {won} deals · avg {avg} · win rate {win_rate}"),
    nmsg("kpi.headline_more", "Won {won} deal · win rate {win_rate} · avg {avg} · pipeline {pipeline}",
         "Won {won} deals · win rate {win_rate} · avg {avg} · pipeline {pipeline}"),
    msg("kpi.status.on_track", "on track"),
    msg("kpi.status.at_risk", "at risk"),
    msg("kpi.status.behind", "behind"),
    msg("kpi.status.no_target", "no target"),
    msg("kpi.of_target", "{pct} of target · {status}"),
    msg("kpi.of_target_pace", "{pct} of target · pace {pace} · {status}"),
    nmsg("kpi.total_line.rep", "{n} rep · total {total}", "{n} reps · total {total}"),
    nmsg("kpi.total_line.product", "{n} product · total {total}", "{n} products · total {total}"),
    nmsg("kpi.total_line.account", "{n} account · total {total}", "{n} accounts · total {total}"),
    nmsg("kpi.total_line.week", "{n} week · total {total}", "{n} weeks · total {total}"),
    nmsg("kpi.team_line", "{n} rep · team {total} of {target} target (pace {pace})",
         "{n} reps · team {total} of {target} target (pace {pace})"),
    nmsg("kpi.team_line_done", "{n} rep · team {total} of {target} target ({pace})",
         "{n} reps · team {total} of {target} target ({pace})"),
    msg("kpi.more_rows", "… and {n} more (use `export` for all)"),
    nmsg("kpi.earlier_weeks", "… {n} earlier week not shown (use `export` for all)",
         "… {n} earlier weeks not shown (use `export` for all)"),
    msg("kpi.no_rows", "Nothing in this period."),
    msg("kpi.share", "Share in channel"),
    msg("kpi.compared_periods", "Periods compared"),
    msg("kpi.shared_by", "Shared by <@{user}>"),
    msg("kpi.days", "{n} days"),
    msg("kpi.chart_sent", "Chart and details sent to you in a direct message."),
    msg("kpi.export_sent", "CSV export sent to you in a direct message ({n} rows)."),
)

STATUS_MARK = {"on_track": "✅", "at_risk": "⚠️", "behind": "🔻", "no_target": ""}
ROW_LIMIT = 15
WEEK_LIMIT = 104  # two years of weeks: a table Slack shows whole (the export has every week)
SPARKS = "▁▂▃▄▅▆▇█"


@dataclass(frozen=True)
class Frame:
    """What every KPI message shares: language, currency, the period's label, and who it is about."""

    language: str
    currency: str
    period_label: str
    subject: str  # "Team", "You", a rep's name; may carry ", product X"; mrkdwn, data in it escaped
    share_value: str | None  # the Share button's value; None: no button (already shared)


def metric_name(metric: str, language: str) -> str:
    return t(f"kpi.metric.{metric}", language)


def fmt(value: KpiValue, frame: Frame, *, short: bool = False, whole: bool = False) -> str:
    """A KPI value as the asker reads it."""
    lang, v = frame.language, value.value
    if value.unit == "money":
        if not v and value.deals:  # deals counted, none with an amount: not "US$0"
            return tn("kpi.no_amounts", value.deals, lang, deals=number(value.deals, lang))
        if v is None:
            return percent(None, lang)
        if short:
            return money_short(int(v), frame.currency, lang)
        return money_whole(int(v), frame.currency, lang) if whole else money(int(v), frame.currency, lang)
    if value.unit == "count":
        return number(v or 0, lang)
    if value.unit == "ratio":
        return percent(v, lang)
    if value.unit == "days":
        return percent(None, lang) if v is None else t("kpi.days", lang, n=number(v, lang, 1 if v % 1 else 0))
    if value.unit == "score":
        return percent(None, lang) if v is None else f"{'+' if v > 0 else ''}{number(v, lang, 0)}"
    return str(v)




def _title(text: str, frame: Frame) -> Block:
    accessory = button(t("kpi.share", frame.language), "kpi_share", frame.share_value) if frame.share_value else None
    return section(f"*{text}*", accessory=accessory)


def _status_text(ratio: float | None, language: str) -> str:
    status = rep_status(ratio)
    return f"{t(f'kpi.status.{status}', language)} {STATUS_MARK[status]}".strip()


def figure_message(
    cmp: Comparison,
    frame: Frame,
    *,
    target_line: str = "",
    extra: list[str] | None = None,
    vs_last_year_first: bool = False,
    target_hint: str = "",
) -> dict[str, Any]:
    """One metric: the figure with its changes, then the target line (`standing_line`) when a target exists."""
    lang, metric = frame.language, cmp.current.metric
    title = f"{metric_name(metric, lang)} · {frame.subject} · {frame.period_label}"
    current = fmt(cmp.current, frame)
    prev = t("kpi.vs_previous", lang, change=_change(cmp.current, cmp.previous, lang), value=fmt(cmp.previous, frame))
    year = t("kpi.vs_year", lang, change=_change(cmp.current, cmp.year_ago, lang), value=fmt(cmp.year_ago, frame))
    changes = [year, prev] if vs_last_year_first else [prev, year]
    blocks = [_title(title, frame), section(f"*{current}*   " + "   ".join(changes))]
    lines = []
    if target_line:
        lines.append(target_line)
    elif metric == "revenue" and target_hint:
        lines.append(t("kpi.no_target", lang, hint=target_hint))
    lines.extend(extra or [])
    lines.extend(left_out_lines(cmp.current.left_out, lang))
    earlier = merge([cmp.previous.left_out, cmp.year_ago.left_out])
    lines.extend(left_out_lines(earlier, lang, what=t("kpi.compared_periods", lang)))
    if lines:
        blocks.append(context(*lines))
    return make_message(f"{title}: {current}", blocks)


def standing_line(target: KpiValue, source: str, st: Standing, frame: Frame, *, gap: KpiValue | None = None) -> str:
    """"Target US$100,000.00 (set for Q4 2026 by Maria) · attainment 40% · pace 95% · at risk ⚠️" while the
    period runs; "… · attainment 93% · missed by US$7,000.00" or "… · attainment 107% · hit ✅" once it is over.
    The status sits beside the figure it is judged from (pace, else attainment)."""
    lang = frame.language
    parts = [t("kpi.target_is", lang, target=fmt(target, frame), source=source)]
    if st.status == "upcoming":
        return " · ".join([*parts, t("kpi.status.upcoming", lang)])
    attainment = t("kpi.attainment_is", lang, pct=percent(st.attainment, lang, 0))
    if st.state == "finished":
        if st.status == "hit":
            parts += [attainment, t("kpi.status.hit", lang)]
        else:
            shown_gap = fmt(gap, frame) if gap is not None else percent(None, lang)
            parts += [attainment, t("kpi.status.missed", lang, gap=shown_gap)]
    elif st.judged_by == "pace":
        pace = t("kpi.pace_line", lang, pace=percent(st.pace, lang, 0), status=_status_text(st.pace, lang))
        parts += [attainment, pace]
    else:
        parts += [f"{attainment} · {_status_text(st.attainment, lang)}"]
    return " · ".join(parts)


def _change(current: KpiValue, base: KpiValue, language: str) -> str:
    """Rates in points, NPS in points, money and counts in % (reports/changes.py); no change from or to deals
    without amounts (a pipeline the CRM gave no amounts did not fall by 100%)."""
    if any(v.unit == "money" and not v.value and v.deals for v in (current, base)):
        return change_text(current.unit, None, None, language)
    return change_text(current.unit, current.value, base.value, language)


def headline_message(
    values: dict[str, KpiValue], cmp: Comparison, frame: Frame, *, target_line: str, title: str
) -> dict[str, Any]:
    """`/kpi` alone: revenue with its change, the other headline numbers, and the target line."""
    lang = frame.language
    heading = f"{title} · {frame.period_label}"
    revenue = fmt(values["revenue"], frame)
    prev = t("kpi.vs_previous", lang, change=_change(cmp.current, cmp.previous, lang), value=fmt(cmp.previous, frame))
    more = tn(
        "kpi.headline_more",
        values["deals_won"].value or 0,
        lang,
        won=fmt(values["deals_won"], frame),
        win_rate=fmt(values["win_rate"], frame),
        avg=fmt(values["avg_deal_size"], frame),
        pipeline=fmt(values["pipeline"], frame, short=True),
    )
    blocks = [_title(heading, frame), section(f"{metric_name('revenue', lang)} *{revenue}*   {prev}"), context(more)]
    notes = [
        *left_out_lines(values["revenue"].left_out, lang, what=metric_name("revenue", lang)),
        *left_out_lines(values["pipeline"].left_out, lang, what=metric_name("pipeline", lang)),
    ]
    if notes:
        blocks.append(context(*notes))
    if target_line:
        blocks.append(context(target_line))
    return make_message(f"{heading}: {revenue}", blocks)


def breakdown_message(
    metric: str,
    by: str,
    rows: list[BreakdownRow],
    frame: Frame,
    *,
    targets: dict[Any, int] | None = None,
    uncompared: dict[Any, TargetUse] | None = None,
    total: KpiValue | None = None,
    week_labels: dict[Any, str] | None = None,
    notes: list[str] | None = None,
    paces: dict[Any, float | None] | None = None,
    state: str = "running",
    changes: dict[Any, str] | None = None,
) -> dict[str, Any]:
    """A ranked table (or weeks in order with a sparkline); with rep targets, attainment and status per rep;
    with `changes`, each row's change beside its figure (vs last year)."""
    lang = frame.language
    title = f"{metric_name(metric, lang)} {t(f'kpi.by.{by}', lang)} · {frame.subject} · {frame.period_label}"
    return _table(
        title,
        rows,
        frame,
        by=by,
        targets=targets,
        uncompared=uncompared,
        total=total,
        week_labels=week_labels,
        notes=notes,
        paces=paces,
        state=state,
        changes=changes,
    )


def leaderboard_message(
    metric: str,
    rows: list[BreakdownRow],
    frame: Frame,
    *,
    targets: dict[Any, int],
    total: KpiValue,
    team_target: int | None,
    uncompared: dict[Any, TargetUse] | None = None,
    team_pace: float | None,
    paces: dict[Any, float | None] | None = None,
    running: bool = True,
) -> dict[str, Any]:
    lang = frame.language
    title = f"{t('kpi.leaderboard', lang, metric=metric_name(metric, lang))} · {frame.period_label}"
    notes = []
    if team_target:
        notes.append(
            tn(
                "kpi.team_line" if running else "kpi.team_line_done",
                len(rows),
                lang,
                total=fmt(total, frame, short=True),
                target=money_short(team_target, frame.currency, lang),
                pace=percent(team_pace, lang, 0),
            )
        )
    state = "running" if running else "finished"
    return _table(
        title,
        rows,
        frame,
        by="rep",
        targets=targets,
        uncompared=uncompared,
        total=total,
        notes=notes,
        paces=paces,
        state=state,
    )


def _table(
    title: str,
    rows: list[BreakdownRow],
    frame: Frame,
    *,
    by: str,
    targets: dict[Any, int] | None,
    total: KpiValue | None,
    uncompared: dict[Any, TargetUse] | None = None,
    week_labels: dict[Any, str] | None = None,
    notes: list[str] | None = None,
    paces: dict[Any, float | None] | None = None,
    state: str = "running",
    changes: dict[Any, str] | None = None,
) -> dict[str, Any]:
    lang = frame.language
    if not rows:
        return make_message(title, [_title(title, frame), section(t("kpi.no_rows", lang))])
    lines = []
    shown = rows[-WEEK_LIMIT:] if by == "week" else rows[:ROW_LIMIT]  # weeks: the most recent ones
    for i, row in enumerate(shown, start=1):
        label = week_labels[row.key] if week_labels and row.key in week_labels else mrkdwn.escape(row.label)
        value = fmt(row.value, frame, whole=True)
        prefix = "" if by == "week" else f"{i}. "
        line = f"{prefix}{label}   *{value}*"
        flag = left_out_flag(row.value.left_out, lang)  # this row's figure could not include them: said beside it
        if flag:
            line += f"   {flag}"
        if changes and row.key in changes:
            line += "   " + changes[row.key]
        if targets is not None and row.value.unit == "money":
            target = targets.get(row.key)
            ratio = (row.value.value or 0) / target if target else None
            if target:
                gap = target - (row.value.value or 0)
                line += "   " + _row_standing(ratio, (paces or {}).get(row.key), gap, frame, state)
            elif uncompared and row.key in uncompared:  # one was set, in a currency with no rate
                line += "   " + t("target.row_not_compared", lang)
            else:
                line += "   " + t("kpi.status.no_target", lang)
        lines.append(line)
    blocks = [_title(title, frame)]
    if by == "week":
        spark = sparkline([float(r.value.value or 0) for r in shown])
        if spark:
            blocks.append(section(f"`{spark}`"))
    blocks.extend(sections(lines))
    footer = list(notes or [])
    if len(rows) > len(shown):
        hidden = len(rows) - len(shown)
        footer.append(tn("kpi.earlier_weeks", hidden, lang) if by == "week" else t("kpi.more_rows", lang, n=hidden))
    if total is not None and not notes:
        footer.append(tn(f"kpi.total_line.{by}", len(rows), lang, total=fmt(total, frame)))
    footer.extend(left_out_lines(total.left_out if total is not None else merge(r.value.left_out for r in rows), lang))
    unexplained = {r.label: uncompared[r.key] for r in shown if uncompared and r.key in uncompared}
    if unexplained:
        footer.append(target_words.reps_not_compared(unexplained, lang))
    if footer:
        blocks.append(context(*footer))
    return make_message(title, blocks)


def _row_standing(ratio: float | None, pace: float | None, gap_cents: float, frame: Frame, state: str) -> str:
    """A rep's standing beside the figure it comes from: the pace that explains "at risk" while the period
    runs, "hit" or "missed by …" once it is over."""
    lang = frame.language
    pct = percent(ratio, lang, 0)
    if state == "finished":
        if ratio is not None and ratio >= 1:
            return t("kpi.of_target", lang, pct=pct, status=t("kpi.status.hit", lang))
        gap = fmt(KpiValue("revenue", int(gap_cents), "money"), frame, whole=True)
        return t("kpi.of_target", lang, pct=pct, status=t("kpi.status.missed", lang, gap=gap))
    if state == "upcoming":
        return t("kpi.of_target", lang, pct=pct, status=t("kpi.status.upcoming", lang))
    if pace is not None:
        return t("kpi.of_target_pace", lang, pct=pct, pace=percent(pace, lang, 0), status=_status_text(pace, lang))
    return t("kpi.of_target", lang, pct=pct, status=_status_text(ratio, lang))


def sparkline(values: list[float]) -> str:
    """▁▃▅█: a week-by-week trend that reads on a phone without a picture."""
    if not values:
        return ""
    low, high = min(values), max(values)
    if high == low:
        return SPARKS[0] * len(values)
    return "".join(SPARKS[round((v - low) / (high - low) * (len(SPARKS) - 1))] for v in values)


def note(message: dict[str, Any], text: str) -> dict[str, Any]:
    """Add one context line at the end (e.g. "chart sent in a DM")."""
    message["blocks"] = [*message["blocks"], context(text)][:50]
    return message


def shared(message: dict[str, Any], user: str, language: str) -> dict[str, Any]:
    """The in-channel copy: no Share button, and who shared it."""
    blocks = []
    for block in message["blocks"]:
        block = dict(block)
        block.pop("accessory", None)
        blocks.append(block)
    blocks.append(context(t("kpi.shared_by", language, user=user)))
    return {**message, "blocks": blocks, "response_type": "in_channel"}
