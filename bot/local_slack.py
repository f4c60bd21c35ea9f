"""A Slack Web API on loopback: the console's stand-in for Slack, and the fake Slack of the tests.

It answers the Web API methods salesbot calls (chat.*, conversations.open, users.*, files upload v2,
views.*), receives `response_url` posts, serves uploaded files for download, and records every call so
the console can print it and tests can assert on it. Posted messages are kept per channel, with their
message metadata, and read back by `conversations.history` / `conversations.replies` (paged, metadata only
with `include_all_metadata`, as Slack does).

Faults can be queued per method (also for `response_url` and `upload`): 429 with Retry-After and 5xx (Slack
did not act), a Slack error (ok=false), and two where Slack DID act but the caller cannot know: `hang`
(the answer comes after that many seconds, past the client's timeout) and `drop` (the connection is closed
without an answer). Nothing here is used when the bot talks to the real Slack.
"""

import base64
import itertools
import json
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse


@dataclass
class Call:
    """One request the app made: the Web API method (or 'response_url' / 'upload') and its arguments."""

    method: str
    args: dict[str, Any]
    body: bytes = b""
    at: float = field(default_factory=time.time)
    path: str = ""  # the URL path called (which response_url a post went to)
    token: str = ""  # the bearer token it carried (which workspace's bot sent it)


@dataclass
class Fault:
    status: int = 429
    retry_after: int | None = 1
    error: str | None = None  # a Slack error code returned with HTTP 200 and ok=false
    delay: float = 0.0  # slow, then answered normally (status 200, no error) or with the fault
    hang: float = 0.0  # acted on, then the answer is held this many seconds (past the client's timeout)
    drop: bool = False  # acted on, then the connection is closed without an answer

    @property
    def acted(self) -> bool:
        """Whether Slack did what was asked despite the fault (the caller cannot tell)."""
        return self.drop or self.hang > 0


class _Server(ThreadingHTTPServer):
    request_queue_size = 256  # many senders at once (two tick processes x 8 workers), as Slack takes them
    daemon_threads = True


