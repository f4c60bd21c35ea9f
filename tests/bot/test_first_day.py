"""A real team's first day, in the README's order, through the real entry points and the fake Slack.

`salesbot run` with tokens on an empty database (no demo) → the first slash command → `salesbot import deals`
from the shell (its workspace from auth.test) → `/kpi revenue last quarter` shows the imported figures.
And the other order: import before any Slack contact → the first Slack workspace adopts the rows.
"""

import os
import re
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest
import requests
from sqlalchemy import func, select
from sqlmodel import Session, SQLModel

from bot.cli import main
from bot.local_slack import LocalSlack
from bot.signing import event_body, signed_headers, slash_command_body
from db import clock
from db.engine import get_engine
from db.models import Deal, Workspace
from db.workspaces import DEMO_TEAM_ID, LOCAL_TEAM
from tests.conftest import PINNED_NOW
from tests.processes import clock_env
from tests.slack_driver import SlackDriver, message_text

SECRET = "first-day-signing-secret"
# Q3 2026 is "last quarter" on the pinned day (26 Nov 2026): won 10,000 + 2,500; one lost; one open.
DEALS = ("Opportunity ID,Opportunity Owner,Stage,Amount,Created Date,Close Date,Account Name\n"
         "006A1,Maria Lopez,Closed Won,10000,2026-06-02,2026-07-15,Isdom\n"
         "006A2,Darcel Schlecht,Closed Won,2500,2026-07-01,2026-09-30,Rantouch\n"
         "006A3,Darcel Schlecht,Closed Lost,4000,2026-07-03,2026-08-20,Kan-code\n"
         "006A4,Zhang San,Prospecting,7000,2026-09-01,,Codehow\n")


@pytest.fixture
def export(tmp_path: Path) -> Path:
    path = tmp_path / "export.csv"
    path.write_text(DEALS)
    return path


