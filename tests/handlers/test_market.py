"""/market over signed HTTP requests, as a manager and a rep use it, in English and Chinese, on SQLite and
PostgreSQL: loss reasons and competitors with counts and money lost (converted, never added one for one),
the trend, the demand that moved, the chart in the DM, the competitor list and its mentions, the digest section."""

from datetime import UTC, date, datetime

from sqlalchemy import insert
from sqlmodel import Session

from db.models import (
    CheckinAnswer,
    CheckinRun,
    CheckinSchedule,
    Deal,
    ExchangeRate,
    Feedback,
)
from reports.digest import build_digest, digest_lines
from tests.handlers.test_feedback import seed as seed_people
from tests.slack_driver import SlackDriver, ack_text, message_text

# (id, owner, product, status, amount, currency, close date, loss reason, competitor, segment)
DEALS = [
    ("L1", "alice", "GTX Pro", "lost", 1_000_000, "USD", date(2026, 7, 10), "Price", "Initech", "Retail"),
    ("L2", "alice", "GTX Pro", "lost", 500_000, "USD", date(2026, 8, 5), "Price", "Initech", "Retail"),
    ("L3", "zhang", "MG Special", "lost", 7_000_000, "CNY", date(2026, 8, 20), "Price", "Umbrella", "Manufacturing"),
    ("L4", "zhang", "MG Special", "lost", 5_000_000, "CNY", date(2026, 7, 15), "Timing", "Umbrella", "Manufacturing"),
    ("L5", "alice", "GTX Pro", "lost", 200_000, "USD", date(2026, 9, 1), "No budget", "", "Retail"),
    ("P1", "alice", "GTX Pro", "lost", 400_000, "USD", date(2026, 5, 1), "Price", "Initech", "Retail"),
    ("P2", "zhang", "MG Special", "lost", 300_000, "USD", date(2026, 6, 1), "Timing", "", "Manufacturing"),
    ("W1", "alice", "GTX Pro", "won", 5_000_000, "USD", date(2026, 7, 20), "", "", "Retail"),
    ("W2", "zhang", "MG Special", "won", 2_000_000, "USD", date(2026, 9, 10), "", "", "Manufacturing"),
    ("V1", "alice", "GTX Pro", "won", 3_000_000, "USD", date(2026, 5, 20), "", "", "Retail"),
    ("V2", "zhang", "MG Special", "won", 6_000_000, "USD", date(2026, 6, 10), "", "", "Manufacturing"),
]


def seed(slack: SlackDriver) -> dict[str, int]:
    """Maria manages Alice and 张三 (tests/handlers/test_feedback.seed: two open deals); Q3 2026 against Q2;
    CNY converts at 0.14 from 1 Aug only (L4, in July: no rate)."""
    ids = seed_people(slack)
    with Session(slack.deps.engine) as session:
        session.add(ExchangeRate(team_id=slack.team_id, currency="CNY", to_currency="USD",
                                 valid_from=date(2026, 8, 1), rate_micros=140_000))
        session.commit()
    rows = [
        dict(team_id=slack.team_id, source="t", external_id=i, owner_id=ids[o], account="Acme", product=p, status=s,
             stage=s, amount_cents=a, currency=c, created_date=date(2026, 1, 5), close_date=d, loss_reason=r,
             competitor=comp, segment=seg)
        for i, o, p, s, a, c, d, r, comp, seg in DEALS
    ]
    with slack.deps.engine.begin() as conn:
        conn.execute(insert(Deal.__table__), rows)  # type: ignore[attr-defined]
    return ids


def reply(slack: SlackDriver, text: str, user: str = "UMANAGER") -> str:
    slack.command("/market", text, user=user)
    return slack.last_response_text()


