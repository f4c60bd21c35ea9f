"""Account attributes from a CRM account export: name, sector/industry, region, employees, annual revenue.

Formats (db/importers/formats.ACCOUNT_FORMATS): Salesforce Accounts (Account Name, Industry, Billing Country,
Employees, Annual Revenue), HubSpot companies (Company name, Industry, Country/Region, Number of Employees,
Annual Revenue), Zoho Accounts, Fxiaoke 客户 (客户名称, 行业, 国家/省份/地区, 人员规模/员工人数), and any
spreadsheet (the Maven sample's accounts.csv: account, sector, office_location, employees, revenue).
Accounts are keyed by reports/account_names.normalise(name), so "Bluth Co." and "bluth co" are one account and
a deal naming either finds it. All or nothing like every import; the same file twice changes nothing.
"""

import re
import time

from sqlalchemy import select
from sqlalchemy.engine import Engine

from db import clock
from db.accounts import link_deal_accounts
from db.importers.formats import DEFAULT_ACCOUNT_CURRENCY, read_small_import
from db.importers.options import ImportOptions
from db.importers.report import ImportResult, RowRefusals, sheet_rows
from db.importers.runs import finish_run, start_run
from db.importers.values import BadValue, control_free, currency_code, parse_amount_text
from db.models import Account
from reports.account_names import normalise

TEXT_LIMIT = {"name": 300, "sector": 200, "region": 200}
MAX_EMPLOYEES = 10_000_000  # the largest employers have ~2-3 million
_NUMBER = re.compile(r"\d[\d,，\s]*")


def parse_employees(text: str) -> int | None:
    """'1,200', '1200.0', '100-499人', '1000人以上', '5万' -> the (lower) head count; '' -> None."""
    s = text.strip()
    if not s:
        return None
    m = _NUMBER.search(s)
    if m is None:
        raise BadValue("bad_employees")
    digits = re.sub(r"[,，\s]", "", m.group())
    tail = s[m.end():]
    number = int(digits)
    if tail.startswith(".") and re.fullmatch(r"\.0*", tail.split()[0] if tail.split() else tail):
        tail = ""
    if tail.startswith("万"):
        number *= 10_000
    elif tail.lower().startswith("k"):
        number *= 1000
    if number > MAX_EMPLOYEES:
        raise BadValue("employees_out_of_range")
    return number


def import_accounts(
    engine: Engine, data: bytes, *, filename: str, team_id: str, options: ImportOptions
) -> ImportResult:
    started = time.perf_counter()
    result = ImportResult(kind="accounts", filename=filename, team_id=team_id, file_format="accounts")
    read = read_small_import("accounts", engine, data, filename=filename, team_id=team_id, options=options,
                             result=result)
    if read is None:
        return result
    frame, cols, workspace_currency = read
    default_currency = options.currency or DEFAULT_ACCOUNT_CURRENCY.get(result.file_format, workspace_currency)
    good: dict[str, dict[str, object]] = {}  # key -> values
    refusals = RowRefusals()
    for number, row, cell in sheet_rows(frame, cols):
        field = "name"
        try:
            for field in cols:
                if not control_free(cell(field)):
                    raise BadValue("control_character")
                if len(cell(field)) > TEXT_LIMIT.get(field, 300):
                    raise BadValue("text_too_long")
            field = "name"
            key = normalise(cell("name"))
            if not key:
                raise BadValue("missing_name")
            if key in good:
                raise BadValue("duplicate_account")
            field = "employees"
            employees = parse_employees(cell("employees"))
            field = "revenue"
            revenue, symbol = parse_amount_text(cell("revenue")) if cell("revenue") else (None, None)
            field = "currency"
            currency = currency_code(cell("currency"), symbol or default_currency) if revenue is not None else ""
            if currency is None:
                raise BadValue("bad_currency")
        except BadValue as bad:
            refusals.add(row, number, cols.get(field, field), str(bad), cell(field))
            continue
        good[key] = {"name": " ".join(cell("name").split()), "sector": cell("sector"), "region": cell("region"),
                     "employees": employees, "revenue_cents": revenue, "revenue_currency": currency or ""}
        if currency:
            result.currencies[currency] = result.currencies.get(currency, 0) + 1
    if refusals.settle(result, options.skip_bad_rows):
        return result
    table = Account.__table__  # type: ignore[attr-defined]
    fields = ("name", "sector", "region", "employees", "revenue_cents", "revenue_currency")
    with engine.begin() as conn:
        run_id = start_run(conn, result, data, workspace=options.workspace)
        stored = {r.key: r for r in conn.execute(select(table).where(table.c.team_id == team_id))}
        inserts = []
        for key, values in good.items():
            old = stored.get(key)
            if old is None:
                inserts.append({"team_id": team_id, "key": key, "source": result.file_format,
                                "updated_at": clock.now(), **values})
            elif tuple(getattr(old, f) for f in fields) != tuple(values[f] for f in fields):
                conn.execute(table.update().where(table.c.id == old.id).values(
                    source=result.file_format, updated_at=clock.now(), **values))
                result.updated += 1
            else:
                result.unchanged += 1
        if inserts:
            conn.execute(table.insert(), inserts)
        result.inserted = len(inserts)
        link_deal_accounts(conn, team_id)
        result.seconds = time.perf_counter() - started
        finish_run(conn, run_id, result)
    return result
