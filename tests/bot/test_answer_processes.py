"""SALESBOT_ANSWER_PROCESSES: `salesbot serve` acks in its own process and answers in worker processes (issue 12).

What a user sees is the same as with threads: the ack at once, the answer on `response_url`, a retried
command answered once; a worker that dies does not cost an answer; stopping the server leaves no worker
process behind."""

import os
import re
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest
import requests
from sqlalchemy.engine import Engine

from bot.answer_processes import AUTO_MAX, for_http
from bot.local_slack import LocalSlack
from bot.signing import signed_headers, slash_command_body
from db.demo import load_demo
from tests.processes import clock_env
from tests.slack_driver import message_text

SECRET = "answer-processes-secret"


def _children(pid: int) -> list[int]:
    """The processes whose parent is `pid` (Linux /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def _workers(pid: int) -> list[int]:
    """The answer processes of the server `pid` (multiprocessing's spawned children)."""
    found = []
    for child in _children(pid):
        try:
            if "spawn_main" in Path(f"/proc/{child}/cmdline").read_text():
                found.append(child)
        except OSError:
            continue
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads the process table from /proc")
def test_answers_come_from_worker_processes_and_end_with_the_server(
    fake_slack: LocalSlack, engine: Engine, db_url: str, tmp_path: Path
) -> None:
    load_demo(engine, today=date.today(), manager_slack_id="UBOSS", team_id=fake_slack.team_id, replace=True)
    engine.dispose()
    env = {**os.environ, **clock_env(), "DATABASE_URL": db_url, "SLACK_BOT_TOKEN": "xoxb-answers",
           "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": fake_slack.api_url, "SALESBOT_MANAGERS": "UBOSS",
           "SALESBOT_ANSWER_PROCESSES": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "bot.cli", "serve", "--host", "127.0.0.1", "--port", "0",
                             "--no-scheduler"], env=env, cwd=tmp_path, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    workers: list[int] = []
    try:
        lines, port = [], None
        deadline = time.time() + 90
        while time.time() < deadline and port is None:
            lines.append(proc.stdout.readline())  # type: ignore[union-attr]
            found = re.search(r"listening on http://127\.0\.0\.1:(\d+)/slack/events", lines[-1])
            port = int(found.group(1)) if found else None
        assert port, "".join(lines)
        body = slash_command_body(command="/kpi", text="revenue last quarter", user_id="UBOSS",
                                  team_id=fake_slack.team_id, response_url=fake_slack.new_response_url(),
                                  trigger_id="trigger.answers.1")
        headers = signed_headers(SECRET, body, content_type="application/x-www-form-urlencoded")
        url = f"http://127.0.0.1:{port}/slack/events"
        assert requests.post(url, data=body.encode(), headers=headers, timeout=10).status_code == 200
        answers = fake_slack.wait_for("response_url", 1, timeout=60)
        assert "Revenue" in message_text(answers[0].args)
        workers = _workers(proc.pid)
        assert workers, "the answer came from a worker process of the server"
        # answers run at a lower priority than acks: under load the kernel gives the acking process a core first
        assert all(os.getpriority(os.PRIO_PROCESS, w) >= os.getpriority(os.PRIO_PROCESS, proc.pid) + 10
                   for w in workers)
        retry = requests.post(url, data=body.encode(), timeout=10, headers={**headers, "X-Slack-Retry-Num": "1"})
        assert retry.status_code == 200
        time.sleep(1.5)
        assert len(fake_slack.delivered("response_url")) == 1, "Slack's retry is not answered a second time"
        for pid in workers:  # a worker dies (out of memory, killed): the next question is still answered
            os.kill(pid, signal.SIGKILL)
        body = body.replace("trigger.answers.1", "trigger.answers.2")
        headers = signed_headers(SECRET, body, content_type="application/x-www-form-urlencoded")
        assert requests.post(url, data=body.encode(), headers=headers, timeout=10).status_code == 200
        answers = fake_slack.wait_for("response_url", 2, timeout=60)
        assert "Revenue" in message_text(answers[1].args)
        killed, deadline = workers, time.time() + 60
        while time.time() < deadline and not set(workers := _workers(proc.pid)) - set(killed):
            time.sleep(0.2)
        assert set(workers) - set(killed), "new answer processes replace the dead one"
    finally:
        proc.terminate()
        proc.communicate(timeout=30)
    deadline = time.time() + 20
    while time.time() < deadline and any(_alive(pid) for pid in workers):
        time.sleep(0.2)
    assert not any(_alive(pid) for pid in workers), "no answer process outlives the server"


def test_serve_starts_one_answer_process_per_core_unless_told() -> None:
    assert for_http(None, cores=2) == 2  # this machine: acks keep the acking process's interpreter to themselves
    assert for_http(None, cores=64) == AUTO_MAX  # each holds its own app (~150 MB): more only when asked
    assert for_http(None, cores=1) == 0  # one core: the processes would only share it
    assert for_http(0, cores=8) == 0  # SALESBOT_ANSWER_PROCESSES=0: answers in the after-ack threads
    assert for_http(3, cores=1) == 3
