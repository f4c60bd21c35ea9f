"""Deals from a CRM export: map the columns, check every row, write the whole file or nothing.

The file streams through in chunks (db/importers/reading.py: CHUNK_ROWS rows), so memory does not grow with
its size: each chunk is checked vectorised over columns (pandas/numpy) and handed to the database's fastest
write (db/importers/bulk.py: COPY on PostgreSQL, executemany on SQLite), all inside ONE transaction. The
first bad row stops the writing (the checking goes on, to list the rows and reasons) and the transaction
rolls back: a refused file leaves the database as it was. What must hold across chunks is kept small:
hashes of the ids seen (8 bytes a row), the date order, the owners, the summary's tallies.
"""

import hashlib
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError

from db import clock
from db.importers import report
from db.importers.bulk import TooSlow, deal_writer, refuse_when_slow
from db.importers.formats import DEFAULT_CURRENCY, column_map
from db.importers.limits import Budget
from db.importers.options import ImportOptions, Progress
from db.importers.owners import ensure_owners, link_file_owners
from db.importers.reading import Source, Table, open_table
from db.importers.report import MAX_LISTED, ImportRefused, ImportResult, RowProblem
from db.importers.rollups import ImportRollups
from db.importers.runs import finish_run, start_run
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

    def rejected_rows(self, limit: int) -> list[dict[str, str]]:
        rows = []
        for i in np.flatnonzero(self.bad)[:limit]:
            row = {str(k): str(v) for k, v in self.frame.iloc[i].items()}
            problem = RowProblem(
                int(self.frame.index[i]) + 2, self.columns.get(self.field[i], self.field[i]), self.reason[i], ""
            )
            rows.append({**row, "rejected_because": problem.text()})
        return rows


def _text(frame: pd.DataFrame, columns: dict[str, str], field: str) -> pd.Series:
    if field not in columns:
        return pd.Series("", index=frame.index, dtype=object)
    return frame[columns[field]]


def flag_text(problems: "Problems", frame: pd.DataFrame, columns: dict[str, str], limits: dict[str, int]) -> None:
    """Refuse cells with control characters (NUL included) in any mapped column, and text over its limit."""
    for name, column in columns.items():
        control, long = text_problems(frame[column], limits.get(name, 10**9))
        problems.flag(control, name, "control_character")
        problems.flag(long, name, "text_too_long")


def _per_value(series: pd.Series, fn: Callable[[str], str]) -> pd.Series:
    """`fn` of each cell, computed once per distinct value; the series itself when nothing changes."""
    codes, uniques = pd.factorize(series)
    done = [fn(u) for u in uniques]
    if all(a == b for a, b in zip(done, uniques, strict=True)):
        return series
    return pd.Series(np.array(done, dtype=object)[codes], index=series.index)


def _date_order(options: ImportOptions, columns: dict[str, str], frame: pd.DataFrame) -> str | None:
    """The file's date order: the option, else what its numeric dates tell (a day above 12 somewhere)."""
    if options.date_order:
        return options.date_order.upper()
    for field_name in ("close_date", "created_date"):
        if field_name in columns:
            values = pd.unique(frame[columns[field_name]])
            try:
                order = infer_date_order(values)
            except BadValue:
                example = next(v for v in values if v and v[:2].isdigit() and not v[:4].isdigit())
                raise ImportRefused("ambiguous_dates", example=example, column=columns[field_name]) from None
            if order:
                return order
    return None


class SortedHashes:
    """A set of 64-bit hashes as one sorted numpy array: 8 bytes an element, lookups by binary search, merges
    in linear time. (Two different values with one hash, odds ~n²/2^65, would look like one.)"""

    def __init__(self) -> None:
        self.values = np.empty(0, dtype=np.uint64)

    def contains(self, hashes: np.ndarray) -> np.ndarray:
        if not len(self.values):
            return np.zeros(len(hashes), dtype=bool)
        at = np.minimum(np.searchsorted(self.values, hashes), len(self.values) - 1)
        return self.values[at] == hashes

    def add(self, hashes: np.ndarray) -> None:
        new = np.sort(hashes)
        new = new[np.concatenate(([True], new[1:] != new[:-1]))] if len(new) else new
        new = new[~self.contains(new)]
        self.values = np.insert(self.values, np.searchsorted(self.values, new), new)


