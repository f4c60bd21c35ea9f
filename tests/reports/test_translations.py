"""Translations in gettext catalogs (reports/locale/*/salesbot.po, Babel): complete, never stale, and Traditional
Chinese for Taiwan and Hong Kong through the same path."""

import io
import shutil
from pathlib import Path
from typing import Any

import pytest
from babel.messages.extract import extract_from_dir

import bot.app  # noqa: F401  (imports every feature, so every catalog is registered)
from bot.console import Console
from bot.settings import load_settings
from reports import i18n
from reports.checkins import is_skip
from reports.i18n import TRADITIONAL, catalog_problems, gettext_keys, language_for, t

ROOT = Path(__file__).resolve().parents[2]


def extracted() -> set[tuple[str, Any]]:
    """What `make translations` extracts from the code: every msg(key, English) and nmsg(key, singular, plural), a
    plural's English being (singular, plural)."""
    found = set()
    for folder in ("bot", "handlers", "reports", "db"):
        for _file, _line, message, _comments, context in extract_from_dir(
            ROOT / folder, method_map=[("**.py", "python")],
            keywords={"msg": ((1, "c"), 2), "nmsg": ((1, "c"), 2, 3)},
        ):
            found.add((context, message))
    return found


def test_every_string_of_the_code_is_translated_in_every_catalog() -> None:
    messages = extracted()
    assert {key for key, _ in messages} == gettext_keys()  # the extractor sees every registered string
    assert messages == i18n.registered()  # with the very English the code registers
    assert len(messages) >= 32 and any(isinstance(english, tuple) for _, english in messages)
    assert catalog_problems(messages) == []


def test_a_plural_entry_must_have_its_plural_and_every_form_translated(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copytree(i18n.LOCALE_DIR, tmp_path / "locale")
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path / "locale")
    english = dict(extracted())["kpi.team_line"]
    assert isinstance(english, tuple)
    changed = {m for m in extracted() if m[0] != "kpi.team_line"} | {("kpi.team_line", (english[0], "{n} people"))}
    assert "zh_Hans: kpi.team_line: stale (the English changed)" in catalog_problems(changed)
    single = {m for m in extracted() if m[0] != "kpi.team_line"} | {("kpi.team_line", english[1])}
    assert "zh_Hant: kpi.team_line: stale (the English changed)" in catalog_problems(single)
    po = tmp_path / "locale" / "zh_Hans" / "LC_MESSAGES" / "salesbot.po"
    text = po.read_text(encoding="utf-8")
    at = text.index('msgctxt "kpi.team_line"')
    form = text.index("msgstr[0] ", at)
    po.write_text(text[:form] + 'msgstr[0] ""' + text[text.index("\n", form):], encoding="utf-8")
    assert "zh_Hans: kpi.team_line: missing" in catalog_problems(extracted())


def test_a_changed_english_text_makes_its_translation_stale(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copytree(i18n.LOCALE_DIR, tmp_path / "locale")
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path / "locale")
    messages = {m for m in extracted() if m[0] != "home.title"} | {("home.title", "Your own numbers")}
    assert catalog_problems(messages) == ["zh_Hans: home.title: stale (the English changed)",
                                          "zh_Hant: home.title: stale (the English changed)"]
    po = tmp_path / "locale" / "zh_Hant" / "LC_MESSAGES" / "salesbot.po"
    po.write_text(po.read_text(encoding="utf-8").replace('msgstr "我的資料"', 'msgstr ""'), encoding="utf-8")
    assert "zh_Hant: home.title: missing" in catalog_problems(extracted())


def test_taiwan_and_hong_kong_read_traditional_chinese_and_the_mainland_simplified() -> None:
    for locale in ("zh-TW", "zh-HK"):
        language = language_for(locale=locale)
        assert language == "zh" and language is TRADITIONAL  # every rule for Chinese applies
        assert t("checkin.setup.title", language) == "安排進展匯報"
        assert t("checkin.dm.thanks", language, manager="Maria", deadline="週一 09:00").startswith("謝謝！Maria")
    assert t("checkin.setup.title", language_for(locale="zh-CN")) == "安排进展汇报"
    assert t("checkin.setup.title", language_for(locale="en-US")) == "Schedule check-ins"
    assert is_skip("跳過") and is_skip("跳过")  # the word the Traditional hint tells them to type works
    # every string is in the catalogs: metric names too read in the user's script
    assert (t("kpi.metric.revenue", TRADITIONAL), t("kpi.metric.revenue", "zh")) == ("銷售額", "销售额")


