import io
import logging
import random
import subprocess
import sys
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import matplotlib
import pytest
from matplotlib import font_manager, ft2font
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.image import imread

from reports import chart_fonts
from reports.charts import Chart, funnel_chart, rep_bars_chart, status_for, trend_chart

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
CHINESE = "张三李四王五赵六销售额目标达标落后万亿周五月团队完成率"

ZH_ROWS = [
    ("张三", 17_514_800, 19_900_000),
    ("李四", 31_007_500, 30_000_000),
    ("王小红", 16_320_200, 26_750_000),
    ("欧阳娜娜", 9_800_000, None),
    ("Darcel Schlecht", 12_000_000, 10_000_000),
]
EN_ROWS = [
    ("Darcel Schlecht", 31_007_500, 30_100_000),
    ("Zane Levy", 16_320_200, 26_750_000),
    ("Maria Gomez", 17_514_800, 19_900_000),
    ("Kami Bicknell", 2_000_000, None),
]
TREND = [(f"W{w}", (200 + (w * 37) % 150) * 100_000) for w in range(36, 48)]
ZH_TREND = [(f"{m}月", (2000 + (m * 370) % 1500) * 100_000) for m in [12, *range(1, 12)]]
FUNNEL = [
    ("Prospecting", 120, 240_000_000),
    ("Qualification", 80, 190_000_000),
    ("Proposal", 41, 120_000_000),
    ("Negotiation", 22, 80_000_000),
]
ZH_FUNNEL = [("初步接触", 30, 50_000_000), ("需求确认", 60, 190_000_000), ("商务谈判", 22, 80_000_000)]


def fifty_reps(seed: int = 7) -> list[tuple[str, int, int | None]]:
    rng = random.Random(seed)
    first = ["张", "李", "王", "赵", "Darcel", "Zane", "Maria", "Vicki", "Kami", "Rosalina"]
    rows = []
    for i in range(50):
        name = f"{first[i % len(first)]}{'三四五六'[i % 4]}" if i % 2 else f"{first[i % len(first)]} Rep{i}"
        rows.append((name, rng.randint(20, 450) * 100_000, rng.choice([None, rng.randint(100, 400) * 100_000])))
    return rows


def assert_png(chart: Chart, *, width: int = 1000, min_height: int = 200, max_height: int = 2600) -> None:
    assert isinstance(chart.png, bytes)
    assert chart.png.startswith(PNG_SIGNATURE)
    image = imread(io.BytesIO(chart.png), format="png")
    height, w = image.shape[:2]
    assert (w, height) == chart.size
    assert w == width
    assert min_height <= height <= max_height
    # Not blank: a chart has ink on it.
    assert image[..., :3].min() < 0.3
    assert chart.filename.endswith(".png") and chart.filename.isascii()
    assert 0 < len(chart.alt_text) <= 1000


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def render_capturing(build):
    """Run build(); return (result, warning messages, matplotlib log messages)."""
    handler = _Records()
    logger = logging.getLogger("matplotlib")
    logger.addHandler(handler)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            result = build()
    finally:
        logger.removeHandler(handler)
    return result, [str(w.message) for w in caught], handler.messages


# ---------------------------------------------------------------- fonts


def test_cjk_font_comes_from_the_project_dependency() -> None:
    path = chart_fonts.cjk_font_path()
    assert path is not None, "pylopdf-fonts-zh-cn must be installed (it is a dependency in pyproject.toml)"
    assert path.is_file() and path.name == "NotoSansSC-Regular.otf"
    assert chart_fonts.cjk_family() == "Noto Sans SC"
    assert chart_fonts.font_family() == ["DejaVu Sans", "Noto Sans SC"]
    # Registering again is a no-op, not a second entry in the font manager.
    before = len(font_manager.fontManager.ttflist)
    assert chart_fonts.register_font(path) == "Noto Sans SC"
    assert len(font_manager.fontManager.ttflist) == before


