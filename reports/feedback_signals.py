"""Quality signals: a product whose complaints about one thing rise beyond what the previous periods explain —
"GTX Pro: “battery” complaints 3 → 14".

Slack-free. `rising(session, team_id, start, end)` finds, per product (items without a product form one
group), the complaint themes of [start, end) (`feedback_themes.discover`), and counts the complaints of the
same product mentioning the same phrases in each of the `HISTORY` previous periods of equal length. A theme is
flagged when this period has at least `MIN_COMPLAINTS`, more than any previous period, and at least
2 × their average + 3 — a jump that the usual ups and downs do not explain (for 3 a month before, 9 or more).
Each signal has a stable `key` (product and theme) so it is alerted once per month (handlers/feedback.py) and
links to the items that were logged from Slack messages.
"""

import zlib
from collections import defaultdict
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from db import feedback as store
from reports import feedback_themes as themes
from reports import mrkdwn
from reports.formatting import number
from reports.i18n import add_messages, msg, t

add_messages(
    msg("feedback.signal.line", "{product}: “{theme}” complaints {before} → {now} (previous periods: {history})"),
    msg("feedback.signal.all_products", "All products"),
)

HISTORY = 3  # previous periods compared with
MIN_COMPLAINTS = 5
FACTOR, MARGIN = 2.0, 3  # flagged at >= FACTOR x the previous average + MARGIN
MAX_LINKS = 3


@dataclass(frozen=True)
class Signal:
    product: str  # "" when the items name no product
    theme: str  # as customers write it
    phrases: tuple[str, ...]
    current: int  # complaints this period
    before: tuple[int, ...]  # complaints in each previous period, the nearest first
    quote: str | None
    links: tuple[str, ...]  # permalinks of complaints logged from Slack messages, newest first

    @property
    def key(self) -> int:
        """A stable id of (product, theme) for the delivery ledger."""
        return zlib.crc32(f"{self.product}\x1f{self.phrases[0]}".encode())

    @property
    def previous(self) -> int:
        return self.before[0] if self.before else 0


def rising(
    session: Any, team_id: str, start: date, end: date, *, member_id: int | None = None, history: int = HISTORY
) -> list[Signal]:
    """The products' complaint themes that jumped in [start, end), the biggest jump first (cached like the
    themes: while no feedback of these periods arrives)."""
    span = end - start
    windows = [(start, end)] + [(start - span * (i + 1), start - span * i) for i in range(history)]
    return themes.cached(
        session,
        "signals",
        team_id,
        member_id,
        windows,
        lambda: _rising(session, team_id, start, end, member_id=member_id, history=history),
        encode=lambda signals: [asdict(signal) for signal in signals],
        decode=lambda data: [_signal_from_json(item) for item in data],
    )


def _signal_from_json(data: dict[str, Any]) -> Signal:
    tuples = {name: tuple(data[name]) for name in ("phrases", "before", "links")}
    return Signal(**{**data, **tuples})


def _rising(session: Any, team_id: str, start: date, end: date, *, member_id: int | None, history: int) -> list[Signal]:
    span = end - start
    if store.products_in(session, team_id, start, end, member_id) in ([], [""]):
        # No products named: the team's complaint themes are the ones /feedback shows (cached), not found again.
        found = themes.themes_of_period(session, team_id, start, end, start - span, member_id).complaints
        candidates = {"": [th for th in found if th.count >= MIN_COMPLAINTS]}
    else:
        current = _by_product(store.comments(session, team_id, start, end, member_id))
        candidates = {
            product: [th for th in themes.discover(items)[themes.COMPLAINT] if th.count >= MIN_COMPLAINTS]
            for product, items in current.items()
        }
    if not any(candidates.values()):
        return []  # nothing big enough to be a signal: the previous periods are not read
    # Each earlier window's complaints, grouped by text and rating and cut once (not once per theme and item).
    windows = [
        {
            product: themes.complaint_groups(items)
            for product, items in _by_product(
                store.comments(session, team_id, start - span * (i + 1), start - span * i, member_id)
            ).items()
        }
        for i in range(history)
    ]
    # A previous period with no feedback at all lies before the feedback starts (a file of reviews from May to
    # July read for the year): it is no baseline, and "0 → 10" against it would flag every product's first
    # period. Only periods with some feedback count; with none, nothing can be said to have risen.
    windows = [w for w in windows if w]
    if not windows:
        return []
    out = []
    for product, found in candidates.items():
        for theme in found:
            wanted = set(theme.phrases)
            before = tuple(
                sum(weight for weight, keys in window.get(product, []) if not wanted.isdisjoint(keys))
                for window in windows
            )
            average = sum(before) / len(before) if before else 0.0
            if theme.count > max(before, default=0) and theme.count >= FACTOR * average + MARGIN:
                links = store.links_of(session, team_id, theme.items, MAX_LINKS)
                out.append(Signal(product, theme.name, tuple(theme.phrases), theme.count, before, theme.quote, links))
    return sorted(out, key=lambda s: (-(s.current - s.previous), s.product, s.theme))


def line(signal: Signal, lang: str) -> str:
    """GTX Pro: “battery” complaints 3 → 14 (previous periods: 3, 2, 4) — escaped for mrkdwn."""
    product = mrkdwn.escape(signal.product) if signal.product else t("feedback.signal.all_products", lang)
    return t(
        "feedback.signal.line",
        lang,
        product=product,
        theme=mrkdwn.escape(signal.theme),
        before=number(signal.previous, lang),
        now=number(signal.current, lang),
        history=", ".join(number(n, lang) for n in signal.before),
    )


def _by_product(items: Any) -> dict[str, list[store.Comment]]:
    out: dict[str, list[store.Comment]] = defaultdict(list)
    for item in items:
        out[item.product.strip()].append(item)
    return out
