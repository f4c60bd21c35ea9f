"""/incentive end to end over signed requests and scheduled ticks against the fake Slack, on SQLite and PostgreSQL.

Maria manages Alice (English) and 张三 (Chinese). It is Thursday 26 Nov 2026. The team plan: 5% up to 100k, 8% from
100k, 10% from 200k, ×1.5 above target, commission capped at 20k, a 2k bonus on reaching the target. In November
Alice has won US$250,000.00 against a US$180,000.00 target, 张三 US$120,000.50 against US$150,000.00 — the same
statements as tests/reports/test_commission.py computes by hand.
"""

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert
from sqlmodel import Session, select

from db import clock
from db.models import (
    CheckinRun,
    CheckinSchedule,
    CommissionPlan,
    Deal,
    Delivery,
    ExchangeRate,
    Feedback,
    Member,
    Target,
    TeamworkRating,
)
from tests.bot.test_console import run_cli
from tests.handlers.test_feedback import seed as seed_people
from tests.slack_driver import SlackDriver, ack_text, message_text

PLAN = "plan set rate 5% tiers 100k:8% 200k:10% accelerator 1.5 cap 20k bonus 2k"


def seed(slack: SlackDriver) -> dict[str, int]:
    ids = seed_people(slack)
    rows = []
    for i, (owner, status, cents, day) in enumerate([
        ("alice", "won", 15_000_000, date(2026, 11, 3)),
        ("alice", "won", 10_000_000, date(2026, 11, 20)),
        ("alice", "lost", 900_000, date(2026, 11, 21)),
        ("zhang", "won", 12_000_050, date(2026, 11, 10)),
        ("zhang", "lost", 700_000, date(2026, 11, 9)),
        ("alice", "won", 5_000_000, date(2026, 10, 3)),  # October: not in November's statements
    ]):
        rows.append(dict(team_id=slack.team_id, source="t", external_id=f"I{i}", owner_id=ids[owner],
                         account="Cancity" if owner == "alice" else "Isdom", product="GTX", status=status, stage="x",
                         amount_cents=cents, currency="USD", created_date=day - timedelta(days=20), close_date=day))
    with slack.deps.engine.begin() as conn:
        conn.execute(insert(Deal.__table__), rows)  # type: ignore[attr-defined]
    with Session(slack.deps.engine) as session:
        for who, cents in (("alice", 18_000_000), ("zhang", 15_000_000)):
            session.add(Target(team_id=slack.team_id, member_id=ids[who], metric="revenue",
                               period_start=date(2026, 11, 1), period_end=date(2026, 12, 1), value_cents=cents))
        session.commit()
    return ids


def reply(slack: SlackDriver, text: str, user: str = "UMANAGER") -> str:
    slack.command("/incentive", text, user=user)
    return slack.last_response_text()


