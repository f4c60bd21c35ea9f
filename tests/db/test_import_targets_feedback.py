"""Targets and feedback files: stored in the units the KPI engine reads, idempotent, amazon_alexa.tsv as is."""

from datetime import date
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from db.importers import import_file, resolve_team
from db.models import Feedback, Member, Target

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "imports"


def test_targets_for_team_and_reps_in_every_period_form(engine: Engine) -> None:
    team = resolve_team(engine, "T0001")
    data = (FIXTURES / "targets.csv").read_bytes()
    result = import_file(engine, "targets", data, filename="targets.csv", team_id=team)
    assert (result.inserted, result.rejected) == (5, 0)
    with Session(engine) as session:
        rows = {
            (m.crm_name if m else None, t.metric, t.period_start, t.period_end): t.value_cents
            for t, m in session.exec(select(Target, Member).join(Member, isouter=True)).all()
        }
    assert rows[(None, "revenue", date(2026, 1, 1), date(2026, 4, 1))] == 90_000_000
    assert rows[("Ravi Patel", "revenue", date(2026, 1, 1), date(2026, 4, 1))] == 25_000_000
    assert rows[("Ravi Patel", "win_rate", date(2026, 1, 1), date(2027, 1, 1))] == 6000
    assert rows[("张三", "revenue", date(2026, 3, 1), date(2026, 4, 1))] == 50_000_000
    again = import_file(engine, "targets", data.replace(b"250k", b"260k"), filename="targets.csv", team_id=team)
    assert (again.inserted, again.updated, again.unchanged) == (0, 1, 4)


def test_a_targets_file_with_an_unknown_metric_is_refused(engine: Engine) -> None:
    team = resolve_team(engine, "T0001")
    result = import_file(
        engine, "targets", b"owner,metric,period,value\nAnn,happiness,2026,10\n", filename="t.csv", team_id=team
    )
    assert result.refused and result.problems[0].reason == "unknown_metric" and result.problems[0].row == 2
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(Target)).scalar() == 0


def test_feedback_file_with_owners_accounts_and_chinese_comments(engine: Engine) -> None:
    team = resolve_team(engine, "T0001")
    result = import_file(engine, "feedback", (FIXTURES / "feedback.csv").read_bytes(), filename="fb.csv", team_id=team)
    assert (result.inserted, result.rejected) == (4, 0)
    with Session(engine) as session:
        item = session.exec(select(Feedback).where(Feedback.account == "上海明远科技有限公司")).scalar_one()
        owner = session.get(Member, item.member_id)
    assert (item.rating, item.scale, item.language, owner.crm_name) == (1, 5, "zh", "张三")


def test_amazon_alexa_reviews_import_with_the_documented_mapping(engine: Engine, shared_data: Path) -> None:
    team = resolve_team(engine, "T0001")
    data = (shared_data / "amazon_alexa.tsv").read_bytes()
    result = import_file(engine, "feedback", data, filename="amazon_alexa.tsv", team_id=team)
    assert (result.inserted, result.rejected, result.encoding) == (3150, 0, "utf-8-sig")
    assert result.mapping == {"date": "date", "rating": "rating", "comment": "verified_reviews", "product": "variation"}
    assert result.date_range == (date(2018, 5, 16), date(2018, 7, 31))
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(Feedback).where(Feedback.rating == 5)).scalar() == 2286
    again = import_file(engine, "feedback", data, filename="amazon_alexa.tsv", team_id=team)
    assert (again.inserted, again.unchanged) == (0, 3150)
