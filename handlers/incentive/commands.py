"""`/incentive` as typed: plans, statements, the appraisal, teamwork ratings and the shout-out switch.

`/incentive [period] [@rep]` · `/incentive plan` · `/incentive plan set rate 5% tiers 100k:8% 200k:10% accelerator
1.5 cap 20k bonus 2k [@rep]` · `/incentive plan delete @rep` · `/incentive appraisal @rep [period]` ·
`/incentive rate @rep 4 "comment" [period]` · `/incentive shoutouts on #sales` / `off`; Chinese: `方案`, `设置`,
`删除`, `考核`, `评分`, `表扬 开启/关闭`. Reps see only their own statement and appraisal.
"""

import logging
import re
from typing import Any

from db import incentives as store
from db.engine import session_scope
from db.models import Member
from handlers.blocks import context, message, section, sections
from handlers.context import Asker, Deps
from handlers.digest import resolve_channel
from handlers.kpi import local_today
from handlers.replies import command_listeners, managers_only, not_understood_reply, person_unclear
from reports import appraisal as appraisal_report
from reports import incentives as report
from reports import mrkdwn
from reports.i18n import Texts, add_messages, msg, t
from reports.incentive_grammar import parse_plan
from reports.kpi_engine import Scope, reporting_currency
from reports.kpi_period import PeriodProblem, resolve_period
from reports.people import MENTION, resolve_person

log = logging.getLogger("salesbot.incentive")

add_messages(
    msg("incentive.help_title", "/incentive — commission, earnings and appraisal"),
    msg("incentive.help",
        "`/incentive [period] [@rep]`: earnings statements, the calculation line by line (reps: their own)\n"
        "`/incentive plan`: the plans · `/incentive plan set rate 5% tiers 100k:8% 200k:10% accelerator 1.5 cap 20k "
        "bonus 2k [@rep]` (managers; with @rep a rep's own plan, replacing the team's for them) · "
        "`/incentive plan delete @rep`\n"
        "`/incentive appraisal @rep [period]`: revenue vs target, win rate, CSAT, check-ins and teamwork side by "
        "side · `/incentive rate @rep 4 \"great help on Cancity\" [period]` (managers, 1–5)\n"
        "`/incentive shoutouts on #sales` / `off` (managers): a short message there when a rep passes a target"),
    msg("incentive.what_plan", "write commission plans"),
    msg("incentive.what_rate", "rate teamwork"),
    msg("incentive.what_shoutouts", "turn shout-outs on or off"),
    msg("incentive.own_only",
        "You can see only your own statement and appraisal. `/incentive` shows yours; your manager sees the team's."),
    msg("incentive.plan_saved", "Saved the {who} plan: {terms}."),
    msg("incentive.plan_saved_team", "team"),
    msg("incentive.plan_saved_rep", "own plan of {name} (replaces the team's for them) —"),
    msg("incentive.plan_need_rate", "Which rate? A plan needs at least a rate, e.g. `{example}`"),
    msg("incentive.plan_deleted", "Deleted the own plan of {name}: the team plan applies to them again."),
    msg("incentive.plan_deleted_team", "Deleted the team plan."),
    msg("incentive.plan_none_to_delete", "There was no such plan."),
    msg("incentive.rate_need", "Rate teamwork from 1 to 5, with a comment in quotes, e.g. `{example}`"),
    msg("incentive.rated", "Teamwork of {name} for {period}: {rating}/5 — “{comment}”."),
    msg("incentive.rated_again", "Teamwork of {name} for {period} is now {rating}/5 — “{comment}” (replaces the "
        "earlier rating)."),
    msg("incentive.need_rep", "Which rep? Mention them, e.g. `{example}`"),
    msg("incentive.shoutouts_on", "Shout-outs are on in {channel}: when a rep passes a target, one short message "
        "goes there (once per rep and target)."),
    msg("incentive.shoutouts_off", "Shout-outs are off."),
    msg("incentive.shoutouts_need_channel", "Which channel? e.g. `{example}`"),
    msg("incentive.unknown_channel", "I can't find the channel {name}. Pick it as Slack suggests, e.g. `{example}`"),
    msg("incentive.failed", "Sorry, that did not work. The error was logged; please try again."),
)

