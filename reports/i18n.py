"""Which language to answer in, and the translated strings, in one place.

A user gets Chinese when their Slack locale is Chinese or when the command's own words are Chinese, so
`/kpi 上个月 销售额` answers in Chinese even for an English-locale user, while `/kpi win rate @张三 last
quarter` or `/kpi revenue account "腾讯" last month` stays English: mentions, quoted text and names (of
people, products, accounts) are not the command's words (`command_words`). Strings are a plain catalog
(key -> {en, zh}); features add their own catalogs with `add_catalog`; Chinese terms come from the one
glossary (reports/glossary.py).
"""

import re
from collections.abc import Iterable

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")

_CATALOG: dict[str, dict[str, str]] = {}


def has_cjk(text: str) -> bool:
    return bool(_CJK.search(text or ""))


_MENTION = re.compile(r"<[@#!][^>]*>|@\S+")
_QUOTED = re.compile(r"\"[^\"]*\"|“[^”]*”|「[^」]*」|『[^』]*』|‘[^’]*’|'[^']*'")


def command_words(text: str, names: Iterable[str] = ()) -> str:
    """The command without mentions, quoted text and the given names (people, products, accounts): what is
    left says which language the user is writing in."""
    rest = _MENTION.sub(" ", _QUOTED.sub(" ", text or ""))
    for name in sorted((n for n in names if n and has_cjk(n)), key=len, reverse=True):
        rest = rest.replace(name, " ")
    return rest


def language_for(*, text: str = "", locale: str | None = None, default: str = "en") -> str:
    """'zh' or 'en': Chinese text wins, then the Slack locale (e.g. 'zh-CN'), then the default."""
    if has_cjk(text):
        return "zh"
    if locale:
        return "zh" if locale.lower().startswith("zh") else "en"
    return default if default in ("en", "zh") else "en"


def catalog_entries() -> dict[str, dict[str, str]]:
    """Every registered string (a copy), for checks such as the glossary test."""
    return {key: dict(value) for key, value in _CATALOG.items()}


def add_catalog(entries: dict[str, dict[str, str]]) -> None:
    """Register strings: {'key': {'en': '...', 'zh': '...'}}. Keys must be unique across features."""
    for key, value in entries.items():
        if key in _CATALOG and _CATALOG[key] != value:
            raise ValueError(f"i18n key {key!r} registered twice with different text")
        if "en" not in value:
            raise ValueError(f"i18n key {key!r} has no English text")
        _CATALOG[key] = value


def t(key: str, language: str, /, **params: object) -> str:
    """The text for `key` in `language` (falling back to English), formatted with `params`."""
    entry = _CATALOG.get(key)
    if entry is None:
        raise KeyError(f"missing i18n key {key!r}")
    text = entry.get(language) or entry["en"]
    return text.format(**params) if params else text
