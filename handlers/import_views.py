"""How an import's summary or refusal reads in Slack, in English or Chinese."""

from typing import Any

from db.importers.report import FILE_PROBLEMS, MAX_LISTED, ImportResult, link_line, stage_map_flags
from handlers.blocks import Block, context, section
from reports import mrkdwn
from reports.i18n import add_messages, msg, nmsg, t, tn

add_messages(
    msg("import.done", "✅ *Imported {rows} {kind}* from {file} ({fmt})"),
    msg("import.counts", "Inserted {inserted} · updated {updated} · unchanged {unchanged} · rejected {rejected}"),
    msg("import.dates", "Dates covered: {start} – {end}"),
    msg("import.stages", "Stages: {stages}"),
    msg("import.unlinked", "CRM owners not linked to Slack yet ({count}); link each one (put the person in place of "
        "@someone):"),
    msg("import.linked", "CRM owners linked to Slack people: {count} — {how}"),
    msg("import.linked_email", "{count} by e-mail ({names})"),
    msg("import.linked_name", "{count} by name ({names})"),
    msg("import.ambiguous", "several people have this name: {people}"),
    msg("import.unlinked_more", "… and {count} more: `/salesbot unlinked` lists them"),
    msg("import.skipped", "{count} bad row(s) were skipped; they are in the attached CSV."),
    msg("import.skipped_first", "{count} bad row(s) were skipped; the attached CSV lists the first {kept}."),
    msg("import.refused_rows", "❌ *{file} was not imported*: {count} bad row(s); nothing was changed."),
    msg("import.unknown_stages", "*Stages not known*: {stages}. Send the file again with the words {flags} (check "
        "each guess)."),
    msg("import.refused_file", "❌ *{file} was not imported*: {reason}"),
    msg("import.row", "Row {row}, {column}: {reason}"),
    msg("import.more", "… and {count} more"),
    msg("import.fix", "Fix the rows and send the file again, or send it with the words `skip bad rows` to import "
        "the rest."),
    nmsg("import.kind.deals", "deal", "deals"),
    nmsg("import.kind.targets", "target", "targets"),
    nmsg("import.kind.feedback", "feedback item", "feedback items"),
    nmsg("import.kind.rates", "exchange rate", "exchange rates"),
    nmsg("import.kind.accounts", "account", "accounts"),
    msg("import.reason.bad_amount", "amount not readable"),
    msg("import.reason.missing_amount", "won deal without an amount"),
    msg("import.reason.bad_date", "date not readable"),
    msg("import.reason.ambiguous_date", "date could be day/month or month/day (use --date-order)"),
    msg("import.reason.missing_close_date", "closed deal without a close date"),
    msg("import.reason.unknown_stage", "unknown stage"),
    msg("import.reason.missing_stage", "empty stage"),
    msg("import.reason.missing_id", "empty id"),
    msg("import.reason.duplicate_id", "same id as an earlier row"),
    msg("import.reason.bad_currency", "currency not readable"),
    msg("import.reason.missing_date", "empty date"),
    msg("import.reason.bad_rating", "rating not a number from 0 to 10"),
    msg("import.reason.missing_rating_comment", "neither a rating nor a comment"),
    msg("import.reason.unknown_metric", "unknown metric"),
    msg("import.reason.bad_period", "period not readable (2026, 2026-Q3, 2026-07, or start and end dates)"),
    msg("import.reason.bad_value", "target value not readable"),
    msg("import.reason.missing_value", "empty target value"),
    msg("import.reason.amount_out_of_range", "amount beyond ±1,000,000,000,000 (in the currency's major unit)"),
    msg("import.reason.negative_won_amount", "won deal with a negative amount"),
    msg("import.reason.date_out_of_range", "date outside 1990-01-01 … 2100-12-31"),
    msg("import.reason.control_character", "control character (such as NUL) in the text"),
    msg("import.reason.text_too_long", "text longer than the column allows"),
    msg("import.reason.bad_rate", "rate not a positive number (one unit of the currency in the reporting currency, "
        "e.g. 0.1385)"),
    msg("import.reason.rate_decimals", "rate with more than 6 decimals"),
    msg("import.reason.same_currency", "a rate from a currency to itself"),
    msg("import.reason.duplicate_rate", "a second rate for the same currency and date"),
    msg("import.reason.missing_name", "empty account name"),
    msg("import.reason.duplicate_account", "the same account as an earlier row (names compared without case, "
        "punctuation, Inc./有限公司)"),
    msg("import.reason.bad_employees", "employees not a number"),
    msg("import.reason.employees_out_of_range", "employees above 10,000,000"),
    msg("import.too_large", "❌ *{file}* is {size} MB; the limit is {limit} MB (SALESBOT_MAX_UPLOAD_MB). Split it, "
        "or import it from a shell with `salesbot import`."),
    msg("import.not_table", "I can import CSV, TSV and XLSX files; *{file}* is none of these."),
    msg("import.what", "import files"),
)


