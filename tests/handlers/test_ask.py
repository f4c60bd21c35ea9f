"""Requests to other teams over signed slash commands, buttons and scheduled ticks, on SQLite and PostgreSQL:
`/ask #presales "…"` is stored and posted with Take/Close buttons, the asker hears of each move in a DM, the
reminder and the overdue note go once each, and bad input gets an answer with an example (English and Chinese)."""

from datetime import UTC, date, datetime

from sqlmodel import Session, select

from db.models import TeamRequest
from tests.handlers.test_feedback import seed
from tests.slack_driver import SlackDriver, ack_text, message_text

# today is Thu 26 Nov 2026, 10:00 UTC (tests/conftest.py); the workspace's time zone is UTC


def setup(slack: SlackDriver) -> dict[str, int]:
    ids = seed(slack)  # Maria (manager) · Alice owns Cancity · 张三 (zh-CN) owns Isdom
    slack.fake.add_user("UPRE", "Petra Presales")
    slack.fake.add_channel("C0PRESALES", "presales")
    slack.fake.add_channel("C0SHOUQIAN", "售前")
    return ids


def requests(slack: SlackDriver) -> list[TeamRequest]:
    with Session(slack.deps.engine) as session:
        return list(session.exec(select(TeamRequest).order_by(TeamRequest.id)))


def reply(slack: SlackDriver, text: str, user: str = "UALICE") -> str:
    slack.command("/ask", text, user=user)
    return slack.last_response_text()


def posts(slack: SlackDriver, channel: str) -> list[dict]:
    return [c.args for c in slack.fake.successful("chat.postMessage") if c.args.get("channel") == channel]


def updates(slack: SlackDriver) -> list[str]:
    return [message_text(c.args) for c in slack.fake.successful("chat.update")]


def test_a_request_is_posted_taken_closed_and_the_asker_hears_of_each_step(slack: SlackDriver) -> None:
    setup(slack)
    answer = reply(slack, '#presales "demo environment for Cancity by 2026-12-04"')
    assert "Sent to <#C0PRESALES> as request #" in answer and "due Fri 4 Dec" in answer
    [row] = requests(slack)
    assert (row.channel_id, row.account, row.due_date, row.asked_by, row.status) == (
        "C0PRESALES", "Cancity", date(2026, 12, 4), "UALICE", "open")
    assert row.text == "demo environment for Cancity" and row.message_ts
    [post] = posts(slack, "C0PRESALES")
    shown = message_text(post)
    assert "Request from <@UALICE> · for *Cancity* · due Fri 4 Dec" in shown
    assert "> demo environment for Cancity" in shown and "nobody has taken it yet" in shown
    assert "Take it" in shown and "Close it" in shown

    slack.click("ask_take", str(row.id), user="UPRE", channel="C0PRESALES")
    assert "Taken by <@UPRE>" in updates(slack)[-1] and "Take it" not in updates(slack)[-1]
    assert any("<@UPRE> took your request “demo environment for Cancity”" in message_text(p)
               for p in posts(slack, "DALICE"))
    slack.click("ask_take", str(row.id), user="UMANAGER", channel="C0PRESALES")  # too late: told, nothing moves
    assert "already taken by <@UPRE>" in slack.last_response_text()
    assert requests(slack)[0].taken_by == "UPRE"

    slack.click("ask_close", str(row.id), user="UPRE", channel="C0PRESALES")
    assert "Closed by <@UPRE>" in updates(slack)[-1] and "Close it" not in updates(slack)[-1]
    assert any("closed your request" in message_text(p) for p in posts(slack, "DALICE"))
    assert requests(slack)[0].status == "closed"
    assert "No open requests" in reply(slack, "list")


