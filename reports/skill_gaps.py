"""Skill gaps a manager should know before a one-on-one, suggested from the data, each with a training topic.

Slack-free. `skill_gaps(session, team_id, member_id, today, answers=…)` -> list[Gap], the biggest first:

- **win rate**: the rep's won / closed deals over the last WINDOW_DAYS is at least FAR_BELOW (15 points) under the
  rest of the team's, with at least MIN_DEALS closed deals of theirs (fewer say nothing) -> closing skills;
- **a product**: the same on one product (MIN_DEALS of the rep's closed deals on it) -> product knowledge;
- **a stage**: of the rep's lost deals, a share at least FAR_BELOW higher than the team's was lost at one CRM
  stage (only when lost deals keep the stage they were lost at, i.e. the team's lost deals name 2+ stages, with
  MIN_LOST of the rep's) -> that stage;
- **cycle**: the rep's median sales cycle (deals won, `kpi_engine`'s definition) is at least CYCLE_FACTOR times
  the team's, over MIN_WON won deals -> moving deals forward;
- **asked**: a recent check-in answer asks for help a training gives ("need product expert", "需要产品专家",
  "help with pricing", "谈判") -> its topic.

Counts are aggregated in SQL (one query per window, grouped by owner, status, product and stage).
"""

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select

from db.models import Deal
from reports import kpi_engine
from reports.formatting import number, percent
from reports.i18n import add_messages, msg, t
from reports.mrkdwn import escape

WINDOW_DAYS = 180
MIN_DEALS = 20  # closed deals of the rep before a win rate is compared
MIN_LOST = 10  # lost deals of the rep before where they were lost is compared
MIN_WON = 10  # won deals of the rep before a cycle is compared
FAR_BELOW = 0.15  # 15 percentage points
CYCLE_FACTOR = 1.5
MAX_GAPS = 3

add_messages(
    msg("gaps.title", "Skill gaps: {items}"),
    msg("gaps.item", "{fact} → training: *{topic}*"),
    msg("gaps.training", "training on {topic}"),
    msg("gaps.win_rate", "win rate {rate} vs the team's {team} over {days} days ({n} deals closed)"),
    msg("gaps.product", "win rate on {product} {rate} vs the team's {team} ({n} deals closed)"),
    msg("gaps.stage", "{share} of lost deals lost at {stage} vs the team's {team} ({n} lost)"),
    msg("gaps.cycle", "sales cycle {days} days vs the team's {team} ({n} deals won)"),
    msg("gaps.asked", "asked in a check-in: “{text}”"),
    msg("gaps.topic.closing", "closing and negotiation"),
    msg("gaps.topic.product", "product knowledge: {product}"),
    msg("gaps.topic.product_any", "product knowledge"),
    msg("gaps.topic.stage", "the {stage} stage"),
    msg("gaps.topic.cycle", "moving deals forward"),
    msg("gaps.topic.pricing", "pricing and negotiation"),
    msg("gaps.topic.demo", "product demos"),
)

# What a check-in answer asks for -> the training topic that gives it (English words, Chinese substrings).
_ASKS = (
    ("product_any", r"product (?:expert|specialist|knowledge|training)|technical (?:expert|help|support)|presales"
                    r"|产品专家|产品知识|技术专家|技术支持|售前"),
    ("pricing", r"pricing|price|discount|negotiat\w*|报价|价格|折扣|谈判"),
    ("demo", r"\bdemos?\b|演示"),
)


@dataclass(frozen=True)
class Gap:
    kind: str  # win_rate | product | stage | cycle | asked
    topic: str  # gaps.topic.<topic>
    size: float  # how far (points or factor), to order gaps
    rep: float | None = None
    team: float | None = None
    n: int = 0
    name: str = ""  # the product, the stage, or the words of the answer


def skill_gaps(
    session: Any, team_id: str, member_id: int, today: date, *, answers: tuple[str, ...] = ()
) -> list[Gap]:
    """The rep's gaps from deals closed in the last WINDOW_DAYS and from their recent check-in answers."""
    start, end = today - timedelta(days=WINDOW_DAYS), today + timedelta(days=1)
    rows = session.execute(
        select(Deal.owner_id, Deal.status, Deal.product, Deal.stage, func.count())
        .where(
            Deal.team_id == team_id,
            Deal.status.in_(("won", "lost")),  # type: ignore[attr-defined]
            Deal.close_date >= start,  # type: ignore[operator]
            Deal.close_date < end,  # type: ignore[operator]
            Deal.owner_id.is_not(None),  # type: ignore[union-attr]
        )
        .group_by(Deal.owner_id, Deal.status, Deal.product, Deal.stage)
    ).all()
    mine = [(status, p or "", stage or "", int(n)) for owner, status, p, stage, n in rows if owner == member_id]
    others = [(status, p or "", stage or "", int(n)) for owner, status, p, stage, n in rows if owner != member_id]
    gaps = _rate_gaps(mine, others)
    gaps += _stage_gaps(mine, others)
    gaps += _cycle_gaps(session, team_id, member_id, start, end, today)
    gaps += _asked(answers)
    return sorted(gaps, key=lambda g: -g.size)[:MAX_GAPS]


