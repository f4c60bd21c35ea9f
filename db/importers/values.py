"""Cell values as CRMs write them: amounts with symbols and 万, dates in four orders, stage words.

Parsing works on the *distinct* values of a column and maps the answers back, so a million rows with a
few thousand distinct dates cost a few thousand parses, not a million.
"""

import re
from collections.abc import Iterable
from datetime import date
from decimal import Decimal, InvalidOperation

import numpy as np
import pandas as pd

DATE_ORDERS = ("DMY", "MDY", "YMD")


class BadValue(ValueError):
    """A cell that cannot be read; the message is the reason code (see report.REASONS)."""


# -- amounts -------------------------------------------------------------------------------------
_SYMBOLS = {
    "$": "USD",
    "US$": "USD",
    "¥": "CNY",
    "￥": "CNY",
    "RMB": "CNY",
    "元": "CNY",
    "€": "EUR",
    "£": "GBP",
    "₹": "INR",
    "₩": "KRW",
    "HK$": "HKD",
    "A$": "AUD",
    "C$": "CAD",
    "S$": "SGD",
}
_SCALES = {"万": Decimal(10_000), "亿": Decimal(100_000_000), "k": Decimal(1000), "m": Decimal(1_000_000)}
_CODE = re.compile(r"\b([A-Z]{3})\b")
_EUROPEAN = re.compile(r"^\d{1,3}(\.\d{3})+(,\d{1,2})?$|^\d+,\d{1,2}$")


def parse_amount_text(text: str) -> tuple[int, str | None]:
    """(cents, currency or None) of one amount cell such as `$12,000.00`, `¥1,200`, `1.2万`, `(500)`."""
    s = text.strip().replace("\u00a0", " ").replace("\u202f", " ")
    currency = None
    negative = False
    if s.startswith("(") and s.endswith(")"):
        negative, s = True, s[1:-1].strip()
    if s.startswith("-"):
        negative, s = not negative, s[1:].strip()
    for symbol in sorted(_SYMBOLS, key=len, reverse=True):
        if s.startswith(symbol) or s.endswith(symbol):
            currency = _SYMBOLS[symbol]
            s = (s[len(symbol) :] if s.startswith(symbol) else s[: -len(symbol)]).strip()
            break
    code = _CODE.search(s)
    if code:
        currency = code.group(1)
        s = (s[: code.start()] + s[code.end() :]).strip()
    if s.startswith("-"):
        negative, s = not negative, s[1:].strip()
    scale = Decimal(1)
    if s and s[-1].lower() in _SCALES:
        scale, s = _SCALES[s[-1].lower()], s[:-1].strip()
    s = s.replace(" ", "").replace("'", "")
    if _EUROPEAN.match(s) and not re.match(r"^\d{1,3}(,\d{3})+$", s):
        s = s.replace(".", "").replace(",", ".")
    else:
        s = s.replace(",", "")
    try:
        value = Decimal(s) * scale
    except InvalidOperation:
        raise BadValue("bad_amount") from None
    if not value.is_finite():
        raise BadValue("bad_amount")
    cents = int((value * 100).to_integral_value())
    return (-cents if negative else cents), currency


def parse_amounts(column: pd.Series) -> tuple[np.ndarray, np.ndarray, pd.Series, pd.Series]:
    """(cents int64, present bool, bad bool as Series, currency-from-symbol Series or None values)."""
    empty = column.eq("").to_numpy()
    numeric = pd.to_numeric(column, errors="coerce")
    plain = numeric.notna().to_numpy()
    cents = np.zeros(len(column), dtype=np.int64)
    cents[plain] = np.rint(numeric.to_numpy()[plain] * 100).astype(np.int64)
    bad = np.zeros(len(column), dtype=bool)
    currency = pd.Series([None] * len(column), index=column.index, dtype=object)
    rest = ~plain & ~empty
    if rest.any():
        parsed: dict[str, tuple[int, str | None] | None] = {}
        for text in pd.unique(column[rest]):
            try:
                parsed[text] = parse_amount_text(text)
            except BadValue:
                parsed[text] = None
        for i in np.flatnonzero(rest):
            hit = parsed[column.iat[i]]
            if hit is None:
                bad[i] = True
            else:
                cents[i], currency.iat[i] = hit
    return cents, ~empty & ~bad, pd.Series(bad, index=column.index), currency


# -- dates ---------------------------------------------------------------------------------------
_MONTHS = {
    m: i
    for i, m in enumerate(["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], start=1)
}
_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})")
_CN = re.compile(r"^(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]?")
_NUMERIC = re.compile(r"^(\d{1,4})[-/.](\d{1,2})[-/.](\d{1,4})(?:$|[ T])")
_NAMED = re.compile(
    r"^(?:(\d{1,2})[-\s]+([A-Za-z]{3,9})\.?[-\s,]+(\d{2,4})"
    r"|([A-Za-z]{3,9})\.?\s+(\d{1,2}),?\s+(\d{4}))"
)


def _year(text: str) -> int:
    y = int(text)
    if len(text) <= 2:
        y += 2000 if y < 70 else 1900
    return y


def _month(name: str) -> int:
    month = _MONTHS.get(name[:3].lower())
    if month is None:
        raise BadValue("bad_date")
    return month


