"""Charts for digests, KPI replies and reviews, as PNG bytes with alt text (Slack-free, thread-safe).

Every chart is drawn on its own `matplotlib.figure.Figure` with the Agg canvas: no pyplot, no rcParams
changes, nothing shared between threads. Text uses the family list from `reports.chart_fonts` (DejaVu Sans,
then Noto Sans SC), so Chinese names and labels render without missing-glyph boxes.

Sizes aim at Slack's image preview: 1000 px wide, fonts of 14-20 pt at 100 dpi, few ticks, values written
next to the marks so a phone screen does not need the axis. Money on axes and labels goes through
`reports.formatting.money_short`; amounts come in as integer cents.
"""

from __future__ import annotations

import io
import math
import threading
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from matplotlib import font_manager, ft2font, ticker
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from reports.chart_fonts import LATIN_FAMILY, font_family
from reports.formatting import change, money_short, number, percent
from reports.i18n import add_messages, has_cjk, msg, nmsg, t, tn

__all__ = [
    "Chart",
    "rep_bars_chart",
    "trend_chart",
    "funnel_chart",
    "status_for",
    "ON_TRACK_FROM",
    "AT_RISK_FROM",
]

# Attainment (revenue / target) thresholds for the bar colours.
ON_TRACK_FROM = 1.0
AT_RISK_FROM = 0.8

DPI = 100
WIDTH_IN = 10.0  # 1000 px: Slack shows it full width on desktop and scales it down on phones
ALT_TEXT_MAX = 1000  # Slack's image block allows 2000 characters; keep it to a readable paragraph

TITLE_SIZE = 20
SUBTITLE_SIZE = 15
LABEL_SIZE = 15
TICK_SIZE = 14
VALUE_SIZE = 14
SMALL_SIZE = 13

INK = "#1f2328"
MUTED = "#59636e"
GRID = "#d8dee4"
COLORS = {
    "on_track": "#2e7d32",
    "at_risk": "#ef8c00",
    "behind": "#c62828",
    "hit": "#2e7d32",
    "missed": "#c62828",
    "no_target": "#8c959f",
}
TARGET_BG = "#e8ebef"
LINE = "#1565c0"
TARGET = "#1f2328"
FUNNEL = ["#0d47a1", "#1565c0", "#1976d2", "#1e88e5", "#42a5f5", "#64b5f6", "#90caf9"]

add_messages(
    msg("chart.on_track", "on track"),
    msg("chart.at_risk", "at risk"),
    msg("chart.behind", "behind"),
    msg("chart.no_target", "no target"),
    msg("chart.hit", "hit"),
    msg("chart.missed", "missed"),
    msg("chart.hit_counts", "{hit} hit · {missed} missed"),
    msg("chart.target", "target"),
    msg("chart.target_value", "target {value}"),
    msg("chart.no_data", "No data for this period"),
    msg("chart.team_vs_target", "Team {total} of {target} target ({pct})"),
    msg("chart.team_partial_target", "Team {total} · reps with a target: {achieved} of {target} ({pct})"),
    msg("chart.team_total", "Team {total}"),
    msg("chart.status_counts", "{on} on track · {risk} at risk · {behind} behind"),
    nmsg("chart.alt_reps", "Bar chart, {title}: revenue of {n} rep, highest first.",
         "Bar chart, {title}: revenue of {n} reps, highest first."),
    msg("chart.alt_top", "Top: {items}."),
    msg("chart.alt_behind", "Behind: {items}."),
    msg("chart.alt_lowest", "Lowest: {items}."),
    msg("chart.of_target", "{pct} of target"),
    msg("chart.latest", "{label}: {value}  {change} vs {prev}"),
    msg("chart.latest_only", "{label}: {value}"),
    msg("chart.alt_trend", "Line chart, {title}: {n} periods from {first} to {last}."),
    msg("chart.alt_trend_one", "Line chart, {title}: one period, {first}."),
    msg("chart.alt_latest", "Latest {label} {value} ({change} vs {prev})."),
    msg("chart.alt_latest_only", "Latest {label} {value}."),
    msg("chart.alt_range", "Highest {hi_label} {hi}, lowest {lo_label} {lo}."),
    nmsg("chart.alt_target", "Target {target}: met in {k} of {n} period.",
         "Target {target}: met in {k} of {n} periods."),
    nmsg("chart.deals", "{n} deal", "{n} deals"),
    msg("chart.no_amounts", "no amounts"),  # open deals the CRM gave no amount: not "US$0"
    msg("chart.funnel_snapshot_unpriced", "{count} deals · no amounts in the CRM data"),
    msg("chart.funnel_cumulative", "{first} deals entered · {last} reached {stage} ({pct})"),
    msg("chart.funnel_snapshot", "{count} deals · {amount} in pipeline"),
    msg("chart.funnel_share", "{pct} of amount"),
    msg("chart.alt_funnel", "Funnel chart, {title}: {items}."),
)


