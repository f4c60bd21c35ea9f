"""How check-in answers are read and how the manager's texts read, in English and Chinese (no database)."""

from datetime import UTC, date, datetime

import pytest

from reports.checkins import (
    Answer,
    BriefData,
    DealItem,
    FeedbackItem,
    RunView,
    blocker_index,
    brief_lines,
    completed_copy,
    confidence_index,
    is_skip,
    is_vacation_status,
    means_nothing,
    parse_confidence,
    quarter_range,
    questions_for,
    round_summary,
    support_index,
)

EN = questions_for(None, "en")
ZH = questions_for(None, "zh")


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("4", 4),
        ("4/5", 4),
        ("about 3, maybe", 3),
        ("信心4分", 4),
        ("五", 5),
        ("两", 2),
        ("10", None),
        ("pretty good", None),
        ("3.5", None),
    ],
)
def test_confidence_is_read_from_digits_and_chinese_numerals(text: str, value: int | None) -> None:
    assert parse_confidence(text) == value


def test_skip_nothing_and_vacation_words() -> None:
    assert is_skip("skip") and is_skip("跳过") and is_skip("Skip.") and not is_skip("skip the Cancity demo")
    assert means_nothing("no") and means_nothing("没有") and means_nothing("None.") and not means_nothing("No budget")
    assert is_vacation_status("On vacation until Monday", "") and is_vacation_status("", ":palm_tree:")
    assert is_vacation_status("年假中", None) and not is_vacation_status("In a meeting", ":calendar:")


def test_default_questions_follow_the_rep_language_and_own_questions_win() -> None:
    assert ZH[0] == "本周你的商机有哪些进展？" and EN[1].startswith("What difficulties")
    assert questions_for(["What did you win?", " ", "Confidence 1-5?"], "zh") == [
        "What did you win?",
        "Confidence 1-5?",
    ]
    own = ["What did you close?", "What is in your way?", "Where can I help?", "How sure are you (1–5)?"]
    assert (confidence_index(own), blocker_index(own), support_index(own)) == (3, 1, 2)
    assert (confidence_index(ZH), blocker_index(ZH), support_index(ZH)) == (4, 1, 3)


def _run(name: str, member: int, texts: list[str], status: str = "completed", tz: str = "Asia/Shanghai") -> RunView:
    return RunView(
        run_id=member,
        member_id=member,
        rep_name=name,
        occurrence=datetime(2026, 11, 27, 8, tzinfo=UTC),
        timezone=tz,
        questions=ZH if any("\u4e00" <= c <= "\u9fff" for t in texts for c in t) else EN,
        status=status,
        answers={i: Answer(t, skipped=(t == "")) for i, t in enumerate(texts)},
    )


def test_the_managers_copy_reads_like_the_sketch() -> None:
    run = _run(
        "Darcel Schlecht",
        1,
        ["Closed Rantouch renewal", "Procurement at Cancity frozen", "", "A product specialist", "4"],
    )
    lines = completed_copy(run, cadence="weekly", previous_confidence=3, numbers="$42,300.00 this week", language="en")
    assert lines[0] == "*Darcel Schlecht · weekly check-in · Fri 27 Nov*   confidence 4/5 (▲ from 3)"
    assert lines[1:] == [
        "Progress: Closed Rantouch renewal",
        "Difficulties: Procurement at Cancity frozen",
        "Strategy to change: _skipped_",
        "Support needed: A product specialist",
        "Numbers: $42,300.00 this week",
    ]