def parse_date_text(text: str, order: str | None) -> date:
    """One date cell: ISO, Chinese (2026年3月1日), US/European numeric with `order`, or with a month name."""
    s = text.strip()
    try:
        if m := _ISO.match(s):
            return date(int(m[1]), int(m[2]), int(m[3]))
        if m := _CN.match(s):
            return date(int(m[1]), int(m[2]), int(m[3]))
        if m := _NUMERIC.match(s):
            a, b, c = m[1], m[2], m[3]
            if len(a) == 4:
                return date(int(a), int(b), int(c))
            if order is None:
                order = "DMY" if int(a) > 12 else "MDY" if int(b) > 12 or a == b else None
            if order == "DMY":
                return date(_year(c), int(b), int(a))
            if order == "MDY":
                return date(_year(c), int(a), int(b))
            raise BadValue("ambiguous_date")
        if m := _NAMED.match(s):
            if m[1]:
                return date(_year(m[3]), _month(m[2]), int(m[1]))
            return date(int(m[6]), _month(m[4]), int(m[5]))
    except ValueError as exc:  # date() out of range, or a BadValue from inside
        if isinstance(exc, BadValue):
            raise
        raise BadValue("bad_date") from None
    raise BadValue("bad_date")


def infer_date_order(values: Iterable[str]) -> str | None:
    """'DMY' or 'MDY' when the file's numeric dates tell (a day above 12 somewhere), else None.

    Raises BadValue('ambiguous_dates') when some dates could be either and nothing in the file decides."""
    dmy = mdy = ambiguous = 0
    for v in values:
        m = _NUMERIC.match(v.strip())
        if not m or len(m[1]) == 4:
            continue
        a, b = int(m[1]), int(m[2])
        if a > 12 >= b:
            dmy += 1
        elif b > 12 >= a:
            mdy += 1
        elif a != b:
            ambiguous += 1
    if dmy or mdy:
        return "DMY" if dmy >= mdy else "MDY"
    if ambiguous:
        raise BadValue("ambiguous_dates")
    return None


def parse_dates(column: pd.Series, order: str | None) -> tuple[pd.Series, pd.Series]:
    """(ISO 'YYYY-MM-DD' strings or None, bad bool Series) of a date column; empty cells are None, not bad."""
    parsed: dict[str, str | None] = {"": None}
    bad_values: set[str] = set()
    for text in pd.unique(column):
        if text in parsed:
            continue
        try:
            parsed[text] = parse_date_text(text, order).isoformat()
        except BadValue:
            parsed[text] = None
            bad_values.add(text)
    iso = column.map(parsed)
    bad = column.isin(bad_values) if bad_values else pd.Series(False, index=column.index)
    return iso, bad


# -- stages --------------------------------------------------------------------------------------
_WON = {
    "won",
    "closed won",
    "closedwon",
    "win",
    "closed/won",
    "赢单",
    "成交",
    "已成交",
    "赢得",
    "签约",
    "已签约",
    "closed-won",
    "已赢单",
    "deal won",
}
_LOST = {
    "lost",
    "closed lost",
    "closedlost",
    "closed-lost",
    "closed lost to competition",
    "closed-lost to competition",
    "lose",
    "输单",
    "丢单",
    "失败",
    "已输单",
    "无效",
    "关闭",
    "deal lost",
    "dead",
    "disqualified",
}
_OPEN = {
    "prospecting",
    "engaging",
    "qualification",
    "qualified",
    "needs analysis",
    "value proposition",
    "id. decision makers",
    "identify decision makers",
    "perception analysis",
    "proposal/price quote",
    "proposal",
    "negotiation/review",
    "negotiation",
    "appointmentscheduled",
    "appointment scheduled",
    "qualifiedtobuy",
    "qualified to buy",
    "presentationscheduled",
    "presentation scheduled",
    "decisionmakerboughtin",
    "decision maker bought-in",
    "decision maker bought in",
    "contractsent",
    "contract sent",
    "open",
    "new",
    "discovery",
    "demo",
    "验证客户",
    "需求确定",
    "方案/报价",
    "谈判审核",
    "初步接洽",
    "需求分析",
    "方案报价",
    "商务谈判",
    "进行中",
    "跟进中",
    "意向客户",
    "open pipeline",
    "commit",
    "best case",
    "pipeline",
}


def normalise_stage(text: str) -> str:
    return re.sub(r"\s+", " ", text.strip().lower().replace("_", " "))


def stage_status(text: str, overrides: dict[str, str] | None = None) -> str | None:
    """open | won | lost for a CRM stage word, or None when unknown (overrides win, by normalised stage)."""
    key = normalise_stage(text)
    if overrides and key in overrides:
        return overrides[key]
    if key in _WON:
        return "won"
    if key in _LOST:
        return "lost"
    if key in _OPEN:
        return "open"
    if key.startswith("closed won") or key.endswith(" won"):
        return "won"
    if key.startswith("closed lost") or key.endswith(" lost"):
        return "lost"
    return None


# -- currencies ----------------------------------------------------------------------------------
def currency_code(text: str, default: str) -> str | None:
    """An ISO 4217 code from a currency cell ('USD', 'usd', '$', '人民币'), None when unreadable."""
    s = text.strip()
    if not s:
        return default
    if s in _SYMBOLS:
        return _SYMBOLS[s]
    if s in ("人民币", "CNY", "rmb"):
        return "CNY"
    if re.fullmatch(r"[A-Za-z]{3}", s):
        return s.upper()
    m = _CODE.search(s.upper())  # "USD - U.S. Dollar"
    return m.group(1) if m else None
