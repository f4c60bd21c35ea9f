"""One-on-one check-ins, Slack-free: the questions, reading answers, and the texts a manager and a rep read.

What lives here and why:
- Default questions in English and Chinese. A schedule with no questions of its own asks each rep the
  defaults *in the rep's language*; a run freezes the exact questions it asked (and their version), so editing
  a schedule's questions never rewrites past answers.
- Which question is which (confidence 1-5, difficulties, support) is found from the question text, so a
  manager's own wording keeps the confidence trend and the blockers list working.
- The rep's figures since the last check-in, the manager's copy of a completed check-in, the round summary
  and the one-on-one brief are composed here as mrkdwn lines from plain data; handlers only wrap them in
  Block Kit. KPI figures come from the one engine (`reports.kpi_engine`); nothing here computes a KPI.
"""

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date

from db.team_requests import open_requests
from reports import formatting as fmt
from reports import manager_checks as checks
from reports import team_requests
from reports.i18n import add_messages, msg, nmsg, simplified, t, tn
from reports.money_notes import left_out_lines
from reports.mrkdwn import escape
from reports.skill_gaps import gap_lines, skill_gaps, topic_text

# The default questions live with the stored check-ins (db/checkins.py), so the demo data uses the same.

# Short labels of the default questions, for the manager's copy ("Progress: ...").
_LABEL_KEYS = ("progress", "difficulties", "strategy", "support", "confidence")

add_messages(
    msg("checkin.label.progress", "Progress"),
    msg("checkin.label.difficulties", "Difficulties"),
    msg("checkin.label.strategy", "Strategy to change"),
    msg("checkin.label.support", "Support needed"),
    msg("checkin.label.confidence", "Confidence"),
    msg("checkin.cadence.weekly", "weekly"),
    msg("checkin.cadence.biweekly", "every 2 weeks"),
    msg("checkin.cadence.monthly", "monthly"),
    msg("checkin.skipped", "_skipped_"),
    msg("checkin.no_answer", "_no answer_"),
    msg("checkin.late", "late"),
    msg("checkin.numbers", "{since}: {revenue} won ({deals}){target}"),
    msg("checkin.deals.one", "1 deal"),
    msg("checkin.deals.many", "{count} deals"),
    msg("checkin.numbers.since_last", "Since {day}"),
    msg("checkin.numbers.target", " · {pct} of {month} target"),
    msg("checkin.numbers.label", "Numbers"),
    msg("checkin.copy.title", "*{name} · {cadence} check-in · {day}*"),
    msg("checkin.copy.confidence", "confidence {value}/5{trend}"),
    msg("checkin.trend.from", " ({arrow} from {prev})"),
    msg("checkin.round.title", "*Check-in round · {cadence} · {day}*"),
    msg("checkin.round.answered", "Answered {done} of {total}: {names}"),
    msg("checkin.round.missed", "Missed: {names}"),
    msg("checkin.round.away", "Away: {names}"),
    msg("checkin.round.confidence", "Confidence: average {avg}/5{trend} · {per_rep}"),
    msg("checkin.round.blockers", "Blockers mentioned:"),
    msg("checkin.round.no_blockers", "No blockers mentioned."),
    msg("checkin.brief.title", "*1:1 with {name} · {when}*"),
    msg("checkin.brief.kpis", "KPIs: {month} {month_part} · {quarter} to date {qatt} · win rate {win} (team "
        "{team_win})"),
    msg("checkin.brief.month", "{revenue} ({att} of target · pace {pace} · {status})"),
    msg("checkin.brief.month_no_target", "{revenue} (no target)"),
    msg("checkin.brief.month_early", "so far {revenue} (day {day} of {days} · pace {pace}) · {last} {last_part}"),
    msg("checkin.brief.last_month", "{revenue} ({att} of target · {status})"),
    msg("checkin.status.hit", "hit"),
    msg("checkin.status.missed", "missed by {gap}"),
    # i18n: {deals} is "3 deals", {count} the bare number: a translation may use either
    msg("checkin.brief.slipped", "Slipped: {deals} past their close date ({amount})"),
    # i18n: {deals} is "3 deals", {count} the bare number: a translation may use either
    msg("checkin.brief.stalled", "stalled: {deals} with no change for {days}+ days — {examples}"),
    msg("checkin.brief.stalled_one", "{name} ({stage}, {idle} days)"),
    msg("checkin.brief.no_slips", "Pipeline: no slipped or stalled deals"),
    msg("checkin.brief.customers", "Customers: {count} low ratings in 30 days on their accounts — {quote}"),
    nmsg("checkin.brief.customers_ok", "Customers: {count} rating in 30 days, none low",
         "Customers: {count} ratings in 30 days, none low"),
    msg("checkin.brief.customers_none", "Customers: no feedback in 30 days"),
    msg("checkin.brief.last", "Last check-in ({day}): {parts}"),
    msg("checkin.brief.last_none", "Last check-in: none answered yet"),
    msg("checkin.brief.blocker", "blocker \"{text}\""),
    msg("checkin.brief.support", "asked for \"{text}\""),
    msg("checkin.brief.open_blockers", "Open blockers: {items}"),
    msg("checkin.brief.topics", "Suggested topics: {items}"),
    msg("checkin.brief.topic_account", "the {account} feedback"),
    msg("checkin.brief.topic_slipped", "the slipped deals ({count})"),
    msg("checkin.brief.topic_target", "the plan to close the gap to target"),
    msg("checkin.status.on_track", "on track"),
    msg("checkin.status.at_risk", "at risk"),
    msg("checkin.status.behind", "behind"),
    msg("checkin.status.no_target", "no target"),
)

