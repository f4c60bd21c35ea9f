"""What a `/kpi` line asks for, in English or Chinese, in any word order.

The parser takes out what it knows — the metric (with synonyms), the scope (`me`, `@user`, `team`,
`product X`, `account Y`), `by rep|product|account|week`, `vs last year`, `export`, `leaderboard` — and
leaves the rest as the period phrase for `reports.periods`. Chinese needs no spaces: in `上个月销售额`
the metric 销售额 is found inside the word and 上个月 is left for the period layer.

A word that is neither a known word nor part of a period but looks like a metric ("revnue") is kept as
a suggestion, so the reply can say "did you mean revenue?" instead of guessing.
"""

import difflib
import re
from dataclasses import dataclass, field

from reports import account_names
from reports.i18n import simplified
from reports.people import MENTION

__all__ = ["KpiRequest", "parse_kpi", "METRIC_WORDS", "metric_for", "suggest_metric", "METRIC_NAMES",
           "HISTORY_METRICS"]

# Longest phrases are tried first, so "sales cycle" wins over "sales" and "按销售" over "销售额".
METRIC_WORDS: dict[str, str] = {
    # revenue
    "revenue": "revenue",
    "sales": "revenue",
    "bookings": "revenue",
    "won revenue": "revenue",
    "业绩": "revenue",
    "销售额": "revenue",
    "收入": "revenue",
    "营收": "revenue",
    "成交额": "revenue",
    "销售业绩": "revenue",
    # deals won
    "deals won": "deals_won",
    "won deals": "deals_won",
    "wins": "deals_won",
    "deals": "deals_won",
    "赢单数": "deals_won",
    "成交数": "deals_won",
    "成交量": "deals_won",
    "赢单": "deals_won",
    "成交单数": "deals_won",
    # win rate
    "win rate": "win_rate",
    "winrate": "win_rate",
    "conversion rate": "win_rate",
    "close rate": "win_rate",
    "赢单率": "win_rate",
    "转化率": "win_rate",
    "成交率": "win_rate",
    "胜率": "win_rate",
    # from deal history (reports/history.py): where deals went from each stage, how long they stayed
    "conversion": "stage_conversion",
    "stage conversion": "stage_conversion",
    "stage to stage": "stage_conversion",
    "stage-to-stage": "stage_conversion",
    "stage-to-stage conversion": "stage_conversion",
    "funnel conversion": "stage_conversion",
    "阶段推进率": "stage_conversion",
    "阶段推进": "stage_conversion",
    "阶段转化率": "stage_conversion",
    "阶段转化": "stage_conversion",
    "time in stage": "time_in_stage",
    "days in stage": "time_in_stage",
    "stage time": "time_in_stage",
    "stage duration": "time_in_stage",
    "阶段停留时间": "time_in_stage",
    "阶段停留": "time_in_stage",
    "阶段时长": "time_in_stage",
    "停留时间": "time_in_stage",
    # average deal size
    "average deal size": "avg_deal_size",
    "avg deal size": "avg_deal_size",
    "deal size": "avg_deal_size",
    "average deal": "avg_deal_size",
    "aov": "avg_deal_size",
    "客单价": "avg_deal_size",
    "平均成交额": "avg_deal_size",
    "平均单价": "avg_deal_size",
    # sales cycle
    "sales cycle": "sales_cycle",
    "cycle": "sales_cycle",
    "cycle length": "sales_cycle",
    "days to close": "sales_cycle",
    "销售周期": "sales_cycle",
    "成交周期": "sales_cycle",
    # pipeline
    "pipeline": "pipeline",
    "open pipeline": "pipeline",
    "管道": "pipeline",
    "商机金额": "pipeline",
    "销售管道": "pipeline",
    # new deals
    "new deals": "new_deals",
    "new opportunities": "new_deals",
    "created deals": "new_deals",
    "新商机": "new_deals",
    "新增商机": "new_deals",
    "新建商机": "new_deals",
    # attainment and pace
    "attainment": "attainment",
    "quota attainment": "attainment",
    "完成率": "attainment",
    "达成率": "attainment",
    "pace": "pace",
    "run rate": "pace",
    "进度": "pace",
    # feedback and check-ins
    "csat": "csat",
    "satisfaction": "csat",
    "customer satisfaction": "csat",
    "满意度": "csat",
    "客户满意度": "csat",
    "nps": "nps",
    "net promoter": "nps",
    "净推荐值": "nps",
    "check-in rate": "checkin_rate",
    "checkin rate": "checkin_rate",
    "check-ins": "checkin_rate",
    "checkins": "checkin_rate",
    "汇报提交率": "checkin_rate",
    "进展汇报": "checkin_rate",
    "签到率": "checkin_rate",  # the glossary's older term, still understood
    "签到": "checkin_rate",
    "一对一完成率": "checkin_rate",
}
LEADERBOARD_WORDS = ("leaderboard", "ranking", "rankings", "top reps", "排行榜", "排名", "排行")
BY_WORDS: dict[str, str] = {
    "by rep": "rep",
    "by reps": "rep",
    "by person": "rep",
    "by owner": "rep",
    "by salesperson": "rep",
    "by product": "product",
    "by products": "product",
    "by account": "account",
    "by accounts": "account",
    "by customer": "account",
    "by week": "week",
    "by weeks": "week",
    "weekly": "week",
    "按销售": "rep",
    "按人": "rep",
    "按销售员": "rep",
    "按负责人": "rep",
    "按产品": "product",
    "按客户": "account",
    "按周": "week",
    "每周": "week",
    "分销售": "rep",
    "分产品": "product",
    "分客户": "account",
}
VS_YEAR_WORDS = (
    "vs last year",
    "versus last year",
    "compared to last year",
    "year over year",
    "yoy",
    "同比",
    "与去年同期比",
    "较去年同期",
    "较去年",
    "对比去年",
)
EXPORT_WORDS = ("export", "csv", "download", "导出", "下载")
ME_WORDS = ("me", "my", "mine", "myself", "我的", "我")
TEAM_WORDS = ("team", "whole team", "everyone", "团队", "全队", "整个团队", "全体")
HELP_WORDS = ("help", "帮助", "?", "？", "usage")
PRODUCT_WORDS = ("product", "产品")
ACCOUNT_WORDS = ("account", "customer", "客户")

