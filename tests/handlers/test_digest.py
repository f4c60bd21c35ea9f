"""Digests end to end: subscribe over a signed slash command, tick, and find one upload in the channel."""

from datetime import UTC, datetime

import matplotlib.image as mpimg
from sqlmodel import Session, select

from bot.local_slack import Fault
from db.models import Delivery, DigestSubscription
from tests.digest_data import TEAM, seed, subscription
from tests.slack_driver import SlackDriver, ack_text, message_text

# Monday 30 Nov 2026, 09:00 in New York (EST, UTC-5) = 14:00 UTC
BEFORE, AT, AFTER = (
    datetime(2026, 11, 30, 13, 59, tzinfo=UTC),
    datetime(2026, 11, 30, 14, 0, tzinfo=UTC),
    datetime(2026, 11, 30, 14, 1, tzinfo=UTC),
)


def _age(slack: SlackDriver) -> None:
    """Subscriptions made 'now' in real time are backdated so the fixed test dates are after them."""
    with Session(slack.deps.engine) as session:
        for sub in session.exec(select(DigestSubscription)):
            sub.created_at = datetime(2026, 10, 1, tzinfo=UTC)
            session.add(sub)
        session.commit()


def test_subscribe_then_exactly_one_digest_at_nine_local(slack: SlackDriver) -> None:
    seed(slack.deps.engine)
    slack.command("/digest", "subscribe <#C0SALES|sales> weekly on monday at 09:00", user="UMANAGER")
    assert "Subscribed <#C0SALES> to the weekly digest: Monday 09:00 (America/New_York)" in slack.last_response_text()
    _age(slack)
    assert slack.tick(BEFORE).sent == 0 and slack.fake.uploads() == []
    assert slack.tick(AT).sent == 1
    uploads = slack.fake.uploads()
    assert len(uploads) == 3 and {u["channel_id"] for u in uploads} == {"C0SALES"}
    completes = slack.fake.successful("files.completeUploadExternal")
    assert len(completes) == 1  # one message carrying the three charts
    assert [u["title"] for u in uploads] == [
        "Revenue vs target to date · 1–29 Nov 2026",  # the basis of the reps' pace in the text
        "Revenue trend",
        "Open pipeline today by stage",
    ]
    text = uploads[0]["initial_comment"]
    assert text.startswith("*Sales week 48 · 23–29 Nov 2026*")
    for upload in uploads:
        assert upload["content"].startswith(b"\x89PNG")
    png = uploads[0]["content"]
    path = slack.settings.salesbot_files_dir + "-chart.png"
    with open(path, "wb") as f:
        f.write(png)
    assert mpimg.imread(path).shape[1] >= 800  # readable at Slack's preview width
    assert slack.tick(AT).sent == 0 and slack.tick(AFTER).sent == 0
    assert len(slack.fake.successful("files.completeUploadExternal")) == 1


def test_rate_limited_then_success_posts_once(slack: SlackDriver) -> None:
    seed(slack.deps.engine)
    subscription(slack.deps.engine)
    slack.fake.fail_next("files.completeUploadExternal", Fault(429, retry_after=1))
    assert slack.tick(AT).sent == 1
    assert len(slack.fake.calls_to("files.completeUploadExternal")) == 2
    assert len(slack.fake.successful("files.completeUploadExternal")) == 1


def test_a_long_retry_after_is_honoured_on_a_later_tick_then_posted_once(slack: SlackDriver) -> None:
    seed(slack.deps.engine)
    subscription(slack.deps.engine)
    slack.fake.fail_next("files.completeUploadExternal", Fault(429, retry_after=120))
    report = slack.tick(AT)
    assert (report.sent, report.retrying) == (0, 1)
    assert slack.tick(datetime(2026, 11, 30, 14, 1, tzinfo=UTC)).sent == 0  # Retry-After not over yet
    assert slack.tick(datetime(2026, 11, 30, 14, 2, 1, tzinfo=UTC)).sent == 1
    assert slack.tick(datetime(2026, 11, 30, 14, 5, tzinfo=UTC)).sent == 0
    assert len(slack.fake.successful("files.completeUploadExternal")) == 1


