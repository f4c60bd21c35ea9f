"""/target over signed HTTP requests: managers set, replace, list and delete targets; /kpi pro-rates them."""

from datetime import date

from sqlmodel import Session, select

from db.models import Target
from handlers.target import parse_amount, to_stored
from tests.handlers.test_kpi import seed
from tests.slack_driver import SlackDriver


def targets(slack: SlackDriver) -> list[Target]:
    with Session(slack.deps.engine) as session:
        return list(session.exec(select(Target).order_by(Target.id)))


def test_manager_sets_replaces_and_kpi_pro_rates_by_days(slack: SlackDriver) -> None:
    ids = seed(slack)
    slack.command("/target", "set revenue 90k this quarter @bob", user="UMANAGER")
    assert (
        "Target set: *Revenue* · Bob Stone · Q4 2026 (1 Oct – 31 Dec) · *US$90,000.00*" in slack.last_response_text()
    )
    slack.command("/target", "set revenue 120,000 this quarter @bob", user="UMANAGER")
    assert "Target updated" in slack.last_response_text()
    bob = [t for t in targets(slack) if t.member_id == ids["bob"]]
    assert [(t.value_cents, t.period_start, t.period_end) for t in bob] == [
        (12_000_000, date(2026, 10, 1), date(2027, 1, 1))
    ]
    # November is 30 of the quarter's 92 days: 120,000 * 30 / 92 = 39,130.43.
    slack.command("/kpi", "revenue @bob 2026-11-01 to 2026-11-30", user="UMANAGER")
    text = slack.last_response_text()
    assert "Target US$39,130.43" in text and "US$1,234.56" in text and "attainment 3%" in text


def test_targets_in_chinese_for_rates_and_listing(slack: SlackDriver) -> None:
    seed(slack)
    slack.command("/target", "set 赢单率 60% 本季度", user="UMANAGER")
    assert "目标已设置：*赢单率* · 团队 · 2026年第四季度" in slack.last_response_text()
    assert "60.0%" in slack.last_response_text()
    rate = [t for t in targets(slack) if t.metric == "win_rate"]
    assert [t.value_cents for t in rate] == [6000]  # hundredths of a percent point
    slack.command("/target", "list", user="UMANAGER")
    text = slack.last_response_text()
    assert f"`#{rate[0].id}` Win rate · team · Q4 2026 · *60.0%*" in text
    assert "Revenue · Alice Chen · Q4 2026 · *US$92,000.00*" in text


def test_reps_cannot_set_or_delete_but_can_list_their_own(slack: SlackDriver) -> None:
    seed(slack)
    before = len(targets(slack))
    slack.command("/target", "set revenue 1000000 this quarter", user="UBOB")
    assert "Only managers can set or delete targets" in slack.last_response_text()
    slack.command("/target", f"delete {targets(slack)[0].id}", user="UBOB")
    assert len(targets(slack)) == before
    slack.command("/target", "list", user="UBOB")
    assert "Alice Chen" not in slack.last_response_text()  # another rep's target stays private
    slack.command("/target", "list", user="UALICE")
    assert "Alice Chen · Q4 2026 · *US$92,000.00*" in slack.last_response_text()


def test_delete_by_id_and_by_period(slack: SlackDriver) -> None:
    seed(slack)
    first = targets(slack)[0]
    slack.command("/target", f"delete {first.id}", user="UMANAGER")
    assert "Deleted 1 target(s)." in slack.last_response_text()
    slack.command("/target", "delete revenue this quarter @alice", user="UMANAGER")
    assert "Deleted 1 target(s)." in slack.last_response_text()
    assert targets(slack) == []
    slack.command("/target", "delete 99999", user="UMANAGER")
    assert "No such target" in slack.last_response_text()


def test_amounts_and_units() -> None:
    assert parse_amount("revenue 100k this quarter")[:2] == (100_000, False)
    assert parse_amount("销售额 10万 本季度")[:2] == (100_000, False)
    assert parse_amount("revenue $1,250,000.50 2026")[:2] == (1_250_000.50, False)
    amount, is_percent, rest, _currency = parse_amount("win rate 60% Q3 2026")
    assert (amount, is_percent) == (60, True) and "Q3 2026" in rest
    assert parse_amount("revenue 2026")[0] is None  # a year is a period, not an amount
    assert to_stored("revenue", parse_amount("1.5m")[0], False) == 150_000_000
    assert to_stored("win_rate", parse_amount("0.6")[0], False) == 6000
    assert to_stored("deals_won", parse_amount("40")[0], False) == 4000