_SKIP = re.compile(r"^\s*(skip|pass|next|跳过|略过|下一个|跳過|略過|下一個|-)\s*[.!。！]?\s*$", re.IGNORECASE)
_NOTHING = re.compile(
    r"^\s*((no|none|n/?a|nope|nah|没有|无|暂无|没|都还好|一切顺利)\s*[.!。！]?\s*$"
    r"|(nothing|none|no (blockers?|issues?|problems?|difficulties)|all good|not really|没什么|暂时没有|没有什么))",
    re.IGNORECASE,
)
_CONFIDENCE_Q = re.compile(r"1\s*[-–~到至]\s*5|confiden|信心|把握", re.IGNORECASE)
_BLOCKER_Q = re.compile(r"difficult|blocker|obstacle|problem|challenge|in your way|困难|阻碍|问题|挑战", re.IGNORECASE)
_SUPPORT_Q = re.compile(r"support|help|need from|支持|支援|帮助", re.IGNORECASE)
_PROGRESS_Q = re.compile(r"progress|进展", re.IGNORECASE)
_STRATEGY_Q = re.compile(r"strateg|approach|策略", re.IGNORECASE)
_CN_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5}
_VACATION = re.compile(r"vacation|holiday|on leave|out of office|\booo\b|休假|年假|假期|请假", re.IGNORECASE)


# The span a check-in looks back on, by the schedule's cadence: a monthly one-on-one asks about the month.
# The questions a new schedule asks, in the rep's language and script; "this week" becomes the cadence's span.
QUESTION_KEYS = ("checkin.question.progress", "checkin.question.blockers", "checkin.question.strategy",
                 "checkin.question.support", "checkin.question.confidence")
add_messages(
    msg("checkin.question.progress", "What progress did you make on your deals this week?"),
    msg("checkin.question.blockers", "What difficulties or blockers are you facing?"),
    msg("checkin.question.strategy", "What in our sales strategy should change?"),
    msg("checkin.question.support", "What support do you need from me or the team?"),
    msg("checkin.question.confidence", "How confident are you about hitting your target this month? (1-5)"),
    msg("checkin.span.weekly", "this week"),
    msg("checkin.span.biweekly", "these two weeks"),
    msg("checkin.span.monthly", "this month"),
)


def span_start(cadence: str, today: date) -> date:
    """The first day a check-in of this cadence looks back to when there was no check-in before it: a week
    for weekly, two for biweekly, the same day a month earlier for monthly (so a monthly greeting's figures
    are the month's, never "the last 7 days")."""
    if cadence == "monthly":
        month_end = today.replace(day=1) - timedelta(days=1)
        return month_end.replace(day=min(today.day, month_end.day))
    return today - timedelta(days=14 if cadence == "biweekly" else 7)


def default_questions(language: str, cadence: str = "weekly") -> list[str]:
    """The default questions in the rep's language, speaking of the span the cadence covers."""
    this_week = t("checkin.span.weekly", language)
    span = t(f"checkin.span.{cadence}", language) if cadence in ("biweekly", "monthly") else this_week
    return [t(key, language).replace(this_week, span) for key in QUESTION_KEYS]


def questions_for(schedule_questions: list[str] | None, language: str, cadence: str = "weekly") -> list[str]:
    """The questions a run asks: the schedule's own, or the defaults in the rep's language and cadence."""
    if schedule_questions:
        return [q for q in schedule_questions if q.strip()]
    return default_questions(language, cadence)


def _find(questions: list[str], pattern: re.Pattern[str], exclude: set[int] = frozenset()) -> int | None:  # type: ignore[assignment]
    for i, question in enumerate(questions):
        if i not in exclude and pattern.search(simplified(question)):  # 困難 as 困难
            return i
    return None