def test_dst_week_fires_at_nine_local(slack: SlackDriver) -> None:
    """New York leaves daylight time on Sunday 1 Nov 2026: Monday 26 Oct 09:00 is 13:00 UTC, 2 Nov is 14:00."""
    seed(slack.deps.engine)
    subscription(slack.deps.engine)
    assert slack.tick(datetime(2026, 10, 26, 12, 59, tzinfo=UTC)).sent == 0
    assert slack.tick(datetime(2026, 10, 26, 13, 0, tzinfo=UTC)).sent == 1
    assert slack.tick(datetime(2026, 11, 2, 13, 0, tzinfo=UTC)).sent == 0  # 08:00 EST
    assert slack.tick(datetime(2026, 11, 2, 14, 0, tzinfo=UTC)).sent == 1
    assert len(slack.fake.successful("files.completeUploadExternal")) == 2


def test_after_downtime_only_occurrences_inside_the_grace_window_are_sent(slack: SlackDriver) -> None:
    seed(slack.deps.engine)
    sub_id = subscription(slack.deps.engine)
    report = slack.tick(datetime(2026, 11, 30, 21, 0, tzinfo=UTC))  # 7 h late, past the 6 h grace
    assert (report.sent, report.skipped) == (0, 1)
    assert slack.fake.uploads() == []
    with Session(slack.deps.engine) as session:
        row = session.exec(select(Delivery).where(Delivery.schedule_id == sub_id)).one()
    assert (row.status, row.last_error) == ("skipped", "past the grace window")
    assert slack.tick(datetime(2026, 11, 30, 22, 0, tzinfo=UTC)).skipped == 0  # logged once


def test_a_permanent_failure_is_marked_and_the_subscriber_told_once(slack: SlackDriver) -> None:
    seed(slack.deps.engine)
    sub_id = subscription(slack.deps.engine, channel="C0ARCHIVED")
    slack.fake.fail_next("files.completeUploadExternal", Fault(error="is_archived"))
    assert slack.tick(AT).failed == 1
    assert slack.tick(AFTER).failed == 0
    with Session(slack.deps.engine) as session:
        row = session.exec(select(Delivery).where(Delivery.schedule_id == sub_id)).one()
    assert (row.status, row.last_error) == ("failed", "is_archived")
    dms = [c.args for c in slack.fake.calls_to("chat.postMessage")]
    assert len(dms) == 1 and "is_archived" in dms[0]["text"] and "C0ARCHIVED" in dms[0]["text"]


def test_chinese_subscribe_list_unsubscribe_and_reps_refused(slack: SlackDriver) -> None:
    seed(slack.deps.engine)
    slack.fake.add_user("UZHANG", "张三", locale="zh-CN")
    refused = ack_text(slack.command("/digest", "订阅 #sales", user="UZHANG"))
    assert "只有经理" in refused
    slack.command("/digest", "订阅 <#C0ZH|销售> 每周五 17:30 Asia/Shanghai", user="UMANAGER")
    zh = slack.last_response_text()
    assert "已为 <#C0ZH> 订阅每周简报：周五 17:30（Asia/Shanghai）" in zh
    listing = ack_text(slack.command("/digest", "list", user="UMANAGER"))
    assert "<#C0ZH>" in listing
    sub_id = listing.split("*")[1]
    gone = ack_text(slack.command("/digest", f"unsubscribe {sub_id}", user="UMANAGER"))
    assert "Unsubscribed" in gone
    with Session(slack.deps.engine) as session:
        assert session.exec(select(DigestSubscription).where(DigestSubscription.active.is_(True))).all() == []


def test_preview_shows_the_digest_to_the_asker_only(slack: SlackDriver) -> None:
    seed(slack.deps.engine)
    ack = slack.command("/digest", "preview", user="UMANAGER")
    assert "Building the digest preview" in ack_text(ack)
    (preview,) = slack.responses()
    assert preview.get("response_type") == "ephemeral" and "*Sales week" in message_text(preview)
    uploads = slack.fake.uploads()
    assert len(uploads) == 3 and {u["channel_id"] for u in uploads} == {"DMANAGER"}
    assert slack.fake.calls_to("chat.postMessage") == []  # nothing in any channel
    assert TEAM == slack.team_id


