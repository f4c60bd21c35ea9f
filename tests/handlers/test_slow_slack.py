"""A slow or failing Slack on the main outbound paths: every message arrives exactly once, and nobody is asked
to repeat work that may already be done (issue 11). On SQLite and PostgreSQL.

The fake Slack's faults: 429 + Retry-After and 500 (Slack did not act: retried), `hang` (Slack acted, the
answer came after the client's timeout) and `drop` (Slack acted, the connection closed without an answer).
What the user would notice is asserted: the messages that exist in Slack (`fake.posted`), the answers that
reached the response_url (`fake.delivered`), the rows stored.
"""

import json
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import Session, select

from bot.local_slack import Fault, LocalSlack
from db import clock
from db.models import CheckinSchedule, Delivery, Feedback
from tests.digest_data import seed as seed_digest
from tests.digest_data import subscription
from tests.handlers.test_digest import AT
from tests.handlers.test_feedback import seed as seed_feedback
from tests.slack_driver import SlackDriver, message_text

FAULTS = {
    "429": Fault(429, retry_after=1),
    "500": Fault(500, retry_after=None),
    "hang": Fault(hang=3),
    "drop": Fault(drop=True),
}


@pytest.fixture
def quick_slack(fake_slack: LocalSlack, db_url: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    """The app with a 2-second Web API timeout, so 'hang' is past it."""
    with SlackDriver(fake_slack, db_url, files_dir=tmp_path / "files", salesbot_slack_timeout=2) as driver:
        yield driver


@pytest.mark.parametrize("fault", FAULTS, ids=list(FAULTS))
def test_the_answer_through_response_url_arrives_once(quick_slack: SlackDriver, fault: str) -> None:
    slack = quick_slack
    slack.fake.fail_next("response_url", FAULTS[fault])
    slack.command("/target", "list", user="UMANAGER")
    answers = slack.fake.delivered("response_url")
    assert len(answers) == 1, [c.args for c in slack.fake.calls_to("response_url")]


def _digest_due_with(slack: SlackDriver, method: str, fault: str) -> None:
    seed_digest(slack.deps.engine)
    subscription(slack.deps.engine, channel="C0SALES")
    slack.fake.fail_next(method, FAULTS[fault])


@pytest.mark.parametrize("fault", FAULTS, ids=list(FAULTS))
def test_a_digest_is_posted_once_whatever_slack_does_to_the_post(quick_slack: SlackDriver, fault: str) -> None:
    slack = quick_slack
    _digest_due_with(slack, "files.completeUploadExternal", fault)
    first = slack.tick(AT)
    later = slack.tick(AT + timedelta(minutes=5))
    assert first.sent + later.sent == 1 and first.failed + later.failed == 0
    posts = slack.fake.posted("C0SALES")
    assert len(posts) == 1 and len(posts[0]["files"]) == 3 and posts[0]["text"].startswith("*Sales week")
    with Session(slack.deps.engine) as session:
        assert [r.status for r in session.exec(select(Delivery))] == ["sent"]
    assert slack.fake.posted("DMANAGER") == []  # the manager is not told it failed: it did not


@pytest.mark.parametrize("fault", FAULTS, ids=list(FAULTS))
def test_a_digest_chart_upload_failing_still_posts_once(quick_slack: SlackDriver, fault: str) -> None:
    slack = quick_slack
    _digest_due_with(slack, "upload", fault)
    slack.tick(AT)
    slack.tick(AT + timedelta(minutes=5))
    posts = slack.fake.posted("C0SALES")
    assert len(posts) == 1 and len(posts[0]["files"]) == 3


@pytest.mark.parametrize("fault", FAULTS, ids=list(FAULTS))
def test_a_bad_feedback_alert_reaches_the_manager_once_and_the_rep_is_never_asked_to_retry(
    quick_slack: SlackDriver, fault: str
) -> None:
    slack = quick_slack
    seed_feedback(slack)
    slack.fake.fail_next("chat.postMessage", FAULTS[fault])
    slack.command("/feedback", "Cancity 1 nothing works", user="UALICE")
    reply = slack.last_response_text()
    assert "try again" not in reply.lower() and "Feedback logged" in reply
    slack.command("/feedback", "Cancity 1 nothing works", user="UALICE")  # the rep sends it again anyway
    assert "You sent the same feedback" in slack.last_response_text()
    slack.tick(clock.now() + timedelta(minutes=5))
    with Session(slack.deps.engine) as session:
        assert len(session.exec(select(Feedback)).all()) == 1
    alerts = slack.fake.posted("DMANAGER")
    assert len(alerts) == 1 and "Cancity" in message_text(alerts[0])


def test_the_same_feedback_after_the_window_is_a_new_item(slack: SlackDriver) -> None:
    seed_feedback(slack)
    slack.command("/feedback", "Cancity 2 late again", user="UALICE")
    slack.command("/feedback", "cancity 2   LATE again", user="UALICE")  # the same, typed differently
    assert "You sent the same feedback" in slack.last_response_text()
    clock.advance(timedelta(minutes=3))
    slack.command("/feedback", "Cancity 2 late again", user="UALICE")
    assert "Feedback logged" in slack.last_response_text()
    with Session(slack.deps.engine) as session:
        assert len(session.exec(select(Feedback)).all()) == 2


def test_a_checkin_schedule_sent_twice_by_the_manager_is_made_once(slack: SlackDriver) -> None:
    slack.fake.add_user("UALICE", "Alice")
    slack.command("/checkin", "schedule <@UALICE> weekly on friday at 16:00")
    slack.command("/checkin", "schedule <@UALICE> weekly on friday at 16:00")
    assert "You sent the same /checkin schedule" in slack.last_response_text()
    with Session(slack.deps.engine) as session:
        assert len(session.exec(select(CheckinSchedule)).all()) == 1


@pytest.mark.parametrize("fault", ["drop", "hang"])
def test_a_lost_post_is_found_behind_thousands_of_newer_messages(quick_slack: SlackDriver, fault: str) -> None:
    """The look before a retry reads everything since the first attempt: 2,500 newer messages (more than the
    2,000 the look used to read) cannot hide the digest, so it is not posted again."""
    slack = quick_slack
    _digest_due_with(slack, "files.completeUploadExternal", fault)
    assert slack.tick(AT).retrying == 1 and len(slack.fake.posted("C0SALES")) == 1  # posted; the answer lost
    slack.fake.add_messages("C0SALES", 2_500)
    assert slack.tick(AT + timedelta(minutes=5)).sent == 1
    digests = [m for m in slack.fake.posted("C0SALES") if m.get("files")]
    assert len(digests) == 1 and len(slack.fake.posted("C0SALES")) == 2_501
    looks = slack.fake.calls_to("conversations.history")
    assert len(looks) >= 13  # every page of the 2,500, not the newest 2,000
    assert all(float(c.args["oldest"]) <= float(digests[0]["ts"]) for c in looks)
    with Session(slack.deps.engine) as session:
        assert [r.status for r in session.exec(select(Delivery))] == ["sent"]


def _csv_shares(slack: SlackDriver) -> list[dict]:
    return [m for m in slack.fake.posted() if any(str(f.get("name")).endswith(".csv") for f in m.get("files") or [])]


def _no_traceback(caplog: pytest.LogCaptureFixture) -> None:
    assert "Traceback" not in caplog.text and not [r for r in caplog.records if r.exc_info], caplog.text[-2000:]


@pytest.mark.parametrize("method", ["files.completeUploadExternal", "upload"])
@pytest.mark.parametrize("fault", FAULTS, ids=list(FAULTS))
def test_a_kpi_export_reaches_the_dm_at_most_once_and_the_answer_says_when_it_may_not_have(
    quick_slack: SlackDriver, caplog: pytest.LogCaptureFixture, fault: str, method: str
) -> None:
    slack = quick_slack
    seed_digest(slack.deps.engine)
    slack.fake.fail_next(method, FAULTS[fault])
    slack.command("/kpi", "revenue by rep this month export")
    reply = slack.last_response_text()
    assert "Revenue" in reply and "try again" not in reply.lower()  # the answer itself always comes
    _no_traceback(caplog)
    shares = _csv_shares(slack)
    if method == "upload" and FAULTS[fault].acted:  # the file never got shared, and nobody can know that
        assert shares == [] and "Slack did not confirm" in reply and "look before asking again" in reply
    else:  # refused, then sent; or shared though the answer was lost (found by looking, not sent again)
        assert len(shares) == 1 and "Slack did not confirm" not in reply and "could not put" not in reply
        assert len(slack.fake.delivered("files.completeUploadExternal")) == 1


def test_a_kpi_export_slack_keeps_refusing_says_nothing_was_sent(
    quick_slack: SlackDriver, caplog: pytest.LogCaptureFixture
) -> None:
    slack = quick_slack
    seed_digest(slack.deps.engine)
    slack.fake.fail_next("files.completeUploadExternal", *[Fault(error="internal_error")] * 2)
    slack.command("/kpi", "revenue by rep this month export")
    reply = slack.last_response_text()
    assert "I could not put" in reply and "internal_error" in reply and "Ask again with the same words" in reply
    assert _csv_shares(slack) == []
    _no_traceback(caplog)


@pytest.mark.parametrize("fault", FAULTS, ids=list(FAULTS))
def test_the_checkin_setup_form_opens_or_the_manager_is_told(
    quick_slack: SlackDriver, caplog: pytest.LogCaptureFixture, fault: str
) -> None:
    slack = quick_slack
    slack.fake.fail_next("views.open", FAULTS[fault])
    slack.command("/checkin", "setup")
    opened = slack.fake.delivered("views.open")
    assert len(opened) == 1  # shown once: a retry only after Slack said no
    answers = [message_text(r) for r in slack.responses()]
    if FAULTS[fault].acted:
        assert any("Slack did not confirm that the check-in setup form opened" in a for a in answers), answers
    else:
        assert answers == []  # it opened; nothing to say
    _no_traceback(caplog)


def test_the_checkin_setup_form_refused_by_slack_says_what_to_do(
    quick_slack: SlackDriver, caplog: pytest.LogCaptureFixture
) -> None:
    slack = quick_slack
    slack.fake.fail_next("views.open", Fault(error="expired_trigger_id"))
    slack.command("/checkin", "setup")
    answer = slack.last_response_text()
    assert "could not open the check-in setup form" in answer and "expired_trigger_id" in answer
    assert "/checkin schedule @rep weekly on friday at 16:00" in answer
    _no_traceback(caplog)


@pytest.mark.parametrize("fault", FAULTS, ids=list(FAULTS))
def test_the_home_tab_shows_one_page_whatever_slack_does(
    quick_slack: SlackDriver, caplog: pytest.LogCaptureFixture, fault: str
) -> None:
    slack = quick_slack
    seed_digest(slack.deps.engine)
    slack.fake.fail_next("views.publish", FAULTS[fault])
    slack.event({"type": "app_home_opened", "user": "UMANAGER", "tab": "home", "channel": "DMANAGER"})
    published = slack.fake.delivered("views.publish")
    assert 1 <= len(published) <= 2  # a dropped answer is published again: the same page replaces itself
    views = [c.args["view"] if isinstance(c.args["view"], dict) else json.loads(c.args["view"]) for c in published]
    pages = {message_text({"blocks": v["blocks"]}) for v in views}
    assert len(pages) == 1 and "Your numbers" in pages.pop()
    _no_traceback(caplog)
