"""Cross-team requests, Slack-free: reading `/ask`, finding the account, and wording a request wherever it shows.

`/ask #presales "demo environment for Cancity by Friday"` · `/ask #售前 "给 Cancity 准备演示环境" 周五前` ·
`/ask #presales "pricing sheet for Isdom" by 2026-12-10`. `parse_ask` takes the channel (a mention Slack escaped,
or a plain `#name` the handler looks up), the request's text (quoted, or the rest of the line) and the due date:
"by/before/due/until DATE" or Chinese "DATE前/之前/以前" and "截止DATE", read by the one period parser
(reports/periods.py, `upcoming`: "Friday" is the coming Friday, "10 Dec" the next 10 December) — a month or a
week as the due phrase means its last day. A due phrase written outside the quotes must be a date (else the
answer says so); inside the quotes, "by the product team" is just words. `find_account` names the account the
text mentions, compared as account names are everywhere (reports/account_names.py), or the known names a
misspelt one is close to ("did you mean").

When reminders go (handlers/ask.py sends them through the delivery ledger, once each): the working day before
the due date at 09:00 in the workspace's time zone (to whoever took it, else to the channel), and an overdue note
the working day after the due date at 09:00 (to the taker or the channel, and to the asker). A reminder whose
moment came before the request was made is not sent (asking on Thursday afternoon for Friday needs no reminder).
"""

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from db.team_requests import OpenRequest
from reports import account_names, mrkdwn
from reports.formatting import date_short
from reports.i18n import add_messages, msg, t
from reports.periods import PeriodError, parse_period

add_messages(
    msg("ask.due", "due {day}"),
    msg("ask.no_due", "no due date"),
    msg("ask.for_account", "for {account}"),
    msg("ask.post_title", "Request from {asker} · {details}"),
    msg("ask.state.open", "Open — nobody has taken it yet"),
    msg("ask.state.taken", "Taken by {who}"),
    msg("ask.state.closed", "Closed by {who}"),
    msg("ask.from_checkin", "From {rep}'s check-in (support needed)"),
    msg("ask.overdue_tag", "overdue"),
    msg("ask.item", "“{text}” → {channel}, {due}{taken}"),
    msg("ask.item_taken", " · taken by {who}"),
    msg("ask.brief", "Requests to other teams: {open} open{overdue} — {items}"),
    msg("ask.overdue_count", ", {count} overdue"),
    msg("ask.digest", "Requests to other teams: {open} open{overdue} · {closed} closed in the period"),
    msg("ask.digest_overdue", "Overdue: {items}"),
    msg("ask.reminder", "⏰ Reminder: this request is due {day} — “{text}” (asked by {asker})"),
    msg("ask.overdue", "⚠ Overdue since {day}: “{text}” (asked by {asker}, in {channel})"),
)

REMINDER_AT = time(9, 0)  # local time of reminders and overdue notes
BRIEF_ITEMS = 3
_QUOTES = re.compile(r"\"([^\"]*)\"|“([^”]*)”|「([^」]*)」|『([^』]*)』|'([^']*)'")
_CHANNEL = re.compile(r"^\s*(?:<#(?P<id>[CG][A-Z0-9]+)(?:\|(?P<label>[^>]*))?>|#(?P<name>[^\s\"“「『']+))")
_EN_DUE = re.compile(r"(?:^|\s)(?:by|before|due(?:\s+(?:on|by))?|until|no later than)\s+", re.IGNORECASE)
_ZH_DUE_AFTER = re.compile(r"(?:之前|以前|前)(?:完成|交付|提供|给到)?[。.!！]?\s*$")
_ZH_DUE_BEFORE = re.compile(r"(?:截止(?:到|于|日期)?|最晚)\s*[:：]?\s*")
_MAX_ZH_DATE = 12  # characters of a Chinese date phrase ("2026年12月10日")
_ACCOUNT_WORD = re.compile(
    r"(?:^|\s)(?:for|at|with|from|account|customer)\s+([^\s,.;:!?]+)|(?:客户|给|为)\s*([^\s，。,.;；:：!！?？的]+)",
    re.IGNORECASE,
)


@dataclass
class Ask:
    """What `/ask` understood; `problem` is a message key when something is missing or wrong."""

    channel: str = ""  # a channel id (from a mention) or a name (channel_is_name)
    channel_is_name: bool = False
    text: str = ""
    due: date | None = None
    due_phrase: str = ""
    problem: str = ""


