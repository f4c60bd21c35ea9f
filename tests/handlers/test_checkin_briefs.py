"""Summaries in a channel (one thread per round), the one-on-one brief, and who may read what."""

import copy
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import Session, select

from db import clock
from db.models import CheckinSchedule, Deal, Feedback, Member, Target
from tests.handlers.test_checkin import SHANGHAI_16, dms, runs
from tests.slack_driver import SlackDriver, message_text


@pytest.fixture
def team(slack: SlackDriver) -> SlackDriver:
    slack.fake.add_user("UMANAGER", "Maria Lopez", tz="Asia/Shanghai")
    slack.fake.add_user("UALICE", "Alice Wong", tz="Asia/Shanghai")
    slack.fake.add_user("UZHANG", "张三", tz="Asia/Shanghai", locale="zh-CN")
    return slack


def channel_posts(slack: SlackDriver, channel: str) -> list[dict]:
    return [c.args for c in slack.fake.successful("chat.postMessage") if c.args.get("channel") == channel]


def test_channel_summaries_go_in_one_thread_per_round_and_the_brief_comes_before_the_one_on_one(
    team: SlackDriver,
) -> None:
    slack = team
    slack.command("/checkin", "schedule <@UALICE> <@UZHANG> weekly on friday at 16:00 to <#CSALES|sales> brief")
    assert "Summaries go to <#CSALES>" in slack.last_response_text()
    slack.tick(SHANGHAI_16 + timedelta(minutes=1))
    for text in ("Closed Rantouch", "Budget freeze at Cancity", "no", "Pricing help", "3"):
        slack.dm(text, user="UALICE")
    slack.tick(SHANGHAI_16 + timedelta(minutes=2))
    posts = channel_posts(slack, "CSALES")
    assert "Check-ins · weekly" in message_text(posts[0])  # the round's thread head
    assert posts[1].get("thread_ts") and "thread_ts" not in posts[0]
    assert "Alice Wong · weekly check-in" in message_text(posts[1]) and "confidence 3/5" in message_text(posts[1])

    # An hour before the one-on-one (the deadline), the brief reaches the manager's DM, once per rep.
    slack.tick(SHANGHAI_16 + timedelta(hours=71, minutes=1))
    slack.tick(SHANGHAI_16 + timedelta(hours=71, minutes=2))
    briefs = [m for m in dms(slack, "UMANAGER") if "1:1 with" in m]
    assert len(briefs) == 2
    alice = next(b for b in briefs if "Alice Wong" in b)
    assert 'blocker "Budget freeze at Cancity"' in alice and 'asked for "Pricing help"' in alice

    # At the deadline the round summary joins the same thread, broadcast to the channel.
    slack.tick(SHANGHAI_16 + timedelta(hours=72, minutes=1))
    summary = channel_posts(slack, "CSALES")[-1]
    assert summary["thread_ts"] == posts[1]["thread_ts"] and summary.get("reply_broadcast") in (True, "true", "1")
    text = message_text(summary)
    assert "Answered 1 of 2: Alice Wong" in text and "Missed: 张三" in text
    assert sorted(r.status for r in runs(slack)) == ["completed", "missed"]


def _seed_alice(slack: SlackDriver) -> None:
    today = clock.now().date()
    month_start = today.replace(day=1)
    with Session(slack.deps.engine) as session:
        alice = session.exec(select(Member).where(Member.slack_user_id == "UALICE")).one()
        won = [
            Deal(
                team_id="T0001",
                external_id=f"W{i}",
                name=f"Won {i}",
                owner_id=alice.id,
                account="Rantouch",
                status="won",
                amount_cents=1_000_000,
                created_date=month_start - timedelta(days=20),
                close_date=month_start,
            )
            for i in range(3)
        ]
        lost = Deal(
            team_id="T0001",
            external_id="L1",
            name="Lost",
            owner_id=alice.id,
            account="Isdom",
            status="lost",
            amount_cents=500_000,
            created_date=month_start - timedelta(days=30),
            close_date=month_start,
        )
        slipped = Deal(
            team_id="T0001",
            external_id="S1",
            name="Cancity expansion",
            owner_id=alice.id,
            account="Cancity",
            status="open",
            stage="Negotiation",
            amount_cents=6_400_000,
            created_date=today - timedelta(days=60),
            close_date=today - timedelta(days=3),
            updated_at=clock.now(),
        )
        target = Target(
            team_id="T0001",
            member_id=alice.id,
            metric="revenue",
            period_start=month_start,
            period_end=(month_start + timedelta(days=32)).replace(day=1),
            value_cents=4_000_000,
        )
        feedback = Feedback(
            team_id="T0001",
            external_id="F1",
            received_on=today - timedelta(days=2),
            account="Cancity",
            rating=2,
            scale=5,
            comment="Delivery was late again",
        )
        session.add_all([*won, lost, slipped, target, feedback])
        session.commit()