def _rate(rows: list[tuple[str, str, str, int]], product: str | None = None) -> tuple[float | None, int]:
    won = sum(n for s, p, _, n in rows if s == "won" and (product is None or p == product))
    closed = sum(n for _, p, _, n in rows if product is None or p == product)
    return (won / closed if closed else None), closed


def _rate_gaps(mine: list[tuple[str, str, str, int]], others: list[tuple[str, str, str, int]]) -> list[Gap]:
    out = []
    rate, n = _rate(mine)
    team, team_n = _rate(others)
    if rate is not None and team is not None and n >= MIN_DEALS and team_n >= MIN_DEALS and team - rate >= FAR_BELOW:
        out.append(Gap("win_rate", "closing", team - rate, rate, team, n))
    for product in sorted({p for _, p, _, _ in mine if p}):
        rate, n = _rate(mine, product)
        team, team_n = _rate(others, product)
        if rate is None or team is None or n < MIN_DEALS or team_n < MIN_DEALS or team - rate < FAR_BELOW:
            continue
        overall = out[0].size if out else 0.0
        if team - rate > overall:  # more than the rep's overall gap: it is about this product
            out.append(Gap("product", "product", team - rate, rate, team, n, product))
    return out


def _stage_gaps(mine: list[tuple[str, str, str, int]], others: list[tuple[str, str, str, int]]) -> list[Gap]:
    lost_mine = [(stage, n) for s, _, stage, n in mine if s == "lost" and stage]
    lost_team = [(stage, n) for s, _, stage, n in others if s == "lost" and stage]
    if len({stage.casefold() for stage, _ in lost_team}) < 2:
        return []  # lost deals do not keep the stage they were lost at
    total, team_total = sum(n for _, n in lost_mine), sum(n for _, n in lost_team)
    if total < MIN_LOST or team_total < MIN_LOST:
        return []
    out = []
    for stage in sorted({s for s, _ in lost_mine}):
        share = sum(n for s, n in lost_mine if s == stage) / total
        team = sum(n for s, n in lost_team if s == stage) / team_total
        if share - team >= FAR_BELOW:
            out.append(Gap("stage", "stage", share - team, share, team, total, stage))
    return out


def _cycle_gaps(session: Any, team_id: str, member_id: int, start: date, end: date, today: date) -> list[Gap]:
    span = _Span(start, end)
    rep = kpi_engine.compute(session, "sales_cycle", kpi_engine.Scope(team_id, member_id=member_id), span, today=today)
    team = kpi_engine.compute(session, "sales_cycle", kpi_engine.Scope(team_id), span, today=today)
    won = kpi_engine.compute(
        session, "deals_won", kpi_engine.Scope(team_id, member_id=member_id), span, today=today
    ).value
    if rep.value is None or not team.value or int(won or 0) < MIN_WON or rep.value < CYCLE_FACTOR * team.value:
        return []
    return [Gap("cycle", "cycle", rep.value / team.value - 1, rep.value, team.value, int(won or 0))]


@dataclass(frozen=True)
class _Span:
    start: date
    end: date


def _asked(answers: tuple[str, ...]) -> list[Gap]:
    out: list[Gap] = []
    for answer in answers:
        for topic, pattern in _ASKS:
            if answer and re.search(pattern, answer, re.IGNORECASE) and topic not in {g.topic for g in out}:
                out.append(Gap("asked", topic, 0.2, name=answer))
    return out


def gap_lines(gaps: list[Gap], language: str) -> list[str]:
    """Each gap as "fact → training: *topic*", escaped for mrkdwn."""
    out = []
    for gap in gaps:
        if gap.kind == "asked":
            fact = t("gaps.asked", language, text=escape(_short(gap.name)))
        elif gap.kind == "cycle":
            fact = t("gaps.cycle", language, days=number(gap.rep or 0, language, 0),
                     team=number(gap.team or 0, language, 0), n=number(gap.n, language))
        else:
            fact = t(f"gaps.{gap.kind}", language, rate=percent(gap.rep, language, 0),
                     share=percent(gap.rep, language, 0), team=percent(gap.team, language, 0),
                     n=number(gap.n, language), days=WINDOW_DAYS, product=escape(gap.name), stage=escape(gap.name))
        out.append(t("gaps.item", language, fact=fact, topic=topic_text(gap, language)))
    return out


def topic_text(gap: Gap, language: str) -> str:
    """The suggested training topic of a gap, in words."""
    return t(f"gaps.topic.{gap.topic}", language, product=escape(gap.name), stage=escape(gap.name))


def _short(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