@dataclass(frozen=True)
class Chart:
    """A rendered chart: PNG bytes, the alt text for Slack's image block, and a file name for the upload."""

    png: bytes
    alt_text: str
    filename: str

    @property
    def size(self) -> tuple[int, int]:
        """(width, height) in pixels, read from the PNG header."""
        return int.from_bytes(self.png[16:20], "big"), int.from_bytes(self.png[20:24], "big")


# ---------------------------------------------------------------- helpers


def _lang(language: str) -> str:
    """"zh" in the reader's script (reports.i18n.TRADITIONAL stays Traditional) or "en", for the catalogs."""
    if language == "zh":
        return language
    return "zh" if (language or "").lower().startswith("zh") else "en"


def _plain(text: str) -> str:
    """Text for matplotlib: escape '$' so amounts are never read as mathtext."""
    return text.replace("$", r"\$")


def _font(size: float, weight: str = "normal", text: str | None = None) -> FontProperties:
    """The font of one text: DejaVu Sans alone when it has every character of `text` (laying out a text with a
    fallback font costs twice, and a 50-rep digest draws hundreds), else the family list with Noto Sans SC."""
    if weight != "normal":
        # Only Latin text is ever bold (see _weight_for), so ask DejaVu alone: Noto Sans SC has no bold face.
        return FontProperties(family=[LATIN_FAMILY], size=size, weight=weight)
    return FontProperties(family=_family(text), size=size, weight=weight)


def _family(*texts: str | None) -> list[str]:
    """[DejaVu Sans] when it draws every character of `texts`, else the list with the CJK fallback (also when
    no text is known)."""
    if not texts or any(text is None for text in texts):
        return font_family()
    chars = _latin_chars()
    if all(ord(c) in chars for text in texts for c in text or "" if not c.isspace()):
        return [LATIN_FAMILY]
    return font_family()


_FONT_LOCK = threading.Lock()
_NO_SCALE = ft2font.LoadFlags.NO_SCALE if hasattr(ft2font, "LoadFlags") else ft2font.LOAD_NO_SCALE


@lru_cache(maxsize=1)
def _latin_chars() -> frozenset[int]:
    path = font_manager.findfont(FontProperties(family=[LATIN_FAMILY]))
    return frozenset(ft2font.FT2Font(path).get_charmap())


@lru_cache(maxsize=1)
def _latin_bold_chars() -> frozenset[int]:
    path = font_manager.findfont(FontProperties(family=[LATIN_FAMILY], weight="bold"))
    return frozenset(ft2font.FT2Font(path).get_charmap())


def _weight_for(text: str) -> str:
    """Bold when DejaVu Sans Bold has every character, else normal: Noto Sans SC has no bold face, and a bold
    title would mix bold Latin with regular Chinese."""
    if has_cjk(text):
        return "normal"
    chars = _latin_bold_chars()
    return "bold" if all(ord(c) in chars for c in text if not c.isspace()) else "normal"


