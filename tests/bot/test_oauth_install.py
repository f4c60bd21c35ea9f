"""Many workspaces: two workspaces install through the real "Add to Slack" flow (GET /slack/install, Slack's
redirect to GET /slack/oauth_redirect with the code and the state), each is answered with its own data only and
with its own bot token, the scheduler sends each workspace's digest with that workspace's token, and an uninstall
deletes what belongs to the workspace (both databases)."""

import html
import io
import logging
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
import requests
from cryptography.fernet import Fernet
from sqlalchemy import func, insert, select
from sqlmodel import Session, SQLModel

from bot.app import create_app
from bot.local_slack import LocalSlack
from bot.middleware import RedactTokens
from bot.settings import Settings
from bot.signing import signed_headers, slash_command_body
from db import clock
from db.crm.secrets import unseal
from db.models import Deal, DigestSubscription, Member, SlackInstallation, Workspace
from db.workspaces import LOCAL_TEAM
from tests.handlers import test_access_matrix as access
from tests.processes import clock_env
from tests.slack_driver import SlackDriver, ack_text, message_text

CLIENT_ID, CLIENT_SECRET = "1234.5678", "app-client-secret-0123"
ACME = ("TACME0001", "Acme Sales", "xoxb-acme-token-111", "UBOTACME", "acme-code")
BETA = ("TBETA0002", "Beta Sales", "xoxb-beta-token-222", "UBOTBETA", "beta-code")
FIGURES = {ACME[0]: ("UACMEMGR", "Ada Acme", 11_111_100, "111,111"), BETA[0]: ("UBETAMGR", "Bo Beta", 22_222_200,
                                                                             "222,222")}
MONDAY_NINE = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)  # the subscriptions below: Monday 09:00 (UTC workspaces)


@pytest.fixture
def multi(fake_slack: LocalSlack, db_url: str, tmp_path: Path,
          monkeypatch: pytest.MonkeyPatch) -> Iterator[SlackDriver]:
    """salesbot serve in many-workspaces mode: client id and secret, no bot token."""
    monkeypatch.delenv("SALESBOT_SECRET_KEY", raising=False)
    with SlackDriver(fake_slack, db_url, files_dir=tmp_path / "files", slack_bot_token=None,
                     slack_client_id=CLIENT_ID, slack_client_secret=CLIENT_SECRET,
                     salesbot_secret_key=Fernet.generate_key().decode(), salesbot_managers="",
                     salesbot_public_url="https://salesbot.example.com") as driver:
        yield driver


def _start(slack: SlackDriver) -> tuple[str, str]:
    """GET /slack/install as a browser: the page's Add to Slack link and the state cookie (state, cookie header)."""
    page = slack.http.get(slack.url + "/slack/install", timeout=10)
    assert page.status_code == 200 and "Add to Slack" in page.text and "添加到 Slack" in page.text
    assert page.headers["Cache-Control"] == "no-store"
    link = urlparse(html.unescape(re.search(r'<a href="([^"]+)"', page.text).group(1)))  # type: ignore[union-attr]
    query = {k: v[0] for k, v in parse_qs(link.query).items()}
    assert link.netloc == "slack.com" and query["client_id"] == CLIENT_ID
    assert "chat:write" in query["scope"].split(",") and "commands" in query["scope"].split(",")
    assert query["redirect_uri"] == "https://salesbot.example.com/slack/oauth_redirect"
    cookie = page.headers["Set-Cookie"].split(";")[0]
    assert cookie == f"slack-app-oauth-state={query['state']}"  # the state is tied to this browser
    return query["state"], cookie


def _redirect(slack: SlackDriver, code: str, state: str, cookie: str | None) -> requests.Response:
    """Slack sends the installer's browser back (the cookie is Secure: set by hand, as a browser over HTTPS would)."""
    return requests.get(slack.url + "/slack/oauth_redirect", params={"code": code, "state": state},
                        headers={"Cookie": cookie} if cookie else {}, timeout=10, allow_redirects=False)


