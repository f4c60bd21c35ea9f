"""Customer accounts' attributes (`account`) and which account each deal's `account` spelling is (`dealaccount`).

Why a link table: deals name their account as the CRM's deal export wrote it ("Bluth Co", "上海明远科技"), the
account export as its own ("Bluth Co.", "上海明远科技有限公司"). reports/account_names.normalise says when two
spellings are one account; it runs in Python (accents, case, legal suffixes), so the spellings are resolved
once here — per distinct deal account name, a few thousand — and SQL joins `deal.account` to `dealaccount`'s
primary key (team_id, name), then `account.id`. Rebuilt after an accounts import and with the market rollup
(after every deals import).

Size bands by employees (README "Market analysis"): 1–99 small, 100–999 mid-market, 1,000+ enterprise;
no employee count: "unknown" (counted, shown as "size unknown").
"""

from typing import Any

from sqlalchemy import case, text
from sqlalchemy.engine import Connection

from reports.account_names import normalise

SIZE_BANDS = (("small", 1, 99), ("mid", 100, 999), ("enterprise", 1000, None))  # (key, first, last) employees
SIZE_UNKNOWN = ""


def size_band(employees: int | None) -> str:
    """The band key of an employee count ('' when unknown)."""
    if employees is None or employees < 1:
        return SIZE_UNKNOWN
    for key, _first, last in SIZE_BANDS:
        if last is None or employees <= last:
            return key
    return SIZE_UNKNOWN


def size_sql(employees: Any) -> Any:
    """The same band as a SQL CASE over an employees column (NULL -> '')."""
    whens = [(employees >= 1000, "enterprise"), (employees >= 100, "mid"), (employees >= 1, "small")]
    return case(*whens, else_="")


def link_deal_accounts(conn: Connection, team_id: str) -> int:
    """Rebuild `dealaccount` for one workspace: each distinct deal account name whose normalised form is an
    account's key. Returns how many names were linked."""
    params = {"t": team_id}
    keys = {k: i for i, k in conn.execute(text("SELECT id, key FROM account WHERE team_id = :t"), params)}
    conn.execute(text("DELETE FROM dealaccount WHERE team_id = :t"), params)
    if not keys:
        return 0
    names = conn.execute(text("SELECT DISTINCT account FROM deal WHERE team_id = :t AND account <> ''"), params)
    rows = [{"t": team_id, "n": n, "a": keys[k]} for (n,) in names if (k := normalise(n)) in keys]
    if rows:
        conn.execute(text("INSERT INTO dealaccount (team_id, name, account_id) VALUES (:t, :n, :a)"), rows)
    return len(rows)


def has_accounts(session: Any, team_id: str) -> bool:
    """Whether the workspace imported an account export (region and size need one)."""
    return session.execute(text("SELECT 1 FROM account WHERE team_id = :t LIMIT 1"), {"t": team_id}).first() is not None