def test_the_compiled_catalogs_say_what_the_po_files_say(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each .po compiled as `pybabel compile` (make install) compiles it reads back the same. Compiled in a
    copy: touching or rewriting the checkout's .mo would make make think a stale one is up to date."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    shutil.copytree(i18n.LOCALE_DIR, tmp_path / "locale")
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path / "locale")
    for script in i18n.SCRIPTS:
        po = i18n.po_path(script)
        with open(po, "rb") as source, open(po.with_suffix(".mo"), "wb") as target:
            write_mo(target, read_po(source))  # what `pybabel compile` writes (fuzzy entries left out)
        monkeypatch.setattr(i18n, "_loaded", {})
        with open(po, "rb") as handle:
            in_po = {(m.context, tuple(m.id) if isinstance(m.id, list | tuple) else m.id):
                     tuple(m.string) if isinstance(m.string, list | tuple) else m.string
                     for m in read_po(handle) if m.id and m.string and not m.fuzzy}
        assert in_po and i18n._catalog(script) == in_po


def test_a_taiwanese_manager_gets_the_checkin_form_and_replies_in_traditional_chinese(sqlite_url: str,
                                                                                      tmp_path: Path) -> None:
    settings = load_settings(_env_file=None, database_url=sqlite_url, salesbot_managers="UTW",
                             salesbot_files_dir=str(tmp_path / "files"))
    out = io.StringIO()
    console = Console(settings, out=out, user_id="UTW", team_id="TLOCAL")
    console.slack.add_user("UTW", "陳美玲", locale="zh-TW", tz="Asia/Taipei")
    console.start()
    try:
        console.handle("/salesbot help")  # the first contact reads their Slack profile (locale zh-TW)
        console.handle("/checkin setup")
        console.handle("/salesbot dance")
        console.handle("/salesbot help")  # an empty workspace: the getting-started checklist
    finally:
        console.stop()
    said = out.getvalue()
    assert "┌ 安排進展匯報" in said and "│ 1. 銷售: (people)" in said and "[取消] [送出]" in said
    assert "│ 3. 星期: [週五 ▾]" in said  # weekday names are in the catalogs too
    assert '我沒看懂"dance"' in said and "開始使用：已完成 0/4 步" in said and "*匯入 CRM 匯出檔案*" in said


def test_an_imports_reasons_read_in_slack_as_the_cli_prints_them() -> None:
    # the catalogs need the English as a literal (msg), db/importers/report.py keeps it for the CLI: the same words
    from db.importers.report import FILE_PROBLEMS, REASONS

    for code, english in REASONS.items():
        if code != "unknown_stage":  # Slack says "unknown stage" and shows the stage map apart
            assert t(f"import.reason.{code}", "en") == english
    for code, english in FILE_PROBLEMS.items():
        assert t(f"import.file.{code}", "en") == english


def test_the_demo_asks_the_default_questions_of_the_catalogs() -> None:
    from db.demo import DEFAULT_CHECKIN_QUESTIONS
    from reports.checkins import default_questions

    assert DEFAULT_CHECKIN_QUESTIONS == {"en": default_questions("en"), "zh": default_questions("zh")}
    assert default_questions(TRADITIONAL, "monthly")[0] == "本月你的商機有哪些進展？"


# Not translations: the demo's own data (customer comments and check-in answers it seeds into the demo database) and
# a phrase the period parser reads (parser vocabulary stays in code, as the grammars' words do).
NOT_CATALOGS = {"db/demo.py", "handlers/kpi_history.py"}


def test_no_module_keeps_its_chinese_in_a_dict() -> None:
    """Every string shown to users is in the gettext catalogs: no `{"en": …, "zh": …}` dict (the old add_catalog
    way) holds Chinese text in bot/, handlers/, reports/ or db/."""
    import ast

    offenders = []
    for folder in ("bot", "handlers", "reports", "db"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            name = path.relative_to(ROOT).as_posix()
            if name in NOT_CATALOGS:
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not isinstance(node, ast.Dict):
                    continue
                keys = {k.value for k in node.keys if isinstance(k, ast.Constant)}
                for key, value in zip(node.keys, node.values, strict=True):
                    if isinstance(key, ast.Constant) and key.value == "zh" and "en" in keys:
                        text = " ".join(c.value for c in ast.walk(value)
                                        if isinstance(c, ast.Constant) and isinstance(c.value, str))
                        if i18n.has_cjk(text) or not isinstance(value, ast.Constant):
                            offenders.append(f"{name}:{node.lineno}")
    assert offenders == []
    assert not hasattr(i18n, "add_catalog")
