"""A manager runs check-ins end to end over signed HTTP against the fake Slack, on SQLite and PostgreSQL.

Ticks happen at chosen moments: the coming Friday 16:00 in Shanghai (08:00 UTC) is not yet 16:00 in New York.
"""

import json
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session, select

from db import clock
from db.models import CheckinAnswer, CheckinRun
from tests.slack_driver import SlackDriver, message_text


def coming_friday() -> date:
    today = clock.now().date()
    return today + timedelta(days=(4 - today.weekday()) % 7 or 7)


FRIDAY = coming_friday()


def local(day: date, hh: int, mm: int, tz: str) -> datetime:
    return datetime.combine(day, time(hh, mm), tzinfo=ZoneInfo(tz)).astimezone(UTC)


SHANGHAI_16 = local(FRIDAY, 16, 0, "Asia/Shanghai")
NEW_YORK_16 = local(FRIDAY, 16, 0, "America/New_York")


def dms(slack: SlackDriver, user: str) -> list[str]:
    channel = "D" + user.lstrip("U")
    return [message_text(c.args) for c in slack.fake.successful("chat.postMessage") if c.args.get("channel") == channel]


def runs(slack: SlackDriver) -> list[CheckinRun]:
    with Session(slack.deps.engine) as session:
        return list(session.exec(select(CheckinRun).order_by(CheckinRun.id)))


def answers(slack: SlackDriver, run_id: int) -> list[CheckinAnswer]:
    with Session(slack.deps.engine) as session:
        return list(
            session.exec(
                select(CheckinAnswer).where(CheckinAnswer.run_id == run_id).order_by(CheckinAnswer.question_index)
            )
        )


@pytest.fixture
def team(slack: SlackDriver) -> SlackDriver:
    slack.fake.add_user("UMANAGER", "Maria Lopez", tz="Europe/London")
    slack.fake.add_user("UALICE", "Alice Wong", tz="Asia/Shanghai")
    slack.fake.add_user("UBOB", "Bob Smith", tz="America/New_York")
    slack.fake.add_user("UZHANG", "张三", tz="Asia/Shanghai", locale="zh-CN")
    return slack


def test_a_full_round_ask_answer_remind_summarise_and_miss(team: SlackDriver) -> None:
    slack = team
    reply = message_text(
        slack.command("/checkin", "schedule <@UALICE> <@UBOB> weekly on friday at 16:00") and slack.responses()[-1]
    )
    assert "Scheduled check-in #" in reply and "Asia/Shanghai" in reply and "America/New_York" in reply

    # 16:05 in Shanghai, 03:05 in New York: only Alice is asked, in her DM, with her figures and question 1.
    assert slack.tick(SHANGHAI_16 + timedelta(minutes=5)).sent == 1
    assert [c.args["users"] for c in slack.fake.calls_to("conversations.open")] == ["UALICE"]
    greeting = dms(slack, "UALICE")[0]
    assert "Time for your weekly check-in with Maria Lopez" in greeting
    assert "won (0 deals)" in greeting and "1/5 — What progress did you make" in greeting
    assert dms(slack, "UBOB") == []

    # Answers by DM; a retried event (X-Slack-Retry-Num) is stored once and asks the next question once.
    slack.dm("Closed the Rantouch renewal", user="UALICE", event_id="EvAlice1")
    slack.dm("Closed the Rantouch renewal", user="UALICE", event_id="EvAlice1", retry_num=1)
    assert sum("2/5 — What difficulties" in m for m in dms(slack, "UALICE")) == 1
    slack.dm("Procurement at Cancity frozen until January", user="UALICE")
    slack.dm("skip", user="UALICE")
    slack.dm("A product specialist for the Isdom demo", user="UALICE")
    slack.dm("pretty good", user="UALICE")  # not a 1-5 number: asked again, not stored
    assert "number from 1 to 5" in dms(slack, "UALICE")[-1]
    slack.dm("4", user="UALICE")
    assert "Thanks! Maria Lopez will see your answers. You can edit them until" in dms(slack, "UALICE")[-1]
    alice = runs(slack)[0]
    assert alice.status == "completed"
    stored = answers(slack, alice.id)
    assert [a.text for a in stored] == [
        "Closed the Rantouch renewal",
        "Procurement at Cancity frozen until January",
        "",
        "A product specialist for the Isdom demo",
        "4",
    ]
    assert stored[2].skipped

    # New York's 16:05: Bob is asked; the manager gets Alice's completed check-in in a DM.
    assert slack.tick(NEW_YORK_16 + timedelta(minutes=5)).sent == 2
    assert "1/5 — What progress" in dms(slack, "UBOB")[0]
    copy = dms(slack, "UMANAGER")[0]
    assert "Alice Wong · weekly check-in" in copy and "confidence 4/5" in copy
    assert "Progress: Closed the Rantouch renewal" in copy and "Strategy to change: _skipped_" in copy

    # 24 h before Bob's deadline: one reminder, to Bob only (Alice answered).
    slack.tick(NEW_YORK_16 + timedelta(hours=48, minutes=1))
    slack.tick(NEW_YORK_16 + timedelta(hours=48, minutes=2))
    assert sum("reminder" in m for m in dms(slack, "UBOB")) == 1
    assert not any("reminder" in m for m in dms(slack, "UALICE"))

    # Bob's deadline passes: his check-in is missed and the round summary reaches the manager, once.
    slack.tick(NEW_YORK_16 + timedelta(hours=72, minutes=1))
    slack.tick(NEW_YORK_16 + timedelta(hours=72, minutes=2))
    assert [r.status for r in runs(slack)] == ["completed", "missed"]
    rounds = [m for m in dms(slack, "UMANAGER") if "Check-in round" in m]
    assert len(rounds) == 1
    assert "Answered 1 of 2: Alice Wong" in rounds[0] and "Missed: Bob Smith" in rounds[0]
    assert "Alice Wong: Procurement at Cancity frozen until January" in rounds[0]
    assert "average 4/5" in rounds[0]

    # A late answer is still stored and shown in the history.
    slack.dm("Two demos booked", user="UBOB")
    assert answers(slack, runs(slack)[1].id)[0].text == "Two demos booked"
    slack.command("/checkin", "history <@UBOB>")
    assert "Two demos booked" in slack.last_response_text() and "missed" in slack.last_response_text()


