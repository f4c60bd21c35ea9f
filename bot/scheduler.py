"""The one scheduler: `tick(now)` sends everything due exactly once; `serve`/`socket` tick every 30 s.

For each due delivery: claim it in the ledger (unique key, before sending), send, mark sent. Rate limits
and 5xx are first retried inside the Web API client (honouring Retry-After); if Slack still refuses, the
delivery goes back to `pending` with a backoff for a later tick. Permanent errors mark it failed and the
source tells the subscriber once. Occurrences older than the source's grace window are recorded as
skipped and logged, so a bot that was down for a day does not spam a week of digests.
"""

import logging
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlmodel import Session

from db import deliveries
from handlers.context import Deps
from handlers.jobs import PERMANENT_SLACK_ERRORS, DueDelivery, JobSource, PermanentFailure

log = logging.getLogger("salesbot.scheduler")
TICK_SECONDS = 30


@dataclass
class TickReport:
    sent: int = 0
    skipped: int = 0
    retrying: int = 0
    failed: int = 0
    details: list[str] = field(default_factory=list)


class Scheduler:
    def __init__(self, deps: Deps, client: WebClient, sources: Sequence[JobSource], *, workers: int = 8) -> None:
        self.deps, self.client, self.sources = deps, client, list(sources)
        self.workers = workers
        self._stop = threading.Event()
        self._lock = threading.Lock()

    def tick(self, now: datetime | None = None) -> TickReport:
        """Run every job due at `now` once (default: the current moment)."""
        now = (now or datetime.now(UTC)).astimezone(UTC)
        report = TickReport()
        with self._lock, Session(self.deps.engine) as session:
            deliveries.expire_interrupted(session, now=now)
            for source in self.sources:
                items = source.due(session, now)
                fresh = []
                for item in items:
                    if now - item.occurrence > source.grace:
                        if deliveries.ensure_row(session, team_id=item.team_id, kind=item.kind,
                                                 schedule_id=item.schedule_id, occurrence=item.occurrence,
                                                 recipient=item.recipient, status="skipped", now=now,
                                                 error="past the grace window"):
                            log.warning("skipped %s %s for %s at %s: past the grace window of %s", item.kind,
                                        item.schedule_id, item.recipient, item.occurrence.isoformat(), source.grace)
                            report.skipped += 1
                    else:
                        fresh.append(item)
                session.commit()
                if fresh:
                    with ThreadPoolExecutor(max_workers=min(self.workers, len(fresh))) as pool:
                        for outcome in pool.map(lambda it, s=source: self._deliver_one(s, it, now), fresh):
                            if outcome:
                                setattr(report, outcome, getattr(report, outcome) + 1)
        if report.sent or report.failed or report.retrying:
            log.info("tick %s: sent %d, retrying %d, failed %d, skipped %d", now.isoformat(), report.sent,
                     report.retrying, report.failed, report.skipped)
        return report

    def _deliver_one(self, source: JobSource, item: DueDelivery, now: datetime) -> str | None:
        with Session(self.deps.engine) as session:
            claimed = deliveries.claim(session, team_id=item.team_id, kind=item.kind, schedule_id=item.schedule_id,
                                       occurrence=item.occurrence, recipient=item.recipient, now=now)
            if claimed is None:
                return None
            try:
                source.deliver(item, self.client, self.deps)
            except SlackApiError as exc:
                status = exc.response.status_code
                error = str(exc.response.get("error") or status)
                if error in PERMANENT_SLACK_ERRORS:
                    return self._fail(session, source, item, claimed.id, error)
                retry_after = int(exc.response.headers.get("Retry-After", 0) or 0) if status == 429 else 0
                delay = timedelta(seconds=max(retry_after, 30 * 2 ** (claimed.attempts - 1)))
                if deliveries.retry_later(session, claimed, now=now, delay=delay, error=error):
                    log.warning("%s for %s will be retried in %s: %s", item.kind, item.recipient, delay, error)
                    return "retrying"
                return self._fail(session, source, item, None, error)
            except PermanentFailure as exc:
                return self._fail(session, source, item, claimed.id, str(exc))
            except Exception as exc:  # a bug in a source must not stop the other deliveries
                log.exception("%s for %s crashed", item.kind, item.recipient)
                delay = timedelta(seconds=60 * 2 ** (claimed.attempts - 1))
                if deliveries.retry_later(session, claimed, now=now, delay=delay, error=repr(exc)):
                    return "retrying"
                return self._fail(session, source, item, None, repr(exc))
            deliveries.mark_sent(session, claimed.id, now=now)  # type: ignore[arg-type]
            return "sent"

    def _fail(self, session: Session, source: JobSource, item: DueDelivery, delivery_id: int | None,
              reason: str) -> str:
        if delivery_id is not None:
            deliveries.mark_failed(session, delivery_id, error=reason)
        log.error("%s %s for %s failed for good: %s", item.kind, item.schedule_id, item.recipient, reason)
        try:
            source.on_failed(item, reason, self.client, self.deps)
        except Exception:
            log.exception("could not report the failed %s", item.kind)
        return "failed"

    def run_forever(self, interval: float = TICK_SECONDS) -> None:
        """Tick every `interval` seconds until `stop()`; errors are logged, never fatal."""
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
