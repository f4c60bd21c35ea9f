"""Which language to answer in, and the translated strings, in one place.

A user gets Chinese when their Slack locale is Chinese or when the command's own words are Chinese, so
`/kpi 上个月 销售额` answers in Chinese even for an English-locale user, while `/kpi win rate @张三 last
quarter` or `/kpi revenue account "腾讯" last month` stays English: mentions, quoted text and names (of
people, products, accounts) are not the command's words (`command_words`). Chinese terms come from the one
glossary (reports/glossary.py).

Every string shown to users is in gettext catalogs (one `.po` per language under reports/locale/, handled with
Babel, compiled to `.mo` by `make install`): a module registers its keys with their English text only —
`add_messages(msg("home.title", "Your numbers"), …)` — and the translations live in
`reports/locale/zh_Hans/LC_MESSAGES/salesbot.po` (Simplified, the `zh` of `language_for`) and
`reports/locale/zh_Hant/LC_MESSAGES/salesbot.po` (Traditional, for Slack locales zh-TW, zh-HK, zh-MO). Each
entry's msgctxt is the key and its msgid the English text, so an English text that changes makes its
translation stale until a translator updates it (`make translations` extracts and merges;
tests/reports/test_translations.py fails on a missing or stale entry, and on a module that keeps Chinese in a
`{"en": …, "zh": …}` dict). A `# i18n:` comment above a msg() is a note to translators, extracted into the
catalogs; the {placeholders} it names may differ between the English and a translation.

Traditional Chinese is the language `"zh"` with a script: `language_for(locale="zh-TW")` returns `TRADITIONAL`,
a `str` equal to `"zh"` (so every rule for Chinese — numbers, periods, parsing — applies) whose `script` is
"Hant", which `t()` uses to pick the catalog. Commands typed in Traditional characters are read through
`simplified()` (OpenCC t2s) where command words are parsed: the parsers' vocabulary is Simplified only.
"""

import re
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from db.chinese_script import t2s

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")

_CATALOG: dict[str, str] = {}  # key -> English (add_messages); translations in the catalogs
_PLURALS: dict[str, tuple[str, str]] = {}  # key -> English (singular, plural) (nmsg); translations in the catalogs


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


def simplified(text: str, keep: Iterable[str] = ()) -> str:
    """Command words as the parsers know them: Traditional characters in Simplified (OpenCC t2s), so
    `/kpi 上個月 銷售額` reads as `上个月 销售额` and `/checkin 設定` as `设定`. Mentions, quoted text and the `keep`
    names (people, products, accounts, as the workspace spells them) are left as typed: they are looked up or
    echoed back, never parsed. Only for command text being parsed, never for what is stored or shown."""
    if not has_cjk(text):
        return text
    names = sorted({n for n in keep if n and has_cjk(n) and n in text}, key=len, reverse=True)
    protected = [_MENTION.pattern, r"#\S+", _QUOTED.pattern, *map(re.escape, names)]  # #channel names too
    out, last = [], 0
    for match in re.finditer("|".join(protected), text):
        out += [t2s(text[last:match.start()]), match.group(0)]
        last = match.end()
    out.append(t2s(text[last:]))
    return "".join(out)


def as_typed(words: str, typed: str) -> str:
    """`words` cut from `simplified(typed)` (what a parser saw) in the script the user typed them: a command echoes
    back 上個月, not 上个月. Each space-separated word found in the simplified text is replaced by the same stretch of
    `typed`; anything else (a canonical name, a word the parser rewrote) is left as it is."""
    if not has_cjk(words) or not has_cjk(typed):
        return words
    seen = simplified(typed)
    if len(seen) != len(typed):  # t2s changed a phrase's length: positions do not line up
        return words
    out = []
    for piece in re.split(r"(\s+)", words):
        at = seen.find(piece) if piece.strip() else -1
        out.append(typed[at:at + len(piece)] if at >= 0 else piece)
    return "".join(out)


class Chinese(str):
    """The language "zh" written in a given script: equal to "zh" everywhere, `script` picks the catalog."""

    script = "Hans"


class _Traditional(Chinese):
    script = "Hant"


TRADITIONAL: str = _Traditional("zh")
_TRADITIONAL_LOCALES = ("zh-tw", "zh-hk", "zh-mo", "zh-hant", "zh_tw", "zh_hk", "zh_mo", "zh_hant")


def language_for(*, text: str = "", locale: str | None = None, default: str = "en") -> str:
    """'zh' or 'en': Chinese text wins, then the Slack locale (e.g. 'zh-CN'), then the default. A Slack locale of
    Taiwan, Hong Kong or Macau (zh-TW, zh-HK, zh-MO) gives `TRADITIONAL` ("zh" written in Traditional script)."""
    traditional = bool(locale) and str(locale).lower().startswith(_TRADITIONAL_LOCALES)
    if has_cjk(text):
        return TRADITIONAL if traditional else "zh"
    if locale:
        return (TRADITIONAL if traditional else "zh") if locale.lower().startswith("zh") else "en"
    return default if default in ("en", "zh") else "en"


