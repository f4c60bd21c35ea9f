"""The market view in words (English/Chinese mrkdwn lines), for `/market` and the digest's market section.

Every name here comes from CRM files or users (loss reasons, competitors, products, segments): escaped.
"""

from reports.formatting import change, money, number
from reports.i18n import add_messages, msg, t
from reports.kpi_engine import LeftOut
from reports.market import TOP, MarketView, Move, Row, Tally
from reports.money_notes import left_out_flag, left_out_lines
from reports.mrkdwn import capped, escape

add_messages(
    msg("market.title", "Market · {period}"),
    msg("market.title_mine", "Your market · {period}"),
    msg("market.lost", "Lost {deals} · {amount} {chg} vs {previous} ({before_deals} · {before_amount})"),
    # no amounts on lost deals: the change is in deals
    msg("market.lost_counted", "Lost {deals} ({amount}) · {chg} vs {previous} ({before_deals})"),
    msg("market.no_amounts", "no amounts in the CRM data"),
    msg("market.won", "Won {deals} · {amount}"),
    msg("market.deals", "{n} deals"),
    msg("market.deal", "1 deal"),
    msg("market.reasons", "*Why we lost*"),
    msg("market.competitors", "*Lost to*"),
    msg("market.row", "• {name} — {deals} · {amount} ({before} before)"),
    msg("market.more", "… and {n} more"),
    msg("market.moves", "*Demand that moved* (revenue won)"),
    msg("market.move", "• {kind} *{name}* {chg} · {delta} ({before} → {now})"),
    msg("market.kind.product", "Product"),
    msg("market.kind.segment", "Segment"),
    msg("market.new", "new"),
    msg("market.mentions", "*Competitors named in check-ins and feedback*"),
    msg("market.mention", "• {name} — {checkins} in check-ins · {feedback} in feedback"),
    msg("market.no_reasons", "The CRM data has no loss reasons or competitors for these deals: import an export with a "
        "`Loss Reason` / `Closed lost reason` / `输单原因` and a `Competitor` / `竞争对手` column."),
    msg("market.nothing_moved", "No product or segment moved much against {previous}."),
    msg("market.not_comparable", "Nothing to compare with: no deals were won or lost in {previous}."),
    msg("market.empty", "No deals were won or lost in {period} or {previous}."),
    msg("market.digest_title", "*Market* — what moved"),
    msg("market.what.lost", "money lost"),
)


def deals_text(n: int, language: str) -> str:
    return t("market.deal", language) if n == 1 else t("market.deals", language, n=number(n, language))


def _range(period: object, language: str) -> str:
    from reports.kpi_period import date_range_text

    return date_range_text(period.start, period.end, language)  # type: ignore[attr-defined]


def previous_name(view: MarketView, language: str) -> str:
    prev = view.previous
    return prev.label(language) if hasattr(prev, "label") else _range(prev, language)


def row_line(row: Row, currency: str, language: str) -> str:
    """'• Price — 3 deals · US$24,800.00 (1 before)', flagged when some of its deals had no rate."""
    line = t(
        "market.row",
        language,
        name=escape(capped(row.key, 80)),
        deals=deals_text(row.now.deals, language),
        amount=money(row.now.cents, currency, language),
        before=number(row.before.deals, language),
    )
    flag = left_out_flag((LeftOut(c, n, cents) for c, (n, cents) in sorted(row.now.left_out.items())), language)
    return f"{line}  {flag}" if flag else line


def move_line(move: Move, currency: str, language: str) -> str:
    sign = "+" if move.delta > 0 else "−"
    return t(
        "market.move",
        language,
        kind=t(f"market.kind.{move.kind}", language),
        name=escape(capped(move.key, 80)),
        chg=change(move.now_cents, move.before_cents, language) if move.before_cents else t("market.new", language),
        delta=sign + money(abs(move.delta), currency, language),
        before=money(move.before_cents, currency, language),
        now=money(move.now_cents, currency, language),
    )


def section_lines(title_key: str, rows: list[Row], currency: str, language: str, top: int = TOP) -> list[str]:
    if not rows:
        return []
    lines = [t(title_key, language), *(row_line(r, currency, language) for r in rows[:top])]
    if len(rows) > top:
        lines.append(t("market.more", language, n=len(rows) - top))
    return lines


def market_lines(view: MarketView, language: str, *, mine: bool = False) -> list[str]:
    """The whole `/market` answer as mrkdwn lines: the headline first, then why, to whom, what moved."""
    cur = view.currency
    title = t("market.title_mine" if mine else "market.title", language, period=view.period.label(language))
    lines = [f"*{title}*"]
    if view.empty:
        return [*lines, t("market.empty", language, period=view.period.label(language),
                          previous=previous_name(view, language))]
    lines.append(_headline(view, language))
    lines.append(t("market.won", language, deals=deals_text(view.won.now.deals, language),
                   amount=money(view.won.now.cents, cur, language)))
    lines += section_lines("market.reasons", view.reasons, cur, language)
    lines += section_lines("market.competitors", view.competitors, cur, language)
    if view.lost.now.deals and not view.has_reasons:
        lines.append(t("market.no_reasons", language))
    if not view.comparable:
        lines.append(t("market.not_comparable", language, previous=previous_name(view, language)))
    elif view.moves:
        lines += [t("market.moves", language), *(move_line(m, cur, language) for m in view.moves)]
    else:
        lines.append(t("market.nothing_moved", language, previous=previous_name(view, language)))
    if view.mentions:
        lines.append(t("market.mentions", language))
        lines += [t("market.mention", language, name=escape(m.name), checkins=number(m.checkins, language),
                    feedback=number(m.feedback, language)) for m in view.mentions[:TOP]]
    lines += [f"⚠ {line}" for line in left_out_lines(view.left_out, language)]
    return lines


def _headline(view: MarketView, language: str) -> str:
    cur, lost = view.currency, view.lost

    def priced(tally: Tally) -> bool:  # amounts only left out for want of a rate are amounts all the same
        return bool(tally.cents) or any(cents for _n, cents in tally.left_out.values())

    def amount(tally: Tally) -> str:  # lost deals the export gives no amount: not "US$0.00"
        return t("market.no_amounts", language) if tally.deals and not priced(tally) else money(tally.cents, cur,
                                                                                               language)

    unpriced = not priced(lost.now) and not priced(lost.before)
    return t(
        "market.lost_counted" if unpriced else "market.lost",
        language,
        deals=deals_text(lost.now.deals, language),
        amount=amount(lost.now),
        chg=change(lost.now.deals, lost.before.deals or None, language)
        if unpriced
        else change(lost.now.cents, lost.before.cents or None, language),
        previous=previous_name(view, language),
        before_deals=deals_text(lost.before.deals, language),
        before_amount=amount(lost.before),
    )


def digest_market_lines(view: MarketView, language: str) -> list[str]:
    """The digest's market section (only when something moved): what grew among losses, and demand moves."""
    cur = view.currency
    lines = [t("market.digest_title", language), _headline(view, language)]
    grew = [r for r in [*view.reasons, *view.competitors] if r.grew]
    lines += [row_line(r, cur, language) for r in grew[:3]]
    lines += [move_line(m, cur, language) for m in view.moves[:3]]
    return lines
