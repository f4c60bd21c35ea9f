"""Day one with real people: every command names anyone of the workspace (any name form, English or Chinese),
ambiguous and unknown names get clear answers, and imported CRM owners are linked to their Slack people
without a manual step. End to end over signed HTTP against the fake Slack, on SQLite and PostgreSQL."""

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlmodel import Session, select

from bot.cli import main
from db import clock
from db.models import CheckinRun, Deal, Member
from tests.slack_driver import SlackDriver, message_text

# Q3 2026 (last quarter on the pinned 26 Nov 2026): Darcel 1,000 + 500 won, 张三 2,000 won, "Lee, Wei" 700 won.
DEALS = """opportunity_id,deal_name,sales_agent,account,product,deal_stage,close_value,engage_date,close_date
D1,Rantouch renewal,Darcel Schlecht,Rantouch,GTX Pro,Won,1000,2026-06-01,2026-07-15
D2,Isdom pilot,DARCEL  SCHLECHT,Isdom,GTX Pro,Won,500,2026-06-01,2026-08-15
D3,Cancity,张三,Cancity,MG Special,Won,2000,2026-06-01,2026-09-01
D4,Bluth,"Lee, Wei",Bluth,GTX Pro,Won,700,2026-06-01,2026-09-02
D5,Sonron,Wei Zhang,Sonron,GTX Pro,Won,300,2026-06-01,2026-09-03
D6,Zoomit,Nobody Known,Zoomit,GTX Pro,Won,100,2026-06-01,2026-09-04
"""


def people(slack: SlackDriver) -> None:
    """A workspace that never used salesbot: only the manager has ever typed a command."""
    fake = slack.fake
    fake.add_user("UMANAGER", "maria", real_name="Maria Lopez")
    fake.add_user("UDARCEL", "darcel", real_name="Darcel Schlecht", tz="America/New_York")
    fake.add_user("UZHANG", "zhang.san", real_name="张三", display_name="张三", tz="Asia/Shanghai", locale="zh-CN")
    fake.add_user("UWEI1", "wei.lee", real_name="Wei Lee", display_name="Wei")
    fake.add_user("UWEIZ1", "wei.zhang", real_name="Wei Zhang")
    fake.add_user("UWEIZ2", "wei.zhang2", real_name="Wei Zhang")  # two people share a name
    fake.add_user("UMOSES", "moses", real_name="Moses Adeyemi")
    fake.add_user("UPRIYA", "priya", real_name="Priya Patel")
    fake.add_user("UGONE", "gone", real_name="Gone Person", deleted=True)


def dms(slack: SlackDriver, user: str) -> list[str]:
    channel = "D" + user.lstrip("U")
    return [message_text(c.args) for c in slack.fake.successful("chat.postMessage") if c.args.get("channel") == channel]


def member(slack: SlackDriver, user_id: str) -> Member:
    with Session(slack.deps.engine) as session:
        return session.exec(select(Member).where(Member.slack_user_id == user_id)).one()