def test_resolved_font_for_chinese_has_the_glyphs() -> None:
    latin = font_manager.findfont(font_manager.FontProperties(family=["DejaVu Sans"]), fallback_to_default=False)
    cjk = font_manager.findfont(
        font_manager.FontProperties(family=[chart_fonts.cjk_family()]), fallback_to_default=False
    )
    assert Path(cjk) == chart_fonts.cjk_font_path()
    cjk_map = ft2font.FT2Font(cjk).get_charmap()
    latin_map = ft2font.FT2Font(latin).get_charmap()
    for ch in CHINESE:
        assert ord(ch) in cjk_map, ch
    # Latin stays with DejaVu Sans (first in the list), which has no Chinese: the fallback is what draws it.
    assert ord("张") not in latin_map
    assert all(ord(ch) in latin_map for ch in "$€¥▲▼0123456789%·")
    # The font matplotlib actually lays out with for the family list: DejaVu first, Noto Sans SC as fallback.
    paths = font_manager.fontManager._find_fonts_by_props(font_manager.FontProperties(family=chart_fonts.font_family()))
    assert [Path(p).name for p in paths] == [Path(latin).name, Path(cjk).name]


def test_missing_glyph_detection_works() -> None:
    """Control for the tests below: without the CJK fallback, matplotlib does warn about Chinese text."""

    def build() -> bytes:
        fig = Figure(figsize=(3, 1), dpi=50)
        canvas = FigureCanvasAgg(fig)
        fig.text(0.1, 0.5, "张三", family=["DejaVu Sans"])
        buf = io.BytesIO()
        canvas.print_png(buf)
        return buf.getvalue()

    _, caught, _ = render_capturing(build)
    assert any("missing from font" in m for m in caught)


@pytest.mark.parametrize("kind", ["bars", "trend", "funnel"])
def test_chinese_charts_have_no_missing_glyphs(kind: str) -> None:
    builders = {
        "bars": lambda: rep_bars_chart(ZH_ROWS, title="各销售销售额 · 2026年11月", currency="CNY", language="zh"),
        "trend": lambda: trend_chart(
            ZH_TREND, title="销售额 · 最近12个月", currency="CNY", language="zh", target=250_000_000
        ),
        "funnel": lambda: funnel_chart(ZH_FUNNEL, title="销售管道 · 本季度", currency="CNY", language="zh"),
    }
    chart, caught, logged = render_capturing(builders[kind])
    assert not [m for m in caught if "missing from font" in m or "Glyph" in m], caught
    assert not [m for m in logged if "missing" in m or "Failed to find font" in m], logged
    assert_png(chart)


def test_charts_leave_global_matplotlib_state_alone() -> None:
    before = dict(matplotlib.rcParams)
    rep_bars_chart(EN_ROWS, title="Revenue by rep", currency="USD", language="en")
    trend_chart(TREND, title="Revenue", currency="USD", language="en")
    assert dict(matplotlib.rcParams) == before


def test_charts_module_does_not_import_pyplot() -> None:
    code = "import sys, reports.charts; sys.exit('matplotlib.pyplot' in sys.modules)"
    root = Path(__file__).resolve().parents[2]
    assert subprocess.run([sys.executable, "-c", code], cwd=root, timeout=60).returncode == 0


# ---------------------------------------------------------------- rep bars


def test_rep_bars_chart_png_and_alt_text() -> None:
    chart = rep_bars_chart(EN_ROWS, title="Revenue by rep · November 2026", currency="USD", language="en")
    assert_png(chart, max_height=800)
    alt = chart.alt_text
    assert alt.startswith("Bar chart, Revenue by rep · November 2026")
    assert "4 reps" in alt
    assert "Darcel Schlecht US$310K (103%)" in alt  # the leader, with amount and attainment
    assert "Zane Levy US$163K (61%)" in alt  # behind
    assert "1 on track · 1 at risk · 1 behind" in alt
    assert "US$648K of US$768K (84%)" in alt  # reps with a target against their targets
    assert "Team US$668K" in alt


def test_rep_bars_chart_chinese_alt_text() -> None:
    chart = rep_bars_chart(ZH_ROWS, title="各销售销售额", currency="CNY", language="zh")
    assert "李四 ¥31万（103%）" in chart.alt_text
    assert "5 名销售" in chart.alt_text
    assert "落后：王小红" in chart.alt_text


def test_rep_bars_chart_fifty_reps_is_tall_enough() -> None:
    chart = rep_bars_chart(fifty_reps(), title="Revenue by rep · November 2026", currency="USD", language="en")
    assert_png(chart, min_height=1500)  # about 34 px per rep: names at 15 pt stay apart
    assert chart.size[1] / 50 >= 30
    assert "50 reps" in chart.alt_text


