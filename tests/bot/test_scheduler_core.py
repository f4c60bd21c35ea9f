"""The scheduler core on both databases: recurrence (DST), the ledger, retries, Retry-After, grace, failures.

A small job source that DMs a fixed list of people stands in for digests and check-ins, so each test shows
the guarantee itself: what reached the fake Slack, and what the ledger recorded.
"""

import threading
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, create_engine, select

from bot.local_slack import Fault, LocalSlack
from bot.scheduler import SEND_LEASE, Scheduler, retry_after_seconds
from bot.slack_client import make_client
from db import clock, deliveries
from db.models import Delivery
from handlers.context import Deps
from handlers.delivery_client import DeliveryClient, delivery_key
from handlers.jobs import DueDelivery
from reports.recurrence import Recurrence, latest_at_or_before, next_after, to_utc

T0 = datetime(2026, 11, 30, 14, 0, tzinfo=UTC)


@dataclass
class Greeter:
    """Due: one DM per recipient for the occurrence `at`; failures are reported by a DM to UBOSS."""

    recipients: list[str]
    at: datetime = T0
    kind: str = "greeting"
    grace: timedelta = timedelta(hours=1)
    failed: list[tuple[str, str]] = field(default_factory=list)

    def due(self, session: Session, now: datetime) -> list[DueDelivery]:
        if now < self.at:
            return []
        done = deliveries.delivered_keys(session, kind=self.kind, schedule_ids=[1], since=self.at)
        return [
            DueDelivery("T0001", self.kind, 1, self.at, r)
            for r in self.recipients
            if (1, self.at.replace(tzinfo=None), r) not in done
        ]

    def deliver(self, item: DueDelivery, client: Any, deps: Deps) -> None:
        client.chat_postMessage(channel=item.recipient, text=f"hello {item.recipient}")

    def on_failed(self, item: DueDelivery, reason: str, client: Any, deps: Deps) -> None:
        self.failed.append((item.recipient, reason))
        client.chat_postMessage(channel="UBOSS", text=f"could not greet {item.recipient}: {reason}")


def _greetings(fake: LocalSlack) -> list[str]:
    return sorted(c.args["channel"] for c in fake.successful("chat.postMessage") if c.args["channel"] != "UBOSS")


def _rows(engine: Engine) -> list[Delivery]:
    with Session(engine) as session:
        return list(session.exec(select(Delivery).order_by(Delivery.recipient)))


def _scheduler(engine: Engine, fake: LocalSlack, *sources: Any, workers: int = 8) -> Scheduler:
    return Scheduler(Deps(engine=engine), make_client("xoxb-test", fake.api_url), list(sources), workers=workers)


# ------------------------------------------------------------------------------------------------ recurrence
def test_weekly_nine_oclock_stays_nine_local_across_both_dst_changes() -> None:
    rec = Recurrence("weekly", 0, time(9), "America/New_York")
    fall = [
        latest_at_or_before(rec, datetime(2026, 10, 26, 23, tzinfo=UTC)),
        latest_at_or_before(rec, datetime(2026, 11, 2, 23, tzinfo=UTC)),
    ]
    assert fall == [datetime(2026, 10, 26, 13, tzinfo=UTC), datetime(2026, 11, 2, 14, tzinfo=UTC)]
    assert next_after(rec, datetime(2027, 3, 9, tzinfo=UTC)) == datetime(2027, 3, 15, 13, tzinfo=UTC)
    assert latest_at_or_before(rec, datetime(2026, 11, 2, 13, 59, tzinfo=UTC)) == fall[0]


