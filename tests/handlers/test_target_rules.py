"""Which target applies, per scope, and SMART targets — through /target and /kpi over signed HTTP requests
against the fake Slack, in English and Chinese, on SQLite and PostgreSQL (issue 10)."""

import re
from datetime import UTC, date, datetime

from sqlmodel import Session, select

from db import clock
from db.models import Target
from tests.handlers.test_kpi import seed
from tests.slack_driver import SlackDriver


def rows(slack: SlackDriver, **where: object) -> list[Target]:
    with Session(slack.deps.engine) as session:
        found = session.exec(select(Target).order_by(Target.id)).all()
    return [t for t in found if all(getattr(t, k) == v for k, v in where.items())]


def ask(slack: SlackDriver, command: str, text: str, user: str = "UMANAGER") -> str:
    slack.command(command, text, user=user)
    return slack.last_response_text()


def test_a_target_set_for_exactly_the_asked_period_wins_and_the_answer_says_which(slack: SlackDriver) -> None:
    seed(slack)
    for month, amount in (("October 2026", "40000"), ("November 2026", "40000"), ("December 2026", "42500")):
        ask(slack, "/target", f"set revenue {amount} {month} @bob")
    # Only monthly targets: the quarter is their sum, and the answer says so.
    text = ask(slack, "/kpi", "revenue @bob this quarter")
    assert "Target US$122,500.00 (sum of 3 monthly targets)" in text
    text = ask(slack, "/target", "set revenue 100000 this quarter @bob")
    assert "Target set: *Revenue* · Bob Stone · Q4 2026 (1 Oct – 31 Dec) · *US$100,000.00*" in text
    # The quarter's own target wins over the three monthly ones, and says who set it for which period.
    text = ask(slack, "/kpi", "revenue @bob this quarter")
    assert "Target US$100,000.00 (set for Q4 2026 by Maria Lopez)" in text and "122,500" not in text
    assert "pace" in text  # Q4 is still running on 26 Nov
    # November has its own target: that one, not 30/92 of the quarter's.
    text = ask(slack, "/kpi", "revenue @bob November")
    assert "Target US$40,000.00 (set for November 2026 by Maria Lopez)" in text
    # A span no target was set for is pro-rated from the most specific one, and says so.
    text = ask(slack, "/kpi", "revenue @bob 2026-11-01 to 2026-11-15")
    assert "Target US$20,000.00 (pro-rated by days from the November 2026 target (US$40,000.00))" in text
    # The team has no target of its own for Q4 other than the reps': their sum, said as such.
    text = ask(slack, "/kpi", "revenue team this quarter")
    assert "Target US$192,000.00 (sum of the targets of 2 rep(s))" in text


def test_product_and_account_figures_are_compared_only_with_their_own_targets(slack: SlackDriver) -> None:
    seed(slack)  # the team has a Q3 target of US$15,000
    text = ask(slack, "/kpi", "revenue product GTX Pro last quarter")
    assert "US$12,500.75" in text and "Target" not in text and "attainment" not in text
    text = ask(slack, "/kpi", "revenue account Cancity last quarter vs last year")
    assert "Target" not in text and "attainment" not in text
    text = ask(slack, "/target", "set revenue 10000 last quarter product GTX Pro")
    assert "Target set: *Revenue* · product GTX Pro · Q3 2026" in text
    assert [(t.product, t.member_id, t.value_cents) for t in rows(slack, product="GTX Pro")] == [
        ("GTX Pro", None, 1_000_000)
    ]
    text = ask(slack, "/kpi", "revenue product GTX Pro last quarter")
    assert "Target US$10,000.00 (set for Q3 2026 by Maria Lopez) · attainment 125% · hit ✅" in text
    # The team's own figure keeps the team's target.
    text = ask(slack, "/kpi", "revenue team last quarter")
    assert "Target US$15,000.00 (set for Q3 2026) · attainment 117% · hit ✅" in text
    text = ask(slack, "/target", "set revenue 5000 last quarter account Cancity")
    text = ask(slack, "/kpi", "revenue account Cancity last quarter")
    assert "Target US$5,000.00 (set for Q3 2026 by Maria Lopez)" in text


