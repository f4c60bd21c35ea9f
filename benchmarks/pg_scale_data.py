"""Generated CRM data on PostgreSQL at scale: 10M deals, 5,000 reps, 5 years, loaded with COPY.

Two workspaces share the tables, as they would in one hosted database: `TBENCH`, a 4,950-rep sales team with
9.9M deals, and `TSMALL`, a 50-rep team with 100,000 deals (the same 2,000 deals per rep), whose digest is
measured against tables of 10M rows. The mix is meant to look like a CRM export, not a uniform draw:

- deals per rep vary (log-normal weights); more deals each year (twice as many at the end as at the start),
  few on weekends;
- 12 products and ~20,000 accounts (a few Chinese names) with Zipf-like popularity; amounts log-normal per
  product (cents);
- a deal closes after a gamma-distributed cycle (median ~45 days): won 45%, lost 55% once closed; deals whose
  close would be after today are open, at a stage that depends on their age; 2% stay open for ever (stale);
- one rep in five sells in CNY (about 20% of deals), with a CNY -> USD rate from the first of every month.

`load(conn, ...)` streams the rows through `COPY deal FROM STDIN` in chunks of ~500,000 (numpy draws, pandas
formats the text), with the deal table's constraints and indexes dropped during the load and rebuilt after
(one sorted build each instead of 10M inserts into every B-tree), then `VACUUM ANALYZE` (statistics, and the
visibility map that index-only scans rely on). The same code loads small shapes for tests.
"""

import io
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd

BIG_TEAM = "TBENCH"
SMALL_TEAM = "TSMALL"
PRODUCTS = [
    ("GTX Basic", 0.6), ("GTX Pro", 1.4), ("GTX Plus Basic", 0.9), ("GTX Plus Pro", 2.0), ("MG Special", 0.8),
    ("MG Advanced", 1.6), ("GTK 500", 3.5), ("GTK Cloud", 1.1), ("Support Gold", 0.4), ("Support Platinum", 0.7),
    ("Onboarding", 0.3), ("数据平台", 2.2),
]
OPEN_STAGES = ["Prospecting", "Qualification", "Proposal", "Negotiation"]
DEAL_COLUMNS = (
    "team_id", "source", "external_id", "name", "owner_id", "account", "product", "stage", "status",
    "amount_cents", "currency", "created_date", "close_date", "row_hash",
)


@dataclass(frozen=True)
class Shape:
    """How much to generate. The default is the benchmark's; tests use a few thousand deals."""

    deals: int = 10_000_000
    reps: int = 5_000
    years: int = 5
    small_reps: int = 50  # of `reps`, in the second workspace (SMALL_TEAM)
    accounts: int = 20_000
    cny_every: int = 5  # every n-th rep sells in CNY
    seed: int = 12
    chunk: int = 500_000

    @property
    def key(self) -> str:
        return f"deals={self.deals} reps={self.reps} years={self.years} small={self.small_reps} seed={self.seed}"


@dataclass
class Loaded:
    """What `load` wrote: member ids per workspace, and the seconds each step took."""

    rep_ids: dict[str, list[int]] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)


def load(
    conn: Any, shape: Shape, today: date, progress: Callable[[str], None] | None = None, *, rebuild: bool = True
) -> Loaded:
    """Fill an empty, migrated database (a psycopg connection, autocommit off) with `shape` ending at `today`.

    `rebuild`: drop the deal table's indexes and constraints for the load and build them after (the fast way for
    millions of rows; False keeps them, for a small load into a database others use, such as the suite's)."""
    say = progress or (lambda _m: None)
    out = Loaded()
    rng = np.random.default_rng(shape.seed)
    first = today - timedelta(days=365 * shape.years)
    teams = [(BIG_TEAM, shape.reps - shape.small_reps), (SMALL_TEAM, shape.small_reps)]
    with conn.cursor() as cur:
        cur.execute("SET synchronous_commit = off")
        cur.execute("SET maintenance_work_mem = '256MB'")
        cur.execute("SET max_parallel_maintenance_workers = 0")  # gentle on a shared 2-core machine
        for team, reps in teams:
            out.rep_ids[team] = _members_and_rates(cur, team, reps, first, today, shape)
        conn.commit()

        started = time.perf_counter()
        restore = _drop_deal_indexes(cur) if rebuild else []
        conn.commit()
        written = 0
        for team, reps in teams:
            n = round(shape.deals * reps / shape.reps)
            with cur.copy(f"COPY deal ({', '.join(DEAL_COLUMNS)}) FROM STDIN") as copy:
                for frame in _deal_frames(rng, team, out.rep_ids[team], n, first, today, shape):
                    buffer = io.StringIO()
                    frame.to_csv(buffer, sep="\t", header=False, index=False, na_rep="\\N", lineterminator="\n")
                    copy.write(buffer.getvalue())
                    written += len(frame)
                    say(f"copied {written:,} deals")
        conn.commit()
        out.timings["copy"] = time.perf_counter() - started

        started = time.perf_counter()
        for statement in restore:
            cur.execute(statement)
        conn.commit()
        out.timings["indexes"] = time.perf_counter() - started
        say("indexes rebuilt")

        for team, _reps in teams:
            _targets(cur, team, out.rep_ids[team], today, shape)
        conn.commit()

    started = time.perf_counter()
    previous = conn.autocommit
    conn.autocommit = True
    conn.execute("VACUUM ANALYZE")  # statistics, and the visibility map index-only scans need
    conn.autocommit = previous
    out.timings["vacuum"] = time.perf_counter() - started
    return out