def test_times_in_the_gap_and_the_fold_fire_once() -> None:
    ny = Recurrence("daily", 0, time(2, 30), "America/New_York").timezone
    from zoneinfo import ZoneInfo

    # 14 Mar 2027 02:30 does not exist in New York: it fires at 03:00 EDT (07:00 UTC), when the gap ends
    assert to_utc(date(2027, 3, 14), time(2, 30), ZoneInfo(ny)) == datetime(2027, 3, 14, 7, 0, tzinfo=UTC)
    assert to_utc(date(2027, 3, 15), time(2, 30), ZoneInfo(ny)) == datetime(2027, 3, 15, 6, 30, tzinfo=UTC)
    # 1 Nov 2026 01:30 happens twice: it fires at the first (EDT, 05:30 UTC) only
    rec = Recurrence("daily", 0, time(1, 30), ny)
    assert latest_at_or_before(rec, datetime(2026, 11, 1, 7, tzinfo=UTC)) == datetime(2026, 11, 1, 5, 30, tzinfo=UTC)
    assert next_after(rec, datetime(2026, 11, 1, 5, 30, tzinfo=UTC)) == datetime(2026, 11, 2, 6, 30, tzinfo=UTC)


def test_monthly_and_quarterly_fire_on_the_first_weekday_of_the_period() -> None:
    monthly = Recurrence("monthly", 0, time(9), "Asia/Shanghai")
    assert next_after(monthly, datetime(2026, 11, 26, tzinfo=UTC)) == datetime(2026, 12, 7, 1, tzinfo=UTC)
    quarterly = Recurrence("quarterly", 4, time(17, 30), "Europe/London")
    assert next_after(quarterly, datetime(2026, 11, 26, tzinfo=UTC)) == datetime(2027, 1, 1, 17, 30, tzinfo=UTC)
    assert latest_at_or_before(quarterly, datetime(2026, 11, 26, tzinfo=UTC)) == datetime(
        2026, 10, 2, 16, 30, tzinfo=UTC
    )  # BST
    with pytest.raises(ValueError):
        Recurrence("hourly", 0, time(9), "UTC")


# ------------------------------------------------------------------------------------------------ ledger
def test_two_schedulers_with_their_own_engines_deliver_each_message_once(
    db_url: str, engine: Engine, fake_slack: LocalSlack
) -> None:
    """Two instances (separate engines and connection pools) ticking at the same moment on one database."""
    people = [f"U{i:03d}" for i in range(40)]
    engines = [
        create_engine(db_url, connect_args={"timeout": 30} if db_url.startswith("sqlite") else {}) for _ in range(2)
    ]
    schedulers = [_scheduler(e, fake_slack, Greeter(people)) for e in engines]
    start = threading.Barrier(2)
    reports: list[Any] = []

    def run(s: Scheduler) -> None:
        start.wait()
        reports.append(s.tick(T0))

    threads = [threading.Thread(target=run, args=(s,)) for s in schedulers]
    for th in threads:
        th.start()
    for th in threads:
        th.join(60)
    for e in engines:
        e.dispose()
    assert sum(r.sent for r in reports) == 40
    assert _greetings(fake_slack) == people
    assert {r.status for r in _rows(engine)} == {"sent"} and len(_rows(engine)) == 40


def test_short_rate_limit_is_waited_out_in_the_tick_and_sent_once(engine: Engine, fake_slack: LocalSlack) -> None:
    fake_slack.fail_next("chat.postMessage", Fault(429, retry_after=1))
    assert _scheduler(engine, fake_slack, Greeter(["UANN"])).tick(T0).sent == 1
    limited, ok = fake_slack.calls_to("chat.postMessage")
    assert ok.at - limited.at >= 1.0  # Retry-After: 1 honoured
    assert _greetings(fake_slack) == ["UANN"]


def test_long_retry_after_goes_back_to_the_ledger_until_it_has_passed(engine: Engine, fake_slack: LocalSlack) -> None:
    source = Greeter(["UANN"])
    fake_slack.fail_next("chat.postMessage", Fault(429, retry_after=300))
    scheduler = _scheduler(engine, fake_slack, source)
    report = scheduler.tick(T0)
    assert (report.sent, report.retrying) == (0, 1)
    (row,) = _rows(engine)
    assert deliveries.as_utc(row.next_attempt_at) == T0 + timedelta(seconds=300)  # type: ignore[arg-type]
    assert (row.status, row.last_error) == ("pending", "ratelimited")
    assert scheduler.tick(T0 + timedelta(seconds=240)).sent == 0  # not before Retry-After, not even the backoff
    assert len(fake_slack.calls_to("chat.postMessage")) == 1
    assert scheduler.tick(T0 + timedelta(seconds=301)).sent == 1
    assert scheduler.tick(T0 + timedelta(seconds=400)).sent == 0
    assert _greetings(fake_slack) == ["UANN"]


