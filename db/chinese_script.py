"""Traditional Chinese read in Simplified script (OpenCC t2s), for the words code matches against its own Simplified
vocabulary: a Taiwanese CRM export's `輸單原因` column is the importer's `输单原因`. Lives in db/ so the importers can
use it; reports.i18n.simplified builds on it for command text."""

import re
import threading
from typing import Any

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_converter: Any = None
_lock = threading.Lock()


def t2s(text: str) -> str:
    """`text` with Traditional characters in Simplified; text without Chinese is returned as it is (no OpenCC)."""
    if not _CJK.search(text or ""):
        return text
    global _converter
    if _converter is None:
        with _lock:
            if _converter is None:
                import opencc

                _converter = opencc.OpenCC("t2s")
    return str(_converter.convert(text))
