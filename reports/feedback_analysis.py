"""What customers are telling the team: satisfaction, recurring themes, accounts at risk, and the change.

Slack-free. The numbers come from SQL (`db.feedback`: CSAT/NPS are defined there, once); the themes are
found in the comments themselves (`reports.feedback_themes`); the tone of a comment is read here with a
small, documented lexicon in English and Chinese:

- sentiment(): positive and negative cue words; in English a negator ("not", "never", "n't", "no") up to
  two words before a cue flips it; in Chinese negated phrases are listed whole ("不满意", "不好", "不错")
  and the longest cue wins. It is used only for comments without a rating; a rating always wins.

Why a tone lexicon and not a library: feedback here is short, and in two languages. vaderSentiment (English
only, last release 2020) and SnowNLP (Chinese only, last release 2015, trained on product reviews) would each
cover half and neither is kept up; transformer models need weights the bot must not download at run time. The
lexicon is small, fast (≈1 µs per word) and testable; its measured accuracy on real reviews is in
tests/reports/test_feedback_corpora.py and docs/readme-feedback.md.
"""

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from db import feedback as store
from reports import feedback_signals, feedback_themes

# fmt: off
# Sentiment cues for comments without a rating.
_POSITIVE_EN = (
    r"love\w*|great|excellent|good|happy|satisf\w*|awesome|amazing|perfect\w*|helpful|easy|fast|quick\w*|"
    r"smooth\w*|recommend\w*|fantastic|fair|stable|reliable|patient|responsive|thank\w*|nice|pleased|best|solid|"
    r"wonderful|enjoy\w*|impressed|professional|early|on time|works well|works great|like|cool|fun"
)
_NEGATIVE_EN = (
    r"late|delay\w*|bad|poor\w*|terrible|awful|worst|hate\w*|broke\w*|crash\w*|bugs?|buggy|slow\w*|expensive|"
    r"overpriced|disappoint\w*|problems?|issues?|frustrat\w*|useless|waste\w*|refund\w*|return\w*|nobody|no one|"
    r"rude|unhappy|annoy\w*|stopped working|doesn't work|does not work|not working|stopped|defective|faulty|junk|"
    r"garbage|horrible|dead|fail\w*|complain\w*|unreliable|confusing|hard to|difficult|wrong|still waiting|can't|"
    r"cannot|won't|not worth|worthless|sad|no longer works?|did not work|didn't work|quit\w*|unresponsive|"
    r"do not buy|don't buy|dissatisf\w*|not much|noise|cheaply made|returning|sent it back"
)
_POSITIVE_ZH = (
    "很好|不错|满意|喜欢|推荐|干净|方便|舒适|专业|热情|顺利|及时|按时|划算|优惠|很快|赞|棒|谢谢|合理|稳定|清楚|周到|"
    "到位|值得|好评|舒服|提前|顺手|性价比高|物超所值|很大|安静|友好|挺好|还好|好用|很有帮助|完全满足|没出过问题"
)
_NEGATIVE_ZH = (
    "差|太慢|很慢|慢|延迟|延期|太贵|失望|不满|脏|吵|旧|糟糕|问题|投诉|退款|不好|不行|不方便|不干净|不满意|不推荐|不会再|"
    "没人|很难|拖|坏|烂|垃圾|恶劣|跟不上|不够|差劲|后悔|上当|骗|难用|一般|不值|噪音|异味|霉|bug|故障|没有竞争力|涨价|"
    "太多|下降|晚了|不能|无法|不如|很小|简陋|不太"
)
# fmt: on
def _alternation(words_en: str, words_zh: str) -> str:
    """One regex for both languages: English as whole words, Chinese as substrings; longest first, so
    "不满意" wins over "满意" and "customer service" over "service"."""
    en = sorted(words_en.split("|"), key=len, reverse=True)
    zh = sorted((re.escape(w) for w in words_zh.split("|")), key=len, reverse=True)
    english = r"\b(?:" + "|".join(w.replace(" ", r"\s+") for w in en) + r")\b"
    return "|".join([english, *zh])


# --------------------------------------------------------------------------------------------- sentiment

_NEGATORS_EN = re.compile(
    r"\b(?:not|never|no|don't|dont|didn't|didnt|doesn't|doesnt|isn't|wasn't|aren't|hardly|without)\b", re.I
)

_CUE_RE = re.compile(
    f"(?P<pos>{_alternation(_POSITIVE_EN, _POSITIVE_ZH)})|(?P<neg>{_alternation(_NEGATIVE_EN, _NEGATIVE_ZH)})",
    re.IGNORECASE,
)
NEGATIVE, NEUTRAL, POSITIVE = "negative", "neutral", "positive"


