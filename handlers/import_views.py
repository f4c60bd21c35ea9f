"""How an import's summary or refusal reads in Slack, in English or Chinese."""

from typing import Any

from db.importers.report import FILE_PROBLEMS, MAX_LISTED, REASONS, ImportResult, link_line, stage_map_flags
from handlers.blocks import Block, context, section
from reports import mrkdwn
from reports.i18n import add_catalog, t

add_catalog(
    {
        "import.done": {
            "en": "✅ *Imported {rows} {kind}* from {file} ({fmt})",
            "zh": "✅ *已导入 {rows} 条{kind}*，文件 {file}（{fmt}）",
        },
        "import.counts": {
            "en": "Inserted {inserted} · updated {updated} · unchanged {unchanged} · rejected {rejected}",
            "zh": "新增 {inserted} · 更新 {updated} · 未变 {unchanged} · 拒绝 {rejected}",
        },
        "import.dates": {"en": "Dates covered: {start} – {end}", "zh": "覆盖日期：{start} – {end}"},
        "import.stages": {"en": "Stages: {stages}", "zh": "阶段映射：{stages}"},
        "import.unlinked": {
            "en": "CRM owners not linked to Slack yet ({count}); link each one (put the person in place of "
            "@someone):",
            "zh": "尚未关联 Slack 的 CRM 负责人（{count}），逐个关联（把 @someone 换成对应的人）：",
        },
        "import.linked": {"en": "CRM owners linked to Slack people: {count} — {how}",
                          "zh": "已关联到 Slack 成员的 CRM 负责人：{count} 位 — {how}"},
        "import.linked_email": {"en": "{count} by e-mail ({names})", "zh": "按邮箱 {count} 位（{names}）"},
        "import.linked_name": {"en": "{count} by name ({names})", "zh": "按姓名 {count} 位（{names}）"},
        "import.ambiguous": {"en": "several people have this name: {people}", "zh": "多人同名：{people}"},
        "import.unlinked_more": {"en": "… and {count} more: `/salesbot unlinked` lists them",
                                 "zh": "……还有 {count} 位：`/salesbot unlinked` 可列出"},
        "import.skipped": {
            "en": "{count} bad row(s) were skipped; they are in the attached CSV.",
            "zh": "已跳过 {count} 行错误数据，见附件 CSV。",
        },
        "import.skipped_first": {
            "en": "{count} bad row(s) were skipped; the attached CSV lists the first {kept}.",
            "zh": "已跳过 {count} 行错误数据，附件 CSV 列出其中前 {kept} 行。",
        },
        "import.refused_rows": {
            "en": "❌ *{file} was not imported*: {count} bad row(s); nothing was changed.",
            "zh": "❌ *{file} 未导入*：{count} 行有错误，数据库未做任何修改。",
        },
        "import.unknown_stages": {
            "en": "*Stages not known*: {stages}. Send the file again with the words {flags} (check each guess).",
            "zh": "*无法识别的阶段*：{stages}。请重新发送文件并附上 {flags}（请逐一核对推测的状态）。",
        },
        "import.refused_file": {"en": "❌ *{file} was not imported*: {reason}", "zh": "❌ *{file} 未导入*：{reason}"},
        "import.row": {"en": "Row {row}, {column}: {reason}", "zh": "第 {row} 行，{column}：{reason}"},
        "import.more": {"en": "… and {count} more", "zh": "……还有 {count} 行"},
        "import.fix": {
            "en": "Fix the rows and send the file again, or send it with the words `skip bad rows` to import the rest.",
            "zh": "请修正后重新发送，或在发送文件时附上 `跳过错误行` 以导入其余数据。",
        },
        "import.kind.deals": {"en": "deals", "zh": "商机"},
        "import.kind.targets": {"en": "targets", "zh": "目标"},
        "import.kind.feedback": {"en": "feedback items", "zh": "客户反馈"},
        "import.kind.rates": {"en": "exchange rates", "zh": "汇率"},
        "import.reason.bad_amount": {"en": REASONS["bad_amount"], "zh": "金额无法识别"},
        "import.reason.missing_amount": {"en": REASONS["missing_amount"], "zh": "赢单缺少金额"},
        "import.reason.bad_date": {"en": REASONS["bad_date"], "zh": "日期无法识别"},
        "import.reason.ambiguous_date": {"en": REASONS["ambiguous_date"], "zh": "日期无法区分日/月顺序"},
        "import.reason.missing_close_date": {"en": REASONS["missing_close_date"], "zh": "已结束的商机缺少结单日期"},
        "import.reason.unknown_stage": {"en": "unknown stage", "zh": "无法识别的销售阶段"},
        "import.reason.missing_stage": {"en": REASONS["missing_stage"], "zh": "销售阶段为空"},
        "import.reason.missing_id": {"en": REASONS["missing_id"], "zh": "编号为空"},
        "import.reason.duplicate_id": {"en": REASONS["duplicate_id"], "zh": "编号与前面的行重复"},
        "import.reason.bad_currency": {"en": REASONS["bad_currency"], "zh": "币种无法识别"},
        "import.reason.missing_date": {"en": REASONS["missing_date"], "zh": "日期为空"},
        "import.reason.bad_rating": {"en": REASONS["bad_rating"], "zh": "评分不是 0–10 的数字"},
        "import.reason.missing_rating_comment": {"en": REASONS["missing_rating_comment"], "zh": "既无评分也无评论"},
        "import.reason.unknown_metric": {"en": REASONS["unknown_metric"], "zh": "无法识别的指标"},
        "import.reason.bad_period": {"en": REASONS["bad_period"], "zh": "期间无法识别（如 2026、2026-Q3、2026-07）"},
        "import.reason.bad_value": {"en": REASONS["bad_value"], "zh": "目标值无法识别"},
        "import.reason.missing_value": {"en": REASONS["missing_value"], "zh": "目标值为空"},
        "import.reason.amount_out_of_range": {
            "en": REASONS["amount_out_of_range"],
            "zh": "金额超出 ±1,000,000,000,000（以该币种的主单位计）",
        },
        "import.reason.negative_won_amount": {"en": REASONS["negative_won_amount"], "zh": "赢单金额为负数"},
        "import.reason.date_out_of_range": {
            "en": REASONS["date_out_of_range"],
            "zh": "日期不在 1990-01-01 至 2100-12-31 之间",
        },
        "import.reason.control_character": {"en": REASONS["control_character"], "zh": "文本含控制字符（如 NUL）"},
        "import.reason.text_too_long": {"en": REASONS["text_too_long"], "zh": "文本超过该列允许的长度"},
        "import.reason.bad_rate": {"en": REASONS["bad_rate"], "zh": "汇率不是正数（1 单位折合多少报告币种）"},
        "import.reason.rate_decimals": {"en": REASONS["rate_decimals"], "zh": "汇率超过 6 位小数"},
        "import.reason.same_currency": {"en": REASONS["same_currency"], "zh": "币种与报告币种相同"},
        "import.reason.duplicate_rate": {"en": REASONS["duplicate_rate"], "zh": "同一币种同一日期出现两个汇率"},
        "import.too_large": {
            "en": "❌ *{file}* is {size} MB; the limit is {limit} MB (SALESBOT_MAX_UPLOAD_MB). "
            "Split it, or import it from a shell with `salesbot import`.",
            "zh": "❌ *{file}* 大小为 {size} MB，超过上限 {limit} MB（SALESBOT_MAX_UPLOAD_MB）。"
            "请拆分文件，或在命令行使用 `salesbot import`。",
        },
        "import.not_table": {
            "en": "I can import CSV, TSV and XLSX files; *{file}* is none of these.",
            "zh": "我可以导入 CSV、TSV 和 XLSX 文件；*{file}* 不是这些格式。",
        },
        "import.what": {"en": "import files", "zh": "导入文件"},
    }
)


