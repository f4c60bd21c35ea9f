"""Logging for the `salesbot` command: text or JSON lines on stderr, secrets redacted at every level."""

import json
import logging
from datetime import UTC, datetime

from bot.middleware import install_log_redaction


class JsonLines(logging.Formatter):
    """One JSON object a line (time, level, logger, message, and the traceback when there is one)."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(level: int, *, json_lines: bool = False) -> None:
    """The root handler on stderr at `level`, with every secret (tokens, tickets, verification tokens) redacted."""
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if json_lines:
        for handler in logging.getLogger().handlers:
            handler.setFormatter(JsonLines())
    install_log_redaction()