def parse_ask(line: str, *, today: date, language: str) -> Ask:
    """`#channel "text" [by DATE]` or `#channel text by DATE` (see the module docstring)."""
    ask = Ask()
    found = _CHANNEL.match(line or "")
    if found is None:
        ask.problem = "no_channel"
        rest = (line or "").strip()
    else:
        ask.channel = found["id"] or found["name"]
        ask.channel_is_name = not found["id"]
        rest = line[found.end():].strip()
    quoted = _QUOTES.search(rest)
    if quoted:
        text = next(g for g in quoted.groups() if g is not None).strip()
        outside = (rest[: quoted.start()] + " " + rest[quoted.end():]).strip()
        ask.text, due, phrase = _split_due(text, today=today, language=language, strict=False)
        if outside:  # a due phrase after the quotes must be one
            left, due_out, phrase_out = _split_due(outside, today=today, language=language, strict=True)
            if due_out is None or left:  # all of it must be the due phrase
                ask.problem = ask.problem or "bad_due"
                ask.due_phrase = outside
                return ask
            due, phrase = due_out, phrase_out
    else:
        ask.text, due, phrase = _split_due(rest, today=today, language=language, strict=False)
    ask.text = " ".join(ask.text.split())
    ask.due, ask.due_phrase = due, phrase
    if not ask.problem and not ask.text:
        ask.problem = "no_text"
    if not ask.problem and due is not None and due < today:
        ask.problem = "past_due"
    return ask


def _split_due(text: str, *, today: date, language: str, strict: bool) -> tuple[str, date | None, str]:
    """(text without the due phrase, the due date, the phrase). `strict`: the whole text is meant as a due phrase
    ("by Friday", "周五前", "2026-12-10")."""
    for m in reversed(list(_EN_DUE.finditer(text))):
        phrase = text[m.end():].strip().rstrip(".!")
        due = _due_date(phrase, today, language)
        if due is not None:
            return text[: m.start()].strip(), due, phrase
    if after := _ZH_DUE_AFTER.search(text):
        head = text[: after.start()].rstrip()
        for n in range(min(len(head), _MAX_ZH_DATE), 0, -1):  # the longest date phrase that ends there
            due = _due_date(head[-n:], today, language)
            if due is not None:
                return head[:-n].rstrip(" ，,"), due, head[-n:]
    if before := _ZH_DUE_BEFORE.search(text):
        phrase = text[before.end():].strip()
        due = _due_date(phrase, today, language)
        if due is not None:
            return text[: before.start()].rstrip(" ，,"), due, phrase
    if strict:
        due = _due_date(text.strip(), today, language)
        if due is not None:
            return "", due, text.strip()
    return text, None, ""


def _due_date(phrase: str, today: date, language: str) -> date | None:
    if not phrase or len(phrase) > 40:
        return None
    try:
        period = parse_period(phrase, today=today, language=language, upcoming=True)
    except PeriodError:
        return None
    return period.last_day


@dataclass(frozen=True)
class AccountFound:
    """`name`: the known account the text mentions; else `typed` and the known names it is close to."""

    name: str | None = None
    typed: str = ""
    suggestions: tuple[str, ...] = ()


def find_account(text: str, known: list[str]) -> AccountFound:
    """The known account named in `text` (the longest run of up to four words that is one, or a Chinese name
    inside the text), else the word after "for"/"at"/"给"/"客户" and the known names it is a misspelling of."""
    keys: dict[str, str] = {}
    for name in known:
        key = account_names.normalise(name)
        if key:
            keys.setdefault(key, name)
    words = text.split()
    for n in range(min(4, len(words)), 0, -1):
        for i in range(len(words) - n + 1):
            key = account_names.normalise(" ".join(words[i: i + n]))
            if key in keys:
                return AccountFound(keys[key])
    flat = account_names.normalise(text)
    cjk = sorted((k for k in keys if re.search(r"[\u3400-\u9fff]", k) and len(k) >= 2 and k in flat), key=len)
    if cjk:
        return AccountFound(keys[cjk[-1]])
    for m in _ACCOUNT_WORD.finditer(text):
        typed = (m.group(1) or m.group(2) or "").strip("'’\"")
        close = account_names.match(typed, known).suggestions if len(typed) >= 3 else ()
        if close:
            return AccountFound(None, typed, close)
    return AccountFound()


# ------------------------------------------------------------------------------------------ wording