def test_brief_on_demand_shows_kpis_slipped_deals_and_customer_feedback(team: SlackDriver) -> None:
    slack = team
    slack.command("/checkin", "schedule <@UALICE> weekly on friday at 16:00")
    _seed_alice(slack)
    slack.command("/checkin", "brief <@UALICE>")
    text = slack.last_response_text()
    assert "1:1 with Alice Wong" in text
    assert "US$30,000.00 (75% of target" in text and "win rate 75%" in text
    assert "Slipped: 1 deal past their close date (US$64,000.00)" in text
    assert '"Delivery was late again" (Cancity, 2★)' in text
    assert "Suggested topics: the Cancity feedback" in text


def test_the_first_day_a_manager_reads_the_brief_of_a_rep_nobody_manages_yet(team: SlackDriver) -> None:
    """Alice came in the CRM export and nobody has scheduled her yet: her brief (figures only, no answers to
    keep private) is there for the one-on-one. Once another manager has asked her, it is theirs alone."""
    slack = team
    slack.command("/salesbot", "help", user="UALICE")  # she exists; no manager, never asked anything
    _seed_alice(slack)
    slack.command("/checkin", "brief <@UALICE>")
    text = slack.last_response_text()
    assert "1:1 with Alice Wong" in text and "US$30,000.00" in text and "their manager" not in text

    slack.fake.add_user("UOTHER", "Other Manager", tz="UTC")
    slack.command("/salesbot", "role <@UOTHER> manager")
    slack.command("/checkin", "schedule <@UALICE> weekly on friday at 16:00")  # Maria is her manager now
    slack.command("/checkin", "brief <@UALICE>", user="UOTHER")
    assert "Only Alice Wong and their manager" in slack.last_response_text()


def test_brief_in_chinese_for_a_chinese_manager(team: SlackDriver) -> None:
    slack = team
    slack.fake.add_user("UMANAGER", "王经理", tz="Asia/Shanghai", locale="zh-CN")
    slack.command("/checkin", "schedule <@UALICE> 每周 周五 16:00")
    _seed_alice(slack)
    slack.command("/checkin", "简报 <@UALICE>")
    text = slack.last_response_text()
    assert "与 Alice Wong 的一对一" in text and "目标完成 75% · 进度" in text and "延期：1 个商机已过预计成交日" in text
    assert "建议话题" in text


def test_only_the_rep_and_their_manager_read_check_ins(team: SlackDriver) -> None:
    slack = team
    slack.fake.add_user("UOTHER", "Other Manager", tz="UTC")
    slack.command("/salesbot", "role <@UOTHER> manager")
    slack.command("/checkin", "schedule <@UALICE> weekly on friday at 16:00")
    slack.tick(SHANGHAI_16 + timedelta(minutes=1))
    slack.dm("Closed Rantouch", user="UALICE")

    slack.command("/checkin", "history <@UALICE>", user="UZHANG")
    assert "只有 Alice Wong 本人和其经理可以查看" in slack.last_response_text()  # 张三 reads Chinese
    slack.command("/checkin", "history <@UALICE>", user="UOTHER")
    assert "Only Alice Wong and their manager" in slack.last_response_text()
    slack.command("/checkin", "brief <@UALICE>", user="UOTHER")
    assert "Only Alice Wong and their manager" in slack.last_response_text()
    slack.command("/checkin", "history", user="UALICE")
    assert "Closed Rantouch" in slack.last_response_text()
    slack.command("/checkin", "history <@UALICE>")
    assert "Closed Rantouch" in slack.last_response_text()
    slack.command("/checkin", "schedule <@UZHANG> weekly", user="UALICE")  # a rep cannot schedule
    assert "Only managers can schedule check-ins" in slack.last_response_text()


def test_list_pause_resume_delete_and_help(team: SlackDriver) -> None:
    slack = team
    slack.command("/checkin", "schedule <@UALICE> every 2 weeks on monday at 9am")
    slack.command("/checkin", "list")
    assert "*#1* every 2 weeks on Monday at 09:00 · Alice Wong" in slack.last_response_text()
    slack.command("/checkin", "pause 1")
    slack.command("/checkin", "list")
    assert "paused" in slack.last_response_text()
    monday = SHANGHAI_16 + timedelta(days=3)
    assert slack.tick(monday.replace(hour=1, minute=5)).sent == 0  # paused: nobody asked
    slack.command("/checkin", "resume 1")
    slack.command("/checkin", "delete 1")
    slack.command("/checkin", "list")
    assert "You have no check-in schedules" in slack.last_response_text()
    slack.command("/checkin", "delete 7")
    assert "You have no check-in #7" in slack.last_response_text()
    help_text = message_text(slack.command("/checkin", "help").json())
    assert "/checkin schedule @alice @bob weekly on friday at 16:00" in help_text
    slack.command("/checkin", "frobnicate")
    assert '"frobnicate"' in slack.last_response_text()