def _install(slack: SlackDriver, workspace: tuple[str, str, str, str, str]) -> requests.Response:
    team_id, name, token, bot_user, code = workspace
    installer = FIGURES.get(team_id, ("UINSTALLER",))[0]
    slack.fake.add_install(code, team_id=team_id, team_name=name, bot_token=token, bot_user_id=bot_user,
                           bot_id="B" + team_id[1:], installer=installer, client_id=CLIENT_ID,
                           client_secret=CLIENT_SECRET)
    state, cookie = _start(slack)
    return _redirect(slack, code, state, cookie)


def _seed(slack: SlackDriver) -> None:
    """A manager with one won deal of a distinctive amount in each workspace."""
    for team_id, (manager, name, cents, _shown) in FIGURES.items():
        slack.fake.add_user(manager, name)
        with Session(slack.deps.engine) as session:
            member = session.exec(select(Member).where(  # the installer is already there: installing made them
                Member.team_id == team_id, Member.slack_user_id == manager)).scalars().first() \
                or Member(team_id=team_id, slack_user_id=manager, display_name=name, role="manager")
            member.display_name = name
            session.add(member)
            session.commit()
            member_id = member.id
        with slack.deps.engine.begin() as conn:
            conn.execute(insert(Deal.__table__), [{  # type: ignore[attr-defined]
                "team_id": team_id, "source": "t", "external_id": f"D-{team_id}", "owner_id": member_id,
                "status": "won", "amount_cents": cents, "created_date": date(2026, 10, 1),
                "close_date": date(2026, 11, 24), "product": "GTX", "account": f"{name} Account", "name": "",
                "stage": "won", "currency": "USD", "row_hash": ""}])


def _tokens_since(slack: SlackDriver, since: int) -> set[str]:
    """The bot tokens of every Web API call since call number `since` (response_url and uploads carry none)."""
    return {c.token for c in slack.fake.calls[since:] if c.method not in ("response_url", "upload")}


def _rows(slack: SlackDriver, team_id: str) -> dict[str, int]:
    counts = {}
    with slack.deps.engine.connect() as conn:
        for table in SQLModel.metadata.sorted_tables:
            if "team_id" in table.c:
                n = conn.execute(select(func.count()).select_from(table).where(table.c.team_id == team_id)).scalar()
                if n:
                    counts[table.name] = int(n)
    return counts


def test_two_workspaces_install_through_the_redirect_and_their_tokens_are_stored_encrypted(
        multi: SlackDriver) -> None:
    for workspace in (ACME, BETA):
        done = _install(multi, workspace)
        assert done.status_code == 200, done.text
        assert f"salesbot is installed in {workspace[1]}." in done.text and "/salesbot help" in done.text
        assert "slack://app?team=" + workspace[0] in done.text  # the page opens the app in that workspace
    exchanges = multi.fake.calls_to("oauth.v2.access")
    assert [c.args["code"] for c in exchanges] == ["acme-code", "beta-code"]
    assert all(c.args["client_id"] == CLIENT_ID for c in exchanges)
    with Session(multi.deps.engine) as session:
        rows = {r.team_id: r for r in session.exec(select(SlackInstallation)).scalars()}
        workspaces = {w.team_id: w.name for w in session.exec(select(Workspace)).scalars()}
    assert set(rows) == {ACME[0], BETA[0]}
    assert workspaces == {ACME[0]: "Acme Sales", BETA[0]: "Beta Sales"}  # installing made each workspace
    for team_id, _name, token, bot_user, _code in (ACME, BETA):
        row = rows[team_id]
        assert token not in row.secret and "xoxb-" not in row.secret  # sealed, never plain
        assert unseal(row.secret)["bot_token"] == token
        assert row.bot_user_id == bot_user and row.installer_user_id == FIGURES[team_id][0]


