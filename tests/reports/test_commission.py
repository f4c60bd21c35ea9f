"""Commission arithmetic against statements computed by hand (reports/commission.py)."""

from decimal import Decimal

from reports.commission import Plan, calculate

# 5% up to 100k, 8% from 100k to 200k, 10% above 200k; ×1.5 above target; commission capped at 20k; 2k bonus.
PLAN = Plan(
    rate=Decimal("0.05"),
    tiers=((10_000_000, Decimal("0.08")), (20_000_000, Decimal("0.10"))),
    accelerator=Decimal("1.5"),
    cap_cents=2_000_000,
    bonus_cents=200_000,
)


def test_tiers_are_marginal_the_accelerator_pays_above_target_the_cap_bites_and_the_bonus_is_on_top() -> None:
    # Revenue 250,000 against a 180,000 target (139%):
    #   100,000 × 5% = 5,000 · 100,000 × 8% = 8,000 · 50,000 × 10% = 5,000            → 18,000
    #   above target 70,000: 20,000 × 8% + 50,000 × 10% = 6,600; × (1.5 − 1)           → +3,300
    #   commission 21,300 over the 20,000 cap                                           → −1,300
    #   bonus for reaching target                                                       → +2,000   total 22,000
    s = calculate(PLAN, 25_000_000, 18_000_000)
    assert [(line.kind, line.base_cents, line.amount_cents) for line in s.lines] == [
        ("band", 10_000_000, 500_000),
        ("band", 10_000_000, 800_000),
        ("band", 5_000_000, 500_000),
        ("accelerator", 7_000_000, 330_000),
        ("cap", 2_130_000, -130_000),
        ("bonus", 200_000, 200_000),
    ]
    assert s.lines[3].earned_cents == 660_000
    assert s.commission_cents == 2_000_000 and s.total_cents == 2_200_000
    assert s.passed_target and float(s.attainment or 0) > 1.38


def test_below_target_no_accelerator_and_the_bonus_is_shown_as_missed() -> None:
    # 120,000.50 of 150,000: 100,000 × 5% = 5,000.00; 20,000.50 × 8% = 1,600.04; total 6,600.04.
    s = calculate(PLAN, 12_000_050, 15_000_000)
    assert [(line.kind, line.amount_cents) for line in s.lines] == [
        ("band", 500_000), ("band", 160_004), ("bonus_missed", 0)]
    assert s.total_cents == 660_004 and not s.passed_target


def test_cents_round_half_up_per_line_and_the_total_is_the_sum_of_the_lines() -> None:
    flat = Plan(rate=Decimal("0.075"))
    assert calculate(flat, 33_333, None).total_cents == 2_500  # 333.33 × 7.5% = 24.99975 → 25.00
    assert calculate(flat, 10, None).total_cents == 1  # 0.10 × 7.5% = 0.0075 → 0.01


def test_without_a_target_there_is_no_accelerator_and_no_bonus_and_no_revenue_still_shows_the_rate() -> None:
    s = calculate(PLAN, 25_000_000, None)  # 5,000 + 8,000 + 5,000: under the cap
    assert [line.kind for line in s.lines] == ["band", "band", "band", "bonus_no_target"]
    assert s.total_cents == 500_000 + 800_000 + 500_000
    empty = calculate(PLAN, 0, 10_000_000)
    assert [(line.kind, line.amount_cents) for line in empty.lines] == [("band", 0), ("bonus_missed", 0)]


def test_exactly_on_target_earns_the_bonus_but_no_accelerator() -> None:
    s = calculate(PLAN, 18_000_000, 18_000_000)
    assert [line.kind for line in s.lines] == ["band", "band", "bonus"]
    assert s.total_cents == 500_000 + 640_000 + 200_000