def test_a_manager_writes_the_plan_and_sees_every_statement_line_by_line(slack: SlackDriver) -> None:
    seed(slack)
    assert "No commission plan yet" in reply(slack, "")
    saved = reply(slack, PLAN)
    assert "Saved the team plan: 5% of revenue, 8% from US$100,000.00, 10% from US$200,000.00, ×1.5 above the " \
           "target, capped at US$20,000.00, bonus US$2,000.00 on reaching the target." in saved
    with Session(slack.deps.engine) as session:
        plan = session.exec(select(CommissionPlan)).one()
        assert (plan.rate_ppm, plan.tiers, plan.accelerator_milli) == (50_000, [[10_000_000, 80_000],
                                                                                [20_000_000, 100_000]], 1500)

    team = reply(slack, "this month")
    assert "Incentives · November 2026" in team and "2 reps · total US$28,600.04" in team
    assert "• Alice Chen — US$22,000.00 · revenue US$250,000.00 · 139% of target" in team
    assert "• 张三 — US$6,600.04 · revenue US$120,000.50 · 80% of target" in team
    # Alice's statement, each line as computed by hand:
    assert "Revenue US$250,000.00 · target US$180,000.00 · attainment 139% · team plan" in team
    assert "• US$100,000.00 × 5% on the first US$100,000.00 = US$5,000.00" in team
    assert "• US$100,000.00 × 8% from US$100,000.00 to US$200,000.00 = US$8,000.00" in team
    assert "• US$50,000.00 × 10% above US$200,000.00 = US$5,000.00" in team
    assert ("• Accelerator ×1.5 above the target: the US$70,000.00 above it earned US$6,600.00, × (1.5 − 1) "
            "= +US$3,300.00") in team
    assert "• Cap US$20,000.00: the commission of US$21,300.00 is cut by −US$1,300.00" in team
    assert "• Bonus for reaching the target: +US$2,000.00" in team
    assert "*Total US$22,000.00*" in team
    assert "Tiers are marginal, like tax brackets" in team
    # 张三's: below target, no accelerator, the bonus shown as missed.
    assert "• US$20,000.50 × 8% from US$100,000.00 to US$200,000.00 = US$1,600.04" in team
    assert "• Bonus US$2,000.00 for reaching the target: not reached (80%)" in team

    one = reply(slack, "<@UZHANG|张三> this month")
    assert "Earnings · 张三 · November 2026" in one and "Alice" not in one and "*Total US$6,600.04*" in one
    october = reply(slack, "last month @alice")
    assert "Earnings · Alice Chen · October 2026" in october and "US$50,000.00 × 5%" in october
    assert "US$2,500.00" in october and "no target" in october


def test_a_rep_sees_only_their_own_statement(slack: SlackDriver) -> None:
    seed(slack)
    reply(slack, PLAN)
    mine = reply(slack, "", user="UALICE")
    assert "Earnings · Alice Chen · November 2026" in mine and "*Total US$22,000.00*" in mine and "张三" not in mine
    refused = reply(slack, "<@UZHANG>", user="UALICE")
    assert "You can see only your own statement" in refused and "6,600" not in refused
    assert "Only managers can write commission plans" in reply(slack, PLAN, user="UALICE")
    assert "Earnings · Alice" in reply(slack, "<@UALICE> this month", user="UALICE")


def test_chinese_plan_and_statement_and_a_reps_own_plan(slack: SlackDriver) -> None:
    seed(slack)
    saved = reply(slack, "方案 设置 提成 5% 阶梯 10万:8% 20万:10% 加速 1.5 封顶 2万 奖金 2000")
    assert "团队" in saved and "US$100,000.00" in saved
    zh = reply(slack, "本月", user="UZHANG")
    assert "提成明细 · 张三 · 2026年11月" in zh and "US$6,600.04" in zh and "阶梯" in zh
    # A rep's own plan replaces the team's for them only.
    own = reply(slack, "plan set rate 10% <@UZHANG>")
    assert "own plan of 张三" in own
    assert "*Total US$12,000.05*" in reply(slack, "<@UZHANG>")  # 120,000.50 × 10%, no bonus in his own plan
    assert "*Total US$22,000.00*" in reply(slack, "<@UALICE>")  # still the team plan
    plans = reply(slack, "方案")
    assert "团队（没有个人方案的所有人）：销售额的 5%" in plans and "张三：销售额的 10%" in plans

    # Traditional Chinese for a Taiwan locale.
    slack.fake.add_user("ULIN", "林小美", locale="zh-TW")
    with Session(slack.deps.engine) as session:
        session.add(Member(team_id=slack.team_id, slack_user_id="ULIN", display_name="林小美", locale="zh-TW"))
        session.commit()
    hant_plan = reply(slack, "方案 設定 提成 6% 階梯 10萬:9% 封頂 2萬 獎金 2000")  # a manager typing Traditional
    assert "已保存团队提成方案：销售额的 6%，US$100,000.00 起 9%，封顶 US$20,000.00，达标奖金 US$2,000.00" in hant_plan
    # A rep sees the plan that applies to them, not the others'.
    mine = reply(slack, "plan", user="UALICE")
    assert "Team (everyone without an own plan): 6% of revenue" in mine and "张三" not in mine
    assert "• 张三：销售额的 10%" in reply(slack, "plan", user="UZHANG")
    hant = reply(slack, "", user="ULIN")
    assert "提成明細 · 林小美" in hant and "銷售額 US$0.00 · 無目標 · 團隊方案" in hant and "合計 US$0.00" in hant


