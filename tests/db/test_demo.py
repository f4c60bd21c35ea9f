"""Demo data: deterministic, never in the future, and telling the story the reports should find."""

import hashlib
import os
import uuid
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from db.demo import (
    AHEAD_REP,
    BEHIND_REP,
    DEFAULT_CHECKIN_QUESTIONS,
    DEMO_REPS,
    DEMO_TEAM_ID,
    DemoAlreadyLoaded,
    build_demo,
    count_rows,
    database_is_empty,
    load_demo,
    unload_demo,
)
from db.engine import get_engine, session_scope
from db.migrate import upgrade
from db.models import (
    CheckinAnswer,
    CheckinRun,
    CheckinSchedule,
    CheckinScheduleRep,
    Deal,
    Feedback,
    Member,
    Target,
    Workspace,
)

TODAY = date(2026, 11, 26)  # a Thursday in Q4; the last full quarter is Q3 2026
LAST_Q = (date(2026, 7, 1), date(2026, 10, 1))
PG_URL = os.environ.get("SALESBOT_TEST_PG_URL")


def _sqlite_engine(path):
    engine = get_engine(f"sqlite:///{path}")
    upgrade(engine)
    return engine


def _checksum(engine, team_id):
    with session_scope(engine) as s:
        rows = s.execute(
            select(Deal.external_id, Deal.amount_cents, Deal.status, Deal.close_date)
            .where(Deal.team_id == team_id)
            .order_by(Deal.external_id)
        ).all()
    h = hashlib.sha256()
    for ext, cents, status, close in rows:
        h.update(f"{ext}|{cents}|{status}|{close.isoformat() if close else ''}\n".encode())
    return len(rows), h.hexdigest()


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    """One SQLite database with the demo loaded for TODAY (read-only for the tests that use it)."""
    engine = _sqlite_engine(tmp_path_factory.mktemp("demo") / "demo.db")
    summary = load_demo(engine, today=TODAY)
    return engine, summary


def _member_ids(engine, team_id=DEMO_TEAM_ID):
    with session_scope(engine) as s:
        return {m.slack_user_id: m for m in s.execute(select(Member).where(Member.team_id == team_id)).scalars()}


def _quarter_attainment(engine, member_id, start, end, team_id=DEMO_TEAM_ID):
    with session_scope(engine) as s:
        revenue = s.execute(
            select(func.coalesce(func.sum(Deal.amount_cents), 0)).where(
                Deal.team_id == team_id,
                Deal.owner_id == member_id,
                Deal.status == "won",
                Deal.close_date >= start,
                Deal.close_date < end,
            )
        ).scalar_one()
        target = s.execute(
            select(func.sum(Target.value_cents)).where(
                Target.team_id == team_id,
                Target.member_id == member_id,
                Target.metric == "revenue",
                Target.period_start >= start,
                Target.period_end <= end,
            )
        ).scalar_one()
    return revenue / target


# ---- database_is_empty, loading twice ----------------------------------------------------------------


def test_database_is_empty_before_and_after(tmp_path):
    engine = _sqlite_engine(tmp_path / "e.db")
    assert database_is_empty(engine)
    load_demo(engine, today=TODAY, deals_per_rep_per_month=3)
    assert not database_is_empty(engine)
    unload_demo(engine)
    assert database_is_empty(engine)


def test_same_seed_and_today_give_identical_deals(tmp_path, loaded):
    engine, summary = loaded
    other = _sqlite_engine(tmp_path / "again.db")
    again = load_demo(other, today=TODAY)
    assert again == summary
    assert _checksum(other, DEMO_TEAM_ID) == _checksum(engine, DEMO_TEAM_ID)


def test_other_seed_gives_other_deals(tmp_path, loaded):
    engine, _ = loaded
    other = _sqlite_engine(tmp_path / "seed8.db")
    load_demo(other, today=TODAY, seed=8)
    assert _checksum(other, DEMO_TEAM_ID) != _checksum(engine, DEMO_TEAM_ID)


def test_second_load_refused_unless_replace(tmp_path):
    engine = _sqlite_engine(tmp_path / "twice.db")
    first = load_demo(engine, today=TODAY, deals_per_rep_per_month=4)
    before = _checksum(engine, DEMO_TEAM_ID)
    with pytest.raises(DemoAlreadyLoaded):
        load_demo(engine, today=TODAY, deals_per_rep_per_month=4)
    second = load_demo(engine, today=TODAY, deals_per_rep_per_month=4, replace=True)
    assert second == first
    assert _checksum(engine, DEMO_TEAM_ID) == before
    assert count_rows(engine)["member"] == 9


