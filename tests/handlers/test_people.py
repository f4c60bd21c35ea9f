"""The people directory: users.list over pages, team_join / user_change events, the daily upkeep, and a first
contact that never waits on Slack before the ack. On SQLite and PostgreSQL."""

import time
from datetime import timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.local_slack import Fault, LocalSlack
from bot.manifest import BOT_EVENTS
from bot.slack_client import make_client
from db import clock
from db.members import ensure_workspace
from db.models import Deal, Member, Workspace
from handlers.context import Deps
from handlers.people import fill_profile, refresh_directory
from tests.slack_driver import SlackDriver, message_text


def members(engine: Engine) -> dict[str, Member]:
    with Session(engine) as session:
        return {m.slack_user_id: m for m in session.exec(select(Member)) if m.slack_user_id}


def workspace(engine: Engine, team_id: str = "T0001") -> None:
    with Session(engine) as session:
        ensure_workspace(session, team_id=team_id, defaults=Deps(engine=engine).workspace_defaults)
        session.commit()


def test_a_directory_of_5000_people_is_read_over_pages_in_bulk(fake_slack: LocalSlack, engine: Engine) -> None:
    for i in range(5000):
        fake_slack.add_user(f"U{i:05d}", f"rep.{i}", real_name=f"Rep Number {i}", email=f"rep{i}@example.com",
                            tz="Asia/Shanghai" if i % 2 else "America/New_York", locale="zh-CN" if i % 2 else "en-US")
    fake_slack.add_user("USLACKBOT", "slackbot")
    fake_slack.add_user("UBOTX", "deploybot", is_bot=True)
    fake_slack.add_user("UGONE", "gone.person", real_name="Gone Person", deleted=True)
    fake_slack.fail_next("users.list", Fault(429, retry_after=1))  # Slack says slow down once: waited, asked again
    workspace(engine)
    client = make_client("xoxb-test", fake_slack.api_url)
    started = time.perf_counter()
    report = refresh_directory(client, Deps(engine=engine), "T0001")
    seconds = time.perf_counter() - started

    calls = fake_slack.calls_to("users.list")
    assert all(c.args["limit"] == "200" for c in calls)
    assert len(fake_slack.successful("users.list")) == 26  # 5,003 users, 200 a page; the 429 was asked again
    assert report.added == 5000
    known = members(engine)
    assert len(known) == 5000 and not {"USLACKBOT", "UBOTX", "UGONE"} & set(known)
    rep = known["U04321"]
    assert (rep.real_name, rep.handle, rep.display_name, rep.email, rep.timezone, rep.locale, rep.active) == (
        "Rep Number 4321", "rep.4321", "Rep Number 4321", "rep4321@example.com", "Asia/Shanghai", "zh-CN", True)
    with Session(engine) as session:
        assert session.get(Workspace, "T0001").directory_synced_at is not None
    print(f"\n5,000 people over 26 pages stored in {seconds:.2f} s ({engine.dialect.name})")

    # Read again with one change: nothing duplicated, one row updated.
    fake_slack.users["U00007"]["real_name"] = "Seven Renamed"
    again = refresh_directory(client, Deps(engine=engine), "T0001")
    assert (again.added, again.updated) == (0, 1)
    assert members(engine)["U00007"].display_name == "Seven Renamed"


