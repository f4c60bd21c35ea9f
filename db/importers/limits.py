"""How big a file an import accepts, checked before the file is parsed, so no file can exhaust the machine.

- the file's own size (what was uploaded or read from disk): `max_bytes`;
- an XLSX is a zip: the sizes its directory declares, before a byte is inflated: at most
  `max_uncompressed_bytes` in all, no member inflating more than `MAX_RATIO` times (a zip bomb's sheet
  inflates thousands of times; a real workbook 5-20 times); zipfile never inflates a member past the size
  its directory declares, so a lying directory gets no further;
- rows and columns of the table: `max_rows`, `max_columns`;
- a time budget for the whole import, reading, checking and writing: `seconds`.

Deals stream through in chunks (memory does not grow with the file), so their caps are high; targets,
rates and feedback are read whole and stay under WHOLE_FILE_BYTES / WHOLE_FILE_ROWS (`whole_file`).

A file over any of them is refused with ImportRefused naming the limit; nothing is written.
"""

import time
import zipfile
from dataclasses import dataclass, field, replace

from db.importers.report import ImportRefused

MB = 1024 * 1024
MAX_RATIO = 100


@dataclass(frozen=True)
class ImportLimits:
    max_bytes: int = 4096 * MB
    max_uncompressed_bytes: int = 512 * MB
    max_rows: int = 20_000_000
    max_columns: int = 200
    seconds: float = 300.0

    def whole_file(self) -> "ImportLimits":
        """The caps for a file read whole into memory (targets, rates, feedback)."""
        return replace(self, max_bytes=min(self.max_bytes, WHOLE_FILE_BYTES),
                       max_rows=min(self.max_rows, WHOLE_FILE_ROWS))


WHOLE_FILE_BYTES = 256 * MB
WHOLE_FILE_ROWS = 1_000_000


@dataclass
class Budget:
    """The time budget of one import, started when the file is first looked at."""

    limits: ImportLimits = field(default_factory=ImportLimits)
    started: float = field(default_factory=time.monotonic)

    @property
    def deadline(self) -> float:
        return self.started + self.limits.seconds

    def check(self) -> None:
        if time.monotonic() > self.deadline:
            raise ImportRefused("too_slow", seconds=f"{self.limits.seconds:g}")


def check_size(size: int, limits: ImportLimits) -> None:
    if size > limits.max_bytes:
        raise ImportRefused("too_large", limit=f"{limits.max_bytes / MB:g} MB")


def check_zip(archive: zipfile.ZipFile, limits: ImportLimits) -> None:
    """Refuse an archive whose directory declares too much, or a member that inflates like a bomb."""
    total = 0
    for member in archive.infolist():
        total += member.file_size
        ratio = member.file_size // max(member.compress_size, 1)
        if ratio > MAX_RATIO and member.file_size > MB:
            raise ImportRefused("zip_bomb", member=member.filename, ratio=f"{ratio:,}")
    if total > limits.max_uncompressed_bytes:
        size, limit = f"{total / MB:,.0f} MB", f"{limits.max_uncompressed_bytes / MB:g} MB"
        raise ImportRefused("too_large_unpacked", size=size, limit=limit)


def check_shape(rows: int, columns: int, limits: ImportLimits) -> None:
    if rows > limits.max_rows:
        raise ImportRefused("too_many_rows", limit=f"{limits.max_rows:,}")
    if columns > limits.max_columns:
        raise ImportRefused("too_many_columns", columns=columns, limit=limits.max_columns)
