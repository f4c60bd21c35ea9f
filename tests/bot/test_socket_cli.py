"""`salesbot -v socket` as an operator runs it, against the fake Slack: what its log says, what it never says,
and what /metrics, /healthz and /readyz show after a scripted session."""

import os
import re
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import requests
from prometheus_client.parser import text_string_to_metric_families

from bot.local_slack import Fault, LocalSlack
from tests.processes import clock_env
from tests.slack_driver import SECRET, message_text
from tests.socket_slack import VERIFICATION_TOKEN, SocketSlack

APP_TOKEN = "xapp-1-A0SALESBOT-1-cli-secret-app-token"
BOT_TOKEN = "xoxb-socket-cli-secret-bot-token"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Running:
    """A `salesbot` child process whose merged output is read line by line in a thread."""

    def __init__(self, args: list[str], env: dict[str, str], cwd: Path) -> None:
        self.proc = subprocess.Popen([sys.executable, "-m", "bot.cli", *args], env=env, cwd=cwd, text=True,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        self.lines: list[str] = []
        self._more = threading.Condition()
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        for line in self.proc.stdout:  # type: ignore[union-attr]
            with self._more:
                self.lines.append(line)
                self._more.notify_all()

    def wait_line(self, pattern: str, timeout: float = 30) -> re.Match[str]:
        """The first line so far (or to come) that matches `pattern`."""
        deadline = time.monotonic() + timeout
        seen = 0
        with self._more:
            while True:
                for line in self.lines[seen:]:
                    found = re.search(pattern, line)
                    if found:
                        return found
                seen = len(self.lines)
                left = deadline - time.monotonic()
                if left <= 0 or self.proc.poll() is not None:
                    break
                self._more.wait(min(left, 0.5))
        raise AssertionError(f"no line matching {pattern!r} in:\n{''.join(self.lines)}")

    def stop(self) -> str:
        self.proc.terminate()
        self.proc.wait(timeout=20)
        time.sleep(0.2)
        return "".join(self.lines)


def _metric(families: dict[str, dict[tuple[tuple[str, str], ...], float]], metric: str, **labels: str) -> float:
    return sum(v for key, v in families.get(metric, {}).items() if set(labels.items()) <= set(key))


def _parse(text: str) -> dict[str, dict[tuple[tuple[str, str], ...], float]]:
    out: dict[str, dict[tuple[tuple[str, str], ...], float]] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            out.setdefault(sample.name, {})[tuple(sorted(sample.labels.items()))] = sample.value
    return out


def test_socket_command_says_it_is_up_keeps_secrets_and_counts_what_it_did(
        fake_slack: LocalSlack, sqlite_url: str, tmp_path: Path) -> None:
    fake_slack.add_user("UMANAGER", "Maria Lopez")
    fake_slack.fail_next("users.info", Fault(status=200, delay=1.5))  # the first request waits on the profile
    port = _free_port()
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path), "DATABASE_URL": sqlite_url,
           "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SECRET, "SLACK_APP_TOKEN": APP_TOKEN,
           "SLACK_API_URL": fake_slack.api_url, "SALESBOT_MANAGERS": "UMANAGER", "SALESBOT_METRICS_PORT": str(port),
           **clock_env()}
    with SocketSlack(fake_slack) as server:
        running = Running(["-v", "socket", "--no-scheduler"], env, tmp_path)
        try:
            up = running.wait_line(r"salesbot connected to Slack \(Socket Mode\); Slack workspace (\S+) .*bot user "
                                   r"([^;\s]+); scheduler (off|on)", timeout=120)  # a loaded machine starts slowly
            assert up.groups() == ("T0001", "UBOT", "off")
            first = server.command("/kpi", "revenue last month")
            answer = running.wait_line(r"command /kpi from T0001/UMANAGER: acked in (\d+) ms, answered in (\d+) ms "
                                       r"\(ok\)")
            acked_ms, answered_ms = int(answer.group(1)), int(answer.group(2))
            assert acked_ms < 3000 and answered_ms >= 1500, answer.group(0)  # the users.info wait is shown
            sent = [first, server.command("/salesbot", "help"), server.dm("help"),
                    server.event({"type": "user_change", "user": {"id": "UMANAGER", "name": "maria",
                                                                  "team_id": "T0001", "profile": {}}})]
            server.refresh()
            server.wait_links(2)
            running.wait_line(r"reconnected to Slack in \d+ ms .*disconnect refresh_requested")
            sent.append(server.command("/salesbot", "help"))
            acks = [server.wait_ack(e) for e in sent]
            assert all(a.latency < 3.0 for a in acks)
            assert "/kpi" in message_text(acks[-1].payload or {})
            running.wait_line(r"event user_change from T0001/")
            base = f"http://127.0.0.1:{port}"
            metrics = _parse(requests.get(base + "/metrics", timeout=5).text)
            deadline = time.monotonic() + 10  # an ack is counted just after it is sent: under load, a moment later
            while _metric(metrics, "salesbot_socket_acks_total") < len(sent) and time.monotonic() < deadline:
                time.sleep(0.1)
                metrics = _parse(requests.get(base + "/metrics", timeout=5).text)
            ready = requests.get(base + "/readyz", timeout=5)
            health = requests.get(base + "/healthz", timeout=5)
        finally:
            output = running.stop()
    assert ready.status_code == 200 and ready.json() == {"database": "ok", "slack": "connected", "ok": True}
    assert health.json()["ok"] is True
    assert _metric(metrics, "salesbot_socket_acks_total") == len(sent)
    assert _metric(metrics, "salesbot_socket_acks_total", type="slash_commands") == 3
    assert _metric(metrics, "salesbot_socket_ack_seconds_count") == len(sent)
    assert _metric(metrics, "salesbot_socket_ack_seconds_bucket", le="3.0") == len(sent)
    assert _metric(metrics, "salesbot_socket_reconnects_total", reason="refresh_requested") == 1
    assert _metric(metrics, "salesbot_requests_total", kind="command", name="/salesbot", outcome="ok") == 2
    assert _metric(metrics, "salesbot_slack_api_calls_total", method="apps.connections.open") == 2
    assert _metric(metrics, "salesbot_socket_connected") == 1
    # What the operator's log says once, and never.
    assert output.count("salesbot connected to Slack (Socket Mode)") == 1
    assert "will be unused" not in output and "[Suggestion]" not in output
    for secret in (APP_TOKEN, BOT_TOKEN, VERIFICATION_TOKEN, *server.tickets):
        assert secret not in output, f"{secret} was logged"
    assert "ticket=" not in output.replace("ticket=[redacted]", "")
    assert "BrokenPipeError" not in output and " ERROR " not in output
