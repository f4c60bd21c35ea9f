"""`salesbot console`: the real Bolt app, driven from a terminal instead of Slack.

The console starts a loopback Slack Web API (bot/local_slack.py), points the app's SLACK_API_URL at it and
sends it the same signed requests Slack would. Whatever the app posts (ephemeral replies, channel posts,
DMs, modals, uploaded files) is printed as text; files are saved under SALESBOT_FILES_DIR. So the console
runs every handler as it runs in Slack; it is not a second implementation of any feature.
"""

import itertools
import json
import secrets
import sys
import time
from pathlib import Path
from typing import IO, Any

from slack_bolt import App
from slack_bolt.request import BoltRequest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.app import create_app, make_deps
from bot.local_slack import Call, LocalSlack
from bot.render_text import render_blocks, render_view
from bot.settings import Settings
from bot.signing import event_body, interaction_body, signed_headers, slash_command_body
from bot.workspace import cli_team
from db import clock
from db.models import Member
from db.workspaces import DEMO_TEAM_ID, LOCAL_TEAM, AmbiguousWorkspace, default_team, workspace_exists

PROMPT_HELP = """Type a slash command as Slack would send it, e.g.
  /salesbot help        /kpi revenue last month        /kpi 上个月 销售额
Other console commands:
  :as USER_ID           act as another user (:users lists them)
  :users                list the people of the workspace
  :tick [ISO-8601] [--dry-run]  run the scheduler once at that moment (default: now); a future moment
                        only with --dry-run (lists what would be due, records nothing)
  :upload FILE          share a file with the bot in a DM (e.g. a CRM export to import)
  :click ACTION_ID [VALUE]  press a button of the last message
  :help                 this text          :quit   leave
Any other line is sent to the bot as a direct message (e.g. answering a check-in)."""


