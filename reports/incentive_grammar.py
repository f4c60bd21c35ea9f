"""What `/incentive plan set …` says, read into a plan: words in English, Simplified or Traditional Chinese.

`rate 5% tiers 100k:8% 200k:10% accelerator 1.5 cap 20k bonus 2k`
`提成 5% 阶梯 10万:8% 20万:10% 加速 1.5 封顶 2万 奖金 2000`
Amounts: `100000`, `100k`, `1.5m`, `10万`, with an optional currency sign; rates with up to four decimals of a
percent (stored in millionths, exact). Whatever is left over is reported, never guessed.
"""

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

PPM = 1_000_000  # CommissionPlan.rate_ppm per 1.0 (100%)
MILLI = 1000  # CommissionPlan.accelerator_milli per 1.0

_NUM = r"\d[\d,]*(?:\.\d+)?"
_AMOUNT = rf"(?:US\$|\$|¥|￥|€|£)?\s*({_NUM})\s*(k|m|w|万|萬)?"
_SCALE = {"": 1, "k": 1000, "m": 1_000_000, "w": 10_000, "万": 10_000, "萬": 10_000}
_TIER = re.compile(rf"{_AMOUNT}\s*[:：]\s*({_NUM})\s*[%％]", re.I)
_RATE = re.compile(rf"(?:\brate\b|\bcommission\b|提成|佣金)\s*({_NUM})\s*[%％]", re.I)
_ACCEL = re.compile(rf"(?:\baccelerator\b|加速(?:系数|係數)?)\s*[×x*]?\s*({_NUM})", re.I)
_CAP = re.compile(rf"(?:\bcap\b|封顶|封頂)\s*{_AMOUNT}", re.I)
_BONUS = re.compile(rf"(?:\bbonus\b|奖金|獎金|达标奖金|達標獎金)\s*{_AMOUNT}", re.I)
_TIERS_WORD = re.compile(r"\btiers?\b|阶梯|階梯", re.I)


@dataclass
class PlanSpec:
    rate_ppm: int | None = None
    tiers: list[list[int]] = field(default_factory=list)  # [threshold cents, rate ppm], ascending
    accelerator_milli: int | None = None
    cap_cents: int | None = None
    bonus_cents: int | None = None
    understood: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # the words that could not be read
    rest: str = ""


def _decimal(digits: str) -> Decimal | None:
    try:
        return Decimal(digits.replace(",", ""))
    except InvalidOperation:
        return None


def _cents(digits: str, scale: str | None) -> int | None:
    value = _decimal(digits)
    if value is None:
        return None
    amount = value * _SCALE[(scale or "").lower()] * 100
    return int(amount) if amount == amount.to_integral_value() and amount >= 0 else None


def _ppm(percent: str) -> int | None:
    value = _decimal(percent)
    if value is None:
        return None
    ppm = value * PPM / 100
    return int(ppm) if ppm == ppm.to_integral_value() and 0 <= ppm <= PPM else None


def parse_plan(text: str) -> PlanSpec:
    """The plan written in `text` (mentions already taken out by the caller)."""
    spec = PlanSpec()
    rest = text

    def take(pattern: re.Pattern[str]) -> re.Match[str] | None:
        nonlocal rest
        match = pattern.search(rest)
        if match is not None:
            rest = rest[: match.start()] + " " + rest[match.end() :]
            spec.understood.append(" ".join(match.group(0).split()))
        return match

    def refuse(match: re.Match[str]) -> None:  # read, but its value is out of range: not "understood"
        spec.understood.remove(" ".join(match.group(0).split()))
        spec.problems.append(match.group(0))

    if (m := take(_RATE)) is not None:
        spec.rate_ppm = _ppm(m.group(1))
        if spec.rate_ppm is None:
            refuse(m)
    while (m := take(_TIER)) is not None:
        threshold, ppm = _cents(m.group(1), m.group(2)), _ppm(m.group(3))
        if threshold is None or ppm is None or threshold == 0:
            refuse(m)
        else:
            spec.tiers.append([threshold, ppm])
    if (m := take(_ACCEL)) is not None:
        value = _decimal(m.group(1))
        milli = value * MILLI if value is not None else None
        if milli is None or milli != milli.to_integral_value() or not MILLI <= milli <= 10 * MILLI:
            refuse(m)
        else:
            spec.accelerator_milli = int(milli)
    if (m := take(_CAP)) is not None:
        spec.cap_cents = _cents(m.group(1), m.group(2))
        if spec.cap_cents is None:
            refuse(m)
    if (m := take(_BONUS)) is not None:
        spec.bonus_cents = _cents(m.group(1), m.group(2))
        if spec.bonus_cents is None:
            refuse(m)
    spec.tiers.sort()
    if len({t[0] for t in spec.tiers}) != len(spec.tiers):
        spec.problems.append("tiers")
    spec.rest = " ".join(_TIERS_WORD.sub(" ", rest).split())
    return spec