def confidence_index(questions: list[str]) -> int | None:
    """The question asking for confidence on 1-5, if any (its answers make the trend)."""
    return _find(questions, _CONFIDENCE_Q)


def blocker_index(questions: list[str]) -> int | None:
    conf = confidence_index(questions)
    return _find(questions, _BLOCKER_Q, {conf} if conf is not None else set())


def support_index(questions: list[str]) -> int | None:
    taken = {i for i in (confidence_index(questions), blocker_index(questions)) if i is not None}
    return _find(questions, _SUPPORT_Q, taken)


def label_for(questions: list[str], index: int, language: str) -> str:
    """A short label for the manager's copy: 'Progress', 'Difficulties', ... or the question itself."""
    found = {
        confidence_index(questions): "confidence",
        blocker_index(questions): "difficulties",
        support_index(questions): "support",
        _find(questions, _PROGRESS_Q): "progress",
        _find(questions, _STRATEGY_Q): "strategy",
    }
    key = found.get(index)
    if key:
        return t(f"checkin.label.{key}", language)
    question = questions[index].rstrip("?？ ")
    return question if len(question) <= 40 else question[:39] + "…"


def is_skip(text: str) -> bool:
    return bool(_SKIP.match(simplified(text or "")))


def means_nothing(text: str) -> bool:
    """'no', 'none', '没有' ...: an answer that reports no blocker."""
    return not (text or "").strip() or bool(_NOTHING.match(simplified(text)))


def parse_confidence(text: str) -> int | None:
    """1-5 from '4', '4/5', 'about 3', '四', '信心4分'; None when there is no such number."""
    match = re.search(r"(?<!\d)(?<!\d\.)([1-5])(?!\d|\.\d)", text or "")
    if match:
        return int(match.group(1))
    for char in text or "":
        if char in _CN_DIGITS:
            return _CN_DIGITS[char]
    return None


def is_vacation_status(status_text: str | None, status_emoji: str | None) -> bool:
    """A Slack status that says the person is away: 🌴, or vacation / holiday / 休假 / 年假 in the text."""
    away = (status_emoji or "") in (":palm_tree:", ":desert_island:", "🌴")
    return away or bool(_VACATION.search(simplified(status_text or "")))


# ----------------------------------------------------------------------------------------- plain data


@dataclass(frozen=True)
class Answer:
    text: str
    skipped: bool = False
    late: bool = False


@dataclass
class RunView:
    """One rep's check-in as a manager reads it (no database types)."""

    run_id: int
    member_id: int
    rep_name: str
    occurrence: datetime
    timezone: str
    questions: list[str]
    status: str  # pending | asking | completed | missed | skipped
    answers: dict[int, Answer] = field(default_factory=dict)
    deadline_at: datetime | None = None
    completed_at: datetime | None = None

    @property
    def local_day(self) -> date:
        return self.occurrence.astimezone(ZoneInfo(self.timezone or "UTC")).date()

    @property
    def confidence(self) -> int | None:
        index = confidence_index(self.questions)
        answer = self.answers.get(index) if index is not None else None
        return parse_confidence(answer.text) if answer and not answer.skipped else None

    @property
    def blocker(self) -> str | None:
        index = blocker_index(self.questions)
        answer = self.answers.get(index) if index is not None else None
        if answer is None or answer.skipped or means_nothing(answer.text):
            return None
        return answer.text.strip()

    @property
    def support(self) -> str | None:
        index = support_index(self.questions)
        answer = self.answers.get(index) if index is not None else None
        if answer is None or answer.skipped or means_nothing(answer.text):
            return None
        return answer.text.strip()

    @property
    def late(self) -> bool:
        return any(a.late for a in self.answers.values())


@dataclass(frozen=True)
class RepNumbers:
    """The rep's own figures for the DM greeting and the manager's copy (from the KPI engine)."""

    since: date
    revenue_cents: int
    deals_won: int
    month_attainment: float | None
    month_label: str
    currency: str


@dataclass(frozen=True)
class _Range:
    start: date
    end: date


def month_range(today: date) -> tuple[date, date]:
    start = today.replace(day=1)
    end = (start + timedelta(days=32)).replace(day=1)
    return start, end


def quarter_range(today: date, fiscal_start_month: int = 1) -> tuple[date, date]:
    """The (fiscal) quarter containing `today`, as a half-open date range."""
    offset = (today.month - fiscal_start_month) % 3
    start = today.replace(day=1)
    for _ in range(offset):
        start = (start - timedelta(days=1)).replace(day=1)
    end = start
    for _ in range(3):
        end = (end + timedelta(days=32)).replace(day=1)
    return start, end


