"""What an import did or why it refused, as data: the CLI and the Slack reply render it in their own words.

Reasons are codes (`bad_amount`, `missing_close_date`, ...) so each front end can say them in the user's
language; REASONS holds the English text the CLI prints.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from db.csv_export import csv_bytes

MAX_LISTED = 20
# With --skip-bad-rows the rejected rows are given back as a CSV. A file of millions of bad rows must not hold
# them all in memory (imports stream in bounded memory): the CSV keeps the first MAX_REJECTED_KEPT, and the
# summary says how many it lists of how many were skipped.
MAX_REJECTED_KEPT = 50_000

REASONS = {
    "bad_amount": "amount not readable",
    "missing_amount": "won deal without an amount",
    "bad_date": "date not readable",
    "ambiguous_date": "date could be day/month or month/day (use --date-order)",
    "missing_close_date": "closed deal without a close date",
    "unknown_stage": 'unknown stage (map it with --stage-map "{value}=won|lost|open")',
    "missing_stage": "empty stage",
    "missing_id": "empty id",
    "duplicate_id": "same id as an earlier row",
    "bad_currency": "currency not readable",
    "missing_date": "empty date",
    "bad_rating": "rating not a number from 0 to 10",
    "missing_rating_comment": "neither a rating nor a comment",
    "unknown_metric": "unknown metric",
    "bad_period": "period not readable (2026, 2026-Q3, 2026-07, or start and end dates)",
    "bad_value": "target value not readable",
    "missing_value": "empty target value",
    "amount_out_of_range": "amount beyond ±1,000,000,000,000 (in the currency's major unit)",
    "negative_won_amount": "won deal with a negative amount",
    "date_out_of_range": "date outside 1990-01-01 … 2100-12-31",
    "control_character": "control character (such as NUL) in the text",
    "text_too_long": "text longer than the column allows",
    "bad_rate": "rate not a positive number (one unit of the currency in the reporting currency, e.g. 0.1385)",
    "rate_decimals": "rate with more than 6 decimals",
    "same_currency": "a rate from a currency to itself",
    "duplicate_rate": "a second rate for the same currency and date",
    "missing_name": "empty account name",
    "duplicate_account": "the same account as an earlier row (names compared without case, punctuation, Inc./有限公司)",
    "bad_employees": "employees not a number",
    "employees_out_of_range": "employees above 10,000,000",
}

FILE_PROBLEMS = {
    "empty_file": "the file is empty",
    "xls_not_supported": "old .xls workbooks are not supported: save it as .xlsx or CSV",
    "unreadable": "the file could not be read: {detail}",
    "unrecognised_columns": "the columns do not look like a {kind} export: missing {missing}. Columns found: "
    '{found}. Name them with --map "Your column=field" (fields: {fields})',
    "ambiguous_dates": "dates such as {example} in column {column} could be day/month or month/day and nothing "
    "in the file decides: pass --date-order DMY or MDY",
    "too_large": "the file is larger than the limit of {limit}",
    "unknown_map_field": "--map names an unknown field {detail} (fields: {fields})",
    "unknown_map_column": "--map names a column the file does not have: {detail}",
    "no_rows": "the file has a header but no rows",
    "too_large_unpacked": "the workbook unpacks to {size}, over the limit of {limit}",
    "zip_bomb": "the workbook's part {member} inflates {ratio} times (a zip bomb, or not a real export)",
    "too_many_rows": "the file has more than {limit} rows: split it",
    "too_many_columns": "the file has {columns} columns; the limit is {limit}",
    "too_slow": "the import took longer than {seconds} s (nothing was stored): split the file",
    "nul_byte": "row {row} contains a NUL byte (a control character): remove it, or export the file again",
    "mixed_encoding": "row {row} is not {encoding} like the rest of the file (mixed encodings): save the "
    "whole file in one encoding, e.g. UTF-8",
}


class ImportRefused(Exception):
    """The whole file cannot be imported (not one bad row: the file itself)."""

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params

    def text(self) -> str:
        params = {"detail": "", **self.params}
        return FILE_PROBLEMS[self.code].format(**params)


@dataclass
class RowProblem:
    row: int  # as a spreadsheet shows it: the header is row 1, the first data row is row 2
    column: str  # the file's own header
    reason: str  # a code of REASONS
    value: str = ""

    def text(self) -> str:
        return f"row {self.row}, {self.column}: {REASONS[self.reason].format(value=self.value)}" + (
            f" ({self.value!r})" if self.value and self.reason != "unknown_stage" else ""
        )


@dataclass
class ImportResult:
    kind: str  # deals | targets | feedback | rates | accounts
    filename: str
    file_format: str = ""
    encoding: str = ""
    team_id: str = ""
    status: str = "done"  # done | partial (bad rows skipped) | refused
    rows: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    problems: list[RowProblem] = field(default_factory=list)
    refusal: ImportRefused | None = None
    mapping: dict[str, str] = field(default_factory=dict)  # field -> the file's column
    stages: list[tuple[str, str, int]] = field(default_factory=list)  # (CRM stage, status, rows)
    unknown_stages: list[tuple[str, int]] = field(default_factory=list)  # (CRM stage, rows), most rows first
    currencies: dict[str, int] = field(default_factory=dict)
    date_range: tuple[date, date] | None = None
    owners_new: list[str] = field(default_factory=list)
    owners_unlinked: list[str] = field(default_factory=list)
    owners_linked: list[str] = field(default_factory=list)  # linked to Slack people by e-mail
    owners_linked_by_name: list[str] = field(default_factory=list)  # by a unique real/display name
    owners_ambiguous: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # name -> [(person, U…)]
    owner_emails: dict[str, str] = field(default_factory=dict)  # crm name -> e-mail, for users.lookupByEmail
    rejected_rows: list[dict[str, str]] = field(default_factory=list)  # with --skip-bad-rows
    seconds: float = 0.0
    # how a SQLite deals import brought the market rollup up to date in its own transaction (db/importers/
    # rollups.py): added | days | rebuilt; '' when the rollups are rebuilt after it (PostgreSQL, CRM sync)
    rollups: str = ""

    @property
    def refused(self) -> bool:
        return self.status == "refused"

    def listed_problems(self) -> list[RowProblem]:
        return self.problems[:MAX_LISTED]

    def rejected_csv(self) -> bytes:
        """The rows left out with --skip-bad-rows, as they were, with a `rejected_because` column."""
        if not self.rejected_rows:
            return b""
        header = list(self.rejected_rows[0].keys())
        rows = [header, *([row.get(k, "") for k in header] for row in self.rejected_rows)]
        return csv_bytes(rows, lineterminator="\n")  # formula cells neutralised; a BOM for Excel


class RowRefusals:
    """The bad rows of a file read whole (rates, accounts): the first MAX_LISTED problems for the report, and every
    row as it was (with why) for --skip-bad-rows' CSV. `settle` says on the result whether the file is refused."""

    def __init__(self) -> None:
        self.problems: list[RowProblem] = []
        self.rejected: list[dict[str, str]] = []

    def add(self, row: Any, number: int, column: str, reason: str, value: str) -> None:
        problem = RowProblem(number, column, reason, value[:80])
        if len(self.problems) < MAX_LISTED:
            self.problems.append(problem)
        self.rejected.append({**{str(k): str(v) for k, v in row.items()}, "rejected_because": problem.text()})

    def settle(self, result: "ImportResult", skip_bad_rows: bool) -> bool:
        """True when the file is refused (a bad row, without --skip-bad-rows): nothing may be written."""
        result.problems, result.rejected = self.problems, len(self.rejected)
        if self.rejected and not skip_bad_rows:
            result.status = "refused"
            return True
        if self.rejected:
            result.status, result.rejected_rows = "partial", self.rejected
        return False


