"""Sums of money in SQL that cannot overflow, on SQLite and PostgreSQL alike.

An amount is at most ±10^14 cents (importers refuse more), so 92,234 such deals already pass BIGINT's
9.2·10^18. PostgreSQL's SUM over BIGINT returns NUMERIC: exact, never overflows. SQLite's SUM over
integers raises "integer overflow" instead, so there `cents_sum` is TOTAL(), a float sum: exact to the
cent up to 2^53 cents (90 trillion in the major unit), and beyond that rounded, never an error.
Callers take int() of the result either way.
"""

from typing import Any

from sqlalchemy import BigInteger
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import GenericFunction


class cents_sum(GenericFunction[int]):  # noqa: N801 (used like func.sum)
    """SUM(cents) that cannot overflow; 0 when there are no rows (no COALESCE needed)."""

    type = BigInteger()
    inherit_cache = True


@compiles(cents_sum)
def _exact_sum(element: cents_sum, compiler: Any, **kw: Any) -> str:
    return f"COALESCE(SUM({compiler.process(element.clauses, **kw)}), 0)"


@compiles(cents_sum, "sqlite")
def _float_sum(element: cents_sum, compiler: Any, **kw: Any) -> str:
    return f"TOTAL({compiler.process(element.clauses, **kw)})"