class LocalSlack:
    """A threaded HTTP server on 127.0.0.1 (port 0 by default) speaking enough of the Slack Web API."""

    def __init__(self, team_id: str = "T0001", bot_user_id: str = "UBOT", port: int = 0, *,
                 team_name: str = "Local Sales", bot_id: str = "B0001") -> None:
        self.team_id = team_id
        self.team_name = team_name
        self.bot_user_id = bot_user_id
        self.bot_id = bot_id
        self.calls: list[Call] = []
        self.users: dict[str, dict[str, Any]] = {}
        self.files: dict[str, dict[str, Any]] = {}
        self.faults: dict[str, list[Fault]] = {}
        self.fault_every: dict[str, tuple[int, Fault]] = {}
        self.listeners: list[Callable[[Call], None]] = []  # told of each call as it arrives
        self.answered: list[Callable[[Call, dict[str, Any]], None]] = []  # told of each Web API answer that took effect
        self.messages: dict[str, list[dict[str, Any]]] = {}  # channel -> messages in posting order
        self.channels: dict[str, dict[str, Any]] = {}  # id -> conversations.list object (add_channel)
        self.socket_mode_url: Callable[[], str] | None = None  # apps.connections.open (tests/socket_slack.py)
        # Many workspaces: bot token -> (team id, team name, bot user id, bot id), and the one-time codes of
        # oauth.v2.access (code -> the installation it grants), see `add_install`.
        self.workspaces: dict[str, tuple[str, str, str, str]] = {}
        self.install_codes: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()
        self._seq = itertools.count(1)
        self._method_counts: dict[str, int] = {}
        self._server = _Server(("127.0.0.1", port), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="local-slack", daemon=True)

    # -- lifecycle -------------------------------------------------------------------------------
    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/"

    @property
    def api_url(self) -> str:
        return self.url + "api/"

    def start(self) -> "LocalSlack":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> "LocalSlack":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- configuration ---------------------------------------------------------------------------
    def add_user(self, user_id: str, name: str, *, tz: str = "UTC", locale: str = "en-US", email: str = "",
                 status_text: str = "", status_emoji: str = "", real_name: str | None = None,
                 display_name: str | None = None, deleted: bool = False, is_bot: bool = False) -> dict[str, Any]:
        """A person (or bot) of the workspace: `name` is the handle; real and display name default to it."""
        real = name if real_name is None else real_name
        self.users[user_id] = {
            "id": user_id, "team_id": self.team_id, "name": name, "real_name": real, "tz": tz,
            "locale": locale, "is_bot": is_bot, "deleted": deleted,
            "profile": {"real_name": real, "display_name": name if display_name is None else display_name,
                        "email": email, "status_text": status_text, "status_emoji": status_emoji},
        }
        return self.users[user_id]

    def add_channel(self, channel_id: str, name: str, *, is_private: bool = False, topic: str = "") -> dict[str, Any]:
        """A channel of the workspace, listed by `conversations.list` (what `#name` in a command resolves through)."""
        self.channels[channel_id] = {
            "id": channel_id, "name": name, "is_channel": not is_private, "is_group": is_private,
            "is_private": is_private, "is_archived": False, "is_member": True,
            "topic": {"value": topic}, "purpose": {"value": topic},
        }
        return self.channels[channel_id]

    def add_install(self, code: str, *, team_id: str, team_name: str, bot_token: str, bot_user_id: str = "UBOT",
                    bot_id: str = "B0001", installer: str = "UINSTALLER", client_id: str = "",
                    client_secret: str = "") -> None:
        """A workspace whose installer approved the app: `oauth.v2.access` with `code` (once, and with the app's
        client id and secret when given) answers with its bot token, and `auth.test` knows that token."""
        self.workspaces[bot_token] = (team_id, team_name, bot_user_id, bot_id)
        self.install_codes[code] = {
            "ok": True, "app_id": "A0SALESBOT", "authed_user": {"id": installer}, "scope": "chat:write,commands",
            "token_type": "bot", "access_token": bot_token, "bot_user_id": bot_user_id,
            "team": {"id": team_id, "name": team_name}, "enterprise": None, "is_enterprise_install": False,
            "_client": (client_id, client_secret),
        }

    def fail_next(self, method: str, *faults: Fault) -> None:
        """Queue faults for the next calls of `method` ('*' for any method)."""
        with self._lock:
            self.faults.setdefault(method, []).extend(faults)

    def fail_every(self, method: str, n: int, fault: Fault) -> None:
        """Answer every n-th call of `method` with `fault` ('*' counts all methods)."""
        self.fault_every[method] = (n, fault)

    def add_messages(self, channel: str, count: int, *, user: str = "UOTHER", text: str = "chatter") -> None:
        """`count` messages by a person in `channel`, newer than everything in it (a busy channel)."""
        for i in range(count):
            self._store(channel, f"{time.time():.6f}", {"text": f"{text} {i}", "user": user})

    def new_response_url(self) -> str:
        return f"{self.url}response/{next(self._seq)}"

    def add_file(self, content: bytes, name: str, *, user: str, filetype: str = "csv") -> dict[str, Any]:
        """Make a file as if a user had shared it in Slack; returns its `files.info` object."""
        file_id = f"F{next(self._seq):06d}"
        info = {
            "id": file_id, "name": name, "title": name, "filetype": filetype, "size": len(content),
            "user": user, "url_private": f"{self.url}files/{file_id}",
            "url_private_download": f"{self.url}files/{file_id}?download=1",
        }
        self.files[file_id] = {"info": info, "content": content}
        return info

    # -- queries for tests and the console ------------------------------------------------------
    def calls_to(self, method: str) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.method == method]

    def wait_for(self, method: str, count: int = 1, timeout: float = 10.0) -> list[Call]:
        """Wait until `method` was called `count` times; returns those calls (raises on timeout)."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            found = self.calls_to(method)
            if len(found) >= count:
                return found
            time.sleep(0.01)
        raise TimeoutError(f"{method} called {len(self.calls_to(method))} times, expected {count}")

    def uploads(self) -> list[dict[str, Any]]:
        """Completed uploads: each with filename, title, channel, initial_comment, content bytes."""
        out = []
        for call in self.calls_to("files.completeUploadExternal"):
            files = call.args.get("files")
            files = json.loads(files) if isinstance(files, str) else files or []
            for f in files:
                stored = self.files.get(f["id"], {})
                out.append({**stored.get("info", {}), "channel_id": call.args.get("channel_id"),
                            "initial_comment": call.args.get("initial_comment"),
                            "thread_ts": call.args.get("thread_ts"), "content": stored.get("content", b""),
                            "title": f.get("title")})
        return out

    def posted(self, channel: str | None = None) -> list[dict[str, Any]]:
        """Messages that exist in Slack now (what a user would see), in one channel or all, oldest first."""
        with self._lock:
            channels = [channel] if channel else list(self.messages)
            return [m for c in channels for m in self.messages.get(c, [])]

    def reset(self) -> None:
        with self._lock:
            self.messages.clear()
            self.calls.clear()
            self.faults.clear()
            self.fault_every.clear()
            self._method_counts.clear()

    # -- behaviour -------------------------------------------------------------------------------
    def _record(self, call: Call) -> None:
        with self._lock:
            self.calls.append(call)
        for listener in list(self.listeners):
            listener(call)

    def _pick_fault(self, method: str) -> Fault | None:
        """The fault for this call of `method`; '*' faults apply to Web API methods only (not to
        'response_url' and 'upload', which are faulted by name)."""
        web_api = method not in ("response_url", "upload")
        with self._lock:
            n = self._method_counts[method] = self._method_counts.get(method, 0) + 1
            total = self._method_counts["*"] = self._method_counts.get("*", 0) + web_api
            for key in (method, "*") if web_api else (method,):
                queue = self.faults.get(key)
                if queue:
                    return queue.pop(0)
            for key, count in ((method, n), ("*", total)) if web_api else ((method, n),):
                every = self.fault_every.get(key)
                if every and count % every[0] == 0:
                    return every[1]
        return None

    def api(self, method: str, args: dict[str, Any], token: str = "") -> dict[str, Any]:  # noqa: C901 - a table
        """The JSON answer for a successful call of `method` (`token`: the bearer token, or the `token` argument)."""
        ts = f"{time.time():.6f}"
        user = args.get("user") or args.get("users")
        if method == "auth.test":  # the shape Slack answers for a bot token
            token = token or str(args.get("token") or "")
            if not token.startswith("xoxb-"):
                return {"ok": False, "error": "invalid_auth" if token else "not_authed"}
            team_id, team_name, bot_user_id, bot_id = self.workspaces.get(
                token, (self.team_id, self.team_name, self.bot_user_id, self.bot_id))
            return {"ok": True, "url": self.url, "team": team_name, "user": "salesbot",
                    "team_id": team_id, "user_id": bot_user_id, "bot_id": bot_id, "is_enterprise_install": False}
        if method == "oauth.v2.access":  # the install's code for the workspace's bot token, once
            with self._lock:
                grant = self.install_codes.pop(str(args.get("code") or ""), None)
            if grant is None:
                return {"ok": False, "error": "invalid_code"}
            client_id, client_secret = grant.pop("_client")
            if client_id and (args.get("client_id"), args.get("client_secret")) != (client_id, client_secret):
                return {"ok": False, "error": "bad_client_secret"}
            return grant
        if method == "apps.connections.open":  # an app-level token; the URL of a Socket Mode endpoint, if any
            token = token or str(args.get("token") or "")
            if not token.startswith("xapp-"):
                return {"ok": False, "error": "invalid_auth" if token else "not_authed"}
            if self.socket_mode_url is None:
                return {"ok": False, "error": "socket_mode_not_enabled"}
            return {"ok": True, "url": self.socket_mode_url()}
        if method == "chat.postMessage":
            channel = self._channel_id(str(args.get("channel") or ""))
            message = self._store(channel, ts, {"text": args.get("text") or "", "blocks": _as_list(args.get("blocks")),
                                                "thread_ts": args.get("thread_ts"),
                                                "metadata": _as_obj(args.get("metadata")) or None})
            return {"ok": True, "channel": channel, "ts": ts, "message": message}
        if method in ("chat.update", "chat.postEphemeral", "chat.scheduleMessage"):
            ret: dict[str, Any] = {"ok": True, "channel": args.get("channel"), "ts": args.get("ts") or ts}
            if method == "chat.postEphemeral":
                ret = {"ok": True, "message_ts": ts}
            return ret
        if method in ("conversations.history", "conversations.replies"):
            return self._history(method, args)
        if method == "chat.delete":
            return {"ok": True, "channel": args.get("channel"), "ts": args.get("ts")}
        if method == "conversations.open":
            first = str(user).split(",")[0]
            return {"ok": True, "channel": {"id": "D" + first.lstrip("U")}}
        if method == "conversations.info":
            known = self.channels.get(str(args.get("channel")))
            return {"ok": True, "channel": known or {"id": args.get("channel"), "is_member": True,
                                                     "is_archived": False}}
        if method == "conversations.list":
            return self._channels_page(args)
        if method == "conversations.join":
            return {"ok": True, "channel": {"id": args.get("channel")}}
        if method == "users.info":
            found = self.users.get(str(user))
            return {"ok": True, "user": found} if found else {"ok": False, "error": "user_not_found"}
        if method == "users.lookupByEmail":
            email = str(args.get("email", "")).lower()
            for u in self.users.values():
                if u["profile"].get("email", "").lower() == email and email:
                    return {"ok": True, "user": u}
            return {"ok": False, "error": "users_not_found"}
        if method == "users.list":
            return self._users_page(args)
        if method == "files.getUploadURLExternal":
            file_id = f"F{next(self._seq):06d}"
            info = {"id": file_id, "name": args.get("filename"), "alt_txt": args.get("alt_txt")}
            self.files[file_id] = {"info": info, "content": b""}
            return {"ok": True, "upload_url": f"{self.url}upload/{file_id}", "file_id": file_id}
        if method == "files.completeUploadExternal":
            files = args.get("files")
            files = json.loads(files) if isinstance(files, str) else files or []
            shared = [{"id": f["id"], "title": f.get("title"), "name": self.files.get(f["id"], {}).get("info", {})
                       .get("name")} for f in files]
            channel = args.get("channel_id") or args.get("channels")
            if channel:
                self._store(self._channel_id(str(channel)), ts, {"text": args.get("initial_comment") or "",
                                                                 "files": shared, "thread_ts": args.get("thread_ts")})
            return {"ok": True, "files": [{"id": f["id"], "title": f["title"]} for f in shared]}
        if method == "files.info":
            stored = self.files.get(str(args.get("file")))
            return {"ok": True, "file": stored["info"]} if stored else {"ok": False, "error": "file_not_found"}
        if method in ("views.open", "views.push", "views.update", "views.publish"):
            return {"ok": True, "view": {"id": f"V{next(self._seq):06d}", **_as_obj(args.get("view"))}}
        if method == "reactions.add":
            return {"ok": True}
        return {"ok": True}

    def _channel_id(self, channel: str) -> str:
        """Posting to a user id posts in the DM with them, as Slack does."""
        return "D" + channel.lstrip("U") if channel[:1] == "U" else channel

    def _store(self, channel: str, ts: str, fields: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            # distinct, increasing ts per channel (Slack's message ids)
            existing = self.messages.setdefault(channel, [])
            if existing and float(ts) <= float(existing[-1]["ts"]):
                ts = f"{float(existing[-1]['ts']) + 0.000001:.6f}"
            message = {"type": "message", "ts": ts, "user": self.bot_user_id, "bot_id": "B0001",
                       **{k: v for k, v in fields.items() if v is not None}}
            existing.append(message)
            return message

    def _history(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        """conversations.history (top-level messages, newest first) and .replies (a thread, oldest first)."""
        channel = str(args.get("channel") or "")
        with self._lock:
            if channel not in self.messages and not channel.startswith(("C", "D", "G")):
                return {"ok": False, "error": "channel_not_found"}
            every = list(self.messages.get(channel, []))
        if method == "conversations.history":
            found = [m for m in reversed(every) if not m.get("thread_ts") or m["thread_ts"] == m["ts"]]
        else:
            parent = str(args.get("ts") or "")
            found = [m for m in every if m["ts"] == parent or m.get("thread_ts") == parent]
            if not found:
                return {"ok": False, "error": "thread_not_found"}
        oldest, latest = float(args.get("oldest") or 0), float(args.get("latest") or "inf")
        found = [m for m in found if oldest <= float(m["ts"]) <= latest]
        if str(args.get("include_all_metadata", "")).lower() not in ("true", "1"):
            found = [{k: v for k, v in m.items() if k != "metadata"} for m in found]
        start = int(args.get("cursor") or 0)
        limit = max(1, min(int(args.get("limit") or 100), 999))
        page = found[start:start + limit]
        more = start + limit < len(found)
        return {"ok": True, "messages": page, "has_more": more,
                "response_metadata": {"next_cursor": str(start + limit) if more else ""}}

    def _channels_page(self, args: dict[str, Any]) -> dict[str, Any]:
        """conversations.list: the channels of the asked `types`, `limit` a page, then `next_cursor`."""
        types = str(args.get("types") or "public_channel").split(",")
        wanted = [c for c in self.channels.values()
                  if ("private_channel" if c["is_private"] else "public_channel") in types]
        limit = max(1, min(int(args.get("limit") or 100), 1000))
        start = int(args.get("cursor") or 0)
        more = start + limit < len(wanted)
        return {"ok": True, "channels": wanted[start:start + limit],
                "response_metadata": {"next_cursor": str(start + limit) if more else ""}}

    def _users_page(self, args: dict[str, Any]) -> dict[str, Any]:
        """users.list as Slack pages it: `limit` people (at most 1,000), then an opaque `next_cursor`."""
        limit = max(1, min(int(args.get("limit") or 1000), 1000))
        cursor = str(args.get("cursor") or "")
        try:
            start = int(cursor.removeprefix("dXNlcjo")) if cursor else 0
        except ValueError:
            return {"ok": False, "error": "invalid_cursor"}
        people = list(self.users.values())
        page = people[start:start + limit]
        more = start + limit < len(people)
        return {"ok": True, "members": page, "cache_ts": int(time.time()),
                "response_metadata": {"next_cursor": f"dXNlcjo{start + limit}" if more else ""}}

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        slack = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:  # silence the default stderr log
                pass

            def _reply(self, status: int, payload: Any, headers: dict[str, str] | None = None,
                       raw: bytes | None = None) -> None:
                body = raw if raw is not None else json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json" if raw is None else "application/octet-stream")
                self.send_header("Content-Length", str(len(body)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:  # noqa: N802
                path = urlparse(self.path).path
                if path.startswith("/files/"):
                    stored = slack.files.get(path.rsplit("/", 1)[1])
                    auth = self.headers.get("Authorization", "")
                    slack._record(Call("file_download", {"path": path, "authorized": auth.startswith("Bearer ")}))
                    if stored is None or not auth.startswith("Bearer "):
                        self._reply(404, {"ok": False})
                        return
                    self._reply(200, None, raw=stored["content"])
                    return
                self._reply(404, {"ok": False, "error": "not_found"})

            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                path = urlparse(self.path).path
                if path.startswith("/upload/"):
                    file_id = path.rsplit("/", 1)[1]
                    fault = slack._pick_fault("upload")
                    if fault is None or fault.acted:
                        if file_id in slack.files:
                            slack.files[file_id]["content"] = _multipart_file(body, self.headers) or body
                    slack._record(Call("upload", {"file_id": file_id, **_fault_args(fault)}, body))
                    if not self._fault(fault):
                        self._reply(200, None, raw=b"OK - " + str(len(body)).encode())
                    return
                if path.startswith("/response/"):
                    args = _parse_body(body, self.headers.get("Content-Type", ""))
                    fault = slack._pick_fault("response_url")
                    slack._record(Call("response_url", {**args, **_fault_args(fault)}, body, path=path))
                    if not self._fault(fault):
                        self._reply(200, None, raw=b"ok")
                    return
                if not path.startswith("/api/"):
                    self._reply(404, {"ok": False, "error": "not_found"})
                    return
                method = path[len("/api/"):]
                args = _parse_body(body, self.headers.get("Content-Type", ""))
                args.update({k: v[0] for k, v in parse_qs(urlparse(self.path).query).items()})
                fault = slack._pick_fault(method)
                if fault is not None and fault.delay:
                    time.sleep(fault.delay)
                    if fault.status == 200 and not fault.error and not fault.acted:
                        fault = None  # only slow: answered normally
                authorization = self.headers.get("Authorization", "")
                bearer = authorization.removeprefix("Bearer ").strip() if authorization.startswith("Bearer ") else ""
                client: dict[str, str] = {}
                if authorization.startswith("Basic "):  # oauth.v2.access: the app's client id and secret
                    pair = base64.b64decode(authorization[6:]).decode(errors="replace").split(":", 1)
                    client = {"client_id": pair[0], "client_secret": pair[-1]}
                recorded = {**args, **({"client_id": client["client_id"]} if client else {})}  # never the secret
                slack._record(Call(method, {**recorded, **_fault_args(fault)}, body, token=bearer))
                args = {**args, **client}
                answer = slack.api(method, args, bearer) if fault is None or fault.acted else None
                if answer is not None and answer.get("ok"):
                    for listener in list(slack.answered):
                        listener(Call(method, args, body), answer)
                if not self._fault(fault):
                    self._reply(200, answer)

            def _fault(self, fault: Fault | None) -> bool:
                """Answer with the fault (True), or do nothing when there is none (False)."""
                if fault is None:
                    return False
                if fault.drop:  # acted on; the caller sees the connection close without an answer
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return True
                if fault.hang:  # acted on; the answer comes too late for the caller's timeout
                    time.sleep(fault.hang)
                    self.close_connection = True
                    return True
                if fault.error:
                    self._reply(200, {"ok": False, "error": fault.error})
                    return True
                headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else {}
                self._reply(fault.status, {"ok": False, "error": "ratelimited"
                                           if fault.status == 429 else "internal_error"}, headers)
                return True

        return Handler

    def successful(self, method: str) -> list[Call]:
        """Calls of `method` that were answered without an injected fault."""
        return [c for c in self.calls_to(method) if not c.args.get("_fault")]

    def delivered(self, method: str) -> list[Call]:
        """Calls of `method` that took effect, whether or not the caller saw the answer (hang, drop)."""
        return [c for c in self.calls_to(method) if not c.args.get("_lost")]


def _fault_args(fault: Fault | None) -> dict[str, bool]:
    """Recorded with each call: `_fault` (the caller saw no success), `_lost` (Slack did not act either)."""
    return {"_fault": fault is not None, "_lost": fault is not None and not fault.acted}


def _as_list(value: Any) -> list[Any] | None:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return None
    return value or None


def _as_obj(value: Any) -> dict[str, Any]:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return {}
    return value or {}


def _parse_body(body: bytes, content_type: str) -> dict[str, Any]:
    if not body:
        return {}
    if "json" in content_type:
        return json.loads(body)
    if "multipart" in content_type:
        return {}
    return {k: v[0] for k, v in parse_qs(body.decode("utf-8")).items()}


def _multipart_file(body: bytes, headers: Any) -> bytes | None:
    """Extract the file bytes of a multipart upload (slack_sdk posts the file as multipart)."""
    ctype = headers.get("Content-Type", "")
    if "boundary=" not in ctype:
        return None
    boundary = ctype.split("boundary=", 1)[1].strip('"').encode()
    for part in body.split(b"--" + boundary):
        head, sep, content = part.partition(b"\r\n\r\n")
        if sep and b"filename=" in head:
            return content.removesuffix(b"\r\n")
    return None