def test_rep_bars_status_thresholds() -> None:
    assert status_for(100, 100) == "on_track"
    assert status_for(80, 100) == "at_risk"
    assert status_for(79, 100) == "behind"
    assert status_for(50, None) == "no_target"
    assert status_for(50, 0) == "no_target"


def test_rep_bars_odd_input() -> None:
    # Dollar signs in names must not turn on mathtext; long names are cut, negative revenue is drawn.
    rows = [
        ("$pecial $name$", 5_000_000, 100),
        ("Alexandria Montgomery-Featherstonehaugh the Third", 123_456_789, 100_000_000),
        ("欧阳娜娜欧阳娜娜欧阳娜娜欧阳娜娜", -500_000, None),
    ]
    chart, caught, _ = render_capturing(
        lambda: rep_bars_chart(rows, title="Revenue " * 20, currency="EUR", language="en-GB")
    )
    assert_png(chart)
    assert not [m for m in caught if "Glyph" in m]
    assert "$pecial $name$" in chart.alt_text
    assert_png(rep_bars_chart([], title="Revenue by rep", currency="USD", language="en"))
    assert_png(rep_bars_chart([("A", 0, None)], title="Revenue by rep", currency="USD", language="zh"))


# ---------------------------------------------------------------- trend and funnel


def test_trend_chart() -> None:
    chart = trend_chart(TREND, title="Revenue · last 12 weeks", currency="USD", language="en", target=30_000_000)
    assert_png(chart, min_height=400, max_height=700)
    alt = chart.alt_text
    assert "12 periods from W36 to W47" in alt
    last, prev = TREND[-1][1], TREND[-2][1]
    assert f"Latest W47 US${last // 100_000}K" in alt
    assert ("▲" if last > prev else "▼") in alt
    assert "Target US$300K" in alt


def test_trend_chart_chinese_and_edge_cases() -> None:
    chart = trend_chart(ZH_TREND, title="销售额", currency="CNY", language="zh")
    assert_png(chart)
    assert "12月 至 11月 共 12 期" in chart.alt_text
    assert "万" in chart.alt_text
    assert_png(trend_chart([("W47", 0)], title="Revenue", currency="USD", language="en", target=5000))
    assert_png(trend_chart([], title="Revenue", currency="USD", language="en"))
    months = [(f"{m} 2025", i * 1_000_000) for i, m in enumerate(["Jan", "Feb", "Mar", "Apr", "May", "Jun"] * 4)]
    assert_png(trend_chart(months, title="Revenue", currency="USD", language="en"))


def test_funnel_chart() -> None:
    chart = funnel_chart(FUNNEL, title="Pipeline · Q4 2026", currency="USD", language="en")
    assert_png(chart, max_height=800)
    alt = chart.alt_text
    assert "Prospecting 120 deals · US$2.4M" in alt
    assert "Negotiation 22 deals · US$800K" in alt
    assert "120 deals entered · 22 reached Negotiation (18%)" in alt


def test_funnel_chart_snapshot_of_open_stages() -> None:
    chart = funnel_chart(ZH_FUNNEL, title="销售管道", currency="CNY", language="zh")
    assert "进行中商机 112 笔 · ¥320万" in chart.alt_text
    assert "需求确认 60 笔 · ¥190万  占金额 59%" in chart.alt_text
    assert_png(funnel_chart([("Lead", 0, 0), ("Won", 0, 0)], title="Funnel", currency="USD", language="en"))
    assert_png(funnel_chart([], title="Funnel", currency="USD", language="en"))


# ---------------------------------------------------------------- threads and timing


def digest_set(language: str) -> tuple[Chart, Chart, Chart]:
    currency = "CNY" if language == "zh" else "USD"
    return (
        rep_bars_chart(fifty_reps(), title="Revenue by rep", currency=currency, language=language),
        trend_chart(TREND, title="Revenue", currency=currency, language=language, target=30_000_000),
        funnel_chart(FUNNEL, title="Pipeline", currency=currency, language=language),
    )


def test_charts_are_thread_safe_and_deterministic() -> None:
    expected = [c.png for c in digest_set("zh")]
    with ThreadPoolExecutor(max_workers=3) as pool:
        results = list(pool.map(lambda lang: digest_set(lang), ["zh", "en", "zh", "en"]))
    english = [c.png for c in digest_set("en")]
    for i, charts in enumerate(results):
        assert [c.png for c in charts] == (expected if i % 2 == 0 else english)


