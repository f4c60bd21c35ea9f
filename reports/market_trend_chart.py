"""The `/market trend` chart: win rate (top) and revenue won (bottom) per quarter or month, one line per group.

Drawn like reports/charts.py's charts (its own Figure and Agg canvas, 1000 px wide, CJK font, footnotes for
revenue that had no rate, alt text that says the first and last values of each line).
"""

from reports.charts import (
    DPI,
    INK,
    LABEL_SIZE,
    SMALL_SIZE,
    SUBTITLE_SIZE,
    TITLE_SIZE,
    WIDTH_IN,
    Chart,
    _alt_notes,
    _cap,
    _draw_notes,
    _empty_chart,
    _font,
    _header,
    _lang,
    _money_formatter,
    _new_figure,
    _notes_px,
    _plain,
    _png,
    _style_axes,
    _truncate,
)
from reports.formatting import money_short, percent
from reports.i18n import t
from reports.market_trend import Trend
from reports.market_trend_text import bucket_label, group_name, unit_of

COLORS = ["#1565c0", "#c62828", "#2e7d32", "#ef8c00", "#6a1b9a", "#00838f", "#8c959f", "#bdbdbd"]


def trend_chart(trend: Trend, *, title: str, language: str, notes: list[str]) -> Chart:
    lang = _lang(language)
    filename = f"market-trend-{trend.dimension}.png"
    if trend.empty:
        return _empty_chart(title, language, filename)
    labels = [bucket_label(b, language) for b in trend.buckets]
    series = [trend.total, *trend.series]
    names = [_truncate(group_name(trend, s, language).replace("*", ""), 22) for s in series]
    header_px = 18 + TITLE_SIZE * 1.45 + 6 + SUBTITLE_SIZE * 1.45 + 16
    notes_px = _notes_px(notes)
    panel_in = 3.2
    height_in = (header_px + notes_px + 180) / DPI + 2 * panel_in
    fig, canvas = _new_figure(height_in)
    h_px, w_px = height_in * DPI, WIDTH_IN * DPI
    by = t(f"market_trend.by.{trend.dimension}", lang)
    subtitle = t("market_trend.chart_rate", lang, by=by) + " · " + t(
        "market_trend.chart_revenue", lang, by=by, currency=trend.currency)
    _header(fig, canvas, title, subtitle)
    _draw_notes(fig, canvas, notes)
    left_px, right_px, legend_px = 110, 290, 0
    panel_px = panel_in * DPI
    bottom_px = 20 + notes_px + 40
    x = list(range(len(labels)))
    axes = []
    for row in range(2):
        y_px = bottom_px + (1 - row) * (panel_px + 80)
        ax = fig.add_axes((left_px / w_px, y_px / h_px, 1 - (left_px + right_px + legend_px) / w_px, panel_px / h_px))
        _style_axes(ax, value_axis="y", texts=labels)
        ax.set_xticks(x, [_plain(label) for label in labels])
        axes.append(ax)
    rate_ax, money_ax = axes
    for i, (s, name) in enumerate(zip(series, names, strict=True)):
        color = INK if i == 0 else COLORS[(i - 1) % len(COLORS)]
        style = "--" if i == 0 else "-"
        rates = [c.win_rate * 100 if c.win_rate is not None else float("nan") for c in s.cells]
        rate_ax.plot(x, rates, style, color=color, linewidth=2.4 if i == 0 else 2, marker="o", label=_plain(name))
        money_ax.plot(x, [c.cents / 100 for c in s.cells], style, color=color, linewidth=2.4 if i == 0 else 2,
                      marker="o")
    rate_ax.set_ylim(0, 100)
    rate_ax.yaxis.set_major_formatter(lambda v, _p: f"{v:.0f}%")
    money_ax.yaxis.set_major_formatter(_money_formatter(trend.currency, language))
    money_ax.set_ylim(bottom=0)
    rate_ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), frameon=False, prop=_font(SMALL_SIZE, text=" ".join(
        names)), labelcolor=INK)
    for ax, text in ((rate_ax, t("market_trend.chart_rate", lang, by=by)),
                     (money_ax, t("market_trend.chart_revenue", lang, by=by, currency=trend.currency))):
        ax.set_title(_plain(text), loc="left", fontproperties=_font(LABEL_SIZE, text=text), color=INK)
    sep = "；" if lang == "zh" else "; "
    items = sep.join(
        t("market_trend.alt_item", lang, name=name, first_rate=_pct(s.cells[0].win_rate, language),
          last_rate=_pct(s.cells[-1].win_rate, language),
          first_rev=money_short(s.cells[0].cents, trend.currency, language),
          last_rev=money_short(s.cells[-1].cents, trend.currency, language))
        for s, name in zip(series, names, strict=True))
    alt = t("market_trend.alt", lang, title=title, unit=t(f"market_trend.unit.{unit_of(trend)}", lang),
            first=labels[0], last=labels[-1], items=items)
    return Chart(png=_png(fig, canvas), alt_text=_cap(_alt_notes(alt, notes, lang)), filename=filename)


def _pct(value: float | None, language: str) -> str:
    return "—" if value is None else percent(value, language, 0)