def due_words(due: date | None, language: str) -> str:
    return t("ask.due", language, day=date_short(due, language)) if due else t("ask.no_due", language)


def post_lines(*, asker: str, text: str, account: str | None, due: date | None, rep_name: str | None,
               language: str) -> list[str]:
    """The request as the team's channel sees it: who asked, for which account, by when, and the words."""
    details = [due_words(due, language)]
    if account:
        details.insert(0, t("ask.for_account", language, account=f"*{mrkdwn.escape(account)}*"))
    lines = [f"*{t('ask.post_title', language, asker=asker, details=' · '.join(details))}*",
             "> " + mrkdwn.escape(" ".join(text.split()))]
    if rep_name:
        lines.append("_" + t("ask.from_checkin", language, rep=mrkdwn.escape(rep_name)) + "_")
    return lines


def state_line(status: str, who: str | None, language: str) -> str:
    """"Open — nobody has taken it yet" / "Taken by @x" / "Closed by @x" (`who` a mention the caller built)."""
    return t(f"ask.state.{status}", language, who=who or "")


def is_overdue(request: OpenRequest, today: date) -> bool:
    return request.due_date is not None and request.due_date < today


def _short(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return mrkdwn.escape(text if len(text) <= limit else text[: limit - 1] + "…")


def item_line(request: OpenRequest, today: date, language: str) -> str:
    due = due_words(request.due_date, language)
    if is_overdue(request, today):
        due = f"⚠ {due} ({t('ask.overdue_tag', language)})"
    taken = t("ask.item_taken", language, who=f"<@{request.taken_by}>") if request.taken_by else ""
    return t("ask.item", language, text=_short(request.text), channel=f"<#{request.channel_id}>", due=due, taken=taken)


def brief_line(requests: list[OpenRequest], today: date, language: str) -> str | None:
    """The 1:1 brief's line about the rep's open requests (overdue first); None when there are none."""
    if not requests:
        return None
    ordered = sorted(requests, key=lambda r: (not is_overdue(r, today), r.due_date or date.max, r.id))
    overdue = sum(1 for r in requests if is_overdue(r, today))
    items = "; ".join(item_line(r, today, language) for r in ordered[:BRIEF_ITEMS])
    if len(ordered) > BRIEF_ITEMS:
        items += f"; +{len(ordered) - BRIEF_ITEMS}"
    return t("ask.brief", language, open=len(requests),
             overdue=t("ask.overdue_count", language, count=overdue) if overdue else "", items=items)


def digest_lines(requests: list[OpenRequest], closed: int, today: date, language: str) -> list[str]:
    """The digest's lines: how many are open (and overdue) and the overdue ones by name; nothing when none is
    open."""
    if not requests:
        return []
    overdue = [r for r in requests if is_overdue(r, today)]
    lines = [t("ask.digest", language, open=len(requests), closed=closed,
               overdue=t("ask.overdue_count", language, count=len(overdue)) if overdue else "")]
    if overdue:
        items = "; ".join(item_line(r, today, language) for r in overdue[:BRIEF_ITEMS])
        if len(overdue) > BRIEF_ITEMS:
            items += f"; +{len(overdue) - BRIEF_ITEMS}"
        lines.append(t("ask.digest_overdue", language, items=items))
    return lines


# ------------------------------------------------------------------------------------------ reminders


def _working_day(day: date, step: int) -> date:
    """`day` moved by `step` days, then on past a weekend in the same direction."""
    day += timedelta(days=step)
    while day.weekday() >= 5:
        day += timedelta(days=1 if step > 0 else -1)
    return day


def reminder_moment(due: date, timezone: str) -> datetime:
    """09:00 local on the working day before the due date."""
    return datetime.combine(_working_day(due, -1), REMINDER_AT, ZoneInfo(timezone))


def overdue_moment(due: date, timezone: str) -> datetime:
    """09:00 local on the working day after the due date."""
    return datetime.combine(_working_day(due, 1), REMINDER_AT, ZoneInfo(timezone))


def reminder_text(*, text: str, due: date, asker: str, language: str) -> str:
    return t("ask.reminder", language, day=date_short(due, language), text=_short(text, 200), asker=asker)


def overdue_text(*, text: str, due: date, asker: str, channel: str, language: str) -> str:
    return t("ask.overdue", language, day=date_short(due, language), text=_short(text, 200), asker=asker,
             channel=channel)
