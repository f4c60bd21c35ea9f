"""CRM follow-up reminders over signed requests and scheduled ticks, on SQLite and PostgreSQL: a manager turns
them on, each rep gets one DM per morning at their local time listing deals past their expected close date,
with a next step due, or not moved for N days — only when there is something to say, exactly once."""

from datetime import UTC, date, datetime

from sqlalchemy import insert
from sqlmodel import Session

from db.models import Deal, Member
from tests.handlers.test_feedback import seed as seed_people
from tests.slack_driver import SlackDriver, ack_text, message_text

# today is Thu 26 Nov 2026 (tests/conftest.py); the reminders below run on Fri 27 Nov
DEALS = [  # (id, owner, name, account, close date, next step, next step date, last activity)
    ("A1", "alice", "Globex renewal", "Globex", date(2026, 11, 20), "", None, date(2026, 11, 25)),
    ("A2", "alice", "Initrode seats", "Initrode", date(2026, 12, 31), "Send quote", date(2026, 11, 26),
     date(2026, 11, 24)),
    ("A3", "alice", "Hooli pilot", "Hooli", date(2026, 12, 31), "Demo", date(2026, 12, 3), date(2026, 11, 25)),
    ("A4", "alice", "<!channel> ping", "Acme", date(2026, 12, 31), "", None, date(2026, 10, 1)),
    ("B1", "bob", "Fresh deal", "Vandelay", date(2026, 12, 31), "", None, date(2026, 11, 26)),
]


def seed(slack: SlackDriver) -> dict[str, int]:
    """Alice (UTC): one overdue, one next step due, one fine, and test_feedback's Cancity deal that never moved;
    张三 (Asia/Shanghai, Chinese): test_feedback's Isdom deal that never moved; Bob: one fresh deal only."""
    ids = seed_people(slack)
    slack.fake.add_user("UBOB", "Bob Stone")
    with Session(slack.deps.engine) as session:
        bob = Member(team_id=slack.team_id, slack_user_id="UBOB", display_name="Bob Stone", timezone="UTC")
        session.add(bob)
        alice = session.get(Member, ids["alice"])
        assert alice is not None
        alice.timezone = "UTC"
        zhang = session.get(Member, ids["zhang"])
        assert zhang is not None
        zhang.timezone = "Asia/Shanghai"
        session.commit()
        ids["bob"] = int(bob.id or 0)
    rows = [dict(team_id=slack.team_id, source="t", external_id=i, owner_id=ids[o], name=n, account=a, status="open",
                 stage="Proposal", amount_cents=1_250_000, currency="USD", created_date=date(2026, 10, 1),
                 close_date=c, next_step=s, next_step_date=sd, last_activity_date=la)
            for i, o, n, a, c, s, sd, la in DEALS]
    with slack.deps.engine.begin() as conn:
        conn.execute(insert(Deal.__table__), rows)  # type: ignore[attr-defined]
    return ids


def dms(slack: SlackDriver, user: str) -> list[str]:
    channel = "D" + user.lstrip("U")
    return [message_text(c.args) for c in slack.fake.successful("chat.postMessage") if c.args.get("channel") == channel]


def reply(slack: SlackDriver, text: str, user: str = "UMANAGER") -> str:
    slack.command("/followup", text, user=user)
    return slack.last_response_text()


