"""`salesbot console`: the real Bolt app, driven from a terminal instead of Slack.

The console starts a loopback Slack Web API (bot/local_slack.py), points the app's SLACK_API_URL at it and
sends it the same signed requests Slack would. Whatever the app posts (ephemeral replies, channel posts,
DMs, modals, App Home, uploaded files) becomes one `Shown` item of the console's feed — what Slack would
show, to whom, where — printed as text here and drawn as a Slack-like page by `salesbot playground`
(bot/playground.py), which drives this same class. Files are saved under SALESBOT_FILES_DIR. So the console
runs every handler as it runs in Slack; it is not a second implementation of any feature.
"""

import itertools
import json
import re
import secrets
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, Any

from slack_bolt import App
from slack_bolt.request import BoltRequest
from slack_bolt.response import BoltResponse
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.app import create_app, make_deps
from bot.local_slack import Call, LocalSlack
from bot.render_text import Block, Clickable, clickables, options_of, render_blocks, render_view
from bot.settings import Settings
from bot.signing import event_body, interaction_body, signed_headers, slash_command_body
from bot.workspace import cli_team
from db import clock
from db.models import Member
from db.workspaces import DEMO_TEAM_ID, LOCAL_TEAM, AmbiguousWorkspace, default_team, workspace_exists

PROMPT_HELP = """Type a slash command as Slack would send it, e.g.
  /salesbot help        /kpi revenue last month        /kpi 上个月 销售额
  /digest subscribe #sales weekly on monday at 09:00   (channels by #name: :channels lists them)
Other console commands:
  :as USER_ID           act as another user (:users lists them)
  :users                list the people of the workspace
  :channels             list the channels;  :in #NAME  type the next commands in that channel
  :home                 open App Home (the bot's Home tab)
  :click LABEL [VALUE]  press a button (or pick a menu option) by its label, e.g. :click Share in channel
                        (an action id works too)
  :fill N VALUE         fill input N of the open form (a modal such as /checkin setup; \\n for a new line);
                        then :submit (or :cancel)
  :tick [ISO-8601] [--dry-run]  run the scheduler once at that moment (default: now); a future moment
                        only with --dry-run (lists what would be due, records nothing)
  :upload FILE          share a file with the bot in a DM (e.g. a CRM export to import)
  :help                 this text          :quit   leave
Any other line is sent to the bot as a direct message (e.g. answering a check-in)."""

# The channels of the local workspace (the playground lists them; `#sales` in a command resolves to C0SALES
# through conversations.list, as it does in Slack).
LOCAL_CHANNELS: tuple[tuple[str, str, str], ...] = (
    ("C0GENERAL", "general", "Company-wide announcements"),
    ("C0SALES", "sales", "The sales team: digests and shared KPIs"),
    ("C0SALESAPAC", "sales-apac", "Asia-Pacific reps · 亚太销售"),
)


