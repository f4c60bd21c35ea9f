"""Block Kit for `/kpi` and `/target` answers: the figure first, then what makes it useful.

Every renderer takes plain values (KpiValue, Comparison, rows) and returns a message payload; none touches
the database. Money is formatted for the asker's locale (reports.formatting, Babel).
"""

from dataclasses import dataclass
from typing import Any

from handlers.blocks import Block, button, context, section, sections
from handlers.blocks import message as make_message
from reports import glossary, mrkdwn, target_words
from reports.changes import change_text
from reports.formatting import money, money_short, money_whole, number, percent
from reports.i18n import add_catalog, add_messages, msg, t
from reports.kpi_engine import BreakdownRow, Comparison, KpiValue, rep_status
from reports.money_notes import left_out_flag, left_out_lines, merge
from reports.standing import Standing
from reports.targets import TargetUse

# Metric names: English here, Chinese from the one glossary.
METRIC_EN = {
    "revenue": "Revenue",
    "deals_won": "Deals won",
    "win_rate": "Win rate",
    "avg_deal_size": "Average deal size",
    "sales_cycle": "Sales cycle",
    "pipeline": "Pipeline",
    "new_deals": "New deals",
    "attainment": "Attainment",
    "pace": "Pace",
    "csat": "CSAT",
    "nps": "NPS",
    "checkin_rate": "Check-in rate",
    "stage_conversion": "Stage-to-stage conversion",
    "time_in_stage": "Time in stage",
}
add_catalog({f"kpi.metric.{metric}": {"en": name, "zh": glossary.zh(metric)} for metric, name in METRIC_EN.items()})
# A pipeline of open deals the CRM gave no amounts: said, never "US$0" (as the digest's "no amounts").
add_messages(msg("kpi.no_amounts", "{deals} deals, no amounts"))

