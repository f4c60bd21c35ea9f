"""The app in HTTP mode answers Slack's signed requests, refuses forged ones, and ignores retried events."""

import time

from sqlmodel import Session, select

from db import clock
from db.models import Member, ProcessedEvent
from tests.slack_driver import SlackDriver, message_text


def test_signed_salesbot_help_lists_every_command(slack: SlackDriver) -> None:
    response = slack.command("/salesbot", "help", user="UMANAGER")
    assert response.status_code == 200
    text = message_text(response.json())
    for command in ("/kpi", "/target", "/digest", "/checkin", "/feedback", "/salesbot link"):
        assert command in text
    assert "/kpi win rate @alice last quarter" in text


def test_help_in_chinese_for_a_chinese_locale_user(slack: SlackDriver) -> None:
    slack.fake.add_user("UZHANG", "张三", tz="Asia/Shanghai", locale="zh-CN")
    slack.command("/salesbot", "help", user="UMANAGER")
    slack.tick(clock.now())  # the scheduler reads the people directory, with each person's locale
    response = slack.command("/salesbot", "help", user="UZHANG")
    text = message_text(response.json())
    assert "salesbot 能做什么" in text and "查询任意指标" in text


def test_first_contact_stores_the_member_with_profile_and_manager_role(slack: SlackDriver) -> None:
    slack.fake.add_user("UMANAGER", "Maria Lopez", tz="America/New_York", locale="en-US", email="maria@example.com")
    slack.command("/salesbot", "help", user="UMANAGER")
    with Session(slack.deps.engine) as session:
        member = session.exec(select(Member).where(Member.slack_user_id == "UMANAGER")).one()
    assert (member.role, member.timezone, member.display_name) == ("manager", "America/New_York", "Maria Lopez")


def test_unknown_words_get_what_was_understood_and_examples(slack: SlackDriver) -> None:
    text = message_text(slack.command("/salesbot", "frobnicate now").json())
    assert '"frobnicate now"' in text and "/salesbot link" in text


def test_bad_signature_is_refused_without_side_effects(slack: SlackDriver) -> None:
    body = "command=%2Fsalesbot&text=help&user_id=UEVIL&team_id=T0001"
    response = slack.http.post(slack.url + "/slack/events", data=body, headers={
        "content-type": "application/x-www-form-urlencoded", "x-slack-request-timestamp": str(int(time.time())),
        "x-slack-signature": "v0=" + "0" * 64}, timeout=5)
    assert response.status_code == 401
    stale = slack.post(body, "application/x-www-form-urlencoded", timestamp=int(time.time()) - 3600)
    assert stale.status_code == 401
    with Session(slack.deps.engine) as session:
        assert session.exec(select(Member)).all() == []
    assert slack.fake.calls_to("users.info") == []


def test_a_retried_event_is_processed_once(slack: SlackDriver) -> None:
    event = {"type": "app_mention", "user": "UMANAGER", "text": "<@UBOT> hi", "channel": "C1", "ts": "1.0"}
    first = slack.event(event, event_id="EvRetry1")
    again = slack.event(event, event_id="EvRetry1", retry_num=1)
    assert first.status_code == 200 and again.status_code == 200
    with Session(slack.deps.engine) as session:
        assert len(session.exec(select(ProcessedEvent).where(ProcessedEvent.event_id == "EvRetry1")).all()) == 1
    assert len(slack.fake.calls_to("chat.postMessage")) == 1


def test_healthz_reports_the_database(slack: SlackDriver) -> None:
    response = slack.http.get(slack.url + "/healthz", timeout=5)
    assert response.status_code == 200 and response.json() == {"ok": True, "database": "ok"}


def test_first_requests_of_a_new_user_at_the_same_moment_create_one_member(slack: SlackDriver) -> None:
    from concurrent.futures import ThreadPoolExecutor

    slack.fake.add_user("UNEW", "New Rep", tz="Europe/London")
    with ThreadPoolExecutor(max_workers=6) as pool:
        codes = list(pool.map(lambda _: slack.command("/salesbot", "help", user="UNEW", wait=False).status_code,
                              range(6)))
    slack.wait_idle()
    assert codes == [200] * 6
    with Session(slack.deps.engine) as session:
        assert len(session.exec(select(Member).where(Member.slack_user_id == "UNEW")).all()) == 1


def test_a_command_is_acknowledged_while_every_after_ack_thread_is_busy(slack: SlackDriver) -> None:
    """Acks run in the request's own thread (bot/app.py:AckInRequestRunner): answers still being computed never
    hold up the next user's ack, and the waiting answer comes once a thread is free."""
    import threading

    release = threading.Event()
    pool = slack.app.listener_runner.listener_executor
    for _ in range(slack.settings.salesbot_after_ack_threads):
        pool.submit(release.wait, 30)
    try:
        response = slack.command("/kpi", "help", user="UMANAGER", wait=False)
        assert response.status_code == 200 and "/kpi" in message_text(response.json())  # help, in the ack
        started = time.perf_counter()
        response = slack.command("/kpi", "revenue last month", user="UMANAGER", wait=False)
        assert response.status_code == 200 and time.perf_counter() - started < 3
        assert slack.fake.calls_to("response_url") == []  # the answer waits for a free thread
    finally:
        release.set()
    slack.wait_idle()
    assert slack.fake.calls_to("response_url")  # then it is answered
