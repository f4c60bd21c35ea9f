"""Workspace rows: one creator, the settings' defaults, and the local workspace adopted once, rows and all."""

import threading
from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel

from db.importers import ImportOptions, import_file
from db.models import Deal, ImportRun, Member, ProcessedEvent, Workspace
from db.workspaces import (
    DEMO_TEAM_ID,
    LOCAL_TEAM,
    AmbiguousWorkspace,
    WorkspaceDefaults,
    adopt_local_workspace,
    create_workspace,
    default_team,
)

SHANGHAI = WorkspaceDefaults(timezone="Asia/Shanghai", language="zh", currency="CNY")
DEALS = (b"id,owner,stage,amount,created,close_date\n"
         b"D1,Darcel Schlecht,Won,1000,2026-07-01,2026-08-03\nD2,Zhang San,Lost,500,2026-07-02,2026-08-04\n")


def _rows_per_table(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {t.name: int(conn.execute(select(func.count()).select_from(t)).scalar() or 0)
                for t in SQLModel.metadata.sorted_tables}


def test_a_new_workspace_takes_the_settings_defaults_and_is_made_once(engine: Engine) -> None:
    with engine.begin() as conn:
        assert create_workspace(conn, "T0001", SHANGHAI, name="Acme") is True
        assert create_workspace(conn, "T0001", WorkspaceDefaults()) is False
    with Session(engine) as session:
        ws = session.get(Workspace, "T0001")
        assert ws is not None
        assert (ws.timezone, ws.language, ws.currency, ws.name) == ("Asia/Shanghai", "zh", "CNY", "Acme")


def test_the_default_target_is_the_only_real_workspace_never_the_demo(engine: Engine) -> None:
    with engine.begin() as conn:
        assert default_team(conn) == LOCAL_TEAM
        create_workspace(conn, DEMO_TEAM_ID, WorkspaceDefaults())
        assert default_team(conn) == LOCAL_TEAM
        create_workspace(conn, "T0001", WorkspaceDefaults(), name="Acme")
        assert default_team(conn) == "T0001"
        create_workspace(conn, "T0002", WorkspaceDefaults(), name="Beta")
        with pytest.raises(AmbiguousWorkspace) as refused:
            default_team(conn)
    assert "T0001  Acme" in str(refused.value) and "T0002  Beta" in str(refused.value)
    assert DEMO_TEAM_ID not in str(refused.value) and "--team" in str(refused.value)


def test_a_refused_import_leaves_every_table_as_it_was(engine: Engine) -> None:
    before = _rows_per_table(engine)
    bad = b"id,owner,stage,amount,close_date\n1,Ann,Won,100,2026-01-05\n2,Ann,Signed,7,2026-01-05\n"
    for kind, data in (("deals", bad), ("targets", b"owner,metric,period,value\nAnn,revenue,Q9 2026,100\n"),
                       ("feedback", b"date,account,rating,comment\nnot a date,Acme,11,bad\n")):
        result = import_file(engine, kind, data, filename=f"{kind}.csv", team_id=LOCAL_TEAM,
                             options=ImportOptions(workspace=SHANGHAI))
        assert result.refused, kind
    assert _rows_per_table(engine) == before


def test_the_first_import_makes_the_workspace_with_the_settings(engine: Engine) -> None:
    result = import_file(engine, "deals", DEALS, filename="deals.csv", team_id=LOCAL_TEAM,
                         options=ImportOptions(workspace=SHANGHAI), today=date(2026, 11, 26))
    assert not result.refused and result.inserted == 2
    with Session(engine) as session:
        ws = session.get(Workspace, LOCAL_TEAM)
        assert ws is not None and (ws.timezone, ws.language, ws.currency) == ("Asia/Shanghai", "zh", "CNY")
        assert {d.currency for d in session.exec(select(Deal)).scalars()} == {"CNY"}


def test_the_first_slack_workspace_adopts_the_local_rows_once(engine: Engine) -> None:
    import_file(engine, "deals", DEALS, filename="deals.csv", team_id=LOCAL_TEAM,
                options=ImportOptions(workspace=SHANGHAI), today=date(2026, 11, 26))
    with Session(engine) as session:
        session.add(ProcessedEvent(team_id=LOCAL_TEAM, event_id="EvSAME"))
        session.add(ProcessedEvent(team_id="T0001", event_id="EvSAME"))  # the adopter's first event
        session.commit()
    adoption = adopt_local_workspace(engine, "T0001", name="Acme")
    assert adoption is not None and adoption.count("deal") == 2 and adoption.count("member") == 2
    assert adopt_local_workspace(engine, "T0001") is None
    assert adopt_local_workspace(engine, "T0002") is None  # nothing local is left to adopt
    with engine.connect() as conn:
        for table in SQLModel.metadata.sorted_tables:
            if "team_id" in table.c:
                left = conn.execute(select(func.count()).select_from(table).where(table.c.team_id == LOCAL_TEAM))
                assert left.scalar() == 0, table.name
    with Session(engine) as session:
        ws = session.get(Workspace, "T0001")
        assert ws is not None and ws.timezone == "Asia/Shanghai" and ws.name == "Acme"
        assert session.exec(select(func.count()).select_from(Deal).where(Deal.team_id == "T0001")).scalar() == 2
        assert session.exec(select(func.count()).select_from(ImportRun).where(ImportRun.team_id == "T0001")
                            ).scalar() == 1
        owners = session.exec(select(Member.crm_name).where(Member.team_id == "T0001")).scalars().all()
        assert sorted(owners) == ["Darcel Schlecht", "Zhang San"]


def test_a_workspace_that_already_exists_or_the_demo_adopts_nothing(engine: Engine) -> None:
    import_file(engine, "deals", DEALS, filename="deals.csv", team_id=LOCAL_TEAM, today=date(2026, 11, 26))
    with engine.begin() as conn:
        create_workspace(conn, "T0001", WorkspaceDefaults())
    assert adopt_local_workspace(engine, "T0001") is None
    assert adopt_local_workspace(engine, DEMO_TEAM_ID) is None
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(Deal).where(Deal.team_id == LOCAL_TEAM)).scalar() == 2


def test_two_workspaces_racing_to_adopt_leave_the_rows_with_exactly_one(engine: Engine) -> None:
    import_file(engine, "deals", DEALS, filename="deals.csv", team_id=LOCAL_TEAM, today=date(2026, 11, 26))
    barrier = threading.Barrier(4)
    results: dict[str, object] = {}

    def adopt(team: str) -> None:
        barrier.wait()
        results[team] = adopt_local_workspace(engine, team)

    threads = [threading.Thread(target=adopt, args=(t,)) for t in ("T0001", "T0002", "T0003", "T0004")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    winners = [team for team, adoption in results.items() if adoption is not None]
    assert len(results) == 4 and len(winners) == 1
    with Session(engine) as session:
        teams = session.exec(select(Deal.team_id).distinct()).scalars().all()
        assert teams == winners
        assert session.exec(select(Workspace.team_id)).scalars().all() == winners
