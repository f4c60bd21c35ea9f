"""Export files into tables of strings, chunk by chunk: CSV in any common encoding and delimiter, or XLSX.

Every cell is read as text (never as float: ids like 00123 and amounts like 1.2万 must survive) and stripped;
empty cells are "". Chinese Excel saves CSV in GBK/GB18030, European Excel in cp1252, others in UTF-8 with
or without a BOM, Excel's "Unicode text" in UTF-16; the encoding is decided once for the whole file (a pass
over its bytes in blocks) and reported in the summary.

A file is never held whole as a table: `open_table` yields chunks of CHUNK_ROWS rows, so the memory of an
import does not grow with the file (the deals importer streams; `read_table` gathers the chunks for the small
kinds: targets, rates, feedback). A file may be bytes (a Slack upload) or a path (the CLI): a path is read
in blocks, never into memory whole.
"""

import codecs
import csv
import hashlib
import io
import itertools
import operator
import re
import threading
import unicodedata
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pandas as pd
from charset_normalizer import from_bytes

from db.importers.limits import MB, Budget, check_shape, check_size, check_zip
from db.importers.report import ImportRefused

CHUNK_ROWS = 100_000  # rows per chunk: ~100 MB of pandas objects at most for a wide export
BLOCK = 4 * MB  # bytes per read when scanning a file


class Source:
    """The bytes of a file to import, from memory or from disk, read in blocks."""

    def __init__(self, data: "bytes | str | Path | Source") -> None:
        if isinstance(data, Source):
            self.data, self.path, self.size = data.data, data.path, data.size
        elif isinstance(data, bytes | bytearray | memoryview):
            self.data, self.path, self.size = bytes(data), None, len(data)
        else:
            self.data, self.path = None, Path(data)
            self.size = self.path.stat().st_size

    def open(self) -> BinaryIO:
        return io.BytesIO(self.data) if self.data is not None else self.path.open("rb")  # type: ignore[union-attr]

    def head(self, size: int) -> bytes:
        if self.data is not None:
            return self.data[:size]
        with self.open() as f:
            return f.read(size)

    def blocks(self, size: int | None = None) -> Iterator[bytes]:
        size = size or BLOCK
        if self.data is not None:
            for start in range(0, len(self.data), size):
                yield self.data[start : start + size]
            return
        with self.open() as f:
            while block := f.read(size):
                yield block

    def sha256(self, stop: "threading.Event | None" = None) -> str:
        """The file's digest (hashlib releases the GIL: another thread may compute it meanwhile); "" when
        `stop` is set first (the import was refused: no need to read the rest of a big file)."""
        digest = hashlib.sha256()
        for block in self.blocks():
            if stop is not None and stop.is_set():
                return ""
            digest.update(block)
        return digest.hexdigest()


@dataclass
class RawTable:
    frame: pd.DataFrame  # every column str, stripped; original headers
    encoding: str  # "xlsx" for spreadsheets


@dataclass
class Table:
    """A file being read: its header, encoding, and its rows as an iterator of chunks (each chunk's index is
    the 0-based data row, so the row a spreadsheet shows is index + 2)."""

    columns: list[str]
    encoding: str
    chunks: Iterator[pd.DataFrame]
    read_fraction: Callable[[], float]  # how much of the file is read so far, 0..1 (for the progress bar)


