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


# Names people type for the currencies a sales team most often meets.
CURRENCY_WORDS = {
    "人民币": "CNY",
    "rmb": "CNY",
    "元": "CNY",
    "美元": "USD",
    "美金": "USD",
    "欧元": "EUR",
    "英镑": "GBP",
    "日元": "JPY",
    "港币": "HKD",
    "港元": "HKD",
    "新加坡元": "SGD",
    "澳元": "AUD",
    "加元": "CAD",
    "韩元": "KRW",
    "台币": "TWD",
    "新台币": "TWD",
}


def parse_currency(text: str) -> str:
    """An ISO 4217 code as people type it ('cny', 'CNY', '人民币'); refuses codes ISO does not know."""
    s = text.strip()
    word = CURRENCY_WORDS.get(s.lower())
    if word:
        return word
    if not _CODE.fullmatch(s) or s.upper() not in _known_codes():
        raise BadRate("bad_currency")
    return s.upper()


def _known_codes() -> set[str]:
    from babel.numbers import list_currencies

    return set(list_currencies())


def set_reporting_currency(session: Any, team_id: str, currency: str) -> str | None:
    """Make `currency` the workspace's reporting currency; returns the previous one (None: no workspace)."""
    from db.models import Workspace

    ws = session.get(Workspace, team_id)
    if ws is None:
        return None
    previous = ws.currency
    forget_cached(session, team_id)
    ws.currency = currency
    session.add(ws)
    session.flush()
    return previous


def rate_text(micros: int) -> str:
    """138500 -> '0.1385': the rate as the team wrote it, without trailing zeros."""
    value = (Decimal(micros) / RATE_SCALE).normalize()
    return format(value, "f")


def forget_cached(session: Any, team_id: str) -> None:
    """Drop the currency and rates the KPI engine keeps for a session (reports/kpi_queries.py), after a write."""
    from db.targets import TARGET_CACHE

    info = getattr(session, "info", {})
    info.pop(TARGET_CACHE, None)  # targets in another currency convert at these rates
    for key in [k for k in info if isinstance(k, tuple) and str(k[0]).startswith("salesbot.") and k[1] == team_id]:
        del info[key]


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
    forget_cached(session, team_id)
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
