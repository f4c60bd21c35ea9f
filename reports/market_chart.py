"""The `/market` chart: deals lost per loss reason (or competitor), this period beside the previous one.

Drawn like the charts of reports/charts.py (its own Figure and Agg canvas, 1000 px wide, CJK font, values
written next to the bars, footnotes for deals whose amounts had no rate, alt text that says what it shows).
"""

from collections.abc import Sequence

from reports.charts import (
    DPI,
    INK,
    LABEL_SIZE,
    SUBTITLE_SIZE,
    TITLE_SIZE,
    VALUE_SIZE,
    WIDTH_IN,
    Chart,
    _alt_notes,
    _cap,
    _draw_notes,
    _empty_chart,
    _font,
    _header,
    _lang,
    _new_figure,
    _notes_px,
    _plain,
    _png,
    _style_axes,
    _text_px,
    _truncate,
)
from reports.formatting import money_short, number
from reports.i18n import add_messages, msg, t
from reports.market import Row
from reports.market_text import deals_text

NOW = "#c62828"
BEFORE = "#d8dee4"

add_messages(
    msg("market_chart.subtitle", "Deals lost: {now} in {period} (dark) vs {before} in {previous} (light)"),
    msg("market_chart.bar", "{n} · {amount}"),
    msg("market_chart.alt", "Bar chart, {title}. {subtitle}. {items}."),
    msg("market_chart.alt_item", "{name} {now} ({amount}), {before} before"),
)


def loss_chart(
    rows: Sequence[Row],
    *,
    title: str,
    period: str,
    previous: str,
    currency: str,
    language: str,
    notes: Sequence[str] = (),
    top: int = 8,
) -> Chart:
    """Horizontal bars, most deals lost first: this period's count (dark) over the previous one's (light),
    labelled with the count and the money lost."""
    lang = _lang(language)
    filename = "market-losses.png"
    shown = list(rows[:top])
    if not shown:
        return _empty_chart(title, language, filename)
    n = len(shown)
    names = [_truncate(r.key, 22) for r in shown]
    labels = [t("market_chart.bar", lang, n=number(r.now.deals, language),
                amount=money_short(r.now.cents, currency, language)) for r in shown]
    subtitle = t("market_chart.subtitle", lang, now=number(sum(r.now.deals for r in shown), language),
                 before=number(sum(r.before.deals for r in shown), language), period=period, previous=previous)

    row_in = 0.56
    header_px = 18 + TITLE_SIZE * 1.45 + 6 + SUBTITLE_SIZE * 1.45 + 16
    notes_px = _notes_px(notes)
    height_in = (header_px + 40 + notes_px) / DPI + n * row_in
    fig, canvas = _new_figure(height_in)
    h_px, w_px = height_in * DPI, WIDTH_IN * DPI
    _header(fig, canvas, title, subtitle)
    _draw_notes(fig, canvas, notes)
    name_px = max(_text_px(canvas, name, LABEL_SIZE) for name in names)
    value_px = max(_text_px(canvas, label, VALUE_SIZE) for label in labels)
    left_px, right_px = 20 + name_px + 12, 24
    bottom_px = 20 + notes_px
    ax = fig.add_axes(
        (left_px / w_px, bottom_px / h_px, 1 - (left_px + right_px) / w_px, 1 - (header_px + bottom_px) / h_px)
    )
    _style_axes(ax, value_axis="x")
    y = list(range(n))
    now = [r.now.deals for r in shown]
    before = [r.before.deals for r in shown]
    ax.barh([i + 0.17 for i in y], before, height=0.34, color=BEFORE, zorder=1)
    ax.barh([i - 0.17 for i in y], now, height=0.34, color=NOW, zorder=2)
    data_max = max([*now, *before, 1])
    plot_px = w_px - left_px - right_px
    share = min(0.6, (value_px + 16) / plot_px)
    x_max = data_max / (1 - share)
    ax.set_xlim(0, x_max)
    ax.set_ylim(n - 0.5, -0.5)
    pad = x_max * 8 / plot_px
    for i, label in enumerate(labels):
        ax.text(max(now[i], before[i]) + pad, i, _plain(label), fontproperties=_font(VALUE_SIZE), color=INK,
                va="center", ha="left", zorder=4)
    ax.set_yticks(y, [_plain(name) for name in names])
    ax.set_xticks([])
    ax.tick_params(axis="y", labelsize=LABEL_SIZE, labelcolor=INK)
    sep = "；" if lang == "zh" else "; "
    items = sep.join(
        t("market_chart.alt_item", lang, name=" ".join(r.key.split()), now=deals_text(r.now.deals, language),
          amount=money_short(r.now.cents, currency, language), before=number(r.before.deals, language))
        for r in shown
    )
    alt = t("market_chart.alt", lang, title=title, subtitle=subtitle, items=items)
    return Chart(png=_png(fig, canvas), alt_text=_cap(_alt_notes(alt, notes, lang)), filename=filename)
