"""The daily rollup (db/rollup.py, reports/kpi_rollup.py): every team-wide fact it serves is identical to the cent
to the same fact summed from the deals — mixed currencies, rates changing mid-quarter, GBP deals without a rate
left out, by day and in total — on both databases. Any write to `deal`, by any path, marks it stale at once (the
triggers of migration 0012_deal_rollup); an import and the demo load rebuild it.
"""

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session

from db.demo import load_demo
from db.importers import import_file, resolve_team
from db.models import Deal
from db.rollup import refresh_team
from reports import kpi_queries as q
from reports import kpi_rollup
from tests.money_data import write_files

TEAM = "TROLL"


@dataclass(frozen=True)
class Span:
    start: date
    end: date


PERIODS = [
    Span(date(2026, 7, 1), date(2026, 10, 1)),  # Q3: EUR and CNY rates change inside it, GBP has none before Sep
    Span(date(2026, 10, 1), date(2027, 1, 1)),  # Q4, running on the pinned clock
    Span(date(2026, 8, 14), date(2026, 8, 16)),  # the two days around the CNY rate change
    Span(date(2026, 1, 1), date(2027, 1, 1)),
    Span(date(2025, 1, 1), date(2025, 4, 1)),  # nothing at all
]


@pytest.fixture
def imported(engine: Engine, tmp_path: Path) -> Engine:
    deals_path, rates_path = write_files(tmp_path, deals=300, seed=21)
    resolve_team(engine, TEAM)
    for kind, path in (("deals", deals_path), ("rates", rates_path)):
        result = import_file(engine, kind, path.read_bytes(), filename=path.name, team_id=TEAM)
        assert result.status == "done", (kind, result.problems, result.refusal)
    return engine


def _valid(engine: Engine, team_id: str = TEAM) -> bool:
    with engine.connect() as conn:
        return conn.execute(text("SELECT 1 FROM dealdaystate WHERE team_id = :t"), {"t": team_id}).first() is not None


def _facts(session: Session, f: q.Filters, period: Span, group: str | None, *, rollup: bool) -> tuple:
    if rollup:
        return (
            kpi_rollup.won_stats(session, f, period.start, period.end, group),
            kpi_rollup.counts(session, f, "lost", period.start, period.end, group),
            kpi_rollup.counts(session, f, "new", period.start, period.end, group),
        )
    return (
        q.won_stats(session, f, period.start, period.end, group),
        q.lost_counts(session, f, period.start, period.end, group),
        q.new_deal_counts(session, f, period.start, period.end, group),
    )


@pytest.mark.parametrize("currency", ["USD", "EUR"])
def test_rollup_facts_equal_the_deal_sums_to_the_cent(imported: Engine, currency: str) -> None:
    """Reporting in USD (CNY, EUR, GBP converted) and in EUR (USD has no rate to EUR: left out, as in SQL)."""
    f = q.Filters(TEAM, currency=currency)
    with Session(imported) as session:
        assert kpi_rollup.applies(session, f, None) and kpi_rollup.applies(session, f, "day")
        compared = 0
        for period in PERIODS:
            for group in (None, "day"):
                from_rollup = _facts(session, f, period, group, rollup=True)
                assert from_rollup == _facts(session, f, period, group, rollup=False), (period, group)
                compared += bool(from_rollup[0])
        q3 = kpi_rollup.won_stats(session, f, PERIODS[0].start, PERIODS[0].end, None)[None]
    assert compared >= 6
    assert q3.cents > 0 and q3.left_out and q3.priced < q3.deals  # converted money and left-out deals were compared


