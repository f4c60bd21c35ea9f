"""How two written names are compared: the one rule the directory, the name resolver and owner linking share.

`name_key` ignores case, spacing, full-width forms (ＤＡＲＣＥＬ, full-width spaces) and "Last, First" order;
a name with Chinese (CJK) characters is kept exactly (after full-width folding and trimming), because
reordering or case means nothing there and near-matches would be guesses.
"""

import re
import unicodedata

_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")
_SPACES = re.compile(r"\s+")


def has_cjk(text: str) -> bool:
    return bool(_CJK.search(text or ""))


def name_key(name: str | None) -> str:
    """A comparison key: equal keys are the same written name. '' for an empty name."""
    text = unicodedata.normalize("NFKC", name or "").strip()
    if not text:
        return ""
    if has_cjk(text):
        return _SPACES.sub("", text)
    text = text.casefold()
    if text.count(",") == 1:
        last, first = (part.strip() for part in text.split(","))
        if last and first:
            text = f"{first} {last}"
    return _SPACES.sub("", text)


def handle_key(text: str | None) -> str:
    """A looser key for what people type after @: 'zhang.san', 'zhang_san' and 'Zhang San' are equal."""
    return re.sub(r"[\s._\-]+", "", name_key(text))