def _width(text: str) -> int:
    """Display columns: CJK characters count twice."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _truncate(text: str, columns: int) -> str:
    text = " ".join((text or "").split())
    if _width(text) <= columns:
        return text
    out, used = [], 0
    for c in text:
        w = _width(c)
        if used + w > columns - 1:
            break
        out.append(c)
        used += w
    return "".join(out).rstrip() + "…"


def _cap(text: str, limit: int = ALT_TEXT_MAX) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _new_figure(height_in: float) -> tuple[Figure, FigureCanvasAgg]:
    fig = Figure(figsize=(WIDTH_IN, height_in), dpi=DPI, facecolor="white")
    canvas = FigureCanvasAgg(fig)
    return fig, canvas


def _text_px(canvas: FigureCanvasAgg, text: str, size: float, weight: str = "normal") -> float:
    """Rendered width of plain (unescaped) `text` in pixels."""
    if not text:
        return 0.0
    renderer = canvas.get_renderer()
    width, _, _ = renderer.get_text_width_height_descent(text, _font(size, weight, text), ismath=False)
    return float(width)


def _png(fig: Figure, canvas: FigureCanvasAgg) -> bytes:
    buf = io.BytesIO()
    # Fixed figure size: no bbox_inches="tight", so every chart is exactly as laid out. zlib level 3 instead of
    # 6: a third of the encoding time for a file ~10% larger (flat colours compress well either way).
    canvas.print_png(buf, pil_kwargs={"compress_level": 3})
    return buf.getvalue()


def _fit(canvas: FigureCanvasAgg, text: str, size: float, max_px: float, min_size: float) -> tuple[str, float]:
    """Shrink the font (down to min_size), then cut the text, so it fits in max_px."""
    weight = _weight_for(text)
    width = _text_px(canvas, text, size, weight)
    if width <= max_px:
        return text, size
    size = max(min_size, size * max_px / width)
    while _text_px(canvas, text, size, weight) > max_px and len(text) > 4:
        text = text[: max(4, int(len(text) * 0.92))].rstrip() + "…"
        text = text.replace("……", "…")
    return text, size


def _header(fig: Figure, canvas: FigureCanvasAgg, title: str, subtitle: str = "", *, top_px: float = 18) -> float:
    """Title and subtitle at the top left, shrunk to fit the width; returns the pixels they take from the top."""
    h = fig.get_figheight() * DPI
    w = fig.get_figwidth() * DPI
    left = 20 / w
    title, title_size = _fit(canvas, title, TITLE_SIZE, w - 40, 14)
    fig.text(
        left,
        1 - top_px / h,
        _plain(title),
        fontproperties=_font(title_size, _weight_for(title), title),
        color=INK,
        va="top",
        ha="left",
    )
    used = top_px + TITLE_SIZE * 1.45
    if subtitle:
        subtitle, sub_size = _fit(canvas, subtitle, SUBTITLE_SIZE, w - 40, 12)
        fig.text(
            left,
            1 - (used + 6) / h,
            _plain(subtitle),
            fontproperties=_font(sub_size, text=subtitle),
            color=MUTED,
            va="top",
            ha="left",
        )
        used += 6 + SUBTITLE_SIZE * 1.45
    return used


def _style_axes(ax, *, value_axis: str, texts: Sequence[str] = ()) -> None:
    """No frame, a light grid on the value axis; tick labels in the font `texts` (what they will show) need."""
    for side in ("top", "right", "left", "bottom"):
        ax.spines[side].set_visible(False)
    ax.tick_params(
        axis="both",
        labelsize=TICK_SIZE,
        labelcolor=INK,
        labelfontfamily=_family(*texts) if texts else font_family(),
        length=0,
        pad=6,
    )
    ax.grid(axis=value_axis, color=GRID, linewidth=1)
    ax.set_axisbelow(True)


def _money_formatter(currency: str, language: str) -> ticker.FuncFormatter:
    def fmt(value: float, _pos: int | None = None) -> str:
        return _plain(money_short(int(round(value * 100)), currency, language))

    return ticker.FuncFormatter(fmt)


NOTE_PX = 22  # one footnote line
NOTES_MAX = 6


def _notes_px(notes: Sequence[str]) -> float:
    """Pixels the footnotes take at the bottom of a figure (0 without any)."""
    return len(notes[:NOTES_MAX]) * NOTE_PX + 12 if notes else 0.0


def _draw_notes(fig: Figure, canvas: FigureCanvasAgg, notes: Sequence[str]) -> None:
    """Footnotes at the bottom left, muted, each shrunk or cut to the width: what the figure's amounts could not
    include (deals in a currency without a rate) travels with the picture, not only with the message."""
    shown = list(notes[:NOTES_MAX])
    h, w = fig.get_figheight() * DPI, fig.get_figwidth() * DPI
    for i, note in enumerate(shown):
        text, size = _fit(canvas, note, SMALL_SIZE, w - 40, 10)
        y_px = 10 + (len(shown) - 1 - i) * NOTE_PX
        fig.text(20 / w, y_px / h, _plain(text), fontproperties=_font(size, text=text), color=MUTED, va="bottom",
                 ha="left")


def _alt_notes(alt: str, notes: Sequence[str], lang: str) -> str:
    """The alt text with the footnotes, so a screen reader hears what the picture says under it."""
    if not notes:
        return alt
    end = "。" if lang == "zh" else ". "
    return alt + ("" if lang == "zh" else " ") + end.join(notes) + ("。" if lang == "zh" else ".")


def _empty_chart(title: str, language: str, filename: str) -> Chart:
    fig, canvas = _new_figure(3.0)
    _header(fig, canvas, title)
    message = t("chart.no_data", _lang(language))
    fig.text(0.5, 0.42, message, fontproperties=_font(LABEL_SIZE, text=message), color=MUTED, ha="center",
             va="center")
    return Chart(png=_png(fig, canvas), alt_text=_cap(f"{title}: {message}"), filename=filename)


def _units(cents: int) -> float:
    return cents / 100.0


def _bars(ax, rows: Sequence[float], ends: Sequence[float], height: float, color, zorder: int) -> None:  # noqa: ANN001
    """Horizontal bars from 0 to each end as ONE collection: `barh` adds a patch per bar and updates the data
    limits each time (a third of a 50-rep chart's drawing); the callers set the limits themselves."""
    half = height / 2
    ax.add_collection(
        PolyCollection(
            [[(0, r - half), (0, r + half), (e, r + half), (e, r - half)] for r, e in zip(rows, ends, strict=True)],
            facecolors=color,
            edgecolors="none",
            linewidths=0,
            zorder=zorder,
        ),
        autolim=False,
    )


def _widest(canvas: FigureCanvasAgg, texts: Sequence[str], size: float) -> float:
    """The rendered width of the widest of `texts`. Laying out 50 names to find the widest costs as much as
    drawing them, so each is first estimated from DejaVu's advance widths, and only those within 15% of the
    widest estimate are measured."""
    unique = list(dict.fromkeys(texts))
    if not unique:
        return 0.0
    estimates = [sum(_advance(ord(c)) for c in text) for text in unique]
    top = max(estimates)
    return max(_text_px(canvas, text, size) for text, e in zip(unique, estimates, strict=True) if e >= 0.85 * top)


@lru_cache(maxsize=1)
def _latin_font() -> ft2font.FT2Font:
    return ft2font.FT2Font(font_manager.findfont(FontProperties(family=[LATIN_FAMILY])))


@lru_cache(maxsize=4096)
def _advance(code: int) -> float:
    """Advance width of one character in DejaVu Sans, in ems (1 em when it lacks it: CJK characters are square)."""
    if code not in _latin_chars():
        return 1.0
    with _FONT_LOCK:  # an FT2Font is not safe to use from two threads at once
        font = _latin_font()
        return font.load_char(code, _NO_SCALE).horiAdvance / font.units_per_EM


# ---------------------------------------------------------------- rep bars


def status_for(revenue: int, target: int | None) -> str:
    """'on_track' (>= 100% of target), 'at_risk' (>= 80%), 'behind', or 'no_target'."""
    if not target or target <= 0:
        return "no_target"
    ratio = revenue / target
    if ratio >= ON_TRACK_FROM:
        return "on_track"
    if ratio >= AT_RISK_FROM:
        return "at_risk"
    return "behind"


def rep_bars_chart(
    rows: Sequence[tuple[str, int, int | None]],
    *,
    title: str,
    currency: str,
    language: str,
    finished: bool = False,
    notes: Sequence[str] = (),
) -> Chart:
    """Horizontal bars of revenue per rep, highest first, with a tick at each rep's target.
    `finished`: the period is over, so reps hit or missed their targets (no "at risk").
    `notes`: footnotes under the bars (e.g. deals a rep's amount could not include: no rate).

    rows: (display name, revenue cents, target cents or None). Bars are green at 100% of target or more,
    amber from 80%, red below, blue without a target; each bar is labelled with its amount and attainment.
    Stays readable up to ~60 reps: the figure grows in height, never squeezes the rows.
    """
    lang = _lang(language)
    filename = "rep-revenue.png"
    if not rows:
        return _empty_chart(title, language, filename)

    ordered = sorted(rows, key=lambda r: (-r[1], r[0]))
    n = len(ordered)
    names = [_truncate(r[0], 22) for r in ordered]
    revenue = [r[1] for r in ordered]
    targets = [r[2] if r[2] and r[2] > 0 else None for r in ordered]
    statuses = [status_for(rev, tgt) for rev, tgt in zip(revenue, targets, strict=True)]
    if finished:
        statuses = [{"on_track": "hit", "no_target": "no_target"}.get(st, "missed") for st in statuses]

    def bar_label(rev: int, tgt: int | None) -> str:
        amount = money_short(rev, currency, language)
        return f"{amount} · {percent(rev / tgt, language, 0)}" if tgt else amount

    labels = [bar_label(rev, tgt) for rev, tgt in zip(revenue, targets, strict=True)]

    # Subtitle: team total against the summed targets, and how many reps are where.
    total = sum(revenue)
    with_target = [(rev, tgt) for rev, tgt in zip(revenue, targets, strict=True) if tgt]
    target_total = sum(tgt for _, tgt in with_target)
    counts = {s: statuses.count(s) for s in COLORS}
    total_s = money_short(total, currency, language)
    if target_total:
        achieved = sum(rev for rev, _ in with_target)
        key = "chart.team_vs_target" if len(with_target) == n else "chart.team_partial_target"
        team = t(
            key,
            lang,
            total=total_s,
            achieved=money_short(achieved, currency, language),
            target=money_short(target_total, currency, language),
            pct=percent(achieved / target_total, language, 0),
        )
    else:
        team = t("chart.team_total", lang, total=total_s)

    row_in = 0.52 if n <= 8 else 0.42 if n <= 20 else 0.34
    header_px = 18 + TITLE_SIZE * 1.45 + 6 + SUBTITLE_SIZE * 1.45 + 50  # title, subtitle, legend
    axis_px = 40  # value ticks above the bars
    notes_px = _notes_px(notes)
    height_in = (header_px + axis_px + 24 + notes_px) / DPI + n * row_in
    fig, canvas = _new_figure(height_in)
    h_px = height_in * DPI
    w_px = WIDTH_IN * DPI

    _header(fig, canvas, title, team)

    name_px = _widest(canvas, names, LABEL_SIZE)
    value_px = _widest(canvas, labels, VALUE_SIZE)
    left_px = 20 + name_px + 12
    right_px = 24
    top_px = header_px + axis_px
    bottom_px = 24 + notes_px
    _draw_notes(fig, canvas, notes)
    ax = fig.add_axes(
        (left_px / w_px, bottom_px / h_px, 1 - (left_px + right_px) / w_px, 1 - (top_px + bottom_px) / h_px)
    )
    _style_axes(ax, value_axis="x", texts=labels)

    y = list(range(n))
    values = [_units(v) for v in revenue]
    target_rows = [(i, _units(tgt)) for i, tgt in enumerate(targets) if tgt]
    if target_rows:
        # Bullet-chart style: a pale bar up to the target behind the revenue bar shows the gap at a glance.
        _bars(ax, [i for i, _ in target_rows], [x for _, x in target_rows], 0.66, TARGET_BG, 1)
    _bars(ax, y, values, 0.66, [COLORS[s] for s in statuses], 2)
    if target_rows:
        ax.vlines(
            [x for _, x in target_rows],
            [i - 0.45 for i, _ in target_rows],
            [i + 0.45 for i, _ in target_rows],
            colors=TARGET,
            linewidth=2.5,
            zorder=3,
        )

    # Room on the right for the value labels, measured rather than guessed.
    ends = [max(v, _units(tgt) if tgt else 0.0) for v, tgt in zip(values, targets, strict=True)]
    data_max = max([*ends, 0.0]) or 1.0
    data_min = min([*values, 0.0])
    plot_px = w_px - left_px - right_px
    label_share = min(0.6, (value_px + 16) / plot_px)
    x_max = data_max / (1 - label_share)
    ax.set_xlim(data_min * 1.05, x_max)
    ax.set_ylim(n - 0.5, -0.5)
    pad = (x_max - data_min) * 8 / plot_px
    for i, (end, label) in enumerate(zip(ends, labels, strict=True)):
        ax.text(
            max(end, 0.0) + pad,
            i,
            _plain(label),
            fontproperties=_font(VALUE_SIZE, text=label),
            color=INK,
            va="center",
            ha="left",
            zorder=4,
        )
    # The names as plain texts where the y tick labels would be (6 pt from the axes): 50 ticks cost a line, a
    # marker and two texts each, for nothing the chart shows.
    ax.set_yticks([])
    name_x = -6 * DPI / 72 / (w_px - left_px - right_px)
    for i, name in enumerate(names):
        ax.text(name_x, i, _plain(name), transform=ax.get_yaxis_transform(),
                fontproperties=_font(LABEL_SIZE, text=name), color=INK, va="center_baseline", ha="right", clip_on=False)
    ax.xaxis.tick_top()
    ax.xaxis.set_major_locator(ticker.MaxNLocator(nbins=4, min_n_ticks=3))
    ax.xaxis.set_major_formatter(_money_formatter(currency, language))
    ax.tick_params(axis="x", labelcolor=MUTED)

    handles = [
        Patch(color=COLORS[s], label=f"{t(f'chart.{s}', lang)} {counts[s]}")
        for s in ("on_track", "at_risk", "behind", "hit", "missed", "no_target")
        if counts[s]
    ]
    if target_rows:
        handles.append(Line2D([], [], color=TARGET, linewidth=2.5, label=t("chart.target", lang)))
    fig.legend(
        handles=handles,
        loc="upper left",
        bbox_to_anchor=(14 / w_px, 1 - (header_px - 46) / h_px),
        ncol=len(handles),
        frameon=False,
        prop=_font(SMALL_SIZE + 1, text=" ".join(str(h.get_label()) for h in handles)),
        handlelength=1.2,
        handleheight=0.9,
        columnspacing=1.4,
        labelcolor=INK,
    )

    # Alt text: the headline figures, the leaders and the reps who need attention.
    def who(i: int) -> str:
        name = " ".join(ordered[i][0].split())
        amount = money_short(revenue[i], currency, language)
        if not targets[i]:
            return f"{name} {amount}"
        pct = percent(revenue[i] / targets[i], language, 0)
        return f"{name} {amount}（{pct}）" if lang == "zh" else f"{name} {amount} ({pct})"

    sep = "、" if lang == "zh" else ", "
    parts = [tn("chart.alt_reps", n, lang, title=title), team + ("。" if lang == "zh" else ".")]
    if with_target:
        status_line = t(
            "chart.status_counts", lang, on=counts["on_track"], risk=counts["at_risk"], behind=counts["behind"]
        )
        if finished:
            status_line = t("chart.hit_counts", lang, hit=counts["hit"], missed=counts["missed"])
        parts.append(status_line + ("。" if lang == "zh" else "."))
    parts.append(t("chart.alt_top", lang, items=sep.join(who(i) for i in range(min(3, n)))))
    behind = [i for i, s in enumerate(statuses) if s in ("behind", "missed")]
    if behind:
        parts.append(t("chart.alt_behind", lang, items=sep.join(who(i) for i in behind[-5:][::-1])))
    elif n > 3:
        parts.append(t("chart.alt_lowest", lang, items=who(n - 1)))
    alt = _alt_notes((" " if lang == "en" else "").join(parts), notes, lang)
    return Chart(png=_png(fig, canvas), alt_text=_cap(alt), filename=filename)


# ---------------------------------------------------------------- trend


def trend_chart(
    points: Sequence[tuple[str, int]],
    *,
    title: str,
    currency: str,
    language: str,
    target: int | None = None,
    base: tuple[str, int] | None = None,
    notes: Sequence[str] = (),
) -> Chart:
    """A line of one amount over periods (typically 12 weeks or months, labels like "W47" or "11月").

    points: (period label, amount cents), oldest first. `target` (cents per period) draws a dashed line.
    The latest point is highlighted and labelled; the subtitle gives its change against the period before,
    or against `base` (label, cents) when the latest is partial: the same days of the period before.
    `notes`: footnotes under the axis (deals the amounts could not include: no rate for their currency).
    """
    lang = _lang(language)
    filename = "trend.png"
    if not points:
        return _empty_chart(title, language, filename)

    labels = [str(p[0]) for p in points]
    amounts = [int(p[1]) for p in points]
    n = len(points)
    last = amounts[-1]
    last_s = money_short(last, currency, language)
    if n >= 2:
        prev_label, prev_amount = base if base is not None else (labels[-2], amounts[-2])
        delta = change(last, prev_amount, language)
        subtitle = t("chart.latest", lang, label=labels[-1], value=last_s, change=delta, prev=prev_label)
    else:
        delta = ""
        subtitle = t("chart.latest_only", lang, label=labels[-1], value=last_s)

    notes_px = _notes_px(notes)
    height_in = 5.4 + notes_px / DPI
    fig, canvas = _new_figure(height_in)
    h_px, w_px = height_in * DPI, WIDTH_IN * DPI
    header_px = _header(fig, canvas, title, subtitle)
    _draw_notes(fig, canvas, notes)

    values = [_units(a) for a in amounts]
    hi = max([*values, _units(target) if target else 0.0, 0.0]) or 1.0
    lo = min([*values, 0.0])
    y_max = hi * 1.18
    tick_px = max(_text_px(canvas, money_short(int(round(y_max * 100)), currency, language), TICK_SIZE), 40)
    left_px = 20 + tick_px + 10
    # The latest period's tick label and value label are centred on the last point: keep them inside.
    unit_px = (w_px - left_px - 36) / (n - 1 + 0.8)
    overhang = (
        max(_text_px(canvas, labels[-1], TICK_SIZE), _text_px(canvas, last_s, VALUE_SIZE, _weight_for(last_s))) / 2
    )
    right_px = max(36.0, overhang - 0.4 * unit_px + 16)
    top_px = header_px + (40 if target else 24)
    bottom_px = 44 + notes_px
    ax = fig.add_axes(
        (left_px / w_px, bottom_px / h_px, 1 - (left_px + right_px) / w_px, 1 - (top_px + bottom_px) / h_px)
    )
    _style_axes(ax, value_axis="y", texts=[*labels, last_s])

    x = list(range(n))
    ax.fill_between(x, values, lo, color=LINE, alpha=0.08, linewidth=0, zorder=1)
    ax.plot(x, values, color=LINE, linewidth=3, marker="o", markersize=7, zorder=3)
    ax.plot([x[-1]], [values[-1]], marker="o", markersize=12, color=LINE, markeredgecolor="white", zorder=4)
    # Label the latest point on the side away from the line coming into it.
    y_lo = lo * 1.1 if lo < 0 else 0.0
    falling = n >= 2 and values[-2] > values[-1]
    below = falling and (values[-1] - y_lo) > 0.25 * (y_max - y_lo)
    ax.annotate(
        _plain(last_s),
        (x[-1], values[-1]),
        xytext=(0, -14 if below else 14),
        textcoords="offset points",
        ha="center",
        va="top" if below else "bottom",
        fontproperties=_font(VALUE_SIZE, _weight_for(last_s), last_s),
        color=LINE,
        zorder=5,
    )
    if target:
        ax.axhline(_units(target), color=TARGET, linewidth=2, linestyle=(0, (6, 4)), zorder=2)
        target_label = t("chart.target_value", lang, value=money_short(target, currency, language))
        fig.legend(
            handles=[Line2D([], [], color=TARGET, linewidth=2, linestyle=(0, (6, 4)), label=_plain(target_label))],
            loc="upper right",
            bbox_to_anchor=(1 - 20 / w_px, 1 - (header_px + 2) / h_px),
            frameon=False,
            prop=_font(SMALL_SIZE + 1, text=target_label),
            handlelength=2.6,
            labelcolor=INK,
            borderaxespad=0,
        )

    ax.set_xlim(-0.4, n - 1 + 0.4)
    ax.set_ylim(y_lo, y_max)
    ax.yaxis.set_major_locator(ticker.MaxNLocator(nbins=4, min_n_ticks=3))
    ax.yaxis.set_major_formatter(_money_formatter(currency, language))
    ax.tick_params(axis="y", labelcolor=MUTED)

    # Period labels: all of them when they fit, otherwise every k-th, always keeping the latest.
    plot_px = w_px - left_px - right_px
    widest = max(_text_px(canvas, label, TICK_SIZE) for label in labels)
    step = max(1, math.ceil((widest + 14) / (plot_px / max(n, 1))))
    shown = [i for i in range(n) if (n - 1 - i) % step == 0]
    ax.set_xticks(shown, [_plain(labels[i]) for i in shown])

    first, latest = labels[0], labels[-1]
    hi_i = max(range(n), key=lambda i: amounts[i])
    lo_i = min(range(n), key=lambda i: amounts[i])
    sp = "" if lang == "zh" else " "
    intro = "chart.alt_trend" if n > 1 else "chart.alt_trend_one"
    parts = [t(intro, lang, title=title, n=n, first=first, last=latest)]
    if n >= 2:
        parts.append(t("chart.alt_latest", lang, label=latest, value=last_s, change=delta, prev=prev_label))
        parts.append(
            t(
                "chart.alt_range",
                lang,
                hi_label=labels[hi_i],
                hi=money_short(amounts[hi_i], currency, language),
                lo_label=labels[lo_i],
                lo=money_short(amounts[lo_i], currency, language),
            )
        )
    else:
        parts.append(t("chart.alt_latest_only", lang, label=latest, value=last_s))
    if target:
        met = sum(1 for a in amounts if a >= target)
        parts.append(tn("chart.alt_target", n, lang, target=money_short(target, currency, language), k=met))
    return Chart(png=_png(fig, canvas), alt_text=_cap(_alt_notes(sp.join(parts), notes, lang)), filename=filename)


# ---------------------------------------------------------------- funnel


def funnel_chart(
    stages: Sequence[tuple[str, int, int]],
    *,
    title: str,
    currency: str,
    language: str,
    cumulative: bool | None = None,
    notes: Sequence[str] = (),
) -> Chart:
    """Pipeline funnel: one centred bar per stage, as wide as its deal count, labelled with count and amount.

    stages: (stage name, deal count, amount cents), first stage first. Two readings of the numbers:
    - cumulative (deals that reached each stage; counts never grow): the gaps show the conversion from one
      stage to the next, and the subtitle the overall conversion;
    - a snapshot of open deals by stage: each stage shows its share of the pipeline amount, and the subtitle
      the pipeline total.
    `cumulative=None` picks cumulative when the counts never grow from one stage to the next.
    `notes`: footnotes under the funnel (deals whose amounts could not be converted).
    """
    lang = _lang(language)
    filename = "funnel.png"
    if not stages:
        return _empty_chart(title, language, filename)

    names = [_truncate(s[0], 20) for s in stages]
    counts = [max(int(s[1]), 0) for s in stages]
    amounts = [int(s[2]) for s in stages]
    n = len(stages)
    if cumulative is None:
        cumulative = n > 1 and counts[0] > 0 and all(b <= a for a, b in zip(counts, counts[1:], strict=False))
    total_count, total_amount = sum(counts), sum(amounts)

    if cumulative and counts[0]:
        subtitle = t(
            "chart.funnel_cumulative",
            lang,
            first=number(counts[0], language),
            last=number(counts[-1], language),
            stage=names[-1],
            pct=percent(counts[-1] / counts[0], language, 0),
        )
    elif total_count and not any(amounts):  # an export without amounts on open deals: not "US$0 in pipeline"
        subtitle = t("chart.funnel_snapshot_unpriced", lang, count=number(total_count, language))
    else:
        subtitle = t(
            "chart.funnel_snapshot",
            lang,
            count=number(total_count, language),
            amount=money_short(total_amount, currency, language),
        )

    def side_label(i: int) -> str:
        deals = tn("chart.deals", counts[i], lang, n=number(counts[i], language))
        unpriced = counts[i] and not amounts[i]
        text = f"{deals} · {t('chart.no_amounts', lang) if unpriced else money_short(amounts[i], currency, language)}"
        if not cumulative and total_amount > 0:
            text += "  " + t("chart.funnel_share", lang, pct=percent(amounts[i] / total_amount, language, 0))
        return text

    side = [side_label(i) for i in range(n)]

    row_in = 0.78
    notes_px = _notes_px(notes)
    fig_h = 1.0 + n * row_in + 0.5 + notes_px / DPI
    fig, canvas = _new_figure(fig_h)
    h_px, w_px = fig_h * DPI, WIDTH_IN * DPI
    header_px = _header(fig, canvas, title, subtitle)
    _draw_notes(fig, canvas, notes)

    name_px = max(_text_px(canvas, name, LABEL_SIZE) for name in names)
    side_px = max(_text_px(canvas, s, VALUE_SIZE) for s in side)
    left_px = 20 + name_px + 16
    right_px = 20 + side_px + 12
    top_px = header_px + 16
    bottom_px = 16 + notes_px
    ax = fig.add_axes(
        (left_px / w_px, bottom_px / h_px, 1 - (left_px + right_px) / w_px, 1 - (top_px + bottom_px) / h_px)
    )
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.tick_params(axis="both", length=0, labelfontfamily=_family(*names), labelsize=LABEL_SIZE, labelcolor=INK)
    ax.set_xticks([])

    widths_source = counts if max(counts) > 0 else [max(a, 0) for a in amounts]
    widest = max(widths_source) or 1
    min_w = 0.04 * widest  # a stage with 0 still shows as a sliver
    widths = [max(w, min_w) if w > 0 else min_w for w in widths_source]
    colors = [FUNNEL[min(i * (len(FUNNEL) - 1) // max(n - 1, 1), len(FUNNEL) - 1)] for i in range(n)]
    y = list(range(n))
    ax.barh(y, widths, left=[-w / 2 for w in widths], height=0.62, color=colors, zorder=2)
    ax.set_xlim(-widest / 2 * 1.02, widest / 2 * 1.02)
    ax.set_ylim(n - 0.5, -0.5)
    ax.set_yticks(y, [_plain(name) for name in names])

    for i in range(n):
        ax.text(
            1.0 + 12 / (w_px - left_px - right_px),
            i,
            _plain(side[i]),
            transform=ax.get_yaxis_transform(),
            fontproperties=_font(VALUE_SIZE, text=side[i]),
            color=INK,
            va="center",
            ha="left",
            clip_on=False,
        )
        if cumulative and i > 0 and counts[i - 1] > 0:
            ax.text(
                0,
                i - 0.5,
                _plain("↓ " + percent(counts[i] / counts[i - 1], language, 0)),
                fontproperties=_font(SMALL_SIZE, text="↓ " + percent(counts[i] / counts[i - 1], language, 0)),
                color=MUTED,
                ha="center",
                va="center",
                zorder=4,
                bbox={"facecolor": "white", "edgecolor": "none", "pad": 1.0},
            )

    sep = "；" if lang == "zh" else "; "
    items = sep.join(f"{' '.join(stages[i][0].split())} {side[i]}" for i in range(n))
    alt = t("chart.alt_funnel", lang, title=title, items=items)
    alt += (" " if lang == "en" else "") + subtitle + ("。" if lang == "zh" else ".")
    return Chart(png=_png(fig, canvas), alt_text=_cap(_alt_notes(alt, notes, lang)), filename=filename)
