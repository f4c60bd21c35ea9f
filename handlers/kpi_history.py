"""`/kpi` answers read from deal history: the pipeline on a past day beside today's (`/kpi pipeline on
2026-10-01`, `/kpi 2026-10-01 的 管道`), stage-to-stage conversion (`/kpi conversion last quarter`) and time
in stage (`/kpi time in stage`). Thin: reports/history.py computes, reports/history_text.py words it."""

from datetime import date, timedelta
from typing import Any

from db import clock
from handlers import kpi_views as views
from handlers.blocks import context, sections
from handlers.blocks import message as make_message
from reports import history
from reports import history_text as words
from reports.i18n import t
from reports.kpi_engine import Scope
from reports.kpi_grammar import HISTORY_METRICS, KpiRequest
from reports.periods import Period

DEFAULT_PERIOD = {"en": "last 90 days", "zh": "最近90天"}  # conversion and time in stage without a period


def default_period(req: KpiRequest, language: str) -> str:
    """The period phrase to resolve: what was typed, else the last 90 days for the history metrics (a month
    holds too few stage moves to say much)."""
    if req.period_text or req.metric not in HISTORY_METRICS:
        return req.period_text
    return DEFAULT_PERIOD["zh" if language == "zh" else "en"]


def wants_history(req: KpiRequest, period: Period, today: date) -> bool:
    """Conversion and time in stage always; the pipeline when asked on one past day (not as a breakdown)."""
    if req.metric in HISTORY_METRICS:
        return True
    single_day = period.end - period.start == timedelta(days=1)
    return (req.metric == "pipeline" and single_day and period.start < today and not req.leaderboard
            and req.by is None and not req.product and not req.account)


def history_message(session: Any, req: KpiRequest, scope: Scope, period: Period, frame: views.Frame, *,
                    timezone: str, today: date) -> dict[str, Any]:
    """The answer, with "history starts on <date>" wherever the question reaches before history."""
    lang, zone = frame.language, clock.zone(timezone)
    notes: list[str] = []
    if req.by or req.leaderboard or req.product or req.account or req.export or req.vs_last_year:
        notes.append(t("history.only_team_or_rep", lang))
    if req.metric == "pipeline":
        found = history.pipeline_on(session, scope.team_id, period.start, member_id=scope.member_id, today=today,
                                    zone=zone)
        title, lines, more = words.pipeline_lines(found, who=frame.subject, language=lang)
        notes += more
    else:
        start, end = history.day_start(period.start, zone), history.day_start(period.end, zone)
        began = history.history_start(session, scope.team_id)
        label = frame.period_label
        if req.metric == "stage_conversion":
            title = t("history.conversion.title", lang, who=frame.subject, period=label)
            lines = words.conversion_lines(
                history.conversions(session, scope.team_id, start, end, member_id=scope.member_id), lang)
        else:
            title = t("history.time.title", lang, who=frame.subject, period=label)
            times = history.time_in_stage(session, scope.team_id, start, end, member_id=scope.member_id)
            lines, more = words.time_lines(times, began, lang)
            notes += more
        if began is None or began > start:
            notes.insert(0, words.starts_line(began, lang) if began is None else t(
                "history.partly", lang, day=words.day_text(began, lang)))
    blocks = [views._title(title, frame), *sections(lines)]
    if notes:
        blocks.append(context(*notes))
    return make_message(f"{title}: " + (lines[0] if lines else ""), blocks)
