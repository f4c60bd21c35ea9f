"""A workspace's CRM follow-up reminder setting (`/followup`): on or off, the days that make a deal stale, the
local time of the morning DM. No row: off, 14 days, 09:00."""

from typing import Any

from sqlalchemy import select

from db import clock
from db.models import FollowupSetting

DEFAULT_DAYS = 14
MAX_DAYS = 365


def setting_of(session: Any, team_id: str) -> FollowupSetting:
    """The stored setting, or the default (off) one — not added to the session."""
    found = session.get(FollowupSetting, team_id)
    return found if found is not None else FollowupSetting(team_id=team_id, enabled=False,
                                                           stale_days=DEFAULT_DAYS, time_of_day="09:00")


def change_setting(session: Any, team_id: str, *, by: str, enabled: bool | None = None, stale_days: int | None = None,
                   time_of_day: str | None = None) -> FollowupSetting:
    """Store a change (only what is given) and return the setting as it now is."""
    row = session.get(FollowupSetting, team_id) or FollowupSetting(team_id=team_id, stale_days=DEFAULT_DAYS)
    if enabled is not None:
        row.enabled = enabled
    if stale_days is not None:
        row.stale_days = stale_days
    if time_of_day is not None:
        row.time_of_day = time_of_day
    row.updated_by, row.updated_at = by, clock.now()
    session.add(row)
    session.commit()
    session.refresh(row)
    return row


def enabled_settings(session: Any) -> list[FollowupSetting]:
    stmt = select(FollowupSetting).where(FollowupSetting.enabled.is_(True))  # type: ignore[attr-defined]
    return list(session.execute(stmt).scalars())