def test_setup_modal_creates_a_schedule_with_own_questions(team: SlackDriver) -> None:
    slack = team
    slack.command("/checkin", "setup")
    view = slack.fake.calls_to("views.open")[-1].args["view"]
    assert "checkin_setup_submit" in str(view)

    def state(value: dict) -> dict:
        return {"value": value}

    submission = {
            "type": "view_submission",
            "user": {"id": "UMANAGER", "team_id": slack.team_id},
            "view": {
                "id": "V2",
                "type": "modal",
                "callback_id": "checkin_setup_submit",
                "private_metadata": "",
                "state": {
                    "values": {
                        "reps": state({"type": "multi_users_select", "selected_users": ["UALICE"]}),
                        "cadence": state({"type": "static_select", "selected_option": {"value": "weekly"}}),
                        "weekday": state({"type": "static_select", "selected_option": {"value": "4"}}),
                        "time": state({"type": "timepicker", "selected_time": "16:00"}),
                        "deadline": state({"type": "plain_text_input", "value": "48"}),
                        "reminder": state({"type": "plain_text_input", "value": "12"}),
                        "channel": state({"type": "conversations_select", "selected_conversation": None}),
                        "brief": state({"type": "checkboxes", "selected_options": []}),
                        "questions": state(
                            {
                                "type": "plain_text_input",
                                "value": "What did you win?\nWhat is in your way?\nConfidence 1-5?",
                            }
                        ),
                    }
                },
            },
    }
    slack.interact(copy.deepcopy(submission))
    assert "Scheduled check-in #1" in dms(slack, "UMANAGER")[-1]
    slack.interact(copy.deepcopy(submission))  # submitted again (a new trigger): made once
    assert "You sent the same /checkin setup" in dms(slack, "UMANAGER")[-1]
    with Session(slack.deps.engine) as session:
        assert len(session.exec(select(CheckinSchedule)).all()) == 1
    slack.tick(SHANGHAI_16 + timedelta(minutes=1))
    assert "1/3 — What did you win?" in dms(slack, "UALICE")[0]
    assert runs(slack)[0].deadline_at is not None


def test_editing_questions_never_rewrites_past_runs(team: SlackDriver) -> None:
    from db import checkins as store
    from db.models import CheckinSchedule

    slack = team
    slack.command("/checkin", "schedule <@UALICE> weekly on friday at 16:00")
    slack.tick(SHANGHAI_16 + timedelta(minutes=1))
    with Session(slack.deps.engine) as session:
        schedule = session.get(CheckinSchedule, 1)
        store.set_questions(session, schedule, ["Only one question now?"])
        session.commit()
        assert schedule.questions_version == 2
    first = runs(slack)[0]
    assert first.questions_version == 1 and len(first.questions) == 5
    slack.tick(SHANGHAI_16 + timedelta(days=7, minutes=1))
    second = runs(slack)[1]
    assert second.questions == ["Only one question now?"] and second.questions_version == 2
    assert date.fromisoformat(str(second.occurrence)[:10]) > date.fromisoformat(str(first.occurrence)[:10])


def test_early_in_a_month_the_brief_speaks_of_pace_and_the_last_complete_month(team: SlackDriver) -> None:
    """On 2 December, a rep who made 119% in November is not "December US$0.00, behind"."""
    slack = team
    slack.command("/checkin", "schedule <@UALICE> monthly on tuesday at 10:00")
    clock.set_now(datetime(2026, 12, 2, 2, 0, tzinfo=UTC))  # 10:00 in Shanghai
    with Session(slack.deps.engine) as session:
        alice = session.exec(select(Member).where(Member.slack_user_id == "UALICE")).one()
        session.add(
            Deal(
                team_id="T0001",
                external_id="N1",
                name="November win",
                owner_id=alice.id,
                account="Rantouch",
                status="won",
                amount_cents=4_760_000,
                created_date=date(2026, 10, 1),
                close_date=date(2026, 11, 20),
            )
        )
        for start, end in ((date(2026, 11, 1), date(2026, 12, 1)), (date(2026, 12, 1), date(2027, 1, 1))):
            session.add(
                Target(
                    team_id="T0001",
                    member_id=alice.id,
                    metric="revenue",
                    period_start=start,
                    period_end=end,
                    value_cents=4_000_000,
                )
            )
        session.commit()
    slack.command("/checkin", "brief <@UALICE>")
    text = slack.last_response_text()
    assert "December so far US$0.00 (day 2 of 31 · pace 0%) · November US$47,600.00 (119% of target · hit)" in text
    assert "behind" not in text and "close the gap" not in text
    slack.fake.add_user("UMANAGER", "王经理", tz="Asia/Shanghai", locale="zh-CN")
    slack.command("/checkin", "简报 <@UALICE>")
    text = slack.last_response_text()
    assert "第 2/31 天 · 进度 0%" in text and "十一月 US$47,600.00（目标完成 119% · 已达成）" in text


