"""A mixed-currency CRM export and the team's rates file, written as a user would have them, plus an
independent pandas computation of what every converted total must be (Decimal arithmetic, one rounding).

Rates change inside Q3 2026 (CNY on 15 Aug, EUR on 10 Jul and 1 Sep) and GBP has a rate only from 1 Sep,
so GBP deals closed earlier have none and must be left out, never summed.
"""

import random
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pandas as pd

REPS = ["Alice Chen", "Bob Stone", "张三", "Dana Ruiz"]
PRODUCTS = ["GTX Pro", "MG Special", "GTK 500"]
CURRENCIES = ["USD", "CNY", "EUR", "GBP"]
RATES = [  # currency, valid from, one unit in USD
    ("CNY", "2026-01-01", "0.1385"),
    ("CNY", "2026-08-15", "0.1401"),
    ("EUR", "2026-01-01", "1.08"),
    ("EUR", "2026-07-10", "1.095"),
    ("EUR", "2026-09-01", "1.1125"),
    ("GBP", "2026-09-01", "1.27"),
]


def write_files(folder: Path, deals: int = 240, seed: int = 10) -> tuple[Path, Path]:
    """(deals CSV, rates CSV) in `folder`: won, lost and open deals from June to November 2026."""
    rng = random.Random(seed)
    rows = []
    for n in range(deals):
        created = date(2026, 6, 1) + timedelta(days=rng.randrange(150))
        status = rng.choice(["Won", "Won", "Won", "Lost", "Engaging"])
        closed = created + timedelta(days=rng.randrange(3, 60)) if status != "Engaging" else None
        if closed and closed > date(2026, 11, 25):
            status, closed = "Engaging", None
        rows.append(
            {
                "opportunity_id": f"M{n:04d}",
                "sales_agent": rng.choice(REPS),
                "account": f"Account {rng.randrange(12)}",
                "product": rng.choice(PRODUCTS),
                "deal_stage": status,
                "engage_date": created.isoformat(),
                "close_date": closed.isoformat() if closed else "",
                "close_value": f"{rng.randrange(50_000, 9_000_000) / 100:.2f}",
                "currency": rng.choice(CURRENCIES),
            }
        )
    # The day a rate changes: one CNY deal on each side of it.
    for n, day, cents in (("CNY-before", "2026-08-14", "100000.00"), ("CNY-after", "2026-08-15", "100000.00")):
        rows.append(
            {
                "opportunity_id": n,
                "sales_agent": "Alice Chen",
                "account": n,
                "product": "GTX Pro",
                "deal_stage": "Won",
                "engage_date": "2026-07-01",
                "close_date": day,
                "close_value": cents,
                "currency": "CNY",
            }
        )
    deals_path, rates_path = folder / "mixed_deals.csv", folder / "rates.csv"
    pd.DataFrame(rows).to_csv(deals_path, index=False)
    pd.DataFrame(RATES, columns=["currency", "date", "rate"]).to_csv(rates_path, index=False)
    return deals_path, rates_path


def cents(value: Decimal) -> int:
    """Exact units -> cents, half up (the rounding the engine promises: one rounding, at the end)."""
    return int((value * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def priced(deals_path: Path, rates_path: Path, *, day: str | None = None) -> pd.DataFrame:
    """The export with each deal's rate in force on its close date (or on `day`, for pipeline):
    pandas merge_asof by currency; USD is 1; no rate -> NaN. Amounts and rates stay Decimal."""
    deals = pd.read_csv(deals_path, dtype=str, keep_default_na=False)
    deals["amount"] = deals["close_value"].map(Decimal)
    deals["close"] = pd.to_datetime(deals["close_date"].replace("", None))
    deals["created"] = pd.to_datetime(deals["engage_date"])
    deals["on"] = (pd.Series(pd.Timestamp(day), index=deals.index) if day else deals["close"]).astype("datetime64[ns]")
    rates = pd.read_csv(rates_path, dtype=str)
    rates["valid_from"] = pd.to_datetime(rates["date"]).astype("datetime64[ns]")
    rates["rate_dec"] = rates["rate"].map(Decimal)
    dated = deals[deals["on"].notna()].sort_values("on")
    merged = pd.merge_asof(
        dated,
        rates.sort_values("valid_from")[["currency", "valid_from", "rate_dec"]],
        left_on="on",
        right_on="valid_from",
        by="currency",
        direction="backward",
    )
    merged.loc[merged["currency"] == "USD", "rate_dec"] = Decimal(1)
    merged["has_rate"] = merged["rate_dec"].map(lambda r: isinstance(r, Decimal))
    triples = zip(merged["amount"], merged["rate_dec"], merged["has_rate"], strict=True)
    merged["converted"] = [a * r if ok else None for a, r, ok in triples]
    return merged


def won_in(frame: pd.DataFrame, start: str, end: str) -> pd.DataFrame:
    return frame[(frame["deal_stage"] == "Won") & (frame["close"] >= start) & (frame["close"] < end)]


def converted_total(frame: pd.DataFrame) -> int:
    return cents(sum((v for v in frame.loc[frame["has_rate"], "converted"]), Decimal(0)))


def left_out(frame: pd.DataFrame) -> dict[str, tuple[int, int]]:
    """{currency: (deals, original cents)} of the rows without a rate."""
    gone = frame[~frame["has_rate"]]
    return {
        cur: (len(g), cents(sum(g["amount"], Decimal(0))))
        for cur, g in gone.groupby("currency")
    }