def sheet_rows(frame: Any, cols: dict[str, str]) -> Iterator[tuple[int, Any, Callable[[str], str]]]:
    """(row number as a spreadsheet shows it, the row, cell(field) -> its stripped text or '') per row."""
    for index, row in frame.iterrows():

        def cell(name: str, r: Any = row) -> str:
            return str(r[cols[name]]).strip() if name in cols else ""

        yield int(index) + 2, row, cell


def summary_lines(result: ImportResult) -> list[str]:
    """The plain-text summary the CLI prints (Slack has its own rendering in handlers/import_views.py)."""
    if result.refusal is not None:
        return [f"Refused {result.filename}: {result.refusal.text()}", "Nothing was imported."]
    if result.refused:
        bad = max(result.rejected, len(result.problems))
        lines = [f"Refused {result.filename}: {bad:,} bad row(s); nothing was imported."]
        if result.unknown_stages:
            lines.append("  " + unknown_stages_line(result.unknown_stages))
            lines.append("  map them (check each guess): " + " ".join(stage_map_flags(result.unknown_stages)))
        lines += ["  " + p.text() for p in result.listed_problems()]
        if bad > len(result.listed_problems()):
            lines.append(f"  … and {bad - len(result.listed_problems()):,} more")
        lines.append("Fix the rows, or import the rest with --skip-bad-rows (the bad rows go to a CSV file).")
        return lines
    lines = [
        f"Imported {result.kind} from {result.filename} ({result.file_format}, {result.encoding}) into "
        f"workspace {result.team_id}: {result.rows:,} rows in {result.seconds:.1f} s",
        f"  inserted {result.inserted:,} · updated {result.updated:,} · unchanged {result.unchanged:,} · "
        f"rejected {result.rejected:,}",
    ]
    if result.date_range:
        lines.append(f"  dates covered: {result.date_range[0].isoformat()} – {result.date_range[1].isoformat()}")
    if result.stages:
        lines.append("  stages: " + " · ".join(f"{s} → {st} ({n:,})" for s, st, n in result.stages))
    if len(result.currencies) > 1 or result.kind in ("deals", "rates"):
        lines.append("  currencies: " + ", ".join(f"{c} ({n:,})" for c, n in sorted(result.currencies.items())))
    lines += owner_lines(result)
    if result.problems:
        lines.append(f"  {result.rejected:,} bad row(s) skipped, first: " + result.problems[0].text())
    return lines


