"""Slack protocol edges, end to end on both databases: what a forged, replayed, malformed or slow request does.

Each test sends what the probe sent (issue 11) and asserts what a user or operator would notice: the HTTP
status, the reply, the rows stored, the log.
"""

import logging
import time
from pathlib import Path
from urllib.parse import urlencode

import pytest
from sqlmodel import Session, select

from bot.local_slack import Fault, LocalSlack
from bot.signing import slash_command_body
from db.models import CheckinSchedule, DigestSubscription, Feedback, Member
from tests.slack_driver import SlackDriver, ack_text


@pytest.fixture
def quick_slack(fake_slack: LocalSlack, db_url: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    """The app with a 2-second Web API timeout, so a hanging Slack shows quickly."""
    with SlackDriver(fake_slack, db_url, files_dir=tmp_path / "files", salesbot_slack_timeout=2) as driver:
        yield driver


def _command_body(slack: SlackDriver, command: str, text: str, *, user: str = "UMANAGER", team: str | None = None,
                  trigger: str = "trigger.fixed") -> str:
    return slash_command_body(command=command, text=text, user_id=user, team_id=slack.team_id if team is None else team,
                              response_url=slack.fake.new_response_url(), trigger_id=trigger)


def test_a_non_numeric_timestamp_is_refused_with_401_not_a_crash(
    slack: SlackDriver, caplog: pytest.LogCaptureFixture
) -> None:
    body = _command_body(slack, "/salesbot", "help")
    for stamp in ("abc", "1e9", "", "\xb2\xb3", "-5"):
        response = slack.http.post(slack.url + "/slack/events", data=body.encode(), timeout=5, headers={
            "content-type": "application/x-www-form-urlencoded", "x-slack-request-timestamp": stamp,
            "x-slack-signature": "v0=" + "0" * 64})
        assert response.status_code == 401, stamp
    assert "Traceback" not in caplog.text and not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_the_body_of_a_forged_request_is_not_logged(slack: SlackDriver, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    body = urlencode({"command": "/feedback", "text": "SECRET-CUSTOMER-WORDS", "user_id": "UEVIL", "team_id": "T0001"})
    response = slack.http.post(slack.url + "/slack/events", data=body.encode(), timeout=5, headers={
        "content-type": "application/x-www-form-urlencoded", "x-slack-request-timestamp": str(int(time.time())),
        "x-slack-signature": "v0=" + "0" * 64})
    assert response.status_code == 401
    assert "SECRET-CUSTOMER-WORDS" not in caplog.text
    assert "invalid signature" in caplog.text  # the refusal itself is logged, with the size only


def test_nul_bytes_in_a_command_are_removed_not_a_500(slack: SlackDriver) -> None:
    slack.fake.add_user("UREP", "Rita Rep")
    response = slack.command("/feedback", "Acme\x00 Corp 5 great\x00 service", user="UREP")
    assert response.status_code == 200
    assert "Acme Corp" in slack.last_response_text()
    with Session(slack.deps.engine) as session:
        (row,) = session.exec(select(Feedback)).all()
    assert "\x00" not in row.account + row.comment and row.comment == "great service"


def test_a_nul_in_a_slack_profile_name_does_not_break_the_users_requests(slack: SlackDriver) -> None:
    slack.fake.add_user("UNUL", "Eve\x00 Null")
    for _ in range(2):
        response = slack.command("/kpi", "help", user="UNUL")
        assert response.status_code == 200 and "/kpi" in ack_text(response)
    with Session(slack.deps.engine) as session:
        member = session.exec(select(Member).where(Member.slack_user_id == "UNUL")).one()
    assert member.display_name == "Eve Null"


def test_a_request_without_a_workspace_is_answered_and_nothing_stored(slack: SlackDriver) -> None:
    body = _command_body(slack, "/feedback", "Acme 2 slow", team="")
    response = slack.post(body, "application/x-www-form-urlencoded")
    slack.wait_idle()
    assert response.status_code == 200
    assert "did not say which Slack workspace" in ack_text(response)
    with Session(slack.deps.engine) as session:
        assert session.exec(select(Feedback)).all() == [] and session.exec(select(Member)).all() == []


def test_a_replayed_checkin_schedule_with_retry_num_makes_one_schedule(slack: SlackDriver) -> None:
    slack.fake.add_user("UALICE", "Alice")
    body = _command_body(slack, "/checkin", "schedule <@UALICE> weekly on friday at 16:00", trigger="trigger.replay")
    first = slack.post(body, "application/x-www-form-urlencoded")
    again = slack.post(body, "application/x-www-form-urlencoded",
                       headers={"x-slack-retry-num": "1", "x-slack-retry-reason": "http_timeout"})
    slack.wait_idle()
    assert first.status_code == 200 and again.status_code == 200
    with Session(slack.deps.engine) as session:
        assert len(session.exec(select(CheckinSchedule)).all()) == 1
    assert len(slack.responses()) == 1  # answered once


def test_digest_subscribe_acks_at_once_when_slack_hangs_and_still_answers(quick_slack: SlackDriver) -> None:
    slack = quick_slack
    slack.fake.fail_next("conversations.info", Fault(hang=6))
    started = time.monotonic()
    response = slack.command("/digest", "subscribe <#C0SALES|sales> weekly on monday at 09:00", wait=False)
    acked = time.monotonic() - started
    assert response.status_code == 200 and acked < 1.5
    slack.wait_idle()
    assert "Subscribed <#C0SALES>" in slack.last_response_text()
    with Session(slack.deps.engine) as session:
        assert len(session.exec(select(DigestSubscription)).all()) == 1


def test_a_forged_row_id_in_a_check_in_button_or_form_is_answered_not_crashed_on(
    slack: SlackDriver, caplog: pytest.LogCaptureFixture
) -> None:
    """The probe of `salesbot serve`: a view submission whose private_metadata is not a run id ("abc", 10^20,
    5,000 digits) was a 500 with a traceback (int() / SQLite overflow); so was a button value of 10^20."""
    slack.fake.add_user("UALICE", "Alice")
    for meta in ("abc", "99999999999999999999", "9" * 5000, "-1", "\u0661\u0662"):
        response = slack.interact({
            "type": "view_submission", "user": {"id": "UALICE", "team_id": slack.team_id},
            "view": {"id": "V1", "type": "modal", "callback_id": "checkin_form_submit", "private_metadata": meta,
                     "state": {"values": {}}},
        })
        assert response.status_code == 200, (meta, response.text[:200])
        assert response.json()["response_action"] == "errors"  # "this check-in is not yours", in the form
        slack.click("checkin_form", meta, user="UALICE")
    assert len(slack.fake.posted("DALICE")) == 5  # each button press answered in the DM
    assert "Traceback" not in caplog.text and not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_a_100k_character_salesbot_command_is_not_parsed_with_quotes_before_the_ack(
    slack: SlackDriver, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The probe of `salesbot serve`: a 100,000-character `/salesbot` line took 2.5-3 s to ack (shlex over all of
    it, before the ack, twice); now a line longer than any verb is split on spaces only, and answered."""
    import shlex

    from handlers import admin

    lengths: list[int] = []
    real = shlex.split
    monkeypatch.setattr(admin.shlex, "split", lambda text, *a, **k: lengths.append(len(text)) or real(text, *a, **k))
    ack = slack.command("/salesbot", 'link "' + "x" * 100_000)
    assert ack.status_code == 200 and "but not" in ack_text(ack) and "Try: `/salesbot help`" in ack_text(ack)
    assert len(ack_text(ack)) < 5_000 and max(lengths, default=0) <= admin.SPLIT_LIMIT
    slack.command("/salesbot", 'link "Darcel Schlecht" <@UMANAGER>')  # quotes still honoured where they matter
    assert max(lengths) < 100
