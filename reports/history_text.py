"""Deal history in words (English and Chinese), Slack-free: the /kpi answers built on history (pipeline on a
past day, stage-to-stage conversion, time in stage) and the slipped/stalled lines of the 1:1 brief and the
digest. Figures come from reports/history.py; every name from the data goes through mrkdwn.escape."""

from __future__ import annotations

from datetime import date, datetime

from reports import formatting as fmt
from reports.changes import change_text
from reports.history import Conversion, DealMove, PipelineThen, StageMoney, Stalled, TimesInStage
from reports.i18n import add_messages, msg, t
from reports.kpi_engine import LeftOut
from reports.money_notes import left_out_lines
from reports.mrkdwn import escape

add_messages(
    msg("history.starts", "Deal history starts on {day}: what happened before is not known (each deals import "
        "records what changed from then on)."),
    msg("history.none", "No deal history yet: it starts with the next deals import, which records what changes "
        "from then on."),
    msg("history.deals.one", "1 deal"),
    msg("history.deals.many", "{n} deals"),
    msg("history.days.one", "1 day"),
    msg("history.days.many", "{n} days"),
    msg("history.pipeline.title", "Pipeline by stage · {who} · {day} vs today"),
    msg("history.pipeline.row", "{stage}: {then_deals} · {then_amount} → {now_deals} · {now_amount} ({change})"),
    msg("history.pipeline.total", "Total: {then_deals} · {then_amount} → {now_deals} · {now_amount} ({change})"),
    msg("history.pipeline.now_row", "{stage}: {deals} · {amount}"),
    msg("history.pipeline.today", "Today's open pipeline by stage:"),
    msg("history.pipeline.empty", "No open deals on {day}, nor today."),
    msg("history.conversion.title", "Stage-to-stage conversion · {who} · {period}"),
    msg("history.conversion.row", "{stage}: {deals} moved on — {moves}"),
    msg("history.conversion.move", "{stage} {n} ({pct})"),
    msg("history.conversion.empty", "No deal changed stage in this period."),
    msg("history.won", "won"),
    msg("history.lost", "lost"),
    msg("history.time.title", "Time in stage · {who} · {period}"),
    msg("history.time.row", "{stage}: median {median} · longest {longest} · {stays}"),
    msg("history.time.stays.one", "1 stay"),
    msg("history.time.stays.many", "{n} stays"),
    msg("history.time.empty", "No deal left a stage in this period after entering it while history was kept."),
    msg("history.time.unknown", "{n} stays that began before history started ({day}) are not counted: their start "
        "is not known."),
    msg("history.only_team_or_rep", "Deal history answers are for the team or one rep: breakdowns, rankings, "
        "product or account filters, comparisons and exports are not applied to them."),
    msg("history.partly", "Deal history starts on {day}: moves before it are not known."),
    msg("history.slipped", "Close dates moved out: {deals} — {examples}"),
    msg("history.slipped.one", "{name} {was} → {now}"),
    msg("history.stalled", "Stalled: {deals} with no change for {days}+ days — {examples}"),
    msg("history.stalled.one", "{name} ({stage}, {idle})"),
)

add_messages(msg("list.separator", ", "))  # between the items of a list in a sentence ("、" in Chinese)


def _zh(language: str) -> str:
    return language if language == "zh" else ("zh" if fmt.is_chinese(language) else "en")


def deals_text(n: int, language: str) -> str:
    return t("history.deals.one", language) if n == 1 else t("history.deals.many", language, n=fmt.number(n, language))


def days_text(n: float, language: str) -> str:
    shown = fmt.number(n, language, 1 if n % 1 and n < 10 else 0)
    return t("history.days.one", language) if shown == "1" else t("history.days.many", language, n=shown)


def day_text(day: date | datetime, language: str) -> str:
    """"5 Oct 2026" / "2026年10月5日"."""
    d = day.date() if isinstance(day, datetime) else day
    return d.strftime("%Y年%-m月%-d日") if _zh(language) == "zh" else f"{d.day} {d:%b %Y}"


def starts_line(start: datetime | None, language: str) -> str:
    if start is None:
        return t("history.none", language)
    return t("history.starts", language, day=day_text(start, language))


def _left_out(stages: dict[str, StageMoney]) -> tuple[LeftOut, ...]:
    merged: dict[str, tuple[int, int]] = {}
    for s in stages.values():
        for currency, (n, cents) in s.left_out.items():
            had = merged.get(currency, (0, 0))
            merged[currency] = (had[0] + n, had[1] + cents)
    return tuple(LeftOut(c, n, v) for c, (n, v) in sorted(merged.items()))


