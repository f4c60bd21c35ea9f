"""A check-in's "support needed" answer becomes a request to another team with the summary's one button, and open
requests show in the manager's 1:1 brief and the weekly digest only when there are some (both databases)."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session, select

from db.models import TeamRequest
from tests.digest_data import seed as seed_digest
from tests.handlers.test_checkin import SHANGHAI_16
from tests.handlers.test_digest import _age
from tests.slack_driver import SlackDriver, message_text


@pytest.fixture
def team(slack: SlackDriver) -> SlackDriver:
    slack.fake.add_user("UMANAGER", "Maria Lopez", tz="Asia/Shanghai")
    slack.fake.add_user("UALICE", "Alice Wong", tz="Asia/Shanghai")
    slack.fake.add_user("UPRE", "Petra Presales")
    slack.fake.add_channel("C0PRESALES", "presales")
    return slack


def posts(slack: SlackDriver, channel: str) -> list[dict]:
    return [c.args for c in slack.fake.successful("chat.postMessage") if c.args.get("channel") == channel]


def button_of(message: dict, action_id: str) -> dict | None:
    for block in message.get("blocks") or []:
        for element in block.get("elements", []) if block.get("type") == "actions" else []:
            if element.get("action_id") == action_id:
                return element
    return None


def test_the_summary_button_turns_a_support_need_into_a_request_once(team: SlackDriver) -> None:
    slack = team
    slack.command("/checkin", "schedule <@UALICE> weekly on friday at 16:00 to <#CSALES|sales>")
    slack.tick(SHANGHAI_16 + timedelta(minutes=1))
    for text in ("Closed Rantouch", "Budget freeze", "no", "A product specialist for the <!here> demo by Friday",
                 "3"):
        slack.dm(text, user="UALICE")
    slack.tick(SHANGHAI_16 + timedelta(minutes=2))
    copy = next(p for p in posts(slack, "CSALES") if "Alice Wong · weekly check-in" in message_text(p))
    button = button_of(copy, "ask_from_checkin")
    assert button is not None and button["text"]["text"] == "Ask a team for it"

    slack.click("ask_from_checkin", button["value"], channel="CSALES")  # no team channel set yet: how to set one
    assert "/ask checkin #presales" in slack.last_response_text()
    slack.command("/ask", "checkin #presales", user="UALICE")
    assert "Only managers" in slack.last_response_text()
    slack.command("/ask", "checkin <#C0PRESALES|presales>")
    assert "now goes to <#C0PRESALES>" in slack.last_response_text()

    slack.click("ask_from_checkin", button["value"], channel="CSALES")
    assert "Sent to <#C0PRESALES> as request #" in slack.last_response_text()
    post = message_text(posts(slack, "C0PRESALES")[-1])
    assert "From Alice Wong's check-in (support needed)" in post and "&lt;!here&gt; demo" in post
    slack.click("ask_from_checkin", button["value"], channel="CSALES")  # a second click makes no second request
    assert "Already sent to <#C0PRESALES>" in slack.last_response_text()
    with Session(slack.deps.engine) as session:
        [row] = session.exec(select(TeamRequest)).all()
    assert row.checkin_run_id is not None and row.status == "open" and row.due_date is not None

    slack.command("/checkin", "brief <@UALICE>")
    brief = slack.last_response_text()
    assert "Requests to other teams: 1 open — “A product specialist for the &lt;!here&gt; demo” → <#C0PRESALES>" \
        in brief


def test_the_digest_lists_open_and_overdue_requests_only_when_there_are_some(slack: SlackDriver) -> None:
    seed_digest(slack.deps.engine)
    slack.fake.add_channel("C0PRESALES", "presales")
    slack.command("/digest", "preview")
    assert "Requests to other teams" not in slack.responses()[-1]["text"]

    slack.command("/ask", '#presales "demo environment for Cancity" by 2026-11-27', user="UALICE")
    slack.command("/ask", '#presales "pricing sheet for Isdom" by 2026-12-18', user="UZHANG")
    slack.command("/digest", "subscribe <#C0SALES|sales> weekly on monday at 09:00")
    _age(slack)
    slack.tick(datetime(2026, 11, 30, 14, 0, tzinfo=UTC))  # Monday 09:00 New York
    text = next(u for u in slack.fake.uploads() if u["channel_id"] == "C0SALES")["initial_comment"]
    assert "Requests to other teams: 2 open, 1 overdue · 0 closed in the period" in text
    assert "Overdue: “demo environment for Cancity” → <#C0PRESALES>, ⚠ due Fri 27 Nov (overdue)" in text