@dataclass
class Shown:
    """One thing Slack shows: a message (in a channel or a DM), an ephemeral reply, a modal, App Home."""

    seq: int
    kind: str  # message | ephemeral | modal | home
    channel: str = ""
    viewer: str = ""  # who alone sees it (ephemeral, modal, home); "" for a message everyone in `channel` sees
    author: str = "bot"  # "bot", or the user id of a person's own message
    text: str = ""
    blocks: list[Block] = field(default_factory=list)
    ts: str = ""
    view: Block | None = None
    files: list[dict[str, Any]] = field(default_factory=list)  # {id, name, title, path, image}
    errors: dict[str, str] = field(default_factory=dict)  # a modal's refused fields
    closed: bool = False  # a modal closed or a message deleted
    version: int = 0  # bumped on every change (chat.update, replace_original, views.update)
    at: str = ""  # the clock's moment it was shown

    def visible_to(self, user_id: str) -> bool:
        if self.viewer:
            return self.viewer == user_id
        return not self.channel.startswith("D") or self.channel == dm_channel(user_id)

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def dm_channel(user_id: str) -> str:
    """The id of a user's DM with the bot (the local Slack's convention: U123 -> D123)."""
    return "D" + user_id.lstrip("U")


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
        self.channel = "C0GENERAL"  # where slash commands are typed (:in #sales)
        self.slack.team_id = self.team_id
        self.files_dir = Path(settings.salesbot_files_dir)
        # Slack's event and trigger ids are unique for ever; so are the console's (a session tag + a counter),
        # else a second session's events would be dropped as retries of the first's.
        self._session_tag = secrets.token_hex(5).upper()
        self._seq = itertools.count(1)
        self._feed_seq = itertools.count(1)
        self._lock = threading.RLock()
        self.feed: list[Shown] = []
        self.filled: dict[str, str] = {}  # the open modal's inputs filled with :fill (block_id -> text)
        self._responses: dict[str, tuple[str, str, int | None]] = {}  # response_url path -> channel, user, item
        self._triggers: dict[str, str] = {}  # trigger_id -> the user who acted
        self.on_show: Callable[[Shown], None] = self._print_shown
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
            user = self.slack.add_user(self.user_id, "Local User", tz=self.settings.salesbot_timezone)
            # Whoever runs the console installed salesbot: in Slack that is the workspace's owner, a manager
            # while the workspace has none (SALESBOT_MANAGERS empty), so a fresh install's digests, targets and
            # reviews work at once.
            user["is_admin"] = user["is_owner"] = True
        for channel_id, name, topic in LOCAL_CHANNELS:
            self.slack.add_channel(channel_id, name, topic=topic)

    def start(self) -> "Console":
        self.slack.start()
        self._load_users()
        self.slack.listeners.append(self._on_call)
        self.slack.answered.append(self._on_answer)
        self.app = create_app(self.settings, deps=self.deps)
        return self

    def stop(self) -> None:
        self.slack.stop()

    # -- output -----------------------------------------------------------------------------------
    def print(self, text: str) -> None:
        self.out.write(text + "\n")
        self.out.flush()

    def _print_shown(self, item: Shown) -> None:
        if item.author != "bot":
            return  # what the user typed is on their screen already
        if item.kind in ("modal", "home"):
            if item.closed:
                self.print("(form closed)")
                return
            errors = "".join(f"\n  ⚠ {msg}" for msg in item.errors.values())
            self.print("\n" + render_view(item.view or {}, values=self.filled, names=self.names()) + errors)
            return
        if item.closed:
            return
        where = "(only you)" if item.kind == "ephemeral" else f"→ {self._where(item.channel)}"
        if item.version:
            where += " (updated)"
        body = render_blocks(item.blocks, item.text, names=self.names())
        for f in item.files:
            body += f"\n[file {f['name']}] saved: {f['path']}"
        self.print(f"\n{where}\n{body}".rstrip())

    def names(self) -> dict[str, str]:
        """User and channel ids to the names Slack shows (mentions, where a message went)."""
        found = {uid: u["real_name"] for uid, u in self.slack.users.items()}
        found.update({cid: c["name"] for cid, c in self.slack.channels.items()})
        return found

    def _where(self, channel: str) -> str:
        if channel in self.slack.channels:
            return f"#{self.slack.channels[channel]['name']} ({channel})"
        if channel.startswith("D"):
            user = self.slack.users.get("U" + channel[1:], {})
            return f"DM with {user.get('real_name', channel)} ({channel})"
        return channel

    def _show(self, item: Shown) -> Shown:
        item.at = clock.now().isoformat(timespec="seconds")
        with self._lock:
            self.feed.append(item)
        self.on_show(item)
        return item

    def _change(self, item: Shown, **changes: Any) -> None:
        with self._lock:
            for key, value in changes.items():
                setattr(item, key, value)
            item.version += 1
        self.on_show(item)

    def _new(self, kind: str, **fields: Any) -> Shown:
        return self._show(Shown(seq=next(self._feed_seq), kind=kind, **fields))

    def item(self, seq: int) -> Shown | None:
        with self._lock:
            return next((i for i in self.feed if i.seq == seq), None)

    def open_modal(self, user_id: str | None = None) -> Shown | None:
        """The modal on top of `user_id`'s screen, if one is open."""
        user_id = user_id or self.user_id
        with self._lock:
            return next((i for i in reversed(self.feed) if i.kind == "modal" and i.viewer == user_id
                         and not i.closed), None)

    def _on_call(self, call: Call) -> None:
        """response_url posts (no Web API answer to wait for): an ephemeral, a channel post, or a replacement."""
        if call.method != "response_url" or call.args.get("_fault"):
            return
        args = call.args
        channel, user, target = self._responses.get(call.path, (self.channel, self.user_id, None))
        original = self.item(target) if target is not None else None
        blocks, text = _blocks(args.get("blocks")), str(args.get("text") or "")
        if original is not None and _truthy(args.get("delete_original")):
            self._change(original, closed=True)
        elif original is not None and _truthy(args.get("replace_original")):
            self._change(original, blocks=blocks, text=text)
        elif args.get("response_type") == "in_channel":
            self._new("message", channel=channel, blocks=blocks, text=text, ts=f"{time.time():.6f}")
        else:
            self._new("ephemeral", channel=channel, viewer=user, blocks=blocks, text=text)

    def _on_answer(self, call: Call, answer: dict[str, Any]) -> None:
        """A Web API call that took effect: what it changed on a user's screen."""
        args, method = call.args, call.method
        if method == "chat.postMessage":
            self._new("message", channel=str(answer.get("channel")), ts=str(answer.get("ts")),
                      blocks=_blocks(args.get("blocks")), text=str(args.get("text") or ""))
        elif method == "chat.postEphemeral":
            self._new("ephemeral", channel=str(args.get("channel")), viewer=str(args.get("user")),
                      blocks=_blocks(args.get("blocks")), text=str(args.get("text") or ""))
        elif method in ("chat.update", "chat.delete"):
            found = self._message_at(str(args.get("channel")), str(args.get("ts")))
            if found is not None and method == "chat.update":
                self._change(found, blocks=_blocks(args.get("blocks")), text=str(args.get("text") or ""))
            elif found is not None:
                self._change(found, closed=True)
        elif method in ("views.open", "views.push"):
            user = self._triggers.get(str(args.get("trigger_id")), self.user_id)
            if method == "views.open":
                for modal in [i for i in self.feed if i.kind == "modal" and i.viewer == user and not i.closed]:
                    self._change(modal, closed=True)
            self.filled = {}
            self._new("modal", viewer=user, view=answer.get("view"))
        elif method == "views.update":
            view = answer.get("view") or {}
            found = next((i for i in self.feed if i.view and i.view.get("id") == args.get("view_id")), None)
            if found is not None:
                self._change(found, view={**view, "id": args.get("view_id")}, errors={})
        elif method == "views.publish":
            user = str(args.get("user_id"))
            for old in [i for i in self.feed if i.kind == "home" and i.viewer == user and not i.closed]:
                old.closed = True
            self._new("home", viewer=user, view=answer.get("view"))
        elif method == "files.completeUploadExternal":
            self._files_shared(args)

    def _message_at(self, channel: str, ts: str) -> Shown | None:
        with self._lock:
            return next((i for i in self.feed if i.ts == ts and i.channel in (channel, dm_channel(channel))), None)

    def _files_shared(self, args: dict[str, Any]) -> None:
        files = args.get("files")
        ids = [f["id"] for f in (json.loads(files) if isinstance(files, str) else files or [])]
        shared = []
        for upload in self.slack.uploads():
            if upload.get("id") not in ids:
                continue
            name = str(upload.get("name") or "file")
            path = save_unique(self.files_dir, f"{clock.now():%Y%m%d-%H%M%S}-{name}", upload["content"])
            shared.append({"id": upload["id"], "name": name, "title": upload.get("title") or name, "path": str(path),
                           "image": name.lower().endswith((".png", ".jpg", ".jpeg", ".gif", ".svg"))})
        channel = str(args.get("channel_id") or args.get("channels") or "")
        self._new("message", channel=self.slack._channel_id(channel), ts=f"{time.time():.6f}",
                  text=str(args.get("initial_comment") or ""), files=shared)

    # -- input ------------------------------------------------------------------------------------
    def _dispatch(self, body: str, content_type: str) -> BoltResponse:
        assert self.app is not None
        headers = signed_headers(self.secret, body, content_type=content_type)
        response = self.app.dispatch(BoltRequest(body=body, headers={k: [v] for k, v in headers.items()}))
        self.app.listener_runner.listener_executor.wait_idle(timeout=120)  # type: ignore[attr-defined]
        return response

    def _ack_answer(self, response: BoltResponse, channel: str) -> None:
        """What a command's ack said (an ephemeral reply to the user, or a post in the channel)."""
        if not response.body:
            return
        try:
            payload = json.loads(response.body)
        except ValueError:
            self._new("ephemeral", channel=channel, viewer=self.user_id, text=response.body)
            return
        kind = "message" if payload.get("response_type") == "in_channel" else "ephemeral"
        self._new(kind, channel=channel, viewer=self.user_id if kind == "ephemeral" else "",
                  blocks=_blocks(payload.get("blocks")), text=str(payload.get("text") or ""))

    def _trigger_id(self) -> str:
        trigger = f"{next(self._seq)}.{self._session_tag}.console"
        self._triggers[trigger] = self.user_id
        return trigger

    def _response_url(self, channel: str, item: int | None = None) -> str:
        url = self.slack.new_response_url()
        self._responses[url[len(self.slack.url) - 1:]] = (channel, self.user_id, item)
        return url

    def command(self, line: str, channel: str | None = None) -> BoltResponse:
        channel = channel or self.channel
        command, _, text = line.strip().partition(" ")
        name = self.slack.channels.get(channel, {}).get("name", "directmessage")
        body = slash_command_body(command=command, text=text.strip(), user_id=self.user_id, team_id=self.team_id,
                                  response_url=self._response_url(channel), trigger_id=self._trigger_id(),
                                  channel_id=channel, channel_name=name)
        response = self._dispatch(body, "application/x-www-form-urlencoded")
        self._ack_answer(response, channel)
        return response

    def message(self, text: str, files: list[dict[str, Any]] | None = None) -> BoltResponse:
        """A direct message from the current user to the bot (a check-in answer, a shared file)."""
        n = next(self._seq)
        channel = dm_channel(self.user_id)
        ts = f"{time.time():.6f}"
        self._new("message", channel=channel, author=self.user_id, text=text, ts=ts,
                  files=[{"id": f["id"], "name": f["name"], "title": f.get("title", ""), "path": "", "image": False}
                         for f in files or []])
        event: dict[str, Any] = {"type": "message", "channel": channel, "channel_type": "im", "user": self.user_id,
                                 "text": text, "ts": ts, "event_ts": ts}
        if files:
            event.update(subtype="file_share", files=files)
        body = event_body(event=event, team_id=self.team_id, event_id=f"Ev{self._session_tag}{n:06d}")
        return self._dispatch(body, "application/json")

    def say_in_channel(self, channel: str, text: str) -> Shown:
        """The current user writes in a channel without mentioning the bot: everyone sees it, Slack sends the bot
        nothing (salesbot subscribes to DMs and mentions only)."""
        return self._new("message", channel=channel, author=self.user_id, text=text, ts=f"{time.time():.6f}")

    def open_home(self) -> BoltResponse:
        """The user opens the bot's Home tab (Slack sends app_home_opened; the app publishes the view)."""
        n = next(self._seq)
        event = {"type": "app_home_opened", "user": self.user_id, "channel": dm_channel(self.user_id), "tab": "home",
                 "event_ts": f"{time.time():.6f}"}
        body = event_body(event=event, team_id=self.team_id, event_id=f"Ev{self._session_tag}{n:06d}")
        return self._dispatch(body, "application/json")

    def find_clickable(self, label: str) -> tuple[Shown, Clickable] | None:
        """The newest button or menu option the user can see whose label (or action id) is `label`."""
        wanted = label.strip().strip('"').casefold()
        with self._lock:
            items = [i for i in reversed(self.feed) if i.visible_to(self.user_id) and not i.closed]
        for exact in (True, False):
            for item in items:
                for c in clickables((item.view or {}).get("blocks") if item.view else item.blocks):
                    names = (c.label.casefold(), c.action_id.casefold())
                    if wanted in names if exact else any(n.startswith(wanted) for n in names if wanted):
                        return item, c
        return None

    def act(self, item: Shown, action: Clickable, value: str | None = None) -> BoltResponse:
        """Press a button (or choose a menu option) of `item`, as Slack sends it: a block_actions payload."""
        sent: dict[str, Any] = {"action_id": action.action_id, "block_id": action.block_id, "type": action.kind,
                                "action_ts": f"{time.time():.6f}"}
        if action.option is not None:
            sent["selected_option"] = action.option
        else:
            sent["value"] = value if value is not None else action.value
            sent["text"] = {"type": "plain_text", "text": action.label}
        payload: dict[str, Any] = {"type": "block_actions", "team": {"id": self.team_id},
                                   "user": {"id": self.user_id, "team_id": self.team_id},
                                   "api_app_id": "A0SALESBOT", "trigger_id": self._trigger_id(), "actions": [sent]}
        if item.view is not None:
            payload["container"] = {"type": "view", "view_id": item.view.get("id")}
            payload["view"] = {**item.view, "state": {"values": view_state(item.view, {})}}
        else:
            channel = item.channel or self.channel
            payload.update(response_url=self._response_url(channel, item.seq), channel={"id": channel},
                           container={"type": "message", "message_ts": item.ts, "channel_id": channel,
                                      "is_ephemeral": item.kind == "ephemeral"},
                           message={"ts": item.ts, "text": item.text, "blocks": item.blocks})
        return self._dispatch(interaction_body(payload), "application/x-www-form-urlencoded")

    def click(self, label: str, value: str | None = None) -> BoltResponse | None:
        found = self.find_clickable(label)
        if found is None:
            shown = [c.label for i in self.feed[-3:] for c in clickables(i.blocks)]
            self.print(f"No button {label!r} here." + (f" Buttons: {', '.join(shown)}" if shown else ""))
            return None
        return self.act(*found, value=value)

    def submit(self, modal: Shown, values: dict[str, Any]) -> dict[str, Any]:
        """Submit a modal with `values` (block_id -> what was typed or chosen); the app's answer (errors, update)."""
        assert modal.view is not None
        view = {**modal.view, "state": {"values": view_state(modal.view, values, resolve=self.resolve)}}
        payload = {"type": "view_submission", "team": {"id": self.team_id},
                   "user": {"id": self.user_id, "team_id": self.team_id}, "api_app_id": "A0SALESBOT",
                   "trigger_id": self._trigger_id(), "view": view, "response_urls": []}
        response = self._dispatch(interaction_body(payload), "application/x-www-form-urlencoded")
        try:
            answer = json.loads(response.body) if response.body else {}
        except ValueError:
            answer = {}
        action = answer.get("response_action")
        if action == "errors":
            self._change(modal, errors=dict(answer.get("errors") or {}))
        elif action == "update":
            self._change(modal, view={**answer.get("view", {}), "id": modal.view.get("id")}, errors={})
        elif action == "push":
            self._new("modal", viewer=self.user_id, view=answer.get("view"))
        elif action == "clear":
            for open_one in [i for i in self.feed if i.kind == "modal" and i.viewer == self.user_id and not i.closed]:
                self._change(open_one, closed=True)
        else:
            self._change(modal, closed=True)
        return answer

    def cancel(self, modal: Shown) -> None:
        self._change(modal, closed=True)

    def resolve(self, word: str) -> str:
        """A person or channel as typed (`@name`, `#name`, a display name) to its id, as Slack's pickers do."""
        word = word.strip()
        if word.startswith("#"):
            name = word[1:].casefold()
            return next((cid for cid, c in self.slack.channels.items() if c["name"].casefold() == name), word)
        name = word.lstrip("@").casefold()
        for uid, user in self.slack.users.items():
            if name in (uid.casefold(), user["name"].casefold(), user["real_name"].casefold()):
                return uid
        return word

    def handle(self, line: str) -> bool:  # noqa: C901 - one branch per console command
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
        elif line == ":channels":
            for cid, c in self.slack.channels.items():
                mark = "*" if cid == self.channel else " "
                self.print(f"{mark} #{c['name']}  {cid}  {c['topic']['value']}")
        elif line.startswith(":in "):
            wanted = self.resolve(line[4:].strip())
            if wanted in self.slack.channels:
                self.channel = wanted
                self.print(f"Commands now typed in #{self.slack.channels[wanted]['name']}.")
            else:
                self.print(f"No channel {line[4:].strip()} (:channels lists them).")
        elif line.startswith(":as "):
            self.user_id = line.split(None, 1)[1].strip()
            if self.user_id not in self.slack.users:
                self.slack.add_user(self.user_id, self.user_id)
            self.print(f"Now acting as {self.user_id}.")
        elif line == ":home":
            self.open_home()
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
            self._click_line(line[7:])
        elif line.startswith((":fill ", ":submit", ":cancel")):
            self._form_line(line)
        elif line.startswith("/"):
            self.command(line)
        else:
            self.message(line)
        return True

    def _click_line(self, rest: str) -> None:
        """`:click Share in channel`, `:click kpi_share`, `:click "Answer in a form" 12` (a value after quotes)."""
        quoted = re.fullmatch(r'"([^"]+)"\s*(.*)', rest.strip())
        if quoted:
            self.click(quoted.group(1), quoted.group(2) or None)
        elif self.find_clickable(rest) is not None:
            self.click(rest)
        else:
            label, _, value = rest.strip().rpartition(" ")
            self.click(label or value, value if label else None)

    def _form_line(self, line: str) -> None:
        modal = self.open_modal()
        if modal is None or modal.view is None:
            self.print("No form is open (a command such as /checkin setup opens one).")
            return
        inputs = [b for b in modal.view.get("blocks", []) if b.get("type") == "input"]
        if line.startswith(":cancel"):
            self.cancel(modal)
        elif line.startswith(":submit"):
            self.submit(modal, dict(self.filled))
        else:
            _, which, value = (line.split(None, 2) + ["", ""])[:3]
            block = next((b for i, b in enumerate(inputs, 1) if which in (str(i), b.get("block_id"))), None)
            if block is None:
                self.print(f"No input {which!r}: the form has {len(inputs)} (1–{len(inputs)}).")
                return
            self.filled[block["block_id"]] = value.replace("\\n", "\n")  # `\n` types a line break
            self.print(render_view(modal.view, values=self.filled))

    def tick(self, iso: str | None = None) -> None:
        """`:tick [ISO] [--dry-run]`: the same rule as `salesbot tick --now` (a future moment only as a dry run)."""
        from bot.scheduler import TickRefused, manual_tick_moment

        words = (iso or "").split()
        dry_run = "--dry-run" in words
        moment = " ".join(w for w in words if w != "--dry-run") or None
        try:
            now = manual_tick_moment(moment, dry_run=dry_run, flag=":tick")
        except TickRefused as refused:
            self.print(str(refused))
            return
        scheduler = self.scheduler()
        if dry_run:
            self.print("\n".join(scheduler.dry_run_lines(now)))
            return
        report = scheduler.tick(now)
        self.print(f"tick {now.isoformat()}: sent {report.sent}, retrying {report.retrying}, "
                   f"failed {report.failed}, skipped {report.skipped}")

    def scheduler(self) -> Any:
        from bot.scheduler import Scheduler
        from handlers import job_sources

        assert self.app is not None
        return Scheduler(self.deps, self.app.client, job_sources(), teams={self.team_id})


