"""Bytes of an export file into a table of strings: CSV in any common encoding and delimiter, or XLSX.

Every cell is read as text (never as float: ids like 00123 and amounts like 1.2万 must survive) and stripped;
empty cells are "". Chinese Excel saves CSV in GBK/GB18030, European Excel in cp1252, others in UTF-8 with
or without a BOM; the encoding is guessed from the bytes and reported in the summary.
"""

import csv
import io
import operator
import re
import zipfile
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pandas as pd
from charset_normalizer import from_bytes

from db.importers.limits import Budget, check_shape, check_size, check_zip
from db.importers.report import ImportRefused


@dataclass
class RawTable:
    frame: pd.DataFrame  # every column str, stripped; original headers
    encoding: str  # "xlsx" for spreadsheets


def read_table(data: bytes, filename: str = "", budget: Budget | None = None, *, header_only: bool = False) -> RawTable:
    """Read a CSV/TSV or XLSX file within the budget's limits; refuses (ImportRefused) what it cannot read."""
    budget = budget or Budget()
    limits = budget.limits
    check_size(len(data), limits)
    if not data.strip():
        raise ImportRefused("empty_file")
    if data[:4] == b"PK\x03\x04":
        return RawTable(_read_xlsx(data, budget, header_only=header_only), "xlsx")
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise ImportRefused("xls_not_supported")
    encoding = detect_encoding(data)
    if encoding == "utf-16":  # Excel's "Unicode text": decode once, then as any other text
        data = data.decode("utf-16").encode("utf-8")
        encoding = "utf-16"
    source: io.BytesIO | io.StringIO
    if (nul := data.find(b"\x00")) >= 0:  # the C parser would end the cell there: "Ev\0e" would read "Ev"
        raise ImportRefused("nul_byte", row=data.count(b"\n", 0, nul) + 1)
    if encoding in ("utf-8", "utf-8-sig", "utf-16"):  # the C parser decodes: no text copy of the whole file
        head = data[: 4 * 65536].decode("utf-8", errors="ignore")
        source, read_encoding = io.BytesIO(data), "utf-8-sig"
    else:
        head = text = data.decode(encoding)
        source, read_encoding = io.StringIO(text[1:] if text.startswith("\ufeff") else text), None
    delimiter = _delimiter(head[1:] if head.startswith("\ufeff") else head)
    first_line = head.lstrip("\ufeff").split("\n", 1)[0]
    check_shape(0, first_line.count(delimiter) + 1, limits)  # before parsing: a header of 100,000 columns
    try:
        frame = pd.read_csv(
            source,
            encoding=read_encoding,
            sep=delimiter,
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            engine="c",
            skipinitialspace=False,
            nrows=0 if header_only else limits.max_rows + 1,  # parsing stops there: memory and time bounded
        )
    except (pd.errors.ParserError, ValueError) as exc:
        raise ImportRefused("unreadable", detail=str(exc).splitlines()[0][:200]) from None
    check_shape(len(frame), frame.shape[1], limits)
    if header_only:
        frame.columns = [str(c).strip().lstrip("\ufeff") for c in frame.columns]
        return RawTable(frame, encoding)
    budget.check()
    return RawTable(_with_rows(_clean(frame)), encoding)


def read_header(data: bytes, filename: str = "", budget: Budget | None = None) -> list[str]:
    """The column names of a file, without reading its rows (to guess what kind of file it is)."""
    return list(read_table(data, filename, budget, header_only=True).frame.columns)


def _with_rows(frame: pd.DataFrame) -> pd.DataFrame:
    if frame.empty:
        raise ImportRefused("no_rows")
    return frame


# A well-formed UTF-8 sequence of two to four bytes; in a single-byte or GB18030 file few high bytes form one.
_UTF8_SEQUENCE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")
_HIGH_BYTES = bytes(range(128, 256))


