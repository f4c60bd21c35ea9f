"""The command's log: JSON lines for log shippers, and no secret at any level."""

import io
import json
import logging

from bot.logs import JsonLines
from bot.middleware import RedactTokens, redact


def test_json_lines_carry_the_message_without_secrets() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonLines())
    handler.addFilter(RedactTokens())
    log = logging.getLogger("salesbot.test_logs")
    log.addHandler(handler)
    log.setLevel(logging.DEBUG)
    try:
        log.debug("Received: {'ok': True, 'url': 'wss://wss.slack.com/link/?ticket=abc-123&app_id=A1'} "
                  "body {\"token\": \"verif-XYZ\", \"team_id\": \"T1\"} with xapp-1-A1-secret")
    finally:
        log.removeHandler(handler)
    entry = json.loads(stream.getvalue())
    assert entry["level"] == "DEBUG" and entry["logger"] == "salesbot.test_logs"
    for secret in ("abc-123", "verif-XYZ", "xapp-1-A1-secret"):
        assert secret not in entry["message"]
    assert "T1" in entry["message"] and "ticket=[redacted]" in entry["message"]


def test_redact_leaves_ordinary_words_alone() -> None:
    text = "next_token=abc the token was refreshed; tokens: 3"
    assert redact(text) == text
