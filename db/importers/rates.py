"""Exchange rates from a spreadsheet: currency, date, rate (and optionally the currency it converts to).

One row per rate: what one unit of `currency` is worth in the reporting currency from `date` on, e.g.
`CNY, 2026-01-01, 0.1385`. The `to_currency` column defaults to the workspace's reporting currency. Like every
import: a file with a bad row is refused whole with the row numbers (nothing written), and importing it
again updates rates instead of duplicating them.
"""

import time
from datetime import date

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from db.importers.formats import read_small_import
from db.importers.options import ImportOptions
from db.importers.report import ImportResult, RowRefusals, sheet_rows
from db.importers.runs import finish_run, start_run
from db.importers.values import BadValue, parse_date_text
from db.rates import BadRate, parse_currency, parse_rate, set_rate


def import_rates(engine: Engine, data: bytes, *, filename: str, team_id: str, options: ImportOptions) -> ImportResult:
    started = time.perf_counter()
    result = ImportResult(kind="rates", filename=filename, team_id=team_id, file_format="rates")
    read = read_small_import("rates", engine, data, filename=filename, team_id=team_id, options=options, result=result)
    if read is None:
        return result
    frame, cols, reporting = read
    good: dict[tuple[str, str, date], tuple[int, int]] = {}  # (currency, to, day) -> (micros, row)
    refusals = RowRefusals()
    for number, row, cell in sheet_rows(frame, cols):
        field = "currency"
        try:
            currency = parse_currency(cell("currency"))
            field = "to_currency"
            to = parse_currency(cell("to_currency")) if cell("to_currency") else reporting
            if to == currency:
                raise BadRate("same_currency")
            field = "date"
            if not cell("date"):
                raise BadValue("missing_date")
            day = parse_date_text(cell("date"), options.date_order)
            field = "rate"
            micros = parse_rate(cell("rate"))
            field = "date"
            if (currency, to, day) in good:
                raise BadRate("duplicate_rate")
        except (BadValue, BadRate) as bad:
            refusals.add(row, number, cols.get(field, field), str(bad), cell(field))
            continue
        good[(currency, to, day)] = (micros, number)
    if refusals.settle(result, options.skip_bad_rows):
        return result
    with engine.begin() as conn:
        run_id = start_run(conn, result, data, workspace=options.workspace)
        with Session(bind=conn) as session:
            for (currency, to, day), (micros, _row) in sorted(good.items()):
                change = set_rate(
                    session,
                    team_id=team_id,
                    currency=currency,
                    to_currency=to,
                    valid_from=day,
                    rate_micros=micros,
                    created_by="import",
                )
                if change.status == "added":
                    result.inserted += 1
                elif change.status == "updated":
                    result.updated += 1
                else:
                    result.unchanged += 1
            session.flush()
        if good:
            days = [k[2] for k in good]
            result.date_range = (min(days), max(days))
        for currency, _to, _day in good:
            result.currencies[currency] = result.currencies.get(currency, 0) + 1
        result.seconds = time.perf_counter() - started
        finish_run(conn, run_id, result)
    return result