def detect_encoding(data: bytes) -> str:
    """utf-8 (BOM or not) when the bytes are valid UTF-8, utf-16 with its BOM, else the best guess among
    GB18030 and single-byte. Refuses (mixed_encoding) a UTF-8 file with a row in another encoding: guessing
    a single-byte encoding for the whole file would garble every other row."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    try:
        data.decode("utf-8")
        return "utf-8-sig" if data.startswith(b"\xef\xbb\xbf") else "utf-8"
    except UnicodeDecodeError as exc:
        _refuse_mixed_utf8(data, exc.start)
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


def _refuse_mixed_utf8(data: bytes, failed_at: int) -> None:
    """When most non-ASCII bytes form valid UTF-8 sequences, the file is UTF-8 with some rows that are not."""
    sample = data[: 4 * 1024 * 1024]
    in_sequences = len(sample) - len(_UTF8_SEQUENCE.sub(b"", sample))
    high = len(sample) - len(sample.translate(None, _HIGH_BYTES))
    if data.startswith(b"\xef\xbb\xbf") or (in_sequences >= 2 and in_sequences >= high - in_sequences):
        row = data.count(b"\n", 0, failed_at) + 1  # the header is row 1, as a spreadsheet shows it
        raise ImportRefused("mixed_encoding", row=row, encoding="UTF-8")


def _delimiter(text: str) -> str:
    head = text[:65536].splitlines()[:20]
    try:
        return csv.Sniffer().sniff("\n".join(head), delimiters=",;\t|").delimiter
    except csv.Error:
        first = head[0] if head else ""
        return max(",;\t|", key=first.count)


def _read_xlsx(data: bytes, budget: Budget, *, header_only: bool = False) -> pd.DataFrame:
    """The first sheet, row by row (openpyxl's read-only mode streams the sheet's XML), after the zip's
    directory passed `check_zip`; stops at the row cap, the column cap or the end of the time budget."""
    import openpyxl

    limits = budget.limits
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise ImportRefused("unreadable", detail=str(exc)[:200]) from None
    check_zip(archive, limits)
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        rows = book.worksheets[0].iter_rows(values_only=True)
        header = [_cell(v) for v in next(rows, ())]
        check_shape(0, len(header), limits)
        table: list[list[str]] = []
        for n, values in enumerate(() if header_only else rows, start=1):
            if n > limits.max_rows:
                check_shape(n, 0, limits)
            if len(values) > limits.max_columns:
                check_shape(0, len(values), limits)
            table.append([_cell(v) for v in values])
            if n % 10_000 == 0:
                budget.check()
        book.close()
    except ImportRefused:
        raise
    except Exception as exc:  # openpyxl raises many kinds on a damaged workbook
        raise ImportRefused("unreadable", detail=str(exc)[:200]) from None
    while header and header[-1] == "" and not any(len(r) >= len(header) and r[len(header) - 1] for r in table):
        header.pop()  # Excel's formatted-but-empty columns
    width = max([len(header), *(len(r) for r in table)])
    names = _column_names(header + [""] * (width - len(header)))
    frame = pd.DataFrame([r + [""] * (width - len(r)) for r in table], columns=names, dtype=object)
    frame = frame if len(frame.columns) else pd.DataFrame(columns=names)
    budget.check()
    return frame if header_only else _with_rows(_clean(frame))


def _cell(value: object) -> str:
    """A cell as pandas' read_excel(dtype=str) would give it: whole floats without '.0', dates with time."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    return str(value)


def _column_names(header: list[str]) -> list[str]:
    """Unnamed and repeated headers named as pandas does ("Unnamed: 3", "Amount.1")."""
    seen: dict[str, int] = {}
    names = []
    for i, name in enumerate(header):
        name = name.strip() or f"Unnamed: {i}"
        if name in seen:
            seen[name] += 1
            name = f"{name}.{seen[name]}"
        else:
            seen[name] = 0
        names.append(name)
    return names


def _stripped(series: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """The column with cells stripped, and where it is empty; copies nothing when all cells are clean.

    A column of few distinct values strips each once; one of mostly distinct values (ids) strips each cell,
    cheaper than hashing them all."""
    values = series.to_numpy()
    if len(values) > 10_000 and len(set(values[:1000].tolist())) > 500:
        clean = [v.strip() for v in values]
        if all(map(operator.is_, clean, values)):  # str.strip returns the very object when nothing changes
            return series, values == ""
        array = np.array(clean, dtype=object)
        return pd.Series(array, index=series.index), array == ""
    codes, uniques = pd.factorize(series)
    stripped = [u.strip() for u in uniques]
    empty_codes = [i for i, u in enumerate(stripped) if u == ""]
    empty = np.isin(codes, empty_codes) if empty_codes else np.zeros(len(codes), dtype=bool)
    if all(a is b or a == b for a, b in zip(stripped, uniques, strict=True)):
        return series, empty
    return pd.Series(np.array(stripped, dtype=object)[codes], index=series.index), empty


def _clean(frame: pd.DataFrame) -> pd.DataFrame:
    frame.columns = [str(c).strip().lstrip("\ufeff") for c in frame.columns]
    frame = frame.loc[
        :, [not c.startswith("Unnamed:") or frame[c].astype(str).str.strip().ne("").any() for c in frame.columns]
    ]
    blank = np.ones(len(frame), dtype=bool)
    columns = {}
    for i in range(frame.shape[1]):  # by position: headers may repeat
        series = frame.iloc[:, i]
        if not (series.dtype == object and pd.api.types.infer_dtype(series, skipna=False) == "string"):
            series = series.astype(str)
        columns[i], empty = _stripped(series)
        blank &= empty
    names = list(frame.columns)
    frame = pd.DataFrame(columns, index=frame.index, copy=False)
    frame.columns = names
    return frame[~blank] if blank.any() else frame  # Excel trailers: fully empty lines are not rows; keep the index