# -- gettext catalogs -------------------------------------------------------------------------------
LOCALE_DIR = Path(__file__).with_name("locale")
DOMAIN = "salesbot"
SCRIPTS = ("zh_Hans", "zh_Hant")  # the catalogs, by the locale directory's name
_loaded: dict[str, dict[tuple[str, str], str]] = {}
_load_lock = threading.Lock()


def msg(key: str, english: str) -> tuple[str, str]:
    """One string of a module's catalog: its key (the gettext context) and its English text (the msgid).
    `pybabel extract -k msg:1c,2` finds them (see `make translations`)."""
    return key, english


def nmsg(key: str, singular: str, plural: str) -> tuple[str, str, str]:
    """A string that depends on a count, ngettext-style: its key (the gettext context), the English for one ("{n}
    rep") and for any other count ("{n} reps"). Read with `tn(key, count, language, …)`. In the catalogs it is one
    entry with msgid and msgid_plural; a language with one form (Chinese: `nplurals=1`) has only msgstr[0], which
    every count reads. `pybabel extract -k nmsg:1c,2,3` finds them (see `make translations`)."""
    return key, singular, plural


def add_messages(*entries: tuple[str, str] | tuple[str, str, str]) -> None:
    """Register strings whose translations live in the gettext catalogs (reports/locale/*/salesbot.po): msg(…) and
    nmsg(…) alike. Keys are unique across features."""
    for entry in entries:
        if len(entry) == 3:
            key, singular, plural = entry  # type: ignore[misc]
            if _PLURALS.get(key, (singular, plural)) != (singular, plural) or key in _CATALOG:
                raise ValueError(f"i18n key {key!r} registered twice with different text")
            _PLURALS[key] = (singular, plural)
            continue
        key, english = entry  # type: ignore[misc]
        if _CATALOG.get(key, english) != english or key in _PLURALS:
            raise ValueError(f"i18n key {key!r} registered twice with different text")
        _CATALOG[key] = english


def gettext_keys() -> set[str]:
    """The keys registered with add_messages (their translations must be in every catalog)."""
    return set(_CATALOG) | set(_PLURALS)


def registered() -> set[tuple[str, str | tuple[str, str]]]:
    """Every registered (key, English), a plural's English being (singular, plural): what the catalogs must hold."""
    return {*_CATALOG.items(), *_PLURALS.items()}


def po_path(locale_name: str) -> Path:
    return LOCALE_DIR / locale_name / "LC_MESSAGES" / f"{DOMAIN}.po"


def _catalog(locale_name: str) -> dict[tuple[str, str], str]:
    """(key, English) -> translation, from the compiled .mo (make install), or from the .po when the .mo is missing
    or older (a source checkout, a translator's edit): both say the same."""
    found = _loaded.get(locale_name)
    if found is not None:
        return found
    with _load_lock:
        po = po_path(locale_name)
        mo = po.with_suffix(".mo")
        table: dict[tuple[str, Any], Any] = {}
        if mo.is_file() and (not po.is_file() or mo.stat().st_mtime >= po.stat().st_mtime):
            from babel.messages.mofile import read_mo as read
            path = mo
        elif po.is_file():
            from babel.messages.pofile import read_po as read  # type: ignore[assignment]
            path = po
        else:
            path = None
        if path is not None:
            with open(path, "rb") as handle:
                for message in read(handle):
                    if not (message.id and message.context and message.string and not message.fuzzy):
                        continue
                    if isinstance(message.id, list | tuple):  # a plural: (singular, plural) -> its forms
                        forms = tuple(str(form) for form in message.string)
                        if any(forms):
                            table[(message.context, tuple(str(i) for i in message.id))] = forms
                    else:
                        table[(message.context, str(message.id))] = str(message.string)
        _loaded[locale_name] = table
        return table


def translated(key: str, english: str, locale_name: str) -> str | None:
    return _catalog(locale_name).get((key, english))


def translated_forms(key: str, english: tuple[str, str], locale_name: str) -> tuple[str, ...] | None:
    """A plural's translated forms (msgstr[0], msgstr[1], …), or None."""
    forms = _catalog(locale_name).get((key, english))
    return forms if forms and forms[0] else None


def _chinese(key: str, english: str, language: str) -> str | None:
    """The Chinese text of `key` in the language's script (Traditional falls back to Simplified)."""
    scripts = ("zh_Hant", "zh_Hans") if getattr(language, "script", "Hans") == "Hant" else ("zh_Hans",)
    for locale_name in scripts:
        text = translated(key, english, locale_name)
        if text:
            return text
    return None


def catalog_entries() -> dict[str, dict[str, str]]:
    """Every registered string as {"en": …, "zh": …} (Simplified from the catalog), for checks such as the glossary
    test."""
    entries = {}
    for key, english in _CATALOG.items():
        entry = {"en": english}
        zh = _chinese(key, english, "zh")
        if zh:
            entry["zh"] = zh
        entries[key] = entry
    for key, (singular, plural) in _PLURALS.items():  # a plural: its "other" English and every Chinese form
        entry = {"en": plural}
        forms = translated_forms(key, (singular, plural), "zh_Hans")
        if forms:
            entry["zh"] = " / ".join(dict.fromkeys(forms))
        entries[key] = entry
    return entries