def test_summary_matches_rows(loaded):
    engine, summary = loaded
    counts = count_rows(engine)
    assert summary.team_id == DEMO_TEAM_ID
    assert summary.members == counts["member"] == 9
    assert summary.deals == counts["deal"]
    assert summary.targets == counts["target"]
    assert summary.feedback == counts["feedback"] == 300
    assert summary.checkin_runs == counts["checkinrun"] == 64
    assert counts["checkinschedule"] == 1 and counts["checkinschedulerep"] == 8
    assert summary.last_date <= TODAY
    assert summary.first_date < TODAY - timedelta(days=2 * 365)


# ---- people ------------------------------------------------------------------------------------------


def test_workspace_manager_and_reps(loaded):
    engine, _ = loaded
    with session_scope(engine) as s:
        ws = s.get(Workspace, DEMO_TEAM_ID)
        assert (ws.name, ws.timezone, ws.language, ws.currency) == ("Demo Sales", "America/New_York", "en", "USD")
    members = _member_ids(engine)
    manager = members["UDEMOMGR"]
    assert manager.role == "manager" and manager.display_name == "Maria Lopez" and manager.email
    reps = [m for m in members.values() if m.role == "rep"]
    assert sorted(m.slack_user_id for m in reps) == [f"UDEMO0{i}" for i in range(1, 9)]
    assert all(m.manager_id == manager.id and m.email and m.crm_name for m in reps)
    names = {m.display_name for m in reps}
    assert {"张三", "李娜", "王伟", "Darcel Schlecht", "Zane Levy"} <= names
    assert {m.locale for m in reps} == {"en-US", "zh-CN"}
    assert {m.timezone for m in reps} >= {"America/New_York", "Europe/London", "Asia/Shanghai", "America/Los_Angeles"}


# ---- deals -------------------------------------------------------------------------------------------


def test_deals_are_never_after_today(loaded):
    engine, _ = loaded
    with session_scope(engine) as s:
        deals = s.execute(select(Deal.created_date, Deal.close_date, Deal.status, Deal.stage, Deal.source)).all()
    assert deals
    for created, close, status, stage, source in deals:
        assert created <= TODAY and source == "demo"
        if status == "open":
            assert close is None and stage in {"Prospecting", "Qualification", "Proposal", "Negotiation"}
        else:
            assert status in {"won", "lost"} and close is not None
            assert created <= close <= TODAY
            assert 10 <= (close - created).days <= 120


def test_deal_shapes(loaded):
    engine, _ = loaded
    with session_scope(engine) as s:
        deals = s.execute(select(Deal)).scalars().all()
    won = [d for d in deals if d.status == "won"]
    lost = [d for d in deals if d.status == "lost"]
    assert 0.50 <= len(won) / (len(won) + len(lost)) <= 0.65
    assert all(isinstance(d.amount_cents, int) and d.amount_cents > 0 for d in won)
    assert any(d.amount_cents == 0 for d in lost)
    assert all(d.external_id.startswith("DEMO-") for d in deals)
    assert len({d.external_id for d in deals}) == len(deals)
    assert {"GTX Basic", "GTX Pro", "MG Special", "MG Advanced", "GTK 500"} <= {d.product for d in deals}
    accounts = {d.account for d in deals}
    assert 25 <= len(accounts) <= 35 and {"Cancity", "Isdom", "Rantouch", "Bluth Co."} <= accounts
    # Seasonality: Q4 beats the summer months.
    by_month: dict[int, int] = {}
    for d in won:
        if d.close_date < date(2026, 1, 1):
            by_month[d.close_date.month] = by_month.get(d.close_date.month, 0) + d.amount_cents
    assert by_month[12] > 1.4 * by_month[8]
    assert by_month[10] + by_month[11] + by_month[12] > by_month[7] + by_month[8] + by_month[9]


def test_each_rep_has_deals(loaded):
    engine, _ = loaded
    members = _member_ids(engine)
    with session_scope(engine) as s:
        per_owner = dict(
            s.execute(
                select(Deal.owner_id, func.count()).where(Deal.team_id == DEMO_TEAM_ID).group_by(Deal.owner_id)
            ).all()
        )
    for rep in DEMO_REPS:
        assert per_owner.get(members[rep.slack_user_id].id, 0) > 100, rep.display_name
    assert members["UDEMOMGR"].id not in per_owner