def rep_numbers(
    session: Any, *, team_id: str, member_id: int, since: date, today: date, currency: str, language: str
) -> RepNumbers:
    """Revenue and deals won since the last check-in, and this month's attainment, from the one KPI engine."""
    from reports import kpi_engine

    scope = kpi_engine.Scope(team_id, member_id=member_id)
    values = kpi_engine.compute_many(
        session, ["revenue", "deals_won"], scope, _Range(since, today + timedelta(days=1)), today=today
    )
    month = _Range(*month_range(today))
    att = kpi_engine.attainment(session, scope, month, today=today)
    month_label = month_name(today, language)
    return RepNumbers(
        since, int(values["revenue"].value or 0), int(values["deals_won"].value or 0), att, month_label, currency
    )


def month_name(day: date, language: str) -> str:
    return format_date(day, "MMMM", locale=fmt.locale_for(language))


def quarter_name(day: date, language: str, fiscal_start_month: int = 1) -> str:
    number = (day.month - fiscal_start_month) % 12 // 3 + 1
    return f"第{'一二三四'[number - 1]}季度" if language == "zh" else f"Q{number}"


def numbers_line(numbers: RepNumbers, language: str) -> str:
    """'Since Fri 20 Nov: US$42,300.00 won (3 deals) · 103% of November target'."""
    target = ""
    if numbers.month_attainment is not None:
        target = t(
            "checkin.numbers.target",
            language,
            pct=fmt.percent(numbers.month_attainment, language, 0),
            month=numbers.month_label,
        )
    since = t("checkin.numbers.since_last", language, day=fmt.date_short(numbers.since, language))
    return t(
        "checkin.numbers",
        language,
        since=since,
        deals=deals_count(numbers.deals_won, language),
        target=target,
        revenue=fmt.money(numbers.revenue_cents, numbers.currency, language),
    )


def deals_count(count: int, language: str) -> str:
    return t("checkin.deals.one", language) if count == 1 else t("checkin.deals.many", language, count=count)


def cadence_label(cadence: str, language: str) -> str:
    key = f"checkin.cadence.{cadence}"
    try:
        return t(key, language)
    except KeyError:
        return cadence


def _trend(current: float | None, previous: float | None, language: str) -> str:
    if current is None or previous is None or round(current, 1) == round(previous, 1):
        return ""
    arrow = fmt.UP if current > previous else fmt.DOWN
    return t("checkin.trend.from", language, arrow=arrow, prev=_one(previous, language))


def _one(value: float, language: str) -> str:
    return fmt.number(value, language, 0 if float(value).is_integer() else 1)


def _quote(text: str, limit: int = 140) -> str:
    """A rep's or a customer's words on one line, cut to `limit`, escaped for mrkdwn."""
    text = " ".join(text.split())
    return escape(text if len(text) <= limit else text[: limit - 1] + "…")


def completed_copy(
    run: RunView, *, cadence: str, previous_confidence: int | None, numbers: str | None, language: str
) -> list[str]:
    """The manager's copy of one check-in: title with confidence, one line per answer, the rep's numbers."""
    title = t(
        "checkin.copy.title",
        language,
        name=escape(run.rep_name),
        cadence=cadence_label(cadence, language),
        day=fmt.date_short(run.local_day, language),
    )
    if run.confidence is not None:
        title += "   " + t(
            "checkin.copy.confidence",
            language,
            value=run.confidence,
            trend=_trend(run.confidence, previous_confidence, language),
        )
    if run.late:
        title += f" · _{t('checkin.late', language)}_"
    lines = [title]
    conf = confidence_index(run.questions)
    for index, _question in enumerate(run.questions):
        if index == conf:
            continue
        answer = run.answers.get(index)
        if answer is None:
            shown = t("checkin.no_answer", language)
        elif answer.skipped:
            shown = t("checkin.skipped", language)
        else:
            shown = _quote(answer.text, 600)
        lines.append(f"{escape(label_for(run.questions, index, language))}: {shown}")
    if numbers:
        lines.append(f"{t('checkin.numbers.label', language)}: {numbers}")
    return lines


