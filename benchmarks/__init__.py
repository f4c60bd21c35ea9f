"""Performance benchmarks: each `benchmarks/bench_*.py` has `run() -> list[Row]`; `make bench` prints one table.

Goals live here, never in timed tests.
"""

from dataclasses import dataclass


@dataclass
class Row:
    benchmark: str
    measure: str
    value: float
    unit: str
    goal: str = ""
    ok: bool | None = None
