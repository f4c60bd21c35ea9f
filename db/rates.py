"""Exchange rates the team provides: one place that reads, checks and writes them.

A rate says what one unit of a currency is worth in the workspace's reporting currency from a date on
(`ExchangeRate`, integer micro-units). The KPI engine converts with them in SQL (reports/kpi_queries.py); the
`/salesbot rate` command and `salesbot import rates` write them through `set_rate`.
"""

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select

from db import clock
from db.models import ExchangeRate

RATE_SCALE = 1_000_000  # rate_micros per 1.0
MAX_DECIMALS = 6
MAX_RATE = Decimal(1_000_000)  # one unit worth a million reporting units: a typo, not a currency
_CODE = re.compile(r"[A-Za-z]{3}")


class BadRate(ValueError):
    """A rate or currency that cannot be stored; the message is a reason code (see db/importers/report.py)."""


def parse_rate(text: str) -> int:
    """'0.1385' -> 138500 micro-units. Refuses what is not a positive number with at most 6 decimals."""
    s = text.strip().replace(",", "") if text.count(",") and text.count(".") else text.strip().replace(",", ".")
    try:
        value = Decimal(s)
    except InvalidOperation:
        raise BadRate("bad_rate") from None
    if not value.is_finite() or value <= 0 or value > MAX_RATE:
        raise BadRate("bad_rate")
    if -value.normalize().as_tuple().exponent > MAX_DECIMALS:  # type: ignore[operator]
        raise BadRate("rate_decimals")
    return int(value * RATE_SCALE)


def parse_currency(text: str) -> str:
    """An ISO 4217 code as people type it ('cny', 'CNY'); refuses anything else."""
    s = text.strip()
    if not _CODE.fullmatch(s):
        raise BadRate("bad_currency")
    return s.upper()


def rate_text(micros: int) -> str:
    """138500 -> '0.1385': the rate as the team wrote it, without trailing zeros."""
    value = (Decimal(micros) / RATE_SCALE).normalize()
    return format(value, "f")


@dataclass(frozen=True)
class RateChange:
    status: str  # added | updated | unchanged
    previous_micros: int | None = None


def set_rate(
    session: Any,
    *,
    team_id: str,
    currency: str,
    to_currency: str,
    valid_from: date,
    rate_micros: int,
    created_by: str | None = None,
) -> RateChange:
    """Store one rate (a second rate for the same pair and day replaces the first)."""
    if currency == to_currency:
        raise BadRate("same_currency")
    existing = session.execute(
        select(ExchangeRate).where(
            ExchangeRate.team_id == team_id,
            ExchangeRate.to_currency == to_currency,
            ExchangeRate.currency == currency,
            ExchangeRate.valid_from == valid_from,
        )
    ).scalar_one_or_none()
    if existing is None:
        session.add(
            ExchangeRate(
                team_id=team_id,
                currency=currency,
                to_currency=to_currency,
                valid_from=valid_from,
                rate_micros=rate_micros,
                created_by=created_by,
                created_at=clock.now(),
            )
        )
        session.flush()
        return RateChange("added")
    if existing.rate_micros == rate_micros:
        return RateChange("unchanged", existing.rate_micros)
    previous = existing.rate_micros
    existing.rate_micros = rate_micros
    existing.created_by = created_by
    session.flush()
    return RateChange("updated", previous)


def rates_of(session: Any, team_id: str, to_currency: str) -> list[ExchangeRate]:
    """Every rate to `to_currency`, by currency then date."""
    stmt = (
        select(ExchangeRate)
        .where(ExchangeRate.team_id == team_id, ExchangeRate.to_currency == to_currency)
        .order_by(ExchangeRate.currency, ExchangeRate.valid_from)
    )
    return list(session.execute(stmt).scalars())
