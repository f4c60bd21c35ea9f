"""The digest as another team reads it (`/digest share #marketing marketing`, `/digest share #product product`),
Slack-free: the same period as the sales digest, none of its revenue or people.

- **marketing**: the market section (`/market`'s answer for the period: loss reasons, competitors, demand that
  moved, competitors named in check-ins and feedback) and what customers say (the top complaint and praise themes
  of the period's feedback, with their trend).
- **product**: quality signals (complaints about one thing that jumped, reports/feedback_signals.py), the top
  complaint themes, and feature requests: feedback that asks for something ("please add", "would be nice",
  "希望", "建议", "能不能") counted per product with the newest words.

A quiet period says so in one line; the view is posted on its schedule either way, once per occurrence (the
digest's delivery ledger).
"""

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from db import feedback as store
from reports import feedback_signals, feedback_themes, mrkdwn
from reports.digest import digest_period
from reports.formatting import number
from reports.i18n import add_messages, msg, t
from reports.market import market_view
from reports.market_text import market_lines

VIEWS = ("marketing", "product")
TOP = 3

add_messages(
    msg("digest.view.marketing", "marketing"),
    msg("digest.view.product", "product"),
    msg("digest.shared.title.marketing", "Market and customers · {range}"),
    msg("digest.shared.title.product", "Product quality and requests · {range}"),
    msg("digest.shared.from", "Shared by the sales team from salesbot: the digest's {view} view."),
    msg("digest.shared.market", "*Market*"),
    msg("digest.shared.customers", "*What customers say*"),
    msg("digest.shared.complaints", "Complaints: {items}"),
    msg("digest.shared.praise", "Praise: {items}"),
    msg("digest.shared.theme", "“{name}” {count}{trend}"),
    msg("digest.shared.no_feedback", "No customer feedback with comments in this period."),
    msg("digest.shared.quality", "*Quality signals*"),
    msg("digest.shared.no_signals", "No complaint rose beyond its usual level."),
    msg("digest.shared.requests", "*Feature requests*"),
    msg("digest.shared.request_line", "• {product}: {count} — “{quote}”"),
    msg("digest.shared.no_requests", "No feedback asked for a feature in this period."),
    msg("digest.shared.no_product", "no product named"),
)

# Feedback that asks for something, in customers' words (English and Chinese).
_ASKS = re.compile(
    r"\b(?:wish|would (?:be|love) (?:nice|great|good|helpful|to see)|would like|please add|pls add|please support|"
    r"should (?:have|support|add|allow|let)|feature request|can you add|could you add|add (?:a|an|support)|"
    r"it would help|need(?:s)? (?:a|an) (?:way|option|feature)|missing (?:a|an|the) )"
    r"|希望|建议|能不能|能否|可不可以|要是有|如果能|如果有|增加|添加|加个|加一个|缺少|缺乏",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class FeatureRequest:
    product: str  # "" when the feedback names none
    count: int
    quote: str  # the newest such comment


@dataclass
class SharedDigest:
    view: str
    cadence: str
    language: str
    range_label: str
    market: list[str]
    complaints: list[feedback_themes.Theme]
    praise: list[feedback_themes.Theme]
    signals: list[feedback_signals.Signal]
    requests: list[FeatureRequest]


def feature_requests(items: list[store.Comment]) -> list[FeatureRequest]:
    """Comments (newest first) that ask for something, per product, most asked first."""
    found: dict[str, list[store.Comment]] = {}
    for item in items:
        if _ASKS.search(item.comment or ""):
            found.setdefault(item.product or "", []).append(item)
    out = [FeatureRequest(product, len(rows), " ".join(rows[0].comment.split())) for product, rows in found.items()]
    return sorted(out, key=lambda r: (-r.count, r.product))


def build_shared(session: Any, *, team_id: str, view: str, cadence: str, today: date, language: str,
                 fiscal_year_start_month: int = 1) -> SharedDigest:
    """What the `view` shows for the digest period that ended before `today`."""
    period = digest_period(cadence, today=today, fiscal_year_start_month=fiscal_year_start_month)
    previous = period.previous()
    found = feedback_themes.themes_of_period(session, team_id, period.start, period.end, previous.start)
    shared = SharedDigest(view, cadence, language, period.label(language), [], found.complaints[:TOP], [], [], [])
    if view == "marketing":
        shared.market = market_lines(market_view(session, team_id, period, today=period.last_day), language)[1:]
        shared.praise = found.praise[:TOP]
    else:
        shared.signals = feedback_signals.rising(session, team_id, period.start, period.end)
        shared.requests = feature_requests(list(store.comments(session, team_id, period.start, period.end)))
    return shared


def _themes(themes: list[feedback_themes.Theme], language: str) -> str:
    parts = []
    for theme in themes:
        trend = " ▲" if theme.count > theme.previous else " ▼" if theme.count < theme.previous else ""
        parts.append(t("digest.shared.theme", language, name=mrkdwn.escape(theme.name),
                       count=number(theme.count, language), trend=trend))
    return " · ".join(parts)


def shared_lines(d: SharedDigest) -> list[str]:
    """The view as mrkdwn lines: its title, where it comes from, then its sections."""
    lang = d.language
    lines = [f"*{t(f'digest.shared.title.{d.view}', lang, range=d.range_label)}*",
             "_" + t("digest.shared.from", lang, view=t(f"digest.view.{d.view}", lang)) + "_"]
    if d.view == "marketing":
        lines += [t("digest.shared.market", lang), *d.market, t("digest.shared.customers", lang)]
        if d.complaints:
            lines.append(t("digest.shared.complaints", lang, items=_themes(d.complaints, lang)))
        if d.praise:
            lines.append(t("digest.shared.praise", lang, items=_themes(d.praise, lang)))
        if not d.complaints and not d.praise:
            lines.append(t("digest.shared.no_feedback", lang))
        return lines
    lines.append(t("digest.shared.quality", lang))
    lines += [f"⚠ {feedback_signals.line(s, lang)}" for s in d.signals[:5]] or [t("digest.shared.no_signals", lang)]
    if d.complaints:
        lines.append(t("digest.shared.complaints", lang, items=_themes(d.complaints, lang)))
    lines.append(t("digest.shared.requests", lang))
    lines += [t("digest.shared.request_line", lang,
                product=mrkdwn.escape(r.product) if r.product else t("digest.shared.no_product", lang),
                count=number(r.count, lang), quote=mrkdwn.escape(mrkdwn.capped(r.quote, 160)))
              for r in d.requests[:5]] or [t("digest.shared.no_requests", lang)]
    return lines