def test_whoever_installs_a_workspace_without_a_manager_is_its_first_manager(multi: SlackDriver) -> None:
    """Day one of a second workspace: the person who clicked Add to Slack (not a Slack admin, no
    SALESBOT_MANAGERS) is told to drop the CRM export in the bot's DM, so they must be able to: they are the
    workspace's first manager. Someone else stays a rep, and a re-install by another person changes nothing."""
    for user, name in (("UBETAMGR", "Bo Beta"), ("UBETAREP", "Rey Rep")):
        multi.fake.add_user(user, name)
    assert _install(multi, BETA).status_code == 200
    multi.command("/digest", "preview", user="UBETAMGR", team=BETA[0])
    answer = multi.last_response_text()
    assert "Only managers" not in answer and "There is no sales data in this workspace yet" in answer
    refused = multi.command("/digest", "preview", user="UBETAREP", team=BETA[0])
    assert "Only managers" in ack_text(refused)
    multi.fake.add_install("beta-again", team_id=BETA[0], team_name=BETA[1], bot_token=BETA[2],
                           installer="UBETAREP", client_id=CLIENT_ID, client_secret=CLIENT_SECRET)
    state, cookie = _start(multi)
    assert _redirect(multi, "beta-again", state, cookie).status_code == 200
    with Session(multi.deps.engine) as session:
        roles = {m.slack_user_id: m.role for m in session.exec(select(Member).where(Member.team_id == BETA[0]))
                 .scalars()}
    assert roles == {"UBETAMGR": "manager", "UBETAREP": "rep"}


def test_a_bad_replayed_foreign_or_expired_state_installs_nothing(multi: SlackDriver) -> None:
    multi.fake.add_install(ACME[4], team_id=ACME[0], team_name=ACME[1], bot_token=ACME[2], client_id=CLIENT_ID,
                           client_secret=CLIENT_SECRET)
    state, cookie = _start(multi)
    forged = _redirect(multi, ACME[4], "forged-state", "slack-app-oauth-state=forged-state")
    assert forged.status_code == 401
    assert "Nothing was installed. Start again from the install page." in forged.text
    assert "没有安装任何内容" in forged.text and 'href="/slack/install"' in forged.text
    other_browser = _redirect(multi, ACME[4], state, None)  # the link without the browser that asked for it
    assert other_browser.status_code == 400
    assert multi.fake.calls_to("oauth.v2.access") == []  # no code was exchanged for a refused state

    assert _redirect(multi, ACME[4], state, cookie).status_code == 200
    replayed = _redirect(multi, ACME[4], state, cookie)
    assert replayed.status_code == 401  # a state works once
    assert len(multi.fake.calls_to("oauth.v2.access")) == 1

    late_state, late_cookie = _start(multi)
    with clock.moved_to(clock.now() + timedelta(minutes=11)):  # states live 10 minutes
        assert _redirect(multi, "beta-code", late_state, late_cookie).status_code == 401
    with Session(multi.deps.engine) as session:
        assert [r.team_id for r in session.exec(select(SlackInstallation)).scalars()] == [ACME[0]]


def test_each_workspace_sees_only_its_own_data_answered_with_its_own_token(multi: SlackDriver) -> None:
    for workspace in (ACME, BETA):
        assert _install(multi, workspace).status_code == 200
    _seed(multi)
    for team_id, (manager, _name, _cents, shown) in FIGURES.items():
        other = next(f[3] for t, f in FIGURES.items() if t != team_id)
        token = ACME[2] if team_id == ACME[0] else BETA[2]
        since, answered = len(multi.fake.calls), len(multi.responses())
        multi.command("/kpi", "revenue by account this month export", user=manager, team=team_id)
        answer = "\n".join(message_text(r) for r in multi.responses()[answered:])
        assert shown in answer and other not in answer
        uploads = [c for c in multi.fake.calls[since:] if c.method == "files.completeUploadExternal"]
        assert uploads, "the export reached the asker's DM"
        assert _tokens_since(multi, since) == {token}  # every Web API call of the request: its workspace's token


def test_a_workspace_that_is_not_installed_is_told_and_nothing_is_done(multi: SlackDriver) -> None:
    assert _install(multi, ACME).status_code == 200
    response = multi.command("/kpi", "revenue this month", user="USTRANGER", team="TNOTINSTALLED")
    assert "not installed in this workspace" in ack_text(response) + "".join(message_text(r)
                                                                              for r in multi.responses())
    with multi.deps.engine.connect() as conn:
        assert conn.execute(select(Workspace.team_id).where(Workspace.team_id == "TNOTINSTALLED")).first() is None