def test_a_first_contacts_profile_links_the_crm_owner_they_are_and_no_other(fake_slack: LocalSlack,
                                                                             engine: Engine) -> None:
    """After the ack of someone's first words, their Slack profile makes them the CRM owner of their name or e-mail
    (imported before anyone read the directory) — unless another person has that name too."""
    workspace(engine)
    with Session(engine) as session:
        for crm_name, email in (("Chen, Alice", None), ("Wei Zhang", None), ("Bob Stone", None),
                                ("D. Schlecht", "darcel@example.com")):
            session.add(Member(team_id="T0001", crm_name=crm_name, display_name=crm_name, email=email))
        session.add(Member(team_id="T0001", slack_user_id="UWEI1", display_name="Wei Zhang", real_name="Wei Zhang"))
        for i in range(300):
            session.add(Member(team_id="T0001", slack_user_id=f"UOLD{i:03d}", display_name=f"Old Hand {i}"))
        session.commit()
    fake_slack.add_user("UALICE", "alice", real_name="ALICE  CHEN")
    fake_slack.add_user("UWEI2", "wei.z", real_name="Wei Zhang")
    fake_slack.add_user("UDARCEL", "darcel", real_name="Darcel S.", email="darcel@example.com")
    fake_slack.add_user("UNOBODY", "nobody", real_name="Nobody Known")
    client, deps = make_client("xoxb-test", fake_slack.api_url), Deps(engine=engine)

    for user in ("UNOBODY", "UALICE", "UWEI2", "UDARCEL"):
        assert fill_profile(client, deps, "T0001", user)

    known = members(engine)
    assert (known["UALICE"].crm_name, known["UALICE"].display_name) == ("Chen, Alice", "ALICE  CHEN")  # by name
    assert known["UDARCEL"].crm_name == "D. Schlecht"  # by e-mail
    assert known["UWEI2"].crm_name is None and known["UWEI1"].crm_name is None  # two people called Wei Zhang
    assert known["UNOBODY"].crm_name is None
    with Session(engine) as session:
        unlinked = sorted(m.crm_name for m in session.exec(select(Member).where(Member.slack_user_id.is_(None))))
    assert unlinked == ["Bob Stone", "Wei Zhang"]  # the linked owners' rows were merged into the people


def test_a_deactivated_user_is_marked_inactive_and_keeps_their_deals(slack: SlackDriver) -> None:
    slack.fake.add_user("UDARCEL", "darcel", real_name="Darcel Schlecht")
    slack.command("/salesbot", "help", user="UMANAGER")  # the workspace's first request
    refresh_directory(slack.app.client, slack.deps, "T0001")
    darcel = members(slack.deps.engine)["UDARCEL"]
    with Session(slack.deps.engine) as session:
        session.add(Deal(team_id="T0001", external_id="D1", owner_id=darcel.id, status="won", amount_cents=500_00,
                         created_date=clock.today(), close_date=clock.today()))
        session.commit()
    gone = {**slack.fake.users["UDARCEL"], "deleted": True}
    assert slack.event({"type": "user_change", "user": gone}).status_code == 200
    darcel = members(slack.deps.engine)["UDARCEL"]
    assert darcel.active is False
    with Session(slack.deps.engine) as session:
        assert session.exec(select(Deal.owner_id)).all() == [darcel.id]


def test_team_join_and_user_change_keep_the_directory_current(slack: SlackDriver) -> None:
    slack.command("/salesbot", "help", user="UMANAGER")
    joined = slack.fake.add_user("UNEW", "new.hire", real_name="New Hire Bob", email="bob@example.com",
                                 tz="Europe/Berlin")
    assert slack.event({"type": "team_join", "user": joined}).status_code == 200
    bob = members(slack.deps.engine)["UNEW"]
    assert (bob.display_name, bob.email, bob.timezone, bob.role) == ("New Hire Bob", "bob@example.com",
                                                                    "Europe/Berlin", "rep")
    changed = {**joined, "real_name": "Bob Builder", "tz": "Asia/Shanghai",
               "profile": {**joined["profile"], "real_name": "Bob Builder", "display_name": "bob"}}
    slack.event({"type": "user_change", "user": changed})
    bob = members(slack.deps.engine)["UNEW"]
    assert (bob.display_name, bob.slack_display_name, bob.timezone) == ("Bob Builder", "bob", "Asia/Shanghai")
    assert [c.args["user"] for c in slack.fake.calls_to("users.info")] == ["UMANAGER"]  # none for Bob: the event has it