def _members_and_rates(cur: Any, team: str, reps: int, first: date, today: date, shape: Shape) -> list[int]:
    created = datetime(first.year, first.month, first.day, tzinfo=UTC)
    cur.execute(
        "INSERT INTO workspace (team_id, name, timezone, language, currency, fiscal_year_start_month, created_at) "
        "VALUES (%s, %s, 'UTC', 'en', 'USD', 1, %s) ON CONFLICT DO NOTHING",
        (team, f"bench {team}", created),
    )
    prefix = "UREP" if team == BIG_TEAM else "USML"
    rows = [(team, f"{prefix}{i:04d}", f"Rep {i:04d}", _rep_name(i), created) for i in range(reps)]
    cur.executemany(
        "INSERT INTO member (team_id, slack_user_id, crm_name, display_name, real_name, slack_display_name, handle, "
        "role, active, created_at) VALUES (%s, %s, %s, %s, '', '', '', 'rep', true, %s)",
        rows,
    )
    cur.execute("SELECT id FROM member WHERE team_id = %s AND role = 'rep' ORDER BY slack_user_id", (team,))
    ids = [r[0] for r in cur.fetchall()]
    months = []
    m = date(first.year, first.month, 1)
    while m <= today:
        months.append(m)
        m = date(m.year + m.month // 12, m.month % 12 + 1, 1)
    cur.executemany(
        "INSERT INTO exchangerate (team_id, currency, to_currency, valid_from, rate_micros, created_at) "
        "VALUES (%s, 'CNY', 'USD', %s, %s, %s)",
        [(team, m, 136_000 + (i * 37) % 9_000, created) for i, m in enumerate(months)],
    )
    return ids


_GIVEN = ["Alice", "Bob", "Carmen", "Deepak", "Elena", "Farid", "Grace", "Hiro", "Ines", "Jamal", "Wei", "Li Na"]
_FAMILY = ["Chen", "Okafor", "Smith", "García", "Müller", "Tanaka", "Kowalski", "Silva", "王", "李", "张", "Nguyen"]


def _rep_name(i: int) -> str:
    """A distinct, human-looking display name (the number keeps 5,000 of them apart)."""
    return f"{_GIVEN[i % len(_GIVEN)]} {_FAMILY[(i // len(_GIVEN)) % len(_FAMILY)]} {i:04d}"


def _drop_deal_indexes(cur: Any) -> list[str]:
    """Drop the deal table's constraints (but NOT NULL) and indexes; return the statements that restore them."""
    cur.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = 'deal'::regclass "
        "AND contype IN ('p', 'u', 'f') ORDER BY contype = 'f', contype <> 'p', conname"
    )
    constraints = cur.fetchall()
    cur.execute(
        "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = 'deal' AND i.schemaname = "
        "current_schema() AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname "
        "AND c.conrelid = 'deal'::regclass) ORDER BY i.indexname"
    )
    indexes = cur.fetchall()
    for name, _definition in reversed(constraints):
        cur.execute(f'ALTER TABLE deal DROP CONSTRAINT "{name}"')
    for name, _definition in indexes:
        cur.execute(f'DROP INDEX "{name}"')
    restore = [f'ALTER TABLE deal ADD CONSTRAINT "{n}" {d}' for n, d in constraints if not d.startswith("FOREIGN")]
    restore += [d for _n, d in indexes]
    restore += [f'ALTER TABLE deal ADD CONSTRAINT "{n}" {d}' for n, d in constraints if d.startswith("FOREIGN")]
    return restore


def _day_weights(first: date, days: int) -> np.ndarray:
    """More deals as the years go by (twice as many at the end), few on weekends."""
    t = np.arange(days)
    weekday = (np.arange(days) + first.weekday()) % 7
    weights = (1.0 + t / days) * np.where(weekday >= 5, 0.15, 1.0)
    return weights / weights.sum()


