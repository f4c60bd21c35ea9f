"""Merging two rows of one person moves every reference (found from the schema), on SQLite and PostgreSQL;
and the data migration merges the duplicates the old first contact made."""

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

from db.migrate import upgrade
from tests.databases import PgDatabase, require_pg

T = "T0001"
NOW = datetime(2026, 11, 26, tzinfo=UTC)


@pytest.fixture(params=["sqlite", "postgresql"])
def at_0009(request: pytest.FixtureRequest, tmp_path: Path):  # type: ignore[no-untyped-def]
    """A database migrated up to the people directory, before the merge."""
    if request.param == "sqlite":
        engine = create_engine(f"sqlite:///{tmp_path / 'old.db'}")
        upgrade(engine, "0009_people_directory")
        yield engine
        engine.dispose()
        return
    require_pg()
    database = PgDatabase()
    engine = create_engine(database.url)
    upgrade(engine, "0009_people_directory")
    yield engine
    engine.dispose()
    database.drop()


def _member(conn, **values) -> int:  # type: ignore[no-untyped-def]
    row = {"team_id": T, "slack_user_id": None, "crm_name": None, "email": None, "display_name": "", "role": "rep",
           "active": True, "created_at": NOW, **values}
    cols = ", ".join(row)
    return conn.execute(text(f"INSERT INTO member ({cols}) VALUES ({', '.join(':' + c for c in row)}) RETURNING id"),
                        row).scalar_one()


def _count(conn, sql: str, **params) -> int:  # type: ignore[no-untyped-def]
    return conn.execute(text(sql), params).scalar_one()


def test_the_migration_merges_an_owner_and_a_slack_user_who_are_one_person(at_0009: Engine) -> None:
    with at_0009.begin() as conn:
        conn.execute(text("INSERT INTO workspace (team_id, name, timezone, language, currency, "
                          "fiscal_year_start_month, created_at) VALUES (:t, '', 'UTC', 'en', 'USD', 1, :n)"),
                     {"t": T, "n": NOW})
        manager = _member(conn, slack_user_id="UMARIA", display_name="Maria Lopez", role="manager")
        owner = _member(conn, crm_name="Darcel Schlecht", display_name="Darcel Schlecht", manager_id=manager)
        person = _member(conn, slack_user_id="UDARCEL", display_name="Darcel Schlecht")  # the old users.info name
        zowner = _member(conn, crm_name="张三", display_name="张三")
        zperson = _member(conn, slack_user_id="UZHANG", display_name="张三", email="zhang@x.example")
        shared = _member(conn, crm_name="Wei Zhang", display_name="Wei Zhang")
        _member(conn, slack_user_id="UW1", display_name="Wei Zhang")
        _member(conn, slack_user_id="UW2", display_name="Wei Zhang")
        for i, who in enumerate([owner, owner, zowner, shared]):
            conn.execute(text("INSERT INTO deal (team_id, source, external_id, name, owner_id, account, product, "
                              "stage, status, amount_cents, currency, created_date, close_date, row_hash) VALUES "
                              "(:t, 'generic', :x, '', :o, '', '', 'Won', 'won', 100, 'USD', :d, :d, '')"),
                         {"t": T, "x": f"D{i}", "o": who, "d": date(2026, 8, 1)})
        target = ("INSERT INTO target (team_id, member_id, metric, period_start, period_end, value_cents, currency, "
                  "created_at) VALUES (:t, :m, 'revenue', :s, :e, :v, 'USD', :n)")
        for who, value in ((owner, 100), (person, 200)):  # the same target twice: the person's own row wins
            conn.execute(text(target), {"t": T, "m": who, "s": date(2026, 10, 1), "e": date(2027, 1, 1), "v": value,
                                        "n": NOW})
        conn.execute(text("INSERT INTO feedback (team_id, source, external_id, received_on, account, member_id, "
                          "product, scale, comment, created_at) VALUES (:t, 'import', 'F1', :d, 'Cancity', :m, '', "
                          "5, 'late', :n)"), {"t": T, "d": date(2026, 11, 1), "m": zowner, "n": NOW})
        conn.execute(text("INSERT INTO checkinschedule (team_id, manager_user_id, cadence, weekday, time_of_day, "
                          "deadline_hours, reminder_hours_before, questions_version, active, paused, created_at) "
                          "VALUES (:t, 'UMARIA', 'weekly', 4, '16:00', 72, 24, 1, true, false, :n)"),
                     {"t": T, "n": NOW})
        schedule = _count(conn, "SELECT max(id) FROM checkinschedule")
        conn.execute(text("INSERT INTO checkinschedulerep (team_id, schedule_id, member_id) VALUES (:t, :s, :m)"),
                     {"t": T, "s": schedule, "m": person})

    upgrade(at_0009)

    with at_0009.connect() as conn:
        assert _count(conn, "SELECT count(*) FROM member WHERE id IN (:a, :b)", a=owner, b=zowner) == 0
        assert conn.execute(text("SELECT slack_user_id, crm_name, manager_id FROM member WHERE id = :p"),
                            {"p": person}).one() == ("UDARCEL", "Darcel Schlecht", manager)
        assert _count(conn, "SELECT count(*) FROM deal WHERE owner_id = :p", p=person) == 2
        assert _count(conn, "SELECT count(*) FROM deal WHERE owner_id = :p", p=zperson) == 1
        assert _count(conn, "SELECT count(*) FROM feedback WHERE member_id = :p", p=zperson) == 1
        assert conn.execute(text("SELECT member_id, value_cents FROM target")).all() == [(person, 200)]
        assert _count(conn, "SELECT count(*) FROM checkinschedulerep WHERE member_id = :p", p=person) == 1
        # A name two Slack people share is not guessed: the owner stays, with their deal.
        assert _count(conn, "SELECT count(*) FROM deal WHERE owner_id = :s", s=shared) == 1
        assert _count(conn, "SELECT count(*) FROM member WHERE display_name = 'Wei Zhang'") == 3
