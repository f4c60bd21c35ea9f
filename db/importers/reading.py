"""Bytes of an export file into a table of strings: CSV in any common encoding and delimiter, or XLSX.

Every cell is read as text (never as float: ids like 00123 and amounts like 1.2万 must survive) and stripped;
empty cells are "". Chinese Excel saves CSV in GBK/GB18030, European Excel in cp1252, others in UTF-8 with
or without a BOM; the encoding is guessed from the bytes and reported in the summary.
"""

import csv
import io
from dataclasses import dataclass

import numpy as np
import pandas as pd
from charset_normalizer import from_bytes

from db.importers.report import ImportRefused


@dataclass
class RawTable:
    frame: pd.DataFrame  # every column str, stripped; original headers
    encoding: str  # "xlsx" for spreadsheets


def read_table(data: bytes, filename: str = "") -> RawTable:
    """Read a CSV/TSV or XLSX file; refuses (ImportRefused) what it cannot read."""
    if not data.strip():
        raise ImportRefused("empty_file")
    if data[:4] == b"PK\x03\x04":
        return RawTable(_read_xlsx(data), "xlsx")
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise ImportRefused("xls_not_supported")
    encoding = detect_encoding(data)
    text = data.decode(encoding)
    if text.startswith("\ufeff"):
        text = text[1:]
    delimiter = _delimiter(text)
    try:
        frame = pd.read_csv(
            io.StringIO(text),
            sep=delimiter,
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            engine="c",
            skipinitialspace=False,
        )
    except (pd.errors.ParserError, ValueError) as exc:
        raise ImportRefused("unreadable", detail=str(exc).splitlines()[0][:200]) from None
    return RawTable(_clean(frame), encoding)


def detect_encoding(data: bytes) -> str:
    """utf-8 (BOM or not) when the bytes are valid UTF-8, else the best guess among GB18030 and single-byte."""
    if data.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    try:
        data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    sample = data[: 256 * 1024]
    for enc in ("gb18030",):  # Chinese Excel: most high bytes come in valid pairs decoding to CJK
        try:
            decoded = data.decode(enc)
        except UnicodeDecodeError:
            continue
        high = [c for c in decoded if ord(c) > 127]
        cjk = sum(
            1 for c in high if "\u4e00" <= c <= "\u9fff" or "\u3000" <= c <= "\u303f" or "\uff00" <= c <= "\uffef"
        )
        if high and cjk / len(high) > 0.9:
            return "gb18030"
    best = from_bytes(
        sample, cp_isolation=["cp1252", "cp1250", "cp1251", "cp437", "latin_1", "gb18030", "big5", "shift_jis"]
    ).best()
    western = {"cp1250", "cp1252", "latin_1", "iso8859_1", "iso8859_2", "iso8859_15", "iso8859_9", "cp1254"}
    if best is not None and best.encoding in western:  # the same letters mostly; Western Europe's is likelier
        try:
            data.decode("cp1252")
            return "cp1252"
        except UnicodeDecodeError:
            pass
    if best is not None:
        try:
            data.decode(best.encoding)
            return best.encoding
        except UnicodeDecodeError:
            pass
    return "latin_1"  # every byte decodes; the summary names the encoding so a wrong guess is visible


def _delimiter(text: str) -> str:
    head = text[:65536].splitlines()[:20]
    try:
        return csv.Sniffer().sniff("\n".join(head), delimiters=",;\t|").delimiter
    except csv.Error:
        first = head[0] if head else ""
        return max(",;\t|", key=first.count)


def _read_xlsx(data: bytes) -> pd.DataFrame:
    try:
        frame = pd.read_excel(io.BytesIO(data), dtype=str, engine="openpyxl", keep_default_na=False, na_filter=False)
    except Exception as exc:  # openpyxl raises many kinds on a damaged workbook
        raise ImportRefused("unreadable", detail=str(exc)[:200]) from None
    return _clean(frame.fillna(""))


def _stripped(series: pd.Series) -> pd.Series:
    """The column with cells stripped; strips each distinct value once and copies nothing when all are clean."""
    codes, uniques = pd.factorize(series)
    clean = [u.strip() for u in uniques]
    if all(a is b or a == b for a, b in zip(clean, uniques, strict=True)):
        return series
    return pd.Series(np.array(clean, dtype=object)[codes], index=series.index)


def _clean(frame: pd.DataFrame) -> pd.DataFrame:
    frame.columns = [str(c).strip().lstrip("\ufeff") for c in frame.columns]
    frame = frame.loc[
        :, [not c.startswith("Unnamed:") or frame[c].astype(str).str.strip().ne("").any() for c in frame.columns]
    ]
    for col in frame.columns:
        frame[col] = _stripped(frame[col].astype(str))
    blank = frame.eq("").all(axis=1)  # Excel trailers: fully empty lines are not rows
    return frame[~blank] if blank.any() else frame  # keep the index: it gives row numbers