def _feedback_and_checkins(slack: SlackDriver, ids: dict[str, int]) -> None:
    """Alice: 5 ratings in November on Cancity (4 of them 4-5★), 4 check-ins sent, 3 answered."""
    with Session(slack.deps.engine) as session:
        for i, stars in enumerate([5, 4, 2, 5, 4]):
            session.add(Feedback(team_id=slack.team_id, external_id=f"F{i}", received_on=date(2026, 11, 2 + i),
                                 account="Cancity", member_id=ids["alice"], rating=stars, comment="ok"))
        schedule = CheckinSchedule(team_id=slack.team_id, manager_user_id="UMANAGER", active=False)
        session.add(schedule)
        session.flush()
        for i, status in enumerate(["completed", "completed", "missed", "completed"]):
            sent = datetime(2026, 11, 6 + 7 * i, 16, tzinfo=UTC)
            session.add(CheckinRun(team_id=slack.team_id, schedule_id=int(schedule.id or 0), member_id=ids["alice"],
                                   occurrence=sent, sent_at=sent, status=status))
        session.commit()


def test_the_appraisal_puts_revenue_win_rate_csat_checkins_and_teamwork_side_by_side(slack: SlackDriver) -> None:
    ids = seed(slack)
    _feedback_and_checkins(slack, ids)
    reply(slack, PLAN)
    before = reply(slack, "appraisal <@UALICE> this month")
    assert "Teamwork: not rated yet — `/incentive rate <@UALICE> 4" in before

    rated = reply(slack, 'rate <@UALICE> 4 "great help on <!channel> Cancity"')
    assert "Teamwork of Alice Chen for November 2026" in rated and "4/5" in rated and "&lt;!channel&gt;" in rated
    again = reply(slack, 'rate <@UALICE> 5 "great help on Cancity"')
    assert "is now 5/5" in again and "replaces the earlier rating" in again
    with Session(slack.deps.engine) as session:
        (row,) = session.exec(select(TeamworkRating)).all()
        assert (row.rating, row.comment, row.period_start) == (5, "great help on Cancity", date(2026, 11, 1))

    text = reply(slack, "appraisal <@UALICE>")
    assert "Appraisal · Alice Chen · November 2026" in text
    assert "Revenue vs target: US$250,000.00 of US$180,000.00 (139%) ✅" in text
    assert "Win rate: 67% · 2 deals won · team 60%" in text  # the team: 3 won of 5 closed
    assert "Customer satisfaction (CSAT): 80% (4 of 5 ratings 4–5★) · team 80%" in text
    assert "Check-ins: answered 3 of 4 (75%) · team 75%" in text
    assert "Teamwork: 5/5 — “great help on Cancity” (Maria Lopez)" in text
    assert "Earnings: US$22,000.00" in text

    # 张三 sees his own appraisal in Chinese, not Alice's; rating is for managers.
    zh = reply(slack, "考核 本月", user="UZHANG")
    assert "绩效考核 · 张三 · 2026年11月" in zh and "赢单率：50% · 赢单 1 笔 · 团队 60%" in zh
    assert "团队协作：尚未评分" in zh and "评分 <@" not in zh  # a rep is not shown the manager's command
    assert "你只能查看自己的提成明细和绩效考核" in reply(slack, "appraisal <@UALICE>", user="UZHANG")
    assert "Only managers can rate teamwork" in reply(slack, 'rate <@UZHANG> 5 "me"', user="UALICE")