def test_smart_targets_keep_their_base_and_show_it(slack: SlackDriver) -> None:
    seed(slack)
    # 110% of last quarter: the base is Q3 (US$17,500.75); the target is for the quarter after it.
    text = ask(slack, "/target", "set revenue 110% of last quarter")
    assert "Target set: *Revenue* · team · Q4 2026 (1 Oct – 31 Dec) · *US$19,250.83*" in text
    assert "Based on 110% of Q3 2026 (US$17,500.75)" in text
    [team_q4] = rows(slack, member_id=None, product=None, period_start=date(2026, 10, 1))
    base = (team_q4.base_start, team_q4.base_end, team_q4.base_cents)
    assert base == (date(2026, 7, 1), date(2026, 10, 1), 1_750_075)
    assert (team_q4.growth_kind, team_q4.growth_bp, team_q4.value_cents) == ("of", 11000, 1_925_083)
    text = ask(slack, "/kpi", "revenue team this quarter")
    assert "Target US$19,250.83 (set for Q4 2026 by Maria Lopez · 110% of Q3 2026 (US$17,500.75))" in text
    # +10%: the base is the same metric in the previous period, for the same rep.
    text = ask(slack, "/target", "set revenue +10% this quarter @alice")
    assert "*US$16,500.55*" in text and "Based on +10% on Q3 2026 (US$15,000.50)" in text
    # vs last year: the same period a year earlier (Q3 2025: US$4,000).
    text = ask(slack, "/target", "set revenue +10% last quarter vs last year @alice")
    assert "*US$4,400.00*" in text and "Based on +10% on Q3 2025 (US$4,000.00)" in text
    # A rate moves in points: Q3's win rate was 75%, +5 pts is 80%.
    text = ask(slack, "/target", "set win rate +5 pts this quarter")
    assert "*80.0%*" in text and "Based on +5 pts on Q3 2026 (75.0%)" in text
    assert rows(slack, metric="win_rate")[0].value_cents == 8000
    # ... and never past 100%: Q2's win rate was 100%.
    text = ask(slack, "/target", "set win rate +5 pts last quarter")
    assert "*100.0%*" in text and "Based on +5 pts on Q2 2026 (100.0%)" in text
    # A rate written as a plain percentage is the target itself.
    text = ask(slack, "/target", "set win rate 30% Q1 2027")
    assert "Target set: *Win rate* · team · Q1 2027 (1 Jan – 31 Mar) · *30.0%*" in text
    assert "still running" not in text  # a plain target has no base
    # "Q1" and "March" without a year, set on 26 November: the next ones, not the ones already over.
    text = ask(slack, "/target", "set win rate 35% Q1")
    assert "Target updated: *Win rate* · team · Q1 2027 (1 Jan – 31 Mar) · *35.0%*" in text  # the same Q1
    text = ask(slack, "/target", "set revenue 5000 March")
    assert "March 2027" in text
    text = ask(slack, "/target", "set revenue 5000 November")  # the running month is not over: this one
    assert "November 2026" in text
    # Nothing to build on: said, and nothing stored.
    before = len(rows(slack))
    text = ask(slack, "/target", "set revenue +10% next quarter vs last year")
    assert "No Revenue in Q1 2026" in text and "set an amount instead" in text
    assert len(rows(slack)) == before


def test_smart_targets_in_chinese_next_quarter(slack: SlackDriver) -> None:
    seed(slack)
    text = ask(slack, "/target", "下季度 销售额 增长10%")
    assert "目标已设置：*销售额* · 团队 · 2027年第一季度" in text
    [row] = rows(slack, period_start=date(2027, 1, 1))
    # The base is Q4 2026, still running on 26 Nov: projected from its first 57 of 92 days.
    assert (row.base_start, row.base_end, row.growth_kind, row.growth_bp) == (
        date(2026, 10, 1),
        date(2027, 1, 1),
        "plus",
        1000,
    )
    assert row.base_cents == round(1_023_456 * 92 / 57)
    assert row.value_cents == round(row.base_cents * 1.1)
    assert "在2026年第四季度" in text and "基础上+10%" in text
    assert "⚠ 2026年第四季度尚未结束（第 57/92 天）：基数按目前的天数推算至整个期间。" in text
    text = ask(slack, "/target", "set 销售额 为上季度的110%")
    assert "目标已设置：*销售额* · 团队 · 2026年第四季度" in text and "2026年第三季度" in text


