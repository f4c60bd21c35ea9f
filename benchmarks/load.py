"""Load driving for the ack and scale-out benchmarks: real `salesbot serve` processes, a fake Slack in its own
process, and many concurrent Slack clients in one asyncio loop of the benchmark's own process.

Each client is one person using slash commands: it sends a signed command on a new connection (as Slack does),
times the HTTP answer (the ack), then waits for the answer the app posts to the command's `response_url`
(served by the same loop) before sending the next. So N clients keep N commands in flight for the whole run,
and the after-ack work is always as deep as N: the question is whether acks wait behind it.
"""

import asyncio
import contextlib
import hashlib
import hmac
import itertools
import os
import re
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
TEAM = "T0001"
SECRET = "bench-load-signing-secret-0123456789"
TOKEN = "xoxb-bench-load"

# (command, text, answered later through response_url)
COMMANDS: tuple[tuple[str, str, bool], ...] = (
    ("/kpi", "revenue last quarter", True),
    ("/kpi", "", True),
    ("/salesbot", "help", False),
    ("/kpi", "revenue by week last quarter", True),  # a chart (PNG) rendered after the ack
    ("/kpi", "win rate by product this year", True),
    ("/kpi", "上季度 销售额", True),
)

_FAKE = r"""
import sys
from bot.local_slack import LocalSlack
users = int(sys.argv[1])
fake = LocalSlack(team_id=sys.argv[2]).start()
for i in range(users):
    fake.add_user(f"ULOAD{i:04d}", f"Load {i:04d}")
for extra in sys.argv[3:]:
    fake.add_user(extra, extra)
print(fake.api_url, flush=True)
sys.stdin.read()  # until the benchmark closes our stdin
fake.stop()
"""


def load_average() -> str:
    """The 1-minute load average and the cores, to read a figure by (the machine is shared)."""
    return f"load {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) a process has used so far, from /proc (nan where there is none): a cost per
    request that the other work on a shared machine does not change, unlike the times it takes."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def user(i: int) -> str:
    return f"ULOAD{i:04d}"


def _stop(proc: subprocess.Popen, *, terminate: bool = True) -> None:
    """End a child of ours (SIGTERM unless it ends by itself), killing it after 20 s."""
    if terminate:
        proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@contextlib.contextmanager
