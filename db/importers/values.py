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

from db.chinese_script import t2s

DATE_ORDERS = ("DMY", "MDY", "YMD")

# -- the ranges a cell must be in (README "Importing data" states them) ----------------------------
MAX_AMOUNT = 10**12  # in the currency's major unit, either sign: far above any deal, far below BIGINT cents
MAX_AMOUNT_CENTS = MAX_AMOUNT * 100
MIN_DATE, MAX_DATE = date(1990, 1, 1), date(2100, 12, 31)  # CRMs postdate 1990; periods stay in range
# characters per field: the database columns' sizes; a feedback comment up to 10,000
TEXT_LIMITS = {
    "name": 300,
    "account": 300,
    "product": 200,
    "stage": 100,
    "loss_reason": 200,
    "competitor": 200,
    "segment": 200,
    "next_step": 300,
    "owner": 200,
    "owner_email": 320,
    "comment": 10_000,
}
# C0 and C1 control characters and DEL; tab and line breaks are ordinary in a comment. NUL is one of them.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


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
    # the signs salesbot itself writes (reports/formatting.py:currency_sign)
    "CN¥": "CNY",
    "JP¥": "JPY",
    "CA$": "CAD",
    "NT$": "TWD",
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
    if abs(value) > MAX_AMOUNT:
        raise BadValue("amount_out_of_range")
    cents = int((value * 100).to_integral_value())
    return (-cents if negative else cents), currency


def parse_amounts(column: pd.Series) -> tuple[np.ndarray, np.ndarray, pd.Series, pd.Series, pd.Series]:
    """(cents int64, present bool, bad bool Series, out-of-range bool Series, currency-from-symbol Series).

    An amount beyond ±MAX_AMOUNT (or not finite) is out of range, never cast: int64 would wrap."""
    empty = column.eq("").to_numpy()
    numeric = pd.to_numeric(column, errors="coerce").to_numpy(dtype=float)
    plain = ~np.isnan(numeric)
    with np.errstate(invalid="ignore"):
        huge = plain & ~(np.abs(numeric) <= MAX_AMOUNT)  # inf too
    ok = plain & ~huge
    cents = np.zeros(len(column), dtype=np.int64)
    cents[ok] = np.rint(numeric[ok] * 100).astype(np.int64)
    bad = np.zeros(len(column), dtype=bool)
    currency = pd.Series([None] * len(column), index=column.index, dtype=object)
    rest = ~plain & ~empty
    if rest.any():
        parsed: dict[str, tuple[int, str | None] | str] = {}
        for text in pd.unique(column[rest]):
            try:
                parsed[text] = parse_amount_text(text)
            except BadValue as exc:
                parsed[text] = str(exc)
        for i in np.flatnonzero(rest):
            hit = parsed[column.iat[i]]
            if hit == "amount_out_of_range":
                huge[i] = True
            elif isinstance(hit, str):
                bad[i] = True
            else:
                cents[i], currency.iat[i] = hit
    return (
        cents,
        ~empty & ~bad & ~huge,
        pd.Series(bad, index=column.index),
        pd.Series(huge, index=column.index),
        currency,
    )


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


def in_date_range(day: date) -> bool:
    return MIN_DATE <= day <= MAX_DATE


def parse_dates(column: pd.Series, order: str | None) -> tuple[pd.Series, pd.Series, pd.Series]:
    """(ISO 'YYYY-MM-DD' strings or None, bad bool Series, out-of-range bool Series) of a date column.

    Empty cells are None, neither bad nor out of range; a date outside MIN_DATE..MAX_DATE is out of range."""
    parsed: dict[str, str | None] = {"": None}
    bad_values: set[str] = set()
    far_values: set[str] = set()
    for text in pd.unique(column):
        if text in parsed:
            continue
        parsed[text] = None
        try:
            day = parse_date_text(text, order)
        except BadValue:
            bad_values.add(text)
            continue
        if in_date_range(day):
            parsed[text] = day.isoformat()
        else:
            far_values.add(text)
    iso = column.map(parsed)
    none = pd.Series(False, index=column.index)
    bad = column.isin(bad_values) if bad_values else none
    far = column.isin(far_values) if far_values else none
    return iso, bad, far


# -- text ----------------------------------------------------------------------------------------
def text_problems(column: pd.Series, limit: int) -> tuple[pd.Series, pd.Series]:
    """(has a control character, longer than `limit`) per cell. A clean column, the usual case, costs one
    regex scan and one length pass in C; only a column with a problem is looked at value by value."""
    none = pd.Series(False, index=column.index)
    values = column.to_numpy()
    has_control = _CONTROL.search("\n".join(values)) is not None
    too_long = max(map(len, values), default=0) > limit
    if not (has_control or too_long):
        return none, none
    uniques = pd.unique(column)
    control = {u for u in uniques if _CONTROL.search(u)} if has_control else set()
    long = {u for u in uniques if len(u) > limit} if too_long else set()
    return (column.isin(control) if control else none), (column.isin(long) if long else none)


def control_free(text: str) -> bool:
    return _CONTROL.search(text) is None


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
    "谈判",  # Fxiaoke (纷享销客) standard 商机 stages: 验证客户, 需求确定, 方案/报价, 谈判, 赢单, 输单, 无效
    "方案报价中",
    "需求确认",
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


# Fxiaoke writes a stage with its win probability or its place in the process: "谈判(80%)", "阶段4：谈判".
_STAGE_DECORATION = re.compile(
    r"^(?:阶段\s*[0-9一二三四五六七八九十]+\s*[:：、.\-]?\s*)"  # "阶段4：" before the stage
    r"|\s*[(（]?\s*\d{1,3}\s*%\s*[)）]?$"  # "(80%)" after it
)


def stage_status(text: str, overrides: dict[str, str] | None = None) -> str | None:
    """open | won | lost for a CRM stage word, or None when unknown (overrides win, by normalised stage)."""
    key = normalise_stage(text)
    if overrides and key in overrides:
        return overrides[key]
    key = t2s(key)  # a Taiwanese export's 輸單 / 談判 are the vocabulary's 输单 / 谈判 (the stage is stored as written)
    bare = _STAGE_DECORATION.sub("", key).strip()
    if bare != key and bare:
        return stage_status(bare, overrides)
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
