"""`/digest subscribe` in plain words, English or Chinese: channel, cadence, weekday, time and time zone.

"subscribe #sales weekly on monday at 09:00 Asia/Shanghai", "订阅 #销售 每周一 9:00". Anything not
understood is returned, so the reply can say what was and what was not understood.
"""

import re
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from reports.clock_words import WEEKDAYS, ZH_DAY, ZH_DAYS, find_time

CADENCES = {
    "weekly": "weekly",
    "week": "weekly",
    "每周": "weekly",
    "每週": "weekly",
    "周报": "weekly",
    "monthly": "monthly",
    "month": "monthly",
    "每月": "monthly",
    "月报": "monthly",
    "quarterly": "quarterly",
    "quarter": "quarterly",
    "每季度": "quarterly",
    "每季": "quarterly",
    "季报": "quarterly",
}
FILLER = {
    "on",
    "at",
    "every",
    "in",
    "to",
    "for",
    "the",
    "a",
    "first",
    "of",
    "month",
    "quarter",
    "each",
    "每",
    "在",
    "于",
    "第一个",
    "的",
    "点",
}
# Chinese has no spaces: these words are cut out of the text before it is split into words.
ZH_WORDS = ("每季度", "每季", "每週", "每周", "每月", "周报", "月报", "季报", "第一个", "的")
_ZH_WORD = re.compile("|".join(ZH_WORDS))

_CHANNEL = re.compile(r"<#(C[A-Z0-9]+)(?:\|[^>]*)?>|#([\w\-\u4e00-\u9fff]+)")


@dataclass
class SubscriptionRequest:
    channel: str | None = None  # a channel id (from a mention) or a name
    channel_is_name: bool = False  # a plain `#name`, still to be looked up
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
        req.channel_is_name = not m.group(1)
        req.understood.append(m.group(0))
        rest = rest.replace(m.group(0), " ", 1)
    if m := ZH_DAY.search(rest):
        req.weekday = ZH_DAYS[m.group(1)]
        if m.group(0).startswith("每"):
            req.cadence = "weekly"
        req.understood.append(m.group(0))
        rest = rest.replace(m.group(0), " ", 1)
    if (found := find_time(rest)) and found[0]:
        req.time_of_day = found[0]
        req.understood.append(found[1].group(0).strip())
        rest = rest.replace(found[1].group(0), " ", 1)
    rest = _ZH_WORD.sub(lambda w: f" {w.group(0)} ", rest)
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
