"""`/market trend` in words: one line per group, its win rate and revenue won per quarter (or month), and the
change from the first to the last. Group names come from CRM files: escaped."""

from reports.formatting import change, money_short, number, percent
from reports.i18n import add_messages, msg, t
from reports.market_trend import OTHER, TOP_GROUPS, Series, Trend
from reports.money_notes import left_out_flag, left_out_lines
from reports.mrkdwn import capped, escape
from reports.periods import Period

add_messages(
    msg("market_trend.title", "Market trend by {by} · {first} – {last}"),
    msg("market_trend.title_mine", "Your market trend by {by} · {first} – {last}"),
    msg("market_trend.by.product", "product"),
    msg("market_trend.by.segment", "segment"),
    msg("market_trend.by.region", "region"),
    msg("market_trend.by.size", "account size"),
    msg("market_trend.how", "Win rate = won ÷ (won + lost) of the deals closed in each {unit}; revenue won in "
        "{currency}, each deal at its close date's rate. Top {top} by revenue, the rest as other."),
    msg("market_trend.unit.quarter", "quarter"),
    msg("market_trend.unit.month", "month"),
    msg("market_trend.line", "• *{name}* — win rate {rates} ({rate_chg}) · revenue {revenue} ({revenue_chg})"),
    msg("market_trend.points", "{sign}{n} pts"),
    msg("market_trend.all", "All deals"),
    msg("market_trend.other", "Other ({n})"),
    msg("market_trend.none.product", "No product"),
    msg("market_trend.none.segment", "No segment"),
    msg("market_trend.none.region", "Region unknown"),
    msg("market_trend.none.size", "Size unknown"),
    msg("market_trend.size.small", "Small (1–99 employees)"),
    msg("market_trend.size.mid", "Mid-market (100–999)"),
    msg("market_trend.size.enterprise", "Enterprise (1,000+)"),
    msg("market_trend.bands", "Size bands by employees (account export): small 1–99 · mid-market 100–999 · "
        "enterprise 1,000+; accounts without a head count, or deals without an imported account, are size unknown."),
    msg("market_trend.no_accounts", "Region and size come from an account export: drop it in my DM or run "
        "`salesbot import accounts FILE` (Salesforce Accounts, HubSpot companies, Fxiaoke 客户, or a sheet with "
        "account, sector, country, employees)."),
    msg("market_trend.empty", "No deals were won or lost from {first} to {last}."),
    msg("market_trend.chart_rate", "Win rate by {by}"),
    msg("market_trend.chart_revenue", "Revenue won by {by} ({currency})"),
    msg("market_trend.alt", "Line charts, {title}: win rate and revenue won per {unit} from {first} to {last}. "
        "{items}."),
    msg("market_trend.review", "Win rate by segment, {first} → {last}: {items}"),
    msg("market_trend.review_item", "{name} {first_rate} → {last_rate}"),
    msg("market_trend.alt_item", "{name}: win rate {first_rate} to {last_rate}, revenue {first_rev} to {last_rev}"),
)


def bucket_label(bucket: Period, language: str) -> str:
    """'Q3 2026', 'Aug 2026', '2026年第三季度' — the period's label without its dates."""
    if bucket.kind == "range":
        return bucket.label(language)
    return bucket.label(language).split(" (")[0].split("（")[0]


def unit_of(trend: Trend) -> str:
    whole = [b for b in trend.buckets if b.kind != "range"]
    return "month" if whole and whole[0].kind == "month" else "quarter"


def group_name(trend: Trend, series: Series, language: str) -> str:
    if series is trend.total:
        return t("market_trend.all", language)
    if series.key == OTHER:
        return t("market_trend.other", language, n=number(series.groups, language))
    if not series.key:
        return t(f"market_trend.none.{trend.dimension}", language)
    if trend.dimension == "size":
        return t(f"market_trend.size.{series.key}", language)
    return escape(capped(series.key, 60))


def _rate(value: float | None, language: str) -> str:
    return "—" if value is None else percent(value, language, 0)


def series_line(trend: Trend, series: Series, language: str) -> str:
    cells = series.cells
    arrow = " → "
    chg = series.rate_change
    points = "—" if chg is None else t("market_trend.points", language, sign="+" if chg >= 0 else "−",
                                         n=number(abs(chg) * 100, language))
    first, last = cells[0].cents, cells[-1].cents
    line = t("market_trend.line", language, name=group_name(trend, series, language),
             rates=arrow.join(_rate(c.win_rate, language) for c in cells), rate_chg=points,
             revenue=arrow.join(money_short(c.cents, trend.currency, language) for c in cells),
             revenue_chg=change(last, first or None, language))
    flag = left_out_flag(series.left_out, language)
    return f"{line}  {flag}" if flag else line


def trend_lines(trend: Trend, language: str, *, mine: bool = False, has_accounts: bool = True) -> list[str]:
    """The whole answer: title, how it is counted, the periods, one line per group, notes."""
    first, last = bucket_label(trend.buckets[0], language), bucket_label(trend.buckets[-1], language)
    by = t(f"market_trend.by.{trend.dimension}", language)
    title = t("market_trend.title_mine" if mine else "market_trend.title", language, by=by, first=first, last=last)
    lines = [f"*{title}*"]
    if trend.empty:
        return [*lines, t("market_trend.empty", language, first=first, last=last)]
    lines.append(t("market_trend.how", language, unit=t(f"market_trend.unit.{unit_of(trend)}", language),
                   currency=trend.currency, top=TOP_GROUPS))
    lines.append("`" + " → ".join(bucket_label(b, language) for b in trend.buckets) + "`")
    lines += [series_line(trend, s, language) for s in [trend.total, *trend.series]]
    if trend.dimension == "size":
        lines.append(t("market_trend.bands", language))
    if trend.dimension in ("region", "size") and not has_accounts:
        lines.append(t("market_trend.no_accounts", language))
    lines += [f"⚠ {line}" for line in left_out_lines(trend.total.left_out, language)]
    return lines


def review_line(trend: Trend, language: str, top: int = 3) -> str | None:
    """One line for the review's market section: the top segments' win rate in the first and last quarter;
    None when no segment had closed deals."""
    named = [s for s in trend.series if s.key and s.key != OTHER][:top]
    if trend.empty or not named:
        return None
    sep = "；" if language.startswith("zh") else " · "
    items = sep.join(t("market_trend.review_item", language, name=group_name(trend, s, language),
                       first_rate=_rate(s.cells[0].win_rate, language), last_rate=_rate(s.cells[-1].win_rate, language))
                     for s in named)
    return t("market_trend.review", language, first=bucket_label(trend.buckets[0], language),
             last=bucket_label(trend.buckets[-1], language), items=items)
