"""/market trend over signed HTTP requests on SQLite and PostgreSQL: win rate and revenue won per quarter by
account size, segment (the deal's, else its account's sector) and region, with accounts imported from an account
export and matched to deals' own spelling; CNY converted at each deal's close-date rate (a quarter without a rate
left out, said); a rep sees only their own deals; English and Chinese; the chart in the DM."""

from datetime import date

from sqlalchemy import insert
from sqlmodel import Session

from db.importers import import_file
from db.models import Deal, ExchangeRate
from tests.handlers.test_feedback import seed as seed_people
from tests.slack_driver import SlackDriver, ack_text

ACCOUNTS = (
    "Account Name,Industry,Billing Country,Employees\n"
    "Bluth Co.,Retail,United States,1200\n"
    "上海明远科技有限公司,制造业,上海,150\n"
    "Acme,Technology,Germany,\n"
)
# (owner, the deal's account spelling, status, amount cents, currency, close date, the deal's own segment)
DEALS = [
    ("alice", "bluth co", "won", 1_000_000, "USD", date(2026, 2, 10), ""),
    ("alice", "bluth co", "lost", 0, "USD", date(2026, 3, 1), ""),
    ("zhang", "上海明远科技", "won", 5_000_000, "CNY", date(2026, 3, 5), ""),  # no CNY rate before April
    ("alice", "BLUTH CO", "won", 2_000_000, "USD", date(2026, 5, 3), ""),
    ("zhang", "上海明远科技", "won", 10_000_000, "CNY", date(2026, 6, 1), ""),
    ("zhang", "上海明远科技", "lost", 0, "CNY", date(2026, 6, 2), ""),
    ("alice", "Acme", "won", 500_000, "USD", date(2026, 8, 1), "Public sector"),  # its own segment wins
    ("alice", "Acme", "lost", 0, "USD", date(2026, 8, 2), ""),
    ("alice", "Bluth Co.", "won", 3_000_000, "USD", date(2026, 10, 5), ""),
    ("zhang", "上海明远科技", "lost", 0, "CNY", date(2026, 11, 1), ""),
    ("zhang", "上海明远科技", "won", 20_000_000, "CNY", date(2026, 11, 2), ""),
]


def seed(slack: SlackDriver) -> None:
    """Maria manages Alice and 张三; CNY converts at 0.14 from 1 April 2026; accounts from a Salesforce export."""
    ids = seed_people(slack)
    with Session(slack.deps.engine) as session:
        session.add(ExchangeRate(team_id=slack.team_id, currency="CNY", to_currency="USD",
                                 valid_from=date(2026, 4, 1), rate_micros=140_000))
        session.commit()
    rows = [dict(team_id=slack.team_id, source="t", external_id=f"T{i}", owner_id=ids[o], account=a, product="GTX",
                 status=s, stage=s, amount_cents=amt, currency=c, created_date=date(2026, 1, 5), close_date=d,
                 segment=seg) for i, (o, a, s, amt, c, d, seg) in enumerate(DEALS)]
    with slack.deps.engine.begin() as conn:
        conn.execute(insert(Deal.__table__), rows)  # type: ignore[attr-defined]
    result = import_file(slack.deps.engine, "accounts", ACCOUNTS.encode(), filename="accounts.csv",
                         team_id=slack.team_id)
    assert result.inserted == 3


def reply(slack: SlackDriver, text: str, user: str = "UMANAGER") -> str:
    slack.command("/market", text, user=user)
    return slack.last_response_text()


def test_a_manager_sees_win_rate_and_revenue_by_account_size_per_quarter(slack: SlackDriver) -> None:
    seed(slack)
    text = reply(slack, "trend by size")
    assert "Market trend by account size · Q1 2026 – Q4 2026" in text
    assert "`Q1 2026 → Q2 2026 → Q3 2026 → Q4 2026`" in text
    # "bluth co", "BLUTH CO" and "Bluth Co." are the account Bluth Co. (1,200 employees)
    assert ("• *Enterprise (1,000+)* — win rate 50% → 100% → — → 100% (+50 pts) · revenue US$10K → US$20K → US$0 "
            "→ US$30K (▲ 200.0%)") in text
    # CNY at 0.14 from April (CN¥100,000.00 -> US$14K, CN¥200,000.00 -> US$28K); March's CN¥50,000.00 left out
    assert ("• *Mid-market (100–999)* — win rate 100% → 50% → — → 50% (−50 pts) · revenue US$0 → US$14K → US$0 → "
            "US$28K (n/a)  ⚠ 1 deal in CN¥ (CN¥50,000.00) left out") in text
    assert "• *Size unknown* — win rate — → — → 50% → — (—)" in text  # Acme has no head count: counted
    assert "• *All deals* — win rate 67% → 67% → 50% → 67% (+0 pts) · revenue US$10K → US$34K → US$5K → US$58K" in text
    assert "small 1–99 · mid-market 100–999 · enterprise 1,000+" in text
    assert "⚠ 1 deal in CN¥ (CN¥50,000.00) left out: no CNY rate for their dates" in text
    assert text.index("Enterprise") < text.index("Mid-market") < text.index("Size unknown")  # by revenue, then unknown


