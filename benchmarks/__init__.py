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
    floor: float | None = None  # the same figure for the bare-framework floor, measured in the same run

    @property
    def ratio(self) -> float | None:
        """value / floor: how many times the floor this figure is (None without a floor)."""
        return self.value / self.floor if self.floor else None