def pipeline_lines(p: PipelineThen, *, who: str, language: str) -> tuple[str, list[str], list[str]]:
    """(title, lines, notes): each stage then → now, largest first, with the total; when history does not
    reach the day, says where it starts and shows today's stages alone."""
    title = t("history.pipeline.title", language, who=who, day=day_text(p.day, language))
    money = lambda cents: fmt.money(cents, p.currency, language)  # noqa: E731
    if not p.known:
        lines = [t("history.pipeline.today", language)] if p.now else []
        for stage, s in sorted(p.now.items(), key=lambda kv: (-kv[1].cents, kv[0])):
            lines.append(t("history.pipeline.now_row", language, stage=escape(stage),
                           deals=deals_text(s.deals, language), amount=money(s.cents)))
        return title, lines, [starts_line(p.start, language), *left_out_lines(_left_out(p.now), language)]
    stages = sorted(set(p.then) | set(p.now),
                    key=lambda s: (-max(p.then.get(s, StageMoney()).cents, p.now.get(s, StageMoney()).cents), s))
    if not stages:
        return title, [t("history.pipeline.empty", language, day=day_text(p.day, language))], []
    lines = []
    for stage in stages:
        then, now = p.then.get(stage, StageMoney()), p.now.get(stage, StageMoney())
        lines.append(t("history.pipeline.row", language, stage=escape(stage),
                       then_deals=deals_text(then.deals, language), then_amount=money(then.cents),
                       now_deals=deals_text(now.deals, language), now_amount=money(now.cents),
                       change=change_text("money", now.cents, then.cents, language)))
    then_total = sum(s.cents for s in p.then.values())
    now_total = sum(s.cents for s in p.now.values())
    lines.append("*" + t("history.pipeline.total", language,
                         then_deals=deals_text(sum(s.deals for s in p.then.values()), language),
                         then_amount=money(then_total),
                         now_deals=deals_text(sum(s.deals for s in p.now.values()), language),
                         now_amount=money(now_total),
                         change=change_text("money", now_total, then_total, language)) + "*")
    notes = [*left_out_lines(_left_out(p.then), language), *left_out_lines(_left_out(p.now), language)]
    return title, lines, list(dict.fromkeys(notes))


def conversion_lines(moves: list[Conversion], language: str) -> list[str]:
    """One line per stage left: where its deals went, each with its share."""
    if not moves:
        return [t("history.conversion.empty", language)]
    lines = []
    for c in moves:
        targets = sorted(c.to.items(), key=lambda kv: (-kv[1], kv[0]))
        targets += [(t("history.won", language), c.won)] if c.won else []
        targets += [(t("history.lost", language), c.lost)] if c.lost else []
        parts = [t("history.conversion.move", language, stage=escape(stage), n=fmt.number(n, language),
                   pct=fmt.percent(n / c.left, language, 0)) for stage, n in targets]
        lines.append(t("history.conversion.row", language, stage=f"*{escape(c.stage)}*",
                       deals=deals_text(c.left, language), moves=" · ".join(parts)))
    return lines


def time_lines(times: TimesInStage, start: datetime | None, language: str) -> tuple[list[str], list[str]]:
    """(lines, notes): median and longest stay per stage; how many stays had no known start."""
    lines = [
        t("history.time.row", language, stage=f"*{escape(s.stage)}*", median=days_text(s.median_days, language),
          longest=days_text(s.longest_days, language),
          stays=t("history.time.stays.one", language) if s.stays == 1 else t(
              "history.time.stays.many", language, n=fmt.number(s.stays, language)))
        for s in times.stages
    ] or [t("history.time.empty", language)]
    notes = []
    if times.unknown_start and start is not None:
        notes.append(t("history.time.unknown", language, n=fmt.number(times.unknown_start, language),
                       day=day_text(start, language)))
    return lines, notes


def slipped_line(moves: list[DealMove], language: str, *, limit: int = 3) -> str:
    """"Close dates moved out: 2 deals — Acme 1 Dec → 1 Feb, …" ('' when none)."""
    if not moves:
        return ""
    examples = t("list.separator", language if language == "zh" else _zh(language)).join(
        t("history.slipped.one", language, name=escape(m.label), was=day_text(m.was, language),
          now=day_text(m.now, language))
        for m in moves[:limit] if m.was and m.now
    )
    return t("history.slipped", language, deals=deals_text(len(moves), language), examples=examples)


def stalled_line(found: Stalled, language: str, *, limit: int = 3) -> str:
    """"Stalled: 3 deals with no change for 21+ days — Echo (Engaging, 52 days), …" ('' when none)."""
    if not found.count:
        return ""
    examples = t("list.separator", language if language == "zh" else _zh(language)).join(
        t("history.stalled.one", language, name=escape(m.label), stage=escape(m.stage or "—"),
          idle=days_text(m.idle_days, language))
        for m in found.deals[:limit]
    )
    return t("history.stalled", language, deals=deals_text(found.count, language), days=found.days,
             examples=examples)
