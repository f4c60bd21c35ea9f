"""The rollups' in-memory grouping (db/group_sums.py) gives what a plain groupby gives: the same groups, counts and
sums, exact to the cent for amounts near the import's limit (no float sums), with many distinct keys too."""

import numpy as np
import pandas as pd

from db.group_sums import Codes


def _expected(frame: pd.DataFrame, by: list[str]) -> dict[tuple[object, ...], tuple[int, int]]:
    g = frame.groupby(by, sort=False)["amt"].agg(n="size", amt=lambda s: sum(int(v) for v in s))
    return {k if isinstance(k, tuple) else (k,): (int(n), int(a)) for k, n, a in zip(g.index, g["n"], g["amt"],
                                                                                    strict=True)}


def _got(codes: Codes, by: list[str], amt: np.ndarray, rows: np.ndarray | None = None) -> dict:
    g = codes.sums(by, amt, rows)
    return {tuple(g[b][i] for b in by): (int(g["n"][i]), int(g["amt"][i])) for i in range(len(g["n"]))}


def test_groups_counts_and_exact_sums() -> None:
    rng = np.random.default_rng(3)
    n = 5000
    frame = pd.DataFrame({
        "status": rng.choice(["won", "lost"], n).astype(object),
        "day": rng.choice([f"2026-01-{d:02d}" for d in range(1, 29)], n).astype(object),
        "cur": rng.choice(["USD", "EUR", ""], n).astype(object),
        "owner": np.array([f"rep {i}" for i in rng.integers(0, 3000, n)], dtype=object),
        "amt": rng.integers(10**13, 10**14, n),  # near the largest amount an import takes: float sums would round
    })
    codes = Codes({c: frame[c] for c in ("status", "day", "cur", "owner")})
    amt = frame["amt"].to_numpy()
    for by in (["status"], ["status", "day", "cur"], ["owner", "day"], ["status", "owner", "day", "cur"]):
        assert _got(codes, by, amt) == _expected(frame, by)
    lost = (frame["status"] == "lost").to_numpy()
    assert _got(codes, ["day", "cur"], amt, lost) == _expected(frame[lost], ["day", "cur"])


def test_many_distinct_values_still_group_exactly() -> None:
    """Key columns whose combined number of values passes 2^62 are combined step by step."""
    n = 3000
    frame = pd.DataFrame({c: np.array([f"{c}{i}" for i in range(n)], dtype=object) for c in "abcdefg"})
    frame["a"] = np.array([f"a{i % 7}" for i in range(n)], dtype=object)
    frame["amt"] = np.arange(n)
    codes = Codes({c: frame[c] for c in "abcdefg"})
    assert _got(codes, list("abcdefg"), frame["amt"].to_numpy()) == _expected(frame, list("abcdefg"))