# Why a file itself was refused (db/importers/report.py FILE_PROBLEMS, whose English the CLI prints: a test checks
# these say the same).
add_messages(
    msg("import.file.empty_file", "the file is empty"),
    msg("import.file.xls_not_supported", "old .xls workbooks are not supported: save it as .xlsx or CSV"),
    msg("import.file.unreadable", "the file could not be read: {detail}"),
    msg("import.file.unrecognised_columns", "the columns do not look like a {kind} export: missing {missing}. "
        "Columns found: {found}. Name them with --map \"Your column=field\" (fields: {fields})"),
    msg("import.file.ambiguous_dates", "dates such as {example} in column {column} could be day/month or month/day "
        "and nothing in the file decides: pass --date-order DMY or MDY"),
    msg("import.file.too_large", "the file is larger than the limit of {limit}"),
    msg("import.file.unknown_map_field", "--map names an unknown field {detail} (fields: {fields})"),
    msg("import.file.unknown_map_column", "--map names a column the file does not have: {detail}"),
    msg("import.file.no_rows", "the file has a header but no rows"),
    msg("import.file.too_large_unpacked", "the workbook unpacks to {size}, over the limit of {limit}"),
    msg("import.file.zip_bomb", "the workbook's part {member} inflates {ratio} times (a zip bomb, or not a real "
        "export)"),
    msg("import.file.too_many_rows", "the file has more than {limit} rows: split it"),
    msg("import.file.too_many_columns", "the file has {columns} columns; the limit is {limit}"),
    msg("import.file.too_slow", "the import took longer than {seconds} s (nothing was stored): split the file"),
    msg("import.file.nul_byte", "row {row} contains a NUL byte (a control character): remove it, or export the file "
        "again"),
    msg("import.file.mixed_encoding", "row {row} is not {encoding} like the rest of the file (mixed encodings): "
        "save the whole file in one encoding, e.g. UTF-8"),
)


def _n(value: int, lang: str) -> str:
    return f"{value:,}"


