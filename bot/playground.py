"""`salesbot playground`: salesbot in a browser page that looks and behaves like the parts of Slack it uses.

The page (bot/playground_static/) is plain HTML, CSS and JavaScript; this module serves it and a small JSON
API with the standard library's http.server. Behind the API is one `Console` (bot/console.py): the real
Bolt app receiving signed requests, calling a loopback Slack Web API, its output collected as `Shown` items
— the same path the text console and Slack itself take, so nothing here re-implements a feature. The page
draws those items from their Block Kit.

The playground is a sandbox: it makes its own SQLite database (in a temporary folder unless `--dir` is
given) with the demo loaded, so its clock can move forward ("advance to Friday 16:00" runs the scheduler
at every hour on the way) without touching the data of a real workspace.
"""

import base64
import io
import json
import mimetypes
import tempfile
import threading
from datetime import UTC, datetime, time, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

from bot.console import Console, Shown, dm_channel
from bot.render_text import clickables
from bot.settings import Settings
from db import clock
from db.demo import DEMO_MANAGER_NAME, load_demo
from db.engine import get_engine
from db.migrate import upgrade
from db.workspaces import DEMO_TEAM_ID
from reports.chart_fonts import cjk_font_path

STATIC = Path(__file__).with_name("playground_static")
MANAGER = "UDEMOMGR"
MAX_ADVANCE = timedelta(days=31)


class PlaygroundError(ValueError):
    """A request the page should show as a message, not a crash."""