def test_a_shout_out_goes_to_the_channel_once_when_a_rep_passes_target_only_when_turned_on(
        slack: SlackDriver) -> None:
    ids = seed(slack)
    now = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
    slack.tick(now)  # Alice is over target, but shout-outs are off: nothing
    assert slack.fake.calls_to("chat.postMessage") == []
    assert "Shout-outs are on in <#C0SALES>" in reply(slack, "shoutouts on <#C0SALES|sales>")
    assert "Only managers" in reply(slack, "shoutouts off", user="UALICE")

    slack.tick(now + timedelta(minutes=1))
    slack.tick(now + timedelta(minutes=2))
    posts = [message_text(c.args) for c in slack.fake.successful("chat.postMessage")
             if c.args.get("channel") == "C0SALES"]
    assert posts == ["🎉 <@UALICE> passed the November 2026 target: US$250,000.00 of US$180,000.00 (139%). Well done!"]

    # 张三 passes his target later in the month (a deal imported or synced): one message for him, none again for Alice.
    with slack.deps.engine.begin() as conn:
        conn.execute(insert(Deal.__table__), [dict(
            team_id=slack.team_id, source="t", external_id="LATE", owner_id=ids["zhang"], account="Isdom",
            product="GTX", status="won", stage="x", amount_cents=3_000_000, currency="USD",
            created_date=date(2026, 11, 1), close_date=date(2026, 11, 26))])
    slack.tick(now + timedelta(minutes=3))
    slack.tick(now + timedelta(minutes=4))
    posts = [message_text(c.args) for c in slack.fake.successful("chat.postMessage")
             if c.args.get("channel") == "C0SALES"]
    assert len(posts) == 2 and "<@UZHANG>" in posts[1] and "US$150,000.50 of US$150,000.00" in posts[1]
    with Session(slack.deps.engine) as session:
        assert len(session.exec(select(Delivery).where(Delivery.kind == "incentive_shoutout")).all()) == 2

    assert "达标表扬已关闭" in reply(slack, "表扬 关闭")
    slack.tick(now + timedelta(days=1))
    assert len(slack.fake.successful("chat.postMessage")) == 2


def test_earnings_in_the_one_on_one_brief_and_the_digest(slack: SlackDriver) -> None:
    seed(slack)
    slack.command("/checkin", "brief <@UALICE>")
    assert "Earnings so far" not in slack.last_response_text()  # no plan, no line
    reply(slack, PLAN)
    slack.command("/checkin", "brief <@UALICE>")
    assert "Earnings so far in November 2026: US$22,000.00 (team plan) · target passed 🎉" in \
        slack.last_response_text()

    slack.command("/digest", "preview", user="UMANAGER")
    preview = message_text(slack.responses()[-1])
    assert "Incentives November 2026: US$28,600.04 earned by 2 reps · passed target: Alice Chen" in preview


def test_help_and_what_it_did_not_understand_with_examples_that_work(slack: SlackDriver) -> None:
    seed(slack)
    helped = ack_text(slack.command("/incentive", "help"))
    assert "/incentive — commission, earnings and appraisal" in helped and "shoutouts on #sales" in helped
    assert "提成明细" in ack_text(slack.command("/incentive", "帮助", user="UZHANG"))
    reply(slack, PLAN)
    period = reply(slack, "lsat month")
    assert 'I did not understand "lsat month"' in period and "Try: `/incentive last month`" in period
    plan = reply(slack, "plan set rate 5% bonsu 2k")
    assert "I understood *rate 5%*, but not" in plan and "bonsu 2k" in plan and "Try: `/incentive plan set" in plan
    assert "A plan needs at least a rate" in reply(slack, "plan set bonus 2k")
    # a value out of range is not claimed as understood: "I understood *rate 500%*, but not "rate 500%"" was said
    wrong = reply(slack, "plan set rate 500% bonus 2k")
    assert "I understood *bonus 2k*, but not \"rate 500%\"" in wrong and "*rate 500%*" not in wrong
    assert "Rate teamwork from 1 to 5" in reply(slack, 'rate <@UALICE> 9 "x"')
    assert "for Q3 2026 (1 Jul – 30 Sep): 4/5" in reply(slack, 'rate <@UALICE> Q3 4 "steady"')
    assert "Which rep?" in reply(slack, "appraisal this month")
    unknown = reply(slack, "@nobody-here this month")
    assert "I don't know anyone called *@nobody-here*" in unknown