def test_ahead_and_behind_reps_last_full_quarter(loaded):
    engine, _ = loaded
    members = _member_ids(engine)
    ahead = _quarter_attainment(engine, members[AHEAD_REP].id, *LAST_Q)
    behind = _quarter_attainment(engine, members[BEHIND_REP].id, *LAST_Q)
    assert ahead > 1.0
    assert behind < 0.70
    assert members[AHEAD_REP].display_name == "Darcel Schlecht"
    assert members[BEHIND_REP].display_name == "Zane Levy"


# ---- targets -----------------------------------------------------------------------------------------


def test_targets_cover_two_years_and_the_current_quarter(loaded):
    engine, _ = loaded
    members = _member_ids(engine)
    with session_scope(engine) as s:
        targets = s.execute(select(Target).where(Target.team_id == DEMO_TEAM_ID)).scalars().all()
    team = sorted((t for t in targets if t.member_id is None), key=lambda t: t.period_start)
    assert team[0].period_start == date(2024, 10, 1) and team[-1].period_end == date(2027, 1, 1)
    assert all(a.period_end == b.period_start for a, b in zip(team, team[1:], strict=False))
    assert len(team) == 9 and all(t.metric == "revenue" and t.value_cents > 0 for t in team)
    for rep in DEMO_REPS:
        mine = sorted(
            (t for t in targets if t.member_id == members[rep.slack_user_id].id), key=lambda t: t.period_start
        )
        assert len(mine) == 27  # Oct 2024 .. Dec 2026
        assert mine[0].period_start == date(2024, 10, 1) and mine[-1].period_end == date(2027, 1, 1)
        assert all(a.period_end == b.period_start and a.value_cents > 0 for a, b in zip(mine, mine[1:], strict=False))


# ---- feedback ----------------------------------------------------------------------------------------


def test_feedback_languages_themes_and_at_risk_account(loaded):
    engine, _ = loaded
    with session_scope(engine) as s:
        items = s.execute(select(Feedback).where(Feedback.team_id == DEMO_TEAM_ID)).scalars().all()
    assert len(items) == 300
    assert all(TODAY - timedelta(days=183) <= f.received_on <= TODAY for f in items)
    assert {f.language for f in items} == {"en", "zh"}
    assert sum(f.language == "zh" for f in items) >= 50
    comments = {f.comment for f in items}
    assert {"交付又延迟了", "third late shipment this quarter", "the setup call was excellent"} <= comments
    assert all(f.account and f.member_id for f in items)
    for f in items:
        assert f.scale in (5, 10)
        assert (1 <= f.rating <= 5) if f.scale == 5 else (0 <= f.rating <= 10)
    assert sum(f.scale == 10 for f in items) >= 30
    recent_cancity = [f for f in items if f.account == "Cancity" and f.received_on >= TODAY - timedelta(days=30)]
    assert sum(f.scale == 5 and f.rating <= 2 for f in recent_cancity) >= 3
    isdom = [f for f in items if f.account == "Isdom" and f.scale == 5]
    early = [f.rating for f in isdom if f.received_on < TODAY - timedelta(days=60)]
    late = [f.rating for f in isdom if f.received_on >= TODAY - timedelta(days=60)]
    assert sum(early) / len(early) >= 4.0 and sum(late) / len(late) <= 3.0
    csat5 = [f.rating for f in items if f.scale == 5]
    assert 0.6 <= sum(r >= 4 for r in csat5) / len(csat5) <= 0.9


# ---- check-ins ---------------------------------------------------------------------------------------


def test_checkin_history(loaded):
    engine, _ = loaded
    members = _member_ids(engine)
    by_id = {m.id: m for m in members.values()}
    with session_scope(engine) as s:
        schedule = s.execute(select(CheckinSchedule)).scalars().one()
        reps = s.execute(select(CheckinScheduleRep)).scalars().all()
        runs = s.execute(select(CheckinRun)).scalars().all()
        answers = s.execute(select(CheckinAnswer)).scalars().all()
    assert (schedule.cadence, schedule.weekday, schedule.time_of_day) == ("weekly", 4, "16:00")
    assert schedule.manager_user_id == "UDEMOMGR"
    assert {r.member_id for r in reps} == {members[rep.slack_user_id].id for rep in DEMO_REPS}
    by_run: dict[int, list[CheckinAnswer]] = {}
    for a in answers:
        by_run.setdefault(a.run_id, []).append(a)
    statuses = [r.status for r in runs]
    assert statuses.count("completed") > statuses.count("missed") > 0
    for run in runs:
        rep = by_id[run.member_id]
        tz = ZoneInfo(rep.timezone)
        local = run.occurrence.replace(tzinfo=run.occurrence.tzinfo or UTC).astimezone(tz)
        assert (local.weekday(), local.hour, local.minute) == (4, 16, 0)
        start_of_today = datetime.combine(TODAY, datetime.min.time(), tzinfo=tz)
        assert local + timedelta(hours=72) <= start_of_today
        lang = "zh" if rep.locale == "zh-CN" else "en"
        assert run.questions == DEFAULT_CHECKIN_QUESTIONS[lang]
        mine = sorted(by_run.get(run.id, []), key=lambda a: a.question_index)
        if run.status == "completed":
            assert [a.question_index for a in mine] == [0, 1, 2, 3, 4]
            assert mine[4].text in {"1", "2", "3", "4", "5"}
            assert run.completed_at is not None
            text = " ".join(a.text for a in mine[:4])
            if lang == "zh":
                assert any("\u4e00" <= ch <= "\u9fff" for ch in text)
        else:
            assert len(mine) < 5 and run.completed_at is None
    per_rep: dict[int, int] = {}
    for run in runs:
        per_rep[run.member_id] = per_rep.get(run.member_id, 0) + 1
    assert set(per_rep.values()) == {8}