def unknown_stages_line(stages: list[tuple[str, int]], limit: int = 12) -> str:
    """"Stages not known: Shipped (2,617 rows), Cancelled (60 rows), …" — every stage the file uses that salesbot
    cannot place as open, won or lost, however many rows carry it."""
    shown = ", ".join(f"{stage} ({n:,} row{'s' if n != 1 else ''})" for stage, n in stages[:limit])
    more = f", and {len(stages) - limit} more" if len(stages) > limit else ""
    return f"Stages not known: {shown}{more}"


def stage_map_flags(stages: list[tuple[str, int]], limit: int = 12) -> list[str]:
    """A --stage-map flag per unknown stage with a guess at its status to edit (won / lost / open)."""
    return [f'--stage-map "{stage}={guess_status(stage)}"' for stage, _n in stages[:limit]]


_WON_WORDS = ("ship", "deliver", "paid", "invoice", "complete", "closed won", "signed", "resolved", "成交", "签约")
_LOST_WORDS = ("cancel", "lost", "disput", "reject", "declin", "dead", "churn", "取消", "输")


def guess_status(stage: str) -> str:
    """A first guess for a stage's status, to be checked by whoever runs the import: it only fills the example."""
    low = stage.lower()
    if any(w in low for w in _LOST_WORDS):
        return "lost"
    if any(w in low for w in _WON_WORDS):
        return "won"
    return "open"


def link_line(crm_name: str, who: str = "@someone") -> str:
    """The command that links one CRM owner to a person (put the person in place of @someone)."""
    return f'/salesbot link "{crm_name}" {who}'


def owner_lines(result: ImportResult) -> list[str]:
    """How the file's CRM owners were linked to Slack people, and the line to run for each one left."""
    linked = len(result.owners_linked) + len(result.owners_linked_by_name)
    lines = []
    if linked:
        how = [f"{len(result.owners_linked)} by e-mail"] if result.owners_linked else []
        how += [f"{len(result.owners_linked_by_name)} by name"] if result.owners_linked_by_name else []
        names = ", ".join(result.owners_linked + result.owners_linked_by_name)
        lines.append(f"  owners linked to Slack people: {linked} ({', '.join(how)}): {names}")
    if result.owners_unlinked:
        lines.append(f"  owners not linked yet ({len(result.owners_unlinked)}); link each with:")
        for name in result.owners_unlinked[:MAX_LISTED]:
            choices = result.owners_ambiguous.get(name)
            note = ("   # several people have this name: " + ", ".join(f"{n} <@{u}>" for n, u in choices)
                    if choices else "")
            lines.append(f"    {link_line(name)}{note}")
        if len(result.owners_unlinked) > MAX_LISTED:
            lines.append(f"    … and {len(result.owners_unlinked) - MAX_LISTED} more: /salesbot unlinked lists them")
    return lines
