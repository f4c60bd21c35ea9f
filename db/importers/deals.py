"""Deals from a CRM export: map the columns, read every cell, refuse or write the whole file.

All or nothing: every row is checked before anything is written, and the write is one transaction. The
work is vectorised over columns (pandas/numpy) so a million rows import in seconds.
"""

import hashlib
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd
from sqlalchemy.engine import Engine

from db import clock
from db.importers.formats import DEFAULT_CURRENCY, column_map
from db.importers.limits import Budget
from db.importers.options import ImportOptions, Progress
from db.importers.owners import ensure_owners, link_file_owners
from db.importers.reading import RawTable, read_table
from db.importers.report import MAX_LISTED, ImportRefused, ImportResult, RowProblem
from db.importers.runs import finish_run, start_run
from db.importers.upsert import existing_hashes, sqlite_bulk_end, sqlite_bulk_start, upsert
from db.importers.values import (
    TEXT_LIMITS,
    BadValue,
    currency_code,
    infer_date_order,
    normalise_stage,
    parse_amounts,
    parse_dates,
    stage_status,
    text_problems,
)
from db.importers.workspace import workspace_currency

COLUMNS = (
    "team_id",
    "source",
    "external_id",
    "name",
    "owner_id",
    "account",
    "product",
    "stage",
    "status",
    "amount_cents",
    "currency",
    "created_date",
    "close_date",
    "row_hash",
    "updated_at",
)
VARYING = tuple(c for c in COLUMNS if c not in ("team_id", "source", "updated_at"))  # the rest: constants
HASHED = (  # the columns row_hash covers, in this order (a stored hash must stay comparable)
    "name",
    "owner",
    "account",
    "product",
    "stage",
    "status",
    "amount_cents",
    "currency",
    "created_date",
    "close_date",
)


class Problems:
    """The first problem of each bad row: which column and why, kept as arrays (a file may be all bad)."""

    def __init__(self, frame: pd.DataFrame, columns: dict[str, str]) -> None:
        self.n = len(frame)
        self.frame = frame
        self.columns = columns
        self.bad = np.zeros(self.n, dtype=bool)
        self.reason = np.empty(self.n, dtype=object)
        self.field = np.empty(self.n, dtype=object)

    def flag(self, mask: np.ndarray | pd.Series, field: str, reason: str) -> None:
        mask = np.asarray(mask, dtype=bool) & ~self.bad
        if mask.any():
            self.reason[mask] = reason
            self.field[mask] = field
            self.bad |= mask

    def listed(self) -> list[RowProblem]:
        out = []
        for i in np.flatnonzero(self.bad)[:MAX_LISTED]:
            column = self.columns.get(self.field[i], self.field[i])
            value = str(self.frame[column].iat[i]) if column in self.frame.columns else ""
            out.append(RowProblem(int(self.frame.index[i]) + 2, column, self.reason[i], value[:80]))
        return out

    def rejected_rows(self) -> list[dict[str, str]]:
        rows = []
        for i in np.flatnonzero(self.bad):
            row = {str(k): str(v) for k, v in self.frame.iloc[i].items()}
            problem = RowProblem(
                int(self.frame.index[i]) + 2, self.columns.get(self.field[i], self.field[i]), self.reason[i], ""
            )
            rows.append({**row, "rejected_because": problem.text()})
        return rows


@dataclass
class PreparedDeals:
    frame: pd.DataFrame  # normalised columns, one row per good row
    problems: Problems
    file_format: str
    mapping: dict[str, str]


def _text(frame: pd.DataFrame, columns: dict[str, str], field: str) -> pd.Series:
    if field not in columns:
        return pd.Series("", index=frame.index, dtype=object)
    return frame[columns[field]]


def flag_text(problems: "Problems", frame: pd.DataFrame, columns: dict[str, str], limits: dict[str, int]) -> None:
    """Refuse cells with control characters (NUL included) in any mapped column, and text over its limit."""
    for field, column in columns.items():
        control, long = text_problems(frame[column], limits.get(field, 10**9))
        problems.flag(control, field, "control_character")
        problems.flag(long, field, "text_too_long")


def _per_value(series: pd.Series, fn: Callable[[str], str]) -> pd.Series:
    """`fn` of each cell, computed once per distinct value; the series itself when nothing changes."""
    codes, uniques = pd.factorize(series)
    done = [fn(u) for u in uniques]
    if all(a == b for a, b in zip(done, uniques, strict=True)):
        return series
    return pd.Series(np.array(done, dtype=object)[codes], index=series.index)


def _date_order(options: ImportOptions, columns: dict[str, str], frame: pd.DataFrame) -> str | None:
    if options.date_order:
        return options.date_order.upper()
    for field in ("close_date", "created_date"):
        if field in columns:
            values = pd.unique(frame[columns[field]])
            try:
                order = infer_date_order(values)
            except BadValue:
                example = next(v for v in values if v and v[:2].isdigit() and not v[:4].isdigit())
                raise ImportRefused("ambiguous_dates", example=example, column=columns[field]) from None
            if order:
                return order
    return None


