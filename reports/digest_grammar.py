"""`/digest subscribe` in plain words, English or Chinese: channel, cadence, weekday, time and time zone.

"subscribe #sales weekly on monday at 09:00 Asia/Shanghai", "订阅 #销售 每周一 9:00". Anything not
understood is returned, so the reply can say what was and what was not understood.
"""

import re
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

WEEKDAYS = {
    "monday": 0, "mon": 0, "tuesday": 1, "tue": 1, "tues": 1, "wednesday": 2, "wed": 2, "thursday": 3, "thu": 3,
    "thurs": 3, "friday": 4, "fri": 4, "saturday": 5, "sat": 5, "sunday": 6, "sun": 6,
}
ZH_DAYS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6}
CADENCES = {"weekly": "weekly", "week": "weekly", "每周": "weekly", "每週": "weekly", "周报": "weekly",
            "monthly": "monthly", "month": "monthly", "每月": "monthly", "月报": "monthly",
            "quarterly": "quarterly", "quarter": "quarterly", "每季度": "quarterly", "每季": "quarterly",
            "季报": "quarterly"}
FILLER = {"on", "at", "every", "in", "to", "for", "the", "a", "每", "在", "于"}

_CHANNEL = re.compile(r"<#(C[A-Z0-9]+)(?:\|[^>]*)?>|#([\w\-\u4e00-\u9fff]+)")
_TIME = re.compile(r"\b(\d{1,2})(?::|：|点)(\d{2})?\s*(am|pm)?|\b(\d{1,2})\s*(am|pm)\b", re.I)
_ZH_DAY = re.compile(r"(?:每)?(?:周|星期|礼拜)([一二三四五六日天])")


@dataclass
class SubscriptionRequest:
    channel: str | None = None  # a channel id (from a mention) or a name
    cadence: str = "weekly"
    weekday: int = 0
    time_of_day: str = "09:00"
    timezone: str | None = None
    understood: list[str] = field(default_factory=list)
    rest: str = ""


def parse_subscription(text: str) -> SubscriptionRequest:
    """Read the words after `subscribe`; defaults: weekly, Monday, 09:00, the team's time zone."""
    req = SubscriptionRequest()
    rest = text
    if m := _CHANNEL.search(rest):
        req.channel = m.group(1) or m.group(2)
        req.understood.append(m.group(0))
        rest = rest.replace(m.group(0), " ", 1)
    if m := _ZH_DAY.search(rest):
        req.weekday = ZH_DAYS[m.group(1)]
        if m.group(0).startswith("每"):
            req.cadence = "weekly"
        req.understood.append(m.group(0))
        rest = rest.replace(m.group(0), " ", 1)
    if m := _TIME.search(rest):
        hour = int(m.group(1) or m.group(4))
        minute = int(m.group(2) or 0)
        suffix = (m.group(3) or m.group(5) or "").lower()
        if suffix == "pm" and hour < 12:
            hour += 12
        if suffix == "am" and hour == 12:
            hour = 0
        if hour < 24 and minute < 60:
            req.time_of_day = f"{hour:02d}:{minute:02d}"
            req.understood.append(m.group(0).strip())
            rest = rest.replace(m.group(0), " ", 1)
    leftovers = []
    for word in re.split(r"[\s,，]+", rest):
        low = word.lower().strip()
        if not low or low in FILLER:
            continue
        if low in CADENCES:
            req.cadence = CADENCES[low]
        elif low.rstrip("s") in WEEKDAYS or low in WEEKDAYS:
            req.weekday = WEEKDAYS.get(low, WEEKDAYS.get(low.rstrip("s"), 0))
        elif "/" in word or low == "utc":
            try:
                ZoneInfo(word if low != "utc" else "UTC")
                req.timezone = word if low != "utc" else "UTC"
            except (ZoneInfoNotFoundError, ValueError):
                leftovers.append(word)
                continue
        else:
            leftovers.append(word)
            continue
        req.understood.append(word)
    req.rest = " ".join(leftovers)
    return req
