"""Socket Mode: salesbot's own connection to Slack, on the `websockets` library's threading client.

Why not one of slack_sdk's Socket Mode clients: the app is a synchronous Bolt `App`, so only the two
synchronous ones fit. The built-in client closes the old connection while that connection's 3-second `recv`
holds the receive lock, so envelopes that arrive on the new connection right after Slack's routine
`disconnect`/`refresh_requested` are acked after ~3.1 s (past Slack's limit); it also takes ~10-60 s to
notice a closed, reset or silent connection. The `websocket-client` one replaces the connection before the
new one is running (acks in that gap fail) and has no pong timeout. The aiohttp and websockets adapters
need an `AsyncApp`, which would mean rewriting every handler. This client is small and does only what
Socket Mode needs, in the order Slack recommends:

- every connection is read by its own thread, which only reads: an envelope is handed to a pool at once,
  and its ack is sent on the connection it came from (or the current one, if that one is gone) by the
  thread that dispatched it, so no ack ever waits behind a read, a close or a reconnect;
- on `disconnect` (Slack's routine refresh, `warning`, `refresh_requested`) a new connection is opened
  and greeted (`hello`) *before* the old one is retired; the old one is closed once its envelopes are
  acked (at most 3 s later), so nothing in flight is lost;
- a closed, reset or silent connection is noticed by the reader at once (close, reset) or by the
  WebSocket ping/pong keepalive within `ping_interval + ping_timeout` seconds (a stall), and a new one is
  opened straight away (then after 1, 2, 4 ... 30 s while Slack cannot be reached);
- every envelope is acked: the listener's answer when it gave one, an empty ack otherwise (a request
  nothing handles, or a listener that failed: logged, counted, and never left for Slack to retry).

Connection events are logged once each at INFO (connected, reconnected with the reason and the time it
took); the WebSocket URL is never logged (its `ticket` is a credential).
"""

import json
import logging
import random
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import Any

from slack_bolt import App, BoltRequest, BoltResponse
from slack_sdk import WebClient
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI
from websockets.sync.client import ClientConnection, connect

from bot.metrics import Metrics

log = logging.getLogger("salesbot.socket")
# The websockets library logs every frame at DEBUG (payloads, with their verification tokens) and a failed
# keepalive at ERROR; this client logs what happened to a connection itself, once, so the library is silent.
_ws_log = logging.getLogger("salesbot.socket.ws")
_ws_log.setLevel(logging.CRITICAL)

ACK_DEADLINE = 3.0  # seconds: Slack's limit for an envelope's ack
RETIRE_GRACE = 5.0  # seconds a replaced connection is still read (Slack may send on it until it closes it)
MAX_BACKOFF = 30.0


class NotConnected(RuntimeError):
    """Slack could not be reached (apps.connections.open failed, the handshake failed, or no hello came)."""


@dataclass
class Link:
    """One WebSocket connection to Slack, with the envelopes it has delivered and not yet acked."""

    number: int
    ws: ClientConnection
    opened_at: float
    hello: threading.Event = field(default_factory=threading.Event)
    greeted: bool = False
    ended: threading.Event = field(default_factory=threading.Event)
    pending: int = 0
    lock: threading.Condition = field(default_factory=threading.Condition)
    retired: bool = False
    stack: ExitStack = field(default_factory=ExitStack)  # closes the connection (it is a context manager)

    @property
    def open(self) -> bool:
        return self.ws.protocol.state.name == "OPEN"

    def send(self, text: str) -> None:
        self.ws.send(text)

    def add_pending(self, delta: int) -> None:
        with self.lock:
            self.pending += delta
            self.lock.notify_all()

    def wait_drained(self, timeout: float) -> bool:
        with self.lock:
            return self.lock.wait_for(lambda: self.pending <= 0, timeout=timeout)


def ack_message(envelope_id: str, response: BoltResponse | None) -> dict[str, Any]:
    """The ack Slack expects: the envelope id, with the listener's answer as payload when there is one."""
    ack: dict[str, Any] = {"envelope_id": envelope_id}
    if response is None or response.status != 200 or not response.body:
        return ack
    content_type = (response.headers.get("content-type") or [""])[0]
    if content_type.startswith("application/json"):
        ack["payload"] = json.loads(response.body)
    else:
        ack["payload"] = {"text": response.body}
    return ack


def reason_label(reason: str) -> str:
    """The metric label of a reconnect's cause: refresh_requested, warning, ... (Slack's disconnect reason),
    server_close, network, no_pong, closed."""
    if reason.startswith("disconnect "):
        return reason.removeprefix("disconnect ")
    for prefix, label in (("server close", "server_close"), ("network fault", "network"), ("no pong", "no_pong")):
        if reason.startswith(prefix):
            return label
    return "closed"


def envelope_kind(envelope: dict[str, Any]) -> str:
    """'slash_commands', 'events_api', 'interactive' ... (Slack's envelope type), for logs and metrics."""
    return str(envelope.get("type") or "unknown")


