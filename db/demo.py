"""Realistic, deterministic demo data: a team, two years of deals, targets, feedback and check-ins.

Everything comes from one `random.Random(seed)` and the `today` argument, so the same seed and the same
`today` give the same rows on SQLite and PostgreSQL alike (row ids aside). Nothing here reads the clock.

The story the data tells (so KPIs, digests and reviews have something to find):
- 8 reps under one manager (Maria Lopez), in four time zones, in English and Chinese.
- Revenue follows a monthly plan with seasonality (Q4 strong, summer weak) and ~10% yearly growth.
- Darcel Schlecht climbs to ~120% of target and Priya Raman to ~110%; Zane Levy slides from ~95% to
  ~60% over the two years (lower win rate, older pipeline, missed check-ins); 张三 and Moses Frase sit
  a little under target (~80-88%).
- Feedback over the last 6 months: delivery delays / 交付延迟 growing lately, onboarding praised,
  pricing mixed, product quality mostly good. Cancity (张三's account) has several 1-2★ ratings in the
  last 30 days about late deliveries; Isdom (Darcel's) went from ~4.6★ to low ratings in the last two months.
- Weekly check-ins (Friday 16:00 at each rep's local time) for the last 8 weeks, answered in the
  rep's language; Zane misses some and his confidence is low.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.engine import Engine

from db.engine import session_scope
from db.market_rollup import refresh as refresh_market
from db.models import (
    CheckinAnswer,
    CheckinRun,
    CheckinSchedule,
    CheckinScheduleRep,
    Deal,
    DealDay,
    DealDayState,
    Delivery,
    DigestSubscription,
    Feedback,
    ImportRun,
    Member,
    ProcessedEvent,
    Target,
    Workspace,
)
from db.rollup import refresh
from db.workspaces import DEMO_TEAM_ID

DEMO_SOURCE = "demo"
EMAIL_DOMAIN = "demo-sales.example.com"


class DemoAlreadyLoaded(RuntimeError):
    """The team already has data; pass replace=True to wipe that team's rows and load again."""


@dataclass
class DemoSummary:
    team_id: str
    members: int
    deals: int
    targets: int
    feedback: int
    checkin_runs: int
    first_date: date
    last_date: date


# --------------------------------------------------------------------------------------------------
# The cast
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoRep:
    slack_user_id: str
    display_name: str
    crm_name: str
    email: str
    timezone: str
    locale: str
    quota_share: float  # size of the rep's quota relative to an average rep
    attainment_start: float  # revenue / target two years ago ...
    attainment_end: float  # ... and over the last ~10 months
    win_rate: float
    missed_checkin_rate: float

    @property
    def language(self) -> str:
        return "zh" if self.locale.lower().startswith("zh") else "en"


def _email(local: str) -> str:
    return f"{local}@{EMAIL_DOMAIN}"


DEMO_MANAGER_NAME = "Maria Lopez"

# fmt: off
DEMO_REPS: tuple[DemoRep, ...] = (
    # slack id, display name, CRM name, e-mail, time zone, locale,
    # quota share, attainment two years ago -> lately, win rate, share of check-ins missed
    DemoRep("UDEMO01", "Darcel Schlecht", "Darcel Schlecht", _email("darcel.schlecht"), "America/New_York", "en-US",
            1.15, 1.00, 1.20, 0.64, 0.04),
    DemoRep("UDEMO02", "张三", "Zhang San", _email("zhang.san"), "Asia/Shanghai", "zh-CN",
            1.00, 0.98, 0.88, 0.55, 0.08),
    DemoRep("UDEMO03", "Zane Levy", "Zane Levy", _email("zane.levy"), "America/Los_Angeles", "en-US",
            1.00, 0.95, 0.60, 0.45, 0.25),
    DemoRep("UDEMO04", "李娜", "Li Na", _email("li.na"), "Asia/Shanghai", "zh-CN",
            0.95, 0.97, 1.00, 0.60, 0.05),
    DemoRep("UDEMO05", "Anna Snelling", "Anna Snelling", _email("anna.snelling"), "Europe/London", "en-US",
            1.05, 0.95, 0.98, 0.58, 0.08),
    DemoRep("UDEMO06", "王伟", "Wang Wei", _email("wang.wei"), "Asia/Shanghai", "zh-CN",
            0.90, 0.90, 0.95, 0.57, 0.08),
    DemoRep("UDEMO07", "Moses Frase", "Moses Frase", _email("moses.frase"), "America/Los_Angeles", "en-US",
            0.90, 0.85, 0.80, 0.50, 0.12),
    DemoRep("UDEMO08", "Priya Raman", "Priya Raman", _email("priya.raman"), "Europe/London", "en-US",
            1.00, 1.02, 1.10, 0.62, 0.04),
)
# fmt: on
AHEAD_REP = "UDEMO01"  # Darcel Schlecht, ~120% of target lately
BEHIND_REP = "UDEMO03"  # Zane Levy, ~60% of target lately

