"""/feedback over signed HTTP requests, as reps and managers use it: logging, the alert on bad feedback (once,
to the right people, retried by the scheduler when Slack fails), and the summary — on SQLite and PostgreSQL."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import insert
from sqlmodel import Session, select

from bot.local_slack import Fault
from db import clock
from db.models import Deal, Delivery, Feedback, Member, Workspace
from handlers.feedback import parse_request
from tests.slack_driver import SlackDriver, message_text

TODAY = date(2026, 11, 26)


def seed(slack: SlackDriver) -> dict[str, int]:
    """Maria manages Alice (owns Cancity) and 张三 (owns Isdom, Chinese locale)."""
    slack.fake.add_user("UMANAGER", "Maria Lopez")
    slack.fake.add_user("UALICE", "Alice Chen")
    slack.fake.add_user("UZHANG", "张三", tz="Asia/Shanghai", locale="zh-CN")
    with Session(slack.deps.engine) as session:
        session.add(Workspace(team_id=slack.team_id))
        maria = Member(team_id=slack.team_id, slack_user_id="UMANAGER", display_name="Maria Lopez", role="manager")
        session.add(maria)
        session.flush()
        alice = Member(team_id=slack.team_id, slack_user_id="UALICE", display_name="Alice Chen", manager_id=maria.id)
        zhang = Member(
            team_id=slack.team_id, slack_user_id="UZHANG", display_name="张三", manager_id=maria.id, locale="zh-CN"
        )
        session.add_all([alice, zhang])
        session.commit()
        ids = {"maria": int(maria.id or 0), "alice": int(alice.id or 0), "zhang": int(zhang.id or 0)}
    deals = [
        dict(
            team_id=slack.team_id,
            source="t",
            external_id=f"D{i}",
            owner_id=ids[o],
            account=a,
            created_date=date(2026, 1, 1),
        )
        for i, (o, a) in enumerate([("alice", "Cancity"), ("zhang", "Isdom")])
    ]
    with slack.deps.engine.begin() as conn:
        conn.execute(insert(Deal.__table__), deals)  # type: ignore[attr-defined]
    return ids


def stored(slack: SlackDriver) -> list[Feedback]:
    with Session(slack.deps.engine) as session:
        return list(session.exec(select(Feedback).order_by(Feedback.id)))


def dms_to(slack: SlackDriver, user: str) -> list[str]:
    return [message_text(c.args) for c in slack.fake.successful("chat.postMessage") if c.args.get("channel") == user]


def test_rep_logs_bad_feedback_and_the_manager_is_alerted_once(slack: SlackDriver) -> None:
    ids = seed(slack)
    ack = slack.command("/feedback", "Cancity 2 third late shipment this quarter", user="UALICE")
    assert ack.status_code == 200 and not ack.text.strip()  # acknowledged at once, answered after
    reply = slack.last_response_text()
    assert "Feedback logged · *Cancity* · 2★ · “third late shipment this quarter” · owner Alice Chen" in reply
    assert "alert sent to Maria Lopez." in reply
    [row] = stored(slack)
    assert (row.account, row.rating, row.scale, row.member_id, row.created_by, row.received_on) == (
        "Cancity",
        2,
        5,
        ids["alice"],
        "UALICE",
        TODAY,
    )
    [alert] = dms_to(slack, "UMANAGER")
    assert "⚠ Bad feedback from *Cancity*: 2★" in alert and "> third late shipment this quarter" in alert
    assert "Logged by Alice Chen" in alert and "owner Alice Chen" in alert
    assert dms_to(slack, "UALICE") == []  # she logged it herself; the reply told her
    # The scheduler finds nothing more to send: exactly once.
    report = slack.tick(clock.now() + timedelta(minutes=5))
    assert report.sent == 0 and len(dms_to(slack, "UMANAGER")) == 1


def test_manager_logs_in_chinese_and_the_rep_is_alerted_in_chinese(slack: SlackDriver) -> None:
    seed(slack)
    slack.command("/feedback", "isdom nps 3 最近更新后bug很多", user="UMANAGER")
    reply = slack.last_response_text()
    assert "已记录反馈 · *Isdom* · NPS 3/10 · “最近更新后bug很多” · 负责人 张三" in reply
    assert "已提醒 张三" in reply
    [alert] = dms_to(slack, "UZHANG")
    assert "⚠ *Isdom* 差评：NPS 3/10" in alert and "Maria Lopez 记录" in alert
    assert dms_to(slack, "UMANAGER") == []
    assert stored(slack)[0].language == "zh"


def test_good_feedback_and_comments_without_a_rating_alert_nobody(slack: SlackDriver) -> None:
    seed(slack)
    slack.command("/feedback", "Cancity 5 the setup call was excellent", user="UALICE")
    assert "alert" not in slack.last_response_text()
    slack.command("/feedback", "Isdom nps 7/10", user="UZHANG")
    slack.command("/feedback", "Cancity still waiting for the units, very disappointed", user="UALICE")
    assert (
        "no rating · “still waiting for the units, very disappointed” · sounds negative" in slack.last_response_text()
    )
    assert [(f.account, f.rating, f.scale) for f in stored(slack)] == [
        ("Cancity", 5, 5),
        ("Isdom", 7, 10),
        ("Cancity", None, 5),
    ]
    assert slack.fake.calls_to("chat.postMessage") == []


def test_a_failed_alert_is_retried_by_the_scheduler_and_sent_once(slack: SlackDriver) -> None:
    seed(slack)
    slack.fake.fail_next("chat.postMessage", Fault(status=200, retry_after=None, error="fatal_error"))
    slack.command("/feedback", "Cancity 1 nobody answers", user="UALICE")
    assert "alert sent to Maria Lopez" in slack.last_response_text()
    assert dms_to(slack, "UMANAGER") == []
    now = clock.now() + timedelta(minutes=1)
    assert slack.tick(now).sent == 1
    assert slack.tick(now + timedelta(minutes=1)).sent == 0
    assert len(dms_to(slack, "UMANAGER")) == 1
    with Session(slack.deps.engine) as session:
        [delivery] = session.exec(select(Delivery).where(Delivery.kind == "feedback_alert"))
        assert (delivery.status, delivery.attempts, delivery.recipient) == ("sent", 2, "UMANAGER")


def _october(slack: SlackDriver, ids: dict[str, int]) -> None:
    items = [
        ("Cancity", 2, 5, date(2026, 10, 5), "Delivery was two weeks late again.", "alice"),
        ("Cancity", 1, 5, date(2026, 10, 20), "Third late delivery this quarter!", "alice"),
        ("Cancity", 5, 5, date(2026, 10, 21), "the setup call was excellent", "alice"),
        ("Isdom", 4, 5, date(2026, 10, 15), "价格合理，性价比高", "zhang"),
        ("Isdom", 9, 10, date(2026, 10, 16), "Excellent setup, thanks", "zhang"),
        ("Isdom", 5, 5, date(2026, 9, 16), "物流很快", "zhang"),
    ]
    rows = [
        dict(
            team_id=slack.team_id,
            source="t",
            external_id=f"F{i}",
            account=a,
            rating=r,
            scale=s,
            received_on=d,
            comment=c,
            member_id=ids[m],
            created_at=datetime(2026, 11, 1, tzinfo=UTC),
        )
        for i, (a, r, s, d, c, m) in enumerate(items)
    ]
    with slack.deps.engine.begin() as conn:
        conn.execute(insert(Feedback.__table__), rows)  # type: ignore[attr-defined]


def test_manager_reads_the_team_summary_of_last_month(slack: SlackDriver) -> None:
    _october(slack, seed(slack))
    slack.command("/feedback", "summary last month", user="UMANAGER")
    text = slack.last_response_text()
    assert "*Customer feedback · October 2026 (1–31 Oct)* · 5 items · CSAT 50% (▼ 50.0 pts) · NPS +100" in text
    complaint = "• “delivery” — 2 ▲ (0) · avg 1.5★ over 2 mentions — _“Third late delivery this quarter!”_"
    assert f"*Top complaints*\n{complaint}" in text
    assert "*Top praise*\n• “setup” — 2 ▲ (0) · avg 4.8★ over 2 mentions — _“the setup call was excellent”_" in text
    assert "At risk: *Cancity* (2 low ratings in 30 days)" in text
    assert "Items in the previous period: 1" in text
    assert slack.fake.calls_to("chat.postMessage") == []  # the summary alerts nobody


def test_a_rep_sees_only_feedback_on_their_own_accounts_in_chinese(slack: SlackDriver) -> None:
    _october(slack, seed(slack))
    slack.command("/feedback", "汇总 上个月", user="UZHANG")
    text = slack.last_response_text()
    assert "*你的客户反馈 · 2026年10月（10月1日–31日）* · 2 条 · CSAT 100%（0.0个百分点） · NPS +100" in text
    assert "Cancity" not in text and "没有风险客户" in text
    slack.command("/feedback", "summary", user="UALICE")  # this month, nothing yet
    assert "No feedback in November 2026" in slack.last_response_text()


def test_help_and_what_is_not_understood(slack: SlackDriver) -> None:
    seed(slack)
    ack = slack.command("/feedback", "help", user="UALICE")
    assert "/feedback ACCOUNT RATING COMMENT" in ack.text  # answered in the ack itself
    slack.command("/feedback", "Cancity 7 meh", user="UALICE")
    assert "use 1-5, or `nps 7` for the 0-10 scale" in slack.last_response_text()
    slack.command("/feedback", "summary lsat quater", user="UMANAGER")
    assert 'I did not understand "lsat quater".' in slack.last_response_text()
    assert stored(slack) == []


@pytest.mark.parametrize(
    ("text", "kind", "account", "rating", "scale", "comment"),
    [
        ("Cancity 2 交付又延迟了", "log", "Cancity", 2, 5, "交付又延迟了"),
        ("Cancity 2交付又延迟了", "log", "Cancity", 2, 5, "交付又延迟了"),
        ("Bluth Co. 4/5 quick answers", "log", "Bluth Co.", 4, 5, "quick answers"),
        ('"3M Europe" NPS 9 great', "log", "3M Europe", 9, 10, "great"),
        ("Isdom 6/10", "log", "Isdom", 6, 10, ""),
        ("Isdom 0 terrible", "bad", "Isdom", 0, 5, ""),
        ("Isdom nps 11", "bad", "Isdom", 11, 10, ""),
        ("汇总 上个月", "summary", "", None, 5, ""),
    ],
)
def test_reading_a_feedback_line(
    text: str, kind: str, account: str, rating: int | None, scale: int, comment: str
) -> None:
    r = parse_request(text)
    assert (r.kind, r.account, r.rating, r.scale, r.comment) == (kind, account, rating, scale, comment)


def test_imported_bad_feedback_is_alerted_by_the_next_tick_but_old_or_demo_items_are_not(slack: SlackDriver) -> None:
    ids = seed(slack)
    now = clock.now()
    rows = [
        dict(
            team_id=slack.team_id,
            source=src,
            external_id=f"S{i}",
            account="Cancity",
            rating=1,
            scale=5,
            received_on=day,
            comment="Late again",
            member_id=ids["alice"],
            created_at=now,
        )
        for i, (src, day) in enumerate([("survey", now.date()), ("demo", now.date()), ("survey", date(2026, 1, 5))])
    ]
    with slack.deps.engine.begin() as conn:
        conn.execute(insert(Feedback.__table__), rows)  # type: ignore[attr-defined]
    assert slack.tick(now).sent == 2  # the rep and her manager, for the fresh survey item only
    assert slack.tick(now + timedelta(minutes=1)).sent == 0
    [to_alice], [to_maria] = dms_to(slack, "UALICE"), dms_to(slack, "UMANAGER")
    assert "Bad feedback from *Cancity*: 1★" in to_alice and "Imported" in to_maria


def test_the_summary_writes_changes_as_kpi_does() -> None:
    """One rule for changes (reports/changes.py): the summary's CSAT and NPS changes read as /kpi's."""
    from datetime import date

    from handlers.feedback import render_summary
    from reports.changes import change_text
    from reports.feedback_analysis import FeedbackSummary

    summary = FeedbackSummary(
        date(2026, 10, 1), date(2026, 11, 1), 10, 10, 1, 4.1, 0.62, 12.0, 8, 0.578, 27.0, [], [], 0, 0
    )
    for lang, csat, nps in (("en", "(▲ 4.2 pts)", "(▼ 15 pts)"), ("zh", "（▲4.2个百分点）", "（▼15分）")):
        text = render_summary(summary, "October 2026", lang, mine=False)["blocks"][0]["text"]["text"]
        assert csat in text and nps in text, text
        assert change_text("ratio", 0.62, 0.578, lang) in text and change_text("score", 12.0, 27.0, lang) in text


def test_a_quality_signal_is_in_the_summary_and_alerted_to_managers_once(slack: SlackDriver) -> None:
    from tests.reports.test_feedback_signals import insert_history

    seed(slack)
    slack.fake.add_user("UZHAO", "赵经理", locale="zh-CN")
    with Session(slack.deps.engine) as session:
        session.add(Member(team_id=slack.team_id, slack_user_id="UZHAO", display_name="赵经理", role="manager",
                           locale="zh-CN"))
        session.commit()
    insert_history(slack.deps.engine, slack.team_id)
    slack.command("/feedback", "summary last 30 days", user="UMANAGER")
    text = slack.last_response_text()
    assert "*Rising complaints*\n⚠ GTX Pro: “battery” complaints 3 → 14 (previous periods: 3, 2, 4)" in text
    assert slack.tick(clock.now()).sent == 2
    to_maria, to_zhao = dms_to(slack, "UMANAGER"), dms_to(slack, "UZHAO")
    assert "⚠ *Quality signal* — GTX Pro: “battery” complaints 3 → 14" in to_maria[-1]
    assert "From Slack: <https://x.slack.com/p0" in to_maria[-1]
    assert "⚠ *质量信号* — GTX Pro：“battery”抱怨 3 → 14（之前各期：3, 2, 4）" in to_zhao[-1]
    assert dms_to(slack, "UALICE") == []  # managers only
    assert slack.tick(clock.now() + timedelta(days=2)).sent == 0  # once: stored in the delivery ledger


def test_an_empty_period_outside_the_feedback_received_says_where_it_is(slack: SlackDriver) -> None:
    """Reviews imported from last year, read this month: the answer says when the feedback was received and
    gives a line that shows it, in both languages, instead of "Log some"."""
    ids = seed(slack)
    _october(slack, ids)
    slack.command("/feedback", "summary 2025", user="UMANAGER")
    text = slack.last_response_text()
    assert "No feedback in 2025: the feedback received runs from 2026-09-16 to 2026-10-21" in text
    assert "`/feedback summary 2026`" in text and "Log some" not in text
    slack.command("/feedback", "汇总 2025年", user="UZHANG")  # a rep: their own accounts' span
    text = slack.last_response_text()
    assert "已收到的反馈在 2026-09-16 至 2026-10-16 之间" in text and "`/feedback 汇总 2026年`" in text
    slack.command("/feedback", "汇总 2026年", user="UZHANG")  # the suggested line answers
    assert "2 条" in slack.last_response_text() or "3 条" in slack.last_response_text()


def test_a_first_feedback_item_reads_one_item(slack: SlackDriver) -> None:
    """Day one: one customer said something. The summary said "1 items"."""
    seed(slack)
    slack.command("/feedback", "Cancity 4 setup went fine", user="UALICE")
    slack.command("/feedback", "summary", user="UMANAGER")
    text = slack.last_response_text()
    assert "· 1 item · CSAT" in text and "1 items" not in text
    slack.command("/feedback", "汇总", user="UMANAGER")
    assert "1 条" in slack.last_response_text()
