"""The one door from commands to the period layer (reports/periods.py): the default period and refusals.

Commands call `resolve_period`; an empty phrase means "this month". A phrase the period layer cannot read
becomes a `PeriodProblem` carrying the period layer's hint (examples that work, in the asker's language).
"""

from datetime import date

from reports.periods import Period, PeriodError, parse_period


class PeriodProblem(ValueError):
    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.hint = hint


def resolve_period(
    text: str, *, today: date, language: str, fiscal_year_start_month: int = 1, upcoming: bool = False
) -> Period:
    """The Period a phrase names ("this month" when empty), in the asker's calendar (`upcoming`: see
    `parse_period`)."""
    phrase = (text or "").strip() or ("本月" if language == "zh" else "this month")
    try:
        return parse_period(
            phrase, today=today, language=language, fiscal_year_start_month=fiscal_year_start_month, upcoming=upcoming
        )
    except PeriodError as error:
        raise PeriodProblem(str(error), error.hint) from error


def date_range_text(start: date, end: date, language: str) -> str:
    """Half-open [start, end) as people write it, e.g. "1 Jul – 30 Sep 2026" / "2026年7月1日–9月30日"."""
    return Period(start, end, "range").label(language)