# name -> (low, high) price in whole dollars, weight
PRODUCTS: dict[str, tuple[int, int, float]] = {
    "GTX Basic": (450, 650, 0.22),
    "GTX Plus Basic": (900, 1_300, 0.15),
    "GTX Pro": (4_000, 5_600, 0.16),
    "GTX Plus Pro": (4_700, 6_300, 0.10),
    "MG Special": (45, 70, 0.15),
    "MG Advanced": (2_900, 3_900, 0.17),
    "GTK 500": (22_000, 30_000, 0.03),
}
_PRODUCT_NAMES = list(PRODUCTS)
_PRODUCT_WEIGHTS = [PRODUCTS[p][2] for p in _PRODUCT_NAMES]
_AVG_DEAL_DOLLARS = sum((lo + hi) / 2 * w for lo, hi, w in PRODUCTS.values()) / sum(_PRODUCT_WEIGHTS)
_TEAM_WIN_RATE = 0.57
# Calibration: won deals come out smaller than the list-price average (the last deals of a month fill
# the gap to the month's revenue with whatever product fits; GTK 500 rarely fits), and growth and the
# attainment curve add the rest; with this factor a rep has about `deals_per_rep_per_month` deals a month.
_WON_DEAL_DOLLARS = 0.7 * _AVG_DEAL_DOLLARS

# name, size weight, index into DEMO_REPS of the account's primary owner
# fmt: off
ACCOUNTS: tuple[tuple[str, float, int], ...] = (
    ("Isdom", 3.0, 0), ("Rantouch", 3.2, 0), ("Kan-code", 2.0, 0), ("Codehow", 1.2, 0),
    ("Cancity", 3.0, 1), ("Bluth Co.", 2.0, 1), ("华星科技", 2.2, 1), ("Hottechi", 1.0, 1),
    ("Bubba Gump", 1.5, 2), ("Dontechi", 1.0, 2), ("Genco Pura Olive Oil Company", 0.8, 2),
    ("Finjob", 0.9, 2),
    ("远航物流", 2.0, 3), ("新源能源", 1.6, 3), ("Konex", 1.8, 3), ("Sonron", 1.0, 3),
    ("Acme Corporation", 2.4, 4), ("Umbrella Corporation", 1.8, 4), ("Globex Corporation", 1.4, 4),
    ("Initech", 1.0, 4),
    ("博达电子", 1.8, 5), ("Betasoloin", 1.2, 5), ("Zumgoity", 1.0, 5), ("Treequote", 1.3, 5),
    ("Massive Dynamic", 1.6, 6), ("Condax", 1.0, 6), ("Goodsilron", 0.9, 6),
    ("Vehement Capital Partners", 1.7, 7), ("Hatfan", 1.2, 7), ("Zencorporation", 1.4, 7),
)
# fmt: on
AT_RISK_ACCOUNTS = ("Cancity", "Isdom")

# Month of year -> revenue factor: Q4 strong, summer weak, quarter-end pushes.
# fmt: off
SEASONALITY = {1: 0.85, 2: 0.90, 3: 1.05, 4: 0.95, 5: 0.95, 6: 1.02,
               7: 0.80, 8: 0.75, 9: 0.97, 10: 1.10, 11: 1.20, 12: 1.35}
# fmt: on
YEARLY_GROWTH = 0.10

OPEN_STAGES = ("Prospecting", "Qualification", "Proposal", "Negotiation")

# The product's default questions (reports/checkins.py, in the catalogs) as the demo's runs ask them: demo data, kept
# equal to the catalogs by tests/reports/test_translations.py.
DEFAULT_CHECKIN_QUESTIONS: dict[str, list[str]] = {
    "en": [
        "What progress did you make on your deals this week?",
        "What difficulties or blockers are you facing?",
        "What in our sales strategy should change?",
        "What support do you need from me or the team?",
        "How confident are you about hitting your target this month? (1-5)",
    ],
    "zh": [
        "本周你的商机有哪些进展？",
        "遇到了哪些困难或阻碍？",
        "我们的销售策略有哪些地方应该调整？",
        "你需要我或团队提供什么支持？",
        "你对完成本月目标有多大信心？（1-5）",
    ],
}


# --------------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------------


def database_is_empty(engine: Engine) -> bool:
    """True when the database has no workspace and no deal at all (any team)."""
    with session_scope(engine) as session:
        has_ws = session.execute(select(Workspace.team_id).limit(1)).first() is not None
        has_deal = session.execute(select(Deal.id).limit(1)).first() is not None
    return not (has_ws or has_deal)


def load_demo(
    engine: Engine,
    *,
    today: date,
    seed: int = 7,
    team_id: str = DEMO_TEAM_ID,
    manager_slack_id: str = "UDEMOMGR",
    timezone: str = "America/New_York",
    language: str = "en",
    deals_per_rep_per_month: int = 20,
    replace: bool = False,
) -> DemoSummary:
    """Load the demo team into `engine`'s (migrated) database in one transaction.

    Raises DemoAlreadyLoaded when `team_id` already has a workspace or deals, unless `replace` is true,
    in which case every row of that team is deleted first.
    """
    if deals_per_rep_per_month < 1:
        raise ValueError("deals_per_rep_per_month must be at least 1")
    ZoneInfo(timezone)  # fail early on a bad zone name
    plan = build_demo(
        today=today,
        seed=seed,
        team_id=team_id,
        manager_slack_id=manager_slack_id,
        timezone=timezone,
        language=language,
        deals_per_rep_per_month=deals_per_rep_per_month,
    )
    with session_scope(engine) as session:
        existing = session.execute(select(Workspace.team_id).where(Workspace.team_id == team_id)).first()
        existing_deal = session.execute(select(Deal.id).where(Deal.team_id == team_id).limit(1)).first()
        if existing is not None or existing_deal is not None:
            if not replace:
                raise DemoAlreadyLoaded(
                    f"Team {team_id} already has data; load the demo with replace=True to wipe it and reload."
                )
            _delete_team(session, team_id)
        _insert(session, plan)
        refresh(session.connection(), team_id)  # the daily rollup the team-wide KPI figures read
        refresh_market(session.connection(), team_id)  # and the market view's (db/market_rollup.py)
    return plan.summary()