@dataclass
class DealChecks:
    """What the checks of one file carry from chunk to chunk, and the checks of a chunk (`check`)."""

    options: ImportOptions
    columns: dict[str, str]  # field -> the file's column
    file_format: str
    default_currency: str
    today: date
    rescan: Callable[[], "Table"]  # the file read again from the start (to decide the date order)
    order: str | None = None
    ids: SortedHashes = field(default_factory=SortedHashes)
    keys: SortedHashes = field(default_factory=SortedHashes)  # files without ids: rows seen (their key)
    repeats: dict[int, int] = field(default_factory=dict)  # key hash -> rows seen, for keys seen twice or more
    rows: int = 0
    rejected: int = 0
    problems: list[RowProblem] = field(default_factory=list)
    rejected_rows: list[dict[str, str]] = field(default_factory=list)
    stages: Counter = field(default_factory=Counter)
    unknown_stages: Counter = field(default_factory=Counter)  # CRM stage -> rows, over the whole file
    currencies: Counter = field(default_factory=Counter)
    first_date: str | None = None
    last_date: str | None = None
    decided: bool = False

    def __post_init__(self) -> None:
        self.decided = bool(self.options.date_order)
        self.order = self.options.date_order.upper() if self.options.date_order else None
        overrides = {normalise_stage(k): v.lower() for k, v in self.options.stage_map.items()}
        self.status_of = lambda s: stage_status(s, overrides)

    def _decide_order(self, frame: pd.DataFrame) -> None:
        """Numeric dates need an order: the first chunk that tells decides it for the file; when a chunk has
        dates that could be either and none told yet, the rest of the file is read (its dates only) to decide,
        and the file is refused when nothing does."""
        dated = [self.columns[f] for f in ("close_date", "created_date") if f in self.columns]
        try:
            for column in dated:
                if order := infer_date_order(pd.unique(frame[column])):
                    self.order, self.decided = order, True
                    return
        except BadValue:
            for chunk in self.rescan().chunks:
                for column in dated:
                    try:
                        order = infer_date_order(pd.unique(chunk[column]))
                    except BadValue:
                        continue
                    if order:
                        self.order, self.decided = order, True
                        return
            for column in dated:
                values = pd.unique(frame[column])
                example = next((v for v in values if v and v[:2].isdigit() and not v[:4].isdigit()), None)
                if example is not None:
                    raise ImportRefused("ambiguous_dates", example=example, column=column) from None

    def check(self, frame: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, str]]:
        """The good rows of a chunk, normalised (columns of bulk.ROW plus what the summary needs), and the
        chunk's owners with their first e-mail; bad rows are counted, listed (the first MAX_LISTED of the
        file) and, with skip_bad_rows, kept for the rejected-rows file."""
        cols = self.columns
        if not self.decided:
            self._decide_order(frame)
        problems = Problems(frame, cols)
        flag_text(problems, frame, cols, TEXT_LIMITS)
        stage = _text(frame, cols, "stage")
        status = stage.map({s: self.status_of(s) for s in pd.unique(stage)})
        problems.flag(stage.eq(""), "stage", "missing_stage")
        problems.flag(status.isna(), "stage", "unknown_stage")

        close, close_bad, close_far = parse_dates(_text(frame, cols, "close_date"), self.order)
        follow: dict[str, pd.Series] = {}
        for name in ("next_step_date", "last_activity_date"):  # optional dates, for the follow-up reminders
            follow[name], bad, far = parse_dates(_text(frame, cols, name), self.order)
            problems.flag(bad, name, "bad_date")
            problems.flag(far, name, "date_out_of_range")
        created, created_bad, created_far = parse_dates(_text(frame, cols, "created_date"), self.order)
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
            codes = {c: currency_code(c, self.default_currency) for c in pd.unique(frame[cols["currency"]])}
            currency = frame[cols["currency"]].map(codes)
            problems.flag(currency.isna(), "currency", "bad_currency")
            currency = currency.fillna(self.default_currency)
        else:
            currency = symbol_currency.fillna(self.default_currency)

        name, account = _text(frame, cols, "name"), _text(frame, cols, "account")
        owner, product = _text(frame, cols, "owner"), _text(frame, cols, "product")
        if "id" in cols:
            ids = frame[cols["id"]]
            given = ids.ne("").to_numpy()
            hashes = pd.util.hash_array(ids.to_numpy(dtype=object))
            again = ids.duplicated(keep="first").to_numpy() | self.ids.contains(hashes)
            problems.flag(~given, "id", "missing_id")
            problems.flag(given & again, "id", "duplicate_id")
            self.ids.add(hashes[given])
            external = (
                ids
                if max(map(len, ids.to_numpy()), default=0) <= 128
                else _per_value(ids, lambda s: s if len(s) <= 128 else "h:" + hashlib.sha256(s.encode()).hexdigest())
            )
        else:
            external = self._stable_ids(name, account, owner, product)

        out = pd.concat(
            {
                "external_id": external,
                "name": name,
                "owner": owner,
                "account": account,
                "product": product,
                "stage": stage,
                "status": status,
                "amount_cents": pd.Series(cents, index=frame.index),
                "currency": currency,
                "created_date": created.fillna(close).fillna(self.today.isoformat()),
                "close_date": close,
                "loss_reason": _text(frame, cols, "loss_reason"),
                "competitor": _text(frame, cols, "competitor"),
                "segment": _text(frame, cols, "segment"),
                "next_step": _text(frame, cols, "next_step"),
                "next_step_date": follow["next_step_date"],
                "last_activity_date": follow["last_activity_date"],
                "owner_email": _per_value(_text(frame, cols, "owner_email"), str.lower),
                "created_in_file": created,
            },
            axis=1,
            copy=False,
        )
        self._tally_problems(problems)
        if problems.bad.any():
            out = out[~problems.bad]
        # only close_date can be missing in a good row (a cell with NaN would hash apart from "": filled)
        hashed = pd.concat({c: out[c].fillna("") if c == "close_date" else out[c] for c in HASHED}, axis=1, copy=False)
        out["row_hash"] = _with_market(out, pd.util.hash_pandas_object(hashed, index=False).to_numpy().astype(str))
        self._describe(out)
        first = (out["owner"].ne("") & ~out["owner"].duplicated()).to_numpy()
        emails = dict(zip(out["owner"].to_numpy()[first], out["owner_email"].to_numpy()[first], strict=True))
        return out, emails

    def _tally_problems(self, problems: Problems) -> None:
        self.rows += problems.n
        bad = int(problems.bad.sum())
        if not bad:
            return
        self.rejected += bad
        unknown = problems.reason == "unknown_stage"
        if unknown.any() and "stage" in self.columns:  # one line per stage beats 20 rows saying the same
            self.unknown_stages.update(problems.frame[self.columns["stage"]][unknown].value_counts().to_dict())
        if len(self.problems) < MAX_LISTED:
            self.problems += problems.listed()[: MAX_LISTED - len(self.problems)]
        room = report.MAX_REJECTED_KEPT - len(self.rejected_rows)
        if self.options.skip_bad_rows and room > 0:
            self.rejected_rows += problems.rejected_rows(room)

    def _describe(self, frame: pd.DataFrame) -> None:
        """Stage mapping, currencies and the dates covered, for the summary."""
        self.stages.update(frame.groupby(["stage", "status"], sort=False).size().to_dict())
        self.currencies.update(frame["currency"].value_counts().to_dict())
        dates = [d for c in ("created_in_file", "close_date") for d in pd.unique(frame[c]) if isinstance(d, str)]
        if dates:  # a chunk has few distinct dates: compared as ISO strings
            low, high = min(dates), max(dates)
            self.first_date = low if self.first_date is None else min(self.first_date, low)
            self.last_date = high if self.last_date is None else max(self.last_date, high)

    def _stable_ids(self, *parts: pd.Series) -> pd.Series:
        """A file without an id column: hash the identifying columns; the n-th identical row of the file gets
        '#n' (n counted across chunks: a sorted array of the keys seen, and the counts of repeated ones)."""
        key = parts[0].str.cat(list(parts[1:]), sep="\x1f")
        digests = pd.Series([hashlib.sha256(k.encode()).hexdigest()[:32] for k in key], index=key.index)
        codes, uniques = pd.factorize(pd.util.hash_array(key.to_numpy(dtype=object)))
        seen = self.keys.contains(uniques)
        before = np.zeros(len(uniques), dtype=np.int64)
        for j in np.flatnonzero(seen).tolist():
            before[j] = self.repeats.get(int(uniques[j]), 1)
        occurrence = key.groupby(key, sort=False).cumcount().to_numpy() + before[codes]
        totals = np.bincount(codes, minlength=len(uniques)) + before
        for j in np.flatnonzero(totals > 1).tolist():
            self.repeats[int(uniques[j])] = int(totals[j])
        self.keys.add(uniques[~seen])
        suffix = pd.Series(occurrence, index=key.index)
        return digests.where(suffix.eq(0), digests + "#" + suffix.astype(str))


