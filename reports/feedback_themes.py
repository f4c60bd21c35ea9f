"""Themes found in the feedback itself: what customers complain about and praise, in their own words.

Slack-free. `discover(items, previous)` reads the comments of a period (and of the previous one, for the
trend) and returns the recurring complaints and praises:

- **Words.** Each comment is cut into clauses at punctuation; English words are lower-cased and trimmed of
  plural/verb endings ("stopped"/"stops" -> "stop"), Chinese is segmented with rjieba (the Rust port of
  jieba, its dictionary ships inside the wheel: nothing is downloaded). Function words (a stop list per
  language; single Chinese characters unless the vocabulary names them) are dropped. Negations stay attached
  to the next word ("doesn't understand", "不太干净"), so a negated word is a phrase of its own and never counts
  as the word. The candidates of a comment are its words and pairs of neighbouring words ("stopped working",
  "早餐 差").
- **Complaint or praise.** An item is a complaint when its rating is low (1-2 of 5, 0-6 of 10) or, without a
  rating, when its words sound negative (`feedback_analysis.sentiment`); praise when rated 4-5 / 9-10 or
  positive. A phrase is a complaint theme when it is mentioned by several complaints (≥ 1% and ≥ 2) and is
  not clearly praise's word; frequent and distinctive phrases lead, and words every review uses ("echo",
  "酒店") fall behind. A phrase said 1.5 times as often by the other side is that side's; the lift counts up
  to 4 (score = items × √lift). Words that only carry tone or that every review uses (`_NEVER_ALONE`) are
  never a theme alone. A clause whose own tone is the opposite of the side does not count ("早餐不错" in a bad
  review is no complaint about breakfast).
- **Grouping.** Candidates are taken best first; one that shares a word with a theme already taken and whose
  items are mostly (≥ 60%) that theme's joins it ("stop", "stop work" -> one theme), as does one naming
  (nearly, 80% both ways) the same items. A theme is named by the most specific of its phrases that still
  covers half of its items, as customers spelled it most often. `VOCABULARY` (small, curated) merges
  spellings and synonyms ("wi-fi" = "wifi", "噪声" = "噪音") before counting; it never removes a word.
- **Figures.** A theme's count is the number of items of its side mentioning any of its phrases; the trend
  is the same count in the previous period; the average is over every rated item that mentions it (both
  sides), and `mentions` counts those items.
- **Quote.** The newest sentence of an item of the theme's side that contains one of the theme's phrases
  (found by the same word cutting, so the words are really there), whose own tone does not contradict the
  side (a complaint quote never sounds positive, a praise quote never negative).

Cutting words (with the tone of each clause) is the slow part, some thousands of distinct comments a second
(`python -m benchmarks feedback`); `cut()` and `phrases()` are memoised per distinct text, so a second
summary of the same data, or of an overlapping period, only cuts what is new; `themes_of_period` caches the
result per workspace, period and rep.
"""

import json
import math
import re
import threading
from collections import Counter, OrderedDict, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any, TypeVar

import rjieba

from db import feedback as store
from db import feedback_cache as result_cache
from reports import feedback_analysis as analysis

COMPLAINT, PRAISE = "complaint", "praise"
MAX_THEMES = 10  # per side
CANDIDATES = 80  # phrases scored in full per side
MIN_SHARE = 0.01  # a theme is mentioned by at least 1% of its side's items ...
MIN_ITEMS = 2  # ... and by at least this many
MIN_LIFT = 0.67  # a phrase said 1.5 times as often (per item) by the other side is that side's
MAX_LIFT = 4.0  # distinctiveness helps a phrase up to this much (score = items × √lift)
MERGE_OVERLAP = 0.6  # a phrase whose items are this much inside a theme's items joins it
NAME_COVERAGE = 0.5  # a longer phrase names the theme when it covers this share of the theme's items
QUOTE_CHARS = 90
QUOTE_ITEMS = 60  # newest items of a theme searched for a quote