def _submit(slack: SlackDriver, user: str, run_id: int, values: list[str]) -> dict:
    state = {f"q{i}": {"answer": {"type": "plain_text_input", "value": v}} for i, v in enumerate(values)}
    response = slack.interact(
        {
            "type": "view_submission",
            "user": {"id": user, "team_id": slack.team_id},
            "view": {
                "id": "V1",
                "type": "modal",
                "callback_id": "checkin_form_submit",
                "private_metadata": str(run_id),
                "state": {"values": state},
            },
        }
    )
    return response.json() if response.text else {}


def test_the_form_path_in_chinese_with_validation_and_edits(team: SlackDriver) -> None:
    slack = team
    slack.command("/checkin", "schedule <@UZHANG> 每周 周五 16:00")
    slack.tick(SHANGHAI_16 + timedelta(minutes=1))
    greeting = dms(slack, "UZHANG")[0]
    assert "到了和 Maria Lopez 的每周进展汇报时间" in greeting and "本周你的商机有哪些进展" in greeting
    run_id = runs(slack)[0].id

    slack.click("checkin_form", str(run_id), user="UZHANG", channel="DZHANG")
    view = slack.fake.calls_to("views.open")[-1].args["view"]
    view = json.loads(view) if isinstance(view, str) else view
    assert (
        view["callback_id"] == "checkin_form_submit" and len([b for b in view["blocks"] if b["type"] == "input"]) == 5
    )

    refused = _submit(slack, "UZHANG", run_id, ["签了两单", "客户预算冻结", "", "价格审批", "很高"])
    assert refused["response_action"] == "errors" and "q4" in refused["errors"]
    assert answers(slack, run_id) == []

    _submit(slack, "UZHANG", run_id, ["签了两单", "客户预算冻结", "", "价格审批", "4"])
    assert runs(slack)[0].status == "completed"
    assert [a.text for a in answers(slack, run_id)] == ["签了两单", "客户预算冻结", "", "价格审批", "4"]
    assert "谢谢！Maria Lopez 会看到你的回答" in dms(slack, "UZHANG")[-1]

    # Edit before the deadline: the answer changes in place, nothing is duplicated.
    _submit(slack, "UZHANG", run_id, ["签了三单", "客户预算冻结", "", "价格审批", "5"])
    assert [a.text for a in answers(slack, run_id)][::4] == ["签了三单", "5"]

    # A manager's copy in the manager's language (English here) quotes the Chinese answers.
    slack.tick(SHANGHAI_16 + timedelta(minutes=2))
    assert "Progress: 签了三单" in dms(slack, "UMANAGER")[0]