EXAMPLES = Texts(  # a command's examples, in the reader's language: EXAMPLES[language]
    msg("incentive.example.1", "/incentive last month"),
    msg("incentive.example.2", "/incentive plan set rate 5% tiers 100k:8% 200k:10% accelerator 1.5 cap 20k bonus 2k"),
    msg("incentive.example.3", "/incentive appraisal @alice this quarter"),
    msg("incentive.example.4", "/incentive rate @alice 4 \"great help on Cancity\""),
)
_VERBS = {
    "plan": "plan", "plans": "plan", "方案": "plan",
    "appraisal": "appraisal", "appraise": "appraisal", "考核": "appraisal", "绩效": "appraisal", "績效": "appraisal",
    "rate": "rate", "rating": "rate", "评分": "rate", "評分": "rate",
    "shoutouts": "shoutouts", "shoutout": "shoutouts", "shout-outs": "shoutouts", "表扬": "shoutouts",
    "表揚": "shoutouts",
}
_PLAN_VERBS = {"set": "set", "设置": "set", "設置": "set", "设定": "set", "設定": "set",
               "delete": "delete", "remove": "delete", "删除": "delete", "刪除": "delete"}
_ON = re.compile(r"^(on|开启|開啟|打开|打開)\b\s*", re.I)
_OFF = re.compile(r"^(off|关闭|關閉|停止)\s*$", re.I)
_CHANNEL = re.compile(r"<#([CG][A-Z0-9]+)(?:\|[^>]*)?>|#([^\s]+)")
_QUOTED = re.compile(r"[\"“「'](.+?)[\"”」']")
_RATING = re.compile(r"(?:^|(?<=\s))([1-5])(?:\s*/\s*5|\s*分)?(?=\s|$)")  # "4", "4/5", "4分"; not Q3


def help_message(language: str) -> dict[str, Any]:
    lang = language if language == "zh" else "en"
    blocks = [section(f"*{t('incentive.help_title', language)}*"), section(t("incentive.help", language)),
              context(" · ".join(f"`{e}`" for e in EXAMPLES[lang]))]
    return message(t("incentive.help_title", language), blocks)


def _examples(lang: str) -> list[str]:
    return EXAMPLES[lang]


def handle(text: str, *, asker: Asker, deps: Deps, client: Any = None) -> dict[str, Any]:
    """Everything /incentive does, as the message to answer with."""
    word, _, rest = text.partition(" ")
    verb = _VERBS.get(word.lower())
    if verb == "plan":
        return _plan_command(rest.strip(), asker, deps)
    if verb == "appraisal":
        return _appraisal(rest.strip(), asker, deps)
    if verb == "rate":
        return _rate(rest.strip(), asker, deps)
    if verb == "shoutouts":
        return _shoutouts(rest.strip(), asker, deps, client)
    return _statements(text, asker, deps)


def _only_managers(what: str, lang: str) -> dict[str, Any]:
    blocks = managers_only(t(what, lang), lang)
    return message(blocks[0]["text"]["text"], blocks)


def _person(session: Any, asker: Asker, text: str, example: str) -> tuple[Member | None, str, dict[str, Any] | None]:
    """(the rep the text mentions or None, the text without the mention, a reply when the mention is unclear)."""
    found = MENTION.search(text)
    if found is None:
        return None, text, None
    rest = (text[: found.start()] + " " + text[found.end() :]).strip()
    match = resolve_person(session, asker.team_id, found.group(0))
    if not match.found:
        blocks = person_unclear(match, language=asker.language, example=example)
        return None, rest, message(blocks[0]["text"]["text"], blocks)
    return session.get(Member, match.member_id), rest, None


def _period(phrase: str, asker: Asker, deps: Deps, understood: list[str]) -> tuple[Any, dict[str, Any] | None]:
    lang = asker.language
    try:
        period = resolve_period(phrase, today=local_today(asker.timezone), language=lang,
                                fiscal_year_start_month=deps.fiscal_year_start_month)
    except PeriodProblem:
        return None, not_understood_reply(understood=understood, rest=phrase, examples=_examples(lang), language=lang)
    return period, None


def _name(member: Member) -> str:
    return member.display_name or member.crm_name or member.slack_user_id or "?"


# ----------------------------------------------------------------------------------------- statements


