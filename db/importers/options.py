"""What the person importing can say about a file (the CLI flags, or words next to a file in Slack)."""

from collections.abc import Callable
from dataclasses import dataclass, field

from db.importers.limits import ImportLimits
from db.workspaces import WorkspaceDefaults

Progress = Callable[[int, int], None]  # (rows written so far, rows to write)


@dataclass
class ImportOptions:
    file_format: str = "auto"  # auto | salesforce | hubspot | zoho | fxiaoke | generic
    column_map: dict[str, str] = field(default_factory=dict)  # the file's column -> salesbot field
    date_order: str | None = None  # DMY | MDY | YMD; None: decided from the file
    skip_bad_rows: bool = False
    stage_map: dict[str, str] = field(default_factory=dict)  # CRM stage -> open | won | lost
    currency: str | None = None  # default currency when the file names none (else the workspace's)
    # a workspace the import creates (only when it writes) starts with these: the settings' zone, language, currency
    workspace: WorkspaceDefaults = field(default_factory=WorkspaceDefaults)
    limits: ImportLimits = field(default_factory=ImportLimits)  # size, rows, columns, time (limits.py)


def parse_pairs(items: list[str] | None, *, what: str) -> dict[str, str]:
    """`["A=b", "C=d"]` -> {"A": "b", "C": "d"}; splits at the last '=' so column names may contain '='."""
    pairs: dict[str, str] = {}
    for item in items or []:
        left, sep, right = item.rpartition("=")
        if not sep or not left.strip() or not right.strip():
            raise ValueError(f"{what} wants NAME=VALUE, got {item!r}")
        pairs[left.strip()] = right.strip()
    return pairs