def test_away_periods_and_vacation_status_skip_the_rep(team: SlackDriver) -> None:
    slack = team
    slack.fake.add_user("UBOB", "Bob Smith", tz="Asia/Shanghai", status_text="On vacation", status_emoji="")
    slack.command("/checkin", f"away until {(FRIDAY + timedelta(days=3)).isoformat()}", user="UALICE")
    assert "No check-ins until" in slack.last_response_text()
    slack.command("/checkin", "schedule <@UALICE> <@UBOB> <@UZHANG> weekly on friday at 16:00")
    slack.tick(SHANGHAI_16 + timedelta(minutes=1))
    assert dms(slack, "UALICE") == [] and dms(slack, "UBOB") == []
    assert len(dms(slack, "UZHANG")) == 1
    assert sorted(r.status for r in runs(slack)) == ["asking", "skipped", "skipped"]
    slack.tick(SHANGHAI_16 + timedelta(hours=72, minutes=1))
    summary = [m for m in dms(slack, "UMANAGER") if "Check-in round" in m][0]
    assert "Answered 0 of 1" in summary and "Away: Alice Wong, Bob Smith" in summary.replace(
        "Bob Smith, Alice Wong", "Alice Wong, Bob Smith"
    )


def test_one_check_in_at_a_time_the_second_schedule_waits_its_turn(team: SlackDriver) -> None:
    slack = team
    slack.command("/checkin", "schedule <@UALICE> weekly on friday at 16:00")
    slack.command("/checkin", "schedule <@UALICE> weekly on friday at 16:30")
    slack.tick(SHANGHAI_16 + timedelta(minutes=1))
    slack.tick(SHANGHAI_16 + timedelta(minutes=31))
    assert len(dms(slack, "UALICE")) == 1 and [r.status for r in runs(slack)] == ["asking", "pending"]
    for text in ("a", "b", "c", "d", "3"):
        slack.dm(text, user="UALICE")
    slack.tick(SHANGHAI_16 + timedelta(minutes=32))
    assert [r.status for r in runs(slack)] == ["completed", "asking"]
    assert sum("1/5 — What progress" in m for m in dms(slack, "UALICE")) == 2


def test_questions_speak_of_the_schedules_cadence(team: SlackDriver) -> None:
    """A monthly check-in asks about "this month", a weekly one about "this week" (both languages)."""
    slack = team
    slack.command("/checkin", "schedule <@UALICE> <@UZHANG> monthly on friday at 16:00")
    sent = 0
    for week in range(6):  # the first Friday the monthly schedule falls on
        sent += slack.tick(SHANGHAI_16 + timedelta(days=7 * week, minutes=5)).sent
        if sent:
            break
    assert sent == 2
    assert "1/5 — What progress did you make on your deals this month?" in dms(slack, "UALICE")[0]
    assert "this week" not in dms(slack, "UALICE")[0]
    assert "本月你的商机有哪些进展？" in dms(slack, "UZHANG")[0]


def test_a_monthly_greeting_speaks_of_the_month_in_both_languages(team: SlackDriver) -> None:
    """The greeting names the cadence and its figures cover the month since the same day a month earlier
    (the first check-in of a monthly schedule), never "this week" nor the last 7 days."""
    slack = team
    slack.command("/checkin", "schedule <@UALICE> <@UZHANG> monthly on friday at 16:00")
    when = None
    for week in range(6):
        moment = SHANGHAI_16 + timedelta(days=7 * week, minutes=5)
        if slack.tick(moment).sent:
            when = moment.astimezone(ZoneInfo("Asia/Shanghai")).date()
            break
    assert when is not None
    month_end = when.replace(day=1) - timedelta(days=1)
    since = month_end.replace(day=min(when.day, month_end.day))
    english, chinese = dms(slack, "UALICE")[0], dms(slack, "UZHANG")[0]
    assert "Time for your monthly check-in with Maria Lopez" in english
    assert f"Since {since.strftime('%a')} {since.day} {since.strftime('%b')}:" in english
    assert "this week" not in english and "week" not in english.split("1/5")[0]
    assert "的每月进展汇报时间" in chinese and f"自{since.month}月{since.day}日" in chinese
    assert not any(w in chinese.split("1/5")[0] for w in ("本周", "这周", "每周"))