# English display names of the metrics, for "did you mean" and the reply of a misspelling.
METRIC_NAMES: dict[str, str] = {
    "revenue": "revenue",
    "deals_won": "deals won",
    "win_rate": "win rate",
    "avg_deal_size": "average deal size",
    "sales_cycle": "sales cycle",
    "pipeline": "pipeline",
    "new_deals": "new deals",
    "attainment": "attainment",
    "pace": "pace",
    "csat": "CSAT",
    "nps": "NPS",
    "checkin_rate": "check-in rate",
    "stage_conversion": "stage-to-stage conversion",
    "time_in_stage": "time in stage",
}
# Metrics answered from deal history rather than the KPI engine (handlers/kpi_history.py).
HISTORY_METRICS = ("stage_conversion", "time_in_stage")

# "pipeline on 2026-10-01", "as of 1 Oct", "截至10月1日的商机金额", "2026-10-01 的 管道": a state on a day.
_AS_OF_EN = re.compile(r"^(?:on|as of|as at|at)\s+(?P<day>.+)$", re.IGNORECASE)
_AS_OF_ZH = re.compile(r"^(?:截至|截止到|截止|在)?\s*(?P<day>.+?)\s*(?:那天的|当天的|时的|的时候|那天|当天|时|的)$|"
                       r"^(?:截至|截止到|截止)\s*(?P<day2>.+)$")

_SPACE = re.compile(r"\s+")


@dataclass
class KpiRequest:
    """A /kpi line taken apart; `period_text` is left for the period layer."""

    metric: str | None = None
    leaderboard: bool = False
    me: bool = False
    team: bool = False
    user: str | None = None  # a Slack id ("U123") or a name as typed after "@"
    product: str | None = None
    account: str | None = None
    by: str | None = None
    vs_last_year: bool = False
    export: bool = False
    help: bool = False
    period_text: str = ""
    understood: list[str] = field(default_factory=list)
    suggestion: str | None = None  # a metric the user probably meant
    misspelt: str | None = None  # the word that looked like it
    as_of: bool = False  # the period was written as a moment ("on 1 Oct", "截至10月1日"): a state then

    @property
    def headline(self) -> bool:
        """`/kpi` with no metric, breakdown or leaderboard: the asker's headline numbers."""
        return self.metric is None and not self.leaderboard and self.by is None


