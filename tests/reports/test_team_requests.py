"""Reading `/ask` (channel, words, due date through the one period parser), finding the account, and when the
reminders go."""

from datetime import UTC, date, datetime

import pytest

from reports.team_requests import find_account, overdue_moment, parse_ask, reminder_moment

TODAY = date(2026, 11, 26)  # a Thursday


@pytest.mark.parametrize(
    ("line", "channel", "text", "due"),
    [
        ('#presales "demo environment for Cancity by Friday"', "presales", "demo environment for Cancity",
         date(2026, 11, 27)),
        ('<#C0PRE|presales> "pricing sheet" by 2026-12-10', "C0PRE", "pricing sheet", date(2026, 12, 10)),
        ("#presales pricing sheet for Isdom before Dec 3", "presales", "pricing sheet for Isdom", date(2026, 12, 3)),
        ('#售前 "给 Cancity 准备演示环境" 周五前', "售前", "给 Cancity 准备演示环境", date(2026, 11, 27)),
        ("#售前 给 Cancity 准备演示环境，12月10日之前", "售前", "给 Cancity 准备演示环境", date(2026, 12, 10)),
        ('#售前 "报价单" 截止 2026-12-10', "售前", "报价单", date(2026, 12, 10)),
        ('#presales "help by the product team"', "presales", "help by the product team", None),
        ('#presales "demo" by Thursday', "presales", "demo", date(2026, 11, 26)),  # today counts
        ('#presales "year-end deck" by December', "presales", "year-end deck", date(2026, 12, 31)),
    ],
)
def test_channel_words_and_due_date(line: str, channel: str, text: str, due: date | None) -> None:
    lang = "zh" if "售前" in line else "en"
    ask = parse_ask(line, today=TODAY, language=lang)
    assert (ask.channel, ask.text, ask.due, ask.problem) == (channel, text, due, "")
    assert ask.channel_is_name == (not channel.startswith("C0"))


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ('"demo environment"', "no_channel"),
        ("#presales", "no_text"),
        ('#presales "" by Friday', "no_text"),
        ('#presales "demo" by 2026-11-01', "past_due"),
        ('#presales "demo" sometime soon', "bad_due"),
        ('#售前 "演示" 下下周前', "bad_due"),
    ],
)
def test_what_is_missing_or_wrong_is_named(line: str, problem: str) -> None:
    assert parse_ask(line, today=TODAY, language="zh" if "售前" in line else "en").problem == problem


def test_the_account_is_found_as_account_names_compare_or_suggested() -> None:
    known = ["Cancity", "Bluth Co.", "上海明远科技有限公司", "Isdom"]
    assert find_account("demo environment for cancity", known).name == "Cancity"
    assert find_account("quote for Bluth Co", known).name == "Bluth Co."
    assert find_account("给上海明远科技准备演示", known).name == "上海明远科技有限公司"
    close = find_account("security questionnaire for Cancty", known)
    assert (close.name, close.typed, close.suggestions[:1]) == (None, "Cancty", ("Cancity",))
    assert find_account("a new laptop for me", known).name is None and not find_account("a laptop", known).suggestions


def test_reminders_go_the_working_day_before_and_after_at_nine_local() -> None:
    assert reminder_moment(date(2026, 12, 4), "Asia/Shanghai") == datetime(2026, 12, 3, 1, 0, tzinfo=UTC)
    assert reminder_moment(date(2026, 12, 7), "UTC") == datetime(2026, 12, 4, 9, 0, tzinfo=UTC)  # Monday: Friday
    assert overdue_moment(date(2026, 12, 4), "UTC") == datetime(2026, 12, 7, 9, 0, tzinfo=UTC)  # Friday: Monday
    assert overdue_moment(date(2026, 12, 8), "America/New_York") == datetime(2026, 12, 9, 14, 0, tzinfo=UTC)
