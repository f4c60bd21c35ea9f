"""HTTP mode: /metrics counts what the app did (parsed with the Prometheus client's parser), /readyz and
/healthz say whether the database is up; the request log line carries the real times."""

import logging

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.slack_driver import SlackDriver


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def _total(samples: dict[tuple[str, tuple[tuple[str, str], ...]], float], metric: str, **labels: str) -> float:
    return sum(v for (name, key), v in samples.items() if name == metric and set(labels.items()) <= set(key))


def test_metrics_count_the_requests_served(slack: SlackDriver, caplog: pytest.LogCaptureFixture) -> None:
    slack.fake.add_user("UMANAGER", "mia")
    caplog.set_level(logging.INFO, logger="salesbot.requests")
    for _ in range(3):
        assert slack.command("/salesbot", "help").status_code == 200
    slack.command("/kpi", "revenue last month")
    slack.dm("hello", user="UMANAGER")
    unhandled = slack.event({"type": "reaction_added", "user": "UMANAGER", "reaction": "tada"})
    assert unhandled.status_code == 200  # acked, not a 404
    samples = _samples(slack.http.get(slack.url + "/metrics", timeout=5).text)
    assert _total(samples, "salesbot_requests_total", kind="command", name="/salesbot", outcome="ok") == 3
    assert _total(samples, "salesbot_requests_total", kind="command", name="/kpi", outcome="ok") == 1
    assert _total(samples, "salesbot_requests_total", kind="event", name="message") == 1
    assert _total(samples, "salesbot_requests_total", kind="event", name="reaction_added", outcome="unhandled") == 1
    assert _total(samples, "salesbot_ack_seconds_count", kind="command") == 4
    assert _total(samples, "salesbot_ack_seconds_bucket", kind="command", le="3.0") == 4
    assert _total(samples, "salesbot_slack_api_calls_total", method="users.info") >= 1
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("command /kpi from T0001/UMANAGER")]
    assert len(lines) == 1 and "acked in" in lines[0] and "answered in" in lines[0] and lines[0].endswith("(ok)")
    ready = slack.http.get(slack.url + "/readyz", timeout=5)
    assert ready.status_code == 200 and ready.json() == {"database": "ok", "ok": True}
    assert slack.http.get(slack.url + "/healthz", timeout=5).json() == {"ok": True, "database": "ok"}


def test_metrics_count_the_rows_of_files_imported_from_slack(slack: SlackDriver) -> None:
    """An operator sees how many rows a Slack import stored, left unchanged, or refused."""
    from pathlib import Path

    fixtures = Path(__file__).resolve().parents[1] / "fixtures" / "imports"
    export = (fixtures / "salesforce_opportunities.csv").read_bytes()
    bad = b"id,owner,stage,amount,close_date\n1,Ann,Won,100,2026-01-05\n2,Ann,Won,,2026-01-05\n3,Ann,Won,5,\n"
    for content, name in ((export, "opps.csv"), (export, "again.csv"), (bad, "bad.csv")):
        info = slack.fake.add_file(content, name, user="UMANAGER", filetype="csv")
        slack.dm("", user="UMANAGER", files=[info])
    samples = _samples(slack.http.get(slack.url + "/metrics", timeout=5).text)
    assert _total(samples, "salesbot_import_rows_total", kind="deals", outcome="inserted") == 6
    assert _total(samples, "salesbot_import_rows_total", kind="deals", outcome="unchanged") == 6
    assert _total(samples, "salesbot_import_rows_total", kind="deals", outcome="refused") == 3