def _subscribe_digests(multi: SlackDriver) -> None:
    for team_id, (manager, *_rest) in FIGURES.items():
        multi.command("/digest", "subscribe <#C0SALES|sales> weekly on monday at 09:00", user=manager, team=team_id)
        assert "Subscribed <#C0SALES>" in multi.last_response_text()
    with Session(multi.deps.engine) as session:  # made 'now' in real time: backdated before the test's dates
        for sub in session.exec(select(DigestSubscription)).scalars():
            sub.created_at = datetime(2026, 10, 1, tzinfo=UTC)
            session.add(sub)
        session.commit()


def test_each_workspaces_scheduled_digest_goes_out_with_its_own_token(multi: SlackDriver) -> None:
    for workspace in (ACME, BETA):
        assert _install(multi, workspace).status_code == 200
    _seed(multi)
    _subscribe_digests(multi)
    since = len(multi.fake.calls)
    assert multi.tick(MONDAY_NINE).sent == 2
    posts = [c for c in multi.fake.calls[since:] if c.method == "files.completeUploadExternal"]
    by_token = {c.token: c.args.get("initial_comment", "") for c in posts}
    assert set(by_token) == {ACME[2], BETA[2]}
    assert "111,111" in by_token[ACME[2]] and "222,222" not in by_token[ACME[2]]
    assert "222,222" in by_token[BETA[2]] and "111,111" not in by_token[BETA[2]]
    directory = {c.token for c in multi.fake.calls[since:] if c.method == "users.list"}
    assert directory == {ACME[2], BETA[2]}  # each workspace's people read with its own token
    assert "" not in _tokens_since(multi, since)  # nothing went out without a workspace's token


def test_uninstall_deletes_the_workspace_and_revoking_the_token_deletes_the_installation(
        multi: SlackDriver) -> None:
    for workspace in (ACME, BETA):
        assert _install(multi, workspace).status_code == 200
    _seed(multi)
    _subscribe_digests(multi)
    beta_before = _rows(multi, BETA[0])
    assert {"deal", "member", "digestsubscription", "slackinstallation", "workspace"} <= set(_rows(multi, ACME[0]))

    response = multi.event({"type": "app_uninstalled"}, team=ACME[0], event_id="EvUNINSTALL1")
    assert response.status_code == 200
    assert _rows(multi, ACME[0]) == {}  # every row of every table, the workspace and its token with them
    assert multi.event({"type": "app_uninstalled"}, team=ACME[0], event_id="EvUNINSTALL2").status_code == 200
    assert _rows(multi, ACME[0]) == {}
    assert _rows(multi, BETA[0]) == beta_before  # the other workspace is untouched

    since = len(multi.fake.calls)
    assert multi.tick(MONDAY_NINE).sent == 1  # Beta's digest only
    assert _tokens_since(multi, since) == {BETA[2]}

    multi.event({"type": "tokens_revoked", "tokens": {"oauth": [], "bot": [BETA[3]]}}, team=BETA[0])
    after = _rows(multi, BETA[0])
    assert "slackinstallation" not in after and after.get("deal") == 1  # the token goes, the data stays
    since = len(multi.fake.calls)
    assert multi.tick(datetime(2026, 12, 7, 9, 0, tzinfo=UTC)).sent == 0  # nothing is sent without a token
    assert multi.fake.calls[since:] == []
    refused = multi.command("/kpi", "revenue this month", user=FIGURES[BETA[0]][0], team=BETA[0])
    assert "not installed in this workspace" in ack_text(refused) + "".join(
        message_text(r) for r in multi.responses())


def test_a_re_install_replaces_the_token(multi: SlackDriver) -> None:
    assert _install(multi, ACME).status_code == 200
    renewed = (ACME[0], ACME[1], "xoxb-acme-token-new", ACME[3], "acme-code-2")
    assert _install(multi, renewed).status_code == 200
    with Session(multi.deps.engine) as session:
        rows = list(session.exec(select(SlackInstallation)).scalars())
    assert len(rows) == 1 and unseal(rows[0].secret)["bot_token"] == "xoxb-acme-token-new"


def test_no_token_or_client_secret_reaches_the_log_even_at_debug(multi: SlackDriver) -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactTokens())  # what `salesbot` puts on its log handler (bot/logs.py)
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        assert _install(multi, ACME).status_code == 200
        _seed(multi)
        multi.command("/kpi", "revenue this month", user=FIGURES[ACME[0]][0], team=ACME[0])
        multi.tick(MONDAY_NINE)
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
    logged = stream.getvalue()
    assert "oauth.v2.access" in logged  # the exchange was logged at DEBUG ...
    for secret in (ACME[2], CLIENT_SECRET, multi.settings.salesbot_secret_key.get_secret_value()):  # type: ignore[union-attr]
        assert secret not in logged  # ... without the bot token, the app's client secret or the key