def fake_slack(users: int, *, team: str = TEAM, also: Sequence[str] = ()) -> Iterator[str]:
    """LocalSlack of workspace `team` in a child process (its HTTP threads do not share the clients' interpreter),
    knowing the `users` load people and the user ids `also`; yields its API URL."""
    proc = subprocess.Popen([sys.executable, "-c", _FAKE, str(users), team, *also], cwd=ROOT,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        yield proc.stdout.readline().strip()  # type: ignore[union-attr]
    finally:
        proc.stdin.close()  # type: ignore[union-attr]
        _stop(proc, terminate=False)


@contextlib.contextmanager
def serve(database_url: str, api_url: str, *, users: int, scheduler: bool = False,
          env: dict[str, str | None] | None = None, log: Path | None = None,
          pids: list[int] | None = None, secret: str = SECRET) -> Iterator[tuple[str, int]]:
    """One `salesbot serve` on loopback (port chosen by the system); yields (host, port). A variable of `env` given
    as None is left out (the setting's default, whatever the benchmark's own environment says); `pids` gets the
    server's process id. The load people are its managers (SALESBOT_MANAGERS, unless `env` says otherwise)."""
    managers = ",".join(user(i) for i in range(users))
    environ = {**os.environ, "DATABASE_URL": database_url, "SLACK_BOT_TOKEN": TOKEN, "SLACK_SIGNING_SECRET": secret,
               "SLACK_API_URL": api_url, "SALESBOT_MANAGERS": managers}
    for name, value in (env or {}).items():
        if value is None:
            environ.pop(name, None)
        else:
            environ[name] = value
    args = [sys.executable, "-m", "bot.cli", "serve", "--host", "127.0.0.1", "--port", "0"]
    proc = subprocess.Popen(args + ([] if scheduler else ["--no-scheduler"]), env=environ, cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if pids is not None:
        pids.append(proc.pid)
    try:
        lines = []
        deadline = time.time() + 120
        while time.time() < deadline:
            line = proc.stdout.readline()  # type: ignore[union-attr]
            lines.append(line)
            found = re.search(r"listening on http://127\.0\.0\.1:(\d+)/slack/events", line)
            if found:
                break
            if not line and proc.poll() is not None:
                raise RuntimeError("salesbot serve did not start:\n" + "".join(lines[-30:]))
        else:
            raise RuntimeError("salesbot serve did not start in 120 s:\n" + "".join(lines[-30:]))
        sink = open(log, "w") if log else None  # noqa: SIM115 - closed with the process

        def drain() -> None:  # its log must not fill the pipe and block it
            for line in proc.stdout:  # type: ignore[union-attr]
                if sink:
                    sink.write(line)

        threading.Thread(target=drain, daemon=True).start()
        yield "127.0.0.1", int(found.group(1))
    finally:
        _stop(proc)


@contextlib.contextmanager
def round_robin(backends: Sequence[tuple[str, int]]) -> Iterator[tuple[str, int]]:
    """benchmarks/rr_proxy.py in a child process in front of `backends`; yields its (host, port)."""
    proc = subprocess.Popen([sys.executable, "-m", "benchmarks.rr_proxy", *(f"{h}:{p}" for h, p in backends)],
                            cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        port = int(proc.stdout.readline().split()[-1])  # type: ignore[union-attr]
        yield "127.0.0.1", port
    finally:
        _stop(proc)


@dataclass
class Result:
    clients: int
    seconds: float
    acks: list[float] = field(default_factory=list)  # seconds, every command
    answers: list[float] = field(default_factory=list)  # seconds from sending to the response_url post
    errors: int = 0  # acks that were not HTTP 200, connections refused or reset
    unanswered: int = 0  # answers that did not come within 30 s

    def quantile(self, q: float) -> float:
        ordered = sorted(self.acks)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")

    @property
    def throughput(self) -> float:
        """Commands acknowledged and answered per second."""
        return len(self.answers) / self.seconds


def _signed(body: bytes, secret: str = SECRET) -> bytes:
    ts = str(int(time.time()))
    digest = hmac.new(secret.encode(), b"v0:" + ts.encode() + b":" + body, hashlib.sha256).hexdigest()
    return f"X-Slack-Request-Timestamp: {ts}\r\nX-Slack-Signature: v0={digest}\r\n".encode()


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    status = int((await reader.readline()).split()[1])
    length = 0
    while (line := await reader.readline()) not in (b"\r\n", b"\n", b""):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    return status, await reader.readexactly(length) if length else b""


class _Answers:
    """The clients' response_url endpoint: POST /r/<n> resolves the future of command n."""

    def __init__(self) -> None:
        self.waiting: dict[str, asyncio.Future[float]] = {}
        self.port = 0

    async def start(self) -> asyncio.Server:
        server = await asyncio.start_server(self._handle, "127.0.0.1", 0, backlog=1024)
        self.port = server.sockets[0].getsockname()[1]
        return server

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                request = await reader.readline()
                if not request:
                    break
                key = request.split()[1].decode().rsplit("/", 1)[-1]
                length = 0
                while (line := await reader.readline()) not in (b"\r\n", b"\n", b""):
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value)
                await reader.readexactly(length)
                future = self.waiting.pop(key, None)
                if future is not None and not future.done():
                    future.set_result(time.perf_counter())
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok")
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError, IndexError, asyncio.CancelledError):
            pass  # the app closed its keep-alive connection, or the run is over
        finally:
            writer.close()


@dataclass(frozen=True)
class Load:
    """What the clients send, and as whom: by default the acks benchmark's (the demo workspace T0001, person i is
    ULOAD000i, COMMANDS in turn)."""

    team: str = TEAM
    secret: str = SECRET
    commands: tuple[tuple[str, str, bool], ...] = COMMANDS
    user_of: Callable[[int], str] = user


async def _drive(target: tuple[str, int], clients: int, seconds: float, load: Load) -> Result:
    answers = _Answers()
    server = await answers.start()
    result = Result(clients, seconds)
    numbers = itertools.count()
    run = uuid.uuid4().hex[:12]  # trigger ids are remembered: a later run must not repeat them
    host, port = target
    loop = asyncio.get_running_loop()
    end = loop.time() + seconds

    async def client(i: int) -> None:
        await asyncio.sleep(i * 0.005)  # a ramp of 1 s per 200 clients, not one SYN flood
        turn = i
        while loop.time() < end:
            command, text, later = load.commands[turn % len(load.commands)]
            turn += 1
            n = str(next(numbers))
            body = urlencode({
                "token": "unused", "team_id": load.team, "team_domain": "load", "channel_id": "C0LOAD",
                "channel_name": "load", "user_id": load.user_of(i), "user_name": load.user_of(i).lower(),
                "command": command,
                "text": text, "api_app_id": "A0SALESBOT", "trigger_id": f"load.{run}.{n}",
                "response_url": f"http://127.0.0.1:{answers.port}/r/{n}",
            }).encode()
            head = (f"POST /slack/events HTTP/1.1\r\nHost: {host}:{port}\r\nConnection: close\r\n"
                    f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {len(body)}\r\n").encode()
            future: asyncio.Future[float] = loop.create_future()
            if later:
                answers.waiting[n] = future
            started = time.perf_counter()
            try:
                reader, writer = await asyncio.open_connection(host, port)
                writer.write(head + _signed(body, load.secret) + b"\r\n" + body)
                await writer.drain()
                status, _ = await _read_response(reader)
                writer.close()
            except (ConnectionError, OSError, asyncio.IncompleteReadError, IndexError, ValueError):
                result.errors += 1
                answers.waiting.pop(n, None)
                await asyncio.sleep(0.1)
                continue
            result.acks.append(time.perf_counter() - started)
            if status != 200:
                result.errors += 1
                answers.waiting.pop(n, None)
                continue
            if later:
                try:
                    result.answers.append(await asyncio.wait_for(future, 30) - started)
                except TimeoutError:
                    result.unanswered += 1
                    answers.waiting.pop(n, None)
            else:
                result.answers.append(time.perf_counter() - started)

    await asyncio.gather(*(client(i) for i in range(clients)))
    result.seconds = max(seconds, loop.time() - end + seconds)
    server.close()
    return result


def drive(target: tuple[str, int], clients: int, seconds: float, load: Load = Load()) -> Result:  # noqa: B008
    """`clients` people sending commands to `target` for `seconds` (each waits for its answer before the next)."""
    return asyncio.run(_drive(target, clients, seconds, load))


def seed(database_url: str) -> None:
    """Migrate and load the demo workspace's people and deals into the fake Slack's workspace."""
    from datetime import date

    from db.demo import load_demo
    from db.engine import get_engine
    from db.migrate import upgrade

    engine = get_engine(database_url)
    upgrade(engine)
    load_demo(engine, today=date.today(), manager_slack_id=user(0), team_id=TEAM, replace=True)
    engine.dispose()
