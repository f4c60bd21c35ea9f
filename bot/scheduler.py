"""The one scheduler: `tick(now)` sends everything due exactly once; `serve`/`socket` tick every 30 s.

For each due delivery: claim it in the ledger (unique key, before sending), send, mark sent. A short
rate limit (Retry-After up to RATE_LIMIT_WAIT seconds) is waited out inside the Web API client; a longer
one, or Slack refusing again, puts the delivery back to `pending` until Retry-After (or the backoff, if
longer) has passed, for a later tick. Permanent errors mark it failed and the source tells the subscriber
once. Occurrences older than the source's grace window when first seen are recorded as skipped and logged,
so a bot that was down for a day does not spam a week of digests; one that is already pending (being
retried) keeps its retries.

When Slack's answer is lost (a timeout, a dropped connection) or the process dies mid-send, nobody knows
whether the message went out. Every post carries the delivery's key (handlers/delivery_client.py) and
every attempt after the first looks for it before posting: found, the delivery is marked sent; not found,
it is sent. A crashed send is noticed by its lease: the ticking process renews the lease of what it is
sending every quarter lease (a heartbeat), so a lease that ran out means its process is gone, and the next
tick (of any instance) releases it for that look-then-send attempt, within a minute, not half an hour.
"""

import logging
import threading
import time
from collections.abc import Collection, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from sqlmodel import Session

from bot.metrics import active as active_metrics
from bot.slack_client import as_salesbot_client
from db import clock, deliveries, processed_events
from db.workspaces import DEMO_TEAM_ID
from handlers.context import Deps
from handlers.delivery_client import AMBIGUOUS, DeliveryClient, delivery_key
from handlers.jobs import PERMANENT_SLACK_ERRORS, DueDelivery, JobSource, PermanentFailure

log = logging.getLogger("salesbot.scheduler")
TICK_SECONDS = 30
RATE_LIMIT_WAIT = 30  # seconds of Retry-After waited inside a tick; longer waits go back to the ledger
BACKOFF_BASE = 30  # seconds before the first retry on a later tick, doubling each attempt
SEND_LEASE = timedelta(seconds=60)  # default of SALESBOT_SEND_LEASE
FUTURE_TOLERANCE = timedelta(minutes=1)  # clock skew between the cron host and the database host


class TickRefused(ValueError):
    """A manual tick's moment that is not a moment, or lies in the future without a dry run (the message says why)."""


def manual_tick_moment(text: str | None, *, dry_run: bool = False, flag: str = "--now") -> datetime:
    """The moment a hand-started tick (`salesbot tick --now`, the console's `:tick`) runs at: the one rule for both.

    A past moment backfills; a future one (beyond FUTURE_TOLERANCE) would record those deliveries early and change
    what happens at the real time, so it is refused unless it is a dry run, which records nothing."""
    try:
        now = clock.parse_moment(text) if text else clock.now()
    except ValueError:
        raise TickRefused(f"{flag} {text!r} is not an ISO-8601 moment, e.g. 2026-11-30T09:00:00+01:00") from None
    if not dry_run and now > clock.now() + FUTURE_TOLERANCE:
        raise TickRefused(
            f"refused: {flag} {now.isoformat()} is in the future. A real tick then would record those deliveries "
            "early and change what happens at that time. Use --dry-run to see what would be due."
        )
    return now


def retry_after_seconds(headers: Any) -> int:
    """Slack's Retry-After from response headers (any case; a value or a list of values), 0 if absent."""
    for name, value in dict(headers or {}).items():
        if name.lower() == "retry-after":
            value = value[0] if isinstance(value, list | tuple) else value
            try:
                return max(0, int(float(value)))
            except (TypeError, ValueError):
                return 0
    return 0


class ShortRateLimitRetryHandler(RateLimitErrorRetryHandler):
    """Wait out a 429 inside the call only when Retry-After is short; otherwise let it fail to the ledger."""

    def __init__(self, max_retry_count: int = 3, max_wait: int = RATE_LIMIT_WAIT) -> None:
        super().__init__(max_retry_count=max_retry_count)
        self.max_wait = max_wait

    def _can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        return (
            super()._can_retry(state=state, request=request, response=response, error=error)
            and response is not None
            and retry_after_seconds(response.headers) <= self.max_wait
        )


