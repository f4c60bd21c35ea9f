"""How /kpi lines are taken apart, in English and Chinese, in any word order."""

import pytest

from reports.kpi_grammar import parse_kpi, suggest_metric

PRODUCTS = ["GTX Pro", "GTX Plus Pro", "MG Advanced"]


@pytest.mark.parametrize(
    ("text", "metric", "period"),
    [
        ("revenue last quarter", "revenue", "last quarter"),
        ("last quarter sales", "revenue", "last quarter"),
        ("上个月销售额", "revenue", "上个月"),
        ("本季度业绩", "revenue", "本季度"),
        ("收入 今年", "revenue", "今年"),
        ("conversion rate this month", "win_rate", "this month"),
        ("conversion last quarter", "stage_conversion", "last quarter"),
        ("上季度 阶段推进率", "stage_conversion", "上季度"),
        ("time in stage", "time_in_stage", ""),
        ("阶段停留时间 最近90天", "time_in_stage", "最近90天"),
        ("本季度 赢单率", "win_rate", "本季度"),
        ("成交率最近30天", "win_rate", "最近30天"),
        ("转化率 去年", "win_rate", "去年"),
        ("avg deal size Q3 2026", "avg_deal_size", "Q3 2026"),
        ("客单价 上周", "avg_deal_size", "上周"),
        ("pipeline", "pipeline", ""),
        ("商机金额 本月", "pipeline", "本月"),
        ("管道", "pipeline", ""),
        ("sales cycle since 2026-03-01", "sales_cycle", "since 2026-03-01"),
        ("new deals 3月1日以来", "new_deals", "3月1日以来"),
        ("check-in rate last month", "checkin_rate", "last month"),
        ("NPS this year", "nps", "this year"),
    ],
)
def test_metric_synonyms_leave_the_period(text: str, metric: str, period: str) -> None:
    req = parse_kpi(text)
    assert (req.metric, req.period_text) == (metric, period)


@pytest.mark.parametrize(
    ("text", "period"),
    [
        ("pipeline on 2026-10-01", "2026-10-01"),
        ("pipeline as of 1 Oct", "1 Oct"),
        ("2026-10-01 的 管道", "2026-10-01"),
        ("截至10月1日的商机金额", "10月1日"),
        ("商机金额 2026年10月1日时", "2026年10月1日"),
    ],
)
def test_a_state_on_a_day(text: str, period: str) -> None:
    req = parse_kpi(text)
    assert (req.metric, req.period_text, req.as_of) == ("pipeline", period, True)
    assert not parse_kpi("pipeline last month").as_of


def test_scope_breakdown_and_flags_in_any_order() -> None:
    req = parse_kpi("by product win rate Q3 @alice vs last year export")
    assert (req.metric, req.user, req.by, req.vs_last_year, req.export, req.period_text) == (
        "win_rate",
        "alice",
        "product",
        True,
        True,
        "Q3",
    )
    req = parse_kpi("本季度 赢单率 @张三")
    assert (req.metric, req.user, req.period_text) == ("win_rate", "张三", "本季度")
    req = parse_kpi("按销售")
    assert (req.by, req.metric, req.period_text) == ("rep", None, "")
    req = parse_kpi("2017年 销售额 按 产品")  # a space after 按 is a common way to type it
    assert (req.by, req.metric, req.period_text) == ("product", "revenue", "2017年")
    assert parse_kpi("排行榜 本月").leaderboard and parse_kpi("leaderboard this month").leaderboard
    assert parse_kpi("revenue <@U123ABC|bob> last 30 days").user == "U123ABC"
    assert parse_kpi("my revenue").me and parse_kpi("我的业绩 本月").me and parse_kpi("team revenue").team


def test_multi_word_products_and_accounts_are_read_whole() -> None:
    req = parse_kpi("revenue product GTX Plus Pro last month", products=PRODUCTS)
    assert (req.product, req.period_text) == ("GTX Plus Pro", "last month")
    req = parse_kpi('revenue account "Acme Corporation" 2026', accounts=[])
    assert (req.account, req.period_text) == ("Acme Corporation", "2026")
    req = parse_kpi("产品MG Advanced 销售额 上个月", products=PRODUCTS)
    assert (req.product, req.metric, req.period_text) == ("MG Advanced", "revenue", "上个月")


def test_a_misspelt_metric_is_a_suggestion_not_a_guess() -> None:
    req = parse_kpi("revnue last month")
    assert (req.metric, req.suggestion, req.misspelt, req.period_text) == (None, "revenue", "revnue", "last month")
    assert parse_kpi("pipline").suggestion == "pipeline"
    assert parse_kpi("winrate").metric == "win_rate"
    assert parse_kpi("last month").suggestion is None  # period words are never metrics
    assert parse_kpi("march").suggestion is None
    assert suggest_metric("quarter") is None


def test_help_and_empty() -> None:
    assert parse_kpi("help").help and parse_kpi("帮助").help
    req = parse_kpi("")
    assert req.headline and req.period_text == ""


def test_product_and_account_names_match_however_they_are_spelt() -> None:
    from reports.kpi_grammar import canonical_name, close_names

    known = ["GTXPro", "GTX Plus Pro", "Cancity", "北京科技有限公司"]
    assert parse_kpi("revenue product GTX Pro Q3", products=known).product == "GTXPro"
    assert parse_kpi("revenue product gtx plus pro Q3", products=known).product == "GTX Plus Pro"
    assert canonical_name("ＧＴＸＰｒｏ", known) == "GTXPro"  # full-width, as a Chinese IME types it
    assert parse_kpi("本季度 销售额 产品 ＧＴＸ Ｐｒｏ", products=known).product == "GTXPro"
    assert canonical_name("gtx-pro", known) == "GTXPro" and canonical_name("GTX", known) is None
    assert close_names("Cancty", known) == ["Cancity"] and close_names("Zebra", known) == []
    req = parse_kpi("revenue account Cancty Q3", accounts=known)
    assert req.account == "Cancty" and req.period_text.strip() == "Q3"  # taken as typed: the handler says unknown