def test_reps_get_one_morning_dm_with_what_to_follow_up_only_when_there_is_something(slack: SlackDriver) -> None:
    seed(slack)
    assert "Follow-up reminders are *off*" in reply(slack, "")
    assert "Only managers can change the follow-up reminders" in reply(slack, "on", user="UALICE")
    on = reply(slack, "on at 09:00")
    assert "Follow-up reminders are *on*: every morning at 09:00" in on and "not moved for 14 days" in on

    slack.tick(datetime(2026, 11, 27, 1, 0, 30, tzinfo=UTC))  # 09:00 in Shanghai: 张三's morning, not Alice's
    zhang = dms(slack, "UZHANG")
    assert len(zhang) == 1 and "今日需跟进的商机" in zhang[0] and "超过 14 天没有进展（1）" in zhang[0]
    assert dms(slack, "UALICE") == []
    slack.tick(datetime(2026, 11, 27, 9, 0, 30, tzinfo=UTC))  # 09:00 UTC: Alice's
    alice = dms(slack, "UALICE")
    assert len(alice) == 1
    text = alice[0]
    assert "Your deals to follow up · Fri 27 Nov" in text
    assert "*Past their expected close date (1)*" in text
    assert "• Globex renewal — Globex · US$12,500.00 · expected Fri 20 Nov (7 days ago)" in text
    assert "*Next step due (1)*" in text and "“Send quote” due Thu 26 Nov" in text
    assert "*Not moved for 14+ days (2)*" in text and "Cancity" in text  # created 1 Jan, never moved since
    assert "• &lt;!channel&gt; ping — Acme · US$12,500.00 · last moved Thu 1 Oct (57 days)" in text  # escaped
    assert "Hooli" not in text
    assert dms(slack, "UBOB") == []  # nothing to say: no DM

    slack.tick(datetime(2026, 11, 27, 9, 0, 30, tzinfo=UTC))  # the same tick again, and a later one: nothing more
    slack.tick(datetime(2026, 11, 27, 15, 0, tzinfo=UTC))
    assert len(dms(slack, "UALICE")) == 1 and len(dms(slack, "UZHANG")) == 1

    assert "not moved for 30 days" in reply(slack, "days 30")
    assert "from 1 to 365" in reply(slack, "days 0")
    slack.tick(datetime(2026, 11, 28, 9, 0, 30, tzinfo=UTC))  # next morning: Cancity (since 1 Jan) is still stale
    assert len(dms(slack, "UALICE")) == 2 and "Not moved for 30+ days (2)" in dms(slack, "UALICE")[-1]

    assert "跟进提醒已*关闭*" in reply(slack, "关闭")
    slack.tick(datetime(2026, 11, 29, 9, 0, 30, tzinfo=UTC))
    assert len(dms(slack, "UALICE")) == 2


def test_a_rep_sees_their_list_and_a_manager_previews_a_reps(slack: SlackDriver) -> None:
    seed(slack)
    mine = reply(slack, "", user="UALICE")
    assert "Follow-up reminders are *off*" in mine and "Globex renewal" in mine  # the list, even while off
    assert "Only managers can see another rep's follow-ups" in reply(slack, "preview <@UZHANG>", user="UALICE")
    preview = reply(slack, "预览 <@UALICE>")
    assert "的预览" in preview and "已过预计成交日期（1）" in preview
    assert "Nothing to follow up today" in reply(slack, "", user="UBOB")


def test_help_and_not_understood(slack: SlackDriver) -> None:
    seed(slack)
    assert "one DM per morning" in ack_text(slack.command("/followup", "help"))
    assert 'not understand "sometimes maybe"' in reply(slack, "sometimes maybe")


def test_a_manager_previews_a_rep_named_any_way_the_other_commands_take(slack: SlackDriver) -> None:
    """`/followup preview` finds people through the one resolver: a full name in quotes, a CRM owner who never
    used the bot, and an unknown name answered with an example — not "I don't know"."""
    seed(slack)
    preview = reply(slack, 'preview @"Bob Stone"')
    assert "Preview for <@UBOB>" in preview
    unknown = reply(slack, "preview @nobody")
    assert "I don't know anyone called *@nobody*" in unknown and "/followup preview" in unknown


def test_a_rep_the_reminder_cannot_reach_is_reported_to_their_manager_once_a_month(slack: SlackDriver) -> None:
    """Alice's account was deactivated: her morning reminder fails for good. Her manager hears of it once, in their
    language, not every morning; 张三's reminder is unaffected."""
    from bot.local_slack import Fault

    ids = seed(slack)
    with Session(slack.deps.engine) as session:
        alice = session.get(Member, ids["alice"])
        assert alice is not None
        alice.manager_id = ids["maria"]
        session.commit()
    reply(slack, "on at 09:00")
    for day in (27, 28):
        slack.fake.fail_next("conversations.open", Fault(status=200, retry_after=None, error="user_disabled"))
        slack.tick(datetime(2026, 11, day, 9, 0, 30, tzinfo=UTC))
    assert dms(slack, "UALICE") == []
    notices = [m for m in dms(slack, "UMANAGER") if "follow-up reminder" in m]
    assert len(notices) == 1
    assert "I could not send Alice Chen their follow-up reminder (user_disabled)" in notices[0]
