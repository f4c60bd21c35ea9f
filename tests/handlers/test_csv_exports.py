"""Every CSV the bot writes neutralises formula cells (OWASP): the /kpi exports by account, rep and product,
the leaderboard, and the rejected rows of an import — through the real export path, on both databases.
Numbers stay numbers: a negative amount is still a number."""

import csv
import io

from db.csv_export import safe_cell
from db.importers import ImportOptions, import_file, resolve_team
from tests.slack_driver import SlackDriver

FORMULAS = [
    '=HYPERLINK("http://evil.example","Click")',
    "+SUM(1+1)",
    "@SUM(1+1)",
    "-2+3+cmd|' /C calc'!A0",
    "\tTAB",
    "\rCR",
]


def _csv_rows(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def test_safe_cell_prefixes_text_that_could_start_a_formula_and_leaves_numbers() -> None:
    for cell in FORMULAS:
        assert safe_cell(cell) == "'" + cell
    for number in ("-5000", "-5000.00", "+3", "1e3", "-.5", 42, -5000, None):
        assert safe_cell(number) == number
    assert safe_cell("Acme") == "Acme" and safe_cell("") == ""


def test_kpi_exports_neutralise_names_from_data(slack: SlackDriver) -> None:
    team = resolve_team(slack.deps.engine, slack.team_id)
    lines = ["opportunity_id,sales_agent,product,account,deal_stage,engage_date,close_date,close_value"]
    for i, name in enumerate(FORMULAS):
        quoted = '"' + name.replace('"', '""') + '"'
        lines.append(f"W{i},{quoted},{quoted},{quoted},Won,2026-11-02,2026-11-03,{1000 + i}")
        lines.append(f"O{i},{quoted},{quoted},{quoted},Prospecting,2026-11-02,,-5000")
    data = ("\n".join(lines) + "\n").encode()
    assert import_file(slack.deps.engine, "deals", data, filename="d.csv", team_id=team).inserted == 2 * len(FORMULAS)
    for text in (
        "revenue by account this month export",
        "revenue by rep this month export",
        "revenue by product this month export",
        "pipeline by account this month export",
        "leaderboard this month export",
    ):
        slack.command("/kpi", text)
    uploads = [u for u in slack.fake.uploads() if u["name"].endswith(".csv")]
    assert len(uploads) == 5
    for upload in uploads:
        rows = _csv_rows(upload["content"])
        names = {row[1] for row in rows[1:]}
        stored = {f.strip() for f in FORMULAS}  # the importer strips cells: "\tTAB" is stored as "TAB"
        assert names == {safe_cell(f) for f in stored}, (upload["name"], names)
        assert {"'" + f for f in FORMULAS[:4]} <= names
        assert all(not cell.startswith(("=", "+", "@", "\t", "\r")) for row in rows for cell in row)
        numbers = [cell for row in rows for cell in row if cell.startswith("-")]
        assert all(cell.lstrip("-").replace(".", "").isdigit() for cell in numbers), numbers
    pipeline = next(u for u in uploads if "pipeline" in u["name"])
    assert {row[2] for row in _csv_rows(pipeline["content"])[1:]} == {"-5000.00"}  # a number, not text


def test_rejected_rows_csv_neutralises_formulas_and_keeps_negative_numbers(slack: SlackDriver) -> None:
    team = resolve_team(slack.deps.engine, slack.team_id)
    data = (
        b"opportunity_id,sales_agent,product,account,deal_stage,engage_date,close_date,close_value\n"
        b'A1,"=cmd|\' /C calc\'!A0",GTX,Acme,Won,2026-01-02,2026-02-03,-5000\n'
        b"A2,Ann,GTX,Acme,Won,2026-01-02,2026-02-03,10\n"
    )
    options = ImportOptions(skip_bad_rows=True)
    result = import_file(slack.deps.engine, "deals", data, filename="d.csv", team_id=team, options=options)
    rows = _csv_rows(result.rejected_csv())
    assert rows[1][1] == "'=cmd|' /C calc'!A0" and rows[1][7] == "-5000"