def open_table(data: "bytes | str | Path | Source", budget: Budget | None = None, *,
               chunk_rows: int | None = None) -> Table:
    """Check a CSV/TSV or XLSX file within the budget's limits and start reading it; refuses (ImportRefused)
    what it cannot read. Row caps and unreadable rows further on are refused while iterating the chunks."""
    source = Source(data)
    budget = budget or Budget()
    limits = budget.limits
    chunk_rows = chunk_rows or CHUNK_ROWS
    check_size(source.size, limits)
    if not any(block.strip() for block in source.blocks(65536)):
        raise ImportRefused("empty_file")
    magic = source.head(8)
    if magic[:4] == b"PK\x03\x04":
        return _xlsx_table(source, budget, chunk_rows)
    if magic == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise ImportRefused("xls_not_supported")
    encoding = detect_encoding(source)
    budget.check()
    head = source.head(4 * 65536).decode(_CODEC.get(encoding, encoding), errors="ignore").lstrip("\ufeff")
    delimiter = _delimiter(head)
    check_shape(0, head.split("\n", 1)[0].count(delimiter) + 1, limits)  # before parsing: 100,000 columns
    handle = source.open()
    try:
        reader = pd.read_csv(
            handle,
            encoding=_CODEC.get(encoding, encoding),
            sep=delimiter,
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            engine="c",
            skipinitialspace=False,
            chunksize=chunk_rows,
        )
        first = next(reader)
    except (pd.errors.ParserError, ValueError) as exc:
        handle.close()
        raise ImportRefused("unreadable", detail=str(exc).splitlines()[0][:200]) from None
    check_shape(0, first.shape[1], limits)
    columns = _clean_header(first)

    def chunks() -> Iterator[pd.DataFrame]:
        rows = 0
        try:
            chunk: pd.DataFrame | None = first
            while chunk is not None:
                rows += len(chunk)
                check_shape(rows, chunk.shape[1], limits)
                yield _clean(chunk, columns)
                budget.check()
                try:
                    chunk = next(reader)
                except StopIteration:
                    chunk = None
                except (pd.errors.ParserError, ValueError) as exc:
                    raise ImportRefused("unreadable", detail=str(exc).splitlines()[0][:200]) from None
        finally:
            reader.close()
            handle.close()

    def read_fraction() -> float:
        return 1.0 if handle.closed else handle.tell() / max(source.size, 1)

    return Table([name for _, name in columns], encoding, chunks(), read_fraction)


_CODEC = {"utf-8": "utf-8-sig", "utf-8-sig": "utf-8-sig"}  # pandas' codec for an encoding: a BOM is not a header


def read_table(data: "bytes | str | Path | Source", filename: str = "", budget: Budget | None = None, *,
               header_only: bool = False) -> RawTable:
    """The whole file as one table (targets, rates, feedback: small files, within the whole-file caps)."""
    budget = budget or Budget()
    table = open_table(data, Budget(budget.limits.whole_file(), budget.started),
                       chunk_rows=1000 if header_only else CHUNK_ROWS)  # the header: a few rows parsed
    if header_only:
        table.chunks.close()  # type: ignore[attr-defined]
        return RawTable(pd.DataFrame(columns=table.columns, dtype=object), table.encoding)
    frames = list(table.chunks)
    frame = pd.concat(frames) if len(frames) > 1 else frames[0]
    return RawTable(_with_rows(frame), table.encoding)


def read_header(data: "bytes | str | Path | Source", filename: str = "", budget: Budget | None = None) -> list[str]:
    """The column names of a file, without reading its rows (to guess what kind of file it is)."""
    return list(read_table(data, filename, budget, header_only=True).frame.columns)


def _with_rows(frame: pd.DataFrame) -> pd.DataFrame:
    if frame.empty:
        raise ImportRefused("no_rows")
    return frame


# A well-formed UTF-8 sequence of two to four bytes; in a single-byte or GB18030 file few high bytes form one.
_UTF8_SEQUENCE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")
_HIGH_BYTES = bytes(range(128, 256))
_ASCII = re.compile(r"[\x00-\x7f]+")
_CJK = re.compile(r"[\u4e00-\u9fff\u3000-\u303f\uff00-\uffef]")


def detect_encoding(data: "bytes | str | Path | Source") -> str:
    """utf-8 (BOM or not) when the bytes are valid UTF-8, utf-16 with its BOM, else the best guess among
    GB18030 and single-byte. Refuses (mixed_encoding) a UTF-8 file with a row in another encoding: guessing
    a single-byte encoding for the whole file would garble every other row. Refuses a NUL character
    (nul_byte, with its row): pandas' C parser would end the cell there ("Ev\\0e" would read "Ev").

    Reads the file in blocks (a pass per candidate encoding; UTF-8 files, the usual case, take one)."""
    source = Source(data)
    head = source.head(4)
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return _decided(source, "utf-16")
    failed, nul_row = _scan(source, "utf-8")
    if failed is None:
        _refuse_nul(nul_row)
        return "utf-8-sig" if head.startswith(b"\xef\xbb\xbf") else "utf-8"
    _refuse_mixed_utf8(source, failed)
    counts = [0, 0]  # non-ASCII characters, CJK among them

    def count(text: str) -> None:
        high = _ASCII.sub("", text)
        counts[0] += len(high)
        counts[1] += len(_CJK.findall(high))

    failed, nul_row = _scan(source, "gb18030", count)  # Chinese Excel: high bytes in valid pairs, CJK
    if failed is None and counts[0] and counts[1] / counts[0] > 0.9:
        _refuse_nul(nul_row)
        return "gb18030"
    best = from_bytes(
        source.head(256 * 1024),
        cp_isolation=["cp1252", "cp1250", "cp1251", "cp437", "latin_1", "gb18030", "big5", "shift_jis"],
    ).best()
    western = {"cp1250", "cp1252", "latin_1", "iso8859_1", "iso8859_2", "iso8859_15", "iso8859_9", "cp1254"}
    if best is not None and (best.encoding in western or best.encoding.startswith("cp4")):
        western_codec = _western_or_dos(source.head(256 * 1024))
        candidates = [western_codec] + ([] if western_codec == "cp437" else [best.encoding])
    else:
        candidates = []
    candidates += [best.encoding] if best is not None else []
    for encoding in candidates:  # Western Europe's is likelier among the same letters
        failed, nul_row = _scan(source, encoding)
        if failed is None:
            _refuse_nul(nul_row)
            return encoding
    return _decided(source, "latin_1")  # every byte decodes; the summary names the encoding: a wrong guess shows