def scheduler_client(client: WebClient, *, max_wait: int = RATE_LIMIT_WAIT) -> WebClient:
    """The same client (token, URL, other retries) but waiting at most `max_wait` s for a rate limit."""
    if not isinstance(client, WebClient):
        return client
    handlers = [h for h in client.retry_handlers if not isinstance(h, RateLimitErrorRetryHandler)]
    limit = next((h.max_retry_count for h in client.retry_handlers if isinstance(h, RateLimitErrorRetryHandler)), 3)
    return as_salesbot_client(client, retry=[*handlers, ShortRateLimitRetryHandler(limit, max_wait)])


@dataclass
class TickReport:
    sent: int = 0
    skipped: int = 0
    retrying: int = 0
    failed: int = 0
    details: list[str] = field(default_factory=list)


class Heartbeat:
    """Renews the lease of every delivery this process is sending, every quarter lease, while any is."""

    def __init__(self, deps: Deps, lease: timedelta) -> None:
        self.deps, self.lease = deps, lease
        self._ids: set[int] = set()
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    def add(self, delivery_id: int) -> None:
        with self._lock:
            self._ids.add(delivery_id)
            if self._thread is None or not self._thread.is_alive():
                self._wake.clear()
                self._thread = threading.Thread(target=self._run, name="salesbot-heartbeat", daemon=True)
                self._thread.start()

    def discard(self, delivery_id: int) -> None:
        with self._lock:
            self._ids.discard(delivery_id)
            if not self._ids:
                self._wake.set()

    def _run(self) -> None:
        while not self._wake.wait(self.lease.total_seconds() / 4):
            with self._lock:
                ids = sorted(self._ids)
            if not ids:
                return
            try:
                with Session(self.deps.engine) as session:
                    deliveries.renew_leases(session, ids, until=clock.now() + self.lease)
            except Exception:  # the lease runs out and another tick looks: no duplicate, a little later
                log.exception("could not renew the lease of %d deliveries", len(ids))