def test_a_crm_owner_nobody_in_slack_is_linked_to_is_not_scheduled_and_the_answer_says_how_to_link(
    team: SlackDriver,
) -> None:
    """Darcel came from the CRM export and is linked to nobody in Slack: a check-in could never reach him. The
    manager is told how to link him and nothing is scheduled (not even for Alice, named beside him)."""
    from db.members import ensure_workspace
    from db.models import CheckinSchedule, Member
    from handlers.context import Deps

    with Session(team.deps.engine) as session:
        ensure_workspace(session, team_id=team.team_id, defaults=Deps(engine=team.deps.engine).workspace_defaults)
        session.add(Member(team_id=team.team_id, crm_name="Darcel Schlecht", display_name="Darcel Schlecht"))
        session.commit()
    team.command("/checkin", 'schedule @"Darcel Schlecht" <@UALICE> weekly on friday at 16:00', user="UMANAGER")
    text = team.last_response_text()
    assert "I cannot DM *Darcel Schlecht*" in text and '`/salesbot link "Darcel Schlecht" @someone`' in text
    assert "Nothing was scheduled." in text
    with Session(team.deps.engine) as session:
        assert session.exec(select(CheckinSchedule)).all() == []

    team.command("/checkin", 'schedule @"Darcel Schlecht" 每周 周五 16:00', user="UMANAGER")
    assert "无法私信 *Darcel Schlecht*：该 CRM 负责人尚未关联到 Slack 成员" in team.last_response_text()
    team.command("/salesbot", 'link "Darcel Schlecht" <@UBOB>', user="UMANAGER")
    team.command("/checkin", 'schedule @"Darcel Schlecht" weekly on friday at 16:00', user="UMANAGER")
    assert "Scheduled check-in #" in team.last_response_text()


def test_a_form_slack_cannot_open_is_said_in_the_dm_with_the_way_that_still_works(team: SlackDriver) -> None:
    """The rep presses "Answer in a form" and Slack refuses views.open (or never answers): nothing on screen
    would be the whole story. The DM says so, in their language, and answering by message still works."""
    from bot.local_slack import Fault

    slack = team
    slack.command("/checkin", "schedule <@UZHANG> <@UALICE> weekly on friday at 16:00")
    slack.tick(SHANGHAI_16 + timedelta(minutes=1))
    from db.models import Member

    with Session(slack.deps.engine) as session:
        ids = {m.slack_user_id: m.id for m in session.exec(select(Member))}
    run_of = {r.member_id: r.id for r in runs(slack)}
    zhang_run, alice_run = run_of[ids["UZHANG"]], run_of[ids["UALICE"]]
    slack.fake.fail_next("views.open", Fault(status=200, retry_after=None, error="expired_trigger_id"))
    slack.click("checkin_form", str(zhang_run), user="UZHANG", channel="DZHANG")
    assert "Slack 无法打开表单（`expired_trigger_id`）" in dms(slack, "UZHANG")[-1]
    slack.fake.fail_next("views.open", Fault(status=200, retry_after=None, drop=True))
    slack.click("checkin_form", str(alice_run), user="UALICE", channel="DALICE")
    assert "Slack did not confirm that the form opened" in dms(slack, "UALICE")[-1]
    slack.dm("Closed Rantouch", user="UALICE")  # the message path still takes the answer
    assert [a.text for a in answers(slack, alice_run)] == ["Closed Rantouch"]


@pytest.mark.parametrize("attempt", range(3))
def test_two_schedules_due_at_the_same_moment_greet_the_rep_once(team: SlackDriver, attempt: int) -> None:
    """A rep in two schedules that fall due in the same tick is asked one at a time: the scheduler delivers in
    parallel, and both runs used to see no check-in in progress, so the rep got two greetings both asking 1/5."""
    slack = team
    slack.command("/checkin", "schedule <@UALICE> weekly on friday at 16:00")
    clock.advance(timedelta(minutes=5))  # not a repeat of the same command: a second schedule
    slack.command("/checkin", "schedule <@UALICE> weekly on friday at 16:00")
    assert slack.tick(SHANGHAI_16 + timedelta(minutes=1)).sent == 2
    assert len(dms(slack, "UALICE")) == 1
    assert sorted(r.status for r in runs(slack)) == ["asking", "pending"]
