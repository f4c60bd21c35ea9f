"""The market view in words (English/Chinese mrkdwn lines), for `/market` and the digest's market section.

Every name here comes from CRM files or users (loss reasons, competitors, products, segments): escaped.
"""

from reports.formatting import change, money, number
from reports.i18n import add_catalog, t
from reports.kpi_engine import LeftOut
from reports.market import TOP, MarketView, Move, Row
from reports.money_notes import left_out_flag, left_out_lines
from reports.mrkdwn import capped, escape

add_catalog(
    {
        "market.title": {"en": "Market · {period}", "zh": "市场分析 · {period}"},
        "market.title_mine": {"en": "Your market · {period}", "zh": "你的市场分析 · {period}"},
        "market.lost": {
            "en": "Lost {deals} · {amount} {chg} vs {previous} ({before_deals} · {before_amount})",
            "zh": "丢单 {deals} · {amount}，较{previous} {chg}（{before_deals} · {before_amount}）",
        },
        "market.lost_counted": {  # no amounts on lost deals: the change is in deals
            "en": "Lost {deals} ({amount}) · {chg} vs {previous} ({before_deals})",
            "zh": "丢单 {deals}（{amount}），笔数较{previous} {chg}（{before_deals}）",
        },
        "market.no_amounts": {"en": "no amounts in the CRM data", "zh": "CRM 数据无金额"},
        "market.won": {"en": "Won {deals} · {amount}", "zh": "赢单 {deals} · {amount}"},
        "market.deals": {"en": "{n} deals", "zh": "{n} 笔"},
        "market.deal": {"en": "1 deal", "zh": "1 笔"},
        "market.reasons": {"en": "*Why we lost*", "zh": "*丢单原因*"},
        "market.competitors": {"en": "*Lost to*", "zh": "*输给的竞争对手*"},
        "market.row": {
            "en": "• {name} — {deals} · {amount} ({before} before)",
            "zh": "• {name} — {deals} · {amount}（上期 {before}）",
        },
        "market.more": {"en": "… and {n} more", "zh": "……另有 {n} 项"},
        "market.moves": {"en": "*Demand that moved* (revenue won)", "zh": "*需求变化*（赢单销售额）"},
        "market.move": {
            "en": "• {kind} *{name}* {chg} · {delta} ({before} → {now})",
            "zh": "• {kind} *{name}* {chg} · {delta}（{before} → {now}）",
        },
        "market.kind.product": {"en": "Product", "zh": "产品"},
        "market.kind.segment": {"en": "Segment", "zh": "行业"},
        "market.new": {"en": "new", "zh": "新增"},
        "market.mentions": {
            "en": "*Competitors named in check-ins and feedback*",
            "zh": "*进展汇报和客户反馈中提到的竞争对手*",
        },
        "market.mention": {
            "en": "• {name} — {checkins} in check-ins · {feedback} in feedback",
            "zh": "• {name} — 进展汇报 {checkins} 次 · 客户反馈 {feedback} 次",
        },
        "market.no_reasons": {
            "en": "The CRM data has no loss reasons or competitors for these deals: import an export with a "
                  "`Loss Reason` / `Closed lost reason` / `输单原因` and a `Competitor` / `竞争对手` column.",
            "zh": "CRM 数据中这些商机没有丢单原因或竞争对手：请导入含 `Loss Reason` / `Closed lost reason` / "
                  "`输单原因` 和 `Competitor` / `竞争对手` 列的导出文件。",
        },
        "market.nothing_moved": {"en": "No product or segment moved much against {previous}.",
                                 "zh": "与{previous}相比，没有产品或行业出现明显变化。"},
        "market.not_comparable": {"en": "Nothing to compare with: no deals were won or lost in {previous}.",
                                  "zh": "{previous}没有赢单或丢单，无从比较。"},
        "market.empty": {"en": "No deals were won or lost in {period} or {previous}.",
                         "zh": "{period}和{previous}都没有赢单或丢单。"},
        "market.digest_title": {"en": "*Market* — what moved", "zh": "*市场* — 变化"},
        "market.what.lost": {"en": "money lost", "zh": "丢单金额"},
    }
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

    def amount(cents: int, deals: int) -> str:  # lost deals the export gives no amount: not "US$0.00"
        return t("market.no_amounts", language) if deals and not cents else money(cents, cur, language)

    unpriced = not lost.now.cents and not lost.before.cents
    return t(
        "market.lost_counted" if unpriced else "market.lost",
        language,
        deals=deals_text(lost.now.deals, language),
        amount=amount(lost.now.cents, lost.now.deals),
        chg=change(lost.now.deals, lost.before.deals or None, language)
        if unpriced
        else change(lost.now.cents, lost.before.cents or None, language),
        previous=previous_name(view, language),
        before_deals=deals_text(lost.before.deals, language),
        before_amount=amount(lost.before.cents, lost.before.deals),
    )


def digest_market_lines(view: MarketView, language: str) -> list[str]:
    """The digest's market section (only when something moved): what grew among losses, and demand moves."""
    cur = view.currency
    lines = [t("market.digest_title", language), _headline(view, language)]
    grew = [r for r in [*view.reasons, *view.competitors] if r.grew]
    lines += [row_line(r, cur, language) for r in grew[:3]]
    lines += [move_line(m, cur, language) for m in view.moves[:3]]
    return lines
