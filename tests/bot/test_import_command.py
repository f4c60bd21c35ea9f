"""`salesbot import` from a shell: the summary, the exit status, the rejected-rows file, the default workspace."""

from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlmodel import Session

from bot.cli import main
from db.engine import get_engine
from db.models import Deal, Workspace

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "imports"


@pytest.fixture
def cli_env(sqlite_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    monkeypatch.chdir(tmp_path)  # no .env of the developer's
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET"):
        monkeypatch.delenv(name, raising=False)
    return sqlite_url


def test_import_deals_prints_the_summary_into_a_local_workspace(cli_env: str, capsys: pytest.CaptureFixture) -> None:
    assert main(["import", "deals", str(FIXTURES / "zoho_deals.csv")]) == 0
    out = capsys.readouterr().out
    assert "inserted 4 · updated 0 · unchanged 0 · rejected 0" in out and "workspace TLOCAL" in out
    assert "Closed Won → won (2)" in out and "dates covered: 2026-01-02 – 2026-06-30" in out
    assert main(["import", "deals", str(FIXTURES / "zoho_deals.csv"), "--format", "zoho"]) == 0
    assert "inserted 0 · updated 0 · unchanged 4" in capsys.readouterr().out
    with Session(get_engine(cli_env)) as session:
        assert session.exec(select(func.count()).select_from(Deal)).scalar() == 4
        assert [w.team_id for w in session.exec(select(Workspace)).scalars()] == ["TLOCAL"]


def test_a_refused_file_exits_1_and_skip_bad_rows_writes_the_rejects(
    cli_env: str, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    bad = tmp_path / "export.csv"
    bad.write_text("id,owner,stage,amount,close_date\n1,Ann,Won,100,2026-01-05\n2,Ann,Signed,7,2026-01-05\n")
    assert main(["import", "deals", str(bad), "--team", "T0001"]) == 1
    out = capsys.readouterr().out
    assert "Refused export.csv: 1 bad row(s)" in out and "row 3, stage: unknown stage" in out
    assert main(["import", "deals", str(bad), "--team", "T0001", "--skip-bad-rows"]) == 0
    assert "Signed" in (tmp_path / "export.csv.rejected.csv").read_text(encoding="utf-8-sig")
    capsys.readouterr()
    assert main(["import", "deals", str(bad), "--team", "T0001", "--stage-map", "Signed=won"]) == 0
    out = capsys.readouterr().out
    assert "inserted 1 · updated 0 · unchanged 1" in out and "Signed → won (1)" in out
    with Session(get_engine(cli_env)) as session:
        assert session.exec(select(func.count()).select_from(Deal).where(Deal.team_id == "T0001")).scalar() == 2