def _truthy(value: Any) -> bool:
    return value is True or str(value).lower() == "true"


def _blocks(value: Any) -> list[Block]:
    if isinstance(value, str):
        try:
            value = json.loads(value) if value else []
        except ValueError:
            return []
    return list(value or [])


def save_unique(directory: Path, name: str, content: bytes) -> Path:
    """Write `content` as `name` in `directory`, or as `name-2`, `name-3`… when that file exists (two charts made
    in the same second keep both); never overwrites."""
    directory.mkdir(parents=True, exist_ok=True)
    stem, dot, suffix = name.rpartition(".") if "." in name else (name, "", "")
    for n in itertools.count(1):
        candidate = directory / (name if n == 1 else f"{stem}-{n}{dot}{suffix}")
        try:
            with open(candidate, "xb") as handle:
                handle.write(content)
            return candidate
        except FileExistsError:
            continue
    raise AssertionError("unreachable")


def _option_for(element: Block, wanted: str) -> Block | None:
    wanted = wanted.strip().casefold()
    for opt in options_of(element):
        text = str((opt.get("text") or {}).get("text", "")).casefold()
        if wanted in (str(opt.get("value", "")).casefold(), text):
            return opt
    return None


def _words(value: Any) -> list[str]:
    if isinstance(value, list):
        return [str(v) for v in value if str(v).strip()]
    return [w for w in re.split(r"[,\s]+", str(value or "")) if w]