def test_chinese_phrasing_and_a_misspelt_account_asks_did_you_mean(slack: SlackDriver) -> None:
    setup(slack)
    answer = reply(slack, '#售前 "给 Isdom 准备演示环境" 12月4日前', user="UZHANG")
    assert "已发送到 <#C0SHOUQIAN>" in answer and "12月4日" in answer
    row = requests(slack)[-1]
    assert (row.account, row.due_date, row.language) == ("Isdom", date(2026, 12, 4), "zh")
    assert "截止" in message_text(posts(slack, "C0SHOUQIAN")[0])

    weekday = reply(slack, '#presales "pricing sheet" by Friday')
    assert "due Fri 27 Nov" in weekday  # the coming Friday, not last week's

    question = reply(slack, '#presales "security questionnaire for Cancty" by 2026-12-10')
    assert "I don't know the account *Cancty*. Did you mean *Cancity*?" in question
    assert len(requests(slack)) == 2  # nothing stored until answered
    value = next(b for b in slack.responses()[-1]["blocks"] if b["type"] == "actions")["elements"][0]["value"]
    slack.click("ask_confirm", value, user="UALICE")
    assert "Sent to <#C0PRESALES>" in slack.last_response_text()
    last = requests(slack)[-1]
    assert (last.account, last.text, last.due_date) == ("Cancity", "security questionnaire for Cancty",
                                                        date(2026, 12, 10))


def test_bad_input_gets_a_clear_answer_with_an_example_and_nothing_is_stored(slack: SlackDriver) -> None:
    setup(slack)
    assert "Start with its channel" in reply(slack, '"demo environment"')
    assert '/ask #presales "demo environment for Cancity by Friday"' in reply(slack, '"demo environment"')
    assert "What do you need from <#C0PRESALES>?" in reply(slack, "#presales")
    assert "is in the past" in reply(slack, '#presales "demo" by 2026-11-01')
    assert "could not read the due date “someday soon”" in reply(slack, '#presales "demo" someday soon')
    assert "could not find the channel #nowhere" in reply(slack, '#nowhere "demo"')
    assert "找不到频道 #不存在" in reply(slack, '#不存在 "演示" 周五前', user="UZHANG")
    assert requests(slack) == []
    assert "requests to another team" in ack_text(slack.command("/ask", "help"))


def test_untrusted_words_are_escaped_in_the_channel_post(slack: SlackDriver) -> None:
    setup(slack)
    reply(slack, '#presales "<!channel> call me <https://evil.example|here>"')
    shown = message_text(posts(slack, "C0PRESALES")[0])
    assert "<!channel>" not in shown and "&lt;!channel&gt;" in shown and "<https://evil" not in shown


def test_one_reminder_before_the_due_date_and_one_overdue_note(slack: SlackDriver) -> None:
    setup(slack)
    reply(slack, '#presales "demo environment for Cancity" by 2026-12-07')  # a Monday
    [row] = requests(slack)
    slack.tick(datetime(2026, 12, 4, 8, 59, tzinfo=UTC))  # Friday 08:59: not yet
    assert len(posts(slack, "C0PRESALES")) == 1
    slack.tick(datetime(2026, 12, 4, 9, 0, 30, tzinfo=UTC))  # the working day before, 09:00: nobody took it
    reminder = posts(slack, "C0PRESALES")[-1]
    assert "Reminder: this request is due Mon 7 Dec" in message_text(reminder)
    assert reminder.get("thread_ts") == row.message_ts
    slack.tick(datetime(2026, 12, 4, 9, 5, tzinfo=UTC))
    slack.tick(datetime(2026, 12, 6, 12, 0, tzinfo=UTC))
    assert len(posts(slack, "C0PRESALES")) == 2  # once

    slack.click("ask_take", str(row.id), user="UPRE", channel="C0PRESALES")
    slack.tick(datetime(2026, 12, 8, 9, 0, 30, tzinfo=UTC))  # the working day after: overdue, to taker and asker
    assert "Overdue since Mon 7 Dec" in message_text(posts(slack, "DPRE")[-1])
    assert "Overdue since Mon 7 Dec" in message_text(posts(slack, "DALICE")[-1])
    slack.tick(datetime(2026, 12, 8, 15, 0, tzinfo=UTC))
    assert sum("Overdue" in message_text(p) for p in posts(slack, "DALICE")) == 1


def test_a_closed_request_gets_no_reminder(slack: SlackDriver) -> None:
    setup(slack)
    reply(slack, '#presales "demo" by 2026-12-04')
    [row] = requests(slack)
    slack.click("ask_close", str(row.id), user="UPRE", channel="C0PRESALES")
    slack.tick(datetime(2026, 12, 3, 9, 0, 30, tzinfo=UTC))
    slack.tick(datetime(2026, 12, 7, 9, 0, 30, tzinfo=UTC))
    assert len(posts(slack, "C0PRESALES")) == 1
