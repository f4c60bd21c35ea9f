"""Which workspace `salesbot import` / `tick` / `console` work on: the token's, the only one, or they ask."""

from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlmodel import Session

from bot.cli import main
from bot.local_slack import LocalSlack
from db.engine import get_engine
from db.models import Deal, ImportRun, Workspace
from db.workspaces import DEMO_TEAM_ID, LOCAL_TEAM, WorkspaceDefaults, create_workspace

DEALS = ("id,owner,stage,amount,created,close_date\n"
         "D1,Darcel Schlecht,Won,1000,2026-07-01,2026-08-03\nD2,Zhang San,Lost,500,2026-07-02,2026-08-04\n")


@pytest.fixture
def deals_file(tmp_path: Path) -> Path:
    path = tmp_path / "export.csv"
    path.write_text(DEALS)
    return path


@pytest.fixture
def env(shell_env: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """A shell whose settings name a team default: new workspace rows must take them."""
    shell_env.setenv("SALESBOT_TIMEZONE", "Asia/Shanghai")
    shell_env.setenv("SALESBOT_LANGUAGE", "zh")
    shell_env.setenv("SALESBOT_CURRENCY", "cny")
    return shell_env


def _teams(db_url: str) -> dict[str, tuple[str, str, str, str]]:
    with Session(get_engine(db_url)) as session:
        return {w.team_id: (w.name, w.timezone, w.language, w.currency)
                for w in session.exec(select(Workspace)).scalars()}


def _deals_per_team(db_url: str) -> dict[str, int]:
    with Session(get_engine(db_url)) as session:
        return dict(session.exec(select(Deal.team_id, func.count()).group_by(Deal.team_id)).all())


def test_with_a_token_the_import_goes_to_the_workspace_auth_test_names(
        env: pytest.MonkeyPatch, db_url: str, fake_slack: LocalSlack, deals_file: Path,
        capsys: pytest.CaptureFixture) -> None:
    with get_engine(db_url).begin() as conn:  # the demo and another workspace are there: neither is chosen
        create_workspace(conn, DEMO_TEAM_ID, WorkspaceDefaults())
        create_workspace(conn, "T0999", WorkspaceDefaults())
    env.setenv("SLACK_BOT_TOKEN", "xoxb-cli-token")
    env.setenv("SLACK_API_URL", fake_slack.api_url)
    assert main(["import", "deals", str(deals_file)]) == 0
    assert "workspace T0001" in capsys.readouterr().out
    assert _deals_per_team(db_url) == {"T0001": 2}
    assert _teams(db_url)["T0001"][1:] == ("Asia/Shanghai", "zh", "CNY")
    assert fake_slack.successful("auth.test")


def test_a_token_slack_refuses_stops_the_import_with_the_reason(
        env: pytest.MonkeyPatch, db_url: str, fake_slack: LocalSlack, deals_file: Path) -> None:
    env.setenv("SLACK_BOT_TOKEN", "xoxp-not-a-bot-token")
    env.setenv("SLACK_API_URL", fake_slack.api_url)
    with pytest.raises(SystemExit) as stopped:
        main(["import", "deals", str(deals_file)])
    assert "invalid_auth" in str(stopped.value) and "--team" in str(stopped.value)
    assert _teams(db_url) == {}


def test_without_a_token_data_goes_to_the_local_workspace_not_the_demo(
        env: pytest.MonkeyPatch, db_url: str, deals_file: Path, capsys: pytest.CaptureFixture) -> None:
    with get_engine(db_url).begin() as conn:
        create_workspace(conn, DEMO_TEAM_ID, WorkspaceDefaults())
    assert main(["import", "deals", str(deals_file)]) == 0
    assert "workspace TLOCAL" in capsys.readouterr().out
    assert _deals_per_team(db_url) == {"TLOCAL": 2}
    assert _teams(db_url)["TLOCAL"][1:] == ("Asia/Shanghai", "zh", "CNY")


def test_several_workspaces_and_no_team_is_refused_with_the_list(
        env: pytest.MonkeyPatch, db_url: str, deals_file: Path, capsys: pytest.CaptureFixture) -> None:
    with get_engine(db_url).begin() as conn:
        create_workspace(conn, "T0001", WorkspaceDefaults(), name="Acme Sales")
        create_workspace(conn, "T0002", WorkspaceDefaults(), name="Beta")
    for argv in (["import", "deals", str(deals_file)], ["tick", "--now", "2026-11-23T01:00:00Z"]):
        with pytest.raises(SystemExit) as refused:
            main(argv)
        assert "T0001  Acme Sales" in str(refused.value) and "T0002  Beta" in str(refused.value)
        assert "--team" in str(refused.value)
    assert _deals_per_team(db_url) == {}
    assert main(["import", "deals", str(deals_file), "--team", "T0002"]) == 0
    assert _deals_per_team(db_url) == {"T0002": 2}
    assert main(["tick", "--team", "T0002", "--now", "2026-11-23T01:00:00Z"]) == 0
    assert "for workspace T0002" in capsys.readouterr().out


def test_a_refused_file_from_the_shell_leaves_no_workspace_and_no_import_run(
        env: pytest.MonkeyPatch, db_url: str, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("id,owner,stage,amount,close_date\n1,Ann,Won,100,2026-01-05\n2,Ann,Signed,7,2026-01-05\n")
    assert main(["import", "deals", str(bad)]) == 1
    assert main(["import", "deals", str(bad), "--team", "T0001"]) == 1
    assert _teams(db_url) == {}
    with Session(get_engine(db_url)) as session:
        assert session.exec(select(func.count()).select_from(ImportRun)).scalar() == 0


def test_the_console_acts_in_the_token_workspace_else_your_own_else_the_demo(
        env: pytest.MonkeyPatch, db_url: str, fake_slack: LocalSlack) -> None:
    from bot.console import console_team
    from bot.settings import load_settings

    engine = get_engine(db_url)
    with engine.begin() as conn:
        create_workspace(conn, DEMO_TEAM_ID, WorkspaceDefaults())
    assert console_team(load_settings(), engine, None) == DEMO_TEAM_ID  # `make run` without tokens shows the demo
    with engine.begin() as conn:
        create_workspace(conn, LOCAL_TEAM, WorkspaceDefaults())
    assert console_team(load_settings(), engine, None) == LOCAL_TEAM  # your own data, once there is some
    assert console_team(load_settings(), engine, DEMO_TEAM_ID) == DEMO_TEAM_ID
    env.setenv("SLACK_BOT_TOKEN", "xoxb-console-token")
    env.setenv("SLACK_API_URL", fake_slack.api_url)
    assert console_team(load_settings(), engine, None) == "T0001"


def test_demo_with_tokens_says_where_it_went(env: pytest.MonkeyPatch, db_url: str, fake_slack: LocalSlack,
                                            capsys: pytest.CaptureFixture) -> None:
    env.setenv("SLACK_BOT_TOKEN", "xoxb-demo-token")
    env.setenv("SLACK_SIGNING_SECRET", "secret")
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    assert f"demo data loaded into workspace {DEMO_TEAM_ID}" in out
    assert f"salesbot console --team {DEMO_TEAM_ID}" in out
    assert set(_teams(db_url)) == {DEMO_TEAM_ID}


def test_the_first_command_with_a_token_adopts_what_was_imported_without_one(
        env: pytest.MonkeyPatch, db_url: str, fake_slack: LocalSlack, deals_file: Path,
        capsys: pytest.CaptureFixture) -> None:
    assert main(["import", "deals", str(deals_file)]) == 0
    assert _deals_per_team(db_url) == {LOCAL_TEAM: 2}
    env.setenv("SLACK_BOT_TOKEN", "xoxb-cli-token")
    env.setenv("SLACK_API_URL", fake_slack.api_url)
    capsys.readouterr()
    assert main(["tick", "--now", "2026-11-23T01:00:00Z"]) == 0
    out = capsys.readouterr().out
    assert "workspace T0001 adopted the local workspace's data: 2 deals, 2 people" in out
    assert "for workspace T0001" in out
    assert _deals_per_team(db_url) == {"T0001": 2}
    assert _teams(db_url) == {"T0001": ("Local Sales", "Asia/Shanghai", "zh", "CNY")}