def round_summary(runs: list[RunView], *, cadence: str, previous: list[RunView], language: str) -> list[str]:
    """At the deadline: who answered, the confidence trend, the blockers mentioned, who missed."""
    day = min((r.local_day for r in runs), default=None)
    lines = [
        t(
            "checkin.round.title",
            language,
            cadence=cadence_label(cadence, language),
            day=fmt.date_short(day, language) if day else "",
        )
    ]
    asked = [r for r in runs if r.status != "skipped"]
    done = [r for r in asked if r.status == "completed"]
    names = ", ".join(escape(r.rep_name) + (f" ({t('checkin.late', language)})" if r.late else "") for r in done) or "—"
    lines.append(t("checkin.round.answered", language, done=len(done), total=len(asked), names=names))
    scores = [r.confidence for r in done if r.confidence is not None]
    if scores:
        before = {r.member_id: r.confidence for r in previous if r.confidence is not None}
        prev_avg = sum(before.values()) / len(before) if before else None
        avg = sum(scores) / len(scores)
        per_rep = ", ".join(
            f"{escape(r.rep_name)} {r.confidence}"
            + (
                (fmt.UP if r.confidence > before[r.member_id] else fmt.DOWN)
                if r.member_id in before and before[r.member_id] != r.confidence
                else ""
            )
            for r in done
            if r.confidence is not None
        )
        lines.append(
            t(
                "checkin.round.confidence",
                language,
                avg=_one(round(avg, 1), language),
                trend=_trend(avg, prev_avg, language),
                per_rep=per_rep,
            )
        )
    blockers = [(r.rep_name, r.blocker) for r in runs if r.blocker]
    if blockers:
        lines.append(t("checkin.round.blockers", language))
        lines.extend(f"• {escape(name)}: {_quote(text)}" for name, text in blockers)
    else:
        lines.append(t("checkin.round.no_blockers", language))
    missed = [escape(r.rep_name) for r in asked if r.status in ("missed", "asking", "pending")]
    if missed:
        lines.append("⚠ " + t("checkin.round.missed", language, names=", ".join(missed)))
    away = [escape(r.rep_name) for r in runs if r.status == "skipped"]
    if away:
        lines.append(t("checkin.round.away", language, names=", ".join(away)))
    return lines


# -------------------------------------------------------------------------------- what is due, views


def due_checkins(session: Any, now: datetime, *, lookback: timedelta) -> list[Any]:
    """Every (schedule, rep) whose latest occurrence at the rep's own local time is in (now - lookback, now] and
    not in the ledger yet. One query (the ledger is checked inside it), each distinct rule computed once."""
    from db import checkins as store
    from reports.recurrence import Recurrence, latest_at_or_before, parse_time_of_day

    latest: dict[tuple[Any, ...], datetime | None] = {}
    since = now - lookback
    candidates = []
    for sid, team, cadence, weekday, at, anchor, mid, user, tz, ws_tz, done in store.active_pairs(session, since=since):
        if done:
            continue
        key = (cadence, weekday, at, tz or ws_tz or "UTC", anchor)
        if key not in latest:
            try:
                rule = Recurrence(cadence, weekday, parse_time_of_day(at), key[3], anchor)
                latest[key] = latest_at_or_before(rule, now)
            except (ValueError, KeyError):  # a bad zone or time: that schedule never fires, the others do
                latest[key] = None
        moment = latest[key]
        if moment is not None and moment > since:
            candidates.append(store.DueRep(team, sid, mid, user, moment))
    if not candidates:
        return []
    created = store.created_at(session, [c.schedule_id for c in candidates])
    return [c for c in candidates if c.schedule_id in created and c.occurrence >= created[c.schedule_id]]


def run_views(session: Any, runs: list[Any], *, default_tz: str = "UTC") -> list[RunView]:
    """Runs with their answers and rep names (two queries), as the texts below read them."""
    from db import checkins as store

    ids = [r.id for r in runs]
    members = store.members_by_id(session, [r.member_id for r in runs])
    deadlines = {r.id: store.utc(r.deadline_at) for r in runs}
    answers: dict[int, dict[int, Answer]] = {i: {} for i in ids}
    for a in store.answers_of(session, ids):
        deadline = deadlines.get(a.run_id)
        late = bool(deadline and a.answered_at and store.utc(a.answered_at) > deadline)
        answers[a.run_id][a.question_index] = Answer(a.text, a.skipped, late)
    out = []
    for r in runs:
        m = members.get(r.member_id)
        out.append(
            RunView(
                run_id=r.id,
                member_id=r.member_id,
                rep_name=(m.display_name or m.crm_name or "?") if m else "?",
                occurrence=store.utc(r.occurrence),
                timezone=(m.timezone if m else None) or default_tz,
                questions=list(r.questions),
                status=r.status,
                answers=answers[r.id],
                deadline_at=store.utc(r.deadline_at),
                completed_at=store.utc(r.completed_at),
            )
        )
    return out


# ---------------------------------------------------------------------------------------- the brief


@dataclass(frozen=True)
class FeedbackItem:
    account: str
    rating: int | None
    scale: int
    comment: str
    received_on: date

    @property
    def low(self) -> bool:
        if self.rating is None:
            return False
        return self.rating <= 2 if self.scale == 5 else self.rating <= 6


@dataclass(frozen=True)
class DealItem:
    name: str
    account: str
    stage: str
    amount_cents: int
    close_date: date | None
    idle_days: int


