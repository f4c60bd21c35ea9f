"""Two `salesbot serve` processes on one PostgreSQL behind a load balancer share commands and answers: what one
stores the other reads, a retry that lands on the other instance is not processed again, and a user's repeat
on the other instance is recognised (issue 11)."""

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.local_slack import LocalSlack
from bot.signing import event_body, signed_headers, slash_command_body
from db.models import CheckinSchedule, Feedback
from tests.databases import PgDatabase
from tests.slack_driver import message_text

ROOT = Path(__file__).resolve().parents[2]
SECRET = "two-instances-secret"


def _start(url: str, fake: LocalSlack) -> tuple[subprocess.Popen, str]:
    env = {**os.environ, "DATABASE_URL": url, "SLACK_BOT_TOKEN": "xoxb-two", "SLACK_SIGNING_SECRET": SECRET,
           "SLACK_API_URL": fake.api_url, "SALESBOT_MANAGERS": "UMANAGER",
           "SALESBOT_ANSWER_PROCESSES": "0"}  # answers in threads (the default's processes: test_answer_processes.py)
    proc = subprocess.Popen([sys.executable, "-m", "bot.cli", "serve", "--host", "127.0.0.1", "--port", "0",
                             "--no-scheduler"], env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True)
    deadline, lines = time.time() + 90, []
    while time.time() < deadline:
        line = proc.stdout.readline()  # type: ignore[union-attr]
        lines.append(line)
        found = re.search(r"listening on http://127\.0\.0\.1:(\d+)/slack/events", line)
        if found:
            return proc, f"http://127.0.0.1:{found.group(1)}/slack/events"
        if not line and proc.poll() is not None:
            break
    proc.kill()
    raise AssertionError("".join(lines))


@pytest.fixture
def pg_engine(pg_database: PgDatabase) -> Engine:
    return pg_database.fresh_engine()


@pytest.fixture
def instances(pg_engine: Engine, pg_database: PgDatabase, fake_slack: LocalSlack) -> Iterator[list[str]]:
    started = [_start(pg_database.url, fake_slack) for _ in range(2)]
    try:
        yield [url for _, url in started]
    finally:
        for proc, _ in started:
            proc.terminate()
            proc.communicate(timeout=20)


def _post(url: str, body: str, content_type: str, **headers: str) -> requests.Response:
    signed = signed_headers(SECRET, body, content_type=content_type)
    return requests.post(url, data=body.encode(), headers={**signed, **headers}, timeout=15)


def _command(url: str, fake: LocalSlack, command: str, text: str, *, user: str, trigger: str) -> requests.Response:
    body = slash_command_body(command=command, text=text, user_id=user, team_id=fake.team_id,
                              response_url=fake.new_response_url(), trigger_id=trigger)
    return _post(url, body, "application/x-www-form-urlencoded")


def _answers(fake: LocalSlack, count: int) -> list[str]:
    deadline = time.time() + 30
    while time.time() < deadline and len(fake.delivered("response_url")) < count:
        time.sleep(0.05)
    return [message_text(c.args) for c in fake.delivered("response_url")]


def test_two_serve_instances_share_commands_and_answers(
    instances: list[str], fake_slack: LocalSlack, pg_engine: Engine
) -> None:
    a, b = instances
    fake_slack.add_user("UMANAGER", "Maria Lopez")
    fake_slack.add_user("UALICE", "Alice Chen")
    # A schedule made through A is listed by B.
    assert _command(a, fake_slack, "/checkin", "schedule <@UALICE> weekly on friday at 16:00", user="UMANAGER",
                    trigger="t.1").status_code == 200
    _answers(fake_slack, 1)
    assert _command(b, fake_slack, "/checkin", "list", user="UMANAGER", trigger="t.2").status_code == 200
    assert "Alice" in _answers(fake_slack, 2)[-1]
    # The same request retried by Slack onto the other instance is not processed again.
    assert _command(b, fake_slack, "/checkin", "schedule <@UALICE> weekly on friday at 16:00", user="UMANAGER",
                    trigger="t.1").status_code == 200
    # The manager's own repeat (a new trigger) on the other instance is recognised.
    _command(b, fake_slack, "/feedback", "Cancity 4 good call", user="UMANAGER", trigger="t.3")
    _command(a, fake_slack, "/feedback", "Cancity 4 good call", user="UMANAGER", trigger="t.4")
    answers = _answers(fake_slack, 4)
    assert "You sent the same feedback" in answers[-1] or "You sent the same feedback" in answers[-2]
    # An event delivered to both instances (a retry after a timeout) is handled once.
    event = {"type": "app_mention", "user": "UMANAGER", "text": "<@UBOT> help", "channel": "C1", "ts": "1.0"}
    body = event_body(event=event, team_id=fake_slack.team_id, event_id="EvBoth1")
    assert _post(a, body, "application/json").status_code == 200
    assert _post(b, body, "application/json", **{"x-slack-retry-num": "1"}).status_code == 200
    time.sleep(1)
    assert len(fake_slack.posted("C1")) == 1
    with Session(pg_engine) as session:
        assert len(session.exec(select(CheckinSchedule)).all()) == 1
        assert len(session.exec(select(Feedback)).all()) == 1
    assert len(_answers(fake_slack, 4)) == 4  # the retried schedule got no second answer

