"""Which known account a typed name means: "Bluth Co" is "Bluth Co.", "cancity" is "Cancity", and "Cancty"
is probably "Cancity" — asked as "did you mean", never assumed.

Slack-free. `match(name, known)`:

- **Same account** when the names are equal once normalised: case folded (also full-width letters), accents,
  punctuation and spaces dropped, and a legal suffix at the end removed (Co., Inc., Ltd, LLC, Corp.,
  Corporation, Company, GmbH, S.A., 有限公司, 股份有限公司, 有限责任公司, 集团 …). The known spelling is kept.
- **Suggestions** otherwise: known accounts whose normalised name is close (rapidfuzz `ratio` ≥ 80 — one or two
  letters off in a short name, a few in a long one; or one name contained in the other, e.g. "Acme" in
  "Acme Corporation"), best first, at most 3. The caller asks; a new account is created only when the
  person confirms it.
"""

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz import fuzz, process, utils

CLOSE = 80  # rapidfuzz ratio (0-100) from which a known name is suggested
MAX_SUGGESTIONS = 3

_SUFFIXES = (
    "股份有限公司", "有限责任公司", "有限公司", "集团公司", "集团", "公司",
    "corporation", "incorporated", "company", "limited", "corp", "inc", "ltd", "llc", "plc", "gmbh", "co",
    "sa", "ag", "bv", "pty", "srl",
)  # fmt: skip
_SUFFIX = re.compile(r"(?:\s|^|(?<=[\u3400-\u9fff]))(?:" + "|".join(_SUFFIXES) + r")$")
_NOT_WORD = re.compile(r"[^\w\u3400-\u9fff]+")


def normalise(name: str) -> str:
    """The comparable form of an account name: "Bluth Co." -> "bluth", "上海明远科技有限公司" -> "上海明远科技"."""
    text = unicodedata.normalize("NFKD", name or "")
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    text = " ".join(_NOT_WORD.sub(" ", text).split())
    while True:
        shorter = _SUFFIX.sub("", text).strip()
        if shorter == text or not shorter:
            break
        text = shorter
    return text.replace(" ", "")


@dataclass(frozen=True)
class Match:
    """`same`: the known spelling of the same account, or None; `suggestions`: close known names, best first."""

    typed: str
    same: str | None
    suggestions: tuple[str, ...] = ()

    @property
    def is_new(self) -> bool:
        return self.same is None


def match(name: str, known: Iterable[str]) -> Match:
    typed = " ".join((name or "").split())
    key = normalise(typed)
    by_key: dict[str, str] = {}
    for account in known:
        if account:
            by_key.setdefault(normalise(account), account)
    if not key:
        return Match(typed, None)
    if key in by_key:
        return Match(typed, by_key[key])
    found = process.extract(
        key, list(by_key), scorer=_closeness, score_cutoff=CLOSE, limit=MAX_SUGGESTIONS, processor=utils.default_process
    )
    return Match(typed, None, tuple(by_key[k] for k, _, _ in found))


def _closeness(a: str, b: str, **kwargs: object) -> float:
    """ratio, or a containment ("acme" in "acmecorporation") counted as close when the shorter has 4+ chars."""
    score = fuzz.ratio(a, b, **kwargs)  # type: ignore[arg-type]
    short, long_ = sorted((a, b), key=len)
    if len(short) >= 4 and short in long_:
        score = max(score, CLOSE + (len(short) / len(long_)) * (100 - CLOSE) - 1)
    return score


def suggest(query: str, known: Iterable[str], limit: int = 8) -> list[str]:
    """Known accounts for a form's account menu as someone types: the same account first, then close names,
    then names that contain what was typed; alphabetical when nothing was typed."""
    names = sorted({a for a in known if a}, key=str.casefold)
    if not query.strip():
        return names[:limit]
    m = match(query, names)
    out = ([m.same] if m.same else []) + list(m.suggestions)
    key = normalise(query)
    out += [a for a in names if key and key in normalise(a) and a not in out]
    return out[:limit]