def test_a_manager_sees_why_and_to_whom_deals_were_lost_with_money_and_trend(slack: SlackDriver) -> None:
    seed(slack)
    text = reply(slack, "last quarter")
    assert "Market · Q3 2026" in text
    # 5 lost; money lost converts L3 at 0.14 (CN¥70,000.00 -> US$9,800.00) and leaves L4 out (no rate in July)
    assert "Lost 5 deals · US$26,800.00 ▲ 282.9% vs Q2 2026" in text and "(2 deals · US$7,000.00)" in text
    assert "Won 2 deals · US$70,000.00" in text
    assert "• Price — 3 deals · US$24,800.00 (1 before)" in text
    assert "• Timing — 1 deal · US$0.00 (1 before)  ⚠ 1 deal in CN¥ (CN¥50,000.00) left out" in text
    assert "• Initech — 2 deals · US$15,000.00 (1 before)" in text
    assert "• Umbrella — 2 deals · US$9,800.00 (0 before)" in text
    assert text.index("• Price") < text.index("• Timing")  # most deals lost first
    assert "Product *MG Special* ▼ 66.7% · −US$40,000.00 (US$60,000.00 → US$20,000.00)" in text
    assert "Segment *Retail* ▲ 66.7% · +US$20,000.00 (US$30,000.00 → US$50,000.00)" in text
    assert "1 deal in CN¥ (CN¥50,000.00) left out" in text


def test_chinese_phrasing_answers_in_chinese(slack: SlackDriver) -> None:
    seed(slack)
    ack = slack.command("/market", "上季度")
    assert ack.status_code == 200
    text = slack.last_response_text()
    assert "市场分析 · 2026年第三季度" in text
    assert "*丢单原因*" in text and "• Price — 3 笔" in text and "*输给的竞争对手*" in text
    assert "需求变化" in text and "产品 *MG Special*" in text
    help_text = ack_text(slack.command("/market", "帮助"))
    assert "竞争对手 添加" in help_text


def test_a_rep_sees_only_their_own_losses(slack: SlackDriver) -> None:
    seed(slack)
    text = reply(slack, "last quarter", user="UALICE")
    assert "Your market · Q3 2026" in text
    assert "Lost 3 deals · US$17,000.00" in text  # L1, L2, L5: Alice's own
    assert "Umbrella" not in text and "MG Special" not in text


def test_the_chart_goes_to_the_dm_with_alt_text(slack: SlackDriver) -> None:
    seed(slack)
    text = reply(slack, "last quarter chart")
    assert "Market · Q3 2026" in text
    uploads = slack.fake.uploads()
    assert len(uploads) == 1 and uploads[0]["name"].startswith("market-losses")
    assert uploads[0]["content"].startswith(b"\x89PNG") and uploads[0]["channel_id"].startswith("D")
    assert "Deals lost by loss reason · Q3 2026" in uploads[0]["initial_comment"]
    alt = uploads[0]["alt_txt"]
    assert "Price 3 deals (US$25K), 1 before; No budget 1 deal (US$2K), 0 before" in alt
    assert "Not included: 1 deal in CN¥" in alt


def test_the_competitor_list_and_its_mentions_in_feedback_and_check_ins(slack: SlackDriver) -> None:
    ids = seed(slack)
    refused = reply(slack, "competitors add Initech", user="UALICE")
    assert "Only managers can change the competitor list" in refused
    assert "Added *Initech*" in reply(slack, "competitors add Initech")
    assert "already on the competitor list" in reply(slack, "competitors add  initech ")
    assert "已将 *金蝶* 加入竞争对手" in reply(slack, "竞争对手 添加 金蝶")
    assert "(2): Initech, 金蝶" in reply(slack, "competitors")
    with Session(slack.deps.engine) as session:
        session.add(Feedback(team_id=slack.team_id, external_id="f1", received_on=date(2026, 8, 3),
                             comment="They are comparing us with INITECH again", rating=2))
        session.add(Feedback(team_id=slack.team_id, external_id="f2", received_on=date(2026, 6, 3),
                             comment="initech was cheaper", rating=2))  # Q2: not counted in Q3
        schedule = CheckinSchedule(team_id=slack.team_id, manager_user_id="UMANAGER")
        session.add(schedule)
        session.flush()
        run = CheckinRun(team_id=slack.team_id, schedule_id=int(schedule.id or 0), member_id=ids["zhang"],
                         occurrence=datetime(2026, 8, 7, 8, tzinfo=UTC))
        session.add(run)
        session.flush()
        session.add(CheckinAnswer(team_id=slack.team_id, run_id=int(run.id or 0), question_index=1,
                                  text="客户在比较金蝶和我们", answered_at=datetime(2026, 8, 7, 9, tzinfo=UTC)))
        session.commit()
    text = reply(slack, "last quarter")
    assert "Competitors named in check-ins and feedback" in text
    assert "• Initech — 0 in check-ins · 1 in feedback" in text
    assert "• 金蝶 — 1 in check-ins · 0 in feedback" in text
    assert "Removed *Initech*" in reply(slack, "competitors remove initech")
    assert "not on the competitor list" in reply(slack, "competitors remove Initech")