def test_every_subscribed_event_is_handled(slack: SlackDriver) -> None:
    """Bolt answers 404 for an event no listener takes (and Slack then retries it); none may be left so."""
    user = slack.fake.add_user("UEVENT", "eve")
    samples = {
        "message.im": {"type": "message", "channel": "DEVENT", "channel_type": "im", "user": "UEVENT", "text": "hi",
                       "ts": "1.0"},
        "app_home_opened": {"type": "app_home_opened", "user": "UEVENT", "tab": "home"},
        "app_mention": {"type": "app_mention", "user": "UEVENT", "channel": "C1", "text": "<@UBOT> hi", "ts": "2.0"},
        "file_shared": {"type": "file_shared", "file_id": "F1", "user_id": "UEVENT", "channel_id": "DEVENT"},
        "team_join": {"type": "team_join", "user": user},
        "user_change": {"type": "user_change", "user": user},
        # last: in the one-workspace mode an uninstall deletes the workspace's rows (handlers/uninstall.py)
        "tokens_revoked": {"type": "tokens_revoked", "tokens": {"oauth": [], "bot": ["UBOT"]}},
        "app_uninstalled": {"type": "app_uninstalled"},
    }
    assert set(samples) == set(BOT_EVENTS)
    for name, event in samples.items():
        assert slack.event(event).status_code == 200, name


def test_the_scheduler_rereads_the_directory_once_a_day(slack: SlackDriver) -> None:
    slack.command("/salesbot", "help", user="UMANAGER")
    slack.fake.add_user("UPRIYA", "priya", real_name="Priya Patel")
    slack.tick(clock.now())
    assert "UPRIYA" in members(slack.deps.engine)
    asked = len(slack.fake.calls_to("auth.test"))
    slack.fake.add_user("ULATE", "late", real_name="Late Joiner")
    slack.tick(clock.now() + timedelta(hours=1))
    assert "ULATE" not in members(slack.deps.engine) and len(slack.fake.calls_to("users.list")) == 1
    slack.tick(clock.now() + timedelta(days=1, minutes=1))
    assert "ULATE" in members(slack.deps.engine) and len(slack.fake.calls_to("auth.test")) == asked


def test_first_contact_is_acked_before_a_slow_users_info_answers(slack: SlackDriver) -> None:
    slack.fake.add_user("UZHANG", "zhang.san", real_name="张三", tz="Asia/Shanghai", locale="zh-CN")
    slack.fake.fail_next("users.info", Fault(status=200, retry_after=None, delay=3))  # Slack hangs for 3 s
    response = slack.command("/salesbot", "help", user="UZHANG", wait=False)
    assert response.status_code == 200 and "what I can do" in message_text(response.json())
    assert slack.fake.calls_to("users.info") == []  # answered while users.info was still unanswered
    slack.wait_idle()
    zhang = members(slack.deps.engine)["UZHANG"]
    assert (zhang.display_name, zhang.timezone, zhang.locale) == ("张三", "Asia/Shanghai", "zh-CN")
    # Now that salesbot knows the profile, the second request is answered in the user's language.
    assert "salesbot 能做什么" in message_text(slack.command("/salesbot", "help", user="UZHANG").json())


def test_first_contact_is_acked_while_users_info_is_rate_limited(slack: SlackDriver) -> None:
    slack.fake.add_user("UPRIYA", "priya", real_name="Priya Patel", tz="Asia/Kolkata")
    slack.fake.fail_next("users.info", Fault(429, retry_after=2))
    response = slack.command("/salesbot", "help", user="UPRIYA", wait=False)
    assert response.status_code == 200 and "what I can do" in message_text(response.json())
    assert slack.fake.successful("users.info") == []
    slack.wait_idle()
    assert len(slack.fake.calls_to("users.info")) == 2  # the 429, then the retry after Retry-After
    assert members(slack.deps.engine)["UPRIYA"].timezone == "Asia/Kolkata"


def test_serving_rereads_the_directory_when_it_starts(slack: SlackDriver) -> None:
    from bot.scheduler import Scheduler
    from handlers import job_sources, people

    slack.command("/salesbot", "help", user="UMANAGER")
    slack.tick(clock.now())  # read once (never read before)
    slack.fake.add_user("UNEWER", "newer", real_name="Newer Person")
    slack.tick(clock.now() + timedelta(minutes=1))  # a one-off tick: the directory is fresh, not read again
    assert len(slack.fake.calls_to("users.list")) == 1
    people._TEAM_OF_TOKEN.clear()  # a new process
    scheduler = Scheduler(slack.deps, slack.app.client, job_sources())
    scheduler.start_background(interval=3600)
    try:
        slack.fake.wait_for("users.list", 2)
    finally:
        scheduler.stop()
    deadline = time.time() + 10
    while "UNEWER" not in members(slack.deps.engine) and time.time() < deadline:
        time.sleep(0.05)
    assert "UNEWER" in members(slack.deps.engine)