def _deal_frames(
    rng: np.random.Generator, team: str, rep_ids: list[int], n: int, first: date, today: date, shape: Shape
) -> Any:
    days = (today - first).days
    day_p = _day_weights(first, days)
    rep_w = rng.lognormal(0.0, 0.5, len(rep_ids))
    rep_p = rep_w / rep_w.sum()
    reps = np.asarray(rep_ids, dtype=np.int64)
    cny = (np.arange(len(rep_ids)) % shape.cny_every) == 0
    product_names = np.array([p for p, _ in PRODUCTS], dtype=object)
    product_scale = np.array([s for _, s in PRODUCTS])
    product_p = 1.0 / np.arange(1, len(PRODUCTS) + 1) ** 0.8
    product_p /= product_p.sum()
    accounts = shape.accounts if team == BIG_TEAM else max(50, shape.accounts // 100)
    account_names = np.array(
        [f"华东客户{i:05d}" if i % 20 == 7 else f"Account {i:05d}" for i in range(accounts)], dtype=object
    )
    account_p = 1.0 / np.arange(1, accounts + 1) ** 0.9
    account_p /= account_p.sum()
    epoch = np.datetime64(first.isoformat(), "D")
    today64 = np.datetime64(today.isoformat(), "D")
    stages = np.array(OPEN_STAGES, dtype=object)
    done = 0
    while done < n:
        size = min(shape.chunk, n - done)
        rep_i = rng.choice(len(rep_ids), size=size, p=rep_p)
        prod_i = rng.choice(len(PRODUCTS), size=size, p=product_p)
        created = epoch + rng.choice(days, size=size, p=day_p).astype("timedelta64[D]")
        cycle = np.minimum(3 + rng.gamma(2.0, 25.0, size), 365).astype(np.int64)
        close = created + cycle.astype("timedelta64[D]")
        closed = (close < today64) & (rng.random(size) >= 0.02)
        won = closed & (rng.random(size) < 0.45)
        status = np.where(won, "won", np.where(closed, "lost", "open")).astype(object)
        age = (today64 - created).astype(np.int64)
        stage_i = np.minimum(age // 30, 3)
        stage = np.where(won, "Closed Won", np.where(closed, "Closed Lost", stages[stage_i]))
        amount = rng.lognormal(np.log(1_500_000), 0.9, size) * product_scale[prod_i]
        currency = np.where(cny[rep_i], "CNY", "USD").astype(object)
        amount = np.where(cny[rep_i], amount * 7, amount)
        amount = np.clip(np.round(amount / 100) * 100, 10_000, 900_000_000).astype(np.int64)
        numbers = np.arange(done, done + size)
        frame = pd.DataFrame(
            {
                "team_id": team,
                "source": "bench",
                "external_id": pd.Series(numbers).map("D{:08d}".format),
                "name": "",
                "owner_id": reps[rep_i],
                "account": account_names[rng.choice(accounts, size=size, p=account_p)],
                "product": product_names[prod_i],
                "stage": stage,
                "status": status,
                "amount_cents": amount,
                "currency": currency,
                "created_date": pd.Series(created).dt.strftime("%Y-%m-%d"),
                "close_date": pd.Series(np.where(closed, close, np.datetime64("NaT"))).dt.strftime("%Y-%m-%d"),
                "row_hash": "",
            },
            columns=list(DEAL_COLUMNS),
        )
        done += size
        yield frame


def _targets(cur: Any, team: str, rep_ids: list[int], today: date, shape: Shape) -> None:
    """A revenue target per rep for each of the last four quarters and this one, and this month's; the team's
    own target for this quarter (so team answers show attainment without summing thousands of reps)."""
    created = datetime(today.year, 1, 1, tzinfo=UTC)
    q_start = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    quarters = []
    start = q_start
    for _ in range(5):
        end = date(start.year + (start.month + 3 > 12), (start.month + 2) % 12 + 1, 1)
        quarters.append((start, end))
        start = date(start.year - (start.month == 1), (start.month - 4) % 12 + 1, 1)
    month = (date(today.year, today.month, 1), date(today.year + today.month // 12, today.month % 12 + 1, 1))
    per_rep_quarter = 2_000 * 0.45 * 1_800_000 // (4 * shape.years)  # about what a rep wins in a quarter
    rows = [
        (team, rep, s, e, int(per_rep_quarter * (0.8 + (rep % 7) / 10)), created)
        for rep in rep_ids
        for s, e in [*quarters, month]
    ]
    rows.append((team, None, q_start, quarters[0][1], int(per_rep_quarter * len(rep_ids)), created))
    cur.executemany(
        "INSERT INTO target (team_id, member_id, metric, period_start, period_end, value_cents, currency, "
        "created_at) VALUES (%s, %s, 'revenue', %s, %s, %s, 'USD', %s)",
        rows,
    )