EARLY_DAYS = 7  # in a month's first week, the brief speaks of pace and of the last complete month


@dataclass
class BriefData:
    rep_name: str
    when: str
    currency: str
    month_label: str
    quarter_label: str
    month_revenue: int
    month_attainment: float | None
    month_pace: float | None
    quarter_attainment: float | None
    win_rate: float | None
    team_win_rate: float | None
    slipped: list[DealItem]
    stalled: list[DealItem]
    feedback: list[FeedbackItem]
    runs: list[RunView]  # the rep's recent check-ins, newest first
    month_day: int = 0  # today is day `month_day` of `month_days` (0: not known)
    month_days: int = 0
    last_month_label: str = ""
    last_month_revenue: int = 0
    last_month_target: int | None = None
    slipped_cents: int | None = None  # the slipped deals converted to the reporting currency (None: not computed)
    stalled_count: int = 0  # open deals without a change for `stalled_days` (deal history); `stalled`: the worst few
    stalled_days: int = 21
    pushed: list[Any] = field(default_factory=list)  # reports.history.DealMove: close dates moved out lately
    slipped_left_out: tuple[Any, ...] = ()  # LeftOut of slipped deals whose currency has no rate
    gaps: tuple[Any, ...] = ()  # reports.skill_gaps.Gap: where the data says the rep could use training
    requests: list[Any] = field(default_factory=list)  # the rep's open requests to other teams (db.team_requests)
    today: date | None = None
    data_note: str | None = None  # the deal data is old or ends before the month (reports/manager_checks.py)
    checks: list[str] = field(default_factory=list)  # review actions, training ahead, competitors (manager_checks)
    earnings: str | None = None  # what the rep has earned this month so far (reports/incentives.py; None: no plan)

    @property
    def early(self) -> bool:
        """The first days of a month: too few to judge it alone, so the last complete month speaks too."""
        return bool(self.last_month_label) and 0 < self.month_day <= EARLY_DAYS


def _month_part(data: BriefData, status: str, language: str, na: str) -> str:
    """The month's figure with the pace its status comes from; early in a month, also the last complete month
    (hit, or missed by how much)."""
    revenue = fmt.money(data.month_revenue, data.currency, language)
    pace = fmt.percent(data.month_pace, language, 0) if data.month_pace is not None else na
    if data.early:
        last_revenue = fmt.money(data.last_month_revenue, data.currency, language)
        if data.last_month_target:
            last = t(
                "checkin.brief.last_month",
                language,
                revenue=last_revenue,
                att=fmt.percent(data.last_month_revenue / data.last_month_target, language, 0),
                status=_last_month_status(data, language),
            )
        else:
            last = t("checkin.brief.month_no_target", language, revenue=last_revenue)
        return t(
            "checkin.brief.month_early",
            language,
            revenue=revenue,
            day=data.month_day,
            days=data.month_days,
            pace=pace,
            last=data.last_month_label,
            last_part=last,
        )
    if data.month_attainment is None:
        return t("checkin.brief.month_no_target", language, revenue=revenue)
    return t(
        "checkin.brief.month",
        language,
        revenue=revenue,
        att=fmt.percent(data.month_attainment, language, 0),
        pace=pace,
        status=t(f"checkin.status.{status}", language),
    )


def _last_month_status(data: BriefData, language: str) -> str:
    target = data.last_month_target or 0
    if data.last_month_revenue >= target:
        return t("checkin.status.hit", language)
    gap = fmt.money(target - data.last_month_revenue, data.currency, language)
    return t("checkin.status.missed", language, gap=gap)


