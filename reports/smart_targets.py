"""SMART targets: a target written as a change on a base period, e.g. `+10% next quarter` (base: the same
metric in the previous period), `+10% next quarter vs last year` (base: the same period a year earlier),
`110% of last quarter` (base named; the target is for the period after it unless another is named),
`下季度 销售额 增长10%`, `为上季度的110%`.

Rates and scores move in points: `win rate +5 pts` (or `+5%`) is five percentage points on the base, never
5% of it. The target keeps its base (period, value when set, rule) so answers can show where it came from.
"""

import re
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from reports.periods import Period, PeriodError, following, parse_period

_NUMBER = r"(\d+(?:\.\d+)?)"
_PLUS_EN = re.compile(rf"(?<![\w.])([+\-−])\s*{_NUMBER}\s*(%|pts?\b|pp\b|points?\b|个百分点)", re.I)
_GROW_EN = re.compile(
    rf"\b(grow(?:th)?|increase|raise|up|down|decrease|cut)\s+(?:by\s+)?{_NUMBER}\s*(%|pts?\b|pp\b)", re.I
)
_GROW_ZH = re.compile(rf"(增长|提升|提高|增加|上涨|上升|下降|减少|降低)\s*{_NUMBER}\s*(%|个百分点|pts?)")
_OF_EN = re.compile(rf"(?<![\w.]){_NUMBER}\s*%\s+of\s+(.+)$", re.I)
_OF_ZH = re.compile(rf"的\s*{_NUMBER}\s*%")
_DOWN = {"-", "−", "down", "decrease", "cut", "下降", "减少", "降低"}


@dataclass(frozen=True)
class GrowthRule:
    """kind: 'plus' (+10% of the base), 'of' (110% of the base), 'points' (+5 points, rates and scores);
    bp: hundredths of a percent (plus/of) or of a point (points); base: a base period named in the text."""

    kind: str
    bp: int
    base: Period | None = None


def _bp(number: str) -> int:
    return int((Decimal(number) * 100).to_integral_value())


def take_growth(
    text: str, *, unit: str | None, today: date, language: str = "en", fy: int = 1
) -> tuple[GrowthRule | None, str]:
    """The growth rule in a /target line and the line without it; (None, text) when it has none.
    `unit`: the metric's unit when known ('ratio' and 'score' move in points)."""
    points_unit = unit in ("ratio", "score")
    if match := _OF_EN.search(text):
        base, rest = _leading_period(match.group(2), today, language, fy)
        if base is not None:
            return GrowthRule("of", _bp(match.group(1)), base), f"{text[: match.start()]} {rest}".strip()
    if match := _OF_ZH.search(text):
        base, start = _trailing_period(text[: match.start()], today, language, fy)
        if base is not None:
            prefix = text[:start].rstrip().removesuffix("为").removesuffix("是")
            return GrowthRule("of", _bp(match.group(1)), base), f"{prefix} {text[match.end() :]}".strip()
    for pattern in (_PLUS_EN, _GROW_EN, _GROW_ZH):
        if match := pattern.search(text):
            word, number, sign = match.group(1), match.group(2), match.group(3).lower()
            bp = _bp(number) * (-1 if word.lower() in _DOWN else 1)
            in_points = points_unit or sign not in ("%",)
            kind = "points" if in_points else "plus"
            return GrowthRule(kind, bp), f"{text[: match.start()]} {text[match.end():]}".strip()
    return None, text


def _leading_period(text: str, today: date, language: str, fy: int) -> tuple[Period | None, str]:
    """The longest period phrase at the start of `text` ("last quarter next month" -> last quarter)."""
    words = text.split()
    for n in range(len(words), 0, -1):
        try:
            period = parse_period(" ".join(words[:n]), today=today, language=language, fiscal_year_start_month=fy)
        except PeriodError:
            continue
        return period, " ".join(words[n:])
    return None, text


def _trailing_period(text: str, today: date, language: str, fy: int) -> tuple[Period | None, int]:
    """The longest period phrase at the end of `text` (上季度 in "销售额 为上季度") and where it starts."""
    stripped = text.rstrip()
    for i in range(len(stripped)):
        try:
            period = parse_period(stripped[i:], today=today, language=language, fiscal_year_start_month=fy)
        except PeriodError:
            continue
        return period, i
    return None, len(text)


def base_period(rule: GrowthRule, target: Period, *, vs_last_year: bool) -> Period:
    """The base: the period named in the rule, else a year earlier (`vs last year`), else the one before."""
    if rule.base is not None:
        return rule.base
    return target.year_earlier() if vs_last_year else target.previous()


def period_after(base: Period) -> Period | None:
    """The target period for `110% of last quarter` with no other period named: the one after the base."""
    return following(base) if base.kind in ("week", "month", "quarter", "year") else None


def apply(rule: GrowthRule, base_stored: int, *, ceiling: int | None = None) -> int:
    """The target (Target.value_cents units) from the base in the same units; `ceiling`: a rate's 100%."""
    if rule.kind == "points":
        value = base_stored + rule.bp  # hundredths of a point on hundredths of a point
        return min(value, ceiling) if ceiling is not None else value
    factor = Decimal(rule.bp) / 10000
    multiplier = factor if rule.kind == "of" else 1 + factor
    return int((Decimal(base_stored) * multiplier).to_integral_value(rounding=ROUND_HALF_UP))
