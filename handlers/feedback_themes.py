"""`/feedback themes …`: what customers say about one product or account, or the products/accounts side by side.

`/feedback themes product "GTX Pro" last quarter` · `/feedback themes account Cancity` · `/feedback themes by
product` · `/feedback 话题 产品 GTX Pro 上季度` · `/feedback 话题 按客户 本月`. Reached from `handlers/feedback.py`
after the ack; the reading and the figures are `reports/feedback_scopes.py`. Managers see the team's feedback,
reps the feedback on their own accounts (as the summary).
"""

from datetime import date
from typing import Any

from sqlmodel import Session

from handlers.blocks import Block, context, message, section, sections
from handlers.context import Asker, Deps
from handlers.replies import not_understood
from reports import feedback_scopes as scopes
from reports import feedback_signals, mrkdwn
from reports import feedback_themes as themes
from reports.formatting import number, percent
from reports.i18n import Texts, add_messages, msg, t, tn
from reports.kpi_period import resolve_period

add_messages(
    msg("feedback.themes.title_product", "Themes · product {name} · {period}"),
    msg("feedback.themes.title_account", "Themes · account {name} · {period}"),
    msg("feedback.themes.title_team", "Themes · all feedback · {period}"),
    msg("feedback.themes.title_mine", "Themes · your accounts · {period}"),
    msg("feedback.themes.title_by_product", "Themes by product · {period}"),
    msg("feedback.themes.title_by_account", "Themes by account · {period}"),
    msg("feedback.themes.avg", "avg {stars}★"),
    msg("feedback.themes.none", "No feedback on {name} in {period}."),
    msg("feedback.themes.none_all", "No feedback with a product or account in {period}."),
    msg("feedback.themes.no_themes", "Nothing said often enough to be a theme yet (a theme needs 2 items)."),
    msg("feedback.themes.row", "*{name}* — {items}{stars} · complaint: {complaint} · praise: {praise}"),
    msg("feedback.themes.nothing", "—"),
    msg("feedback.themes.more", "`/feedback themes {scope} \"{name}\"` for all of one"),
    msg("feedback.themes.unknown_product", "No feedback names the product *{name}*."),
    msg("feedback.themes.unknown_account", "I don't know the account *{name}*."),
    msg("feedback.themes.did_you_mean", "Did you mean: {names}?"),
    msg("feedback.themes.known", "Known: {names}"),
    msg("feedback.themes.need_name", "which {scope}"),
    msg("feedback.themes.scope_product", "product"),
    msg("feedback.themes.scope_account", "account"),
)

EXAMPLES = Texts(  # a command's examples, in the reader's language: EXAMPLES[language]
    msg("themes.example.1", "/feedback themes product \"GTX Pro\" last quarter"),
    msg("themes.example.2", "/feedback themes account Cancity"),
    msg("themes.example.3", "/feedback themes by product this month"),
)
MAX_COMPLAINTS = 5
MAX_PRAISE = 3
MAX_KNOWN_SHOWN = 5


def themes_reply(text: str, *, asker: Asker, deps: Deps, today: date) -> dict[str, Any]:
    """The answer to `/feedback themes TEXT` (TEXT: what follows the word `themes`)."""
    lang = asker.language if asker.language == "zh" else "en"
    request = scopes.read_request(
        text, today=today, language=asker.language, fiscal_year_start_month=deps.fiscal_year_start_month
    )
    if request.problem:
        return _not_understood(request, asker.language)
    period = request.period or resolve_period(
        "", today=today, language=asker.language, fiscal_year_start_month=deps.fiscal_year_start_month
    )
    label = period.label(asker.language)
    member_id = None if asker.is_manager else asker.member_id
    with Session(deps.engine) as session:
        if request.scope in (scopes.BY_PRODUCT, scopes.BY_ACCOUNT):
            by = "product" if request.scope == scopes.BY_PRODUCT else "account"
            rows = scopes.breakdown(session, asker.team_id, period, by, member_id=member_id)
            return _render_breakdown(rows, by, label, asker.language)
        name = None
        if request.scope in (scopes.PRODUCT, scopes.ACCOUNT):
            match = scopes.match_name(request.name, scopes.known_names(session, asker.team_id, request.scope))
            if match.same is None:
                return _unknown(request, match, session, asker)
            name = match.same
        where = {"product": name} if request.scope == scopes.PRODUCT else {"account": name}
        found = scopes.scoped_themes(session, asker.team_id, period, member_id=member_id, **where)
    if request.scope == scopes.TEAM:
        title_key = "feedback.themes.title_team" if member_id is None else "feedback.themes.title_mine"
    else:
        title_key = f"feedback.themes.title_{request.scope}"
    title = t(title_key, asker.language, name=mrkdwn.escape(name or ""), period=label)
    return _render_scoped(found, title, name, label, asker.language, lang)


