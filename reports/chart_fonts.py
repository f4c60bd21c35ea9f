"""Fonts for charts: Latin text in DejaVu Sans (ships with matplotlib), Chinese in Noto Sans SC.

Noto Sans SC comes from the `pylopdf-fonts-zh-cn` package, a project dependency, so no system font is
assumed: the font file is registered with matplotlib's font manager once, at import, and every chart text
gets the family list `FONT_FAMILY` = ["DejaVu Sans", "Noto Sans SC"]. Matplotlib (>= 3.6) falls back per
glyph along that list, so Latin letters and digits keep DejaVu Sans and Chinese characters use Noto Sans SC.

Nothing here touches `rcParams`: charts pass the family to each text explicitly, so other matplotlib users
in the process are not affected and threads share no mutable chart state.
"""

from __future__ import annotations

import logging
import os
import threading
from functools import lru_cache
from pathlib import Path

from matplotlib import font_manager

log = logging.getLogger(__name__)

LATIN_FAMILY = "DejaVu Sans"
CJK_PACKAGE = "pylopdf-fonts-zh-cn"

_lock = threading.Lock()


class _NoBoldChineseNotice(logging.Filter):
    """Noto Sans SC has one weight: a bold heading's Chinese characters are drawn in it as they should be, and
    matplotlib's WARNING for each such heading ("Failed to find font weight bold for Noto Sans SC") is noise in a
    console or a server log."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "Failed to find font weight" not in record.getMessage()


logging.getLogger("matplotlib.font_manager").addFilter(_NoBoldChineseNotice())
_registered: dict[str, str] = {}  # font path -> family name


def cjk_font_path() -> Path | None:
    """Path of the bundled Simplified Chinese sans-serif font (Noto Sans SC), or None if not installed."""
    try:
        import pylopdf_fonts_zh_cn
    except ImportError:
        return None
    path = Path(pylopdf_fonts_zh_cn.sans_path())
    return path if path.is_file() else None


def register_font(path: str | os.PathLike[str]) -> str:
    """Add a font file to matplotlib's font manager (once per path) and return its family name."""
    key = os.fsdecode(path)
    with _lock:
        if key not in _registered:
            font_manager.fontManager.addfont(key)
            _registered[key] = font_manager.FontProperties(fname=key).get_name()
        return _registered[key]


@lru_cache(maxsize=1)
def cjk_family() -> str | None:
    """Family name of the registered CJK font ("Noto Sans SC"), or None when it is missing."""
    path = cjk_font_path()
    if path is None:
        log.error(
            "No CJK font: the %s package is not installed; Chinese text in charts will show as boxes", CJK_PACKAGE
        )
        return None
    return register_font(path)


def font_family() -> list[str]:
    """The family fallback list every chart text uses."""
    cjk = cjk_family()
    return [LATIN_FAMILY, cjk] if cjk else [LATIN_FAMILY]


FONT_FAMILY: list[str] = font_family()