def test_target_list_shows_every_target_with_its_standing(slack: SlackDriver) -> None:
    seed(slack)
    ask(slack, "/target", "set revenue 50000 next quarter @alice")
    ask(slack, "/target", "set win rate 60% this quarter")
    # The count in the title is the number of targets shown: 4 for the manager, the team's 2 for a rep.
    for lang_user, title, n in (("UMANAGER", "*Targets* (", 4), ("UZHANG", "*目标* (", 2)):
        text = ask(slack, "/target", "list", user=lang_user)
        count = int(re.search(re.escape(title) + r"(\d+)\)", text).group(1))  # type: ignore[union-attr]
        lines = [line for line in text.splitlines() if line.startswith("`#")]
        assert count == len(lines) == n
    assert "已达成 ✅" in text and "完成率 117%" in text
    text = ask(slack, "/target", "list")
    by_scope = {line.split(" · ")[1] + " " + line.split(" · ")[2]: line for line in text.splitlines() if "`#" in line}
    assert "hit ✅" in by_scope["team Q3 2026"] and "US$17,500.75" in by_scope["team Q3 2026"]
    assert "pace" not in by_scope["team Q3 2026"]
    assert "pace 16% · behind" in by_scope["Alice Chen Q4 2026"]
    assert "not started yet" in by_scope["Alice Chen Q1 2027"]


def test_a_finished_quarter_is_hit_or_missed_and_a_running_one_has_pace(slack: SlackDriver) -> None:
    seed(slack)
    ask(slack, "/target", "set revenue 20000 last quarter @alice")
    text = ask(slack, "/kpi", "revenue @alice Q3")
    assert "attainment 75% · missed by US$4,999.50" in text and "pace" not in text and "at risk" not in text
    # On 2 December, early in the month: December is partial, compared like for like, and judged by pace.
    clock.set_now(datetime(2026, 12, 2, 10, 0, tzinfo=UTC))
    ask(slack, "/target", "set revenue 30000 this month @alice")
    text = ask(slack, "/kpi", "revenue @alice this month")
    assert "Partial period: 2 of 31 days so far, compared with the same 2 days of each earlier period" in text
    assert "pace 0% · behind" in text
    # November is over: hit or missed, never pace.
    text = ask(slack, "/kpi", "revenue @alice last month")
    assert "pace" not in text and "Partial" not in text


def test_breakdowns_honour_vs_last_year_with_rates_in_points(slack: SlackDriver) -> None:
    seed(slack)
    text = ask(slack, "/kpi", "revenue by rep last quarter vs last year")
    assert "Revenue by rep · Team · Q3 2026 (1 Jul – 30 Sep) vs Q3 2025" in text
    alice = next(line for line in text.splitlines() if line.startswith("1. Alice Chen"))
    assert "*US$15,001*   ▲ 275.0% vs Q3 2025 (US$4,000)" in alice
    text = ask(slack, "/kpi", "win rate by rep last quarter vs last year")
    alice = next(line for line in text.splitlines() if "Alice Chen" in line)
    assert "0.0 pts vs Q3 2025 (100.0%)" in alice and "%  vs" not in alice
    text = ask(slack, "/kpi", "上季度 销售额 按销售 同比", user="UMANAGER")
    assert "较2025年第三季度 ▲275.0%" in text


def test_partial_weeks_are_labelled_and_the_chart_compares_the_same_days(slack: SlackDriver) -> None:
    seed(slack)
    text = ask(slack, "/kpi", "revenue by week last quarter")
    assert "week of Wed 1 Jul (partial: 5 of 7 days)" in text
    assert "week of Mon 28 Sep (partial: 3 of 7 days)" in text
    assert "week of Mon 21 Sep   " in text and "week of Mon 21 Sep (partial" not in text
    # The running week is partial too, and so is the running quarter.
    text = ask(slack, "/kpi", "revenue by week this quarter")
    assert "week of Mon 23 Nov (partial: 4 of 7 days)" in text and "Partial period: 57 of 92 days" in text