# ---- many days and seeds (pure generation, no database) ------------------------------------------


def _last_full_quarter(today):
    q = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    start = date(q.year - 1, 10, 1) if q.month == 1 else date(q.year, q.month - 3, 1)
    return start, q


@pytest.mark.parametrize(
    "today,seed",
    [
        (date(2026, 1, 1), 1),
        (date(2026, 3, 31), 2),
        (date(2025, 7, 4), 3),
        (date(2028, 2, 29), 4),
        (date(2026, 11, 27), 5),  # a Friday
        (date(2026, 11, 30), 6),  # a Monday
        (date(2027, 6, 15), 42),
        (date(2026, 10, 1), 7),
    ],
)
def test_story_holds_for_any_day_and_seed(today, seed):
    plan = build_demo(today=today, seed=seed)
    start, end = _last_full_quarter(today)
    idx = {rep.slack_user_id: i + 1 for i, rep in enumerate(DEMO_REPS)}

    def attainment(slack_id):
        r = idx[slack_id]
        revenue = sum(
            d["amount_cents"]
            for d in plan.deals
            if d["owner"] == r and d["status"] == "won" and start <= d["close_date"] < end
        )
        target = sum(t["value_cents"] for t in plan.targets if t["member"] == r and start <= t["period_start"] < end)
        return revenue / target

    assert attainment(AHEAD_REP) > 1.05
    assert attainment(BEHIND_REP) < 0.70
    assert all(d["created_date"] <= today and (d["close_date"] or today) <= today for d in plan.deals)
    assert all(f["received_on"] <= today for f in plan.feedback)
    for run in plan.runs:
        assert run["deadline_at"] <= datetime.combine(today, datetime.min.time(), tzinfo=UTC) + timedelta(hours=12)
        for a in run["answers"]:
            assert a["answered_at"] <= run["deadline_at"]
    assert {r for d in plan.deals for r in [d["owner"]]} == set(range(1, 9))
    assert plan.summary().last_date <= today


def test_deals_per_rep_per_month_scales_volume():
    small = build_demo(today=TODAY, deals_per_rep_per_month=5)
    big = build_demo(today=TODAY)
    closed = sum(d["status"] != "open" for d in big.deals)
    assert 15 <= closed / (26 * 8) <= 26  # ~20 closed deals a rep a month
    assert len(small.deals) < len(big.deals) / 2.5


def test_no_global_random_or_clock(monkeypatch):
    import random

    random.seed(123)
    a = build_demo(today=TODAY)
    random.seed(456)
    b = build_demo(today=TODAY)
    assert a.deals == b.deals and a.feedback == b.feedback and a.runs == b.runs and a.targets == b.targets


# ---- PostgreSQL (the session's throw-away database; skipped with a notice when PostgreSQL is down) ----------


def test_postgres_load_matches_sqlite(loaded, pg_database):
    sqlite_engine, summary = loaded
    engine = pg_database.fresh_engine()
    team = f"TDEMO{uuid.uuid4().hex[:10].upper()}"
    try:
        pg_summary = load_demo(engine, today=TODAY, team_id=team)
        assert pg_summary.deals == summary.deals and pg_summary.feedback == summary.feedback
        assert _checksum(engine, team) == _checksum(sqlite_engine, DEMO_TEAM_ID)
        members = _member_ids(engine, team)
        assert _quarter_attainment(engine, members[AHEAD_REP].id, *LAST_Q, team_id=team) > 1.0
        assert _quarter_attainment(engine, members[BEHIND_REP].id, *LAST_Q, team_id=team) < 0.70
        assert not database_is_empty(engine)
    finally:
        unload_demo(engine, team)