def test_unknown_period_says_what_was_not_understood(slack: SlackDriver) -> None:
    seed(slack)
    text = reply(slack, "lsat quater")
    assert 'not "lsat quater"' in text and "/market last quarter" in text


def test_the_digest_has_a_market_section_only_when_something_moved(slack: SlackDriver) -> None:
    seed(slack)
    with Session(slack.deps.engine) as session:
        moved = build_digest(session, team_id=slack.team_id, cadence="quarterly", today=date(2026, 10, 5),
                             language="en")
        calm = build_digest(session, team_id=slack.team_id, cadence="weekly", today=date(2026, 11, 23),
                            language="en")
    lines = "\n".join(digest_lines(moved))
    assert "*Market* — what moved" in lines
    assert "Product *MG Special* ▼ 66.7% · −US$40,000.00" in lines
    assert calm.market is None and "Market" not in "\n".join(digest_lines(calm))


def test_help_lists_market(slack: SlackDriver) -> None:
    seed(slack)
    assert "/market" in ack_text(slack.command("/salesbot", "help"))
    assert "competitors add" in message_text(slack.command("/market", "help").json())


def test_lost_deals_without_amounts_are_counted_not_shown_as_zero_money(slack: SlackDriver) -> None:
    """The Maven CRM export leaves close_value empty on lost deals: "Lost 3 deals · US$0.00" would say nothing
    was at stake. The headline says the CRM data has no amounts and compares the number of deals instead."""
    ids = seed_people(slack)
    rows = [
        dict(team_id=slack.team_id, source="t", external_id=f"Z{i}", owner_id=ids["alice"], account="Acme",
             product="GTX Pro", status="lost", stage="lost", amount_cents=0, currency="USD",
             created_date=date(2026, 1, 5), close_date=d, loss_reason="", competitor="", segment="")
        for i, d in enumerate([date(2026, 7, 10), date(2026, 8, 1), date(2026, 9, 2), date(2026, 5, 3)])
    ]
    with slack.deps.engine.begin() as conn:
        conn.execute(insert(Deal.__table__), rows)  # type: ignore[attr-defined]
    text = reply(slack, "Q3 2026")
    lost = next(line for line in text.splitlines() if line.startswith("Lost "))
    assert lost.startswith("Lost 3 deals (no amounts in the CRM data) · ▲ 200.0% vs Q2 2026") and "US$" not in lost
    assert "丢单 3 笔（CRM 数据无金额）" in reply(slack, "2026年第三季度")


def test_lost_deals_in_a_currency_without_a_rate_are_not_called_deals_without_amounts(slack: SlackDriver) -> None:
    """A first day with deals in EUR and no EUR rate yet: the lost deals have amounts, they are only left out of
    the money. The headline must not say the CRM data has none; the warning says which currency needs a rate."""
    seed(slack)
    text = reply(slack, "2026-07-15 to 2026-07-15")  # L4 alone: CN¥50,000.00 lost, no CNY rate in July
    lost = next(line for line in text.splitlines() if line.startswith("Lost "))
    assert "no amounts" not in lost and lost.startswith("Lost 1 deal · US$0.00"), lost
    assert "1 deal in CN¥ (CN¥50,000.00) left out" in text


def test_a_period_whose_previous_one_has_no_deals_shows_no_demand_moved(slack: SlackDriver) -> None:
    """An export that starts in mid-2026, read for Q2 against Q1 (no closed deal at all): every product used to be
    "new · +US$…" as if demand had appeared. Nothing is compared, in /market and the digest, in both languages."""
    seed(slack)
    text = reply(slack, "Q2 2026")
    assert "Nothing to compare with: no deals were won or lost in Q1 2026 (1 Jan – 31 Mar)." in text
    assert "Demand that moved" not in text and " new " not in text
    zh = reply(slack, "2026年第二季度")
    assert "没有赢单或丢单，无从比较。" in zh and "2026年第一季度" in zh, zh
    with Session(slack.deps.engine) as session:
        digest = build_digest(session, team_id=slack.team_id, cadence="quarterly", today=date(2026, 7, 5),
                              language="en")
    assert digest.market is None