def test_chinese_phrasing_of_a_monthly_review_and_its_preview_by_channel(slack: SlackDriver) -> None:
    seed(slack.deps.engine)
    slack.command("/digest", "订阅 <#C0ZH|销售> 每月第一个周一 上午9点 Asia/Shanghai", user="UMANAGER")
    assert "已为 <#C0ZH> 订阅每月简报：每月第一个周一 09:00（Asia/Shanghai）" in slack.last_response_text()
    slack.command("/digest", "preview <#C0ZH|销售>", user="UMANAGER")
    (_subscribed, preview) = slack.responses()
    text = message_text(preview)
    assert text.startswith("*月度回顾 · ") and "Asia/Shanghai" in text and "去年同期" in text
    assert [b["type"] for b in preview["blocks"]] == ["section", "section", "context"]
    (upload, *_rest) = slack.fake.uploads()
    assert upload["channel_id"] == "DMANAGER" and upload["initial_comment"] in text


def test_a_channel_name_slack_did_not_link_is_looked_up_or_explained(slack: SlackDriver) -> None:
    slack.command("/digest", "subscribe #nowhere weekly", user="UMANAGER")
    reply = slack.last_response_text()
    assert "I could not find the channel #nowhere" in reply
    assert slack.fake.calls_to("conversations.list")
    listing = ack_text(slack.command("/digest", "list", user="UMANAGER"))
    assert "No digest subscriptions yet" in listing


def test_a_subscription_made_after_nine_waits_for_next_week(slack: SlackDriver) -> None:
    seed(slack.deps.engine)
    subscription(slack.deps.engine, created=datetime(2026, 11, 30, 14, 30, tzinfo=UTC))
    assert slack.tick(datetime(2026, 11, 30, 15, 0, tzinfo=UTC)).sent == 0
    assert slack.tick(datetime(2026, 12, 7, 14, 0, tzinfo=UTC)).sent == 1
    (comment,) = {u["initial_comment"] for u in slack.fake.uploads()}
    assert comment.startswith("*Sales week 49 · 30 Nov – 6 Dec 2026*")


def test_an_empty_workspace_gets_the_checklist_once_then_no_weekly_digest_until_there_is_data(
        slack: SlackDriver, caplog) -> None:  # type: ignore[no-untyped-def]
    """Day one: a manager subscribes #sales before importing anything. The first Monday the channel gets the
    getting-started checklist (what to do so the digest has figures), not three empty charts; the Mondays after,
    nothing is posted (each skip logged once, in the ledger as skipped) until deal data exists; then the digest."""
    import logging

    from db.models import Deal, Member

    slack.fake.add_user("UMANAGER", "Maria Lopez")
    slack.command("/digest", "subscribe <#C0SALES|sales> weekly on monday at 09:00", user="UMANAGER")
    _age(slack)
    assert slack.tick(AT).sent == 1
    assert slack.fake.uploads() == []  # no empty charts
    first = [message_text(c.args) for c in slack.fake.successful("chat.postMessage")
             if c.args.get("channel") == "C0SALES"]
    assert len(first) == 1 and "Getting started: 1 of 4 steps done" in first[0]
    assert "There is no sales data in this workspace yet" in first[0]
    assert "salesbot import deals export.csv" in first[0]  # the line to run
    assert "weekly digest starts here the first week there is deal data" in first[0]

    next_monday = datetime(2026, 12, 7, 14, 0, tzinfo=UTC)
    with caplog.at_level(logging.INFO):
        report = slack.tick(next_monday)
        assert (report.sent, report.skipped) == (0, 1)
        assert slack.tick(next_monday).skipped == 0  # logged once
    assert sum("no deal data yet" in r.getMessage() for r in caplog.records) == 1
    with Session(slack.deps.engine) as session:
        statuses = sorted(d.status for d in session.exec(select(Delivery)))
    assert statuses == ["sent", "skipped"]
    assert len(slack.fake.successful("chat.postMessage")) == 1 and slack.fake.uploads() == []

    with Session(slack.deps.engine) as session:  # the first import
        owner = Member(team_id=slack.team_id, display_name="Alice Chen", crm_name="Alice Chen")
        session.add(owner)
        session.flush()
        session.add(Deal(team_id=slack.team_id, external_id="D1", name="", owner_id=owner.id, account="Isdom",
                         stage="won", status="won", amount_cents=120_000, currency="USD",
                         created_date=datetime(2026, 11, 1).date(), close_date=datetime(2026, 12, 8).date()))
        session.commit()
    assert slack.tick(datetime(2026, 12, 14, 14, 0, tzinfo=UTC)).sent == 1
    uploads = slack.fake.uploads()
    assert len(uploads) == 3 and uploads[0]["initial_comment"].startswith("*Sales week 50")