def sentiment_score(text: str) -> float:
    """−1 (all negative cues) .. +1 (all positive cues); 0 when there is no cue or they balance."""
    text = (text or "").replace("\u2019", "'")
    pos = neg = 0
    for m in _CUE_RE.finditer(text):
        positive = m.lastgroup == "pos"
        before = text[max(0, m.start() - 24) : m.start()]
        if m.group().isascii() and _NEGATORS_EN.search(" ".join(before.split()[-2:])):
            positive = not positive  # "not good", "never arrived late"
        if positive:
            pos += 1
        else:
            neg += 1
    return 0.0 if pos + neg == 0 else (pos - neg) / (pos + neg)


def sentiment(text: str) -> str:
    """'negative' | 'neutral' | 'positive' of a comment without a rating."""
    score = sentiment_score(text)
    return NEGATIVE if score < 0 else POSITIVE if score > 0 else NEUTRAL


def tone(rating: int | None, scale: int, comment: str) -> str:
    """The tone of one item: the rating when there is one (1-2 / 0-6 negative, 3 / 7-8 neutral), else the words."""
    if rating is None:
        return sentiment(comment)
    if store.is_low(rating, scale):
        return NEGATIVE
    if (scale == 5 and rating >= 4) or (scale == 10 and rating >= 9):
        return POSITIVE
    return NEUTRAL


# ----------------------------------------------------------------------------------------------- summary

AT_RISK_LOW_RATINGS = 2  # "several": this many bad ratings from one account in 30 days
AT_RISK_WINDOW_DAYS = 30
AT_RISK_DROP_STARS = 1.0  # an account's average falls by at least this (★, NPS halved) vs the previous period
AT_RISK_MIN_RATED = 2  # ratings needed on each side before a drop counts
QUOTE_CHARS = 90


@dataclass(frozen=True)
class AtRisk:
    account: str
    low_ratings: int  # bad ratings in the 30-day window
    before: float | None  # average ★ in the previous period, when the drop rule applies
    after: float | None

    @property
    def dropped(self) -> bool:
        return self.before is not None and self.after is not None


@dataclass(frozen=True)
class FeedbackSummary:
    start: date
    end: date
    items: int
    rated: int
    low: int
    avg_stars: float | None
    csat: float | None
    nps: float | None
    previous_items: int
    previous_csat: float | None
    previous_nps: float | None
    themes: list["feedback_themes.Theme"]  # complaints then praise, each best first
    at_risk: list[AtRisk]
    unrated: int
    unrated_negative: int
    signals: list["feedback_signals.Signal"] = field(default_factory=list)  # complaints that jumped


def shorten(text: str, limit: int = QUOTE_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def accounts_at_risk(
    low_in_window: dict[str, int],
    current: dict[str, store.AccountStats],
    previous: dict[str, store.AccountStats],
) -> list[AtRisk]:
    """Accounts with several bad ratings in 30 days, or whose average fell; the worst first."""
    out: dict[str, AtRisk] = {}
    for account, n in low_in_window.items():
        if n >= AT_RISK_LOW_RATINGS:
            out[account] = AtRisk(account, n, None, None)
    for account, now in current.items():
        before = previous.get(account)
        if before is None or now.avg_stars is None or before.avg_stars is None:
            continue
        if min(now.rated, before.rated) < AT_RISK_MIN_RATED:
            continue
        if before.avg_stars - now.avg_stars >= AT_RISK_DROP_STARS:
            out[account] = AtRisk(account, low_in_window.get(account, 0), before.avg_stars, now.avg_stars)
    return sorted(out.values(), key=lambda r: (-r.low_ratings, -((r.before or 0) - (r.after or 0)), r.account))


def summarise(
    session: Any, team_id: str, period: Any, *, member_id: int | None = None, today: date | None = None
) -> FeedbackSummary:
    """The feedback summary of a period (a `Period`: .start, .end, .previous()), for the team or one rep."""
    prev = period.previous()
    stats = store.period_stats(session, team_id, period.start, period.end, member_id)
    prev_stats = store.period_stats(session, team_id, prev.start, prev.end, member_id)

    found = feedback_themes.themes_of_period(session, team_id, period.start, period.end, prev.start, member_id)
    themes = found.complaints + found.praise

    window_end = min(period.end, (today or period.end - timedelta(days=1)) + timedelta(days=1))
    since, until = store.window(window_end, AT_RISK_WINDOW_DAYS)
    risks = accounts_at_risk(
        store.recent_low(session, team_id, since=since, until=until, member_id=member_id),
        store.account_stats(session, team_id, period.start, period.end, member_id),
        store.account_stats(session, team_id, prev.start, prev.end, member_id),
    )
    return FeedbackSummary(
        start=period.start,
        end=period.end,
        items=stats.items,
        rated=stats.rated,
        low=stats.low,
        avg_stars=stats.avg_stars,
        csat=stats.csat,
        nps=stats.nps,
        previous_items=prev_stats.items,
        previous_csat=prev_stats.csat,
        previous_nps=prev_stats.nps,
        themes=themes,
        at_risk=risks,
        unrated=found.unrated,
        unrated_negative=found.unrated_negative,
        signals=feedback_signals.rising(session, team_id, period.start, period.end, member_id=member_id),
    )