def test_round_summary_in_chinese_with_trend_blockers_missed_and_away() -> None:
    done = _run("张三", 1, ["签了两单", "客户预算冻结", "无", "价格审批", "3"])
    calm = _run("李四", 2, ["续约完成", "没有", "无", "无", "5"])
    missed = _run("王五", 3, [], status="missed")
    away = _run("赵六", 4, [], status="skipped")
    before = [_run("张三", 1, ["", "", "", "", "4"]), _run("李四", 2, ["", "", "", "", "4"])]
    lines = round_summary([done, calm, missed, away], cadence="weekly", previous=before, language="zh")
    assert lines[0] == "*进展汇报汇总 · 每周 · 11月27日 周五*"
    assert lines[1] == "已回答 2/3：张三, 李四"
    assert lines[2] == "信心：平均 4/5 · 张三 3▼, 李四 5▲"
    assert lines[3:] == ["提到的阻碍：", "• 张三: 客户预算冻结", "⚠ 未回答：王五", "休假：赵六"]


def _brief(language: str) -> BriefData:
    last = _run("张三", 1, ["签了两单", "客户预算冻结", "", "价格审批", "3"])
    older = _run("张三", 1, ["", "交付延迟", "", "", "4"])
    return BriefData(
        rep_name="张三",
        when="Tue 1 Dec 10:00",
        currency="CNY",
        month_label="November" if language == "en" else "十一月",
        quarter_label="Q4" if language == "en" else "第四季度",
        month_revenue=17_514_800,
        month_attainment=0.88,
        month_pace=0.88,
        quarter_attainment=0.71,
        win_rate=0.54,
        team_win_rate=0.61,
        slipped=[
            DealItem("A", "Bluth", "Proposal", 3_200_000, date(2026, 11, 1), 3),
            DealItem("B", "Isdom", "Proposal", 3_200_000, date(2026, 11, 2), 3),
        ],
        stalled=[DealItem("C", "Bluth Co.", "Negotiation", 100, None, 21)],
        feedback=[
            FeedbackItem("Cancity", 2, 5, "交付又延迟了", date(2026, 11, 20)),
            FeedbackItem("Rantouch", 5, 5, "great", date(2026, 11, 21)),
        ],
        runs=[last, older],
    )


def test_brief_in_english_and_chinese() -> None:
    en = brief_lines(_brief("en"), "en")
    assert en[0] == "*1:1 with 张三 · Tue 1 Dec 10:00*"
    assert en[1] == (
        "KPIs: November CN¥175,148.00 (88% of target · pace 88% · at risk) · Q4 to date 71% · win rate 54% (team 61%)"
    )
    assert en[2] == ("Slipped: 2 deals past their close date (CN¥64,000.00) · "
                     "stalled: 1 deal with no change for 21+ days — Bluth Co. (Negotiation, 21 days)")
    assert en[3] == 'Customers: 1 low ratings in 30 days on their accounts — "交付又延迟了" (Cancity, 2★)'
    assert en[4] == 'Last check-in (Fri 27 Nov): blocker "客户预算冻结"; asked for "价格审批"; confidence 3/5'
    assert en[5] == 'Open blockers: "交付延迟"'
    assert en[6].startswith("Suggested topics: the Cancity feedback; 客户预算冻结; 价格审批")
    zh = brief_lines(_brief("zh"), "zh")
    assert zh[0] == "*与 张三 的一对一 · Tue 1 Dec 10:00*"
    assert zh[1].startswith("指标：十一月 ¥175,148.00（目标完成 88% · 进度 88% · 有风险）· 第四季度至今 71%")
    assert "赢单率 54%（团队 61%）" in zh[1]
    assert "延期：2 个商机已过预计成交日（¥64,000.00）" in zh[2]
    assert zh[-1].startswith("建议话题：Cancity 的客户反馈")


def test_fiscal_quarters() -> None:
    assert quarter_range(date(2026, 11, 26)) == (date(2026, 10, 1), date(2027, 1, 1))
    assert quarter_range(date(2026, 11, 26), fiscal_start_month=4) == (date(2026, 10, 1), date(2027, 1, 1))
    assert quarter_range(date(2026, 2, 10), fiscal_start_month=2) == (date(2026, 2, 1), date(2026, 5, 1))
