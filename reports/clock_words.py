"""Weekdays and times of day as managers type them, in English and Chinese: one reader for every schedule.

`/digest subscribe … on monday at 9am` and `/checkin schedule … 每周五 下午4点半` both read their day and time
here, so "4:30pm", "16:30", "9am", "at 9", "9点", "下午3点半" and "上午9点" mean the same in both commands.
"""

import re

WEEKDAYS = {
    "monday": 0, "mon": 0, "tuesday": 1, "tue": 1, "tues": 1, "wednesday": 2, "wed": 2, "thursday": 3, "thu": 3,
    "thurs": 3, "friday": 4, "fri": 4, "saturday": 5, "sat": 5, "sunday": 6, "sun": 6,
}
ZH_DAYS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6}
ZH_HALF_DAY = {"上午": 0, "早上": 0, "早晨": 0, "中午": 12, "下午": 12, "晚上": 12}

ZH_DAY = re.compile(r"(?:每)?(?:周|星期|礼拜)([一二三四五六日天])")
DAY = re.compile(r"\b(mon|tue|wed|thu|fri|sat|sun)[a-z]*\b|(?:周|星期|礼拜)([一二三四五六日天])", re.I)
TIME = re.compile(
    r"(上午|早上|早晨|中午|下午|晚上)?(?<![\d:])(\d{1,2})(?::|：|点|時|时)(\d{2}|半)?(?:分)?\s*(am|pm)?(?![a-z])"
    r"|(?<![\d:])(\d{1,2})\s*(am|pm)(?![a-z])|\bat\s+(\d{1,2})(?![\d:]|\s*[ap]m)",
    re.I,
)


def find_time(text: str) -> tuple[str | None, re.Match[str]] | None:
    """The first time of day in `text`: ("HH:MM", match), (None, match) when it is out of range, or None."""
    m = TIME.search(text)
    if m is None:
        return None
    half_day, hour_text, minutes, suffix, bare, bare_suffix, at_hour = m.groups()
    hour = int(hour_text or bare or at_hour)
    minute = 30 if minutes == "半" else int(minutes or 0)
    suffix = (suffix or bare_suffix or "").lower()
    if (suffix == "pm" or ZH_HALF_DAY.get(half_day or "") == 12) and hour < 12:
        hour += 12
    if suffix == "am" and hour == 12:
        hour = 0
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        return None, m
    return f"{hour:02d}:{minute:02d}", m


def find_weekday(text: str) -> tuple[int, re.Match[str]] | None:
    """The first weekday in `text` (English name or 周/星期/礼拜 + 一…日), 0 = Monday."""
    m = DAY.search(text)
    if m is None:
        return None
    return (WEEKDAYS[m.group(1).lower()] if m.group(1) else ZH_DAYS[m.group(2)]), m
