"""The console runs the real app: typed commands in, the replies a user would see out."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run_cli(args: list[str], *, stdin: str = "", url: str, cwd: Path, timeout: int = 180,
            extra_env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "DATABASE_URL": url, "HOME": str(cwd),
           "SALESBOT_FILES_DIR": str(cwd / "files"), **(extra_env or {})}
    return subprocess.run([sys.executable, "-m", "bot.cli", *args], input=stdin, capture_output=True, text=True,
                          env=env, cwd=cwd, timeout=timeout)


@pytest.fixture
def migrated_url(sqlite_url: str) -> str:
    return sqlite_url


def test_console_answers_help_and_explains_what_it_did_not_understand(migrated_url: str, tmp_path: Path) -> None:
    result = run_cli(["console", "--user", "UMARIA"], url=migrated_url, cwd=tmp_path,
                     stdin="/salesbot help\n/salesbot dance\n:users\n:quit\n",
                     extra_env={"SALESBOT_MANAGERS": "UMARIA"})
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "salesbot console" in out and "you are UMARIA" in out
    assert "== salesbot — what I can do ==" in out
    assert "`/kpi win rate @alice last quarter`" in out
    assert 'I did not understand "dance"' in out
    assert "* UMARIA" in out
    assert "xoxb" not in out + result.stderr


def test_console_in_chinese_when_the_command_is_chinese(migrated_url: str, tmp_path: Path) -> None:
    result = run_cli(["console"], url=migrated_url, cwd=tmp_path, stdin="/salesbot 帮助\n")
    assert "salesbot 能做什么" in result.stdout


def test_console_refuses_an_unmigrated_database(tmp_path: Path) -> None:
    result = run_cli(["console"], url=f"sqlite:///{tmp_path / 'new.db'}", cwd=tmp_path, stdin=":quit\n")
    assert result.returncode != 0 and "salesbot migrate" in result.stderr


def test_salesbot_run_without_tokens_migrates_loads_demo_and_opens_the_console(tmp_path: Path) -> None:
    """What `make run` does on a fresh machine, also with a `.env` copied from `.env.example` (tokens empty)."""
    (tmp_path / ".env").write_text((ROOT / ".env.example").read_text(encoding="utf-8"), encoding="utf-8")
    result = run_cli(["run"], url=f"sqlite:///{tmp_path / 'fresh.db'}", cwd=tmp_path,
                     stdin="/salesbot help\n:users\n:quit\n")
    assert result.returncode == 0, result.stderr[-2000:]
    out = result.stdout
    assert "demo data loaded" in out
    assert "No Slack tokens configured: starting the local console" in out
    assert "what I can do" in out
    assert "张三" in out  # the demo team has Chinese names
    second = run_cli(["run"], url=f"sqlite:///{tmp_path / 'fresh.db'}", cwd=tmp_path, stdin=":quit\n")
    assert "demo data loaded" not in second.stdout  # not loaded twice


def test_console_without_user_is_the_first_manager_named_in_the_settings(migrated_url: str, tmp_path: Path) -> None:
    """An empty database and SALESBOT_MANAGERS in .env: the console's default user may set a target."""
    result = run_cli(["console"], url=migrated_url, cwd=tmp_path, stdin="/target set revenue 90000 this quarter\n",
                     extra_env={"SALESBOT_MANAGERS": "UMARIA,UTOM"})
    assert result.returncode == 0, result.stderr
    assert "you are UMARIA" in result.stdout
    assert "Target set: *Revenue* · team" in result.stdout, result.stdout


def test_a_fresh_install_without_managers_named_runs_the_console_as_its_owner(migrated_url: str,
                                                                              tmp_path: Path) -> None:
    """No SALESBOT_MANAGERS, a CRM export imported from the shell: whoever runs the console installed salesbot
    (the workspace's owner in Slack terms), so manager commands work instead of "Only managers"."""
    export = tmp_path / "deals.csv"
    export.write_text("opportunity_id,sales_agent,product,account,deal_stage,engage_date,close_date,close_value\n"
                      "A1,Moses Frase,GTX Pro,Cancity,Won,2016-10-20,2017-03-01,1054\n", encoding="utf-8")
    imported = run_cli(["import", "deals", str(export)], url=migrated_url, cwd=tmp_path)
    assert imported.returncode == 0, imported.stderr
    result = run_cli(["console"], url=migrated_url, cwd=tmp_path, stdin="/digest preview\n/target set revenue 90000 "
                     "this quarter\n")
    assert result.returncode == 0, result.stderr
    assert "you are ULOCAL" in result.stdout and "Only managers" not in result.stdout, result.stdout
    assert "Target set: *Revenue* · team" in result.stdout
    assert "⚠ The deal data ends on Wed 1 Mar 2017" in result.stdout  # zeros explained, not silent
