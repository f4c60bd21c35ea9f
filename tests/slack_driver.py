"""Drive the real app in HTTP mode the way Slack does: signed requests to POST /slack/events.

The app runs in waitress on 127.0.0.1 (port 0) with its Web API client on the fake Slack; the driver sends
slash commands, events and interactions signed with the signing secret, and waits for the app's
after-ack work to finish before a test looks at what the fake Slack received.
"""

import itertools
import json
import threading
import time
from pathlib import Path
from typing import Any

import requests

from bot.app import create_app, make_deps
from bot.http_server import make_server, make_wsgi_app
from bot.local_slack import LocalSlack
from bot.scheduler import Scheduler, TickReport
from bot.settings import Settings
from bot.signing import event_body, interaction_body, signed_headers, slash_command_body

SECRET = "test-signing-secret-0123456789abcdef"


class SlackDriver:
    def __init__(self, fake: LocalSlack, db_url: str, *, files_dir: Path, **settings: Any) -> None:
        self.fake = fake
        self.team_id = fake.team_id
        self.settings = Settings(
            _env_file=None, slack_signing_secret=SECRET, slack_api_url=fake.api_url, database_url=db_url,
            salesbot_files_dir=str(files_dir),
            **{"slack_bot_token": "xoxb-test-token", "salesbot_managers": "UMANAGER", **settings},
        )
        self.deps = make_deps(self.settings)
        self.app = create_app(self.settings, deps=self.deps)
        self.server = make_server(make_wsgi_app(self.app, self.deps.engine), host="127.0.0.1", port=0, threads=32)
        self.url = f"http://127.0.0.1:{self.server.effective_port}"
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._seq = itertools.count(1)
        self.http = requests.Session()

    def _serve(self) -> None:
        try:
            self.server.run()
        except OSError:  # the socket was closed by __exit__: the server is done
            pass

    def __enter__(self) -> "SlackDriver":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wait_idle()
        self.server.close()
        # A single-socket waitress server's close() leaves its worker threads running, and the listener pool
        # keeps its threads too: ~60 threads a test, thousands per xdist worker, until "can't start new
        # thread". Stop both.
        self.server.task_dispatcher.shutdown(timeout=2)
        self.app.listener_runner.listener_executor.shutdown(wait=False, cancel_futures=True)
        self.http.close()
        self.deps.engine.dispose()  # its connections too (PostgreSQL has a connection limit)

    # -- sending ---------------------------------------------------------------------------------
    def post(self, body: str, content_type: str, *, headers: dict[str, str] | None = None,
             timestamp: int | None = None) -> requests.Response:
        signed = signed_headers(SECRET, body, timestamp=timestamp, content_type=content_type)
        signed.update(headers or {})
        return self.http.post(self.url + "/slack/events", data=body.encode(), headers=signed, timeout=10)

    def command(self, command: str, text: str = "", *, user: str = "UMANAGER", channel: str = "C0GENERAL",
                wait: bool = True, team: str | None = None) -> requests.Response:
        body = slash_command_body(command=command, text=text, user_id=user, team_id=team or self.team_id,
                                  response_url=self.fake.new_response_url(), channel_id=channel,
                                  trigger_id=f"trigger.{next(self._seq)}")
        response = self.post(body, "application/x-www-form-urlencoded")
        if wait:
            self.wait_idle()
        return response

    def event(self, event: dict[str, Any], *, event_id: str | None = None, retry_num: int | None = None,
              wait: bool = True, team: str | None = None) -> requests.Response:
        body = event_body(event=event, team_id=team or self.team_id, event_id=event_id or f"Ev{next(self._seq):08d}")
        headers = {"x-slack-retry-num": str(retry_num), "x-slack-retry-reason": "http_timeout"} if retry_num else {}
        response = self.post(body, "application/json", headers=headers)
        if wait:
            self.wait_idle()
        return response

    def dm(self, text: str, *, user: str, event_id: str | None = None, retry_num: int | None = None,
           files: list[dict[str, Any]] | None = None, thread_ts: str | None = None) -> requests.Response:
        event: dict[str, Any] = {"type": "message", "channel": "D" + user.lstrip("U"), "channel_type": "im",
                                 "user": user, "text": text, "ts": f"{time.time():.6f}"}
        if files:
            event.update(subtype="file_share", files=files)
        if thread_ts:
            event["thread_ts"] = thread_ts
        return self.event(event, event_id=event_id, retry_num=retry_num)

    def interact(self, payload: dict[str, Any], *, wait: bool = True) -> requests.Response:
        payload.setdefault("team", {"id": self.team_id})
        payload.setdefault("api_app_id", "A0SALESBOT")
        payload.setdefault("trigger_id", f"trigger.{next(self._seq)}")
        response = self.post(interaction_body(payload), "application/x-www-form-urlencoded")
        if wait:
            self.wait_idle()
        return response

    def click(self, action_id: str, value: str = "", *, user: str = "UMANAGER", block_id: str = "",
              channel: str = "C0GENERAL") -> requests.Response:
        return self.interact({
            "type": "block_actions", "user": {"id": user, "team_id": self.team_id},
            "response_url": self.fake.new_response_url(), "channel": {"id": channel},
            "container": {"type": "message"},
            "actions": [{"action_id": action_id, "block_id": block_id, "value": value, "type": "button"}],
        })

    # -- waiting and reading ---------------------------------------------------------------------
    def wait_idle(self, timeout: float = 30.0) -> None:
        executor = self.app.listener_runner.listener_executor
        assert executor.wait_idle(timeout), "background work did not finish"  # type: ignore[attr-defined]

    def responses(self) -> list[dict[str, Any]]:
        """Messages posted to response_url, in order."""
        return [c.args for c in self.fake.calls_to("response_url")]

    def last_response_text(self) -> str:
        return message_text(self.responses()[-1])

    def tick(self, now: Any) -> TickReport:
        from handlers import job_sources

        return Scheduler(self.deps, self.app.client, job_sources(), installed=self.app.salesbot_installed).tick(now)


def message_text(message: dict[str, Any]) -> str:
    """All visible text of a message payload (text + every block), for assertions."""
    parts = [str(message.get("text", ""))]
    blocks = message.get("blocks") or []
    if isinstance(blocks, str):
        blocks = json.loads(blocks)
    _collect_text(blocks, parts)
    return "\n".join(parts)


def _collect_text(node: Any, out: list[str]) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("text", "alt_text", "value", "placeholder") and isinstance(value, str):
                out.append(value)
            else:
                _collect_text(value, out)
    elif isinstance(node, list):
        for item in node:
            _collect_text(item, out)


def ack_text(response: Any) -> str:
    """What the user sees from a slash command's immediate answer (Bolt sends plain text or JSON)."""
    try:
        return message_text(response.json())
    except ValueError:
        return response.text
