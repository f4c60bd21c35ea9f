"""`salesbot serve` (waitress) answers Slack's signed requests on POST /slack/events, through the fake Slack."""

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import requests

from bot.answer_processes import for_http
from bot.local_slack import LocalSlack
from bot.signing import signed_headers, slash_command_body
from tests.processes import clock_env
from tests.slack_driver import message_text

SECRET = "serve-test-secret"


def test_serve_answers_a_signed_help_and_health(fake_slack: LocalSlack, sqlite_url: str, tmp_path: Path) -> None:
    env = {**os.environ, "DATABASE_URL": sqlite_url, "SLACK_BOT_TOKEN": "xoxb-serve-test",
           "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": fake_slack.api_url, "SALESBOT_MANAGERS": "UBOSS"}
    proc = subprocess.Popen([sys.executable, "-m", "bot.cli", "serve", "--host", "127.0.0.1", "--port", "0",
                             "--no-scheduler"], env=env, cwd=tmp_path, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    try:
        port = None
        deadline = time.time() + 60
        lines = []
        while time.time() < deadline and port is None:
            line = proc.stdout.readline()  # type: ignore[union-attr]
            lines.append(line)
            found = re.search(r"listening on http://127\.0\.0\.1:(\d+)/slack/events", line)
            port = int(found.group(1)) if found else None
        assert port, "".join(lines)
        # unset, SALESBOT_ANSWER_PROCESSES is one answer process per core (none on one core): the start line says so
        processes = for_http(None)
        said = {0: "answers in the after-ack threads", 1: "answers in 1 answer process"}
        assert said.get(processes, f"answers in {processes} answer processes") in lines[-1]
        base = f"http://127.0.0.1:{port}"
        assert requests.get(base + "/healthz", timeout=5).json()["ok"] is True
        body = slash_command_body(command="/salesbot", text="help", user_id="UBOSS", team_id="T0001",
                                  response_url=fake_slack.new_response_url())
        answer = requests.post(base + "/slack/events", data=body.encode(), timeout=5,
                               headers=signed_headers(SECRET, body, content_type="application/x-www-form-urlencoded"))
        assert answer.status_code == 200
        assert "/checkin schedule @alice @bob weekly on friday at 16:00" in message_text(answer.json())
        forged = requests.post(base + "/slack/events", data=body.encode(), timeout=5,
                               headers=signed_headers("wrong", body, content_type="application/x-www-form-urlencoded"))
        assert forged.status_code == 401
        assert fake_slack.calls_to("auth.test"), "the app checks its token against SLACK_API_URL"
    finally:
        proc.terminate()
        output = proc.communicate(timeout=10)[0]
    assert "xoxb-serve-test" not in output


def test_serve_without_tokens_points_to_the_console(sqlite_url: str, tmp_path: Path) -> None:
    env = {"PATH": os.environ["PATH"], "DATABASE_URL": sqlite_url, **clock_env()}
    result = subprocess.run([sys.executable, "-m", "bot.cli", "serve"], env=env, cwd=tmp_path, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode != 0 and "salesbot console" in result.stderr
