"""The one clock: every "now" and "today" in salesbot is read here, never from datetime.now() or date.today().

Why: schedules, periods ("last quarter"), alert look-backs and row timestamps must agree on what time it is.
When each module read the system clock on its own, a test that pinned "today" in one place and not another
passed on the day it was written and failed three days later. Tests set this clock once; operators can too
(`SALESBOT_NOW=2026-12-04T16:00:00+08:00` pins the start moment of a process, e.g. to preview a Friday digest
in the console). The clock keeps running from the moment it was set unless it is frozen.
"""

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

_lock = threading.Lock()
_offset = timedelta(0)
_frozen: datetime | None = None


def parse_moment(text: str) -> datetime:
    """An ISO-8601 moment; a naive one is taken as UTC (as `salesbot tick --now` always did)."""
    moment = datetime.fromisoformat(text.strip())
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def now() -> datetime:
    """The current moment, timezone-aware, in UTC."""
    frozen = _frozen
    if frozen is not None:
        return frozen
    return datetime.now(UTC) + _offset


def wall() -> datetime:
    """The machine's real time (UTC), never moved by set_now or SALESBOT_NOW.

    Only for comparing with timestamps that other systems write on their own real clocks (a Slack message's
    `ts`: where a post whose answer was lost is looked for); schedules, periods and row dates use now()."""
    return datetime.now(UTC)


def zone(name: str | None) -> ZoneInfo:
    """The named IANA zone, UTC when the name is empty or unknown (a Slack profile can carry anything)."""
    try:
        return ZoneInfo(name or "UTC")
    except (KeyError, ValueError):
        return ZoneInfo("UTC")


def today(timezone: str | None = "UTC") -> date:
    """The calendar day in `timezone` right now: the asker's day, not the server's."""
    return now().astimezone(zone(timezone)).date()


def set_now(moment: datetime | None, *, frozen: bool = False) -> None:
    """Move the clock to `moment` (running from there, or standing still when frozen); None restores real time."""
    global _offset, _frozen
    with _lock:
        if moment is None:
            _offset, _frozen = timedelta(0), None
            return
        moment = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
        if frozen:
            _offset, _frozen = timedelta(0), moment.astimezone(UTC)
        else:
            _offset, _frozen = moment.astimezone(UTC) - datetime.now(UTC), None


def advance(delta: timedelta) -> None:
    """Move the clock forward by `delta` (tests: "a day later")."""
    global _offset, _frozen
    with _lock:
        if _frozen is not None:
            _frozen = _frozen + delta
        else:
            _offset = _offset + delta


@contextmanager
def moved_to(moment: datetime, *, frozen: bool = False) -> Iterator[None]:
    """The clock set to `moment` inside the block, restored afterwards."""
    global _offset, _frozen
    saved = (_offset, _frozen)
    set_now(moment, frozen=frozen)
    try:
        yield
    finally:
        with _lock:
            _offset, _frozen = saved


def _from_environment() -> None:
    pinned = os.environ.get("SALESBOT_NOW", "").strip()
    if pinned:
        try:
            set_now(parse_moment(pinned))
        except ValueError as exc:
            raise SystemExit(f"SALESBOT_NOW: not an ISO-8601 moment ({pinned!r}): {exc}") from None


_from_environment()