def _render_scoped(
    s: scopes.ScopedThemes, title: str, name: str | None, label: str, language: str, lang: str
) -> dict[str, Any]:
    if s.stats.items == 0:
        text = t("feedback.themes.none", language, name=f"*{mrkdwn.escape(name)}*" if name else "…", period=label)
        return message(text, [section(f"*{title}*"), context(text)])
    head = [f"*{title}*", tn("feedback.items", s.stats.items, language, n=number(s.stats.items, language))]
    if s.stats.avg_stars is not None:
        head.append(t("feedback.themes.avg", language, stars=number(s.stats.avg_stars, language, 1)))
    if s.stats.csat is not None:
        head.append(f"CSAT {percent(s.stats.csat, language, 0)}")
    blocks: list[Block] = [section(" · ".join(head))]
    lines: list[str] = []
    compare = s.previous_items > 0
    for key, shown in (
        ("feedback.top_complaints", s.found.complaints[:MAX_COMPLAINTS]),
        ("feedback.top_praise", s.found.praise[:MAX_PRAISE]),
    ):
        if shown:
            lines += [f"*{t(key, language)}*", *(theme_line(th, language, compare=compare) for th in shown)]
    if s.signals:
        lines += [f"*{t('feedback.signal.rising', language)}*"]
        lines += [f"⚠ {feedback_signals.line(signal, language)}" for signal in s.signals[:3]]
    blocks += sections(lines) if lines else [context(t("feedback.themes.no_themes", language))]
    blocks.append(context(t("feedback.vs", language, n=number(s.previous_items, language))))
    return message(" · ".join(head).replace("*", ""), blocks)


def _render_breakdown(rows: list[scopes.BreakdownRow], by: str, label: str, language: str) -> dict[str, Any]:
    title = t(f"feedback.themes.title_by_{by}", language, period=label)
    if not rows:
        text = t("feedback.themes.none_all", language, period=label)
        return message(text, [section(f"*{title}*"), context(text)])
    lines = [f"*{title}*"]
    for row in rows:
        stars = ""
        if row.stats.avg_stars is not None:
            stars = " · " + t("feedback.themes.avg", language, stars=number(row.stats.avg_stars, language, 1))
        lines.append(
            t(
                "feedback.themes.row",
                language,
                name=mrkdwn.escape(row.name),
                items=tn("feedback.items", row.stats.items, language, n=number(row.stats.items, language)),
                stars=stars,
                complaint=_short(row.complaint, language),
                praise=_short(row.praise, language),
            )
        )
    scope_word = t(f"feedback.themes.scope_{by}", language)
    more = t("feedback.themes.more", language, scope=scope_word, name=mrkdwn.escape(rows[0].name))
    return message(title, [*sections(lines), context(more)])


def _short(theme: themes.Theme | None, language: str) -> str:
    if theme is None:
        return t("feedback.themes.nothing", language)
    return f"“{mrkdwn.escape(theme.name)}” ({number(theme.count, language)})"


def _unknown(request: scopes.ThemesRequest, match: Any, session: Session, asker: Asker) -> dict[str, Any]:
    language = asker.language
    name = mrkdwn.escape(request.name)
    lines = [t(f"feedback.themes.unknown_{request.scope}", language, name=name)]
    if match.suggestions:
        sep = "、" if language == "zh" else ", "
        lines.append(t("feedback.themes.did_you_mean", language, names=sep.join(
            f"*{mrkdwn.escape(s)}*" for s in match.suggestions)))
        example = _example(request.scope, match.suggestions[0], language)
    else:
        known = scopes.known_names(session, asker.team_id, request.scope)[:MAX_KNOWN_SHOWN]
        if known:
            lines.append(t("feedback.themes.known", language, names=", ".join(mrkdwn.escape(k) for k in known)))
        example = _example(request.scope, known[0], language) if known else EXAMPLES[language][0]
    blocks = [section("\n".join(lines)), context(t("reply.try", language, examples=f"`{example}`"))]
    return message(lines[0].replace("*", ""), blocks)


def _example(scope: str, name: str, language: str) -> str:
    zh = _lang(language) == "zh"
    word = ("产品" if scope == scopes.PRODUCT else "客户") if zh else scope
    return f'/feedback {"话题" if zh else "themes"} {word} "{mrkdwn.escape(name)}"'


def theme_line(theme: themes.Theme, lang: str, *, compare: bool) -> str:
    """• “stopped working” — 14 ▲ (3) · avg 2.4★ over 20 mentions — “It stopped working after a month.”
    The change is against the previous period, when it had feedback at all. (The summary's lines too.)"""
    arrow = ""
    if compare:
        arrow = " ▲" if theme.count > theme.previous else " ▼" if theme.count < theme.previous else ""
    bits = [f"{number(theme.count, lang)}{arrow}{' (' + number(theme.previous, lang) + ')' if arrow else ''}"]
    if theme.avg_stars is not None:
        stars, mentions = number(theme.avg_stars, lang, 1), number(theme.mentions, lang)
        bits.append(t("feedback.avg_over", lang, stars=stars, n=mentions))
    line = f"• “{mrkdwn.escape(theme.name)}” — " + " · ".join(bits)
    if theme.quote:
        line += f" — _“{mrkdwn.escape(theme.quote)}”_"
    return line


def _not_understood(request: scopes.ThemesRequest, language: str) -> dict[str, Any]:
    examples = EXAMPLES[language]
    if request.problem == "name":
        scope_word = t(f"feedback.themes.scope_{request.scope}", language)
        rest = t("feedback.themes.need_name", language, scope=scope_word)
        blocks = not_understood(understood=[], rest=rest, examples=examples, language=language)
    else:
        blocks = not_understood(understood=[], rest=request.period_text, examples=examples, language=language)
    return message(blocks[0]["text"]["text"], blocks)


def _lang(language: str) -> str:
    return language if language == "zh" else "en"
