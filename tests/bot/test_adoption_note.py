"""Issue 9's leftovers: the "this workspace now holds the data imported before Slack was connected" note is
said once by whichever instance serves the workspace's first request, never before the ack; a workspace
that is not the bot token's own does not take the local data (and is told why). Both databases."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlmodel import Session

from bot import first_contact
from bot.cli import main
from bot.local_slack import Fault, LocalSlack
from db.models import Deal
from db.workspaces import LOCAL_TEAM
from tests.bot.test_first_day import DEALS
from tests.slack_driver import SlackDriver, message_text

ROOT = Path(__file__).resolve().parents[2]
NOTE = "This workspace now holds the data imported before Slack was connected: 4 deals"


def _import_locally(tmp_path: Path) -> None:
    export = tmp_path / "export.csv"
    export.write_text(DEALS)
    assert main(["import", "deals", str(export)]) == 0  # no token: the local workspace


def _notes(fake: LocalSlack) -> list[str]:
    texts = [message_text(c.args) for c in fake.calls_to("response_url") + fake.calls_to("chat.postMessage")]
    return [t for t in texts if "imported before Slack was connected" in t]


def _deals(engine, team: str) -> int:  # type: ignore[no-untyped-def]
    with Session(engine) as session:
        return int(session.exec(select(func.count()).select_from(Deal).where(Deal.team_id == team)).one()[0])


def test_the_note_of_an_adoption_at_start_is_said_once_by_whichever_instance_serves_first(
    db_url: str, fake_slack: LocalSlack, tmp_path: Path, shell_env: pytest.MonkeyPatch
) -> None:
    _import_locally(tmp_path)
    started = subprocess.run(  # another process adopts at start, as `salesbot serve` does, and ends
        [sys.executable, "-c", "import os; from bot.first_contact import adopt_before_serving; from db.engine import "
         "get_engine; print(adopt_before_serving(get_engine(os.environ['DATABASE_URL']), 'T0001'))"],
        env={**os.environ, "DATABASE_URL": db_url}, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert "Adoption(team_id='T0001'" in started.stdout, started.stderr[-2000:]
    fake_slack.add_user("UMANAGER", "Maria Lopez")
    with SlackDriver(fake_slack, db_url, files_dir=tmp_path / "a") as first, \
            SlackDriver(fake_slack, db_url, files_dir=tmp_path / "b") as second:
        first.command("/kpi", "revenue last quarter")
        second.command("/kpi", "revenue last quarter")
        first.command("/kpi", "revenue last quarter")
    notes = _notes(fake_slack)
    assert len(notes) == 1 and NOTE in notes[0]


def test_the_note_never_holds_the_ack(
    db_url: str, fake_slack: LocalSlack, tmp_path: Path, shell_env: pytest.MonkeyPatch
) -> None:
    _import_locally(tmp_path)
    fake_slack.add_user("UMANAGER", "Maria Lopez")
    with SlackDriver(fake_slack, db_url, files_dir=tmp_path / "f", salesbot_slack_timeout=3) as slack:
        slack.fake.fail_next("response_url", Fault(hang=5), Fault(hang=5))  # Slack holds the answers
        began = time.monotonic()
        ack = slack.command("/kpi", "revenue last quarter", wait=False)
        took = time.monotonic() - began
        assert ack.status_code == 200 and took < 2.5, took
        slack.wait_idle()
    assert _deals(slack.deps.engine, "T0001") == 4


def test_a_workspace_that_is_not_the_tokens_own_does_not_take_the_local_data(
    db_url: str, fake_slack: LocalSlack, tmp_path: Path, shell_env: pytest.MonkeyPatch
) -> None:
    shell_env.setitem(first_contact._SERVING, "team_id", "T0001")  # this process serves T0001 (its token's)
    _import_locally(tmp_path)
    fake_slack.add_user("UMANAGER", "Maria Lopez")
    with SlackDriver(fake_slack, db_url, files_dir=tmp_path / "f") as slack:
        slack.team_id = "T0999"
        slack.command("/kpi", "revenue last quarter")
        told = [message_text(r) for r in slack.responses()]
        assert any("stays with workspace T0001" in t and "--team T0999" in t for t in told), told
        assert _deals(slack.deps.engine, LOCAL_TEAM) == 4 and _deals(slack.deps.engine, "T0999") == 0
        slack.command("/kpi", "revenue last quarter")  # told once
        assert sum("stays with workspace" in message_text(r) for r in slack.responses()) == 1
        slack.team_id = "T0001"
        slack.command("/kpi", "revenue last quarter")
        assert _deals(slack.deps.engine, "T0001") == 4 and _deals(slack.deps.engine, LOCAL_TEAM) == 0
        assert NOTE in message_text(slack.responses()[-2]) + message_text(slack.responses()[-1])