# hashed only when given, so a file without them hashes as before migration 0018 and re-imports unchanged
EXTRA = ("loss_reason", "competitor", "segment", "next_step", "next_step_date", "last_activity_date")


def _with_market(out: pd.DataFrame, hashes: np.ndarray) -> np.ndarray:
    """Row hashes that also cover the market and follow-up columns of the rows that have any."""
    given = np.zeros(len(out), dtype=bool)  # rows with any of them (most files have none: no string built)
    for c in EXTRA:
        column = out[c]
        given |= (column.notna() & column.ne("")).to_numpy() if column.hasnans else column.ne("").to_numpy()
    if not given.any():
        return hashes
    parts = [out[c][given].fillna("") for c in EXTRA]
    extra = parts[0].str.cat(parts[1:], sep="\x1f")
    both = pd.DataFrame({"h": hashes[given], "m": extra.to_numpy()})
    hashes = hashes.copy()
    hashes[given] = pd.util.hash_pandas_object(both, index=False).to_numpy().astype(str)
    return hashes


def import_deals(
    engine: Engine,
    data: "bytes | str | Path",
    *,
    filename: str,
    team_id: str,
    options: ImportOptions,
    progress: Progress | None = None,
    today: date | None = None,
) -> ImportResult:
    """Import a deals export into `team_id`; never raises for a bad file (the result says why it refused).

    `data` is the file's bytes (a Slack upload) or its path (the CLI: read in blocks, never whole)."""
    started = time.perf_counter()
    result = ImportResult(kind="deals", filename=filename, team_id=team_id)
    budget = Budget(options.limits)
    stop = threading.Event()
    with ThreadPoolExecutor(max_workers=1) as pool:
        try:
            source = Source(data)
            digest = pool.submit(source.sha256, stop)  # hashlib releases the GIL: on the other core meanwhile
            _import(engine, source, result, options, progress, today or clock.today(), budget, digest.result,
                    rollups=True)
        except ImportRefused as refusal:
            result.status, result.refusal = "refused", refusal
        except _Refused:
            pass
        finally:
            stop.set()
        if result.refused:
            result.inserted = result.updated = result.unchanged = 0
            result.owners_new = []
        result.seconds = time.perf_counter() - started
        return result


