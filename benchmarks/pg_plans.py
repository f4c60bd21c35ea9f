"""What PostgreSQL does for the KPI engine's statements: every scan of `deal` in their EXPLAIN ANALYZE plans.

Shared by the scale benchmark (10M deals) and the suite's plan test (tests/reports/test_kpi_plans_pg.py).
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session


@dataclass(frozen=True)
class Scan:
    node: str  # 'Index Only Scan', 'Index Scan', 'Bitmap Heap Scan', 'Seq Scan', ...
    index: str
    heap_fetches: int
    condition: str  # the Index Cond ('' without one)


def deal_scans(
    engine: Engine, ask: Callable[[Session], Any], table: str = "deal", settings: tuple[str, ...] = ()
) -> list[Scan]:
    """Run `ask(session)`, then EXPLAIN ANALYZE each statement it sent that reads `table`; the scans of it.

    `settings`: planner settings for the EXPLAIN (e.g. "enable_bitmapscan = off"). A bitmap heap scan is
    reported with the index of its bitmap index scan."""
    statements: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cur: Any, sql: str, params: Any, _ctx: Any, _many: Any) -> None:
        statements.append((sql, params))

    event.listen(engine, "before_cursor_execute", capture)
    try:
        with Session(engine) as session:
            ask(session)
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    scans = []
    with engine.connect() as conn:
        for setting in settings:
            conn.exec_driver_sql(f"SET {setting}")
        for sql, params in statements:
            if f"FROM {table}" not in sql:
                continue
            stack = [conn.exec_driver_sql("EXPLAIN (ANALYZE, FORMAT JSON) " + sql, params).scalar()[0]["Plan"]]
            while stack:
                node = stack.pop()
                stack += node.get("Plans", [])
                if node.get("Relation Name") == table:
                    index, cond = node.get("Index Name", ""), str(node.get("Index Cond", ""))
                    for child in node.get("Plans", []) if node["Node Type"] == "Bitmap Heap Scan" else []:
                        index, cond = child.get("Index Name", ""), str(child.get("Index Cond", ""))
                    scans.append(Scan(node["Node Type"], index, int(node.get("Heap Fetches", 0)), cond))
        conn.rollback()  # the settings end with this connection's transaction
    return scans
