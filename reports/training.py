"""Did a training help? The attendees' figures before and after it, beside the reps who did not attend.

`training_effect(session, team_id, training, today)` -> Effect. Windows: the days since the training (at most
WINDOW_DAYS, up to `today`) and as many days just before it. For each group (attendees, other active reps) and
window: deals won and lost (closed in the window), win rate, average deal size (won, in the reporting currency,
converted by the KPI engine's rates; deals without a rate left out), median sales cycle (days from created to
close of the deals won). The verdict is honest about what the numbers can carry:
- `not_yet`: the training has not been held;
- `too_early`: fewer than MIN_AFTER_DAYS days since;
- `too_small`: a group closed fewer than MIN_DEALS deals in a window — nothing is concluded;
- `measured`: the attendees' change in win rate against the others' change (difference in differences), said as
  a comparison, not as proof.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from statistics import median
from typing import Any

from sqlalchemy import select

from db.models import Member, TrainingSession
from db.training import attendee_ids
from reports import kpi_queries as q
from reports.formatting import date_short, money, number, percent
from reports.i18n import add_messages, msg, t
from reports.kpi_engine import Scope, reporting_currency
from reports.mrkdwn import escape

WINDOW_DAYS = 90
MIN_AFTER_DAYS = 30
MIN_DEALS = 20

add_messages(
    msg("training.kind.classroom", "classroom"),
    msg("training.kind.online", "online"),
    msg("training.kind.role_play", "role-play"),
    msg("training.kind.expert_talk", "expert talk"),
    msg("training.effect_title", "*Training effect · {topic}* ({kind}, {day})"),
    msg("training.windows", "{days} days before ({before}) and after ({after}): {n} attendee(s) vs {others} other "
        "rep(s)"),
    msg("training.group.attendees", "Attendees"),
    msg("training.group.others", "Others"),
    msg("training.group_line", "*{group}*: win rate {wr_before} → {wr_after} · average deal {avg_before} → {avg_after} "
        "· cycle {cyc_before} → {cyc_after} days · closed {n_before} → {n_after}"),
    msg("training.verdict.not_yet", "Not held yet: ask again after {day}."),
    msg("training.verdict.too_early", "Too early to conclude: {days} day(s) since the training; at least {min} are "
        "needed."),
    msg("training.verdict.too_small", "Too few deals to conclude: the smallest group closed {n} deal(s) in a period; "
        "at least {min} in each are needed. The figures above are shown, not judged."),
    msg("training.verdict.measured", "The attendees' win rate moved {att} against {oth} for the other reps: {diff} "
        "difference. A comparison, not proof: other things changed too."),
    msg("training.pts", "{sign}{n} pts"),
)


@dataclass
class Figures:
    reps: int = 0
    won: int = 0
    lost: int = 0
    won_cents: int = 0
    priced: int = 0
    cycles: tuple[int, ...] = ()

    @property
    def closed(self) -> int:
        return self.won + self.lost

    @property
    def win_rate(self) -> float | None:
        return self.won / self.closed if self.closed else None

    @property
    def avg_deal(self) -> int | None:
        return round(self.won_cents / self.priced) if self.priced else None

    @property
    def cycle(self) -> float | None:
        return float(median(self.cycles)) if self.cycles else None


@dataclass
class Effect:
    training: TrainingSession
    days: int
    before: tuple[date, date]
    after: tuple[date, date]
    currency: str
    attendees: dict[str, Figures]  # 'before' | 'after'
    others: dict[str, Figures]
    verdict: str  # not_yet | too_early | too_small | measured

    @property
    def smallest(self) -> int:
        return min(f.closed for g in (self.attendees, self.others) for f in g.values())

    @property
    def win_rate_changes(self) -> tuple[float | None, float | None]:
        """The change in win rate, in points, of the attendees and of the others."""

        def change(g: dict[str, Figures]) -> float | None:
            a, b = g["after"].win_rate, g["before"].win_rate
            return None if a is None or b is None else (a - b) * 100

        return change(self.attendees), change(self.others)


def training_effect(session: Any, team_id: str, training: TrainingSession, today: date) -> Effect:
    after_end = min(training.day + timedelta(days=WINDOW_DAYS), today + timedelta(days=1))
    days = max(0, (after_end - training.day).days)
    before, after = (
        (training.day - timedelta(days=days), training.day),
        (training.day, training.day + timedelta(days=days)),
    )
    attended = set(attendee_ids(session, int(training.id or 0)))
    reps = {
        int(i)
        for i in session.execute(
            select(Member.id).where(Member.team_id == team_id, Member.active.is_(True), Member.role == "rep")
        ).scalars()
    }  # type: ignore[attr-defined]
    others = reps - attended
    f = q.Filters(team_id, currency=reporting_currency(session, Scope(team_id)))
    groups: dict[str, dict[str, Figures]] = {"attendees": {}, "others": {}}
    for when, (start, end) in (("before", before), ("after", after)):
        won = q.won_stats(session, f, start, end, group="rep") if days else {}
        lost = q.lost_counts(session, f, start, end, group="rep") if days else {}
        cycles = q.cycle_days(session, f, start, end, group="rep") if days else {}
        for name, members in (("attendees", attended), ("others", others)):
            fig = Figures(reps=len(members))
            for m in members:
                sums = won.get(m)
                if sums is not None:
                    fig.won += sums.deals
                    fig.won_cents += sums.cents
                    fig.priced += sums.priced
                fig.lost += lost.get(m, 0)
                fig.cycles += tuple(cycles.get(m, ()))
            groups[name][when] = fig
    effect = Effect(training, days, before, after, f.currency, groups["attendees"], groups["others"], "measured")
    if training.day > today:
        effect.verdict = "not_yet"
    elif days < MIN_AFTER_DAYS:
        effect.verdict = "too_early"
    elif effect.smallest < MIN_DEALS:
        effect.verdict = "too_small"
    return effect


def effect_lines(e: Effect, language: str) -> list[str]:
    lang = language
    tr = e.training
    lines = [
        t(
            "training.effect_title",
            lang,
            topic=escape(tr.topic),
            kind=t(f"training.kind.{tr.kind}", lang),
            day=date_short(tr.day, lang) + f" {tr.day.year}",
        )
    ]
    if e.verdict == "not_yet":
        return [*lines, t("training.verdict.not_yet", lang, day=date_short(tr.day, lang))]

    def span(s: tuple[date, date]) -> str:
        return f"{date_short(s[0], lang)} – {date_short(s[1] - timedelta(days=1), lang)}"

    lines.append(
        t(
            "training.windows",
            lang,
            days=e.days,
            before=span(e.before),
            after=span(e.after),
            n=e.attendees["after"].reps,
            others=e.others["after"].reps,
        )
    )
    for name, g in (("attendees", e.attendees), ("others", e.others)):
        b, a = g["before"], g["after"]
        avg = [money(x.avg_deal, e.currency, lang) if x.avg_deal is not None else "—" for x in (b, a)]
        cyc = [number(x.cycle, lang) if x.cycle is not None else "—" for x in (b, a)]
        lines.append(
            t(
                "training.group_line",
                lang,
                group=t(f"training.group.{name}", lang),
                wr_before=percent(b.win_rate, lang),
                wr_after=percent(a.win_rate, lang),
                avg_before=avg[0],
                avg_after=avg[1],
                cyc_before=cyc[0],
                cyc_after=cyc[1],
                n_before=number(b.closed, lang),
                n_after=number(a.closed, lang),
            )
        )
    if e.verdict == "too_early":
        lines.append(t("training.verdict.too_early", lang, days=e.days, min=MIN_AFTER_DAYS))
    elif e.verdict == "too_small":
        lines.append(t("training.verdict.too_small", lang, n=e.smallest, min=MIN_DEALS))
    else:
        att, oth = e.win_rate_changes
        lines.append(
            t(
                "training.verdict.measured",
                lang,
                att=_pts(att, lang),
                oth=_pts(oth, lang),
                diff=_pts(None if att is None or oth is None else att - oth, lang),
            )
        )
    return lines


def _pts(value: float | None, lang: str) -> str:
    if value is None:
        return "—"
    sign = "+" if value > 0 else "−" if value < 0 else ""
    return t("training.pts", lang, sign=sign, n=number(abs(value), lang, 1))