def _statements(text: str, asker: Asker, deps: Deps) -> dict[str, Any]:
    lang = asker.language
    today = local_today(asker.timezone)
    with session_scope(deps.engine) as session:
        rep, phrase, unclear = _person(session, asker, text, _examples(lang)[0] + " @alice")
        if unclear is not None:
            return unclear
        if rep is not None and not asker.is_manager and rep.id != asker.member_id:
            return {"text": t("incentive.own_only", lang)}
        period, problem = _period(phrase, asker, deps, [_name(rep)] if rep else [])
        if problem is not None:
            return problem
        member_id = int(rep.id or 0) if rep is not None else (None if asker.is_manager else asker.member_id)
        st = report.statements(session, asker.team_id, period, today=today, member_id=member_id)
        if not st.has_plan:
            return {"text": t("incentive.no_plan", lang, example=_examples(lang)[1])}
        if member_id is not None:
            if not st.reps:
                who = _name(rep) if rep is not None else asker.display_name or asker.user_id
                return {"text": t("incentive.no_plan_rep", lang, name=mrkdwn.escape(who))}
            lines = report.statement_lines(st.reps[0], st, lang)
        elif not st.reps:
            return {"text": t("incentive.nobody", lang, period=period.label(lang))}
        else:
            lines = report.team_lines(st, lang)
            if len(st.reps) <= DETAILED_UP_TO:
                for rep_statement in st.reps:
                    lines += ["", *report.statement_lines(rep_statement, st, lang)]
        lines += report.left_out_notes(st, lang)
    return message(lines[0].replace("*", ""), sections(lines))


DETAILED_UP_TO = 10  # a team this small gets every statement line by line; a bigger one a line per rep


# ---------------------------------------------------------------------------------------------- plans


def _plan_command(rest: str, asker: Asker, deps: Deps) -> dict[str, Any]:
    lang = asker.language
    word, _, tail = rest.partition(" ")
    action = _PLAN_VERBS.get(word.lower())
    if action is None and not rest:
        return _show_plans(asker, deps)
    if not asker.is_manager:
        return _only_managers("incentive.what_plan", lang)
    if action is None:
        return not_understood_reply(understood=["plan"], rest=rest, examples=_examples(lang)[1:2], language=lang)
    with session_scope(deps.engine) as session:
        rep, terms_text, unclear = _person(session, asker, tail, _examples(lang)[1] + " @alice")
        if unclear is not None:
            return unclear
        member_id = int(rep.id or 0) if rep is not None else None
        if action == "delete":
            gone = store.delete_plan(session, asker.team_id, member_id, month=local_today(asker.timezone),
                                     updated_by=asker.user_id)
            if not gone:
                return {"text": t("incentive.plan_none_to_delete", lang)}
            if rep is None:
                return {"text": t("incentive.plan_deleted_team", lang)}
            return {"text": t("incentive.plan_deleted", lang, name=mrkdwn.escape(_name(rep)))}
        spec = parse_plan(terms_text)
        if spec.problems or spec.rest:
            wrong = " ".join([*spec.problems, spec.rest]).strip()
            return not_understood_reply(understood=spec.understood, rest=wrong, examples=_examples(lang)[1:2],
                                        language=lang)
        if spec.rate_ppm is None:
            return {"text": t("incentive.plan_need_rate", lang, example=_examples(lang)[1])}
        plan = store.set_plan(
            session, asker.team_id, member_id=member_id, month=local_today(asker.timezone), rate_ppm=spec.rate_ppm,
            tiers=spec.tiers,
            accelerator_milli=spec.accelerator_milli, cap_cents=spec.cap_cents, bonus_cents=spec.bonus_cents,
            currency=reporting_currency(session, Scope(asker.team_id)), updated_by=asker.user_id,
        )
        who = (t("incentive.plan_saved_rep", lang, name=mrkdwn.escape(_name(rep))) if rep is not None
               else t("incentive.plan_saved_team", lang))
        terms = report.plan_terms(plan, lang) + report.since_text(plan, lang)
        return {"text": t("incentive.plan_saved", lang, who=who, terms=terms)}


def _show_plans(asker: Asker, deps: Deps) -> dict[str, Any]:
    lang = asker.language
    with session_scope(deps.engine) as session:
        team_plan, own = store.plans(session, asker.team_id, local_today(asker.timezone))
        if not asker.is_manager:  # a rep sees the plan that applies to them
            mine = own.get(asker.member_id, team_plan)
            team_plan, own = (mine, {}) if mine is None or mine.member_id is None else (None, {asker.member_id: mine})
        if team_plan is None and not own:
            return {"text": t("incentive.plans_none", lang, example=_examples(lang)[1])}
        lines = [t("incentive.plans_title", lang)]
        if team_plan is not None:
            lines.append("• " + t("incentive.plan_line", lang, who=t("incentive.plan_who_team", lang),
                                  terms=report.plan_terms(team_plan, lang)) + report.since_text(team_plan, lang))
        for member_id, plan in own.items():
            member = session.get(Member, member_id)
            name = mrkdwn.escape(_name(member)) if member is not None else "?"
            lines.append("• " + t("incentive.plan_line", lang, who=name, terms=report.plan_terms(plan, lang))
                         + report.since_text(plan, lang))
    return message(lines[0].replace("*", ""), sections(lines))