class Console:
    def __init__(self, settings: Settings, *, out: IO[str] = sys.stdout, team_id: str | None = None,
                 user_id: str | None = None) -> None:
        self.out = out
        self.slack = LocalSlack()
        self.secret = secrets.token_hex(16)
        base = settings.model_dump()
        base.update(slack_bot_token="xoxb-console-local", slack_signing_secret=self.secret,
                    slack_api_url=self.slack.api_url)
        self.settings = Settings(**base)
        self.deps = make_deps(self.settings)
        # the original settings: with a real bot token, the console acts in that token's workspace
        self.team_id = team_id or console_team(settings, self.deps.engine, None)
        self.user_id = user_id or self._default_user()
        self.slack.team_id = self.team_id
        self.files_dir = Path(settings.salesbot_files_dir)
        # Slack's event and trigger ids are unique for ever; so are the console's (a session tag + a counter),
        # else a second session's events would be dropped as retries of the first's.
        self._session_tag = secrets.token_hex(5).upper()
        self._seq = itertools.count(1)
        self.last_blocks: list[dict[str, Any]] = []
        self.app: App | None = None

    # -- setup ------------------------------------------------------------------------------------
    def _default_user(self) -> str:
        with Session(self.deps.engine) as session:
            manager = session.exec(select(Member).where(Member.team_id == self.team_id, Member.role == "manager",
                                                        Member.slack_user_id.is_not(None))).first()
        if manager and manager.slack_user_id:
            return manager.slack_user_id
        # A new install whose .env names its managers: the person at the keyboard is one of them, so manager
        # commands (/target set, /salesbot rate, digests) work without --user.
        return self.deps.manager_ids[0] if self.deps.manager_ids else "ULOCAL"

    def _load_users(self) -> None:
        with Session(self.deps.engine) as session:
            for m in session.exec(select(Member).where(Member.team_id == self.team_id,
                                                       Member.slack_user_id.is_not(None))):
                self.slack.add_user(m.slack_user_id or "", m.display_name or m.crm_name or "", tz=m.timezone or "UTC",
                                    locale=m.locale or "en-US", email=m.email or "")
        if self.user_id not in self.slack.users:
            self.slack.add_user(self.user_id, "Local User", tz=self.settings.salesbot_timezone)

    def start(self) -> "Console":
        self.slack.start()
        self._load_users()
        self.slack.listeners.append(self._show)
        self.app = create_app(self.settings, deps=self.deps)
        return self

    def stop(self) -> None:
        self.slack.stop()

    # -- output -----------------------------------------------------------------------------------
    def print(self, text: str) -> None:
        self.out.write(text + "\n")
        self.out.flush()

    def _show(self, call: Call) -> None:
        args = call.args
        if call.method in ("response_url", "chat.postEphemeral", "chat.postMessage", "chat.update"):
            if args.get("_fault"):
                return
            blocks = args.get("blocks")
            where = {"response_url": "(only you)", "chat.postEphemeral": "(only you)"}.get(
                call.method, f"→ {args.get('channel')}")
            if args.get("response_type") == "in_channel":
                where = "→ channel"
            if isinstance(blocks, list | str):
                self.last_blocks = json.loads(blocks) if isinstance(blocks, str) else blocks
            self.print(f"\n{where}\n{render_blocks(blocks, str(args.get('text', '')))}")
        elif call.method in ("views.open", "views.push", "views.update"):
            self.print("\n" + render_view(args.get("view", {})))
        elif call.method == "files.completeUploadExternal":
            files = args.get("files")
            ids = {f["id"] for f in (json.loads(files) if isinstance(files, str) else files or [])}
            saved = []
            for upload in self.slack.uploads():
                if upload.get("id") not in ids:
                    continue
                self.files_dir.mkdir(parents=True, exist_ok=True)
                path = self.files_dir / f"{clock.now():%Y%m%d-%H%M%S}-{upload.get('name') or 'file'}"
                path.write_bytes(upload["content"])
                saved.append(str(path))
            comment = args.get("initial_comment") or ""
            self.print(f"\n→ {args.get('channel_id')} files saved: {', '.join(saved)}\n{comment}".rstrip())

    # -- input ------------------------------------------------------------------------------------
    def _dispatch(self, body: str, content_type: str) -> Any:
        assert self.app is not None
        headers = signed_headers(self.secret, body, content_type=content_type)
        response = self.app.dispatch(BoltRequest(body=body, headers={k: [v] for k, v in headers.items()}))
        if response.body:
            text = response.body
            try:
                payload = json.loads(text)
                self.last_blocks = payload.get("blocks") or []
                text = render_blocks(payload.get("blocks"), payload.get("text", ""))
            except ValueError:
                pass
            if text:
                self.print(f"\n(only you)\n{text}")
        self.app.listener_runner.listener_executor.wait_idle(timeout=120)  # type: ignore[attr-defined]
        return response

    def command(self, line: str) -> Any:
        command, _, text = line.strip().partition(" ")
        body = slash_command_body(command=command, text=text.strip(), user_id=self.user_id, team_id=self.team_id,
                                  response_url=self.slack.new_response_url(),
                                  trigger_id=self._trigger_id())
        return self._dispatch(body, "application/x-www-form-urlencoded")

    def _trigger_id(self) -> str:
        return f"{next(self._seq)}.{self._session_tag}.console"

    def message(self, text: str, files: list[dict[str, Any]] | None = None) -> Any:
        n = next(self._seq)
        event: dict[str, Any] = {"type": "message", "channel": "D" + self.user_id.lstrip("U"),
                                 "channel_type": "im", "user": self.user_id, "text": text,
                                 "ts": f"{time.time():.6f}", "event_ts": f"{time.time():.6f}"}
        if files:
            event.update(subtype="file_share", files=files)
        body = event_body(event=event, team_id=self.team_id, event_id=f"Ev{self._session_tag}{n:06d}")
        return self._dispatch(body, "application/json")

    def click(self, action_id: str, value: str | None = None) -> Any:
        for block in self.last_blocks:
            elements = block.get("elements", []) if block.get("type") == "actions" else [block.get("accessory") or {}]
            for el in elements:
                if el.get("action_id") == action_id:
                    payload = {"type": "block_actions", "team": {"id": self.team_id},
                               "user": {"id": self.user_id, "team_id": self.team_id},
                               "api_app_id": "A0SALESBOT", "trigger_id": self._trigger_id(),
                               "response_url": self.slack.new_response_url(),
                               "channel": {"id": "C0GENERAL"}, "container": {"type": "message"},
                               "actions": [{"action_id": action_id, "block_id": block.get("block_id", ""),
                                            "value": value or el.get("value", ""), "type": "button"}]}
                    return self._dispatch(interaction_body(payload), "application/x-www-form-urlencoded")
        self.print(f"No button {action_id!r} in the last message.")
        return None

    def handle(self, line: str) -> bool:
        """Handle one input line; False means quit."""
        line = line.strip()
        if not line:
            return True
        if line in (":quit", ":q", "quit", "exit"):
            return False
        if line == ":help":
            self.print(PROMPT_HELP)
        elif line == ":users":
            for uid, user in sorted(self.slack.users.items()):
                mark = "*" if uid == self.user_id else " "
                self.print(f"{mark} {uid}  {user['real_name']}  ({user['tz']}, {user['locale']})")
        elif line.startswith(":as "):
            self.user_id = line.split(None, 1)[1].strip()
            if self.user_id not in self.slack.users:
                self.slack.add_user(self.user_id, self.user_id)
            self.print(f"Now acting as {self.user_id}.")
        elif line.startswith(":tick"):
            self.tick(line[5:].strip() or None)
        elif line.startswith(":upload "):
            path = Path(line.split(None, 1)[1].strip()).expanduser()
            if not path.is_file():
                self.print(f"No such file: {path}")
            else:
                info = self.slack.add_file(path.read_bytes(), path.name, user=self.user_id,
                                           filetype=path.suffix.lstrip(".").lower())
                self.message("", files=[info])
        elif line.startswith(":click "):
            parts = line.split(None, 2)
            self.click(parts[1], parts[2] if len(parts) > 2 else None)
        elif line.startswith("/"):
            self.command(line)
        else:
            self.message(line)
        return True

    def tick(self, iso: str | None = None) -> None:
        """`:tick [ISO] [--dry-run]`: the same rule as `salesbot tick --now` (a future moment only as a dry run)."""
        from bot.scheduler import Scheduler, TickRefused, manual_tick_moment
        from handlers import job_sources

        assert self.app is not None
        words = (iso or "").split()
        dry_run = "--dry-run" in words
        moment = " ".join(w for w in words if w != "--dry-run") or None
        try:
            now = manual_tick_moment(moment, dry_run=dry_run, flag=":tick")
        except TickRefused as refused:
            self.print(str(refused))
            return
        scheduler = Scheduler(self.deps, self.app.client, job_sources(), teams={self.team_id})
        if dry_run:
            self.print("\n".join(scheduler.dry_run_lines(now)))
            return
        report = scheduler.tick(now)
        self.print(f"tick {now.isoformat()}: sent {report.sent}, retrying {report.retrying}, "
                   f"failed {report.failed}, skipped {report.skipped}")