class _Refused(Exception):
    """Bad rows in the file: leave the transaction (it rolls back); the result lists them."""


def import_frames(
    engine: Engine,
    frames: Iterable[pd.DataFrame],
    *,
    label: str,
    team_id: str,
    options: ImportOptions,
    today: date | None = None,
    then: Callable[[Connection, ImportResult], None] | None = None,
    columns: list[str] | None = None,
    expected_rows: int | None = None,
    rollups: bool = False,
) -> ImportResult:
    """Deals that come as tables of text instead of a file (a CRM sync's pages: db/crm/sync.py), through the same
    checks and writes as a file; `then(conn, result)` runs in the same transaction after the rows are written
    (the sync stores its cursor there, so the cursor moves only with committed rows).

    `frames` may be an iterator that yields while the transaction runs (a sync hands on pages as they arrive),
    with `columns`, the names every frame has. `expected_rows`: how many rows it will likely bring in all (what a
    file's size tells the file import: SQLite rebuilds the indexes once after a big write instead of row by row).
    `rollups`: on SQLite, both rollups brought up to date in this transaction, as a file import does."""
    started = time.perf_counter()
    result = ImportResult(kind="deals", filename=label, team_id=team_id)
    if columns is None:
        frames = list(frames)
        columns = list(frames[0].columns) if frames else []
    given = 0

    def counted() -> Iterator[pd.DataFrame]:
        nonlocal given
        for frame in frames:
            given += len(frame)
            yield frame

    def read_fraction() -> float:
        return min(1.0, given / expected_rows) if expected_rows and given else 1.0

    def table() -> Table:
        return Table(list(columns), "api", counted(), read_fraction)

    try:
        _import(engine, None, result, options, None, today or clock.today(), Budget(options.limits), lambda: "-",
                table=table, then=then, rollups=rollups)
    except ImportRefused as refusal:
        result.status, result.refusal = "refused", refusal
    except _Refused:
        pass
    if result.refused:
        result.inserted = result.updated = result.unchanged = 0
        result.owners_new = []
    result.seconds = time.perf_counter() - started
    return result


def _import(engine: Engine, source: Source | None, result: ImportResult, options: ImportOptions,
            progress: Progress | None, today: date, budget: Budget, sha256: Callable[[], str], *,
            table: "Callable[[], Table] | None" = None,
            then: "Callable[[Connection, ImportResult], None] | None" = None, rollups: bool = False) -> None:
    opened = table or (lambda: open_table(source, budget))  # type: ignore[arg-type]
    table_now = opened()
    result.encoding = table_now.encoding
    cmap = column_map("deals", table_now.columns, file_format=options.file_format, overrides=options.column_map)
    result.file_format, result.mapping = cmap.file_format, cmap.columns
    with engine.connect() as conn:
        currency = workspace_currency(conn, result.team_id, options.workspace.currency)
    checks = DealChecks(
        options,
        cmap.columns,
        cmap.file_format,
        (options.currency or DEFAULT_CURRENCY.get(cmap.file_format) or currency).upper(),
        today,
        opened,
    )
    try:
        with engine.begin() as conn:
            _write(conn, table_now, checks, result, options, progress, budget, sha256, rollups=rollups)
            if then is not None:
                then(conn, result)
    except TooSlow:
        raise refuse_when_slow(options.limits.seconds) from None
    except DBAPIError:  # the budget ran out and PostgreSQL's statement_timeout surfaced on the rollback itself
        if time.monotonic() > budget.deadline:
            raise refuse_when_slow(options.limits.seconds) from None
        raise