def test_a_retry_that_runs_past_the_grace_window_is_still_sent_once(engine: Engine, fake_slack: LocalSlack) -> None:
    scheduler = _scheduler(engine, fake_slack, Greeter(["UANN"], grace=timedelta(minutes=5)))
    fake_slack.fail_next("chat.postMessage", Fault(error="internal_error"))
    assert scheduler.tick(T0).retrying == 1
    report = scheduler.tick(T0 + timedelta(minutes=10))  # past the grace, but it was due in time
    assert (report.sent, report.skipped) == (1, 0)
    assert _greetings(fake_slack) == ["UANN"]


def test_occurrences_first_seen_past_the_grace_window_are_skipped_and_logged_once(
    engine: Engine, fake_slack: LocalSlack, caplog: pytest.LogCaptureFixture
) -> None:
    scheduler = _scheduler(engine, fake_slack, Greeter(["UANN", "UBEN"]))
    assert scheduler.tick(T0 + timedelta(hours=2)).skipped == 2
    assert scheduler.tick(T0 + timedelta(hours=3)).skipped == 0
    assert fake_slack.calls_to("chat.postMessage") == []
    assert [r.status for r in _rows(engine)] == ["skipped", "skipped"]
    assert sum("past the grace window" in m for m in caplog.messages) == 2


def test_permanent_failure_is_marked_with_the_reason_and_told_once(engine: Engine, fake_slack: LocalSlack) -> None:
    source = Greeter(["CARCHIVED", "UANN"])
    fake_slack.fail_next("chat.postMessage", Fault(error="is_archived"))
    scheduler = _scheduler(engine, fake_slack, source, workers=1)  # in order: the archived channel first
    report = scheduler.tick(T0)
    assert (report.sent, report.failed) == (1, 1)
    assert scheduler.tick(T0 + timedelta(minutes=1)).failed == 0
    rows = {r.recipient: (r.status, r.last_error) for r in _rows(engine)}
    assert rows == {"CARCHIVED": ("failed", "is_archived"), "UANN": ("sent", None)}
    told = [c.args["text"] for c in fake_slack.successful("chat.postMessage") if c.args["channel"] == "UBOSS"]
    assert told == ["could not greet CARCHIVED: is_archived"]


def test_giving_up_after_the_last_attempt_fails_it_and_tells_once(engine: Engine, fake_slack: LocalSlack) -> None:
    source = Greeter(["UANN"])
    fake_slack.fail_every("chat.postMessage", 1, Fault(error="internal_error"))
    scheduler = _scheduler(engine, fake_slack, source)
    moment = T0
    outcomes = []
    for _ in range(deliveries.MAX_ATTEMPTS + 2):
        report = scheduler.tick(moment)
        outcomes.append((report.retrying, report.failed))
        moment += timedelta(hours=1)
    assert outcomes.count((1, 0)) == deliveries.MAX_ATTEMPTS - 1 and outcomes.count((0, 1)) == 1
    (row,) = _rows(engine)
    assert row.status == "failed" and row.attempts == deliveries.MAX_ATTEMPTS
    assert len(source.failed) == 1 and "gave up after 6 attempts" in source.failed[0][1]


def _crashed_mid_send(engine: Engine, fake: LocalSlack, *, posted: bool) -> None:
    """A process claimed the greeting to UANN, maybe posted it (with its key), and died before marking it."""
    with Session(engine) as session:
        claimed = deliveries.claim(
            session, team_id="T0001", kind="greeting", schedule_id=1, occurrence=T0, recipient="UANN", now=T0,
            lease=SEND_LEASE,
        )
        assert claimed is not None
    if posted:
        key = delivery_key("greeting", 1, T0, "UANN")
        DeliveryClient(make_client("xoxb-test", fake.api_url), key, look_first=False).chat_postMessage(
            channel="UANN", text="hello UANN")


