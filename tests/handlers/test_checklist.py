"""Day one: /kpi, App Home and /salesbot help show what is missing, with the line to run, in the user's language."""

import json
from datetime import date

from sqlmodel import Session

from db.importers import import_file
from db.models import CheckinSchedule
from tests.slack_driver import SlackDriver, ack_text, message_text

DEALS = (b"id,owner,stage,amount,created,close_date\n"
         b"D1,Darcel Schlecht,Won,1000,2026-07-01,2026-08-03\nD2,Zhang San,Lost,500,2026-07-02,2026-08-04\n")


def _import(slack: SlackDriver) -> None:
    result = import_file(slack.deps.engine, "deals", DEALS, filename="deals.csv", team_id=slack.team_id,
                         today=date(2026, 11, 26))
    assert not result.refused


def test_kpi_on_an_empty_workspace_answers_with_the_checklist_not_zeros(slack: SlackDriver) -> None:
    slack.command("/kpi", "revenue last quarter", user="UMANAGER")
    text = slack.last_response_text()
    assert "Getting started: 0 of 4 steps done" in text
    assert "There is no sales data in this workspace yet" in text
    assert "`salesbot import deals export.csv`" in text
    assert "`/digest subscribe #sales weekly on monday at 09:00`" in text
    assert "`/checkin schedule @alice @bob weekly on friday at 16:00`" in text
    assert "$0.00" not in text and "Revenue" not in text


def test_a_digest_preview_on_an_empty_workspace_starts_with_the_checklist(slack: SlackDriver) -> None:
    """A manager's first /digest preview, before any import: first what to do so that the digest has figures,
    then the week of zeros the channel would get; once deals are imported, the digest alone."""
    slack.fake.add_user("UMANAGER", "Maria Lopez")
    slack.command("/digest", "preview", user="UMANAGER")
    text = slack.last_response_text()
    assert text.startswith("There is no sales data in this workspace yet"), text
    assert "`salesbot import deals export.csv`" in text
    shown = message_text({"blocks": slack.responses()[-1]["blocks"]})  # what Slack shows: the blocks, in order
    assert shown.index("Getting started: 0 of 4 steps done") < shown.index("*Sales week")
    _import(slack)
    slack.command("/digest", "preview", user="UMANAGER")
    text = slack.last_response_text()
    assert "*Sales week" in text and "Getting started" not in text and "no sales data" not in text


def test_the_checklist_in_chinese_for_a_chinese_command(slack: SlackDriver) -> None:
    slack.command("/kpi", "上季度 销售额", user="UMANAGER")
    text = slack.last_response_text()
    assert "开始使用：已完成 0/4 步" in text and "本工作区还没有销售数据" in text
    assert "`salesbot import deals export.csv`" in text and "`/digest 订阅 #销售 每周一 上午9点`" in text


def test_app_home_on_day_one_shows_the_checklist(slack: SlackDriver) -> None:
    slack.fake.add_user("UMANAGER", "Maria Lopez", locale="zh-CN")
    slack.event({"type": "app_home_opened", "user": "UMANAGER", "tab": "home", "channel": "DMANAGER"})
    slack.event({"type": "app_home_opened", "user": "UMANAGER", "tab": "home", "channel": "DMANAGER"})  # profile known
    view = slack.fake.calls_to("views.publish")[-1].args["view"]
    text = message_text(view if isinstance(view, dict) else json.loads(view))
    assert "开始使用：已完成 0/4 步" in text and "salesbot import deals export.csv" in text
    assert "US$0.00" not in text


def test_help_ticks_what_is_done_and_names_the_next_owner_to_link(slack: SlackDriver) -> None:
    _import(slack)
    slack.command("/salesbot", 'link "Darcel Schlecht" <@UDARCEL>', user="UMANAGER")
    slack.command("/digest", "subscribe <#C0SALES|sales> weekly on monday at 09:00", user="UMANAGER")
    text = ack_text(slack.command("/salesbot", "help", user="UMANAGER"))
    assert "Getting started: 2 of 4 steps done" in text
    assert "*Import your CRM export* — done" in text
    assert "*Subscribe a channel to the weekly digest* — done" in text
    assert '1 not linked yet: `/salesbot link "Zhang San" @user`' in text
    assert "`/checkin schedule @alice @bob weekly on friday at 16:00`" in text
    assert "salesbot — what I can do" in text  # the command reference follows

    slack.command("/kpi", "revenue last quarter", user="UMANAGER")  # data now: figures, not the checklist
    assert "US$1,000.00" in slack.last_response_text()
    assert "Getting started" not in slack.last_response_text()

    slack.command("/salesbot", 'link "Zhang San" <@UZHANG>', user="UMANAGER")
    with Session(slack.deps.engine) as session:
        session.add(CheckinSchedule(team_id=slack.team_id, manager_user_id="UMANAGER"))
        session.commit()
    done = ack_text(slack.command("/salesbot", "help", user="UMANAGER"))
    assert "Getting started" not in done and "salesbot — what I can do" in done