class Scheduler:
    def __init__(self, deps: Deps, client: WebClient, sources: Sequence[JobSource], *, workers: int = 8,
                 teams: Collection[str] | None = None, lease: timedelta = SEND_LEASE, installed: Any = None) -> None:
        """`teams`: the workspaces this process sends for (its token's); None: every one but the demo.
        `lease`: how long a send may go without this process's heartbeat (SALESBOT_SEND_LEASE).
        `installed` (many-workspaces mode, bot/installation_store.InstalledClients): only installed workspaces
        are sent for, each with its own bot token's client, read afresh at every tick; `client` then has no token."""
        self.deps, self.client, self.sources = deps, scheduler_client(client), list(sources)
        self.installed = installed
        self._team_clients: dict[str, WebClient] = {}
        self.teams = frozenset(teams) if teams is not None else None
        self.workers = workers
        self.lease = lease
        self.heartbeat = Heartbeat(deps, lease)
        self._stop = threading.Event()
        self._serving = False
        self._lock = threading.Lock()

    def tick(self, now: datetime | None = None) -> TickReport:
        """Run every job due at `now` once (default: the current moment)."""
        now = (now or clock.now()).astimezone(UTC)
        report = TickReport()
        started = time.monotonic()
        metrics = active_metrics()
        with self._lock:
            self._refresh_team_clients()
            self._release_interrupted(now)
            self._prune_processed_events()
            for source in self.sources:
                if hasattr(source, "maintain"):  # upkeep, not deliveries: no ledger, not in the report
                    self._maintain(source, now)
                    continue
                try:
                    fresh = self._due(source, now, report)
                except Exception:  # one broken source must not stop the others
                    log.exception("could not list what %s has due", getattr(source, "kind", source))
                    continue
                if fresh:
                    with ThreadPoolExecutor(max_workers=min(self.workers, len(fresh))) as pool:
                        for outcome in pool.map(lambda it, s=source: self._deliver_one(s, it, now), fresh):
                            if outcome:
                                setattr(report, outcome, getattr(report, outcome) + 1)
                                if metrics is not None:
                                    metrics.deliveries.labels(kind=source.kind, outcome=outcome).inc()
        if metrics is not None:
            metrics.tick_seconds.observe(time.monotonic() - started)
        if report.sent or report.failed or report.retrying:
            log.info(
                "tick %s: sent %d, retrying %d, failed %d, skipped %d",
                now.isoformat(),
                report.sent,
                report.retrying,
                report.failed,
                report.skipped,
            )
        return report

    def dry_run(self, now: datetime) -> list[DueDelivery]:
        """What `tick(now)` would send, without sending or recording anything (the session is rolled back)."""
        items: list[DueDelivery] = []
        with Session(self.deps.engine) as session:
            for source in self.sources:
                if hasattr(source, "maintain"):
                    continue
                items.extend(source.due(session, now.astimezone(UTC)))
            session.rollback()
        return items

    def dry_run_lines(self, now: datetime) -> list[str]:
        """`dry_run` in words, one line per due delivery and a last line saying nothing was recorded."""
        due = self.dry_run(now)
        return [*(f"due: {i.kind} {i.schedule_id} for {i.recipient} at {i.occurrence.isoformat()}" for i in due),
                f"tick {now.isoformat()} (dry run): {len(due)} due, nothing sent or recorded"]

    def _refresh_team_clients(self) -> None:
        """Many workspaces: the installed workspaces and their clients as they are now (an uninstall stops the
        sends at the next tick). A database hiccup keeps the last known ones for this tick."""
        if self.installed is None:
            return
        try:
            self._team_clients = {team: scheduler_client(c) for team, c in self.installed.all().items()}
        except Exception:
            log.exception("could not read the installed workspaces; using those of the last tick")

    def _client(self, team_id: str) -> WebClient:
        """The client that sends for `team_id`: its own installation's, or the one token's."""
        return self.client if self.installed is None else self._team_clients[team_id]

    def _maintain(self, source: Any, now: datetime) -> None:
        clients = [self.client] if self.installed is None else [
            c for team, c in sorted(self._team_clients.items()) if self._serves(team)]
        for client in clients:
            try:
                source.maintain(client, self.deps, now, serving=self._serving)
            except Exception:  # upkeep failing must not stop the deliveries (nor another workspace's upkeep)
                log.exception("%s upkeep failed", getattr(source, "kind", source))

    def _due(self, source: JobSource, now: datetime, report: TickReport) -> list[DueDelivery]:
        """What the source has due, minus occurrences first seen past the grace window (recorded as skipped)."""
        fresh = []
        with Session(self.deps.engine) as session:
            for item in source.due(session, now):
                if not self._serves(item.team_id):
                    continue
                skip = item.payload.get("skip")  # the source decided not to send this one (the reason says why)
                if skip:
                    if deliveries.ensure_row(session, team_id=item.team_id, kind=item.kind,
                                             schedule_id=item.schedule_id, occurrence=item.occurrence,
                                             recipient=item.recipient, status="skipped", now=now, error=str(skip)):
                        log.info("skipped %s %s for %s at %s: %s", item.kind, item.schedule_id, item.recipient,
                                 item.occurrence.isoformat(), skip)
                        report.skipped += 1
                    continue
                if now - item.occurrence <= source.grace:
                    fresh.append(item)
                elif deliveries.ensure_row(
                    session,
                    team_id=item.team_id,
                    kind=item.kind,
                    schedule_id=item.schedule_id,
                    occurrence=item.occurrence,
                    recipient=item.recipient,
                    status="skipped",
                    now=now,
                    error="past the grace window",
                ):
                    log.warning(
                        "skipped %s %s for %s at %s: past the grace window of %s",
                        item.kind,
                        item.schedule_id,
                        item.recipient,
                        item.occurrence.isoformat(),
                        source.grace,
                    )
                    report.skipped += 1
                else:  # already in the ledger: a pending retry still gets its turn (claim decides)
                    fresh.append(item)
            session.commit()
        return fresh

    def _serves(self, team_id: str) -> bool:
        """A token posts to its own workspace only; the demo is sent for only when named; with many workspaces,
        only those installed."""
        if self.installed is not None and team_id not in self._team_clients:
            return False
        return team_id in self.teams if self.teams is not None else team_id != DEMO_TEAM_ID

    def _deliver_one(self, source: JobSource, item: DueDelivery, now: datetime) -> str | None:
        with Session(self.deps.engine) as session:
            claimed = deliveries.claim(
                session,
                team_id=item.team_id,
                kind=item.kind,
                schedule_id=item.schedule_id,
                occurrence=item.occurrence,
                recipient=item.recipient,
                now=now,
                lease=self.lease + max(timedelta(0), clock.now() - now),  # a backfill's lease is real
            )
            if claimed is None:
                return None
            self.heartbeat.add(claimed.id)  # type: ignore[arg-type]
            try:
                return self._attempt(session, source, item, claimed, now)
            finally:
                self.heartbeat.discard(claimed.id)  # type: ignore[arg-type]

    def _attempt(self, session: Session, source: JobSource, item: DueDelivery, claimed: Any, now: datetime) -> str:
        """Send once (looking first when an earlier attempt may have gone out) and record the outcome."""
        backoff = timedelta(seconds=BACKOFF_BASE * 2 ** (claimed.attempts - 1))
        key = delivery_key(item.kind, item.schedule_id, item.occurrence, item.recipient)
        client = DeliveryClient(self._client(item.team_id), key,
                                look_first=claimed.attempts > 1, since=claimed.first_attempt_at)
        try:
            source.deliver(item, client, self.deps)  # type: ignore[arg-type]
        except SlackApiError as exc:
            error = str(exc.response.get("error") or exc.response.status_code)
            if error in PERMANENT_SLACK_ERRORS:
                return self._fail(session, source, item, claimed.id, error)
            retry_after = timedelta(seconds=retry_after_seconds(exc.response.headers))
            return self._retry(session, source, item, claimed, now, max(retry_after, backoff), error)
        except PermanentFailure as exc:
            return self._fail(session, source, item, claimed.id, str(exc))
        except AMBIGUOUS as exc:  # Slack may have acted: the next attempt looks before it sends
            return self._retry(session, source, item, claimed, now, backoff, f"no answer from Slack: {exc!r}")
        except Exception as exc:  # a bug in a source must not stop the other deliveries
            log.exception("%s for %s crashed", item.kind, item.recipient)
            return self._retry(session, source, item, claimed, now, 2 * backoff, repr(exc))
        deliveries.mark_sent(session, claimed.id, now=now)  # type: ignore[arg-type]
        return "sent"

    def _retry(
        self,
        session: Session,
        source: JobSource,
        item: DueDelivery,
        claimed: Any,
        now: datetime,
        delay: timedelta,
        error: str,
    ) -> str:
        if deliveries.retry_later(session, claimed, now=now, delay=delay, error=error):
            log.warning("%s for %s will be retried in %s: %s", item.kind, item.recipient, delay, error)
            return "retrying"
        return self._fail(session, source, item, None, f"gave up after {claimed.attempts} attempts: {error}")

    def _fail(
        self, session: Session, source: JobSource, item: DueDelivery, delivery_id: int | None, reason: str
    ) -> str:
        if delivery_id is not None:
            deliveries.mark_failed(session, delivery_id, error=reason)
        log.error("%s %s for %s failed for good: %s", item.kind, item.schedule_id, item.recipient, reason)
        self._tell(source, item, reason)
        return "failed"

    def _tell(self, source: JobSource, item: DueDelivery, reason: str) -> None:
        try:
            source.on_failed(item, reason, self._client(item.team_id), self.deps)
        except Exception:
            log.exception("could not report the failed %s", item.kind)

    def _prune_processed_events(self) -> None:
        """Upkeep: event ids, trigger ids and repeat fingerprints past their use go (db/processed_events.py)."""
        try:  # on the wall clock: a backfill tick's past `now` must not keep rows, a future one is refused
            removed = processed_events.prune(self.deps.engine, now=clock.now())
        except Exception:  # the table only grows a little until the next tick
            log.exception("could not prune processedevent")
            return
        if removed:
            log.info("pruned %d processed-event rows older than %s", removed, processed_events.RETENTION)

    def _release_interrupted(self, now: datetime) -> None:
        """Sends cut off by a crash (lease ran out) go back to pending: the next attempt looks, then sends."""
        with Session(self.deps.engine) as session:  # leases run on the wall clock, even when ticking the past
            rows = deliveries.expire_interrupted_rows(session, now=max(now, clock.now()))
        for row in rows[:10]:
            log.warning("%s %s for %s was interrupted while sending; looking in Slack before sending again",
                        row.kind, row.schedule_id, row.recipient)
        if len(rows) > 10:
            log.warning("%d more interrupted sends: each is looked up in Slack before sending again", len(rows) - 10)

    def run_forever(self, interval: float = TICK_SECONDS) -> None:
        """Tick every `interval` seconds until `stop()`; errors are logged, never fatal."""
        self._serving = True  # upkeep may do its start-of-serving work (a one-off `tick` does not)
        while not self._stop.is_set():
            try:
                self.tick()
            except Exception:
                log.exception("scheduler tick failed")
            self._stop.wait(interval)

    def start_background(self, interval: float = TICK_SECONDS) -> threading.Thread:
        thread = threading.Thread(target=self.run_forever, args=(interval,), name="salesbot-scheduler", daemon=True)
        thread.start()
        return thread

    def stop(self) -> None:
        self._stop.set()