class SocketModeService:
    """Receives Slack's envelopes over Socket Mode and acks each one within Slack's 3 seconds.

    `start()` connects (raises NotConnected when Slack cannot be reached at all) and keeps the connection
    up in the background; `stop()` closes it. `connected` and `metrics` are what /readyz and /metrics show.
    """

    def __init__(self, app: App, app_token: str, *, client: WebClient | None = None, metrics: Metrics | None = None,
                 ping_interval: float = 3.0, ping_timeout: float = 3.0, open_timeout: float = 5.0,
                 workers: int = 16, on_connected: Callable[["SocketModeService"], None] | None = None) -> None:
        self.app = app
        self.app_token = app_token
        self.client = client or app.client
        self.metrics = metrics
        self.ping_interval = ping_interval
        self.ping_timeout = ping_timeout
        self.open_timeout = open_timeout
        self.on_connected = on_connected
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="salesbot-socket")
        self._current: Link | None = None
        self._links = 0
        self._state = threading.Condition()
        self._wanted: list[tuple[Link | None, str]] = []
        self._stopping = threading.Event()
        self._supervisor: threading.Thread | None = None
        self.reconnects = 0

    # -- lifecycle -----------------------------------------------------------------------------------
    @property
    def connected(self) -> bool:
        link = self._current
        return link is not None and link.open and not self._stopping.is_set()

    def start(self) -> None:
        """Connect (or raise NotConnected), then keep the connection up in a background thread."""
        link = self._open()
        self._use(link)
        log.info("connected to Slack (Socket Mode, connection %d)", link.number)
        if self.on_connected is not None:
            self.on_connected(self)
        self._supervisor = threading.Thread(target=self._supervise, name="salesbot-socket-supervisor", daemon=True)
        self._supervisor.start()

    def serve_forever(self) -> None:
        """`start()` (unless started), then block until `stop()` (or Ctrl-C)."""
        if self._supervisor is None:
            self.start()
        try:
            self._stopping.wait()
        except KeyboardInterrupt:
            pass
        finally:
            self.stop()

    def stop(self) -> None:
        self._stopping.set()
        with self._state:
            self._state.notify_all()
            link, self._current = self._current, None
        if link is not None:
            self._close(link)
        if self.metrics is not None:
            self.metrics.socket_connected.set(0)
        self._pool.shutdown(wait=False, cancel_futures=True)

    # -- connections ---------------------------------------------------------------------------------
    def _open(self) -> Link:
        """A new connection, greeted by Slack's hello."""
        try:
            url = self.client.apps_connections_open(app_token=self.app_token)["url"]
        except Exception as exc:
            raise NotConnected(f"apps.connections.open failed: {type(exc).__name__}: {exc}") from None
        stack = ExitStack()
        try:
            ws = stack.enter_context(connect(url, open_timeout=self.open_timeout, ping_interval=self.ping_interval,
                                             ping_timeout=self.ping_timeout, close_timeout=1, max_size=None,
                                             compression=None, proxy=None,
                                             logger=_ws_log))
        except (OSError, TimeoutError, InvalidHandshake, InvalidURI) as exc:
            raise NotConnected(f"WebSocket handshake failed: {type(exc).__name__}") from None
        with self._state:
            self._links += 1
            link = Link(number=self._links, ws=ws, opened_at=time.monotonic(), stack=stack)
        threading.Thread(target=self._read, args=(link,), name=f"salesbot-socket-read-{link.number}",
                         daemon=True).start()
        if not link.hello.wait(self.open_timeout) or not link.greeted:
            self._close(link)
            raise NotConnected("Slack sent no hello")
        return link

    def _use(self, link: Link) -> Link | None:
        with self._state:
            old, self._current = self._current, link
        if self.metrics is not None:
            self.metrics.socket_connected.set(1)
        return old

    def _retire(self, link: Link) -> None:
        """Close a replaced connection: it is still read until Slack closes it (at most RETIRE_GRACE), and
        closed once what it delivered is acked (at most Slack's 3 s more)."""
        link.retired = True
        link.ended.wait(RETIRE_GRACE)
        link.wait_drained(ACK_DEADLINE)
        self._close(link)

    def _close(self, link: Link) -> None:
        link.retired = True
        try:
            link.stack.close()
        except Exception:  # already gone: nothing to tell
            pass

    def _want_new(self, link: Link | None, reason: str) -> None:
        with self._state:
            self._wanted.append((link, reason))
            self._state.notify_all()

    def _supervise(self) -> None:
        while not self._stopping.is_set():
            with self._state:
                self._state.wait_for(lambda: self._wanted or self._stopping.is_set())
                if self._stopping.is_set():
                    return
                wanted, self._wanted = self._wanted, []
            # A request about a connection that was already replaced is old news.
            stale = [(link, reason) for link, reason in wanted if link is None or link is self._current]
            if not stale:
                continue
            self._reconnect(stale[0][1])

    def _reconnect(self, reason: str) -> None:
        started = time.monotonic()
        attempt = 0
        while not self._stopping.is_set():
            try:
                link = self._open()
            except NotConnected as exc:
                attempt += 1
                wait = min(MAX_BACKOFF, 2 ** (attempt - 1)) * (0.8 + 0.4 * random.random())
                if attempt == 1 or attempt % 10 == 0:
                    log.warning("cannot reach Slack (%s); trying again in %.0f s", exc, wait)
                if self.metrics is not None:
                    self.metrics.socket_connected.set(0)
                self._stopping.wait(wait)
                continue
            old = self._use(link)
            took = time.monotonic() - started
            self.reconnects += 1
            if self.metrics is not None:
                self.metrics.socket_reconnects.labels(reason=reason_label(reason)).inc()
                self.metrics.socket_reconnect_seconds.observe(took)
            log.info("reconnected to Slack in %.0f ms (connection %d, after %s)", took * 1000, link.number, reason)
            if old is not None and old is not link:
                threading.Thread(target=self._retire, args=(old,), name="salesbot-socket-retire", daemon=True).start()
            return

    # -- receiving -----------------------------------------------------------------------------------
    def _read(self, link: Link) -> None:
        """Read one connection until it ends; never blocks on anything but the socket."""
        why = "connection closed"
        try:
            while True:
                raw = link.ws.recv()
                received = time.monotonic()
                try:
                    message = json.loads(raw)
                except (TypeError, ValueError):
                    log.debug("ignored a message that is not JSON (%d bytes)", len(raw))
                    continue
                kind = message.get("type")
                if kind == "hello":
                    link.greeted = True
                    link.hello.set()
                elif kind == "disconnect":
                    why = f"disconnect {message.get('reason') or 'unknown'}"
                    log.info("Slack asked to reconnect (%s, connection %d)", message.get("reason"), link.number)
                    self._want_new(link, why)
                elif message.get("envelope_id"):
                    link.add_pending(1)
                    self._pool.submit(self._handle, link, message, received)
                else:
                    log.debug("ignored a Socket Mode message of type %s", kind)
        except ConnectionClosed as exc:
            if exc.rcvd is not None:
                why = f"server close {exc.rcvd.code}"
            elif exc.sent is not None and exc.sent.code == 1011:
                why = "no pong (silent connection)"
            elif exc.__cause__ is not None:
                why = f"network fault {type(exc.__cause__).__name__}"
        except OSError as exc:
            why = f"network fault {type(exc).__name__}"
        finally:
            link.ended.set()
            link.hello.set()  # an _open() still waiting for hello stops waiting (greeted stays False)
        if self._stopping.is_set() or link.retired:
            log.debug("connection %d ended (%s)", link.number, why)
            return
        if link is self._current:
            log.info("connection %d to Slack ended (%s); reconnecting", link.number, why)
            if self.metrics is not None:
                self.metrics.socket_connected.set(0)
            self._want_new(link, why)

    def _handle(self, link: Link, envelope: dict[str, Any], received: float) -> None:
        envelope_id = str(envelope["envelope_id"])
        kind = envelope_kind(envelope)
        response: BoltResponse | None = None
        try:
            headers: dict[str, Any] = {}
            if envelope.get("retry_attempt") is not None:
                headers["x-slack-retry-num"] = str(envelope["retry_attempt"])
            if envelope.get("retry_reason"):
                headers["x-slack-retry-reason"] = str(envelope["retry_reason"])
            request = BoltRequest(body=envelope.get("payload") or {}, headers=headers or None, mode="socket_mode",
                                  context={"salesbot_received_at": received})
            response = self.app.dispatch(request)
        except Exception:
            log.exception("dispatching a %s envelope failed; acking it empty", kind)
        try:
            self._send_ack(link, ack_message(envelope_id, response))
            took = time.monotonic() - received
            if self.metrics is not None:
                self.metrics.socket_acks.labels(type=kind).inc()
                self.metrics.socket_ack_seconds.labels(type=kind).observe(took)
            if took > ACK_DEADLINE:
                log.warning("acked a %s envelope after %.0f ms (Slack's limit is 3 s)", kind, took * 1000)
        except NotConnected:
            if self.metrics is not None:
                self.metrics.socket_ack_failures.labels(type=kind).inc()
            log.warning("could not ack a %s envelope: no open connection to Slack", kind)
        finally:
            link.add_pending(-1)

    def _send_ack(self, link: Link, ack: dict[str, Any]) -> None:
        """On the envelope's own connection while it is open, else on the current one."""
        text = json.dumps(ack)
        for candidate in (link, self._current):
            if candidate is None:
                continue
            try:
                candidate.send(text)
                return
            except (ConnectionClosed, OSError):
                continue
        raise NotConnected("no open connection")