def test_segment_is_the_deals_own_else_its_accounts_sector(slack: SlackDriver) -> None:
    seed(slack)
    text = reply(slack, "trend by segment")
    assert "• *Retail* — win rate 50% → 100% → — → 100% (+50 pts)" in text
    assert "• *制造业* — win rate 100% → 50% → — → 50% (−50 pts)" in text
    assert "• *Public sector* — win rate — → — → 100% → —" in text  # Acme's won deal names its own segment
    assert "• *Technology* — win rate — → — → 0% → —" in text  # Acme's lost deal has none: Acme's sector


def test_a_rep_sees_only_their_own_deals(slack: SlackDriver) -> None:
    seed(slack)
    text = reply(slack, "trend by region", user="UALICE")
    assert "Your market trend by region" in text
    assert "• *United States* — win rate 50% → 100% → — → 100% (+50 pts) · revenue US$10K → US$20K" in text
    assert "• *Germany*" in text and "上海" not in text and "CN¥" not in text
    assert "• *All deals* — win rate 50% → 100% → 50% → 100%" in text


def test_chinese_by_size_and_by_month_of_a_year(slack: SlackDriver) -> None:
    seed(slack)
    text = reply(slack, "趋势 按规模", user="UZHANG")  # 张三's own deals, in Chinese
    assert "2026年第一季度" in text and "2026年第四季度" in text and "Bluth" not in text
    assert "US$1.4万 → US$0 → US$2.8万" in text and "⚠ 1 笔人民币（¥50,000.00）未计入" in text
    assert "你的市场趋势（按客户规模）" in text and "中型（100–999）" in text and "员工" in text
    assert "Mid-market" not in text
    text = reply(slack, "趋势 按行业 2026年")  # a year: by month
    assert "`2026年1月 → 2026年2月" in text and "2026年12月`" in text and "*制造业*" in text
    assert "市场趋势（按行业）· 2026年1月 – 2026年12月" in text and "赢单率" in text


def test_the_trend_chart_goes_to_the_dm_with_alt_text(slack: SlackDriver) -> None:
    seed(slack)
    text = reply(slack, "trend by size chart")
    assert "Market trend by account size" in text
    uploads = slack.fake.uploads()
    assert len(uploads) == 1 and uploads[0]["name"].startswith("market-trend-size")
    assert uploads[0]["content"].startswith(b"\x89PNG") and uploads[0]["channel_id"].startswith("D")
    alt = uploads[0]["alt_txt"]
    assert "Enterprise (1,000+): win rate 50% to 100%, revenue US$10K to US$30K" in alt
    assert "Not included: 1 deal in CN¥ (CN¥50,000.00)" in alt


def test_help_and_an_unknown_grouping(slack: SlackDriver) -> None:
    seed(slack)
    assert "`/market trend [by product|segment|region|size] [period] [chart]`" in ack_text(
        slack.command("/market", "help"))
    assert "Trend by what?" in reply(slack, "trend by colour")


def test_the_review_says_win_rate_by_segment_over_the_last_four_quarters(slack: SlackDriver) -> None:
    from reports.periods import quarter_of
    from reports.review import compose_review

    seed(slack)
    with Session(slack.deps.engine) as session:
        doc = compose_review(session, team_id=slack.team_id, manager_user_id="UMANAGER",
                             period=quarter_of(date(2026, 10, 1)), cadence="quarterly", language="en",
                             today=date(2026, 12, 31))
    market = dict(doc.sections)["Market"]
    line = "Win rate by segment, Q1 2026 → Q4 2026: Retail 50% → 100% · 制造业 100% → 50% · Public sector — → —"
    assert line in market