# ------------------------------------------------------------------------------------ appraisal, rating


def _appraisal(rest: str, asker: Asker, deps: Deps) -> dict[str, Any]:
    lang = asker.language
    with session_scope(deps.engine) as session:
        rep, phrase, unclear = _person(session, asker, rest, _examples(lang)[2])
        if unclear is not None:
            return unclear
        if rep is None:
            if asker.is_manager:
                return {"text": t("incentive.need_rep", lang, example=_examples(lang)[2])}
            rep = session.get(Member, asker.member_id)
        if rep is None or (not asker.is_manager and rep.id != asker.member_id):
            return {"text": t("incentive.own_only", lang)}
        period, problem = _period(phrase, asker, deps, ["appraisal", _name(rep)])
        if problem is not None:
            return problem
        data = appraisal_report.appraisal(session, asker.team_id, rep, period, today=local_today(asker.timezone))
        lines = appraisal_report.appraisal_lines(data, lang, for_manager=asker.is_manager)
    return message(lines[0].replace("*", ""), sections(lines))


def _rate(rest: str, asker: Asker, deps: Deps) -> dict[str, Any]:
    lang = asker.language
    if not asker.is_manager:
        return _only_managers("incentive.what_rate", lang)
    example = _examples(lang)[3]
    quoted = _QUOTED.search(rest)
    comment = quoted.group(1).strip() if quoted else ""
    if quoted is not None:
        rest = (rest[: quoted.start()] + " " + rest[quoted.end() :]).strip()
    with session_scope(deps.engine) as session:
        rep, rest, unclear = _person(session, asker, rest, example)
        if unclear is not None:
            return unclear
        if rep is None:
            return {"text": t("incentive.need_rep", lang, example=example)}
        score = _RATING.search(rest)
        if score is None:
            return {"text": t("incentive.rate_need", lang, example=example)}
        phrase = (rest[: score.start()] + " " + rest[score.end() :]).strip()
        period, problem = _period(phrase, asker, deps, ["rate", _name(rep), score.group(1)])
        if problem is not None:
            return problem
        _row, replaced = store.rate(session, asker.team_id, member_id=int(rep.id or 0), start=period.start,
                                    end=period.end, rating=int(score.group(1)), comment=comment[:1000],
                                    rated_by=asker.user_id)
        key = "incentive.rated_again" if replaced else "incentive.rated"
        return {"text": t(key, lang, name=mrkdwn.escape(_name(rep)), period=period.label(lang),
                          rating=score.group(1), comment=mrkdwn.escape(mrkdwn.capped(comment, 200)))}


# ---------------------------------------------------------------------------------------------- shout-outs


def _shoutouts(rest: str, asker: Asker, deps: Deps, client: Any) -> dict[str, Any]:
    lang = asker.language
    if not asker.is_manager:
        return _only_managers("incentive.what_shoutouts", lang)
    example = "/incentive 表扬 开启 #sales" if lang == "zh" else "/incentive shoutouts on #sales"
    if _OFF.match(rest):
        with session_scope(deps.engine) as session:
            store.set_shoutouts(session, asker.team_id, enabled=False, channel_id=None, updated_by=asker.user_id)
        return {"text": t("incentive.shoutouts_off", lang)}
    on = _ON.match(rest)
    if on is None:
        return not_understood_reply(understood=["shoutouts"], rest=rest, examples=[example], language=lang)
    found = _CHANNEL.search(rest[on.end() :])
    with session_scope(deps.engine) as session:
        setting = store.shoutouts(session, asker.team_id)
        channel = setting.channel_id if setting is not None else None
        if found is not None:
            channel = found.group(1) or (resolve_channel(client, found.group(2)) if client is not None else None)
            if channel is None:
                return {"text": t("incentive.unknown_channel", lang, name=mrkdwn.escape(found.group(0)),
                                  example=example)}
        if channel is None:
            return {"text": t("incentive.shoutouts_need_channel", lang, example=example)}
        store.set_shoutouts(session, asker.team_id, enabled=True, channel_id=channel, updated_by=asker.user_id)
    return {"text": t("incentive.shoutouts_on", lang, channel=f"<#{channel}>")}


ack_incentive, answer_incentive = command_listeners(help_message, handle, failed_key="incentive.failed", logger=log)
