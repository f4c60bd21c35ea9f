"""How a change between two figures is written: rates in percentage points, NPS in points, the rest in %.

A win rate going from 40% to 50% is "▲ 10.0 pts", never "▲ 25.0%" (a relative change of a rate reads as if
the rate itself had moved that much); NPS from +15 to +30 is "▲ 15 pts". Money and counts change in %
(reports.formatting.change). Every answer that shows a change (/kpi, digest, home, brief, leaderboard)
goes through `change_text`, so the rule lives here once.
"""

from reports.formatting import UP, change, number, percent
from reports.i18n import add_messages, msg, t

add_messages(
    # i18n: {sep} is the space before the number (empty in Chinese): a translation may leave it out
    msg("change.pts", "{arrow}{sep}{n} pts"),
    # i18n: {sep} is the space before the number (empty in Chinese): a translation may leave it out
    msg("change.nps_pts", "{arrow}{sep}{n} pts"),
)

POINT_UNITS = frozenset({"ratio", "score"})


def in_points(unit: str) -> bool:
    """Whether a change of a figure of this unit is written in points (rates and scores)."""
    return unit in POINT_UNITS


def change_text(unit: str, current: float | None, base: float | None, language: str) -> str:
    """The change from `base` to `current` as a reader should take it (see module doc); "n/a" without both."""
    if current is None or base is None:
        return percent(None, language)
    if unit not in POINT_UNITS:
        return change(current, base, language)
    diff = (current - base) * (100 if unit == "ratio" else 1)
    decimals = 1 if unit == "ratio" else 0
    shown = round(abs(diff), decimals)
    if shown == 0:
        return t("change.pts", language, arrow="", sep="", n=number(0, language, decimals))
    arrow = UP if diff > 0 else "▼"
    sep = "" if language.startswith("zh") else " "
    key = "change.pts" if unit == "ratio" else "change.nps_pts"
    return t(key, language, arrow=arrow, sep=sep, n=number(shown, language, decimals))


def point_change(unit: str, current: float | None, base: float | None) -> float | None:
    """The change as a number in the unit it is written in: points for rates and scores, a ratio otherwise."""
    if current is None or base is None:
        return None
    if unit in POINT_UNITS:
        return (current - base) * (100 if unit == "ratio" else 1)
    return (current - base) / abs(base) if base else None