def prepare_deals(raw: RawTable, options: ImportOptions, *, default_currency: str, today: date) -> PreparedDeals:
    """Read and check every row; no database access."""
    frame = raw.frame
    cmap = column_map("deals", list(frame.columns), file_format=options.file_format, overrides=options.column_map)
    cols = cmap.columns
    problems = Problems(frame, cols)
    flag_text(problems, frame, cols, TEXT_LIMITS)
    default_currency = (options.currency or DEFAULT_CURRENCY.get(cmap.file_format) or default_currency).upper()

    stage = _text(frame, cols, "stage")
    overrides = {normalise_stage(k): v.lower() for k, v in options.stage_map.items()}
    status_of = {s: stage_status(s, overrides) for s in pd.unique(stage)}
    status = stage.map(status_of)
    problems.flag(stage.eq(""), "stage", "missing_stage")
    problems.flag(status.isna(), "stage", "unknown_stage")

    order = _date_order(options, cols, frame)
    close, close_bad, close_far = parse_dates(_text(frame, cols, "close_date"), order)
    created, created_bad, created_far = parse_dates(_text(frame, cols, "created_date"), order)
    problems.flag(close_bad, "close_date", "bad_date")
    problems.flag(close_far, "close_date", "date_out_of_range")
    problems.flag(created_bad, "created_date", "bad_date")
    problems.flag(created_far, "created_date", "date_out_of_range")

    cents, present, amount_bad, amount_far, symbol_currency = parse_amounts(_text(frame, cols, "amount"))
    problems.flag(amount_bad, "amount", "bad_amount")
    problems.flag(amount_far, "amount", "amount_out_of_range")
    won = status.eq("won").to_numpy()
    problems.flag(won & ~present & ~amount_far.to_numpy(), "amount", "missing_amount")
    problems.flag(won & present & (cents < 0), "amount", "negative_won_amount")
    closed = won | status.eq("lost").to_numpy()
    problems.flag(closed & close.isna().to_numpy(), "close_date", "missing_close_date")

    if "currency" in cols:
        codes = {c: currency_code(c, default_currency) for c in pd.unique(frame[cols["currency"]])}
        currency = frame[cols["currency"]].map(codes)
        problems.flag(currency.isna(), "currency", "bad_currency")
        currency = currency.fillna(default_currency)
    else:
        currency = symbol_currency.fillna(default_currency)

    name, account = _text(frame, cols, "name"), _text(frame, cols, "account")
    owner, product = _text(frame, cols, "owner"), _text(frame, cols, "product")
    if "id" in cols:
        ids = frame[cols["id"]]
        problems.flag(ids.eq(""), "id", "missing_id")
        problems.flag(ids.ne("") & ids.duplicated(keep="first"), "id", "duplicate_id")
        external = (
            ids
            if max(map(len, ids.to_numpy()), default=0) <= 128
            else _per_value(ids, lambda s: s if len(s) <= 128 else "h:" + hashlib.sha256(s.encode()).hexdigest())
        )
    else:
        external = _stable_ids(name, account, owner, product)

    columns = {
        "external_id": external,
        "name": name,
        "owner": owner,
        "account": account,
        "product": product,
        "stage": stage,
        "status": status,
        "amount_cents": pd.Series(cents, index=frame.index),
        "currency": currency,
        "created_date": created.fillna(close).fillna(today.isoformat()),
        "close_date": close,
        "owner_email": _per_value(_text(frame, cols, "owner_email"), str.lower),
        "created_in_file": created,
    }
    out = pd.concat(columns, axis=1, copy=False)  # one block per column: no 13-column object copy
    if problems.bad.any():
        out = out[~problems.bad]
    hashed = pd.concat(
        {c: out[c].fillna("") if out[c].hasnans else out[c] for c in HASHED}, axis=1, copy=False
    )
    out["row_hash"] = pd.util.hash_pandas_object(hashed, index=False).to_numpy().astype(str)
    return PreparedDeals(out, problems, cmap.file_format, cols)


def _stable_ids(*parts: pd.Series) -> pd.Series:
    """A file without an id column: hash the identifying columns; the n-th identical row gets '#n'."""
    key = parts[0].str.cat(list(parts[1:]), sep="\x1f")
    digests = pd.Series([hashlib.sha256(k.encode()).hexdigest()[:32] for k in key], index=key.index)
    occurrence = key.groupby(key, sort=False).cumcount()
    return digests.where(occurrence.eq(0), digests + "#" + occurrence.astype(str))