def unload_demo(engine: Engine, team_id: str = DEMO_TEAM_ID) -> None:
    """Delete every row of `team_id` (all tables)."""
    with session_scope(engine) as session:
        _delete_team(session, team_id)


# --------------------------------------------------------------------------------------------------
# Pure generation: rows as dicts, people referenced by index (0 = manager, 1..8 = reps)
# --------------------------------------------------------------------------------------------------


@dataclass
class DemoPlan:
    team_id: str
    workspace: dict[str, Any]
    members: list[dict[str, Any]]  # index 0 is the manager
    deals: list[dict[str, Any]]  # "owner" = member index
    targets: list[dict[str, Any]]  # "member" = member index or None
    feedback: list[dict[str, Any]]  # "member" = member index
    schedule: dict[str, Any]
    runs: list[dict[str, Any]]  # "member" = member index, "answers" = list of answer dicts

    def summary(self) -> DemoSummary:
        dates = [d["created_date"] for d in self.deals] + [d["close_date"] for d in self.deals if d["close_date"]]
        dates += [f["received_on"] for f in self.feedback]
        return DemoSummary(
            team_id=self.team_id,
            members=len(self.members),
            deals=len(self.deals),
            targets=len(self.targets),
            feedback=len(self.feedback),
            checkin_runs=len(self.runs),
            first_date=min(dates),
            last_date=max(dates),
        )


def build_demo(
    *,
    today: date,
    seed: int = 7,
    team_id: str = DEMO_TEAM_ID,
    manager_slack_id: str = "UDEMOMGR",
    timezone: str = "America/New_York",
    language: str = "en",
    deals_per_rep_per_month: int = 20,
) -> DemoPlan:
    """All demo rows, without touching a database. Same arguments, same rows."""
    rng = random.Random(seed)
    window_start = _add_months(_quarter_start(today), -24)
    since = _utc(window_start)
    workspace = dict(
        team_id=team_id,
        name="Demo Sales",
        timezone=timezone,
        language=language,
        currency="USD",
        fiscal_year_start_month=1,
        created_at=since,
    )
    members = [
        dict(
            team_id=team_id,
            slack_user_id=manager_slack_id,
            crm_name=DEMO_MANAGER_NAME,
            email=_email("maria.lopez"),
            display_name=DEMO_MANAGER_NAME,
            role="manager",
            timezone=timezone,
            locale="zh-CN" if language == "zh" else "en-US",
            active=True,
            created_at=since,
        )
    ]
    for rep in DEMO_REPS:
        members.append(
            dict(
                team_id=team_id,
                slack_user_id=rep.slack_user_id,
                crm_name=rep.crm_name,
                email=rep.email,
                display_name=rep.display_name,
                role="rep",
                timezone=rep.timezone,
                locale=rep.locale,
                active=True,
                created_at=since,
            )
        )
    plans = _monthly_plans(today, window_start, deals_per_rep_per_month)
    deals = _deals(rng, today, window_start, plans, deals_per_rep_per_month, team_id)
    targets = _targets(today, window_start, plans, team_id, manager_slack_id)
    feedback = _feedback(rng, today, team_id)
    schedule, runs = _checkins(rng, today, team_id, manager_slack_id)
    return DemoPlan(team_id, workspace, members, deals, targets, feedback, schedule, runs)


# ---- dates -----------------------------------------------------------------------------------------


def _add_months(d: date, n: int) -> date:
    y, m = divmod(d.year * 12 + d.month - 1 + n, 12)
    return date(y, m + 1, 1)