def test_a_partial_latest_period_is_compared_with_the_same_days_before() -> None:
    from reports.charts import trend_chart as chart

    points = [("week of Mon 21 Sep", 5_000_000), ("week of Mon 28 Sep (partial: 3 of 7 days)", 2_500_000)]
    whole = chart(points, title="Revenue by week", currency="USD", language="en")
    assert "▼ 50.0% vs week of Mon 21 Sep" in whole.alt_text
    base = ("the same 3 days of the week before", 2_000_000)
    fair = chart(points, title="Revenue by week", currency="USD", language="en", base=base)
    assert "▲ 25.0% vs the same 3 days of the week before" in fair.alt_text


def test_a_finished_period_shows_hit_or_missed_never_at_risk() -> None:
    from reports.charts import rep_bars_chart

    rows = [("Ann", 1_100_000, 1_000_000), ("Ben", 900_000, 1_000_000), ("Cy", 100_000, 1_000_000)]
    running = rep_bars_chart(rows, title="Revenue by rep", currency="USD", language="en")
    assert "1 on track · 1 at risk · 1 behind" in running.alt_text
    over = rep_bars_chart(rows, title="Revenue by rep", currency="USD", language="en", finished=True)
    assert "1 hit · 2 missed" in over.alt_text and "at risk" not in over.alt_text


def _bottom_band_has_ink(png: bytes, px: int) -> bool:
    image = imread(io.BytesIO(png), format="png")
    band = image[-px:, :, :3]
    return bool((band < 0.9).any())  # something darker than the white background is drawn there


@pytest.mark.parametrize("kind", ["reps", "trend", "funnel"])
def test_a_footnote_is_drawn_on_the_figure_and_read_in_the_alt_text(kind: str) -> None:
    """What the amounts could not include travels with the picture: a band of text under the chart (taller by
    its lines) and the same words in the alt text."""
    notes = ["Not included: 2 deals in CN¥ (CN¥175,000.00), no CNY rate for their dates"]

    def draw(with_notes: list[str]) -> Chart:
        if kind == "reps":
            rows = [("Alice Chen", 900_000, 1_000_000), ("Eve Li", 0, None)]
            return rep_bars_chart(rows, title="Revenue by rep", currency="USD", language="en", notes=with_notes)
        if kind == "trend":
            points = [("W45", 2_000_000), ("W46", 2_500_000), ("W47", 1_500_000)]
            return trend_chart(points, title="Revenue trend", currency="USD", language="en", notes=with_notes)
        stages = [("Prospecting", 12, 2_400_000), ("Negotiation", 3, 800_000)]
        return funnel_chart(stages, title="Pipeline", currency="USD", language="en", notes=with_notes)

    plain, noted = draw([]), draw(notes)
    assert noted.size[1] == plain.size[1] + 22 + 12  # one line of footnote, and its margin
    assert _bottom_band_has_ink(noted.png, 30) and not _bottom_band_has_ink(plain.png, 12)
    assert notes[0] in noted.alt_text and "Not included" not in plain.alt_text


def test_a_funnel_of_open_deals_without_amounts_says_so_not_zero() -> None:
    """The Maven CRM export gives open deals no amount: the digest's funnel said "Engaging 1,589 deals · US$0" and
    "2,089 deals · US$0 in pipeline" on the chart and in its alt text, where the text says "(no amounts)"."""
    stages = [("Prospecting", 500, 0), ("Engaging", 1589, 0)]
    chart = funnel_chart(stages, title="Open pipeline", currency="USD", language="en", cumulative=False)
    assert "Prospecting 500 deals · no amounts; Engaging 1,589 deals · no amounts." in chart.alt_text
    assert "2,089 deals · no amounts in the CRM data." in chart.alt_text and "US$0" not in chart.alt_text
    one = funnel_chart([("Engaging", 1, 0), ("Won", 2, 300_000)], title="P", currency="USD", language="en",
                       cumulative=False)
    assert "Engaging 1 deal · no amounts" in one.alt_text and "Won 2 deals · US$3K" in one.alt_text
    zh = funnel_chart(stages, title="管道", currency="USD", language="zh", cumulative=False)
    assert "无金额" in zh.alt_text and "US$0" not in zh.alt_text
