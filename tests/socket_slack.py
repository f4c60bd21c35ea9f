"""Slack's side of Socket Mode on loopback, for tests and `make bench`.

`apps.connections.open` on the fake Web API (bot.local_slack.LocalSlack) hands out a ws:// URL with a fresh
ticket; the URL points at a TCP relay in front of a WebSocket server (the `websockets` library), so a test
can do to a connection what the network does: Slack's routine `disconnect`/`refresh_requested`, a server
close, a TCP reset, or a silent stall (bytes stop flowing both ways; only the client's ping/pong keepalive can
notice). The server sends `hello` on every connection, sends envelopes (slash commands, events,
interactions) on the newest connection and records every ack with the time it took.
"""

import itertools
import json
import socket
import struct
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from websockets.exceptions import ConnectionClosed
from websockets.sync.server import Server, ServerConnection, serve

from bot.local_slack import LocalSlack

VERIFICATION_TOKEN = "verif-token-DO-NOT-LOG-1234"


@dataclass
class Ack:
    envelope_id: str
    latency: float  # seconds from sending the envelope to receiving its ack
    payload: dict[str, Any] | None
    connection: int


class Relay:
    """One client connection's TCP relay: forwards bytes both ways until reset or stalled."""

    def __init__(self, client: socket.socket, upstream: socket.socket) -> None:
        self.client, self.upstream = client, upstream
        self.stalled = False
        self.closed = False

    def start(self) -> None:
        for src, dst in ((self.client, self.upstream), (self.upstream, self.client)):
            threading.Thread(target=self._pump, args=(src, dst), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket) -> None:
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                if not self.stalled:
                    dst.sendall(data)
        except OSError:
            pass
        finally:
            if not self.stalled:
                self.close()

    def reset(self) -> None:
        """Close the client's side with a TCP RST (SO_LINGER 0), as a dead NAT or load balancer does."""
        self.closed = True
        try:
            self.client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.client.shutdown(socket.SHUT_RD)  # wakes the pump blocked on it; its last close sends the RST
        except OSError:
            pass
        self._close_both(shutdown=False)

    def stall(self) -> None:
        """Stop forwarding anything, both ways, and keep both sockets open (a silent network)."""
        self.stalled = True

    def close(self) -> None:
        self.closed = True
        self._close_both()

    def _close_both(self, shutdown: bool = True) -> None:
        # close() alone does not end a socket another thread is blocked reading (no FIN would be sent until that
        # read returns): shutdown() first.
        for sock in (self.client, self.upstream):
            try:
                if shutdown or sock is self.upstream:
                    sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            try:
                sock.close()
            except OSError:
                pass


@dataclass
class ServerLink:
    number: int
    ws: ServerConnection
    ticket: str
    opened_at: float
    relay: Relay | None = None
    closed: threading.Event = field(default_factory=threading.Event)


