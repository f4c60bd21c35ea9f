"""Run every benchmark module (or those named on the command line) and print one table."""

import importlib
import pkgutil
import sys
import time
import traceback

import benchmarks
from benchmarks import Row


def main(names: list[str]) -> int:
    modules = sorted(m.name for m in pkgutil.iter_modules(benchmarks.__path__) if m.name.startswith("bench_"))
    if names:
        modules = [m for m in modules if any(n in m for n in names)]
    rows: list[Row] = []
    failed = False
    for name in modules:
        started = time.perf_counter()
        print(f"running {name} ...", file=sys.stderr, flush=True)
        try:
            rows.extend(importlib.import_module(f"benchmarks.{name}").run())
        except Exception:
            traceback.print_exc()
            rows.append(Row(name, "crashed", 0, "", "", False))
            failed = True
        print(f"  {name} took {time.perf_counter() - started:.1f} s", file=sys.stderr, flush=True)
    print_table(rows)
    return 1 if failed else 0


def print_table(rows: list[Row]) -> None:
    """One table; a figure measured against a floor in the same run gets the floor and the ratio beside it."""
    with_floor = any(r.floor is not None for r in rows)
    header = ("benchmark", "measure", "value") + (("floor", "ratio") if with_floor else ()) + ("goal", "ok")
    table = [header]
    for r in rows:
        floor = (f"{r.floor:,.2f} {r.unit}".strip(), f"{r.ratio:.2f}x" if r.ratio is not None else "") \
            if r.floor is not None else ("", "")
        table.append(
            (r.benchmark, r.measure, f"{r.value:,.2f} {r.unit}".strip()) + (floor if with_floor else ())
            + (r.goal, "" if r.ok is None else ("yes" if r.ok else "NO"))
        )
    widths = [max(len(str(row[i])) for row in table) for i in range(len(header))]
    for i, row in enumerate(table):
        print(" | ".join(str(cell).ljust(widths[j]) for j, cell in enumerate(row)))
        if i == 0:
            print("-+-".join("-" * w for w in widths))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
