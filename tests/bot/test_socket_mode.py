"""Socket Mode against a fake Slack on loopback: every envelope acked within 3 s across Slack's routine refresh,
server closes, TCP resets and silent stalls; reconnection within seconds; what the operator's log says."""

import logging
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.app import create_app, make_deps
from bot.local_slack import LocalSlack
from bot.settings import Settings
from bot.socket_mode import SocketModeService
from tests.processes import under_faketime
from tests.slack_driver import SECRET, message_text
from tests.socket_slack import SocketSlack

pytestmark = pytest.mark.skipif(under_faketime(), reason="NOTICE: Socket Mode keepalive and reconnect timing cannot "
                                "run under libfaketime (timed waits never expire); `make test` runs them")

APP_TOKEN = "xapp-1-A0SALESBOT-0000-secretapptoken"


class SocketApp:
    """The real app in Socket Mode, connected to the fake Slack."""

    def __init__(self, fake: LocalSlack, db_url: str, tmp_path: Path, **service: float) -> None:
        self.fake = fake
        self.settings = Settings(_env_file=None, slack_bot_token="xoxb-test-token", slack_signing_secret=SECRET,
                                 slack_app_token=APP_TOKEN, slack_api_url=fake.api_url, database_url=db_url,
                                 salesbot_managers="UMANAGER", salesbot_files_dir=str(tmp_path / "files"))
        self.deps = make_deps(self.settings)
        self.app = create_app(self.settings, deps=self.deps)
        self.metrics = self.app.salesbot_metrics
        self.service = SocketModeService(self.app, APP_TOKEN, metrics=self.metrics, **service)

    def wait_idle(self) -> None:
        assert self.app.listener_runner.listener_executor.wait_idle(30)

    def close(self) -> None:
        self.service.stop()
        self.app.listener_runner.listener_executor.shutdown(wait=False, cancel_futures=True)
        self.deps.engine.dispose()


@pytest.fixture
def socket_slack(fake_slack: LocalSlack) -> Iterator[SocketSlack]:
    with SocketSlack(fake_slack) as server:
        yield server


def start_app(fake: LocalSlack, server: SocketSlack, db_url: str, tmp_path: Path, **service: float) -> SocketApp:
    app = SocketApp(fake, db_url, tmp_path, **service)
    app.service.start()
    server.wait_links(1)
    return app


@pytest.fixture
def socket_app(fake_slack: LocalSlack, socket_slack: SocketSlack, sqlite_url: str, tmp_path: Path
               ) -> Iterator[SocketApp]:
    fake_slack.add_user("UMANAGER", "mia")
    app = start_app(fake_slack, socket_slack, sqlite_url, tmp_path, ping_interval=1.0, ping_timeout=1.0)
    yield app
    app.close()


def test_commands_and_events_are_acked_and_answered(fake_slack: LocalSlack, socket_slack: SocketSlack, db_url: str,
                                                    tmp_path: Path) -> None:
    """On SQLite and PostgreSQL: help answered in the ack, /kpi answered after it, a DM and file_shared acked."""
    fake_slack.add_user("UMANAGER", "mia")
    app = start_app(fake_slack, socket_slack, db_url, tmp_path)
    try:
        help_ack = socket_slack.wait_ack(socket_slack.command("/salesbot", "help"))
        kpi_ack = socket_slack.wait_ack(socket_slack.command("/kpi", "revenue last month"))
        dm_ack = socket_slack.wait_ack(socket_slack.dm("help"))
        file_ack = socket_slack.wait_ack(socket_slack.event({"type": "file_shared", "file_id": "F1",
                                                             "user_id": "UMANAGER", "channel_id": "DMANAGER"}))
        app.wait_idle()
    finally:
        app.close()
    assert help_ack.payload and "/kpi" in message_text(help_ack.payload)
    assert all(ack.latency < 3.0 for ack in (help_ack, kpi_ack, dm_ack, file_ack))
    answers = [message_text(c.args) for c in fake_slack.calls_to("response_url")]
    assert any("no sales data in this workspace yet" in a for a in answers), answers
    assert fake_slack.calls_to("chat.postMessage"), "the DM got no answer"


def test_every_envelope_acked_within_3s_across_refreshes(socket_app: SocketApp, socket_slack: SocketSlack) -> None:
    """Slack's routine refresh: envelopes on the old connection, right after disconnect, and on the new one."""
    acks = []
    for round_ in range(3):
        old = socket_slack.open_links()[-1]
        before = socket_slack.command("/salesbot", "help", link=old)
        socket_slack.refresh(link=old, close_after=1.5)
        new = socket_slack.wait_links(round_ + 2, timeout=5)
        after = [socket_slack.command("/salesbot", "help", link=new) for _ in range(3)]
        late_on_old = socket_slack.command("/salesbot", "help", link=old)
        acks += [socket_slack.wait_ack(e) for e in (before, late_on_old, *after)]
        time.sleep(1.6)  # the old connection is closed by Slack
    assert len(acks) == 15
    assert max(a.latency for a in acks) < 3.0, sorted(a.latency for a in acks)[-3:]
    assert all(a.payload and "/kpi" in message_text(a.payload) for a in acks), "an answer carried in an ack was lost"
    assert socket_app.service.connected
    assert socket_app.metrics.socket_reconnects.labels(reason="refresh_requested")._value.get() == 3


