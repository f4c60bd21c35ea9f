"""The digest's content matches figures computed by hand on a known team, in English and Chinese."""

from datetime import date

import pytest
from sqlmodel import Session, select

from db.models import Target
from reports.charts import status_for
from reports.digest import build_digest, digest_lines, digest_period
from reports.digest_grammar import parse_subscription
from tests.digest_data import PREVIOUS_REVENUE, TEAM, WEEK_REVENUE, seed

MONDAY = date(2026, 11, 23)


def test_the_weekly_period_is_the_last_full_week() -> None:
    period = digest_period("weekly", today=MONDAY)
    assert (period.start, period.end) == (date(2026, 11, 16), date(2026, 11, 23))
    assert (
        digest_period("monthly", today=date(2026, 12, 7)).start,
        digest_period("quarterly", today=MONDAY).start,
    ) == (date(2026, 11, 1), date(2026, 7, 1))


def test_weekly_digest_figures_and_where_the_drop_comes_from(engine) -> None:  # type: ignore[no-untyped-def]
    seed(engine)
    with Session(engine) as session:
        d = build_digest(session, team_id=TEAM, cadence="weekly", today=MONDAY, language="en")
    assert d.revenue.current.value == WEEK_REVENUE == 1_980_050
    assert d.revenue.previous.value == PREVIOUS_REVENUE
    assert (d.deals_won, d.lost) == (3, (1, 90_000))
    assert d.win_rate == 3 / 4
    assert d.pipeline == 700_000
    assert d.stages == [("Proposal", 1, 700_000)]  # today's open deals by their CRM stage
    assert [(r.name, r.revenue) for r in d.reps] == [("Alice Smith", 1_730_050), ("张三", 250_000)]
    alice = d.reps[0]
    assert alice.target == 6_000_000 * 7 // 30  # the November target pro-rated to the week
    # judged on November to date (1-22 Nov): US$21,300.50 of the US$44,000 due by then -> 48% of pace, behind
    assert (alice.basis_revenue, alice.basis_target) == (1_200_000 + 530_050 + 400_000, 6_000_000 * 22 // 30)
    assert alice.pace == pytest.approx(2_130_050 / 4_400_000) and alice.status == "behind"
    assert [status_for(r.basis_revenue, r.basis_target) for r in d.reps] == ["behind", "no_target"]
    assert [r.status for r in d.reps] == ["behind", "no_target"]  # the chart's colours say what the text says
    # revenue fell 40%: most of it is Zhang's MG Advanced at Rantouch (−US$26,500 of −US$13,199.50 net)
    assert d.drop is not None and d.drop.delta == 250_000 - 2_900_000
    assert d.drop.label in ("MG Advanced", "张三")
    assert d.drop.detail is not None and d.drop.detail.label == "Rantouch"
    text = "\n".join(digest_lines(d, timezone="America/New_York"))
    assert "*Sales week 47 · 16–22 Nov 2026*" in text
    assert "Revenue US$19,800.50 ▼ 40.0% vs previous · 3 deals won · win rate 75%" in text
    assert "Rantouch" in text and "⚠" in text
    assert "New deals 0 · deals lost 1 (US$900)" in text
    # Each named cause says what share of the drop it explains, never "most".
    assert d.drop.share is not None and f"{round(d.drop.share * 100)}% of the team's" in text and "most" not in text


def test_a_monthly_review_is_hit_or_missed_and_says_which_target(engine) -> None:  # type: ignore[no-untyped-def]
    seed(engine)
    with Session(engine) as session:
        d = build_digest(session, team_id=TEAM, cadence="monthly", today=date(2026, 12, 7), language="en")
    text = "\n".join(digest_lines(d))
    # November is over: targets hit or missed, no pace and no "at risk" for it.
    assert "Targets: hit " in text and "missed " in text
    assert "Pace for" not in text and "at risk" not in text
    assert "Team target US$60K (sum of the targets of 1 rep(s)) · attainment" in text


def test_chinese_digest_reads_in_chinese(engine) -> None:  # type: ignore[no-untyped-def]
    seed(engine)
    with Session(engine) as session:
        d = build_digest(session, team_id=TEAM, cadence="monthly", today=date(2026, 12, 7), language="zh")
    text = "\n".join(digest_lines(d))
    assert text.startswith("*月度回顾 · 2026年11月（11月1日–30日）*")
    assert "去年同期" in text and "赢单 5 笔" in text


def test_subscription_grammar_in_both_languages() -> None:
    req = parse_subscription("<#C123|sales> monthly on friday at 4:30pm Asia/Shanghai")
    assert (req.channel, req.cadence, req.weekday, req.time_of_day, req.timezone, req.rest) == (
        "C123",
        "monthly",
        4,
        "16:30",
        "Asia/Shanghai",
        "",
    )
    zh = parse_subscription("#销售 每周一 9:00")
    assert (zh.channel, zh.cadence, zh.weekday, zh.time_of_day) == ("销售", "weekly", 0, "09:00")
    assert parse_subscription("weekly on blursday").rest == "blursday"


def test_one_clock_reader_for_every_schedule() -> None:
    """/digest and /checkin read days and times through reports/clock_words.py."""
    from reports.clock_words import find_time, find_weekday

    phrases = ("at 16:00", "4:30pm", "9am", "at 9", "下午4点半", "上午9点", "25:00")
    times = {s: (find_time(s) or (None,))[0] for s in phrases}
    assert times == {"at 16:00": "16:00", "4:30pm": "16:30", "9am": "09:00", "at 9": "09:00", "下午4点半": "16:30",
                     "上午9点": "09:00", "25:00": None}
    assert [find_weekday(s)[0] for s in ("on friday", "周五", "星期日", "tues")] == [4, 4, 6, 1]  # type: ignore[index]


def test_reps_without_targets_are_counted_and_a_team_with_none_is_told_how_to_set_them(engine) -> None:  # type: ignore[no-untyped-def]
    """Zhang has no target: the pace line says so beside the counts. Without any rep target, "on track 0 · at
    risk 0 · behind 0" would read as a team doing nothing — the digest says why and how to set them."""
    seed(engine)
    with Session(engine) as session:
        d = build_digest(session, team_id=TEAM, cadence="weekly", today=date(2026, 11, 26), language="en")
    text = "\n".join(digest_lines(d))
    assert "Pace for November 2026: on track 0 · at risk 0 · behind 1" in text and "· no target 1" in text
    with Session(engine) as session:
        for target in session.exec(select(Target)).all():
            session.delete(target)
        session.commit()
        d = build_digest(session, team_id=TEAM, cadence="weekly", today=date(2026, 11, 26), language="zh")
    text = "\n".join(digest_lines(d))
    assert "2026年11月没有销售设定目标，无法判断进度" in text and "达标 0" not in text


def test_a_stage_whose_open_deals_have_no_amount_says_so_not_zero(engine) -> None:  # type: ignore[no-untyped-def]
    """The Maven CRM export leaves close_value empty on open deals: "Engaging 2 (US$0)" would say the pipeline is
    worth nothing; the digest says the export gives no amounts."""
    from db.models import Deal

    seed(engine)
    with Session(engine) as session:
        owner = session.exec(select(Deal.owner_id)).first()
        for i in range(2):
            session.add(Deal(team_id=TEAM, external_id=f"E{i}", name="", owner_id=owner, account="Isdom",
                             stage="Engaging", status="open", amount_cents=0, created_date=date(2026, 10, 1)))
        session.commit()
        d = build_digest(session, team_id=TEAM, cadence="weekly", today=date(2026, 11, 26), language="en")
        zh = build_digest(session, team_id=TEAM, cadence="weekly", today=date(2026, 11, 26), language="zh")
    assert "Engaging 2 (no amounts)" in "\n".join(digest_lines(d))
    assert "Engaging 2 (无金额)" in "\n".join(digest_lines(zh))


def test_a_drop_is_never_put_on_deals_without_a_product_or_an_account(engine) -> None:  # type: ignore[no-untyped-def]
    """Salesforce syncs and exports without a product column leave every deal's product empty: "Revenue from *—*
    fell 100%" names nothing. The drop goes to the rep, and no account is named when the deals have none."""
    from db.models import Deal, Member, Workspace

    with Session(engine) as session:
        session.add(Workspace(team_id="TNOPROD"))
        rep = Member(team_id="TNOPROD", display_name="Dana Rep")
        session.add(rep)
        session.flush()
        session.add_all([Deal(team_id="TNOPROD", external_id=f"S{i}", owner_id=rep.id, status="won", product="",
                              account="", amount_cents=500_000, currency="USD", created_date=date(2026, 10, 1),
                              close_date=date(2026, 11, 10)) for i in range(2)])
        session.commit()
        d = build_digest(session, team_id="TNOPROD", cadence="weekly", today=MONDAY, language="en")
    assert d.drop is not None and (d.drop.dimension, d.drop.label) == ("rep", "Dana Rep")
    assert d.drop.detail is None
    text = "\n".join(digest_lines(d, timezone="UTC"))
    assert "Revenue from *Dana Rep* fell 100%" in text and "*—*" not in text


def test_lost_deals_without_amounts_say_so_not_zero(engine) -> None:  # type: ignore[no-untyped-def]
    """The Maven CRM export records 0 for every lost deal: "deals lost 27 (US$0)" reads as deals worth nothing; the
    digest says the export gives no amounts."""
    from db.models import Deal

    seed(engine)
    with Session(engine) as session:
        for lost in session.exec(select(Deal).where(Deal.status == "lost")).all():
            lost.amount_cents = 0
            session.add(lost)
        session.commit()
        d = build_digest(session, team_id=TEAM, cadence="weekly", today=date(2026, 11, 26), language="en")
        zh = build_digest(session, team_id=TEAM, cadence="weekly", today=date(2026, 11, 26), language="zh")
    assert "deals lost 1 (no amounts)" in "\n".join(digest_lines(d))
    assert "(US$0)" not in "\n".join(digest_lines(d))
    assert "丢单 1 笔（无金额）" in "\n".join(digest_lines(zh))


def test_lost_deals_in_a_currency_without_a_rate_are_said_not_summed_as_zero(engine) -> None:  # type: ignore[no-untyped-def]
    """A lost deal in CN¥ with no CNY rate: "deals lost 1 (US$0)" said nothing of it; the digest names what it could
    not include, as it does for revenue."""
    from db.models import Deal

    seed(engine)
    with Session(engine) as session:
        for lost in session.exec(select(Deal).where(Deal.status == "lost")).all():
            lost.currency = "CNY"
            session.add(lost)
        session.commit()
        d = build_digest(session, team_id=TEAM, cadence="weekly", today=date(2026, 11, 26), language="en")
    text = "\n".join(digest_lines(d))
    assert "deals lost 1 (US$0)" in text
    assert "⚠ Deals lost: 1 deal in CN¥ (CN¥900.00) left out: no CNY rate" in text