@contextmanager
def _salesbot_run(db_url: str, fake_slack: LocalSlack, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """`salesbot run` (what `make run` does) with tokens set: (base URL, its output until it listens)."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path), "DATABASE_URL": db_url,
           "SLACK_BOT_TOKEN": "xoxb-first-day", "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": fake_slack.api_url,
           "SALESBOT_MANAGERS": "UMANAGER", "SALESBOT_TIMEZONE": "America/New_York",
           "SALESBOT_NOW": PINNED_NOW.isoformat(), **clock_env()}
    proc = subprocess.Popen([sys.executable, "-m", "bot.cli", "run", "--host", "127.0.0.1", "--port", "0",
                             "--no-scheduler"], env=env, cwd=tmp_path, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    lines: list[str] = []
    try:
        port = None
        while port is None:
            line = proc.stdout.readline()  # type: ignore[union-attr]
            if not line:
                break
            lines.append(line)
            found = re.search(r"listening on http://127\.0\.0\.1:(\d+)/slack/events", line)
            port = int(found.group(1)) if found else None
        assert port, "".join(lines)
        yield f"http://127.0.0.1:{port}", "".join(lines)
    finally:
        proc.terminate()
        proc.communicate(timeout=20)


@pytest.fixture
def served(db_url: str, fake_slack: LocalSlack, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """`salesbot run` with tokens set, on the empty database."""
    with _salesbot_run(db_url, fake_slack, tmp_path) as running:
        yield running


def _command(base: str, fake: LocalSlack, command: str, text: str, *, user: str, replies: int = 1) -> str:
    """Send a signed slash command as Slack would; the text of every reply it caused (ack + response_url)."""
    before = len(fake.calls_to("response_url"))
    body = slash_command_body(command=command, text=text, user_id=user, team_id=fake.team_id,
                              response_url=fake.new_response_url(), channel_id="C0GENERAL",
                              trigger_id=f"{uuid.uuid4().hex}.first-day")
    answer = requests.post(base + "/slack/events", data=body.encode(), timeout=10,
                           headers=signed_headers(SECRET, body, content_type="application/x-www-form-urlencoded"))
    assert answer.status_code == 200
    texts = [message_text(answer.json())] if answer.text.strip() else []
    if not texts:
        fake.wait_for("response_url", before + replies, timeout=30)
    return "\n".join(texts + [message_text(c.args) for c in fake.calls_to("response_url")[before:]])


def _deals_per_team(db_url: str) -> dict[str, int]:
    with Session(get_engine(db_url)) as session:
        return dict(session.exec(select(Deal.team_id, func.count()).group_by(Deal.team_id)).all())


def test_tokens_then_slack_then_shell_import_then_kpi_shows_the_imported_figures(
        served: tuple[str, str], fake_slack: LocalSlack, db_url: str, export: Path, shell_env: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture) -> None:
    base, output = served
    assert "not loading the demo" in output and "demo data loaded" not in output
    assert "Slack workspace T0001 (Local Sales), bot user UBOT" in output
    fake_slack.add_user("UMANAGER", "Maria Lopez", tz="America/New_York", email="maria@example.com")

    first = _command(base, fake_slack, "/kpi", "revenue last quarter", user="UMANAGER")  # the first slash command
    assert "Getting started: 0 of 4 steps done" in first and "`salesbot import deals export.csv`" in first
    with Session(get_engine(db_url)) as session:
        teams = {w.team_id: w for w in session.exec(select(Workspace)).scalars()}
    assert list(teams) == ["T0001"] and teams["T0001"].timezone == "America/New_York"
    assert DEMO_TEAM_ID not in teams

    shell_env.setenv("SLACK_BOT_TOKEN", "xoxb-first-day")
    shell_env.setenv("SLACK_API_URL", fake_slack.api_url)
    assert main(["import", "deals", str(export)]) == 0
    assert "workspace T0001" in capsys.readouterr().out
    assert _deals_per_team(db_url) == {"T0001": 4}

    reply = _command(base, fake_slack, "/kpi", "revenue last quarter", user="UMANAGER")
    assert "Revenue · Team · Q3 2026 (1 Jul – 30 Sep)" in reply
    assert "US$12,500.00" in reply and "Won 2 deals" in reply


def test_an_import_before_any_slack_contact_is_adopted_by_the_first_workspace(
        slack: SlackDriver, db_url: str, export: Path, shell_env: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture) -> None:
    shell_env.setenv("SALESBOT_LANGUAGE", "zh")
    shell_env.setenv("SALESBOT_TIMEZONE", "Asia/Shanghai")
    assert main(["import", "deals", str(export)]) == 0  # no token: the local workspace
    assert "workspace TLOCAL" in capsys.readouterr().out
    assert _deals_per_team(db_url) == {LOCAL_TEAM: 4}

    slack.fake.add_user("UMANAGER", "Maria Lopez", locale="zh-CN")
    slack.command("/kpi", "revenue last quarter", user="UMANAGER")
    replies = "\n".join(message_text(r) for r in slack.responses())
    assert "连接 Slack 之前导入的数据现已归入本工作区：4 个商机、3 位成员" in replies
    assert "US$12,500.00" in replies
    assert _deals_per_team(db_url) == {"T0001": 4}
    with Session(get_engine(db_url)) as session:
        ws = session.get(Workspace, "T0001")
        assert ws is not None and (ws.timezone, ws.language) == ("Asia/Shanghai", "zh")
        assert session.get(Workspace, LOCAL_TEAM) is None
        for table in SQLModel.metadata.sorted_tables:
            if "team_id" in table.c:
                left = session.exec(select(func.count()).select_from(table).where(table.c.team_id == LOCAL_TEAM))
                assert left.scalar() == 0, table.name

    slack.command("/kpi", "revenue last quarter", user="UMANAGER")  # said once, not on every request
    assert sum("连接 Slack 之前" in message_text(r) for r in slack.responses()) == 1


def test_a_server_started_after_a_local_import_adopts_it_before_the_first_request(
        db_url: str, fake_slack: LocalSlack, tmp_path: Path, export: Path, shell_env: pytest.MonkeyPatch) -> None:
    assert main(["import", "deals", str(export)]) == 0  # no token yet: TLOCAL
    with _salesbot_run(db_url, fake_slack, tmp_path) as (base, output):
        assert "workspace T0001 adopted the local workspace's data: 4 deals, 3 people" in output
        assert "demo" not in output.replace("not loading the demo", "")
        assert _deals_per_team(db_url) == {"T0001": 4}  # before any request: no ack waits for the move
        fake_slack.add_user("UMANAGER", "Maria Lopez", tz="America/New_York")
        reply = _command(base, fake_slack, "/kpi", "revenue last quarter", user="UMANAGER", replies=2)
        assert "This workspace now holds the data imported before Slack was connected: 4 deals" in reply
        assert "US$12,500.00" in reply
        again = _command(base, fake_slack, "/kpi", "revenue last quarter", user="UMANAGER")
        assert "imported before Slack" not in again


def test_a_first_direct_message_hears_about_the_adoption_in_english(
        slack: SlackDriver, export: Path, shell_env: pytest.MonkeyPatch) -> None:
    assert main(["import", "deals", str(export)]) == 0
    slack.fake.add_user("UREP", "Darcel Schlecht", locale="en-US")
    body = event_body(event={"type": "message", "channel": "DREP", "channel_type": "im", "user": "UREP",
                             "text": "hello", "ts": "1.000001"}, team_id="T0001", event_id="Ev0FIRST01")
    assert slack.post(body, "application/json").status_code == 200
    slack.wait_idle()
    notes = [c.args for c in slack.fake.calls_to("chat.postMessage")
             if "imported before Slack was connected" in message_text(c.args)]
    assert len(notes) == 1 and notes[0]["channel"] == "UREP"
    assert "4 deals, 3 people" in message_text(notes[0])


def test_a_digest_subscribed_in_shanghai_arrives_at_nine_shanghai_time(
        db_url: str, fake_slack: LocalSlack, tmp_path: Path, export: Path, shell_env: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture) -> None:
    with SlackDriver(fake_slack, db_url, files_dir=tmp_path / "files", salesbot_timezone="Asia/Shanghai") as slack:
        slack.command("/digest", "subscribe <#C0SALES|sales> weekly on monday at 09:00", user="UMANAGER")
    shell_env.setenv("SLACK_BOT_TOKEN", "xoxb-first-day")
    shell_env.setenv("SLACK_API_URL", fake_slack.api_url)
    assert main(["import", "deals", str(export)]) == 0
    # Monday 30 Nov 2026, 09:00 in Shanghai is 01:00 UTC; cron runs `salesbot tick` every minute
    clock.set_now(datetime(2026, 11, 30, 0, 59, tzinfo=UTC), frozen=True)
    capsys.readouterr()
    assert main(["tick"]) == 0
    assert "sent 0" in capsys.readouterr().out and fake_slack.uploads() == []
    clock.set_now(datetime(2026, 11, 30, 1, 0, tzinfo=UTC), frozen=True)
    assert main(["tick"]) == 0
    assert "for workspace T0001: sent 1" in capsys.readouterr().out
    posts = fake_slack.successful("files.completeUploadExternal")
    assert len(posts) == 1 and posts[0].args["channel_id"] == "C0SALES"
    assert "Open pipeline today by stage: Prospecting 1 (US$7K)" in posts[0].args["initial_comment"]
    clock.set_now(datetime(2026, 11, 30, 1, 1, tzinfo=UTC), frozen=True)
    assert main(["tick"]) == 0
    assert len(fake_slack.successful("files.completeUploadExternal")) == 1  # exactly once