def test_the_console_answers_incentive_like_slack(sqlite_url: str, tmp_path: Path) -> None:
    result = run_cli(["console", "--user", "UMARIA"], url=sqlite_url, cwd=tmp_path,
                     extra_env={"SALESBOT_MANAGERS": "UMARIA"},
                     stdin="/incentive plan set rate 5% tiers 100k:8% cap 20k\n/incentive plan\n/incentive\n:quit\n")
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Saved the team plan: 5% of revenue, 8% from US$100,000.00, capped at US$20,000.00." in result.stdout
    assert "Team (everyone without an own plan): 5% of revenue" in result.stdout
    assert "Nobody has revenue or a target in" in result.stdout


def test_revenue_in_other_currencies_is_converted_by_the_kpi_engine_never_added_one_for_one(
        slack: SlackDriver) -> None:
    ids = seed(slack)
    with slack.deps.engine.begin() as conn:
        conn.execute(insert(Deal.__table__), [dict(
            team_id=slack.team_id, source="t", external_id=f"X{code}", owner_id=ids["zhang"], account="Isdom",
            product="GTX", status="won", stage="x", amount_cents=10_000_000, currency=code,
            created_date=date(2026, 11, 1), close_date=date(2026, 11, 12)) for code in ("CNY", "EUR")])
    with Session(slack.deps.engine) as session:  # CNY has a rate (0.14); EUR has none
        session.add(ExchangeRate(team_id=slack.team_id, currency="CNY", to_currency="USD",
                                 valid_from=date(2026, 1, 1), rate_micros=140_000))
        session.commit()
    reply(slack, PLAN)
    text = reply(slack, "<@UZHANG>")
    # 120,000.50 + ¥100,000 at 0.14 = 134,000.50: 100,000 × 5% = 5,000.00; 34,000.50 × 8% = 2,720.04.
    assert "Revenue US$134,000.50 · target US$150,000.00 · attainment 89%" in text
    assert "*Total US$7,720.04*" in text
    assert "1 deal in €" in text and "left out: no EUR rate" in text


def test_a_plan_changed_later_leaves_the_earlier_months_statements_as_they_were(slack: SlackDriver) -> None:
    seed(slack)
    reply(slack, PLAN)  # written in November, the team's first plan: it covers October too
    assert "US$50,000.00 × 5% on the first US$100,000.00 = US$2,500.00" in reply(slack, "<@UALICE> last month")
    with clock.moved_to(datetime(2026, 12, 3, 10, 0, tzinfo=UTC)):
        saved = reply(slack, "plan set rate 10%")
        assert "Saved the team plan: 10% of revenue (since December 2026)." in saved
        assert "*Total US$22,000.00*" in reply(slack, "<@UALICE> November")  # November keeps its plan
        assert "Team (everyone without an own plan): 10% of revenue (since December 2026)" in reply(slack, "plan")
        reply(slack, "plan set rate 7% <@UZHANG>")
        assert "Deleted the own plan of 张三" in reply(slack, "plan delete <@UZHANG>")
        assert "There was no such plan" in reply(slack, "plan delete <@UZHANG>")
        assert "张三" not in reply(slack, "plan")
    assert "*Total US$22,000.00*" in reply(slack, "<@UALICE>")  # back in November: still its own plan
    with Session(slack.deps.engine) as session:
        versions = session.exec(select(CommissionPlan).order_by(CommissionPlan.valid_from)).all()
        assert [(v.scope, v.valid_from, v.ended) for v in versions if v.scope == "team"] == [
            ("team", date(2000, 1, 1), False), ("team", date(2026, 12, 1), False)]


