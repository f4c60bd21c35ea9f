"""A second console session on the same database behaves exactly like the first (ids unique across sessions)."""

import io
from pathlib import Path

from sqlalchemy import func, select
from sqlmodel import Session

from bot.console import run_console
from bot.settings import load_settings
from db.engine import get_engine
from db.models import Deal, Feedback, ProcessedEvent


def _session(db_url: str, tmp_path: Path, lines: list[str]) -> str:
    settings = load_settings(_env_file=None, database_url=db_url, salesbot_managers="UMARIA",
                             salesbot_files_dir=str(tmp_path / "files"))
    out = io.StringIO()
    run_console(settings, stdin=io.StringIO("\n".join(lines) + "\n"), out=out, user_id="UMARIA", team_id="TLOCAL")
    return out.getvalue()


def _count(db_url: str, model: type, *where: object) -> int:
    with Session(get_engine(db_url)) as session:
        return int(session.exec(select(func.count()).select_from(model).where(*where)).scalar() or 0)


def test_two_console_sessions_both_store_uploads_dm_events_and_feedback(db_url: str, tmp_path: Path) -> None:
    first, second = tmp_path / "first.csv", tmp_path / "second.csv"
    first.write_text("id,owner,stage,amount,created,close_date\nA1,Ann Lee,Won,100,2026-07-01,2026-08-03\n")
    second.write_text("id,owner,stage,amount,created,close_date\nB1,Bo Chen,Won,200,2026-07-02,2026-08-04\n")

    out1 = _session(db_url, tmp_path, ["/feedback Hottechi 1 客户说要换供应商", f":upload {first}", "hello", ":quit"])
    assert "已记录反馈 · *Hottechi*" in out1 and "Inserted 1 · updated 0" in out1
    events_after_first = _count(db_url, ProcessedEvent)
    assert events_after_first >= 2  # the upload and the DM

    out2 = _session(db_url, tmp_path, ["/feedback Acme 2 delivery was late again", f":upload {second}", "hello",
                                       ":quit"])
    # not dropped as retries of the first session's events
    assert "Feedback logged · *Acme*" in out2 and "Inserted 1 · updated 0" in out2
    assert _count(db_url, ProcessedEvent) == 2 * events_after_first
    assert _count(db_url, Feedback, Feedback.team_id == "TLOCAL") == 2
    assert _count(db_url, Deal, Deal.team_id == "TLOCAL") == 2