def view_state(view: Block, values: dict[str, Any], *, resolve: Callable[[str], str] = str) -> dict[str, Any]:
    """A modal's `state.values` as Slack sends it on submit: what was filled in (`values`: block_id -> the text
    typed, the option chosen by value or label, a list for multi-selects and checkboxes), else each element's
    initial value."""
    state: dict[str, Any] = {}
    for block in view.get("blocks", []):
        el = block.get("element") if block.get("type") == "input" else None
        if not el:
            continue
        kind, given = el.get("type", ""), values.get(block.get("block_id", ""))
        entry: dict[str, Any] = {"type": kind}
        if kind in ("plain_text_input", "number_input", "email_text_input", "url_text_input"):
            entry["value"] = given if given is not None else el.get("initial_value")
            if entry["value"] == "":
                entry["value"] = None
        elif kind in ("static_select", "radio_buttons"):
            entry["selected_option"] = (_option_for(el, str(given)) if given not in (None, "")
                                        else el.get("initial_option"))
        elif kind in ("checkboxes", "multi_static_select"):
            if given is None:
                entry["selected_options"] = list(el.get("initial_options") or [])
            elif isinstance(given, str) and given.strip().casefold() in ("yes", "y", "x", "on", "true"):
                entry["selected_options"] = options_of(el)[:1]
            else:
                entry["selected_options"] = [o for w in _words(given) if (o := _option_for(el, w))]
        elif kind == "timepicker":
            entry["selected_time"] = given or el.get("initial_time")
        elif kind == "datepicker":
            entry["selected_date"] = given or el.get("initial_date")
        elif kind == "users_select":
            entry["selected_user"] = resolve(str(given)) if given else el.get("initial_user")
        elif kind == "multi_users_select":
            entry["selected_users"] = [resolve(w) for w in _words(given)] if given else list(
                el.get("initial_users") or [])
        elif kind in ("conversations_select", "channels_select"):
            key = "selected_conversation" if kind == "conversations_select" else "selected_channel"
            entry[key] = resolve(str(given)) if given else el.get("initial_conversation") or el.get("initial_channel")
        else:
            entry["value"] = given
        state.setdefault(block["block_id"], {})[el.get("action_id", "value")] = entry
    return state


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