def console_team(settings: Settings, engine: Engine, explicit: str | None) -> str:
    """The console's workspace: --team; else the token's (auth.test); else the only one that is not the demo;
    else the demo when it is loaded (`make run` without tokens shows it); else the local workspace."""
    if explicit or settings.slack_bot_token is not None:
        return cli_team(settings, engine, explicit)
    with engine.connect() as conn:
        try:
            team = default_team(conn)
        except AmbiguousWorkspace as exc:
            raise SystemExit(str(exc)) from None
        if team == LOCAL_TEAM and not workspace_exists(conn, LOCAL_TEAM) and workspace_exists(conn, DEMO_TEAM_ID):
            return DEMO_TEAM_ID
    return team


def run_console(settings: Settings, *, stdin: IO[str] = sys.stdin, out: IO[str] = sys.stdout,
                user_id: str | None = None, team_id: str | None = None) -> None:
    console = Console(settings, out=out, user_id=user_id, team_id=team_id).start()
    interactive = stdin.isatty()
    console.print(f"salesbot console — workspace {console.team_id}, you are {console.user_id}. "
                  "Type :help for help, :quit to leave.")
    try:
        while True:
            if interactive:
                out.write("> ")
                out.flush()
            line = stdin.readline()
            if not line:
                break
            if not interactive and line.strip():
                console.print(f"> {line.strip()}")
            if not console.handle(line):
                break
    finally:
        console.stop()