def test_a_plan_of_rates_only_still_applies_after_the_reporting_currency_changes(slack: SlackDriver) -> None:
    """A team's first week: `plan set rate 5%` written while the workspace reported in US$, then the manager
    switches to euros (`/salesbot currency EUR`) before adding any rate. A plan without amounts (no tiers, cap or
    bonus) needs no conversion: it still pays 5%, where it used to say "the plan is in USD … not applied"."""
    _won_in_november(slack, seed(slack)["alice"], 10_000_000, "EUR")
    reply(slack, "plan set rate 5%")
    slack.command("/salesbot", "currency EUR")
    text = reply(slack, "<@UALICE>")
    assert "not applied" not in text
    assert "• €100,000.00 × 5% = €5,000.00" in text and "*Total €5,000.00*" in text
    # a plan with amounts written in US$ still needs a rate to be read in euros
    reply(slack, "plan set rate 5% bonus 2k")
    assert "is in USD, and there is no USD rate" not in reply(slack, "<@UALICE>")  # rewritten this month in EUR


def test_a_team_of_one_rep_reads_1_rep(slack: SlackDriver) -> None:
    """A small team's first month: one rep has revenue. "1 reps" was said in the statements and the digest."""
    _won_in_november(slack, seed_people(slack)["alice"], 1_000_000, "USD")
    reply(slack, "plan set rate 5%")
    text = reply(slack, "this month")
    assert "· 1 rep · total US$500.00" in text and "1 reps" not in text
    slack.command("/digest", "preview")
    digest = slack.last_response_text()
    assert "Incentives November 2026: US$500.00 earned by 1 rep" in digest and "1 reps" not in digest


def _won_in_november(slack: SlackDriver, owner_id: int, cents: int, currency: str) -> None:
    """One deal won on 12 Nov 2026 by `owner_id`."""
    with slack.deps.engine.begin() as conn:
        conn.execute(insert(Deal.__table__), [dict(
            team_id=slack.team_id, source="t", external_id=f"W{currency}{cents}", owner_id=owner_id,
            account="Cancity", product="GTX", status="won", stage="x", amount_cents=cents, currency=currency,
            created_date=date(2026, 11, 1), close_date=date(2026, 11, 12))])


def test_a_team_plan_without_a_rate_is_called_the_team_plan_not_a_reps_plan(slack: SlackDriver) -> None:
    """The team plan has amounts in US$ (a 2k bonus); the workspace then reports in euros with no USD rate. The
    statement said "The plan of Alice Chen is in USD", as if Alice had a plan of her own."""
    seed(slack)
    reply(slack, "plan set rate 5% bonus 2k")
    slack.command("/salesbot", "currency EUR")
    text = reply(slack, "<@UALICE>")
    assert "The team plan is in USD, and there is no USD rate on 2026-11-30: it is not applied." in text
    assert "The plan of Alice Chen" not in text
    team = reply(slack, "this month")
    assert "• Alice Chen — the team plan is in USD, and there is no USD rate on 2026-11-30" in team
    reply(slack, "plan set rate 5% bonus 2k <@UZHANG>")  # an own plan, written in euros now: applied
    slack.command("/salesbot", "currency CNY")
    assert "The own plan of 张三 is in EUR, and there is no EUR rate" in reply(slack, "<@UZHANG>")
    assert "团队方案以 USD 计，2026-11-30 没有 USD 汇率：未计算。" in reply(slack, "<@UALICE> 本月")