def _is_cjk(text: str) -> bool:
    return bool(re.search(r"[\u3400-\u9fff]", text))


def _phrase_pattern(phrase: str) -> str:
    """Chinese phrases match anywhere; English ones as whole words (so 'sales' is not found in 'wholesales')."""
    escaped = re.escape(phrase).replace(r"\ ", r"\s+")
    if _is_cjk(phrase):
        return escaped + ("(?!额|员)" if phrase.endswith("销售") else "")
    return rf"(?<![\w-]){escaped}(?![\w-])"


def _take(text: str, phrases: list[str] | tuple[str, ...]) -> tuple[str | None, str]:
    """Remove the first (longest) phrase found; returns (phrase, text without it)."""
    for phrase in sorted(phrases, key=len, reverse=True):
        match = re.search(_phrase_pattern(phrase), text, flags=re.IGNORECASE)
        if match:
            return phrase, text[: match.start()] + " " + text[match.end() :]
    return None, text


def _take_named(text: str, keywords: tuple[str, ...], known: list[str]) -> tuple[str | None, str]:
    """`product GTX Pro` / `产品GTX Pro` / `product "GTX Pro"`: a known name (longest first), a quoted name, or
    one word."""
    for keyword in keywords:
        kw = _phrase_pattern(keyword)
        quoted = re.search(kw + r"\s*[\"“]([^\"”]+)[\"”]", text, flags=re.IGNORECASE)
        if quoted:
            return quoted.group(1).strip(), text[: quoted.start()] + " " + text[quoted.end() :]
        for name in sorted(known, key=len, reverse=True):
            if not name:
                continue
            match = re.search(kw + r"\s*" + re.escape(name) + r"(?![\w])", text, flags=re.IGNORECASE)
            if match:
                return name, text[: match.start()] + " " + text[match.end() :]
        spelt = _spelt_otherwise(text, kw, known)  # "GTX Pro" typed, "GTXPro" in the data
        if spelt is not None:
            return spelt
        bare = re.search(kw + r"\s+([^\s]+)", text, flags=re.IGNORECASE)
        if bare:  # an unknown name: the caller says so, with the names it may have meant
            return bare.group(1), text[: bare.start()] + " " + text[bare.end() :]
    return None, text


def _spelt_otherwise(text: str, kw: str, known: list[str]) -> tuple[str, str] | None:
    """The known name that the words after the keyword spell, compared as account names are everywhere
    (`reports.account_names.normalise`: case, width, spaces, punctuation and Co./有限公司 do not count) — the
    longest run of up to six words that matches — and the text without them."""
    at = re.search(kw + r"\s*", text, flags=re.IGNORECASE)
    if at is None or not known:
        return None
    rest = text[at.end() :]
    words = list(re.finditer(r"\S+", rest))[:6]
    if not words:
        return None
    keys: dict[str, str] = {}
    for name in known:
        keys.setdefault(account_names.normalise(name), name)
    for n in range(len(words), 0, -1):
        end = words[n - 1].end()
        key = account_names.normalise(rest[:end])
        name = keys.get(key) if key else None
        if name:
            return name, text[: at.start()] + " " + rest[end:]
    return None


def canonical_name(typed: str, known: list[str]) -> str | None:
    """The one known name `typed` means (exactly, else as the same name spelt otherwise), or None."""
    return typed if typed in known else account_names.match(typed, known).same


def close_names(typed: str, known: list[str]) -> list[str]:
    """Known names that look like a misspelling of `typed` ("Cancty" -> "Cancity"), best first."""
    return list(account_names.match(typed, known).suggestions)


def metric_for(word: str) -> str | None:
    """The metric a word or phrase names, or None."""
    return METRIC_WORDS.get(_SPACE.sub(" ", word.strip().lower()))


