"""The Web API client retries what Slack asks it to retry, and never sends a message twice."""

import time

import pytest
from slack_sdk.errors import SlackApiError

from bot.local_slack import Fault, LocalSlack
from bot.slack_client import make_client


def test_rate_limit_is_retried_after_retry_after_and_posted_once(fake_slack: LocalSlack) -> None:
    client = make_client("xoxb-test", fake_slack.api_url)
    fake_slack.fail_next("chat.postMessage", Fault(429, retry_after=1))
    started = time.monotonic()
    client.chat_postMessage(channel="C1", text="hello")
    assert time.monotonic() - started >= 0.9  # waited as Slack asked
    assert len(fake_slack.calls_to("chat.postMessage")) == 2
    assert len(fake_slack.successful("chat.postMessage")) == 1


def test_server_errors_are_retried(fake_slack: LocalSlack) -> None:
    client = make_client("xoxb-test", fake_slack.api_url)
    fake_slack.fail_next("chat.postMessage", Fault(503, retry_after=None), Fault(500, retry_after=None))
    client.chat_postMessage(channel="C1", text="hello")
    assert len(fake_slack.successful("chat.postMessage")) == 1


def test_slack_errors_are_not_retried(fake_slack: LocalSlack) -> None:
    client = make_client("xoxb-test", fake_slack.api_url)
    fake_slack.fail_next("chat.postMessage", Fault(error="channel_not_found"))
    with pytest.raises(SlackApiError) as err:
        client.chat_postMessage(channel="C404", text="hello")
    assert err.value.response["error"] == "channel_not_found"
    assert len(fake_slack.calls_to("chat.postMessage")) == 1


def test_files_upload_v2_reaches_the_channel_with_its_bytes(fake_slack: LocalSlack) -> None:
    client = make_client("xoxb-test", fake_slack.api_url)
    png = b"\x89PNG\r\n\x1a\n" + b"0" * 100
    client.files_upload_v2(channel="C1", content=png, filename="chart.png", title="Revenue",
                           initial_comment="*Sales week 47*")
    (upload,) = fake_slack.uploads()
    assert upload["content"] == png
    assert (upload["channel_id"], upload["initial_comment"], upload["title"]) == ("C1", "*Sales week 47*", "Revenue")


def test_a_post_slack_acted_on_before_the_connection_dropped_is_not_sent_again(fake_slack: LocalSlack) -> None:
    client = make_client("xoxb-test", fake_slack.api_url)
    fake_slack.fail_next("chat.postMessage", Fault(drop=True))
    with pytest.raises(Exception):  # noqa: B017 - the caller sees the connection close, whatever its type
        client.chat_postMessage(channel="C1", text="hello")
    assert [m["text"] for m in fake_slack.posted("C1")] == ["hello"]  # posted once, never re-sent blind
    assert len(fake_slack.calls_to("chat.postMessage")) == 1


def test_a_read_is_retried_after_a_dropped_connection(fake_slack: LocalSlack) -> None:
    client = make_client("xoxb-test", fake_slack.api_url)
    fake_slack.fail_next("conversations.info", Fault(drop=True))
    assert client.conversations_info(channel="C1")["channel"]["id"] == "C1"
    assert len(fake_slack.calls_to("conversations.info")) == 2


def test_a_hanging_slack_is_abandoned_at_the_timeout(fake_slack: LocalSlack) -> None:
    client = make_client("xoxb-test", fake_slack.api_url, timeout=1)
    fake_slack.fail_next("chat.postMessage", Fault(hang=5))
    started = time.monotonic()
    with pytest.raises(TimeoutError):
        client.chat_postMessage(channel="C1", text="hello")
    assert time.monotonic() - started < 3
    assert len(fake_slack.calls_to("chat.postMessage")) == 1