def brief_lines(data: BriefData, language: str) -> list[str]:
    """The one-on-one brief: KPIs vs target, slipped/stalled deals, customers, last check-in, topics."""
    na = fmt.not_available(language)
    from reports.kpi_engine import rep_status

    status = rep_status(data.month_pace if data.month_pace is not None else data.month_attainment)
    lines = [t("checkin.brief.title", language, name=escape(data.rep_name), when=data.when)]
    lines.append(
        t(
            "checkin.brief.kpis",
            language,
            month=data.month_label,
            month_part=_month_part(data, status, language, na),
            quarter=data.quarter_label,
            qatt=fmt.percent(data.quarter_attainment, language, 0) if data.quarter_attainment is not None else na,
            win=fmt.percent(data.win_rate, language, 0) if data.win_rate is not None else na,
            team_win=fmt.percent(data.team_win_rate, language, 0) if data.team_win_rate is not None else na,
        )
    )
    pipeline = []
    if data.slipped:
        pipeline.append(
            t(
                "checkin.brief.slipped",
                language,
                count=len(data.slipped),
                deals=deals_count(len(data.slipped), language),
                amount=fmt.money(
                    data.slipped_cents
                    if data.slipped_cents is not None
                    else sum(d.amount_cents for d in data.slipped),
                    data.currency,
                    language,
                ),
            )
            + "".join(f" ({line})" for line in left_out_lines(data.slipped_left_out, language))
        )
    if data.pushed:
        from reports.history_text import slipped_line

        pipeline.append(slipped_line(data.pushed, language, limit=2))
    if data.stalled:
        worst = sorted(data.stalled, key=lambda d: -d.idle_days)[:2]
        count = max(data.stalled_count, len(data.stalled))
        pipeline.append(
            t(
                "checkin.brief.stalled",
                language,
                count=count,
                deals=deals_count(count, language),
                days=data.stalled_days,
                examples=("、" if language == "zh" else ", ").join(
                    t("checkin.brief.stalled_one", language, name=escape(d.account or d.name),
                      stage=escape(d.stage or "—"), idle=d.idle_days)
                    for d in worst
                ),
            )
        )
    if data.data_note:  # zeros that come from old data, not from the rep
        lines.append(data.data_note)
    lines.append(" · ".join(pipeline) if pipeline else t("checkin.brief.no_slips", language))
    low = [f for f in data.feedback if f.low]
    if low:
        worst_fb = min(low, key=lambda f: (f.rating or 0) / f.scale)
        stars = f"{worst_fb.rating}★" if worst_fb.scale == 5 else f"{worst_fb.rating}/10"
        quote = f'"{_quote(worst_fb.comment, 100)}" ({escape(worst_fb.account)}, {stars})'
        lines.append(t("checkin.brief.customers", language, count=len(low), quote=quote))
    elif data.feedback:
        lines.append(tn("checkin.brief.customers_ok", len(data.feedback), language, count=len(data.feedback)))
    else:
        lines.append(t("checkin.brief.customers_none", language))
    answered = [r for r in data.runs if r.answers]
    if answered:
        last = answered[0]
        parts = []
        if last.blocker:
            parts.append(t("checkin.brief.blocker", language, text=_quote(last.blocker, 120)))
        if last.support:
            parts.append(t("checkin.brief.support", language, text=_quote(last.support, 120)))
        if last.confidence is not None:
            parts.append(t("checkin.copy.confidence", language, value=last.confidence, trend=""))
        lines.append(
            t(
                "checkin.brief.last",
                language,
                day=fmt.date_short(last.local_day, language),
                parts="; ".join(parts) or "—",
            )
        )
        older = [r.blocker for r in answered[1:4] if r.blocker and r.blocker != last.blocker]
        if older:
            lines.append(
                t(
                    "checkin.brief.open_blockers",
                    language,
                    items="; ".join(f'"{_quote(b, 80)}"' for b in dict.fromkeys(older)),
                )
            )
    else:
        lines.append(t("checkin.brief.last_none", language))
    if data.gaps:
        sep = "；" if language == "zh" else "; "
        lines.append(t("gaps.title", language, items=sep.join(gap_lines(list(data.gaps), language))))
    if data.today is not None and (asked := team_requests.brief_line(data.requests, data.today, language)):
        lines.append(asked)
    lines.extend(data.checks)
    if data.earnings:
        lines.append(data.earnings)
    topics: list[str] = []
    for account in list(
        dict.fromkeys(f.account for f in sorted(low, key=lambda f: (f.rating or 0) / f.scale) if f.account)
    )[:2]:
        topics.append(t("checkin.brief.topic_account", language, account=escape(account)))
    if answered and answered[0].blocker:
        topics.append(_quote(answered[0].blocker, 60))
    if answered and answered[0].support:
        topics.append(_quote(answered[0].support, 60))
    if data.gaps:
        topics.append(t("gaps.training", language, topic=topic_text(data.gaps[0], language)))
    if data.slipped:
        topics.append(t("checkin.brief.topic_slipped", language, count=len(data.slipped)))
    # Early in a month a few days say little: the gap to talk about is the last complete month's, if missed.
    missed_last = data.last_month_revenue < (data.last_month_target or 0)
    if (missed_last if data.early else status in ("at_risk", "behind")):
        topics.append(t("checkin.brief.topic_target", language))
    if topics:
        sep = "；" if language == "zh" else "; "
        lines.append(t("checkin.brief.topics", language, items=sep.join(topics[:4])))
    return lines


STALLED_AFTER_DAYS = 21  # reports.history.STALLED_DAYS: no change of stage, amount, close date or owner