# fmt: off
_STOP_EN = frozenset("""
a about above after again all also am an and any are as at be because been before being below between both but
by can could did do does doing done down during each else even ever every few for from further get gets got had
has have having he her here hers herself him himself his how i if in into is it its itself just let like me
more most much must my myself now of off on once one only or other our ours ourselves out over own really same
she should so some such than that the their theirs them themselves then there these they this those though
through to too under until up upon us very was we were what when where which while who whom why will with
would you your yours yourself yourselves im ive id its it's i'm i've i'd you're they're we're that's there's
thing things something anything everything lot lots bit way still yet back well ok okay oh yes yeah also
alexa echo amazon product device item unit dot use used using make made bought buy purchase purchased
would've could've get got go going went want wanted say said know think thought really pretty quite
time times try tried trying two three one four five day days week weeks year years half reason
first second new able many since
""".split())
_NEGATORS_EN = frozenset("""
not no never cannot cant can't don't dont doesn't doesnt didn't didnt isn't isnt wasn't wasnt won't wont
aren't arent couldn't couldnt wouldn't wouldnt shouldn't haven't hasn't hadn't nothing nor without
""".split())
_STOP_ZH = frozenset("""
的 了 是 在 也 都 就 还 又 和 与 及 或 我 我们 你 你们 他 他们 她 它 这 那 这个 那个 这些 那些 这里
那里 有 有点 一个 一些 一下 一点 什么 怎么 如何 因为 所以 但是 但 而且 并且 如果 虽然 可以 可能 应该
会 能 要 让 给 被 把 对 对于 从 到 向 去 来 说 觉得 感觉 比较 非常 特别 十分 真 真的 太 很 挺 最 更
较 还是 就是 只是 只 才 已经 都是 不过 然后 之后 以后 时候 时 后 次 个 家 人 天 晚 下 上 里 中 吧 呢
啊 哦 呀 吗 嘛 哈 么 着 过 得 地 之 其 其他 其它 为 以 于 等 啦 咯 没什么 一般般 酒店 宾馆 饭店 实在
根本 确实 其实 完全 居然 竟然 简直 一直 总是 绝对 千万 一样 这样 那样 这种 那种 自己 大家 别人 我们
任何 所有 每个 每次 一次 两个 几个 一定 肯定 当然 甚至 似乎 好像 还有 另外 总的来说 总之 而已 以上
以下 左右 一晚 当时 今天 昨天 明天 晚上 早上 中午 下午 上午 现在 以前 下次 这次 那次 第一 第二 一间
一天 两天 还会 不错的
""".split())
_NEGATORS_ZH = frozenset("不 没 没有 无 别 未 不是 不能 不会 无法 不太 不够".split())
_ADVERBS_ZH = frozenset("太 很 挺 太过 非常 特别 十分 怎么 那么 这么 够 算 算是 大 也 都 还 又 更 比较 有点".split())
# Words that never make a theme alone, though the pairs they make count ("great sound", "stopped working",
# "早餐 差"): words that only say how the customer feels, and verbs every review uses.
_NEVER_ALONE = frozenset("""
work set play ask connect return call start devic already problem turn help need give take come keep
put find found see look 入住 不要 不知道 发现 觉得 知道 需要 没有 感觉 住 结果 要求 告诉 看到 出来
时间 问题 住过
""".split()) | frozenset("""
love great good excellent awesome amazing perfect nice best fantastic wonderful happy glad satisfied like
bad poor terrible awful worst horrible disappoint disappointed hate unhappy useless junk garbage waste
star stars recommend fine okay
不错 很好 满意 喜欢 失望 糟糕 一般 好 差 推荐 不好 垃圾 很差 太差 挺好 还好 可以 不满 不满意 值得 满足
""".split())
# Curated vocabulary: spellings and synonyms that are one thing to a customer. It merges, it never hides.
VOCABULARY: dict[str, str] = {
    "wi-fi": "wifi", "wi": "wifi", "internet": "wifi", "connection": "connect", "disconnect": "connect",
    "speaker": "speaker", "speakers": "speaker", "sound": "sound", "audio": "sound",
    "噪声": "噪音", "隔音": "噪音", "吵闹": "噪音", "很吵": "噪音", "吵": "噪音", "早饭": "早餐", "自助餐": "早餐",
    "服务态度": "服务", "服务员": "服务", "前台": "前台", "宽带": "网络", "上网": "网络", "网速": "网络",
}
# fmt: on

_CLAUSE = re.compile(r"[.!?;:,()\[\]\"“”。！？；：，、（）《》…~\n\r\t]+|\s-\s|\s{2,}")
_EN_WORD = re.compile(r"[a-z0-9]+(?:[-'][a-z0-9]+)*")
_CJK = re.compile(r"[\u3400-\u9fff]")


