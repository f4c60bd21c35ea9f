"""Themes of one product or one account, and the products or accounts side by side: `/feedback themes …`.

Slack-free. `read_request(text, …)` reads what follows `themes` / `话题`:

- `product "GTX Pro" last quarter` · `产品 GTX Pro 上季度` — the themes of one product;
- `account Cancity` · `客户 Cancity 本月` — the themes of one account;
- `by product [period]` · `按产品` (and `by account` · `按客户`) — the products (accounts) with the most feedback,
  each with its items, average rating, top complaint and top praise;
- a period alone, or nothing (this month) — the team's themes, more of them than the summary shows.

Names are matched to the products and accounts the feedback already names, as `reports/account_names` matches
accounts (case, punctuation, legal suffixes; close misspellings are offered, never assumed). The themes are
`feedback_themes.themes_of_period` narrowed to the product or account, cached per period like the summary's.
"""

import re
from dataclasses import dataclass, field
from typing import Any

from db import feedback as store
from reports import account_names, feedback_signals
from reports import feedback_themes as themes
from reports.periods import Period, PeriodError, extract_period

TEAM, PRODUCT, ACCOUNT, BY_PRODUCT, BY_ACCOUNT = "team", "product", "account", "by_product", "by_account"
MAX_ROWS = 8  # products or accounts in a breakdown

_BY = re.compile(r"^(?:by\s+(?P<en>products?|accounts?|customers?)|按\s*(?P<zh>产品|產品|客户|客戶))(?:\s+|$)", re.I)
_ONE = re.compile(r"^(?:(?P<en>products?|accounts?|customers?)\b|(?P<zh>产品|產品|客户|客戶))\s*[:：]?\s*", re.I)
_QUOTED = re.compile(r'["“「『](?P<name>[^"”」』]+)["”」』]')


@dataclass(frozen=True)
class ThemesRequest:
    """What `/feedback themes …` asks: a scope, a name as typed (for one product/account) and the period text."""

    scope: str
    name: str = ""
    period: Period | None = None
    period_text: str = ""
    problem: str = ""  # "period" when the period is malformed, "name" when a product/account is missing


def read_request(text: str, *, today: Any, language: str, fiscal_year_start_month: int = 1) -> ThemesRequest:
    """Read the words after `themes`; the period is found anywhere (quoted names are never read as one)."""
    rest = " ".join((text or "").split())
    scope = TEAM
    by = _BY.match(rest)
    if by:
        word = (by["en"] or by["zh"]).lower()
        scope = BY_PRODUCT if word.startswith("product") or word in ("产品", "產品") else BY_ACCOUNT
        rest = rest[by.end() :]
    elif one := _ONE.match(rest):
        word = (one["en"] or one["zh"]).lower()
        scope = PRODUCT if word.startswith("product") or word in ("产品", "產品") else ACCOUNT
        rest = rest[one.end() :]
    name = ""
    quoted = _QUOTED.search(rest)
    if scope in (PRODUCT, ACCOUNT) and quoted:
        name, rest = quoted["name"].strip(), (rest[: quoted.start()] + " " + rest[quoted.end() :]).strip()
    try:
        period, left = extract_period(
            rest, today=today, language=language, fiscal_year_start_month=fiscal_year_start_month
        )
    except PeriodError:
        return ThemesRequest(scope, name, None, rest, problem="period")
    left = " ".join(left.split()).strip(" ,，:：")
    if scope in (PRODUCT, ACCOUNT):
        name = name or left
        if not name:
            return ThemesRequest(scope, "", period, rest, problem="name")
    elif left:
        return ThemesRequest(scope, "", None, left, problem="period")
    return ThemesRequest(scope, name, period, rest)


def known_names(session: Any, team_id: str, scope: str) -> list[str]:
    """The products (from feedback) or accounts (from deals and feedback) a name is matched against."""
    return store.product_names(session, team_id) if scope == PRODUCT else store.account_names(session, team_id)


@dataclass
class ScopedThemes:
    """The themes of one product or account (or the team) in a period, with its headline figures."""

    stats: store.PeriodStats  # with CSAT and NPS
    previous_items: int
    found: themes.PeriodThemes
    signals: list[feedback_signals.Signal] = field(default_factory=list)


def scoped_themes(
    session: Any,
    team_id: str,
    period: Period,
    *,
    product: str | None = None,
    account: str | None = None,
    member_id: int | None = None,
) -> ScopedThemes:
    """Counts, CSAT/NPS (SQL) and themes (cached discovery) of [period) for one product or account, or all."""
    prev = period.previous()
    where = {"account": account, "product": product}
    stats = store.period_stats(session, team_id, period.start, period.end, member_id, **where)
    previous = store.period_stats(session, team_id, prev.start, prev.end, member_id, **where)
    found = themes.themes_of_period(
        session, team_id, period.start, period.end, prev.start, member_id, product=product, account=account
    )
    signals = []
    if account is None:
        signals = [
            s
            for s in feedback_signals.rising(session, team_id, period.start, period.end, member_id=member_id)
            if product is None or s.product == product.strip()
        ]
    return ScopedThemes(stats, previous.items, found, signals)


@dataclass(frozen=True)
class BreakdownRow:
    name: str
    stats: store.PeriodStats
    complaint: themes.Theme | None
    praise: themes.Theme | None


def breakdown(
    session: Any, team_id: str, period: Period, by: str, *, member_id: int | None = None, limit: int = MAX_ROWS
) -> list[BreakdownRow]:
    """The products (`by="product"`) or accounts with the most feedback in the period, each with its top
    complaint and praise (found in that product's or account's own feedback)."""
    prev = period.previous()
    rows = []
    for name, stats in store.stats_by(session, team_id, period.start, period.end, by, member_id, limit):
        scope = {"product": name} if by == "product" else {"account": name}
        found = themes.themes_of_period(session, team_id, period.start, period.end, prev.start, member_id, **scope)
        rows.append(
            BreakdownRow(
                name,
                stats,
                found.complaints[0] if found.complaints else None,
                found.praise[0] if found.praise else None,
            )
        )
    return rows


def match_name(typed: str, known: list[str]) -> account_names.Match:
    """The known product or account a typed name means (same rules as accounts: `reports.account_names`)."""
    return account_names.match(typed, known)
