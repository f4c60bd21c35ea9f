"""`salesbot tick --now`: a future moment is refused unless it is a dry run, so it cannot change what happens
at the real time; a dry run lists what is due and records nothing (both databases)."""

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.local_slack import LocalSlack
from db.models import Delivery
from tests.digest_data import seed, subscription

ROOT = Path(__file__).resolve().parents[2]
NOW = "2026-11-30T13:00:00+00:00"  # the processes' clock: an hour before Monday's 09:00 New York digest
DUE = "2026-11-30T14:00:00+00:00"


def _tick(db_url: str, fake: LocalSlack, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": db_url, "SLACK_BOT_TOKEN": "xoxb-tick", "SLACK_API_URL": fake.api_url,
           "SALESBOT_NOW": NOW}
    return subprocess.run([sys.executable, "-m", "bot.cli", "tick", *args], env=env, cwd=ROOT, capture_output=True,
                          text=True, timeout=120)


def test_a_future_tick_is_refused_and_a_dry_run_records_nothing(
    db_url: str, engine: Engine, fake_slack: LocalSlack
) -> None:
    seed(engine)
    sub_id = subscription(engine, channel="C0SALES")
    refused = _tick(db_url, fake_slack, "--now", DUE)
    assert refused.returncode != 0 and "is in the future" in refused.stderr and "--dry-run" in refused.stderr
    dry = _tick(db_url, fake_slack, "--now", DUE, "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert f"due: digest {sub_id} for C0SALES" in dry.stdout and "nothing sent or recorded" in dry.stdout
    with Session(engine) as session:
        assert session.exec(select(Delivery)).all() == []  # the real 09:00 is untouched
    assert fake_slack.posted("C0SALES") == []
    past = _tick(db_url, fake_slack, "--now", "2026-11-30T12:00:00+00:00")  # a backfill is fine
    assert past.returncode == 0 and "sent 0" in past.stdout


def test_the_console_tick_follows_the_same_rule(db_url: str, engine: Engine, tmp_path: Path) -> None:
    """`:tick` in the console used to run a future moment for real, marking the real digest sent early."""
    import io

    from bot.console import run_console
    from bot.settings import load_settings
    from db import clock

    seed(engine)
    sub_id = subscription(engine, channel="C0SALES")
    settings = load_settings(_env_file=None, database_url=db_url, salesbot_files_dir=str(tmp_path / "files"))
    out = io.StringIO()
    with clock.moved_to(clock.parse_moment(NOW), frozen=True):
        run_console(settings, stdin=io.StringIO(f":tick {DUE}\n:tick {DUE} --dry-run\n:tick 30 Nov\n:quit\n"),
                    out=out, user_id="UMANAGER", team_id="T0001")
    text = out.getvalue()
    assert f"refused: :tick {DUE} is in the future" in text and "--dry-run" in text
    assert f"due: digest {sub_id} for C0SALES" in text and "nothing sent or recorded" in text
    assert "':tick' '30 Nov' is not an ISO-8601 moment" not in text and "'30 Nov' is not an ISO-8601 moment" in text
    with Session(engine) as session:
        assert session.exec(select(Delivery)).all() == []  # the real 09:00 is untouched