def suggest_metric(word: str) -> str | None:
    """The metric a misspelt word most likely meant ("revnue" -> "revenue"), or None."""
    english = [w for w in METRIC_WORDS if not _is_cjk(w)]
    close = difflib.get_close_matches(word.lower(), english, n=1, cutoff=0.75)
    return METRIC_WORDS[close[0]] if close else None


# Words of periods the fuzzy metric check must never mistake for a misspelt metric.
_PERIOD_WORDS = {
    "today",
    "yesterday",
    "this",
    "last",
    "next",
    "week",
    "weeks",
    "month",
    "months",
    "quarter",
    "quarters",
    "year",
    "years",
    "day",
    "days",
    "since",
    "to",
    "from",
    "until",
    "ytd",
    "mtd",
    "qtd",
    "date",
    "the",
    "of",
    "in",
    "for",
    "and",
    "past",
    "previous",
    "current",
    "fiscal",
    "fy",
    "ago",
    "on",
    "q1",
    "q2",
    "q3",
    "q4",
}


_BY_SPACE = re.compile(r"按\s+")


def parse_kpi(text: str, *, products: list[str] | None = None, accounts: list[str] | None = None) -> KpiRequest:
    """Take a /kpi line apart. `products`/`accounts`: the workspace's names, to read multi-word ones."""
    req = KpiRequest()
    text = simplified(text or "", keep=[*(products or []), *(accounts or [])])  # /kpi 上個月 銷售額
    rest = " " + text.replace("\u3000", " ").replace("，", " ").replace(",", " ").strip() + " "
    rest = _BY_SPACE.sub("按", rest)  # "按 产品" is "按产品" (a space typed after 按 is common)
    if rest.strip().lower() in HELP_WORDS:
        req.help = True
        return req

    found, rest = _take(rest, list(BY_WORDS))
    if found:
        req.by = BY_WORDS[found.lower()]
        req.understood.append(found)
    product, rest = _take_named(rest, PRODUCT_WORDS[:1] + PRODUCT_WORDS[1:], products or [])
    if product is not None:
        req.product = product
        req.understood.append(f"product {product}")
    account, rest = _take_named(rest, ACCOUNT_WORDS, accounts or [])
    if account is not None:
        req.account = account
        req.understood.append(f"account {account}")

    mention = MENTION.search(rest)
    if mention:
        req.user = mention.group(1) or mention.group(3) or mention.group(4)
        rest = rest[: mention.start()] + " " + rest[mention.end() :]
        req.understood.append(f"@{mention.group(2) or mention.group(3) or mention.group(4) or mention.group(1)}")

    found, rest = _take(rest, VS_YEAR_WORDS)
    if found:
        req.vs_last_year = True
        req.understood.append(found)
    found, rest = _take(rest, LEADERBOARD_WORDS)
    if found:
        req.leaderboard = True
        req.understood.append(found)
    found, rest = _take(rest, list(METRIC_WORDS))
    if found:
        req.metric = METRIC_WORDS[_SPACE.sub(" ", found.lower())]
        req.understood.append(found)
    found, rest = _take(rest, EXPORT_WORDS)
    if found:
        req.export = True
        req.understood.append(found)
    found, rest = _take(rest, TEAM_WORDS)
    if found:
        req.team = True
        req.understood.append(found)
    found, rest = _take(rest, ME_WORDS)
    if found:
        req.me = True
        req.understood.append(found)

    if req.metric is None:
        for word in re.findall(r"[A-Za-z][A-Za-z-]{2,}", rest):
            if word.lower() in _PERIOD_WORDS or _looks_like_month(word):
                continue
            guess = suggest_metric(word)
            if guess:
                req.suggestion, req.misspelt = guess, word
                rest = re.sub(rf"(?<![\w-]){re.escape(word)}(?![\w-])", " ", rest, count=1)
                break
    req.period_text = _SPACE.sub(" ", rest).strip()
    if m := _AS_OF_EN.match(req.period_text) or _AS_OF_ZH.match(req.period_text):
        req.as_of = True
        req.period_text = (m["day"] or m.groupdict().get("day2") or "").strip()
    return req


_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


def _looks_like_month(word: str) -> bool:
    return word[:3].lower() in _MONTHS
