"""When a recurring schedule fires: wall-clock times in the schedule's own time zone, DST-exact.

A schedule says "Monday 09:00 Asia/Shanghai, weekly"; occurrences are computed in local time and turned into
UTC with zoneinfo, so a weekly 09:00 stays 09:00 local across a DST change. A local time that does not exist
(the spring-forward gap) fires at the first valid minute after it; an ambiguous one (fall-back) fires once,
at its first instance.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

CADENCES = ("daily", "weekly", "biweekly", "monthly", "quarterly")


@dataclass(frozen=True)
class Recurrence:
    cadence: str  # daily | weekly | biweekly | monthly | quarterly
    weekday: int  # 0 = Monday; monthly/quarterly fire on the first such weekday of the month/quarter
    at: time
    timezone: str
    anchor: date | None = None  # biweekly: a date in a week that fires

    def __post_init__(self) -> None:
        if self.cadence not in CADENCES:
            raise ValueError(f"unknown cadence {self.cadence!r}")
        if not 0 <= self.weekday <= 6:
            raise ValueError("weekday must be 0 (Monday) to 6 (Sunday)")


def parse_time_of_day(text: str) -> time:
    hours, _, minutes = text.partition(":")
    return time(int(hours), int(minutes or 0))


def to_utc(local_day: date, at: time, tz: ZoneInfo) -> datetime:
    """The UTC moment of wall-clock `at` on `local_day` in `tz` (gap -> after the gap, fold -> first)."""
    naive = datetime.combine(local_day, at)
    wall = naive
    for _ in range(24 * 60):  # inside a spring-forward gap: walk to the first wall-clock minute that exists
        moment = wall.replace(tzinfo=tz, fold=0).astimezone(UTC)
        if moment.astimezone(tz).replace(tzinfo=None) == wall:
            return moment
        wall = (wall + timedelta(minutes=1)).replace(second=0, microsecond=0)
    raise ValueError(f"no valid local time after {naive} in {tz}")


def _fires_on(rec: Recurrence, day: date) -> bool:
    if rec.cadence == "daily":
        return True
    if day.weekday() != rec.weekday:
        return False
    if rec.cadence == "weekly":
        return True
    if rec.cadence == "biweekly":
        anchor = rec.anchor or date(2024, 1, 1)
        anchor_monday = anchor - timedelta(days=anchor.weekday())
        return ((day - timedelta(days=day.weekday())) - anchor_monday).days // 7 % 2 == 0
    first_week = day.day <= 7
    if rec.cadence == "monthly":
        return first_week
    return first_week and day.month in (1, 4, 7, 10)


def latest_at_or_before(rec: Recurrence, now: datetime) -> datetime | None:
    """The most recent occurrence at or before `now` (UTC), looking back at most ~100 days."""
    tz = ZoneInfo(rec.timezone)
    local_today = now.astimezone(tz).date()
    for back in range(0, 100):
        day = local_today - timedelta(days=back)
        if _fires_on(rec, day):
            moment = to_utc(day, rec.at, tz)
            if moment <= now:
                return moment
    return None


def next_after(rec: Recurrence, now: datetime) -> datetime:
    """The first occurrence strictly after `now` (UTC)."""
    tz = ZoneInfo(rec.timezone)
    local_today = now.astimezone(tz).date()
    for ahead in range(0, 120):
        day = local_today + timedelta(days=ahead)
        if _fires_on(rec, day):
            moment = to_utc(day, rec.at, tz)
            if moment > now:
                return moment
    raise ValueError("no occurrence in the next 120 days")
