"""Commission arithmetic, pure: a plan, a rep's revenue and target in, the statement's lines and total out.

No database, no Slack, no wording: `reports/incentives.py` feeds it the KPI engine's revenue and the target of
reports/targets.py, and words the lines. Everything is in integer cents of the reporting currency; rates are
Decimals (0.05 for 5%), so nothing is ever a float.

The rules (the README says the same):
- Tiers are marginal, like tax brackets: the base rate applies to revenue below the first tier's threshold,
  each tier's rate only to the revenue between its threshold and the next one's. Reaching a tier never changes
  what the revenue below it earned.
- Accelerator: on the revenue above 100% of the target, the commission (at the rates of the bands it falls in)
  is multiplied by the accelerator; the statement shows the extra, (accelerator − 1) × that commission.
- Cap: the commission (bands plus accelerator) is capped; the bonus is paid on top of the cap.
- Bonus: paid when revenue reaches the target (attainment 100% or more). No target, no accelerator, no bonus.
- Each line is rounded to the cent (half up) and the total is the sum of the lines, so a statement adds up.
"""

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

__all__ = ["Plan", "Line", "Statement", "calculate", "cents"]


@dataclass(frozen=True)
class Plan:
    rate: Decimal  # the base rate, 0.05 for 5%
    tiers: tuple[tuple[int, Decimal], ...] = ()  # (threshold in cents, rate), ascending
    accelerator: Decimal | None = None  # 1.5: commission above 100% of target × 1.5
    cap_cents: int | None = None
    bonus_cents: int | None = None


@dataclass(frozen=True)
class Line:
    """One line of a statement. kind: 'band' (base × rate for revenue in [low, high)), 'accelerator' (base =
    revenue above target, `earned` = the commission on it), 'cap' (amount negative), 'bonus' (paid),
    'bonus_missed' / 'bonus_no_target' (amount 0, said so a rep knows what was at stake)."""

    kind: str
    amount_cents: int
    base_cents: int = 0
    rate: Decimal | None = None
    low_cents: int = 0
    high_cents: int | None = None
    earned_cents: int = 0
    factor: Decimal | None = None  # the accelerator, on its line


@dataclass(frozen=True)
class Statement:
    revenue_cents: int
    target_cents: int | None
    lines: tuple[Line, ...] = field(default_factory=tuple)

    @property
    def total_cents(self) -> int:
        return sum(line.amount_cents for line in self.lines)

    @property
    def commission_cents(self) -> int:
        """What the plan pays before the bonus (bands, accelerator, cap)."""
        return sum(line.amount_cents for line in self.lines if not line.kind.startswith("bonus"))

    @property
    def attainment(self) -> Fraction | None:
        return Fraction(self.revenue_cents, self.target_cents) if self.target_cents else None

    @property
    def passed_target(self) -> bool:
        return bool(self.target_cents) and self.revenue_cents >= (self.target_cents or 0)


def cents(value: Decimal) -> int:
    """Decimal cents to whole cents, half up (a statement is read by people who check it by hand)."""
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _bands(plan: Plan) -> list[tuple[int, int | None, Decimal]]:
    """[(low, high or None, rate)]: the base rate from 0, then each tier from its threshold."""
    steps = [(0, plan.rate), *sorted(plan.tiers)]
    return [(low, steps[i + 1][0] if i + 1 < len(steps) else None, rate) for i, (low, rate) in enumerate(steps)]


def _overlap(low: int, high: int | None, start: int, stop: int) -> int:
    """How much of [start, stop) lies in [low, high)."""
    top = stop if high is None else min(stop, high)
    return max(0, top - max(low, start))


def calculate(plan: Plan, revenue_cents: int, target_cents: int | None) -> Statement:
    """The statement of one rep for one period."""
    revenue = max(0, int(revenue_cents))
    target = int(target_cents) if target_cents and target_cents > 0 else None
    lines: list[Line] = []
    for i, (low, high, rate) in enumerate(_bands(plan)):
        base = _overlap(low, high, 0, revenue)
        if base or i == 0:  # the first band always shows, so a rep with no revenue sees the rate
            lines.append(Line("band", cents(base * rate), base, rate, low, high))
    if plan.accelerator is not None and plan.accelerator > 1 and target is not None and revenue > target:
        earned = sum((_overlap(low, high, target, revenue) * rate for low, high, rate in _bands(plan)), Decimal(0))
        extra = cents(earned * (plan.accelerator - 1))
        lines.append(Line("accelerator", extra, revenue - target, None, target, None, cents(earned), plan.accelerator))
    commission = sum(line.amount_cents for line in lines)
    if plan.cap_cents is not None and commission > plan.cap_cents:
        lines.append(Line("cap", plan.cap_cents - commission, commission, high_cents=plan.cap_cents))
    if plan.bonus_cents:
        if target is None:
            lines.append(Line("bonus_no_target", 0, plan.bonus_cents))
        elif revenue >= target:
            lines.append(Line("bonus", plan.bonus_cents, plan.bonus_cents))
        else:
            lines.append(Line("bonus_missed", 0, plan.bonus_cents))
    return Statement(revenue, target, tuple(lines))