def test_a_total_converted_by_the_database_equals_the_deal_sums_to_the_cent(
    imported: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Q4 in USD: CNY, EUR and GBP each have a rate in force from its first day (CNY's changes on 1 Nov), so the
    total is converted by the database, one row per currency (no spans of one rate), and equals the per-deal sums.
    Q3 (GBP's first rate comes in September: its August deals are left out, its September ones converted) still
    needs the spans."""
    with imported.begin() as conn:  # and a CNY rate that changes inside Q4, where CNY deals are won
        conn.execute(text("INSERT INTO exchangerate (team_id, currency, to_currency, valid_from, rate_micros, "
                          "created_at) VALUES (:t, 'CNY', 'USD', :d, 151000, :d)"), {"t": TEAM, "d": date(2026, 11, 1)})
    f = q.Filters(TEAM, currency="USD")
    q4, q3 = PERIODS[1], PERIODS[0]
    with Session(imported) as session:
        expected = {p: q.won_stats(session, f, p.start, p.end, None) for p in (q3, q4)}
        assert [v for c, v, _m in q.rates_in_force(session, f, q4.start, q4.end) if c == "CNY"] == [
            date(2026, 11, 1), date(2026, 8, 15)]

        def no_spans(*args: object) -> None:
            raise AssertionError("summed per span of one rate")

        with monkeypatch.context() as patched:
            patched.setattr(kpi_rollup, "_span_rows", no_spans)
            converted = kpi_rollup.won_stats(session, f, q4.start, q4.end, None)
            with pytest.raises(AssertionError, match="per span"):
                kpi_rollup.won_stats(session, f, q3.start, q3.end, None)
        assert converted == expected[q4]
        assert kpi_rollup.won_stats(session, f, q3.start, q3.end, None) == expected[q3]
    total = converted[None]
    assert total.cents > 0 and total.priced == total.deals > 0 and not total.left_out


@pytest.mark.parametrize("currency", ["USD", "EUR"])
def test_the_pipeline_from_the_rollup_equals_the_open_deals_to_the_cent(imported: Engine, currency: str) -> None:
    """Open at the end of a day: deals open now and deals closed later, converted at that day's rates (CNY and EUR
    change on 15 Aug and 1 Sep; GBP has none before 1 Sep and is left out with its own amount)."""
    with Session(imported) as session:  # a CRM row closed "before" it was created is never open
        session.add(Deal(team_id=TEAM, source="manual", external_id="odd", status="lost", amount_cents=55_555,
                         currency="EUR", created_date=date(2026, 9, 10), close_date=date(2026, 8, 20)))
        session.commit()
    refresh_team(imported, TEAM)
    f = q.Filters(TEAM, currency=currency)
    ends = [date(2026, 8, 21), date(2026, 9, 10), date(2026, 9, 11), date(2026, 7, 1), date(2026, 8, 15),
            date(2026, 8, 16), date(2026, 9, 2), date(2026, 10, 1),
            date(2026, 11, 27), date(2027, 1, 1), date(2026, 1, 1)]
    with Session(imported) as session:
        for end in ends:
            assert kpi_rollup.pipeline(session, f, end) == q.pipeline_stats(session, f, end)[None], end
        mid = kpi_rollup.pipeline(session, f, date(2026, 9, 2))
        today = kpi_rollup.pipeline(session, f, date(2026, 11, 27))
    assert mid.cents > 0 and mid.deals > today.deals > 0  # deals closed after 1 Sep counted as open on it
    if currency == "USD":
        assert "GBP" not in mid.left_out and today.priced == today.deals


@pytest.mark.parametrize("currency", ["USD", "EUR"])
def test_won_and_lost_by_rep_from_the_rollup_equal_the_deal_sums(imported: Engine, currency: str) -> None:
    """Per rep: whole months from `dealrepmonth`, the cut days and the months in which a rate changes mid-month
    (EUR on 10 Jul, CNY on 15 Aug) from the deals; a deal without an owner is kept apart, as in SQL."""
    with Session(imported) as session:
        session.add(Deal(team_id=TEAM, source="manual", external_id="no-owner", status="won", amount_cents=77_777,
                         currency="CNY", created_date=date(2026, 8, 1), close_date=date(2026, 9, 20)))
        session.commit()
    refresh_team(imported, TEAM)
    f = q.Filters(TEAM, currency=currency)
    periods = [*PERIODS, Span(date(2026, 9, 1), date(2026, 10, 1)), Span(date(2026, 8, 20), date(2026, 11, 3))]
    with Session(imported) as session:
        assert kpi_rollup.applies_by_rep(session, f, "rep")
        for period in periods:
            won = kpi_rollup.won_by_rep(session, f, period.start, period.end)
            assert won == q.won_stats(session, f, period.start, period.end, "rep"), period
            lost = kpi_rollup.lost_by_rep(session, f, period.start, period.end)
            assert lost == q.lost_counts(session, f, period.start, period.end, "rep"), period
        q3 = kpi_rollup.won_by_rep(session, f, PERIODS[0].start, PERIODS[0].end)
        months, spans = kpi_rollup._split(session, f, PERIODS[0].start, PERIODS[0].end)
    assert None in q3 and len(q3) > 3 and sum(v.cents for v in q3.values()) > 0
    if currency == "USD":  # September from the rollup; July and August (a rate changes inside them) from the deals
        assert months == [date(2026, 9, 1)] and spans == [(date(2026, 7, 1), date(2026, 8, 1)),
                                                          (date(2026, 8, 1), date(2026, 9, 1))]


def test_the_rollup_is_for_the_whole_team_only(imported: Engine) -> None:
    with Session(imported) as session:
        assert not kpi_rollup.applies(session, q.Filters(TEAM, member_id=1), None)
        assert not kpi_rollup.applies(session, q.Filters(TEAM, product="GTX Pro"), None)
        assert not kpi_rollup.applies(session, q.Filters(TEAM), "rep")
        assert not kpi_rollup.applies_by_rep(session, q.Filters(TEAM, product="GTX Pro"), "rep")
        assert not kpi_rollup.applies_by_rep(session, q.Filters(TEAM), "product")


def test_any_write_to_deals_makes_it_stale_until_a_refresh(imported: Engine) -> None:
    q3 = PERIODS[0]
    f = q.Filters(TEAM)
    assert _valid(imported)
    with Session(imported) as session:  # not through an importer: the ORM, as a script or a future sync would
        session.add(
            Deal(
                team_id=TEAM,
                source="manual",
                external_id="late-1",
                status="won",
                amount_cents=123_456,
                created_date=date(2026, 8, 1),
                close_date=date(2026, 8, 20),
            )
        )
        session.commit()
    assert not _valid(imported)
    with Session(imported) as session:
        assert not kpi_rollup.applies(session, f, None)
        before = q.won_stats(session, f, q3.start, q3.end)[None].cents
    refresh_team(imported, TEAM)
    with Session(imported) as session:
        assert kpi_rollup.applies(session, f, None)
        assert kpi_rollup.won_stats(session, f, q3.start, q3.end, None)[None].cents == before
    with imported.begin() as conn:
        conn.execute(text("UPDATE deal SET amount_cents = 1 WHERE external_id = 'late-1'"))
    assert not _valid(imported)
    refresh_team(imported, TEAM)
    with imported.begin() as conn:
        conn.execute(text("DELETE FROM deal WHERE external_id = 'late-1'"))
    assert not _valid(imported)
    refresh_team(imported, TEAM)
    with imported.begin() as conn:  # another workspace's write leaves this one's rollup valid
        conn.execute(
            text(
                "INSERT INTO deal (team_id, source, external_id, name, account, product, stage, status, amount_cents, "
                "currency, created_date, row_hash) VALUES ('TOTHER', 's', 'x', '', '', '', '', 'open', 5, 'USD', "
                ":d, '')"
            ),
            {"d": date(2026, 8, 1)},
        )
    assert _valid(imported)


def test_an_import_rebuilds_the_rollup_with_every_deal(imported: Engine) -> None:
    with imported.connect() as conn:
        covered = conn.execute(text("SELECT deals FROM dealdaystate WHERE team_id = :t"), {"t": TEAM}).scalar()
        deals = conn.execute(text("SELECT count(*) FROM deal WHERE team_id = :t"), {"t": TEAM}).scalar()
    assert covered == deals == 302


def test_the_demo_load_builds_the_rollup(engine: Engine) -> None:
    load_demo(engine, today=date(2026, 11, 26), team_id="TDEMOROLL")
    assert _valid(engine, "TDEMOROLL")
    f = q.Filters("TDEMOROLL")
    year = PERIODS[3]
    with Session(engine) as session:
        assert kpi_rollup.won_stats(session, f, year.start, year.end, "day") == q.won_stats(
            session, f, year.start, year.end, "day"
        )


# Every team-wide figure the engine serves from the rollup, over running, finished and partial periods.
ENGINE_METRICS = ["revenue", "deals_won", "win_rate", "avg_deal_size", "pipeline", "new_deals", "attainment", "pace"]


def _engine_answers(engine: Engine, today: date) -> tuple[list, list[str]]:
    """Every engine answer the rollup can serve, and the SQL statements sent to get them."""
    from sqlalchemy import event

    from reports import kpi_engine as k

    sent: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        sent.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        with Session(engine) as session:
            team = k.Scope(TEAM)
            answers: list = []
            for period in PERIODS:
                answers.append(k.compute_many(session, ENGINE_METRICS, team, period, today=today))
                answers.append(k.compare(session, "revenue", team, period, today=today))
                answers.append(k.compare(session, "win_rate", team, period, today=today))
                answers.append(k.breakdown_many(session, ["revenue", "deals_won", "new_deals", "win_rate"], team,
                                                period, "week", today=today))
                answers.append(k.breakdown_many(session, ["revenue", "deals_won", "win_rate", "avg_deal_size",
                                                          "attainment", "pace"], team, period, "rep", today=today))
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return answers, sent


def test_the_engine_answers_identically_with_and_without_the_rollup(imported: Engine) -> None:
    """The team's figures, changes and weekly series are the same whether the engine reads the rollup (valid
    after the import) or the deals (after any write, until the next refresh) — converted money, left-out GBP
    deals and all."""
    today = date(2026, 11, 26)
    with_rollup, sent = _engine_answers(imported, today)
    assert any("FROM dealday WHERE" in s for s in sent) and any("FROM dealrepmonth WHERE" in s for s in sent)
    # Of the deals, only those closed after a period's end (open at its end) and, per rep, the months in which a
    # rate changes and the cut days at the edges.
    on_deals = [s for s in sent if "FROM deal " in s]
    assert on_deals and all("status IN ('won', 'lost') AND close_date >= " in s or "deal.owner_id AS k" in s
                            for s in on_deals), on_deals
    with imported.begin() as conn:  # any write to the deals makes it stale: the engine reads the deals again
        conn.execute(text("UPDATE deal SET name = name WHERE team_id = :t"), {"t": TEAM})
    assert not _valid(imported)
    from_deals, sent = _engine_answers(imported, today)
    assert not any("FROM dealday WHERE" in s for s in sent)
    assert from_deals == with_rollup
    revenue = with_rollup[0]["revenue"]
    assert revenue.value > 0 and revenue.left_out  # real money, and GBP left out, were compared