@pytest.mark.parametrize("posted", [True, False], ids=["had-gone-out", "had-not-gone-out"])
def test_a_send_cut_off_by_a_crash_is_looked_up_then_sent_or_marked_once(
    engine: Engine, fake_slack: LocalSlack, posted: bool
) -> None:
    source = Greeter(["UANN"])
    _crashed_mid_send(engine, fake_slack, posted=posted)
    scheduler = _scheduler(engine, fake_slack, source)
    assert scheduler.tick(T0 + SEND_LEASE / 2).sent == 0  # still inside its lease: maybe still sending
    report = scheduler.tick(T0 + SEND_LEASE + timedelta(seconds=1))  # the lease ran out: look, then send
    assert (report.sent, report.failed) == (1, 0)
    assert scheduler.tick(T0 + timedelta(hours=1)).sent == 0
    assert [m["text"] for m in fake_slack.posted("DANN")] == ["hello UANN"]  # exactly once either way
    assert bool(fake_slack.calls_to("conversations.history"))  # it looked before deciding
    assert [(r.status, r.attempts) for r in _rows(engine)] == [("sent", 2)]
    assert source.failed == []  # nobody is told it failed: it did not


def test_a_lost_answer_is_looked_up_before_sending_again(engine: Engine, fake_slack: LocalSlack) -> None:
    """Slack posted the DMs but the answers never came (hang past the timeout, connection closed)."""
    source = Greeter(["UANN", "UBOB", "UCID"])
    fake_slack.fail_next("chat.postMessage", Fault(hang=3), Fault(drop=True))
    scheduler = Scheduler(Deps(engine=engine), make_client("xoxb-test", fake_slack.api_url, timeout=1), [source])
    first = scheduler.tick(T0)
    assert (first.sent, first.retrying) == (1, 2)
    second = scheduler.tick(T0 + timedelta(minutes=5))
    assert (second.sent, second.failed) == (2, 0)
    for dm in ("DANN", "DBOB", "DCID"):
        assert len(fake_slack.posted(dm)) == 1, dm
    assert {r.status for r in _rows(engine)} == {"sent"}


def test_a_broken_source_does_not_stop_the_others(engine: Engine, fake_slack: LocalSlack) -> None:
    class Broken(Greeter):
        def due(self, session: Session, now: datetime) -> list[DueDelivery]:
            raise RuntimeError("bug")

    report = _scheduler(engine, fake_slack, Broken(["UX"], kind="broken"), Greeter(["UANN"])).tick(T0)
    assert report.sent == 1 and _greetings(fake_slack) == ["UANN"]


def test_retry_after_is_read_in_any_case_and_shape() -> None:
    assert retry_after_seconds({"Retry-After": "7"}) == 7
    assert retry_after_seconds({"retry-after": ["30"]}) == 30
    assert retry_after_seconds({"Content-Type": "x"}) == 0 and retry_after_seconds(None) == 0


def test_a_backfill_in_the_past_is_not_taken_for_a_crash_by_a_live_instance(
    engine: Engine, fake_slack: LocalSlack
) -> None:
    """`salesbot tick --now <last Monday>` while `serve` ticks on the wall clock: leases run on the wall clock."""
    past = datetime(2026, 1, 5, 14, tzinfo=UTC)
    live = _scheduler(engine, fake_slack, Greeter(["ULIVE"], at=clock.now() + timedelta(days=1)))
    seen: list[Any] = []

    class SlowGreeter(Greeter):
        def deliver(self, item: DueDelivery, client: Any, deps: Deps) -> None:
            seen.append(live.tick())  # the live instance ticks while this send is in flight
            super().deliver(item, client, deps)

    report = _scheduler(engine, fake_slack, SlowGreeter(["UANN"], at=past)).tick(past)
    assert report.sent == 1 and seen[0].failed == 0
    assert [(r.status, r.last_error) for r in _rows(engine)] == [("sent", None)]
    assert _greetings(fake_slack) == ["UANN"]