@pytest.mark.parametrize("fault", ["close", "reset", "stall"])
def test_reconnects_within_seconds(fake_slack: LocalSlack, socket_slack: SocketSlack, sqlite_url: str,
                                   tmp_path: Path, fault: str, caplog: pytest.LogCaptureFixture) -> None:
    """A close or a reset is seen at once (keepalive 30 s here, so it cannot be what notices); a silent stall
    when a ping (every 1 s here) gets no pong within 1 s."""
    caplog.set_level(logging.INFO)
    fake_slack.add_user("UMANAGER", "mia")
    keepalive = 1.0 if fault == "stall" else 30.0
    socket_app = start_app(fake_slack, socket_slack, sqlite_url, tmp_path, ping_interval=keepalive,
                           ping_timeout=keepalive)
    try:
        _fault_and_reconnect(socket_app, socket_slack, fault, caplog)
    finally:
        socket_app.close()


def _fault_and_reconnect(socket_app: SocketApp, socket_slack: SocketSlack, fault: str,
                         caplog: pytest.LogCaptureFixture) -> None:
    first = socket_slack.open_links()[-1]
    started = time.monotonic()
    getattr(socket_slack, fault)(first)
    socket_slack.wait_links(2, timeout=10)
    took = time.monotonic() - started
    assert took < (5.0 if fault == "stall" else 2.0), f"reconnected {took:.2f} s after a {fault}"
    ack = socket_slack.wait_ack(socket_slack.command("/salesbot", "help"))
    assert ack.latency < 3.0 and ack.connection == 2
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], [r.getMessage() for r in caplog.records]
    lines = [r.getMessage() for r in caplog.records if r.name == "salesbot.socket"]
    assert any(line.startswith("reconnected to Slack in") for line in lines), lines
    reason = {"close": "server_close", "reset": "network", "stall": "no_pong"}[fault]
    assert socket_app.metrics.socket_reconnects.labels(reason=reason)._value.get() == 1


def test_envelope_nothing_handles_is_acked_quietly(socket_app: SocketApp, socket_slack: SocketSlack,
                                                   caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    ack = socket_slack.wait_ack(socket_slack.event({"type": "reaction_added", "user": "UMANAGER",
                                                    "reaction": "tada", "item": {"type": "message"}}))
    socket_app.wait_idle()
    assert ack.latency < 3.0 and ack.payload is None
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert not warnings, warnings
    assert not any("[Suggestion]" in r.getMessage() for r in caplog.records)
    assert any("no listener for event reaction_added" in r.getMessage() for r in caplog.records
               if r.levelno == logging.DEBUG)


def _sample_events(user: str) -> dict[str, dict[str, object]]:
    """One event of each kind the manifest can subscribe to, as Slack sends it (keyed by the manifest's name)."""
    profile = {"id": user, "team_id": "T0001", "name": "mia", "real_name": "Mia", "tz": "UTC",
               "profile": {"real_name": "Mia", "display_name": "mia"}}
    now = f"{time.time():.6f}"
    return {
        "message.im": {"type": "message", "channel": "D" + user.lstrip("U"), "channel_type": "im", "user": user,
                       "text": "help", "ts": now},
        "app_home_opened": {"type": "app_home_opened", "user": user, "channel": "D" + user.lstrip("U"),
                            "tab": "home"},
        "app_mention": {"type": "app_mention", "user": user, "channel": "C0GENERAL", "text": "<@UBOT> help",
                        "ts": now},
        "file_shared": {"type": "file_shared", "file_id": "F0001", "user_id": user,
                        "channel_id": "D" + user.lstrip("U"), "file": {"id": "F0001"}},
        "team_join": {"type": "team_join", "user": {**profile, "id": "UNEWBIE", "name": "newbie"}},
        "user_change": {"type": "user_change", "user": profile},
        "tokens_revoked": {"type": "tokens_revoked", "tokens": {"oauth": [], "bot": ["UBOT"]}},
        "app_uninstalled": {"type": "app_uninstalled"},  # last in the manifest: it deletes the workspace's rows
    }


def test_every_event_the_manifest_subscribes_to_is_handled(socket_app: SocketApp, socket_slack: SocketSlack,
                                                           caplog: pytest.LogCaptureFixture) -> None:
    """manifest.json and the listeners stay together: each subscribed event is acked and taken by a listener."""
    import json

    from bot.manifest import PLACEHOLDER_URL, build_manifest

    manifest = json.loads((Path(__file__).resolve().parents[2] / "manifest.json").read_text())
    assert manifest == build_manifest(PLACEHOLDER_URL)
    subscribed = manifest["settings"]["event_subscriptions"]["bot_events"]
    samples = _sample_events("UMANAGER")
    assert set(subscribed) <= set(samples), f"add a sample for {set(subscribed) - set(samples)} to this test"
    caplog.set_level(logging.INFO, logger="salesbot.requests")
    for name in subscribed:
        ack = socket_slack.wait_ack(socket_slack.event(samples[name]))
        assert ack.latency < 3.0, name
    socket_app.wait_idle()
    outcomes = {}
    for record in caplog.records:
        found = re.match(r"event (\S+) from \S+: acked in \d+ ms, answered in \d+ ms \((\w+)\)", record.getMessage())
        if found:
            outcomes[found.group(1)] = found.group(2)
    expected = {name.split(".")[0]: "ok" for name in subscribed}
    assert outcomes == expected