class Playground:
    def __init__(self, settings: Settings, *, folder: Path | None = None, host: str = "127.0.0.1",
                 port: int = 0) -> None:
        self._tmp = None if folder else tempfile.TemporaryDirectory(prefix="salesbot-playground-")
        self.folder = Path(folder or self._tmp.name)  # type: ignore[union-attr]
        self.folder.mkdir(parents=True, exist_ok=True)
        base = settings.model_dump()
        base.update(database_url=f"sqlite:///{self.folder / 'playground.db'}",
                    salesbot_files_dir=str(self.folder / "files"), salesbot_managers=MANAGER)
        self.settings = Settings(**base)
        self._lock = threading.RLock()
        self.console: Console | None = None
        self._server = ThreadingHTTPServer((host, port), _handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="playground", daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/"

    def start(self) -> "Playground":
        engine = get_engine(self.settings.database_url)
        upgrade(engine)
        with engine.connect() as conn:
            loaded = conn.exec_driver_sql("SELECT count(*) FROM member WHERE team_id = ?", (DEMO_TEAM_ID,)).scalar()
        if not loaded:
            load_demo(engine, today=clock.today(), manager_slack_id=MANAGER, timezone=self.settings.salesbot_timezone,
                      language=self.settings.salesbot_language)
        self.console = Console(self.settings, out=io.StringIO(), team_id=DEMO_TEAM_ID, user_id=MANAGER).start()
        self.console.on_show = lambda item: None
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self.console is not None:
            self.console.stop()
        if self._tmp is not None:
            self._tmp.cleanup()

    # -- what the page asks -----------------------------------------------------------------------
    def _as(self, user: str | None) -> Console:
        assert self.console is not None
        if user:
            if user not in self.console.slack.users:
                raise PlaygroundError(f"no such user {user}")
            self.console.user_id = user
        return self.console

    def state(self, user: str) -> dict[str, Any]:
        with self._lock:
            c = self._as(user)
            me = c.slack.users[user]
            items = [self._item_json(i) for i in c.feed if i.visible_to(user) and i.kind in ("message", "ephemeral")
                     and not i.closed]
            modal = c.open_modal(user)
            home = next((i for i in reversed(c.feed) if i.kind == "home" and i.viewer == user and not i.closed), None)
            return {
                "now": clock.now().isoformat(), "now_label": _label(clock.now(), me["tz"]),
                "user": user, "team": {"id": c.team_id, "name": "Demo Sales"},
                "users": [{"id": uid, "name": u["real_name"], "tz": u["tz"], "locale": u["locale"],
                           "manager": uid == MANAGER} for uid, u in c.slack.users.items()],
                "channels": [{"id": cid, "name": ch["name"], "topic": ch["topic"]["value"]}
                             for cid, ch in c.slack.channels.items()],
                "dm": dm_channel(user), "items": items,
                "modal": self._item_json(modal) if modal else None, "home": self._item_json(home) if home else None,
                "names": c.names(),
            }

    def _item_json(self, item: Shown) -> dict[str, Any]:
        data = item.as_json()
        for f in data["files"]:
            f["url"] = f"/files/{Path(f['path']).name}" if f.get("path") else ""
        return data

    def send(self, user: str, channel: str, text: str) -> None:
        """What the message box does: a slash command, a DM to the bot, or a message in a channel."""
        text = text.strip()
        if not text:
            return
        with self._lock:
            c = self._as(user)
            if text.startswith("/"):
                c.command(text, channel=channel)
            elif channel == dm_channel(user):
                c.message(text)
            else:
                c.say_in_channel(channel, text)

    def upload(self, user: str, name: str, content: bytes) -> None:
        """A file dropped in the DM with the bot (a CRM export to import)."""
        with self._lock:
            c = self._as(user)
            info = c.slack.add_file(content, name, user=user, filetype=Path(name).suffix.lstrip(".").lower())
            c.message("", files=[info])

    def action(self, user: str, seq: int, block_id: str, action_id: str, value: str) -> None:
        """A button pressed or a menu option chosen on the page, matched to what the blocks offer."""
        with self._lock:
            c = self._as(user)
            item = c.item(seq)
            if item is None or not item.visible_to(user):
                raise PlaygroundError("that message is gone")
            blocks = item.view.get("blocks") if item.view else item.blocks
            for found in clickables(blocks):
                if (found.block_id, found.action_id, found.value) == (block_id, action_id, value):
                    c.act(item, found)
                    return
            raise PlaygroundError(f"no such button {action_id!r}")

    def submit(self, user: str, seq: int, values: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            c = self._as(user)
            modal = c.item(seq)
            if modal is None or modal.kind != "modal" or modal.closed:
                raise PlaygroundError("that form is closed")
            return c.submit(modal, values)

    def cancel(self, user: str, seq: int) -> None:
        with self._lock:
            c = self._as(user)
            modal = c.item(seq)
            if modal is not None:
                c.cancel(modal)

    def open_home(self, user: str) -> None:
        with self._lock:
            self._as(user).open_home()

    def advance_to(self, moment: datetime) -> str:
        """Move the sandbox's clock forward to `moment`, running the scheduler every hour on the way and at the
        moment itself: what Slack users would have received meanwhile arrives."""
        with self._lock:
            assert self.console is not None
            start = clock.now()
            if moment <= start:
                raise PlaygroundError("the clock only moves forward")
            if moment - start > MAX_ADVANCE:
                raise PlaygroundError("at most 31 days at a time")
            scheduler = self.console.scheduler()
            steps = [start.replace(minute=0, second=0, microsecond=0) + timedelta(hours=h)
                     for h in range(1, int((moment - start).total_seconds() // 3600) + 1)]
            sent = 0
            for step in [s for s in steps if s < moment] + [moment]:
                clock.set_now(step)
                sent += scheduler.tick(step).sent
            return f"Clock moved to {moment.isoformat(timespec='minutes')}: {sent} scheduled message(s) sent."

    def next_weekday(self, user: str, weekday: int, at: str) -> datetime:
        """The next `weekday` (0 = Monday) at `at` (HH:MM) in the user's time zone, after now."""
        assert self.console is not None
        zone = clock.zone(self.console.slack.users.get(user, {}).get("tz"))
        local = clock.now().astimezone(zone)
        hour, minute = (int(x) for x in at.split(":"))
        day = local.date() + timedelta(days=(weekday - local.weekday()) % 7)
        moment = datetime.combine(day, time(hour, minute), tzinfo=zone)
        if moment <= local:
            moment += timedelta(days=7)
        return moment.astimezone(UTC)


def _label(moment: datetime, tz: str) -> str:
    local = moment.astimezone(clock.zone(tz))
    return f"{local:%a %d %b %Y %H:%M} ({tz})"


def _handler(playground: Playground) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:
            pass

        def _send(self, status: int, body: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)

        def _json(self, payload: Any, status: int = 200) -> None:
            self._send(status, json.dumps(payload, ensure_ascii=False).encode(), "application/json; charset=utf-8")

        def _file(self, folder: Path, name: str) -> None:
            path = (folder / name).resolve()
            if path.parent != folder.resolve() or not path.is_file():
                self._json({"error": "not found"}, 404)
                return
            kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            self._send(200, path.read_bytes(), kind + ("; charset=utf-8" if kind.startswith("text/") or
                                                       kind.endswith("javascript") else ""))

        def do_GET(self) -> None:  # noqa: N802
            url = urlparse(self.path)
            if url.path == "/":
                self._file(STATIC, "index.html")
            elif url.path.startswith("/static/"):
                self._file(STATIC, url.path[len("/static/"):])
            elif url.path == "/fonts/cjk.otf":  # Chinese names and text, drawn with the font the charts use
                font = cjk_font_path()
                if font is None:
                    self._json({"error": "not found"}, 404)
                else:
                    self._file(font.parent, font.name)
            elif url.path.startswith("/files/"):
                self._file(Path(playground.settings.salesbot_files_dir), url.path[len("/files/"):])
            elif url.path == "/api/state":
                user = parse_qs(url.query).get("user", [MANAGER])[0]
                try:
                    self._json(playground.state(user))
                except PlaygroundError as exc:
                    self._json({"error": str(exc)}, 400)
            else:
                self._json({"error": "not found"}, 404)

        def do_POST(self) -> None:  # noqa: N802
            length = int(self.headers.get("Content-Length") or 0)
            try:
                args = json.loads(self.rfile.read(length) or b"{}")
                self._json(self._post(urlparse(self.path).path, args, str(args.get("user") or MANAGER)))
            except (PlaygroundError, ValueError, KeyError) as exc:
                self._json({"error": str(exc)}, 400)

        def _post(self, path: str, args: dict[str, Any], user: str) -> dict[str, Any]:
            if path == "/api/send":
                playground.send(user, str(args["channel"]), str(args.get("text") or ""))
            elif path == "/api/upload":
                playground.upload(user, str(args["name"]), base64.b64decode(str(args["content"])))
            elif path == "/api/action":
                playground.action(user, int(args["seq"]), str(args.get("block_id") or ""), str(args["action_id"]),
                                  str(args.get("value") or ""))
            elif path == "/api/submit":
                return {"answer": playground.submit(user, int(args["seq"]), dict(args.get("values") or {}))}
            elif path == "/api/cancel":
                playground.cancel(user, int(args["seq"]))
            elif path == "/api/home":
                playground.open_home(user)
            elif path == "/api/clock":
                if args.get("weekday") is not None:
                    moment = playground.next_weekday(user, int(args["weekday"]), str(args.get("at") or "16:00"))
                else:  # a moment the page gives in the user's time zone
                    moment = datetime.fromisoformat(str(args["moment"]))
                    if moment.tzinfo is None:
                        moment = moment.replace(tzinfo=clock.zone(str(args.get("tz") or "UTC")))
                return {"said": playground.advance_to(moment)}
            else:
                raise PlaygroundError(f"no such call {path}")
            return {"ok": True}

    return Handler


def run_playground(settings: Settings, *, host: str = "127.0.0.1", port: int = 8080, folder: Path | None = None,
                   open_browser: bool = False) -> None:
    print("salesbot playground: preparing a sandbox with the demo team (a manager and 8 reps)…", flush=True)
    playground = Playground(settings, folder=folder, host=host, port=port).start()
    print(f"salesbot playground on {playground.url} — you are {DEMO_MANAGER_NAME} (manager); switch people at the "
          "top left. Ctrl-C stops it.", flush=True)
    if open_browser:
        import webbrowser

        webbrowser.open(playground.url)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        playground.stop()