def test_owners_imported_before_the_directory_was_read_are_the_people_who_then_use_the_bot(
    slack: SlackDriver, tmp_path
) -> None:
    """The first day: the CRM export is imported from the shell before salesbot ever read Slack's directory, so
    its owners are linked to nobody. A rep who then talks to the bot, and a rep the manager names, are those
    owners — their own figures and targets, never a second empty person beside the imported one."""
    from db.importers import import_file
    from reports.formatting import money
    from tests.money_data import converted_total, priced, won_in, write_files

    slack.fake.add_user("UMANAGER", "Maria Lopez")
    slack.fake.add_user("UALICE", "alice", real_name="Alice Chen")
    slack.fake.add_user("UBOB", "bob", real_name="Bob Stone")
    deals_path, rates_path = write_files(tmp_path)
    for kind, path in (("deals", deals_path), ("rates", rates_path)):
        result = import_file(slack.deps.engine, kind, path.read_bytes(), filename=path.name, team_id=slack.team_id)
        assert result.status == "done", (kind, result.problems)
        assert kind == "rates" or "Alice Chen" in result.owners_unlinked  # nobody to link them to yet
    frame = won_in(priced(deals_path, rates_path), "2026-07-01", "2026-10-01")
    alice = frame[frame["sales_agent"] == "Alice Chen"]

    slack.command("/kpi", "revenue Q3 2026", user="UALICE")  # her first words to the bot
    assert money(converted_total(alice), "USD", "en") in slack.last_response_text()

    slack.command("/target", "set revenue 20000 Q3 2026 <@UBOB>", user="UMANAGER")
    slack.command("/kpi", "revenue by rep Q3 2026", user="UMANAGER")
    rows = {line.split("   ")[0].split(". ", 1)[-1]: line for line in slack.last_response_text().splitlines()
            if "   *" in line}
    assert "of target" in rows["Bob Stone"] and list(rows).count("Bob Stone") == 1
    with Session(slack.deps.engine) as session:
        named = [m.display_name for m in session.exec(select(Member)) if m.display_name in ("Alice Chen", "Bob Stone")]
    assert sorted(named) == ["Alice Chen", "Bob Stone"]  # one row each: the owner and the person are one


def test_without_salesbot_managers_the_workspaces_slack_admins_are_its_managers(
    fake_slack: LocalSlack, db_url: str, tmp_path
) -> None:
    """A team that left SALESBOT_MANAGERS empty is not locked out: Slack's admins and owners become managers
    when salesbot reads the directory — until the workspace has one; reps stay reps."""
    with SlackDriver(fake_slack, db_url, files_dir=tmp_path / "files", salesbot_managers="") as slack:
        slack.fake.add_user("UOWNER", "owner", real_name="Olivia Owner")["is_owner"] = True
        slack.fake.add_user("UREP", "rep", real_name="Ray Rep")
        slack.command("/salesbot", "help", user="UREP")
        slack.tick(clock.now())  # serving: the directory is read
        assert members(slack.deps.engine)["UOWNER"].role == "manager"
        assert members(slack.deps.engine)["UREP"].role == "rep"
        slack.command("/target", "set revenue 90000 this quarter", user="UOWNER")
        assert "Target set" in slack.last_response_text()
        slack.command("/target", "set revenue 1 this quarter", user="UREP")
        assert "Only managers" in slack.last_response_text()
        # The workspace has a manager now: an admin who joins later is a rep until a manager says otherwise.
        joined = slack.fake.add_user("UADMIN2", "admin2", real_name="Ada Admin")
        joined["is_admin"] = True
        slack.event({"type": "team_join", "user": joined})
        assert members(slack.deps.engine)["UADMIN2"].role == "rep"