_BETWEEN_LETTERS = re.compile(r"(?<=[A-Za-z])[^\x00-\x7f](?=[A-Za-z])")


def _western_or_dos(head: bytes) -> str:
    """cp1252 (Windows, Western Europe) or cp437 (DOS, old ERP exports): the same bytes, other letters.
    charset_normalizer finds both equally clean, so judge by the words: a character inside a word
    ("Berguvsv?gen") should be a Latin letter — cp437 reads 0x84 there as "ä", cp1252 as "„"; cp1252 reads 0xE9
    as "é", cp437 as "Θ". Ties go to cp1252, by far the commoner."""
    scores = {}
    for codec in ("cp1252", "cp437"):
        text = head.decode(codec, errors="replace")
        scores[codec] = sum(
            1 if unicodedata.name(m.group(), "").startswith("LATIN") else -1 for m in _BETWEEN_LETTERS.finditer(text)
        )
    return "cp437" if scores["cp437"] > scores["cp1252"] else "cp1252"


def _decided(source: Source, encoding: str) -> str:
    failed, nul_row = _scan(source, encoding)
    if failed is not None:
        raise ImportRefused("unreadable", detail=f"not {encoding} at byte {failed}")
    _refuse_nul(nul_row)
    return encoding


def _refuse_nul(row: int | None) -> None:
    if row is not None:
        raise ImportRefused("nul_byte", row=row)


def _scan(source: Source, encoding: str, on_text: Callable[[str], None] | None = None) -> tuple[int | None, int | None]:
    """One pass over the file: (the byte offset where `encoding` fails to decode, or None; the row of the first
    NUL character, or None). Rows count line breaks; the header is row 1, as a spreadsheet shows it."""
    decoder = codecs.getincrementaldecoder(encoding)()
    wide = codecs.lookup(encoding).name.startswith("utf-16")
    fed = lines = 0
    nul_row = None
    for block in itertools.chain(source.blocks(), [b""]):
        try:
            text = decoder.decode(block, final=not block)
        except UnicodeDecodeError as exc:
            return fed + len(block) - len(exc.object) + exc.start, nul_row
        fed += len(block)
        if on_text is not None:
            on_text(text)
        if nul_row is None:
            found = text.find("\x00") if wide else block.find(b"\x00")
            if found >= 0:
                nul_row = lines + (text.count("\n", 0, found) if wide else block.count(b"\n", 0, found)) + 1
            else:
                lines += text.count("\n") if wide else block.count(b"\n")
    return None, nul_row


def _refuse_mixed_utf8(source: Source, failed_at: int) -> None:
    """When most non-ASCII bytes form valid UTF-8 sequences, the file is UTF-8 with some rows that are not."""
    sample = source.head(4 * MB)
    in_sequences = len(sample) - len(_UTF8_SEQUENCE.sub(b"", sample))
    high = len(sample) - len(sample.translate(None, _HIGH_BYTES))
    if sample.startswith(b"\xef\xbb\xbf") or (in_sequences >= 2 and in_sequences >= high - in_sequences):
        row, seen = 1, 0  # the header is row 1, as a spreadsheet shows it
        for block in source.blocks():
            if seen + len(block) > failed_at:
                row += block.count(b"\n", 0, failed_at - seen)
                break
            row += block.count(b"\n")
            seen += len(block)
        raise ImportRefused("mixed_encoding", row=row, encoding="UTF-8")


def _delimiter(text: str) -> str:
    head = text[:65536].splitlines()[:20]
    try:
        return csv.Sniffer().sniff("\n".join(head), delimiters=",;\t|").delimiter
    except csv.Error:
        first = head[0] if head else ""
        return max(",;\t|", key=first.count)


