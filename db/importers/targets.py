"""Targets from a spreadsheet: owner (blank or "team" for the team), metric, period, value.

Periods: `2026`, `2026-Q3` / `Q3 2026` / `2026年第三季度`, `2026-07` / `2026年7月`, or start and end columns
(the end date inclusive, as people write it). Values use the metric's unit: money in the workspace currency
(`$120,000`, `12万`), counts, or percentages for rates (`60%`). Targets are few, so rows are checked in
Python and written with one lookup of the existing targets; the same file twice changes nothing.
"""

import re
import time
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.engine import Engine

from db import clock
from db.importers.formats import read_small_import
from db.importers.options import ImportOptions
from db.importers.owners import ensure_owners, link_file_owners
from db.importers.report import MAX_LISTED, ImportResult, RowProblem
from db.importers.runs import finish_run, start_run
from db.importers.values import (
    MAX_AMOUNT,
    TEXT_LIMITS,
    BadValue,
    control_free,
    currency_code,
    in_date_range,
    parse_amount_text,
    parse_date_text,
)
from db.models import Target

METRICS = {  # the KPI engine's metric names, with the words people put in a targets sheet
    "revenue": "revenue",
    "sales": "revenue",
    "bookings": "revenue",
    "销售额": "revenue",
    "业绩": "revenue",
    "收入": "revenue",
    "营收": "revenue",
    "deals won": "deals_won",
    "deals_won": "deals_won",
    "wins": "deals_won",
    "赢单数": "deals_won",
    "成交数": "deals_won",
    "win rate": "win_rate",
    "win_rate": "win_rate",
    "赢单率": "win_rate",
    "转化率": "win_rate",
    "average deal size": "avg_deal_size",
    "avg_deal_size": "avg_deal_size",
    "客单价": "avg_deal_size",
    "pipeline": "pipeline",
    "管道": "pipeline",
    "new deals": "new_deals",
    "new_deals": "new_deals",
    "新增商机": "new_deals",
    "sales cycle": "sales_cycle",
    "sales_cycle": "sales_cycle",
    "销售周期": "sales_cycle",
    "csat": "csat",
    "满意度": "csat",
    "nps": "nps",
    "check-in rate": "checkin_rate",
    "checkin_rate": "checkin_rate",
}
UNITS = {
    "revenue": "money",
    "avg_deal_size": "money",
    "pipeline": "money",
    "win_rate": "ratio",
    "csat": "ratio",
    "checkin_rate": "ratio",
}
TEAM_WORDS = {"", "team", "all", "团队", "全员", "整体"}
_CN_Q = {"一": 1, "二": 2, "三": 3, "四": 4, "1": 1, "2": 2, "3": 3, "4": 4}


def parse_period(text: str) -> tuple[date, date]:
    """[start, end) of a year, quarter or month written as people do."""
    s = text.strip().upper().replace(" ", "")
    if m := re.fullmatch(r"(\d{4})年?", s):
        y = int(m[1])
        return date(y, 1, 1), date(y + 1, 1, 1)
    m = (
        re.fullmatch(r"(\d{4})[-/]?Q([1-4])", s)
        or re.fullmatch(r"Q([1-4])[-/]?(\d{4})", s)
        or re.fullmatch(r"(\d{4})年?第?([一二三四1-4])季度?", s)
        or re.fullmatch(r"(\d{4})年Q([1-4])", s)
    )
    if m:
        a, b = m[1], m[2]
        year, quarter = (int(b), _CN_Q[a]) if len(a) == 1 else (int(a), _CN_Q[b])
        start = date(year, 3 * quarter - 2, 1)
        return start, _add_months(start, 3)
    if m := re.fullmatch(r"(\d{4})[-/年](\d{1,2})月?", s):
        start = date(int(m[1]), int(m[2]), 1)
        return start, _add_months(start, 1)
    if m := re.fullmatch(r"([A-Z]{3})[A-Z]*\.?(\d{4})", s):
        months = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
        if m[1] in months:
            start = date(int(m[2]), months.index(m[1]) + 1, 1)
            return start, _add_months(start, 1)
    raise BadValue("bad_period")