# Why a file itself was refused (db/importers/report.py FILE_PROBLEMS), in Chinese; English is the CLI's text.
_FILE_PROBLEMS_ZH = {
    "empty_file": "文件为空",
    "xls_not_supported": "不支持旧版 .xls 工作簿：请另存为 .xlsx 或 CSV",
    "unreadable": "无法读取文件：{detail}",
    "unrecognised_columns": "这些列不像{kind}导出文件：缺少 {missing}。找到的列：{found}。"
    '可用 --map "你的列=字段" 指定（字段：{fields}）',
    "ambiguous_dates": "列 {column} 中的日期（如 {example}）无法区分日/月顺序：请指定 --date-order DMY 或 MDY",
    "too_large": "文件超过上限 {limit}",
    "unknown_map_field": "--map 指定了未知字段 {detail}（字段：{fields}）",
    "unknown_map_column": "--map 指定的列在文件中不存在：{detail}",
    "no_rows": "文件只有表头，没有数据行",
    "too_large_unpacked": "工作簿解压后为 {size}，超过上限 {limit}",
    "zip_bomb": "工作簿中的 {member} 解压后膨胀 {ratio} 倍（压缩炸弹，或不是真实的导出文件）",
    "too_many_rows": "文件超过 {limit} 行：请拆分",
    "too_many_columns": "文件有 {columns} 列，上限为 {limit}",
    "too_slow": "导入超过 {seconds} 秒（未保存任何数据）：请拆分文件",
    "nul_byte": "第 {row} 行含有 NUL 字节（控制字符）：请删除，或重新导出文件",
    "mixed_encoding": "第 {row} 行的编码与文件其余部分（{encoding}）不同：请将整个文件保存为同一种编码，如 UTF-8",
}
add_catalog({f"import.file.{code}": {"en": FILE_PROBLEMS[code], "zh": zh} for code, zh in _FILE_PROBLEMS_ZH.items()})


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
        kind=t(f"import.kind.{result.kind}", lang),
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