def _stem(word: str) -> str:
    """A crude English stem, only to group spellings: 'stopped'/'stops'/'stopping' -> 'stop'."""
    if len(word) <= 4 or not word.isalpha():
        return word
    for suffix in ("ing", "ed", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            base = word[: -len(suffix)]
            if suffix == "s" and word.endswith("ss"):
                return word
            if len(base) > 3 and base[-1] == base[-2] and base[-1] not in "lsz":
                base = base[:-1]  # stopped -> stop
            return base
    return word


@dataclass(frozen=True)
class _Token:
    key: str  # what is counted ("not understand", "stop", "噪音")
    text: str  # as written


def _english_tokens(clause: str) -> list[_Token | None]:
    """Content words of an English clause; None where a stop word breaks the neighbourhood."""
    out: list[_Token | None] = []
    negated = ""
    for m in _EN_WORD.finditer(clause.lower().replace("\u2019", "'")):
        word = m.group()
        if word in _NEGATORS_EN:
            negated = negated or word
            continue
        if word in _STOP_EN or len(word) < 2 or word.isdigit():
            if word not in ("am", "is", "are", "was", "were", "be", "been", "do", "does", "did", "it", "the", "a"):
                negated = ""
            out.append(None)
            continue
        key = VOCABULARY.get(word) or _stem(word)
        key = VOCABULARY.get(key, key)
        if key in _STOP_EN:
            negated = ""
            out.append(None)
            continue
        if negated:
            out.append(_Token("not " + key, f"{negated} {word}"))
            negated = ""
        else:
            out.append(_Token(key, word))
    return out


def _chinese_tokens(clause: str) -> list[_Token | None]:
    out: list[_Token | None] = []
    negated = ""
    for word in rjieba.cut(clause):
        word = word.strip().lower()
        if not word:
            continue
        if word in _NEGATORS_ZH or (len(word) == 2 and word[0] in "不没" and word not in ("不错",)):
            if len(word) == 2 and word[0] in "不没" and word not in _NEGATORS_ZH:
                out.append(_Token(word, word))  # 不好, 没有 as one word: a phrase of its own
                negated = ""
            else:
                negated = word
            continue
        if _CJK.match(word) is None:
            out.extend(_english_tokens(word))
            continue
        canon = VOCABULARY.get(word)
        if canon is None and (word in _STOP_ZH or len(word) < 2 or word[-1] in "的了地得着过"):
            if word not in _ADVERBS_ZH:  # "不 太 干净": an adverb between keeps the negation
                negated = ""
            out.append(None)
            continue
        key = canon or word
        if negated:
            out.append(_Token(negated + key, negated + word))
            negated = ""
        else:
            out.append(_Token(key, word))
    return out


@lru_cache(maxsize=200_000)
def cut(text: str) -> tuple[tuple[int, tuple[str, ...]], ...]:
    """The candidate phrases of a comment, clause by clause: (tone of the clause −1/0/+1, single words and
    neighbouring pairs as keys)."""
    clauses = []
    for clause in _CLAUSE.split(text or ""):
        if not clause.strip():
            continue
        tokens = _chinese_tokens(clause) if _CJK.search(clause) else _english_tokens(clause)
        keys = [tok.key for tok in tokens if tok is not None]
        for a, b in zip(tokens, tokens[1:], strict=False):
            if a is not None and b is not None and a.key != b.key:
                keys.append(_pair(a.key, b.key))
        if keys:
            score = analysis.sentiment_score(clause)
            clauses.append((1 if score > 0 else -1 if score < 0 else 0, tuple(keys)))
    return tuple(clauses)


def _pair(a: str, b: str) -> str:
    return a + b if _CJK.match(a[-1:]) and _CJK.match(b[:1]) else f"{a} {b}"


@lru_cache(maxsize=200_000)
def phrases(text: str, side: str | None = None) -> frozenset[str]:
    """The candidate phrases of a comment; for a side, only those of clauses that do not contradict it
    ("早餐不错" in a complaint is not a complaint about breakfast)."""
    if side is None:
        return frozenset(key for _, keys in cut(text) for key in keys)
    unwanted = 1 if side == COMPLAINT else -1
    return frozenset(key for tone, keys in cut(text) if tone != unwanted for key in keys)


@lru_cache(maxsize=50_000)
def _surfaces(text: str) -> tuple[tuple[str, str], ...]:
    """(key, as written) of every candidate of a comment, for naming themes in the customers' spelling."""
    out = []
    for clause in _CLAUSE.split(text or ""):
        tokens = _chinese_tokens(clause) if _CJK.search(clause) else _english_tokens(clause)
        out += [(tok.key, tok.text) for tok in tokens if tok is not None]
        for a, b in zip(tokens, tokens[1:], strict=False):
            if a is not None and b is not None and a.key != b.key:
                out.append((_pair(a.key, b.key), _pair(a.text, b.text)))
    return tuple(out)


# --------------------------------------------------------------------------------------------- discovery


@dataclass
class Theme:
    side: str  # complaint | praise
    name: str  # as customers write it
    phrases: list[str]  # the keys it groups, best first
    count: int  # items of its side mentioning it, this period
    previous: int  # the same, previous period
    mentions: int = 0  # items of either side mentioning it
    rated: int = 0
    stars_total: float = 0.0
    quote: str | None = None
    items: list[int] = field(default_factory=list)  # ids of the items of its side, newest first

    @property
    def avg_stars(self) -> float | None:
        return self.stars_total / self.rated if self.rated else None


def side_of(item: store.Comment) -> str | None:
    """complaint | praise | None (a neutral item counts on neither side)."""
    tone = analysis.tone(item.rating, item.scale, item.comment)
    return COMPLAINT if tone == analysis.NEGATIVE else PRAISE if tone == analysis.POSITIVE else None


def _stars(item: store.Comment) -> float | None:
    if item.rating is None:
        return None
    return item.rating / 2 if item.scale == 10 else float(item.rating)


@dataclass
class _Group:
    """Items with the same comment and rating: cut once, counted with their weight."""

    items: list[store.Comment]  # newest first
    keys: frozenset[str]  # phrases of the side it is on (or all, for mentions)

    @property
    def weight(self) -> int:
        return len(self.items)


def _grouped(items: Iterable[store.Comment]) -> tuple[dict[str, list[_Group]], list[tuple[_Group, float | None]]]:
    """Items (newest first) grouped by (comment, rating, scale): per side, and all with their stars."""
    by_text: dict[tuple[str, int | None, int], list[store.Comment]] = {}
    for item in items:
        by_text.setdefault((item.comment, item.rating, item.scale), []).append(item)
    sides: dict[str, list[_Group]] = {COMPLAINT: [], PRAISE: []}
    every: list[tuple[_Group, float | None]] = []
    for (text, _, _), members in by_text.items():
        every.append((_Group(members, phrases(text)), _stars(members[0])))
        side = side_of(members[0])
        if side is not None:
            sides[side].append(_Group(members, phrases(text, side)))
    return sides, every


def complaint_groups(items: Iterable[store.Comment]) -> list[tuple[int, frozenset[str]]]:
    """(how many items, their complaint phrases) per distinct complaint text and rating: what counting a theme's
    complaints in another period needs, each text cut and toned once."""
    sides, _ = _grouped(items)
    return [(group.weight, group.keys) for group in sides[COMPLAINT]]


def discover(
    items: Sequence[store.Comment], previous: Iterable[store.Comment] = (), *, limit: int = MAX_THEMES
) -> dict[str, list[Theme]]:
    """{'complaint': [...], 'praise': [...]}: the themes of `items` (newest first), best first."""
    sides, every = _grouped(items)
    before, _ = _grouped(previous)
    out: dict[str, list[Theme]] = {}
    for side, other in ((COMPLAINT, PRAISE), (PRAISE, COMPLAINT)):
        themes = _themes_of_side(side, sides[side], sides[other], limit)
        index: dict[str, list[Theme]] = defaultdict(list)
        for theme in themes:
            for key in theme.phrases:
                index[key].append(theme)
        for group in before[side]:
            for theme in {id(th): th for key in group.keys & index.keys() for th in index[key]}.values():
                theme.previous += group.weight
        for group, stars in every:
            for theme in {id(th): th for key in group.keys & index.keys() for th in index[key]}.values():
                theme.mentions += group.weight
                if stars is not None:
                    theme.rated += group.weight
                    theme.stars_total += stars * group.weight
        out[side] = themes
    return out


def _themes_of_side(side: str, mine: list[_Group], theirs: list[_Group], limit: int) -> list[Theme]:
    if not mine:
        return []
    df: Counter[str] = Counter()
    for group in mine:
        for key in group.keys:
            df[key] += group.weight
    other: Counter[str] = Counter()
    for group in theirs:
        for key in group.keys:
            other[key] += group.weight
    n, m = sum(g.weight for g in mine), sum(g.weight for g in theirs)
    floor = max(MIN_ITEMS, math.ceil(MIN_SHARE * n))
    scored = []
    for key, k in df.items():
        if k < floor or key in _NEVER_ALONE:
            continue
        lift = (k / n) / ((other[key] + 1) / (m + 1))
        if lift < MIN_LIFT and m >= 10:
            continue  # clearly the other side's word
        scored.append((k * math.sqrt(min(lift, MAX_LIFT)), key))
    scored.sort(reverse=True)
    candidates = [key for _, key in scored[:CANDIDATES]]
    where: dict[str, set[int]] = defaultdict(set)
    wanted = set(candidates)
    for i, group in enumerate(mine):
        for key in wanted.intersection(group.keys):
            where[key].add(i)
    weight = [g.weight for g in mine]

    def size(docs: set[int]) -> int:
        return sum(weight[i] for i in docs)

    taken: list[tuple[list[str], set[int]]] = []
    for key in candidates:
        docs = where[key]
        home = next((t for t in taken if _belongs(key, docs, t, size)), None)
        if home is not None:
            home[0].append(key)
            home[1].update(docs)
        elif len(taken) < limit:
            taken.append(([key], set(docs)))
    themes = []
    for keys, docs in taken:
        newest = sorted(docs, key=lambda i: (mine[i].items[0].received_on, mine[i].items[0].id), reverse=True)
        total = size(docs)
        covering = [k for k in keys if size(where[k]) >= NAME_COVERAGE * total]
        name_key = max(covering or keys[:1], key=lambda k: (_length(k), size(where[k]), len(k)))
        texts = [mine[i].items[0].comment for i in newest[:200] if name_key in mine[i].keys]
        theme = Theme(side, _spelling(name_key, texts), keys, total, 0)
        theme.items = [item.id for i in newest for item in mine[i].items]
        theme.quote = _quote(theme, [mine[i].items[0] for i in newest[:QUOTE_ITEMS]])
        themes.append(theme)
    themes.sort(key=lambda th: (-th.count, th.name))
    return themes


def _length(key: str) -> float:
    """How specific a phrase is: words in English, characters / 2 in Chinese."""
    return len(key) / 2 if _CJK.match(key) else len(key.split())


def _belongs(key: str, docs: set[int], theme: tuple[list[str], set[int]], size: Any) -> bool:
    """A phrase joins a theme when it shares a word with it and most of its items are the theme's, or when
    both name (nearly) the same items."""
    shared = size(docs & theme[1])
    if shared >= MERGE_OVERLAP * size(docs) and any(_related(key, other) for other in theme[0]):
        return True
    return shared >= 0.8 * size(docs) and shared >= 0.8 * size(theme[1])


def _related(a: str, b: str) -> bool:
    if " " in a or " " in b or a.isascii() or b.isascii():
        return not set(a.split()).isdisjoint(b.split())
    return any(a[i : i + 2] in b for i in range(len(a) - 1))


def _spelling(key: str, texts: list[str]) -> str:
    """How customers most often wrote a phrase ("stopped working" for the key "stop work")."""
    seen: Counter[str] = Counter()
    for text in texts:
        seen.update(surface for k, surface in _surfaces(text) if k == key)
    return seen.most_common(1)[0][0] if seen else key


_SENTENCE = re.compile(r"[^.!?。！？\n]+[.!?。！？]*")


def _quote(theme: Theme, items: list[store.Comment]) -> str | None:
    """A sentence that says the theme and does not contradict its side; the newest such."""
    wanted = set(theme.phrases)
    sign = -1 if theme.side == COMPLAINT else 1
    fallback = None
    for item in items:
        for sentence in _SENTENCE.findall(item.comment):
            tones = [tone for tone, keys in cut(sentence) if not wanted.isdisjoint(keys)]
            if not tones or -sign in tones:
                continue  # the theme's words are not there, or said the other way round
            score = analysis.sentiment_score(sentence)
            if score * sign < 0:
                continue
            quote = analysis.shorten(sentence.strip(), QUOTE_CHARS)
            if score * sign > 0 and len(sentence.strip()) <= QUOTE_CHARS:
                return quote  # says it, in the theme's tone, in full
            fallback = fallback or quote
    return fallback


def quote_says(theme: Theme, quote: str) -> bool:
    """True when a quote contains one of the theme's phrases, by the same word cutting."""
    return not set(theme.phrases).isdisjoint(phrases(quote))


# ------------------------------------------------------------------------------------------ per period


@dataclass(frozen=True)
class PeriodThemes:
    complaints: list[Theme]
    praise: list[Theme]
    unrated: int
    unrated_negative: int


_MEMORY: OrderedDict[tuple[object, ...], Any] = OrderedDict()
T = TypeVar("T")
_MEMORY_SIZE = 64
DISCOVERY_VERSION = 2  # part of every stored key: results of an older discovery are never served
STORED_ITEM_IDS = 2000  # a theme's item ids kept in the database (quality signals link the newest few)
_lock = threading.Lock()


def clear_cache() -> None:
    """Forget what this process holds in memory (the database keeps its results while they are current)."""
    with _lock:
        _MEMORY.clear()


def cached(
    session: Any,
    what: str,
    team_id: str,
    member_id: int | None,
    windows: Sequence[tuple[date, date]],
    compute: Callable[[], T],
    *,
    encode: Callable[[T], Any],
    decode: Callable[[Any], T],
    scope: str = "",
) -> T:
    """`compute()` once per workspace, scope (rep, product, account) and set of periods while the feedback of
    those periods is unchanged — shared by every process through the database (`db.feedback_cache`: one small
    indexed read of per-day write counters tells whether a stored result is current), and kept decoded in memory.
    """
    current = result_cache.stamp(session, team_id, windows)
    key = result_cache.key_of(what, DISCOVERY_VERSION, member_id, scope, *windows)
    memory_key = (session.get_bind(), team_id, key, current)  # one engine per database and process
    with _lock:
        if memory_key in _MEMORY:
            _MEMORY.move_to_end(memory_key)
            return _MEMORY[memory_key]  # type: ignore[no-any-return]
    stored = result_cache.read(session, team_id, key, current)
    if stored is not None:
        result = decode(json.loads(stored))
    else:
        result = compute()
        result_cache.write(session, team_id, key, current, json.dumps(encode(result), ensure_ascii=False))
    with _lock:
        _MEMORY[memory_key] = result
        _MEMORY.move_to_end(memory_key)
        while len(_MEMORY) > _MEMORY_SIZE:
            _MEMORY.popitem(last=False)
    return result


def theme_to_json(theme: Theme) -> dict[str, Any]:
    data = asdict(theme)
    data["items"] = theme.items[:STORED_ITEM_IDS]
    return data


def theme_from_json(data: dict[str, Any]) -> Theme:
    return Theme(**data)


def _period_to_json(found: "PeriodThemes") -> dict[str, Any]:
    return {
        "complaints": [theme_to_json(th) for th in found.complaints],
        "praise": [theme_to_json(th) for th in found.praise],
        "unrated": found.unrated,
        "unrated_negative": found.unrated_negative,
    }


def _period_from_json(data: dict[str, Any]) -> "PeriodThemes":
    return PeriodThemes(
        [theme_from_json(th) for th in data["complaints"]],
        [theme_from_json(th) for th in data["praise"]],
        int(data["unrated"]),
        int(data["unrated_negative"]),
    )


def themes_of_period(
    session: Any,
    team_id: str,
    start: date,
    end: date,
    previous_start: date,
    member_id: int | None = None,
    *,
    product: str | None = None,
    account: str | None = None,
) -> PeriodThemes:
    """The themes of [start, end) with the trend against [previous_start, start), for the team or one rep, and
    for one product or account (as stored) when given.

    Cached (`cached`), so asking again, the digest after /feedback, or another process does not read every
    comment again.
    """

    def compute() -> PeriodThemes:
        scoped = {"account": account, "product": product}
        items = list(store.comments(session, team_id, start, end, member_id, **scoped))
        previous = store.comments(session, team_id, previous_start, start, member_id, **scoped)
        found = discover(items, previous)
        unrated = [item for item in items if item.rating is None]
        return PeriodThemes(
            found[COMPLAINT],
            found[PRAISE],
            len(unrated),
            sum(1 for item in unrated if analysis.sentiment(item.comment) == analysis.NEGATIVE),
        )

    windows = [(start, end), (previous_start, start)]
    scope = f"product={product}" if product is not None else f"account={account}" if account is not None else ""
    return cached(
        session,
        "themes",
        team_id,
        member_id,
        windows,
        compute,
        encode=_period_to_json,
        decode=_period_from_json,
        scope=scope,
    )