def _add_months(d: date, n: int) -> date:
    month = d.month - 1 + n
    return date(d.year + month // 12, month % 12 + 1, 1)


def _stored(metric: str, text: str) -> tuple[int, str | None]:
    """Target.value_cents: cents for money, hundredths of a unit for counts, 1/100 of a percent point for rates."""
    unit = UNITS.get(metric, "count")
    if unit == "ratio":
        s = text.strip()
        pct = s.endswith("%")
        value = Decimal(s.rstrip("%").strip())
        if not value.is_finite():
            raise BadValue("bad_value")
        if abs(value) > MAX_AMOUNT:
            raise BadValue("amount_out_of_range")
        ratio = value / 100 if pct or value > 1 else value
        return int((ratio * 10000).to_integral_value()), None
    cents, currency = parse_amount_text(text)
    return cents, currency


def import_targets(engine: Engine, data: bytes, *, filename: str, team_id: str, options: ImportOptions) -> ImportResult:
    started = time.perf_counter()
    result = ImportResult(kind="targets", filename=filename, team_id=team_id, file_format="targets")
    read = read_small_import("targets", engine, data, filename=filename, team_id=team_id, options=options,
                             result=result)
    if read is None:
        return result
    frame, cols, default_currency = read
    good: list[tuple[str, str, str, date, date, int, str]] = []  # owner, email, metric, start, end, value, cur
    problems: list[RowProblem] = []
    rejected: list[dict[str, str]] = []
    for index, row in frame.iterrows():

        def cell(field: str, r: object = row) -> str:
            return str(r[cols[field]]).strip() if field in cols else ""  # type: ignore[index]

        try:
            for field in cols:
                if not control_free(cell(field)):
                    raise BadValue("control_character")
                if len(cell(field)) > TEXT_LIMITS.get(field, 10**9):
                    raise BadValue("text_too_long")
            field = "metric"
            metric = METRICS.get(cell("metric").lower().replace("_", " ")) or METRICS.get(cell("metric").lower())
            if metric is None:
                raise BadValue("unknown_metric")
            field = "period" if "period" in cols and cell("period") else "start"
            if field == "period":
                start, end = parse_period(cell("period"))
            else:
                start = parse_date_text(cell("start"), options.date_order)
                field = "end"
                end = parse_date_text(cell("end"), options.date_order) + timedelta(days=1)
            if not (in_date_range(start) and in_date_range(end - timedelta(days=1))):
                raise BadValue("date_out_of_range")
            field = "value"
            if not cell("value"):
                raise BadValue("missing_value")
            try:
                value, symbol = _stored(metric, cell("value"))
            except BadValue as bad:
                raise BadValue("amount_out_of_range" if str(bad) == "amount_out_of_range" else "bad_value") from None
            except ArithmeticError:
                raise BadValue("bad_value") from None
            field = "currency"
            currency = (
                currency_code(cell("currency"), symbol or default_currency)
                if "currency" in cols
                else (symbol or default_currency)
            )
            if currency is None:
                raise BadValue("bad_currency")
        except BadValue as bad:
            problem = RowProblem(int(index) + 2, cols.get(field, field), str(bad), cell(field)[:80])
            if len(problems) < MAX_LISTED:
                problems.append(problem)
            rejected.append({**{str(k): str(v) for k, v in row.items()}, "rejected_because": problem.text()})
            continue
        owner = cell("owner")
        good.append(
            (
                "" if owner.lower() in TEAM_WORDS else owner,
                cell("owner_email").lower(),
                metric,
                start,
                end,
                value,
                currency,
            )
        )
    result.problems, result.rejected = problems, len(rejected)
    if rejected and not options.skip_bad_rows:
        result.status = "refused"
        return result
    if rejected:
        result.status, result.rejected_rows = "partial", rejected
    with engine.begin() as conn:
        run_id = start_run(conn, result, data, workspace=options.workspace)
        emails = {o: e for o, e, *_ in good if o}
        ids, result.owners_new = ensure_owners(conn, team_id, emails)
        table = Target.__table__
        existing = {
            (r.member_id, r.metric, r.period_start, r.period_end): (r.id, r.value_cents, r.currency)
            for r in conn.execute(select(table).where(table.c.team_id == team_id))
        }
        for owner, _email, metric, start, end, value, currency in good:
            member_id = ids[owner] if owner else None
            key = (member_id, metric, start, end)
            if key not in existing:
                conn.execute(
                    table.insert().values(
                        team_id=team_id,
                        member_id=member_id,
                        metric=metric,
                        period_start=start,
                        period_end=end,
                        value_cents=value,
                        currency=currency,
                        created_by="import",
                        created_at=clock.now(),
                    )
                )
                existing[key] = (0, value, currency)
                result.inserted += 1
            elif existing[key][1:] != (value, currency):
                conn.execute(
                    table.update().where(table.c.id == existing[key][0]).values(value_cents=value, currency=currency)
                )
                existing[key] = (existing[key][0], value, currency)
                result.updated += 1
            else:
                result.unchanged += 1
        if good:
            result.date_range = (min(g[3] for g in good), max(g[4] for g in good) - timedelta(days=1))
        result.currencies = {}
        for g in good:
            result.currencies[g[6]] = result.currencies.get(g[6], 0) + 1
        link_file_owners(conn, team_id, result, ids, emails)
        result.seconds = time.perf_counter() - started
        finish_run(conn, run_id, result)
    return result