class SocketSlack:
    """The fake Socket Mode endpoint behind `apps.connections.open` of `web`."""

    def __init__(self, web: LocalSlack, *, hello_delay: float = 0.0) -> None:
        self.web = web
        self.hello_delay = hello_delay
        self.links: list[ServerLink] = []
        self.tickets: list[str] = []
        self.acks: dict[str, Ack] = {}
        self.sent: dict[str, float] = {}
        self.unexpected: list[str] = []
        self._relays: dict[int, Relay] = {}  # by the relay's local port towards the server
        self._lock = threading.Condition()
        self._seq = itertools.count(1)
        self._server: Server = serve(self._handler, "127.0.0.1", 0, compression=None, ping_interval=None)
        self._relay_listener = socket.create_server(("127.0.0.1", 0))
        self._stopping = False

    # -- lifecycle ------------------------------------------------------------------------------------
    def start(self) -> "SocketSlack":
        threading.Thread(target=self._server.serve_forever, name="fake-socket-slack", daemon=True).start()
        threading.Thread(target=self._accept, name="fake-socket-relay", daemon=True).start()
        self.web.socket_mode_url = self._issue_url
        return self

    def stop(self) -> None:
        self._stopping = True
        self.web.socket_mode_url = None
        self._relay_listener.close()
        for link in list(self.links):
            if link.relay is not None:
                link.relay.close()
        self._server.shutdown()

    def __enter__(self) -> "SocketSlack":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _issue_url(self) -> str:
        ticket = f"secret-ticket-{uuid.uuid4()}"
        self.tickets.append(ticket)
        port = self._relay_listener.getsockname()[1]
        return f"ws://127.0.0.1:{port}/link/?ticket={ticket}&app_id=A0SALESBOT"

    def _accept(self) -> None:
        upstream_port = self._server.socket.getsockname()[1]
        while not self._stopping:
            try:
                client, _ = self._relay_listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", upstream_port))
            relay = Relay(client, upstream)
            with self._lock:
                self._relays[upstream.getsockname()[1]] = relay
            relay.start()

    def _handler(self, ws: ServerConnection) -> None:
        path = ws.request.path if ws.request is not None else ""
        ticket = path.split("ticket=", 1)[-1].split("&", 1)[0]
        with self._lock:
            relay = self._relays.pop(ws.remote_address[1], None)
            link = ServerLink(number=len(self.links) + 1, ws=ws, ticket=ticket, opened_at=time.monotonic(),
                              relay=relay)
            if ticket not in self.tickets:
                ws.close(4001, "invalid ticket")
                return
            self.links.append(link)
            self._lock.notify_all()
        if self.hello_delay:
            time.sleep(self.hello_delay)
        try:
            ws.send(json.dumps({"type": "hello", "num_connections": len(self.open_links()),
                                "debug_info": {"host": "fake", "approximate_connection_time": 18060},
                                "connection_info": {"app_id": "A0SALESBOT"}}))
            for raw in ws:
                received = time.monotonic()
                message = json.loads(raw)
                envelope_id = message.get("envelope_id")
                with self._lock:
                    if envelope_id in self.sent and envelope_id not in self.acks:
                        self.acks[envelope_id] = Ack(envelope_id, received - self.sent[envelope_id],
                                                     message.get("payload"), link.number)
                        self._lock.notify_all()
                    else:
                        self.unexpected.append(str(raw))
        except ConnectionClosed:
            pass
        finally:
            link.closed.set()

    # -- looking -------------------------------------------------------------------------------------
    def open_links(self) -> list[ServerLink]:
        return [link for link in self.links if not link.closed.is_set()
                and not (link.relay is not None and (link.relay.closed or link.relay.stalled))]

    def wait_links(self, count: int, timeout: float = 15.0) -> ServerLink:
        """Wait until `count` connections were made in all; the newest one."""
        with self._lock:
            assert self._lock.wait_for(lambda: len(self.links) >= count, timeout), \
                f"the app made {len(self.links)} connections, not {count}"
            return self.links[-1]

    def wait_ack(self, envelope_id: str, timeout: float = 10.0) -> Ack:
        with self._lock:
            assert self._lock.wait_for(lambda: envelope_id in self.acks, timeout), f"{envelope_id} never acked"
            return self.acks[envelope_id]

    # -- sending -------------------------------------------------------------------------------------
    def send_envelope(self, kind: str, payload: dict[str, Any], *, link: ServerLink | None = None,
                      accepts_response_payload: bool = False) -> str:
        """Send one envelope on `link` (default: the newest open connection); its envelope id."""
        link = link or self.open_links()[-1]
        envelope_id = f"env-{next(self._seq)}-{uuid.uuid4().hex[:8]}"
        envelope = {"envelope_id": envelope_id, "type": kind, "payload": payload,
                    "accepts_response_payload": accepts_response_payload, "retry_attempt": 0, "retry_reason": ""}
        with self._lock:
            self.sent[envelope_id] = time.monotonic()
        link.ws.send(json.dumps(envelope))
        return envelope_id

    def command(self, command: str, text: str = "", *, user: str = "UMANAGER", link: ServerLink | None = None) -> str:
        payload = {"token": VERIFICATION_TOKEN, "team_id": self.web.team_id, "team_domain": "local",
                   "channel_id": "C0GENERAL", "channel_name": "general", "user_id": user, "user_name": user.lower(),
                   "command": command, "text": text, "api_app_id": "A0SALESBOT", "is_enterprise_install": "false",
                   "response_url": self.web.new_response_url(), "trigger_id": f"trigger.{uuid.uuid4().hex}"}
        return self.send_envelope("slash_commands", payload, link=link, accepts_response_payload=True)

    def event(self, event: dict[str, Any], *, link: ServerLink | None = None) -> str:
        payload = {"token": VERIFICATION_TOKEN, "team_id": self.web.team_id, "api_app_id": "A0SALESBOT",
                   "event": event, "type": "event_callback", "event_id": f"Ev{uuid.uuid4().hex[:12].upper()}",
                   "event_time": int(time.time()), "authorizations": [{"team_id": self.web.team_id,
                                                                       "user_id": self.web.bot_user_id,
                                                                       "is_bot": True}]}
        return self.send_envelope("events_api", payload, link=link)

    def dm(self, text: str, *, user: str = "UMANAGER", link: ServerLink | None = None) -> str:
        return self.event({"type": "message", "channel": "D" + user.lstrip("U"), "channel_type": "im", "user": user,
                           "text": text, "ts": f"{time.time():.6f}"}, link=link)

    # -- faults --------------------------------------------------------------------------------------
    def refresh(self, *, link: ServerLink | None = None, close_after: float = 1.0) -> ServerLink:
        """Slack's routine refresh: `disconnect`/`refresh_requested`, then the old socket closes after a while."""
        link = link or self.open_links()[-1]
        link.ws.send(json.dumps({"type": "disconnect", "reason": "refresh_requested",
                                 "debug_info": {"host": "fake"}}))

        def close_later() -> None:
            time.sleep(close_after)
            try:
                link.ws.close(1001, "refresh")
            except Exception:
                pass

        threading.Thread(target=close_later, daemon=True).start()
        return link

    def close(self, link: ServerLink | None = None) -> ServerLink:
        """The server closes the connection (close frame 1001, as Slack does on a deploy)."""
        link = link or self.open_links()[-1]
        link.ws.close(1001, "going away")
        return link

    def reset(self, link: ServerLink | None = None) -> ServerLink:
        link = link or self.open_links()[-1]
        assert link.relay is not None
        link.relay.reset()
        return link

    def stall(self, link: ServerLink | None = None) -> ServerLink:
        link = link or self.open_links()[-1]
        assert link.relay is not None
        link.relay.stall()
        return link