def compose_brief(
    session: Any,
    *,
    team_id: str,
    member_id: int,
    rep_name: str,
    when: str,
    today: date,
    currency: str,
    language: str,
    fiscal_start_month: int = 1,
) -> BriefData:
    """Everything the brief shows, from the KPI engine, the rep's open deals, feedback and check-ins."""
    from db import checkins as store
    from reports import incentives, kpi_engine
    from reports.periods import month_of
    scope = kpi_engine.Scope(team_id, member_id=member_id)
    month = _Range(*month_range(today))
    quarter = _Range(*quarter_range(today, fiscal_start_month))
    values = kpi_engine.compute_many(session, ["revenue", "attainment", "pace"], scope, month, today=today)
    last_month = _Range(*month_range(month.start - timedelta(days=1)))
    last_revenue = kpi_engine.compute(session, "revenue", scope, last_month, today=today).value
    q_att = kpi_engine.attainment(session, scope, quarter, today=today)
    win = kpi_engine.compute(session, "win_rate", scope, quarter, today=today).value
    team_win = kpi_engine.compute(session, "win_rate", kpi_engine.Scope(team_id), quarter, today=today).value
    from db import clock
    from reports import history

    slipped = []
    for deal in store.open_deals(session, team_id=team_id, member_id=member_id):
        if deal.close_date and deal.close_date < today:
            idle = (today - deal.close_date).days
            slipped.append(DealItem(deal.name, deal.account, deal.stage, deal.amount_cents, deal.close_date, idle))
    # stalled by real inactivity and close dates moved out: from deal history (nothing until history says so)
    idle_deals = history.stalled(session, team_id, days=STALLED_AFTER_DAYS, member_id=member_id)
    stalled = [DealItem(m.name or m.ref, m.account, m.stage, m.amount_cents, None, m.idle_days)
               for m in idle_deals.deals]
    pushed = history.slipped(session, team_id, clock.now() - timedelta(days=history.SLIPPED_DAYS),
                             member_id=member_id)
    slipped_sum = _slipped_sum(session, scope, today)
    feedback = [
        FeedbackItem(f.account, f.rating, f.scale, f.comment, f.received_on)
        for f in store.recent_feedback(session, team_id=team_id, member_id=member_id, since=today - timedelta(days=30))
    ]
    runs = store.history(session, team_id=team_id, member_id=member_id, since=None, until=None, limit=4)
    views = run_views(session, runs)
    answers = tuple(text for view in views[:2] for text in (view.support, view.blocker) if text)
    return BriefData(
        rep_name=rep_name,
        when=when,
        currency=currency,
        month_label=month_name(today, language),
        quarter_label=quarter_name(today, language, fiscal_start_month),
        month_revenue=int(values["revenue"].value or 0),
        month_attainment=values["attainment"].value,
        month_pace=values["pace"].value,
        quarter_attainment=q_att,
        win_rate=win,
        team_win_rate=team_win,
        slipped=slipped,
        slipped_cents=slipped_sum.cents,
        slipped_left_out=tuple(kpi_engine.LeftOut(c, n, v) for c, (n, v) in sorted(slipped_sum.left_out.items())),
        stalled=stalled,
        stalled_count=idle_deals.count,
        stalled_days=STALLED_AFTER_DAYS,
        pushed=pushed,
        feedback=feedback,
        runs=views,
        gaps=tuple(skill_gaps(session, team_id, member_id, today, answers=answers)),
        month_day=(today - month.start).days + 1,
        month_days=(month.end - month.start).days,
        last_month_label=month_name(last_month.start, language),
        last_month_revenue=int(last_revenue or 0),
        last_month_target=kpi_engine.target_for(session, scope, "revenue", last_month),
        requests=open_requests(session, team_id, member_id=member_id),
        today=today,
        data_note=checks.freshness_line(checks.freshness(session, team_id), period_start=month.start,
                                        now=clock.now(), language=language),
        checks=[line for line in (
            checks.actions_brief_line(session, team_id, member_id, today, language),
            checks.training_brief_line(session, team_id, member_id, escape(rep_name), today, language),
            checks.competitors_brief_line(session, team_id, member_id, today, currency, language),
        ) if line],
        earnings=incentives.brief_line(session, team_id, member_id, month_of(today), today, language),
    )


def _slipped_sum(session: Any, scope: Any, today: date) -> Any:
    """The rep's open deals past their close date, converted in SQL at today's rates (a MoneySum)."""
    from db.models import Deal
    from reports import kpi_engine
    from reports import kpi_queries as q

    f = q.Filters(scope.team_id, scope.member_id, currency=kpi_engine.reporting_currency(session, scope))
    where = [Deal.team_id == scope.team_id, Deal.owner_id == scope.member_id, Deal.status == "open"]
    where.append(Deal.close_date < today)
    rates = q.rates_in_force(session, f, today, today + timedelta(days=1))
    return q.money_sums(session, f, where, None, rates, today).get(None, q.MoneySum())