def test_the_mode_follows_the_variables_and_needs_the_key(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SALESBOT_SECRET_KEY", raising=False)
    base = {"_env_file": None, "database_url": sqlite_url, "slack_signing_secret": "s" * 32,
            "slack_client_id": CLIENT_ID, "slack_client_secret": CLIENT_SECRET}
    assert Settings(**base).oauth_mode and Settings(**base, slack_bot_token="").oauth_mode  # type: ignore[arg-type]
    single = Settings(**base, slack_bot_token="xoxb-one")  # type: ignore[arg-type]
    assert not single.oauth_mode and single.has_slack_tokens  # a bot token: one workspace, as before
    assert not Settings(**{**base, "slack_signing_secret": None}).oauth_mode  # type: ignore[arg-type]
    with pytest.raises(RuntimeError, match="SALESBOT_SECRET_KEY"):
        create_app(Settings(**base))  # type: ignore[arg-type]


def test_the_first_workspace_to_install_adopts_the_data_imported_before(multi: SlackDriver) -> None:
    with Session(multi.deps.engine) as session:
        session.add(Workspace(team_id=LOCAL_TEAM))
        session.add(Member(team_id=LOCAL_TEAM, display_name="Early Rep"))
        session.commit()
    assert _install(multi, ACME).status_code == 200
    assert _install(multi, BETA).status_code == 200
    assert _rows(multi, LOCAL_TEAM) == {}
    # the early rep moved to Acme, beside Acme's installer; Beta has only its own installer (its first manager)
    assert _rows(multi, ACME[0]).get("member") == 2 and _rows(multi, BETA[0]).get("member") == 1


def test_an_installer_who_cancels_in_slack_is_told_nothing_was_installed(multi: SlackDriver) -> None:
    cancelled = requests.get(multi.url + "/slack/oauth_redirect", params={"error": "access_denied", "state": "x"},
                             timeout=10)
    assert cancelled.status_code == 200 and "The installation was cancelled in Slack." in cancelled.text
    assert multi.fake.calls_to("oauth.v2.access") == []


def test_one_workspace_mode_ignores_the_oauth_variables_of_the_environment(
        fake_slack: LocalSlack, db_url: str, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """With SLACK_BOT_TOKEN set the one-workspace mode wins, even when SLACK_CLIENT_ID and SLACK_CLIENT_SECRET are in
    the process environment (Bolt would otherwise turn on its own file-based install flow)."""
    monkeypatch.setenv("SLACK_CLIENT_ID", CLIENT_ID)
    monkeypatch.setenv("SLACK_CLIENT_SECRET", CLIENT_SECRET)
    with SlackDriver(fake_slack, db_url, files_dir=tmp_path / "one") as single:
        assert single.app.oauth_flow is None and single.app.salesbot_installed is None
        assert single.http.get(single.url + "/slack/install", timeout=10).status_code == 404
        answer = single.command("/salesbot", "help", user="UMANAGER")
        assert "/kpi" in ack_text(answer) + "".join(message_text(r) for r in single.responses())
    assert os.environ["SLACK_CLIENT_ID"] == CLIENT_ID  # put back after the app was built


def _serve(env: dict[str, str], cwd: Path) -> tuple[subprocess.Popen[str], str, list[str]]:
    """`salesbot serve` in a child process: the process, its base URL and the lines it printed up to its start line."""
    proc = subprocess.Popen([sys.executable, "-m", "bot.cli", "serve", "--host", "127.0.0.1", "--port", "0",
                             "--no-scheduler"], env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True)
    lines: list[str] = []
    deadline = time.time() + 60
    while time.time() < deadline:
        line = proc.stdout.readline()  # type: ignore[union-attr]
        lines.append(line)
        found = re.search(r"listening on (http://127\.0\.0\.1:\d+)/slack/events", line)
        if found:
            return proc, found.group(1), lines
        if not line and proc.poll() is not None:
            break
    proc.kill()
    raise AssertionError("".join(lines))


def test_salesbot_serve_and_tick_run_many_workspaces(fake_slack: LocalSlack, sqlite_url: str, tmp_path: Path) -> None:
    """The real command line: `salesbot serve` with client id and secret installs a workspace through its pages and
    answers it; `salesbot tick --team` sends for that workspace with its own token; no key, no start."""
    key = Fernet.generate_key().decode()
    env = {"PATH": os.environ["PATH"], "DATABASE_URL": sqlite_url, "SLACK_SIGNING_SECRET": "serve-secret",
           "SLACK_CLIENT_ID": CLIENT_ID, "SLACK_CLIENT_SECRET": CLIENT_SECRET, "SLACK_API_URL": fake_slack.api_url,
           "SALESBOT_PUBLIC_URL": "https://salesbot.example.com", **clock_env()}
    refused = subprocess.run([sys.executable, "-m", "bot.cli", "serve", "--port", "0"], env=env, cwd=tmp_path,
                             capture_output=True, text=True, timeout=60)
    assert refused.returncode != 0 and "SALESBOT_SECRET_KEY" in refused.stderr
    fake_slack.add_install("serve-code", team_id=ACME[0], team_name=ACME[1], bot_token=ACME[2],
                           bot_user_id=ACME[3], client_id=CLIENT_ID, client_secret=CLIENT_SECRET)
    env["SALESBOT_SECRET_KEY"] = key
    proc, base, lines = _serve(env, tmp_path)
    try:
        assert "many workspaces (Add to Slack at /slack/install)" in lines[-1]
        page = requests.get(base + "/slack/install", timeout=10)
        state = parse_qs(urlparse(html.unescape(re.search(r'<a href="([^"]+)"', page.text).group(1))).query)  # type: ignore[union-attr]
        done = requests.get(base + "/slack/oauth_redirect", timeout=10,
                            params={"code": "serve-code", "state": state["state"][0]},
                            headers={"Cookie": page.headers["Set-Cookie"].split(";")[0]})
        assert done.status_code == 200 and "salesbot is installed in Acme Sales." in done.text
        body = slash_command_body(command="/salesbot", text="help", user_id="UADMIN", team_id=ACME[0],
                                  response_url=fake_slack.new_response_url())
        answer = requests.post(base + "/slack/events", data=body.encode(), timeout=10, headers=signed_headers(
            "serve-secret", body, content_type="application/x-www-form-urlencoded"))
        assert answer.status_code == 200 and "/kpi" in message_text(answer.json())
        # answered after the ack in an answer process (one per core by default), with the workspace's own token
        body = slash_command_body(command="/kpi", text="revenue this month", user_id="UADMIN", team_id=ACME[0],
                                  response_url=fake_slack.new_response_url(), trigger_id="trigger.serve.kpi")
        assert requests.post(base + "/slack/events", data=body.encode(), timeout=10, headers=signed_headers(
            "serve-secret", body, content_type="application/x-www-form-urlencoded")).status_code == 200
        answered = message_text(fake_slack.wait_for("response_url", 1, timeout=60)[0].args)
        assert "There is no sales data in this workspace yet" in answered  # a new workspace: the first steps
    finally:
        proc.terminate()
        output = proc.communicate(timeout=10)[0]
    assert ACME[2] not in output and CLIENT_SECRET not in output
    since = len(fake_slack.calls)
    tick = subprocess.run([sys.executable, "-m", "bot.cli", "tick", "--team", ACME[0]], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert tick.returncode == 0 and f"for workspace {ACME[0]}: sent 0" in tick.stdout, tick.stderr
    listed = [c for c in fake_slack.calls[since:] if c.method == "users.list"]
    assert listed and {c.token for c in listed} == {ACME[2]}  # its directory, read with its own token


def test_an_install_started_on_one_instance_finishes_on_another(multi: SlackDriver, fake_slack: LocalSlack,
                                                                 tmp_path: Path) -> None:
    """Behind a load balancer the redirect may reach another instance: the state is in the shared database."""
    with SlackDriver(fake_slack, multi.settings.database_url, files_dir=tmp_path / "second",
                     **{name: getattr(multi.settings, name) for name in (
                         "slack_bot_token", "slack_client_id", "slack_client_secret", "salesbot_secret_key",
                         "salesbot_managers", "salesbot_public_url")}) as second:
        multi.fake.add_install(ACME[4], team_id=ACME[0], team_name=ACME[1], bot_token=ACME[2], client_id=CLIENT_ID,
                               client_secret=CLIENT_SECRET)
        state, cookie = _start(multi)
        assert _redirect(second, ACME[4], state, cookie).status_code == 200
        assert _redirect(multi, ACME[4], state, cookie).status_code == 401  # and it was used up for both
        second.command("/kpi", "revenue this month", user="UADA", team=ACME[0])
        assert second.responses(), "the second instance answers the workspace the first one never saw installed"


@pytest.mark.parametrize("who", access.PEOPLE, ids=list(access.PEOPLE))
def test_the_access_matrix_holds_with_many_workspaces(multi: SlackDriver, who: str) -> None:
    """tests/handlers/test_access_matrix.py again, with both of its workspaces installed through the flow: nobody
    sees what they may not, and every Web API call of a request carries its own workspace's token."""
    access._seed(multi)
    tokens = {multi.team_id: "xoxb-matrix-home", access.OTHER_TEAM: "xoxb-matrix-other"}
    for n, (team_id, token) in enumerate(tokens.items()):
        assert _install(multi, (team_id, f"Team {n}", token, "UBOT", f"matrix-code-{n}")).status_code == 200
    user, team, forbidden = access.PEOPLE[who]
    for command, text in access.COMMANDS:
        since = len(multi.fake.calls)
        response = access._ask(multi, command, text, user, team)
        assert response.status_code == 200, (command, text, response.status_code)
        seen = ack_text(response) + "\n" + access._everything_sent(multi, since)
        assert seen.strip(), (command, text, "no answer at all")
        assert not [figure for figure in forbidden if figure in seen], (who, command, text)
        assert _tokens_since(multi, since) <= {tokens[team or multi.team_id]}, (command, text)
    if who != "other_workspace":  # the export went to the asker's DM: a Web API call, with the home token
        assert any(c.token == tokens[multi.team_id] for c in multi.fake.calls_to("files.completeUploadExternal"))


def test_one_workspace_mode_uninstall_deletes_that_workspaces_data_too(slack: SlackDriver) -> None:
    access._seed(slack)  # the token's workspace and another one in the same database
    other_before = _rows(slack, access.OTHER_TEAM)
    slack.event({"type": "tokens_revoked", "tokens": {"oauth": [], "bot": ["UBOT"]}})
    assert _rows(slack, slack.team_id).get("deal") == 2  # nothing is stored for a revoked env token: data kept
    slack.event({"type": "app_uninstalled"})
    assert _rows(slack, slack.team_id) == {}
    assert _rows(slack, access.OTHER_TEAM) == other_before


def test_the_installer_is_the_first_manager_even_when_the_console_user_was_one_before(multi: SlackDriver) -> None:
    """Day one: someone imported the CRM export and tried the console (its user ULOCAL, the local workspace's owner,
    became its manager), then installed salesbot with Add to Slack. The install adopts the local data, the console's
    user with it; ULOCAL is nobody in Slack, so it must not count as the workspace's manager: the installer is."""
    with Session(multi.deps.engine) as session:
        session.add(Workspace(team_id=LOCAL_TEAM))
        session.add(Member(team_id=LOCAL_TEAM, slack_user_id="ULOCAL", display_name="Local User", role="manager"))
        session.add(Member(team_id=LOCAL_TEAM, display_name="Early Rep", crm_name="Early Rep"))
        session.commit()
    multi.fake.add_user("UACMEMGR", "Ada Acme")
    assert _install(multi, ACME).status_code == 200
    with Session(multi.deps.engine) as session:
        roles = {m.slack_user_id or m.display_name: m.role
                 for m in session.exec(select(Member).where(Member.team_id == ACME[0])).scalars()}
    assert roles["UACMEMGR"] == "manager" and roles["Early Rep"] == "rep"
    multi.command("/digest", "preview", user="UACMEMGR", team=ACME[0])
    assert "Only managers" not in multi.last_response_text()