def _write(conn, table: Table, checks: DealChecks, result: ImportResult, options: ImportOptions,  # type: ignore[no-untyped-def]
           progress: Progress | None, budget: Budget, sha256: Callable[[], str], *, rollups: bool = False) -> None:
    """Check and store every chunk in the transaction of `conn`; raises _Refused (rollback) for bad rows.

    `rollups`: on SQLite, bring the KPI and market rollups up to date in this transaction (db/importers/rollups.py)."""
    team_id, source = result.team_id, checks.file_format
    run_id = start_run(conn, result, b"", workspace=options.workspace, sha256="-")  # a write first: SQLite's
    now = clock.now()  # transaction then covers the DDL of the SQLite writer
    stamp = now if conn.dialect.name == "postgresql" else now.strftime("%Y-%m-%d %H:%M:%S.%f")
    owner_ids: dict[str, int] = {}

    def ids_of(owners: dict[str, str]) -> dict[str, int]:
        ids, created = ensure_owners(conn, team_id, owners)
        result.owners_new += created
        owner_ids.update(ids)
        return ids

    upkeep = ImportRollups(conn, team_id, source, stamp) if rollups and conn.dialect.name == "sqlite" else None
    writer = deal_writer(conn, team_id, source, stamp, ids_of, budget.deadline, run_id=run_id)
    emails: dict[str, str] = {}
    writing = True
    # one chunk is written (on a second thread: the database works without the GIL) while the next is read
    # and checked; at most two chunks are in memory
    writes = ThreadPoolExecutor(max_workers=1, thread_name_prefix="import-write")
    pending: Future[None] | None = None
    try:
        for chunk in table.chunks:
            good, chunk_emails = checks.check(chunk)
            for owner, email in chunk_emails.items():
                emails.setdefault(owner, email)
            if pending is not None:
                pending.result()
                pending = None
            writing = writing and (options.skip_bad_rows or not checks.rejected)
            estimate = max(checks.rows, int(checks.rows / max(table.read_fraction(), 1e-9)))
            if writing and len(good):
                pending = writes.submit(writer.add, {c: good[c] for c in good.columns}, chunk_emails, estimate)
                if upkeep is not None:  # folded here while the writer thread stores the chunk
                    upkeep.fold(good)
            if progress:
                progress(checks.rows, estimate)
            budget.check()
        if pending is not None:
            pending.result()
            pending = None
        _summarise(checks, result)
        if not checks.rows:
            raise ImportRefused("no_rows")
        if checks.rejected and not options.skip_bad_rows:
            result.status = "refused"
            raise _Refused
        result.inserted, result.updated = writer.finish()
        budget.check()
    finally:
        if pending is not None:  # stopped early: let the write in flight end before the rollback
            wait([pending])
        writes.shutdown()
        writer.close()
    result.unchanged = result.rows - result.rejected - result.inserted - result.updated
    if result.rejected:
        result.status, result.rejected_rows = "partial", checks.rejected_rows
    if upkeep is not None:
        upkeep.before_linking(owner_ids)
    link_file_owners(conn, team_id, result, owner_ids, emails)
    finish_run(conn, run_id, result, sha256=sha256())
    if upkeep is not None:
        upkeep.finish(owner_ids, wrote=bool(result.inserted or result.updated))
        result.rollups = upkeep.how
    if progress:
        progress(result.rows, result.rows)


def _summarise(checks: DealChecks, result: ImportResult) -> None:
    result.rows, result.rejected, result.problems = checks.rows, checks.rejected, checks.problems
    result.unknown_stages = [(str(s), int(n)) for s, n in checks.unknown_stages.most_common()]
    result.stages = [(str(s), str(st), int(n)) for (s, st), n in checks.stages.most_common(12)]
    result.currencies = {str(k): int(v) for k, v in checks.currencies.items()}
    if checks.first_date and checks.last_date:
        result.date_range = (date.fromisoformat(checks.first_date), date.fromisoformat(checks.last_date))