add_catalog(
    {
        "kpi.by.rep": {"en": "by rep", "zh": "按销售"},
        "kpi.by.product": {"en": "by product", "zh": "按产品"},
        "kpi.by.account": {"en": "by account", "zh": "按客户"},
        "kpi.by.week": {"en": "by week", "zh": "按周"},
        "kpi.team": {"en": "Team", "zh": "团队"},
        "kpi.you": {"en": "You", "zh": "你"},
        "kpi.your_numbers": {"en": "Your numbers", "zh": "你的数据"},
        "kpi.team_numbers": {"en": "Team numbers", "zh": "团队数据"},
        "kpi.leaderboard": {"en": "{metric} leaderboard", "zh": "{metric}排行榜"},
        "kpi.vs_previous": {"en": "{change} vs previous period ({value})", "zh": "较上期 {change}（{value}）"},
        "kpi.vs_year": {"en": "{change} vs a year earlier ({value})", "zh": "较去年同期 {change}（{value}）"},
        "kpi.target_line": {
            "en": "Target {target} · attainment {attainment} {mark}",
            "zh": "目标 {target} · 完成率 {attainment} {mark}",
        },
        "kpi.target_is": {"en": "Target {target} ({source})", "zh": "目标 {target}（{source}）"},
        "kpi.attainment_is": {"en": "attainment {pct}", "zh": "完成率 {pct}"},
        "kpi.status.hit": {"en": "hit ✅", "zh": "已达成 ✅"},
        "kpi.status.missed": {"en": "missed by {gap}", "zh": "未达成，差 {gap}"},
        "kpi.status.upcoming": {"en": "not started yet", "zh": "尚未开始"},
        "kpi.partial": {
            "en": "Partial period: {n} of {total} days so far, compared with the same {n} days of each earlier period",
            "zh": "期间未结束：已过 {n}/{total} 天，与之前各期的前 {n} 天对比",
        },
        "kpi.pace_line": {"en": "pace {pace} · {status}", "zh": "进度 {pace} · {status}"},
        "kpi.no_target": {
            "en": "No target for this period · set one with `/target set revenue 100000 {hint}`",
            "zh": "此期间没有目标 · 设置：`/target set 销售额 100000 {hint}`",
        },
        "kpi.revenue_context": {
            "en": "Won {won} deals · avg {avg} · win rate {win_rate}",
            "zh": "赢单 {won} 笔 · 客单价 {avg} · 赢单率 {win_rate}",
        },
        "kpi.headline_more": {
            "en": "Won {won} deals · win rate {win_rate} · avg {avg} · pipeline {pipeline}",
            "zh": "赢单 {won} 笔 · 赢单率 {win_rate} · 客单价 {avg} · 商机金额 {pipeline}",
        },
        "kpi.status.on_track": {"en": "on track", "zh": glossary.zh("on_track")},
        "kpi.status.at_risk": {"en": "at risk", "zh": glossary.zh("at_risk")},
        "kpi.status.behind": {"en": "behind", "zh": glossary.zh("behind")},
        "kpi.status.no_target": {"en": "no target", "zh": "无目标"},
        "kpi.of_target": {"en": "{pct} of target · {status}", "zh": "完成率 {pct} · {status}"},
        "kpi.of_target_pace": {
            "en": "{pct} of target · pace {pace} · {status}",
            "zh": "完成率 {pct} · 进度 {pace} · {status}",
        },
        "kpi.total_line": {"en": "{n} {what} · total {total}", "zh": "共 {n} 项 · 合计 {total}"},
        "kpi.team_line": {
            "en": "{n} reps · team {total} of {target} target (pace {pace})",
            "zh": "{n} 名销售 · 团队 {total}，目标 {target}（进度 {pace}）",
        },
        "kpi.team_line_done": {
            "en": "{n} reps · team {total} of {target} target ({pace})",
            "zh": "{n} 名销售 · 团队 {total}，目标 {target}（完成率 {pace}）",
        },
        "kpi.rows.rep": {"en": "reps", "zh": "名销售"},
        "kpi.rows.product": {"en": "products", "zh": "个产品"},
        "kpi.rows.account": {"en": "accounts", "zh": "个客户"},
        "kpi.rows.week": {"en": "weeks", "zh": "周"},
        "kpi.more_rows": {"en": "… and {n} more (use `export` for all)", "zh": "… 还有 {n} 项（`导出` 查看全部）"},
        "kpi.earlier_weeks": {
            "en": "… {n} earlier weeks not shown (use `export` for all)",
            "zh": "… 更早的 {n} 周未显示（`导出` 查看全部）",
        },
        "kpi.no_rows": {"en": "Nothing in this period.", "zh": "此期间没有数据。"},
        "kpi.share": {"en": "Share in channel", "zh": "分享到频道"},
        "kpi.compared_periods": {"en": "Periods compared", "zh": "对比期间"},
        "kpi.shared_by": {"en": "Shared by <@{user}>", "zh": "由 <@{user}> 分享"},
        "kpi.days": {"en": "{n} days", "zh": "{n} 天"},
        "kpi.chart_sent": {
            "en": "Chart and details sent to you in a direct message.",
            "zh": "图表已通过私信发送给你。",
        },
        "kpi.export_sent": {
            "en": "CSV export sent to you in a direct message ({n} rows).",
            "zh": "CSV 已通过私信发送给你（{n} 行）。",
        },
    }
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
            return t("kpi.no_amounts", lang, deals=number(value.deals, lang))
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
    more = t(
        "kpi.headline_more",
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
            t(
                "kpi.team_line" if running else "kpi.team_line_done",
                lang,
                n=len(rows),
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
        key = "kpi.earlier_weeks" if by == "week" else "kpi.more_rows"
        footer.append(t(key, lang, n=len(rows) - len(shown)))
    if total is not None and not notes:
        footer.append(t("kpi.total_line", lang, n=len(rows), what=t(f"kpi.rows.{by}", lang), total=fmt(total, frame)))
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