def import_from_shell(slack: SlackDriver, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                      capsys: pytest.CaptureFixture) -> str:
    path = tmp_path / "export.csv"
    path.write_text(DEALS, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    for name, value in {"DATABASE_URL": slack.settings.database_url, "SLACK_BOT_TOKEN": "xoxb-test-token",
                        "SLACK_API_URL": slack.fake.api_url}.items():
        monkeypatch.setenv(name, value)
    capsys.readouterr()
    assert main(["import", "deals", str(path)]) == 0
    return capsys.readouterr().out


def test_check_ins_for_reps_who_never_used_the_bot_reach_them(slack: SlackDriver) -> None:
    people(slack)
    slack.command("/checkin", "schedule @darcel @zhang.san weekly on friday at 16:00")
    reply = slack.last_response_text()
    assert "Scheduled check-in #" in reply and "Darcel Schlecht" in reply and "张三" in reply
    assert len(slack.fake.successful("users.list")) == 1  # the directory, read once for names nobody knew
    friday = datetime(2026, 11, 27, tzinfo=UTC)
    slack.tick(friday.replace(hour=8, minute=5))  # 16:05 in Shanghai
    slack.tick(friday.replace(hour=21, minute=5))  # 16:05 in New York
    assert any("1/5" in m for m in dms(slack, "UZHANG")) and any("1/5" in m for m in dms(slack, "UDARCEL"))
    with Session(slack.deps.engine) as session:
        assert len(session.exec(select(CheckinRun)).all()) == 2


def test_a_name_two_people_share_gets_which_one_and_an_unknown_one_an_example(slack: SlackDriver) -> None:
    people(slack)
    slack.command("/salesbot", "help")
    with Session(slack.deps.engine) as session:  # some data, so /kpi answers figures, not the day-one checklist
        session.add(Deal(team_id=slack.team_id, external_id="X1", status="won", amount_cents=100,
                         created_date=clock.today(), close_date=clock.today()))
        session.commit()
    slack.command("/kpi", 'revenue @"Wei Zhang" last quarter')
    text = slack.last_response_text()
    assert "Which *@Wei Zhang* do you mean? 2 people match" in text
    assert "Wei Zhang <@UWEIZ1>" in text and "Wei Zhang <@UWEIZ2>" in text
    assert "`/kpi revenue <@UWEIZ1> last month`" in text
    slack.command("/target", "set revenue 1000 this quarter @nobody")
    text = slack.last_response_text()
    assert "I don't know anyone called *@nobody*" in text and "/target set revenue 100000 this quarter @darcel" in text
    slack.command("/checkin", "history @gone")  # deactivated before salesbot met them: unknown, said so
    assert "I don't know anyone called *@gone*" in slack.last_response_text()


def test_link_and_role_take_any_name_form(slack: SlackDriver, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture) -> None:
    people(slack)
    slack.command("/salesbot", "help")
    out = import_from_shell(slack, tmp_path, monkeypatch, capsys)
    assert '/salesbot link "Nobody Known" @someone' in out
    slack.command("/salesbot", 'link "Nobody Known" @Moses')
    assert "Linked CRM owner *Nobody Known* to <@UMOSES>" in slack.last_response_text()
    with Session(slack.deps.engine) as session:
        owner = session.exec(select(Deal.owner_id).where(Deal.external_id == "D6")).one()
    assert owner == member(slack, "UMOSES").id
    slack.command("/salesbot", "role @Priya manager")
    assert "<@UPRIYA> is now a *manager*" in slack.last_response_text()
    assert member(slack, "UPRIYA").role == "manager"
    slack.command("/salesbot", "role <@UWEI1|wei> manager")
    assert member(slack, "UWEI1").role == "manager"
    slack.command("/salesbot", "role @Priya manager", user="UDARCEL")  # reps may not
    assert member(slack, "UDARCEL").role == "rep"


def test_the_import_links_owners_by_name_and_a_rep_sees_their_own_figures(
    slack: SlackDriver, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    people(slack)
    slack.command("/salesbot", "help")  # the workspace's first request
    out = import_from_shell(slack, tmp_path, monkeypatch, capsys)
    # Darcel twice (case and spacing), 张三 exactly, "Lee, Wei" as Wei Lee; Wei Zhang is two people: not guessed.
    assert "owners linked to Slack people: 3 (3 by name): Darcel Schlecht, Lee, Wei, 张三" in out
    assert '/salesbot link "Wei Zhang" @someone   # several people have this name: Wei Zhang <@UWEIZ1>, ' \
           "Wei Zhang <@UWEIZ2>" in out
    assert '/salesbot link "Nobody Known" @someone' in out
    slack.command("/kpi", "revenue last quarter", user="UDARCEL")
    text = slack.last_response_text()
    assert "US$1,500.00" in text
    slack.command("/kpi", "leaderboard last quarter")
    board = slack.last_response_text()
    assert board.count("张三") == 1 and "US$2,000" in board
    with Session(slack.deps.engine) as session:
        named = session.exec(select(Member).where(Member.real_name == "张三")).all()
        assert [(m.slack_user_id, m.crm_name) for m in named] == [("UZHANG", "张三")]
        assert not session.exec(select(Member).where(Member.crm_name == "张三", Member.slack_user_id.is_(None))).all()


def test_a_dropped_file_links_owners_and_says_how(slack: SlackDriver) -> None:
    people(slack)
    with_email = """opportunity_id,deal_name,sales_agent,owner_email,deal_stage,close_value,engage_date,close_date
D1,Rantouch renewal,D. Schlecht,darcel@x.example,Won,1000,2026-06-01,2026-07-15
D3,Cancity,张三,,Won,2000,2026-06-01,2026-09-01
D4,Bluth,"Lee, Wei",,Won,700,2026-06-01,2026-09-02
D5,Sonron,Wei Zhang,,Won,300,2026-06-01,2026-09-03
"""  # "D. Schlecht": only the e-mail can tell who that is
    slack.fake.users["UDARCEL"]["profile"]["email"] = "darcel@x.example"
    info = slack.fake.add_file(with_email.encode(), "export.csv", user="UMANAGER")
    slack.dm("", user="UMANAGER", files=[info])
    reply = message_text(slack.fake.successful("chat.postMessage")[-1].args)
    assert "CRM owners linked to Slack people: 3 — 1 by e-mail (D. Schlecht) · 2 by name (Lee, Wei, 张三)" in reply
    assert '`/salesbot link "Wei Zhang" @someone` — several people have this name' in reply


def test_kpi_names_a_chinese_rep_by_name(slack: SlackDriver, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture) -> None:
    people(slack)
    slack.command("/salesbot", "help")
    import_from_shell(slack, tmp_path, monkeypatch, capsys)
    slack.command("/kpi", "revenue @张三 last quarter")
    assert "张三" in slack.last_response_text() and "US$2,000.00" in slack.last_response_text()
    slack.command("/kpi", "revenue @darcel last quarter")  # a unique first name
    assert "Darcel Schlecht" in slack.last_response_text() and "US$1,500.00" in slack.last_response_text()

