"""Counts read as English says them — "1 rep", "2 reps", "0 reps" — and as Chinese does (one form): each such string
is one plural entry of the gettext catalogs (msgid + msgid_plural; zh_Hans/zh_Hant msgstr[0]), not a "{n} reps"
that says "1 reps" to a team of one, the first thing a small team sees."""

from handlers import kpi_views
from reports.charts import rep_bars_chart, trend_chart
from reports.i18n import TRADITIONAL, tn
from reports.kpi_engine import BreakdownRow, KpiValue

MONEY = KpiValue("revenue", 500_000, "money")


def _frame(language: str = "en") -> kpi_views.Frame:
    return kpi_views.Frame(language, "USD", "November 2026", "Team", None)


def _leaderboard(n: int, language: str = "en", running: bool = True, target: int | None = 1_000_000) -> str:
    rows = [BreakdownRow(i, f"Rep {i}", MONEY) for i in range(n)]
    message = kpi_views.leaderboard_message("revenue", rows, _frame(language), targets={}, total=MONEY,
                                            team_target=target, team_pace=0.8, running=running)
    return str(message)


def test_a_team_of_one_reads_one_rep_on_the_leaderboard_and_its_total_line() -> None:
    one = _leaderboard(1)
    assert "1 rep · team" in one and "1 reps" not in one
    assert "1 rep · team" in _leaderboard(1, running=False)
    assert "1 rep · total" in _leaderboard(1, target=None)  # without a team target: the total line
    assert "2 reps · team" in _leaderboard(2) and "2 reps · total" in _leaderboard(2, target=None)
    assert "共 1 名销售 · 合计" in _leaderboard(1, "zh", target=None)
    assert "1 名销售 · 团队" in _leaderboard(1, "zh") and "2 名销售 · 团队" in _leaderboard(2, "zh")
    assert "1 名銷售 · 團隊" in _leaderboard(1, TRADITIONAL)


def test_other_breakdowns_count_their_rows_in_the_singular_too() -> None:
    rows = [BreakdownRow(1, "GTX", MONEY)]
    shown = str(kpi_views.breakdown_message("revenue", "product", rows, _frame(), total=MONEY))
    assert "1 product · total" in shown and "1 products" not in shown
    shown = str(kpi_views.breakdown_message("revenue", "account", [*rows, BreakdownRow(2, "Isdom", MONEY)], _frame(),
                                            total=MONEY))
    assert "2 accounts · total" in shown


def test_chart_alt_text_says_one_rep_and_one_period() -> None:
    bars = rep_bars_chart([("Alice", 500_000, None)], title="Revenue by rep", currency="USD", language="en")
    assert "revenue of 1 rep," in bars.alt_text and "1 reps" not in bars.alt_text
    bars = rep_bars_chart([("Alice", 500_000, None), ("Bob", 1, None)], title="Revenue by rep", currency="USD",
                          language="en")
    assert "revenue of 2 reps," in bars.alt_text
    line = trend_chart([("W47", 500_000)], title="Revenue", currency="USD", language="en", target=100_000)
    assert "met in 1 of 1 period." in line.alt_text
    line = trend_chart([("W46", 5), ("W47", 500_000)], title="Revenue", currency="USD", language="en", target=100_000)
    assert "met in 1 of 2 periods." in line.alt_text


def test_plural_strings_read_their_one_chinese_form_for_every_count() -> None:
    assert tn("kpi.total_line.rep", 1, "en", total="US$1") == "1 rep · total US$1"
    assert tn("kpi.total_line.rep", 0, "en", total="US$1") == "0 reps · total US$1"
    assert tn("kpi.total_line.rep", 1, "zh", total="1") == tn("kpi.total_line.rep", 1, "zh", total="1")
    assert tn("kpi.total_line.rep", 3, "zh", total="x") == "共 3 名销售 · 合计 x"
    assert tn("kpi.total_line.rep", 3, TRADITIONAL, total="x") == "共 3 名銷售 · 合計 x"


def test_one_deal_won_and_one_deal_without_an_amount_read_in_the_singular() -> None:
    from reports.review import RepFigures, figures_line

    line = figures_line(RepFigures(revenue=100_000, target=None, win_rate=0.5, deals_won=1, currency="USD"), "en")
    assert "· 1 deal won" in line and "1 deals" not in line
    assert "· 2 deals won" in figures_line(RepFigures(100_000, None, 0.5, 2, "USD"), "en")
    pipeline = KpiValue("pipeline", 0, "money", (), 1)
    assert kpi_views.fmt(pipeline, _frame()) == "1 deal, no amounts"
    assert kpi_views.fmt(KpiValue("pipeline", 0, "money", (), 3), _frame()) == "3 deals, no amounts"
    assert kpi_views.fmt(pipeline, _frame("zh")) == "1 个商机，无金额"


def test_plural_strings_are_checked_against_the_glossary_like_every_other() -> None:
    from reports.i18n import catalog_entries

    entry = catalog_entries()["kpi.team_line"]
    assert entry["en"] == "{n} reps · team {total} of {target} target (pace {pace})"
    assert entry["zh"].startswith("{n} 名销售 · 团队")