def import_deals(
    engine: Engine,
    data: bytes,
    *,
    filename: str,
    team_id: str,
    options: ImportOptions,
    progress: Progress | None = None,
    today: date | None = None,
) -> ImportResult:
    """Import a deals export into `team_id`; never raises for a bad file (the result says why it refused)."""
    # hashlib and SQLite's CREATE INDEX release the GIL: the file's digest and the summary figures are
    # computed on a second core meanwhile.
    with ThreadPoolExecutor(max_workers=1) as pool:
        digest = pool.submit(lambda: hashlib.sha256(data).hexdigest())
        return _import_deals(engine, data, filename, team_id, options, progress, today, pool, digest)


def _import_deals(
    engine: Engine,
    data: bytes,
    filename: str,
    team_id: str,
    options: ImportOptions,
    progress: Progress | None,
    today: date | None,
    pool: ThreadPoolExecutor,
    digest: Future[str],
) -> ImportResult:
    started = time.perf_counter()
    result = ImportResult(kind="deals", filename=filename, team_id=team_id)
    try:
        budget = Budget(options.limits)
        raw = read_table(data, filename, budget)
        result.encoding = raw.encoding
        with engine.connect() as conn:
            currency = workspace_currency(conn, team_id, options.workspace.currency)
        prepared = prepare_deals(raw, options, default_currency=currency, today=today or clock.today())
        budget.check()
    except ImportRefused as refusal:
        result.status, result.refusal = "refused", refusal
        return result
    frame, problems = prepared.frame, prepared.problems
    result.file_format, result.mapping, result.rows = prepared.file_format, prepared.mapping, problems.n
    result.rejected = int(problems.bad.sum())
    result.problems = problems.listed()
    if result.rejected and not options.skip_bad_rows:
        result.status = "refused"
        return result
    if result.rejected:
        result.status, result.rejected_rows = "partial", problems.rejected_rows()
    described = pool.submit(_describe, result, frame)
    source = prepared.file_format
    with engine.begin() as conn:
        # first a write: SQLite's transaction then covers the DDL below
        run_id = start_run(conn, result, data, workspace=options.workspace, sha256=digest.result())
        first = (frame["owner"].ne("") & ~frame["owner"].duplicated()).to_numpy()
        emails = dict(zip(frame["owner"].to_numpy()[first], frame["owner_email"].to_numpy()[first], strict=True))
        owner_ids, result.owners_new = ensure_owners(conn, team_id, emails)
        stored = existing_hashes(conn, "deal", team_id, source)
        if stored:
            before = frame["external_id"].map(stored)
            is_new = before.isna().to_numpy()
            changed = ~is_new & (before.to_numpy() != frame["row_hash"].to_numpy())
            todo = frame[is_new | changed]
        else:  # nothing stored yet for this source: every row is new, no copy
            is_new, changed, todo = np.ones(len(frame), dtype=bool), np.zeros(len(frame), dtype=bool), frame
        del stored
        result.inserted, result.updated = int(is_new.sum()), int(changed.sum())
        result.unchanged = len(frame) - result.inserted - result.updated
        n = len(todo)
        now = clock.now()
        stamp = now if conn.dialect.name == "postgresql" else now.strftime("%Y-%m-%d %H:%M:%S.%f")
        owner_id = todo["owner"].map(owner_ids).astype(object).where(todo["owner"].ne(""), None)
        close = todo["close_date"].astype(object).where(todo["close_date"].notna(), None)
        rows = zip(
            todo["external_id"].to_numpy(),
            todo["name"].to_numpy(),
            owner_id.to_numpy(),
            todo["account"].to_numpy(),
            todo["product"].to_numpy(),
            todo["stage"].to_numpy(),
            todo["status"].to_numpy(),
            todo["amount_cents"].tolist(),
            todo["currency"].to_numpy(),
            todo["created_date"].to_numpy(),
            close.to_numpy(),
            todo["row_hash"].to_numpy(),
            strict=True,
        )
        constants = {"team_id": team_id, "source": source, "updated_at": stamp}
        rebuild = sqlite_bulk_start(conn, "deal", n)
        upsert(conn, "deal", VARYING, rows, total=n, progress=progress, constants=constants)
        sqlite_bulk_end(conn, rebuild)
        described.result()
        link_file_owners(conn, team_id, result, owner_ids, emails)
        result.seconds = time.perf_counter() - started
        finish_run(conn, run_id, result)
    return result


def _describe(result: ImportResult, frame: pd.DataFrame) -> None:
    """Stage mapping, currencies and the dates covered, for the summary."""
    counts = frame.groupby(["stage", "status"], sort=False).size().sort_values(ascending=False)
    result.stages = [(str(s), str(st), int(n)) for (s, st), n in counts.items()][:12]
    result.currencies = {str(k): int(v) for k, v in frame["currency"].value_counts().items()}
    dates = pd.concat([frame["created_in_file"].dropna(), frame["close_date"].dropna()])
    if len(dates):
        result.date_range = (date.fromisoformat(dates.min()), date.fromisoformat(dates.max()))