def _quarter_start(d: date) -> date:
    return date(d.year, 3 * ((d.month - 1) // 3) + 1, 1)


def _months(start: date, end_exclusive: date) -> Iterator[date]:
    m = start
    while m < end_exclusive:
        yield m
        m = _add_months(m, 1)


def _utc(d: date, hour: int = 12, minute: int = 0) -> datetime:
    return datetime.combine(d, time(hour, minute), tzinfo=UTC)


def _stamp(day: date, today: date, hour: int, minute: int = 0) -> datetime:
    """A UTC moment on `day`; on `today` itself, just after midnight UTC so it is not in the future."""
    return _utc(day, hour if day < today else 0, minute)


def _pick_day(rng: random.Random, first: date, last: date) -> date:
    """A day in [first, last], mostly a weekday."""
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    weights = [1.0 if d.weekday() < 5 else 0.12 for d in days]
    return rng.choices(days, weights)[0]


# ---- targets and deals -----------------------------------------------------------------------------


def _monthly_plans(today: date, window_start: date, per_month: int) -> dict[tuple[int, date], int]:
    """(rep index, month start) -> monthly revenue target in cents, to the end of the current quarter."""
    plan_end = _add_months(_quarter_start(today), 3)
    base = per_month * _TEAM_WIN_RATE * _WON_DEAL_DOLLARS
    plans: dict[tuple[int, date], int] = {}
    for r, rep in enumerate(DEMO_REPS):
        for i, m in enumerate(_months(window_start, plan_end)):
            dollars = base * rep.quota_share * SEASONALITY[m.month] * (1 + YEARLY_GROWTH * i / 12)
            plans[(r, m)] = max(500, int(round(dollars / 500)) * 500) * 100
    return plans


def _attainment(rep: DemoRep, month_index: int, n_months: int) -> float:
    plateau_from = max(1, n_months - 10)
    p = min(1.0, month_index / plateau_from)
    return rep.attainment_start + (rep.attainment_end - rep.attainment_start) * p


def _product(rng: random.Random) -> str:
    return rng.choices(_PRODUCT_NAMES, _PRODUCT_WEIGHTS)[0]


def _amount_dollars(rng: random.Random, product: str) -> int:
    lo, hi, _ = PRODUCTS[product]
    return rng.randint(lo, hi)


def _account(rng: random.Random, rep_index: int) -> str:
    own = [(a, w) for a, w, o in ACCOUNTS if o == rep_index]
    pool = own if rng.random() < 0.75 else [(a, w) for a, w, _ in ACCOUNTS]
    return rng.choices([a for a, _ in pool], [w for _, w in pool])[0]


def _cycle_days(rng: random.Random, product: str, lost: bool) -> int:
    alpha, beta = (1.2, 3.8) if lost else (1.6, 3.2)
    days = 10 + rng.betavariate(alpha, beta) * 110
    if product == "GTK 500":
        days = min(120, days + 20)
    return int(days)


def _deal_name(rng: random.Random, account: str, product: str) -> str:
    kind = rng.choices(["", " renewal", " expansion", " upgrade"], [0.55, 0.2, 0.15, 0.1])[0]
    return f"{account} – {product}{kind}"


def _deals(
    rng: random.Random,
    today: date,
    window_start: date,
    plans: dict[tuple[int, date], int],
    per_month: int,
    team_id: str,
) -> list[dict[str, Any]]:
    months = list(_months(window_start, _add_months(today.replace(day=1), 1)))
    n_months = len(months)
    raw: list[tuple[int, str, str, str, str, str, int, date, date | None]] = []
    # Stop filling a month when less than this is left (no swarm of tiny deals to hit a goal exactly).
    floor = sorted(lo for lo, _, _ in PRODUCTS.values())[1]
    for r, rep in enumerate(DEMO_REPS):
        for i, m in enumerate(months):
            month_end = _add_months(m, 1) - timedelta(days=1)
            last_day = min(month_end, today)
            noise = max(-0.12, min(0.12, rng.gauss(0, 0.06)))
            goal = plans[(r, m)] / 100 * _attainment(rep, i, n_months) * (1 + noise)
            if last_day < month_end:  # the current month: only the days so far
                goal *= last_day.day / month_end.day
            remaining = int(goal)
            won = 0
            while remaining >= floor:
                product = _product(rng)
                amount = _amount_dollars(rng, product)
                if amount > remaining:  # fill the gap with the biggest product that fits
                    product = max((p for p in PRODUCTS if PRODUCTS[p][0] <= remaining), key=lambda p: PRODUCTS[p][0])
                    amount = min(remaining, PRODUCTS[product][1])
                remaining -= amount
                won += 1
                close = _pick_day(rng, m, last_day)
                created = close - timedelta(days=_cycle_days(rng, product, lost=False))
                account = _account(rng, r)
                raw.append(
                    (
                        r,
                        account,
                        product,
                        "Closed Won",
                        "won",
                        _deal_name(rng, account, product),
                        amount * 100,
                        created,
                        close,
                    )
                )
            lost = round(won * (1 - rep.win_rate) / rep.win_rate * rng.uniform(0.85, 1.15))
            for _ in range(lost):
                product = _product(rng)
                amount = 0 if rng.random() < 0.18 else _amount_dollars(rng, product)
                close = _pick_day(rng, m, last_day)
                created = close - timedelta(days=_cycle_days(rng, product, lost=True))
                account = _account(rng, r)
                raw.append(
                    (
                        r,
                        account,
                        product,
                        "Closed Lost",
                        "lost",
                        _deal_name(rng, account, product),
                        amount * 100,
                        created,
                        close,
                    )
                )
        # The open pipeline: created in the last ~4 months, not closed yet.
        n_open = round(per_month * 2.0 * rep.quota_share * rng.uniform(0.85, 1.15))
        mode = 60 if rep.slack_user_id == BEHIND_REP else 12  # Zane's pipeline is old and stalled
        max_age = min(140, (today - window_start).days)
        for _ in range(n_open):
            age = int(rng.triangular(0, max_age, min(mode, max_age)))
            created = today - timedelta(days=age)
            score = age / 120 + rng.gauss(0, 0.12)
            stage = OPEN_STAGES[0 if score < 0.12 else 1 if score < 0.3 else 2 if score < 0.55 else 3]
            product = _product(rng)
            account = _account(rng, r)
            raw.append(
                (
                    r,
                    account,
                    product,
                    stage,
                    "open",
                    _deal_name(rng, account, product),
                    _amount_dollars(rng, product) * 100,
                    created,
                    None,
                )
            )

    raw.sort(key=lambda t: (t[7], t[8] or date.max, t[0], t[1], t[2], t[6], t[5]))
    deals = []
    for n, (r, account, product, stage, status, name, cents, created, close) in enumerate(raw, start=1):
        external_id = f"DEMO-{n:06d}"
        row_hash = hashlib.sha256(
            "|".join(
                [
                    external_id,
                    name,
                    str(r),
                    account,
                    product,
                    stage,
                    status,
                    str(cents),
                    created.isoformat(),
                    close.isoformat() if close else "",
                ]
            ).encode()
        ).hexdigest()
        deals.append(
            dict(
                team_id=team_id,
                source=DEMO_SOURCE,
                external_id=external_id,
                name=name,
                owner=r + 1,
                account=account,
                product=product,
                stage=stage,
                status=status,
                amount_cents=cents,
                currency="USD",
                created_date=created,
                close_date=close,
                row_hash=row_hash,
                updated_at=_stamp(close or created, today, 18),
                **_market_words(external_id, account, status),
            )
        )
    return deals


DEMO_LOSS_REASONS = ("Price", "Price", "Timing", "No budget", "Missing feature", "Chose a competitor")
DEMO_COMPETITORS = ("Initech", "Initech", "Umbrella", "Hooli", "金蝶", "")
DEMO_SEGMENTS = ("Retail", "Manufacturing", "Healthcare", "Finance", "Software")


def _market_words(external_id: str, account: str, status: str) -> dict[str, str]:
    """What /market reads: a loss reason and a competitor for lost deals, a segment per account; picked from the
    deal's id and account (not the generator), so the rest of the demo stays exactly as it was."""

    def pick(options: tuple[str, ...], key: str) -> str:
        return options[int(hashlib.sha256(key.encode()).hexdigest()[:8], 16) % len(options)]

    lost = status == "lost"
    return {
        "loss_reason": pick(DEMO_LOSS_REASONS, external_id + "r") if lost else "",
        "competitor": pick(DEMO_COMPETITORS, external_id + "c") if lost else "",
        "segment": pick(DEMO_SEGMENTS, account),
    }


def _targets(
    today: date, window_start: date, plans: dict[tuple[int, date], int], team_id: str, manager: str
) -> list[dict[str, Any]]:
    rows = []
    for (r, m), cents in sorted(plans.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        rows.append(
            dict(
                team_id=team_id,
                member=r + 1,
                metric="revenue",
                period_start=m,
                period_end=_add_months(m, 1),
                value_cents=cents,
                currency="USD",
                created_by=manager,
                created_at=_utc(_quarter_start(m) - timedelta(days=7), 15),
            )
        )
    q = window_start
    plan_end = _add_months(_quarter_start(today), 3)
    while q < plan_end:
        q_end = _add_months(q, 3)
        total = sum(c for (_, m), c in plans.items() if q <= m < q_end)
        rounded = int(round(total / 1_000_000)) * 1_000_000  # to $10,000
        rows.append(
            dict(
                team_id=team_id,
                member=None,
                metric="revenue",
                period_start=q,
                period_end=q_end,
                value_cents=rounded,
                currency="USD",
                created_by=manager,
                created_at=_utc(q - timedelta(days=7), 15),
            )
        )
        q = q_end
    return rows


# ---- feedback --------------------------------------------------------------------------------------

THEMES = ("delivery", "onboarding", "pricing", "quality", "general")

# theme -> (positive?) -> language -> comments; {product} is filled in.
_COMMENTS: dict[str, dict[bool, dict[str, list[str]]]] = {
    "delivery": {
        False: {
            "en": [
                "third late shipment this quarter",
                "Delivery was two weeks late again.",
                "Still waiting for the {product} units we ordered last month.",
                "Late delivery held up our rollout; nobody told us in advance.",
                "Shipping dates keep slipping, we can't plan around this.",
            ],
            "zh": [
                "交付又延迟了",
                "这个季度第三次延迟发货",
                "{product}到货比承诺晚了两周",
                "物流太慢，影响了我们的项目进度",
                "发货时间一直在变，没法安排上线",
            ],
        },
        True: {
            "en": ["Delivery was on time this time, thanks.", "{product} arrived a week early, great job."],
            "zh": ["这次按时交付了，谢谢", "{product}提前到货，很满意"],
        },
    },
    "onboarding": {
        True: {
            "en": [
                "the setup call was excellent",
                "Onboarding team was patient and quick.",
                "Great training session for our staff.",
                "Go-live on {product} was smooth, well supported.",
            ],
            "zh": [
                "上线培训很专业",
                "实施团队响应很快",
                "{product}上线很顺利，支持到位",
                "培训讲得很清楚，员工很快就会用了",
            ],
        },
        False: {
            "en": ["Onboarding took too long, nobody followed up.", "The setup call was rescheduled three times."],
            "zh": ["上线支持跟不上，没人跟进", "实施拖了很久，培训也不够"],
        },
    },
    "pricing": {
        False: {
            "en": [
                "Too expensive compared to competitors.",
                "The renewal price went up 15%, hard to justify.",
                "Discount approval took weeks.",
                "{product} pricing is not competitive anymore.",
            ],
            "zh": ["价格太贵了", "续约涨价太多", "报价审批太慢", "{product}的价格没有竞争力"],
        },
        True: {
            "en": ["Fair price for what we get.", "Good value, the bundle discount helped."],
            "zh": ["价格合理，性价比高", "打包折扣很有帮助"],
        },
    },
    "quality": {
        True: {
            "en": [
                "{product} works great, very stable.",
                "Solid product, no issues since go-live.",
                "{product} does exactly what we need.",
            ],
            "zh": ["{product}很稳定，用起来很顺手", "产品质量很好，上线后没出过问题", "{product}完全满足我们的需求"],
        },
        False: {
            "en": [
                "{product} crashed twice this week.",
                "Too many bugs after the last update.",
                "Quality of the {product} units has gone down.",
            ],
            "zh": ["{product}质量有问题，返修了两次", "最近更新后bug很多", "这批{product}的质量明显下降"],
        },
    },
    "general": {
        True: {
            "en": [
                "Very responsive account manager.",
                "Happy with the service overall.",
                "Quick answers every time we call.",
                "",
            ],
            "zh": ["销售很专业，沟通顺畅", "整体满意", "每次联系都回复很快", ""],
        },
        False: {
            "en": ["Hard to reach anyone when we have a problem."],
            "zh": ["出了问题很难找到人"],
        },
    },
}
_POSITIVE_SHARE = {"delivery": 0.25, "onboarding": 0.93, "pricing": 0.55, "quality": 0.88, "general": 0.96}


def _rating(rng: random.Random, positive: bool, scale: int) -> int:
    if scale == 10:
        return rng.choice([8, 9, 9, 10, 10]) if positive else rng.choice([2, 3, 4, 5, 6, 6, 7])
    return rng.choice([4, 5, 5]) if positive else rng.choice([1, 2, 2, 3])


def _feedback(rng: random.Random, today: date, team_id: str) -> list[dict[str, Any]]:
    start = today - timedelta(days=181)
    # date, account, theme, positive, and for scripted items: (rating, language, comment)
    items: list[tuple[date, str, str, bool, tuple[int, str, str] | None]] = []
    # Scripted: the accounts at risk, and the quotes of the UX sketches verbatim.
    for days_ago, rating, lang, comment in (
        (3, 1, "zh", "交付又延迟了"),
        (9, 2, "en", "third late shipment this quarter"),
        (17, 2, "zh", "这个季度第三次延迟发货"),
        (26, 1, "en", "Delivery was two weeks late again."),
    ):
        items.append((today - timedelta(days=days_ago), "Cancity", "delivery", False, (rating, lang, comment)))
    for days_ago, rating, theme, comment in (
        (5, 2, "quality", "Too many bugs after the last update."),
        (14, 3, "pricing", "The renewal price went up 15%, hard to justify."),
        (28, 2, "quality", "Quality of the MG Advanced units has gone down."),
    ):
        items.append((today - timedelta(days=days_ago), "Isdom", theme, False, (rating, "en", comment)))
    items.append(
        (today - timedelta(days=40), "Rantouch", "onboarding", True, (5, "en", "the setup call was excellent"))
    )
    names = [a for a, _, _ in ACCOUNTS]
    weights = [w**0.5 for _, w, _ in ACCOUNTS]  # small customers answer surveys too
    total = 300
    while len(items) < total:
        day = _pick_day(rng, start, today)
        account = rng.choices(names, weights)[0]
        recent = (today - day).days
        delivery_w = 0.26 if recent <= 45 else 0.12  # delivery complaints are growing lately
        theme = rng.choices(THEMES, [delivery_w, 0.2, 0.15, 0.25, 0.25])[0]
        positive = rng.random() < _POSITIVE_SHARE[theme]
        if account == "Cancity" and recent <= 45:
            theme, positive = "delivery", False
        elif account == "Isdom":
            if recent <= 60:
                theme, positive = rng.choice(["quality", "pricing", "delivery"]), False
            else:
                theme, positive = rng.choice(["onboarding", "quality", "general"]), True
        items.append((day, account, theme, positive, None))
    items.sort(key=lambda t: (t[0], t[1], t[2], t[4] is None))

    owner = {a: o for a, _, o in ACCOUNTS}
    rows = []
    for n, (day, account, theme, positive, scripted) in enumerate(items, start=1):
        rep = DEMO_REPS[owner[account]]
        product = _product(rng)
        if scripted is not None:
            rating, lang, comment = scripted
            scale = 5
        else:
            lang = "zh" if rng.random() < (0.8 if rep.language == "zh" else 0.06) else "en"
            scale = 10 if rng.random() < 0.22 else 5
            rating = _rating(rng, positive, scale)
            comment = rng.choice(_COMMENTS[theme][positive][lang]).format(product=product)
        by_rep = rng.random() < 0.6
        rows.append(
            dict(
                team_id=team_id,
                source=DEMO_SOURCE,
                external_id=f"DEMO-FB-{n:05d}",
                received_on=day,
                account=account,
                member=owner[account] + 1,
                product=product,
                rating=rating,
                scale=scale,
                comment=comment,
                language=lang,
                created_by=rep.slack_user_id if by_rep else None,
                created_at=_stamp(day, today, rng.randint(1, 22), rng.randint(0, 59)),
            )
        )
    return rows


# ---- check-ins -------------------------------------------------------------------------------------

_ANSWERS: dict[str, dict[str, list[str]]] = {
    # question 0, by mood: good / ok / bad
    "en.progress.good": [
        "Closed {account} ({product}); {account2} moved to negotiation.",
        "Signed the {account} renewal and two new {product} deals.",
        "Great week: {account} signed, {account2} asked for a proposal.",
    ],
    "en.progress.ok": [
        "Moved {account} to proposal; waiting on {account2} for a decision.",
        "Demo at {account} went well, proposal goes out Monday.",
        "One small {product} deal closed, the rest is still in qualification.",
    ],
    "en.progress.bad": [
        "Slow week. {account} pushed their decision to next month.",
        "Lost {account} to a cheaper competitor.",
        "Mostly prospecting, nothing closed.",
    ],
    "en.difficulties": [
        "Procurement at {account} frozen until next quarter.",
        "Legal review at {account} is taking longer than expected.",
        "Two deals stuck waiting for discount approval.",
        "Customers keep asking about delivery dates after the delays.",
        "Too many internal meetings, little time to call customers.",
        "Nothing major this week.",
    ],
    "en.strategy": [
        "Shorter quote approval for deals under $5k.",
        "Bundle onboarding with GTX Pro.",
        "Focus less on MG Special, the margins are too thin.",
        "More case studies for manufacturing customers.",
        "Let us offer a trial for GTK 500.",
    ],
    "en.support": [
        "A product specialist for the {account} demo.",
        "Help with pricing approvals.",
        "An intro to the CFO at {account}.",
        "A firm delivery date for {account} from operations.",
        "None this week, thanks.",
    ],
    "zh.progress.good": [
        "签下了{account}的{product}订单；{account2}进入谈判阶段。",
        "{account}续约完成，另外新签了两单{product}。",
        "这周不错：{account}签约，{account2}要了报价方案。",
    ],
    "zh.progress.ok": [
        "{account}进入方案阶段，{account2}还在等决策。",
        "{account}的演示效果不错，下周一发方案。",
        "成交了一个小的{product}订单，其他还在需求确认阶段。",
    ],
    "zh.progress.bad": [
        "这周进展不大，{account}把决策推迟到下个月了。",
        "{account}选了更便宜的竞品，丢单了。",
        "主要在开发新客户，没有成交。",
    ],
    "zh.difficulties": [
        "客户预算冻结",
        "{account}的采购流程很慢",
        "交付延迟，客户不满意",
        "折扣审批太慢",
        "内部会议太多，拜访客户的时间不够",
        "暂时没有大问题",
    ],
    "zh.strategy": [
        "5千美元以下的报价审批应该简化",
        "把上线培训和GTX Pro打包销售",
        "少做低价的MG Special，利润太薄",
        "多准备一些行业案例",
        "GTK 500可以提供试用",
    ],
    "zh.support": [
        "需要产品专家支持{account}的演示",
        "希望在价格审批上得到帮助",
        "需要交付团队给{account}一个明确的到货时间",
        "请帮忙引荐{account}的财务负责人",
        "这周不需要",
    ],
}


def _mood(rng: random.Random, rep: DemoRep) -> str:
    good = {"good": 0.6, "ok": 0.3, "bad": 0.1}
    ok = {"good": 0.25, "ok": 0.55, "bad": 0.2}
    bad = {"good": 0.05, "ok": 0.35, "bad": 0.6}
    dist = good if rep.attainment_end >= 1.05 else ok if rep.attainment_end >= 0.75 else bad
    return rng.choices(list(dist), list(dist.values()))[0]


def _checkin_answers(rng: random.Random, rep: DemoRep, r: int) -> list[str]:
    lang = rep.language
    own = [a for a, _, o in ACCOUNTS if o == r]
    account, account2 = rng.sample(own, 2)
    params = {"account": account, "account2": account2, "product": _product(rng)}
    mood = _mood(rng, rep)
    confidence = {"good": [4, 5, 4], "ok": [3, 4, 3], "bad": [2, 3, 2]}[mood]
    difficulties = _ANSWERS[f"{lang}.difficulties"]
    if rep.slack_user_id == "UDEMO02":  # Cancity's delivery problem keeps coming up
        difficulties = difficulties + [_ANSWERS[f"{lang}.difficulties"][2]] * 2
    return [
        rng.choice(_ANSWERS[f"{lang}.progress.{mood}"]).format(**params),
        rng.choice(difficulties).format(**params),
        rng.choice(_ANSWERS[f"{lang}.strategy"]).format(**params),
        rng.choice(_ANSWERS[f"{lang}.support"]).format(**params),
        str(rng.choice(confidence)),
    ]


def _checkins(
    rng: random.Random, today: date, team_id: str, manager: str
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    # The last 8 Fridays whose answer window (72 h, to Monday 16:00 local) closed before today began.
    last_friday = today - timedelta(days=4 + (today.weekday() - 1) % 7)
    fridays = [last_friday - timedelta(weeks=k) for k in range(7, -1, -1)]
    schedule = dict(
        team_id=team_id,
        manager_user_id=manager,
        cadence="weekly",
        weekday=4,
        time_of_day="16:00",
        deadline_hours=72,
        reminder_hours_before=24,
        summary_channel=None,
        brief_minutes_before=None,
        anchor_date=fridays[0],
        questions=None,
        questions_version=1,
        active=True,
        paused=False,
        created_at=_utc(fridays[0] - timedelta(days=3), 14),
    )
    runs = []
    for r, rep in enumerate(DEMO_REPS):
        tz = ZoneInfo(rep.timezone)
        questions = DEFAULT_CHECKIN_QUESTIONS[rep.language]
        for friday in fridays:
            occurrence = datetime.combine(friday, time(16, 0), tzinfo=tz).astimezone(UTC)
            deadline = occurrence + timedelta(hours=72)
            missed = rng.random() < rep.missed_checkin_rate
            texts = _checkin_answers(rng, rep, r)
            n_answers = rng.randint(0, 2) if missed else 5
            late = not missed and rng.random() < 0.2
            reminded = deadline - timedelta(hours=24) if (missed or late) else None
            moment = (reminded or occurrence) + timedelta(minutes=rng.randint(5, 240 if not late else 600))
            answers = []
            for qi in range(n_answers):
                skipped = qi in (2, 3) and rng.random() < 0.06
                answers.append(
                    dict(
                        team_id=team_id,
                        question_index=qi,
                        text="" if skipped else texts[qi],
                        skipped=skipped,
                        source_event_id=None,
                        answered_at=moment,
                        updated_at=moment,
                    )
                )
                moment += timedelta(minutes=rng.randint(1, 6))
            completed_at = answers[-1]["answered_at"] if not missed else None
            runs.append(
                dict(
                    team_id=team_id,
                    member=r + 1,
                    occurrence=occurrence,
                    questions=list(questions),
                    questions_version=1,
                    status="missed" if missed else "completed",
                    channel_id="D" + rep.slack_user_id[1:],
                    thread_ts=None,
                    current_index=n_answers,
                    sent_at=occurrence,
                    deadline_at=deadline,
                    reminded_at=reminded,
                    completed_at=completed_at,
                    answers=answers,
                )
            )
    return schedule, runs


# --------------------------------------------------------------------------------------------------
# Database writes
# --------------------------------------------------------------------------------------------------


def _insert(session: Any, plan: DemoPlan) -> None:
    session.execute(insert(Workspace), [plan.workspace])
    manager = Member(**plan.members[0])
    session.add(manager)
    session.flush()
    reps = [Member(**m, manager_id=manager.id) for m in plan.members[1:]]
    session.add_all(reps)
    session.flush()
    ids = [manager.id] + [m.id for m in reps]

    def with_ids(rows: list[dict[str, Any]], key: str, column: str) -> list[dict[str, Any]]:
        out = []
        for row in rows:
            row = dict(row)
            ref = row.pop(key)
            row[column] = None if ref is None else ids[ref]
            out.append(row)
        return out

    for chunk in _chunks(with_ids(plan.deals, "owner", "owner_id"), 2000):
        session.execute(insert(Deal), chunk)
    session.execute(insert(Target), with_ids(plan.targets, "member", "member_id"))
    session.execute(insert(Feedback), with_ids(plan.feedback, "member", "member_id"))

    schedule = CheckinSchedule(**plan.schedule)
    session.add(schedule)
    session.flush()
    session.execute(
        insert(CheckinScheduleRep), [dict(team_id=plan.team_id, schedule_id=schedule.id, member_id=m.id) for m in reps]
    )
    runs = []
    for row in plan.runs:
        fields = {k: v for k, v in row.items() if k not in ("member", "answers")}
        runs.append(CheckinRun(**fields, schedule_id=schedule.id, member_id=ids[row["member"]]))
    session.add_all(runs)
    session.flush()
    answers = [dict(a, run_id=run.id) for run, row in zip(runs, plan.runs, strict=True) for a in row["answers"]]
    if answers:
        session.execute(insert(CheckinAnswer), answers)


def _chunks(rows: list[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    for i in range(0, len(rows), size):
        yield rows[i : i + size]


def _delete_team(session: Any, team_id: str) -> None:
    for model in (
        CheckinAnswer,
        CheckinRun,
        CheckinScheduleRep,
        CheckinSchedule,
        Feedback,
        Target,
        Deal,
        DealDay,
        DealDayState,
        Delivery,
        DigestSubscription,
        ImportRun,
        ProcessedEvent,
    ):
        session.execute(delete(model).where(model.team_id == team_id))
    session.execute(update(Member).where(Member.team_id == team_id).values(manager_id=None))
    session.execute(delete(Member).where(Member.team_id == team_id))
    session.execute(delete(Workspace).where(Workspace.team_id == team_id))


def count_rows(engine: Engine, team_id: str = DEMO_TEAM_ID) -> dict[str, int]:
    """Rows per table for `team_id` (for the CLI's summary and for tests)."""
    out = {}
    with session_scope(engine) as session:
        for model in (Member, Deal, Target, Feedback, CheckinSchedule, CheckinScheduleRep, CheckinRun, CheckinAnswer):
            out[model.__tablename__] = session.execute(
                select(func.count()).select_from(model).where(model.team_id == team_id)
            ).scalar_one()
    return out