def result_message(result: ImportResult, lang: str) -> dict[str, Any]:
    """The reply in the file's thread: the summary, or the refusal with up to 20 rows and reasons."""
    file = mrkdwn.escape(result.filename)
    if result.refusal is not None:
        reason = mrkdwn.escape(_refusal_text(result, lang))  # it may quote the file's own column names
        line = t("import.refused_file", lang, file=file, reason=reason)
        return {"text": line, "blocks": [section(line)]}
    if result.refused:
        head = t("import.refused_rows", lang, file=file, count=_n(result.rejected, lang))
        rows = [
            t("import.row", lang, row=p.row, column=mrkdwn.escape(p.column), reason=_reason(p.reason, p.value, lang))
            + (f" — `{mrkdwn.escape(p.value)}`" if p.value else "")
            for p in result.problems[:MAX_LISTED]
        ]
        if result.rejected > len(rows):
            rows.append(t("import.more", lang, count=_n(result.rejected - len(rows), lang)))
        blocks: list[Block] = [section(head)]
        if result.unknown_stages:  # every stage the file uses that salesbot cannot place, however many rows
            sep = "、" if lang == "zh" else ", "
            stages = sep.join(f"{mrkdwn.escape(s)} ({_n(n, lang)})" for s, n in result.unknown_stages[:12])
            flags = " ".join(stage_map_flags(result.unknown_stages))
            blocks.append(section(t("import.unknown_stages", lang, stages=stages, flags=f"`{mrkdwn.escape(flags)}`")))
        blocks += [section("\n".join(f"• {r}" for r in rows)), context(t("import.fix", lang))]
        return {"text": head, "blocks": blocks}
    head = t(
        "import.done",
        lang,
        rows=_n(result.rows - result.rejected, lang),
        kind=tn(f"import.kind.{result.kind}", result.rows - result.rejected, lang),
        file=file,
        fmt=f"{result.file_format}, {result.encoding}",
    )
    lines = [
        t(
            "import.counts",
            lang,
            inserted=_n(result.inserted, lang),
            updated=_n(result.updated, lang),
            unchanged=_n(result.unchanged, lang),
            rejected=_n(result.rejected, lang),
        )
    ]
    if result.date_range:
        lines.append(
            t("import.dates", lang, start=result.date_range[0].isoformat(), end=result.date_range[1].isoformat())
        )
    if result.stages:
        lines.append(
            t(
                "import.stages",
                lang,
                stages=" · ".join(f"{mrkdwn.escape(s)} → {st} ({_n(n, lang)})" for s, st, n in result.stages),
            )
        )
    blocks = [section(head), section("\n".join(lines))]
    notes = []
    notes += owner_notes(result, lang)
    if result.rejected > len(result.rejected_rows):
        notes.append(t("import.skipped_first", lang, count=_n(result.rejected, lang),
                       kept=_n(len(result.rejected_rows), lang)))
    elif result.rejected:
        notes.append(t("import.skipped", lang, count=_n(result.rejected, lang)))
    if notes:
        blocks.append(context(*notes))
    return {"text": head, "blocks": blocks}


def _reason(code: str, value: str, lang: str) -> str:
    return t(f"import.reason.{code}", lang)


def _refusal_text(result: ImportResult, lang: str) -> str:
    """Why the file itself was refused, in the reader's language (codes without a translation: English)."""
    refusal = result.refusal
    assert refusal is not None
    if refusal.code not in FILE_PROBLEMS:
        return refusal.text()
    return t(f"import.file.{refusal.code}", lang, **{"detail": "", **refusal.params})


def owner_notes(result: ImportResult, lang: str) -> list[str]:
    """How many CRM owners were linked and how; the `/salesbot link` line for each one left."""
    notes = []
    how = []
    for names, key in ((result.owners_linked, "import.linked_email"), (result.owners_linked_by_name,
                                                                       "import.linked_name")):
        if names:
            how.append(t(key, lang, count=len(names), names=", ".join(map(mrkdwn.escape, names[:20]))))
    if how:
        count = len(result.owners_linked) + len(result.owners_linked_by_name)
        notes.append(t("import.linked", lang, count=count, how=" · ".join(how)))
    if result.owners_unlinked:
        lines = [t("import.unlinked", lang, count=len(result.owners_unlinked))]
        for name in result.owners_unlinked[:MAX_LISTED]:
            line = f"• `{mrkdwn.escape(link_line(name))}`"
            choices = result.owners_ambiguous.get(name)
            if choices:
                people = ", ".join(f"{mrkdwn.escape(n)} <@{u}>" for n, u in choices)
                line += " — " + t("import.ambiguous", lang, people=people)
            lines.append(line)
        if len(result.owners_unlinked) > MAX_LISTED:
            lines.append(t("import.unlinked_more", lang, count=len(result.owners_unlinked) - MAX_LISTED))
        notes.append("\n".join(lines))
    return notes