def _xlsx_table(source: Source, budget: Budget, chunk_rows: int) -> Table:
    """The first sheet, row by row (openpyxl's read-only mode streams the sheet's XML), after the zip's
    directory passed `check_zip`; stops at the row cap, the column cap or the end of the time budget."""
    import openpyxl

    limits = budget.limits
    handle = source.open()
    try:
        archive = zipfile.ZipFile(handle)
    except zipfile.BadZipFile as exc:
        raise ImportRefused("unreadable", detail=str(exc)[:200]) from None
    check_zip(archive, limits)
    try:
        book = openpyxl.load_workbook(handle, read_only=True, data_only=True)
        rows = book.worksheets[0].iter_rows(values_only=True)
        header = [_cell(v) for v in next(rows, ())]
        check_shape(0, len(header), limits)
        total = book.worksheets[0].max_row or 0  # from the sheet's dimension tag, when it has one
        first = _xlsx_rows(rows, chunk_rows, 0, budget)
    except ImportRefused:
        raise
    except Exception as exc:  # openpyxl raises many kinds on a damaged workbook
        raise ImportRefused("unreadable", detail=str(exc)[:200]) from None
    while header and header[-1] == "" and not any(len(r) >= len(header) and r[len(header) - 1] for r in first):
        header.pop()  # Excel's formatted-but-empty columns
    width = max([len(header), *(len(r) for r in first)])
    names = _column_names(header + [""] * (width - len(header)))

    def frame(table: list[list[str]], start: int) -> pd.DataFrame:
        cells = [(r + [""] * (width - len(r)))[:width] for r in table]  # cells past the first chunk's width: unnamed
        return pd.DataFrame(cells, columns=names, dtype=object, index=pd.RangeIndex(start, start + len(cells)))

    head = frame(first, 0)
    columns = _clean_header(head)

    position = [0]  # rows read so far

    def chunks() -> Iterator[pd.DataFrame]:
        table, start = first, 0
        try:
            while table:
                yield _clean(frame(table, start), columns)
                start += len(table)
                position[0] = start
                try:
                    table = _xlsx_rows(rows, chunk_rows, start, budget)
                except ImportRefused:
                    raise
                except Exception as exc:
                    raise ImportRefused("unreadable", detail=str(exc)[:200]) from None
        finally:
            book.close()
            handle.close()

    def read_fraction() -> float:
        return 1.0 if handle.closed else min(1.0, position[0] / total) if total > 1 else 0.0

    return Table([name for _, name in columns], "xlsx", chunks(), read_fraction)


def _xlsx_rows(rows: Iterator[tuple[object, ...]], count: int, start: int, budget: Budget) -> list[list[str]]:
    """The next `count` rows of the sheet as lists of cells, within the row and column caps."""
    table: list[list[str]] = []
    for n, values in enumerate(rows, start=start + 1):
        check_shape(n, len(values), budget.limits)
        table.append([_cell(v) for v in values])
        if n % 10_000 == 0:
            budget.check()
        if len(table) == count:
            break
    return table


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


def _clean_header(first: pd.DataFrame) -> list[tuple[int, str]]:
    """The columns kept, by position, with their names: headers stripped; an unnamed column empty in the
    first chunk is dropped (Excel's formatted-but-empty columns), for every chunk alike."""
    kept = []
    for i, name in enumerate(first.columns):
        name = str(name).strip().lstrip("\ufeff")
        if name.startswith("Unnamed:") and not first.iloc[:, i].astype(str).str.strip().ne("").any():
            continue
        kept.append((i, name))
    return kept


def _clean(frame: pd.DataFrame, kept: list[tuple[int, str]]) -> pd.DataFrame:
    """Cells stripped; rows with every cell empty dropped (Excel trailers), keeping the index (row numbers)."""
    blank = np.ones(len(frame), dtype=bool)
    columns = {}
    for j, (i, _name) in enumerate(kept):  # by position: headers may repeat
        series = frame.iloc[:, i] if i < frame.shape[1] else pd.Series("", index=frame.index, dtype=object)
        if not (series.dtype == object and pd.api.types.infer_dtype(series, skipna=False) == "string"):
            series = series.astype(str)
        columns[j], empty = _stripped(series)
        blank &= empty
    out = pd.DataFrame(columns, index=frame.index, copy=False)
    out.columns = [name for _, name in kept]
    return out[~blank] if blank.any() else out
