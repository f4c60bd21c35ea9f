"""The review as a PDF a manager can forward: the same lines as the Slack message, on A4 pages.

Written with matplotlib's PDF backend (PdfPages, a dependency already) and the chart fonts (reports/chart_fonts.py:
DejaVu Sans, Noto Sans SC for Chinese, per-glyph fallback), so Chinese names, answers and labels render. The text
stays text in the file (searchable, copyable). mrkdwn is turned back into what a person reads: `*bold*` headings
are drawn bold, `_italics_` lose their underscores, escaped data (`&lt;`) is shown as typed (`<`).

Money has `$` in it: text is never read as math (`parse_math=False`). Speed: each text object costs a layout
pass, so a run of body lines is drawn as one multi-line text.
"""

import io
import re
import unicodedata

from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure

from reports.chart_fonts import FONT_FAMILY
from reports.mrkdwn import plain
from reports.review import ReviewDoc

PAGE = (8.27, 11.69)  # A4 in inches
MARGIN_X, TOP, BOTTOM = 0.07, 0.95, 0.05
BODY_PT, HEAD_PT, TITLE_PT = 9.0, 11.5, 14.0
LINE = 1.45  # line height, in font sizes
WIDTH_UNITS = 104  # a line's width in Latin characters at BODY_PT (a CJK character counts two)

_BOLD = re.compile(r"(?<![\w*])\*(?=\S)(.+?)(?<=\S)\*(?![\w*])")
_ITALIC = re.compile(r"(?<![\w_])_(?=\S)(.+?)(?<=\S)_(?![\w_])")
_CODE = re.compile(r"`([^`]*)`")


def readable(line: str) -> str:
    """A mrkdwn line as a person reads it: no emphasis markers, entities and joiners undone."""
    text = _CODE.sub(r"\1", _ITALIC.sub(r"\1", _BOLD.sub(r"\1", line)))
    return plain(text).replace("✅", "✓")  # no emoji font: the plain check mark both fonts have


def _units(ch: str) -> int:
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def wrap(text: str, width: int = WIDTH_UNITS) -> list[str]:
    """Lines of at most `width` units, broken at spaces when there are any (Chinese breaks between characters)."""
    out: list[str] = []
    line, used, last_space = "", 0, -1
    for ch in text:
        line += ch
        used += _units(ch)
        if ch == " ":
            last_space = len(line) - 1
        if used > width:
            cut = last_space if last_space > width // 3 else len(line) - 1
            out.append(line[:cut].rstrip())
            line = line[cut:].lstrip()
            used, last_space = sum(_units(c) for c in line), line.rfind(" ")
    out.append(line)
    return out


def _blocks(doc: ReviewDoc) -> list[tuple[str, list[str]]]:
    """(style, lines) runs: 'title', 'head' or 'body', body lines wrapped to the page."""
    runs: list[tuple[str, list[str]]] = [("title", wrap(readable(doc.title), int(WIDTH_UNITS * BODY_PT / TITLE_PT)))]
    for heading, lines in doc.sections:
        runs.append(("head", [readable(heading)]))
        body = [part for line in lines for part in wrap(readable(line))]
        runs.append(("body", body or [""]))
    return runs


def render_pdf(doc: ReviewDoc) -> bytes:
    """The review as PDF bytes (A4, as many pages as it needs)."""
    sizes = {"title": TITLE_PT, "head": HEAD_PT, "body": BODY_PT}
    page_height_pt = PAGE[1] * 72
    buf = io.BytesIO()
    with PdfPages(buf, metadata={"Title": readable(doc.title), "Creator": "salesbot"}) as pdf:
        fig, y = Figure(figsize=PAGE), TOP

        def new_page() -> None:
            nonlocal fig, y
            pdf.savefig(fig)
            fig, y = Figure(figsize=PAGE), TOP

        for style, lines in _blocks(doc):
            size = sizes[style]
            step = size * LINE / page_height_pt  # one line, in figure fractions
            if style != "body":
                y -= step * 0.5
                if y - step * 2 < BOTTOM:  # a heading never ends a page
                    new_page()
            while lines:
                room = max(1, int((y - BOTTOM) / step))
                chunk, lines = lines[:room], lines[room:]
                fig.text(MARGIN_X, y, "\n".join(chunk), family=FONT_FAMILY, fontsize=size, va="top",
                         linespacing=LINE, weight="normal" if style == "body" else "bold", parse_math=False)
                y -= step * len(chunk)
                if lines:
                    new_page()
        pdf.savefig(fig)
    return buf.getvalue()