def t(key: str, language: str, /, **params: object) -> str:
    """The text for `key` in `language` (falling back to English), formatted with `params`."""
    english = _CATALOG.get(key)
    if english is None:
        raise KeyError(f"missing i18n key {key!r}")
    text = (_chinese(key, english, language) if language == "zh" else None) or english
    return text.format(**params) if params else text


def _plural_index(n: float, language: str) -> int:
    """Which form a count takes: English has two ("1 rep", "2 reps", "0 reps"); Chinese one (nplurals=1)."""
    return 0 if language == "zh" or n == 1 else 1


def tn(key: str, n: float, language: str, /, **params: object) -> str:
    """The text of the plural string `key` (nmsg) for the count `n` in `language`, formatted with `params`; `{n}`
    is the count as given unless `params` has an `n` (a number formatted for the locale, say)."""
    english = _PLURALS.get(key)
    if english is None:
        raise KeyError(f"missing plural i18n key {key!r}")
    index = _plural_index(n, language)
    text = None
    if language == "zh":
        scripts = ("zh_Hant", "zh_Hans") if getattr(language, "script", "Hans") == "Hant" else ("zh_Hans",)
        for locale_name in scripts:
            forms = translated_forms(key, english, locale_name)
            if forms:
                text = forms[min(index, len(forms) - 1)]
                break
    if text is None:
        text = english[0] if n == 1 else english[1]
    params.setdefault("n", n)
    return text.format(**params)


class Texts:
    """Strings of one kind registered together, read by language: `EXAMPLES = Texts(msg("kpi.example.1", …), …)`,
    then `EXAMPLES[language]` is their texts in the reader's language and script (a command's examples)."""

    def __init__(self, *entries: tuple[str, str]) -> None:
        add_messages(*entries)
        self.keys = [key for key, _ in entries]

    def __getitem__(self, language: str) -> list[str]:
        return [t(key, language) for key in self.keys]


_PLACEHOLDER = re.compile(r"\{(\w*)[^{}]*\}")


def _differ(english: str, translation: str, notes: Iterable[str]) -> bool:
    """Whether the translation's {placeholders} differ from the English's, beyond those a developer's note to
    translators (a `# i18n:` comment above the msg(), extracted into the catalogs) names, e.g. `# i18n: Chinese
    leaves out {sep}` or `# i18n: {name} (the currency's name) may be used`."""
    declared = {name for note in notes for name in _PLACEHOLDER.findall(note)}
    return bool((set(_PLACEHOLDER.findall(english)) ^ set(_PLACEHOLDER.findall(translation))) - declared)


def catalog_problems(expected: Iterable[tuple[str, Any]]) -> list[str]:
    """What a translator still has to do: for every (key, English) the code has, each catalog must hold a
    translation of that very English (not fuzzy, as `pybabel update` marks one whose English changed) with the
    same {placeholders}. A plural's English is (singular, plural): its entry must have that msgid and msgid_plural,
    and every form (msgstr[i]) its placeholders. One line per problem, empty when every catalog is complete."""
    from babel.messages.pofile import read_po

    problems = []
    wanted = sorted(set(expected))
    for locale_name in SCRIPTS:
        path = po_path(locale_name)
        if not path.is_file():
            problems.append(f"{locale_name}: no catalog at {path}")
            continue
        with open(path, "rb") as handle:
            catalog = read_po(handle)
        for key, english in wanted:
            plural = isinstance(english, tuple)
            found = catalog.get(english[0] if plural else english, context=key)
            if found is not None and plural != isinstance(found.id, list | tuple):
                found = None  # a plural where a single string was, or the other way round: the English changed
            if found is not None and plural and tuple(found.id) != english:
                found = None  # the same singular, another plural
            forms: list[str] = []
            if found is not None:
                forms = [str(f) for f in found.string] if plural else [str(found.string or "")]
            if found is None:
                stale = any(m.context == key for m in catalog if m.id)
                problems.append(f"{locale_name}: {key}: " + ("stale (the English changed)" if stale else "missing"))
            elif not all(forms):
                problems.append(f"{locale_name}: {key}: missing")
            elif found.fuzzy:
                problems.append(f"{locale_name}: {key}: stale (marked fuzzy: the English changed)")
            elif any(_differ(english[-1] if plural else english, form, found.auto_comments) for form in forms):
                problems.append(f"{locale_name}: {key}: placeholders differ from the English")
    return problems


if __name__ == "__main__":  # `make translations`: what is left to translate after extract + update
    import sys

    from babel.messages.pofile import read_po

    with open(sys.argv[1] if len(sys.argv) > 1 else LOCALE_DIR / f"{DOMAIN}.pot", "rb") as template:
        todo = catalog_problems((m.context, tuple(m.id) if isinstance(m.id, list | tuple) else str(m.id))
                                for m in read_po(template) if m.id and m.context)
    print("\n".join(todo) if todo else "every catalog is complete")
    sys.exit(1 if todo else 0)