def _closed(slack: SlackDriver, uid: str, won: int, lost_at: dict[str, int]) -> None:
    today = clock.now().date()
    with Session(slack.deps.engine) as session:
        rep = session.exec(select(Member).where(Member.slack_user_id == uid)).one()
        statuses = [("won", "Closed Won")] * won + [("lost", s) for s, n in lost_at.items() for _ in range(n)]
        session.add_all(
            Deal(team_id="T0001", external_id=f"{uid}-{i}", name=f"D{i}", owner_id=rep.id, account="Acme",
                 product="GTX Pro", status=status, stage=stage, amount_cents=100_000, currency="USD",
                 created_date=today - timedelta(days=40 + i), close_date=today - timedelta(days=5 + i))
            for i, (status, stage) in enumerate(statuses)
        )
        session.commit()


def test_the_brief_suggests_training_for_skill_gaps_the_data_shows(team: SlackDriver) -> None:
    """Alice wins 5 of 25 deals over the last 180 days where 张三 wins 15 of 25, and loses most of hers in
    negotiation; she asked for a product expert in her check-in, 张三 for 产品专家 — each gap reaches the brief with
    a training topic, in the manager's language; a rep with too few deals is not judged."""
    slack = team
    slack.command("/checkin", "schedule <@UALICE> <@UZHANG> weekly on friday at 16:00")
    _closed(slack, "UALICE", 5, {"Negotiation": 14, "Proposal": 6})
    _closed(slack, "UZHANG", 15, {"Negotiation": 2, "Proposal": 8})
    slack.tick(SHANGHAI_16 + timedelta(minutes=1))
    for text in ("Two demos done", "Lost Isdom on price", "no", "Need a product expert for the Cancity call", "3"):
        slack.dm(text, user="UALICE")
    for text in ("推进了两个商机", "客户预算冻结", "无", "需要产品专家支持", "4"):
        slack.dm(text, user="UZHANG")
    slack.command("/checkin", "brief <@UALICE>")
    text = slack.last_response_text()
    gaps = next(line for line in text.splitlines() if line.startswith("Skill gaps: "))
    assert "70% of lost deals lost at Negotiation vs the team's 20% (20 lost) → training: *the Negotiation stage*" in (
        gaps
    )
    assert "win rate 20% vs the team's 60% over 180 days (25 deals closed) → training: *closing and negotiation*" in (
        gaps
    )
    assert "asked in a check-in: “Need a product expert for the Cancity call” → training: *product knowledge*" in gaps
    assert "training on the Negotiation stage" in text  # among the suggested topics
    slack.fake.add_user("UMANAGER", "王经理", tz="Asia/Shanghai", locale="zh-CN")
    slack.command("/checkin", "简报 <@UZHANG>")
    text = slack.last_response_text()
    gaps = next(line for line in text.splitlines() if line.startswith("能力差距："))
    assert "80% 的丢单发生在 Proposal，团队 30%（丢单 10 笔） → 建议培训：*Proposal阶段*" in gaps
    assert "进展汇报中提到：「需要产品专家支持」 → 建议培训：*产品知识*" in gaps
    assert "赢单率" not in gaps  # 张三 wins more often than the team: no win-rate gap


def test_too_few_deals_say_nothing_about_skills(team: SlackDriver) -> None:
    slack = team
    slack.command("/checkin", "schedule <@UALICE> <@UZHANG> weekly on friday at 16:00")
    _closed(slack, "UALICE", 1, {"Negotiation": 9})  # 10 closed: too few to compare
    _closed(slack, "UZHANG", 15, {"Negotiation": 2, "Proposal": 8})
    slack.command("/checkin", "brief <@UALICE>")
    assert "Skill gaps" not in slack.last_response_text()
