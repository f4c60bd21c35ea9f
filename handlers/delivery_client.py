"""Exactly once when Slack's answer is lost: every scheduled post carries its delivery key, looked up before a
second attempt sends it again.

A post whose answer never came (a timeout, a dropped connection, a crash mid-send) may or may not be in
Slack. Re-sending blind could post it twice; never re-sending could lose it. So each message a delivery
posts carries the delivery's key in Slack's message metadata (event_type `salesbot_delivery`), and a file
upload carries it in its file name; when the scheduler tries a delivery again, `DeliveryClient` first reads
the channel (`conversations.history`, or `conversations.replies` for a thread, with `include_all_metadata`)
and, if the message is there, returns it instead of posting.

A delivery may post several messages (a thread head and its reply): each carries the key and its position,
so a retry skips exactly those that went out.

The look is exact: it reads the channel (or thread) from the moment the first attempt began
(`conversations.history`/`.replies` with `oldest` = that moment less LOOK_SKEW for the difference between this
machine's clock and Slack's), every page to the end by cursor. However busy the channel was since, the post is
found if it is there; the cost is one page per 200 messages posted since the first attempt.

`AMBIGUOUS` are the errors after which nobody knows whether Slack acted: the delivery goes back to the
ledger as pending, and the next attempt looks before it posts.

Calls made for a request rather than the scheduler (opening a modal, publishing the Home tab, the /kpi
export's file) have no ledger to go back to: `call_once` makes one call and says what became of it (done,
refused by Slack, or unsure) without raising or logging a traceback, so the handler can tell the user in
words; `upload_once` uploads a file with the same key-in-the-file-name mark, tries once more only when
Slack said no (nothing was shared), and after an unanswered upload looks in the channel instead of
uploading blind.
"""

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.client import HTTPException
from pathlib import PurePosixPath
from typing import Any
from urllib.error import HTTPError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackRequestError

log = logging.getLogger("salesbot.delivery")
EVENT_TYPE = "salesbot_delivery"
AMBIGUOUS = (TimeoutError, ConnectionError, HTTPException, OSError)  # OSError covers urllib's URLError
LOOK_SKEW = timedelta(minutes=5)  # this machine's clock may run ahead of Slack's: read a little earlier
LOOK_PAGES_UNBOUNDED = 10  # a caller that does not know when it began: the newest 2,000 messages only


def delivery_key(kind: str, schedule_id: int, occurrence: Any, recipient: str) -> str:
    """The ledger key of a delivery as one string (what goes into the message metadata)."""
    stamp = occurrence.isoformat() if hasattr(occurrence, "isoformat") else str(occurrence)
    return f"{kind}:{schedule_id}:{stamp}:{recipient}"


def file_mark(mark: str) -> str:
    """A short, stable tag of a delivery's upload, put in the file name (file shares carry no metadata)."""
    return hashlib.sha256(mark.encode()).hexdigest()[:12]


def _marked_name(filename: str, tag: str) -> str:
    path = PurePosixPath(filename or "file")
    return f"{path.stem}.{tag}{path.suffix}"


class DeliveryClient:
    """The scheduler's WebClient for one delivery attempt (every other method passes through unchanged)."""

    def __init__(self, client: WebClient, key: str, *, look_first: bool, since: datetime | None = None) -> None:
        """`since`: when the first attempt began (real clock, db/clock.wall); the look reads from then on."""
        self._client = client
        self.key = key
        self.look_first = look_first
        self.since = since if since is None or since.tzinfo else since.replace(tzinfo=UTC)
        self._posts = 0
        self.found: list[str] = []  # marks of messages found already in Slack (not posted again)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    def _next_mark(self) -> str:
        self._posts += 1
        return f"{self.key}#{self._posts}"

    # -- posting ---------------------------------------------------------------------------------------
    def chat_postMessage(self, **kwargs: Any) -> Any:  # noqa: N802 - slack_sdk's name
        mark = self._next_mark()
        kwargs["metadata"] = {"event_type": EVENT_TYPE, "event_payload": {"key": mark}}
        if self.look_first:
            channel = self._channel(str(kwargs.get("channel") or ""))
            found = self._find(channel, kwargs.get("thread_ts"), lambda m: _metadata_key(m) == mark)
            if found is not None:
                self.found.append(mark)
                log.info("%s is already in %s (ts %s): not posted again", mark, channel, found["ts"])
                return {"ok": True, "channel": channel, "ts": found["ts"], "message": found}
        return self._client.chat_postMessage(**kwargs)

    def find_upload(self, channel: str, thread_ts: str | None = None) -> dict[str, Any] | None:
        """The message carrying this delivery's next upload, if it is in `channel` already (nothing is sent)."""
        tag = file_mark(self._next_mark())
        return self._find(self._channel(channel), thread_ts, lambda m: _has_file_tag(m, tag))

    def files_upload_v2(self, **kwargs: Any) -> Any:
        mark = self._next_mark()
        tag = file_mark(mark)
        if kwargs.get("file_uploads"):
            kwargs["file_uploads"] = [{**f, "filename": _marked_name(f.get("filename", ""), tag)}
                                      for f in kwargs["file_uploads"]]
        else:
            kwargs["filename"] = _marked_name(kwargs.get("filename") or "", tag)
        channel = kwargs.get("channel")
        if self.look_first and channel:
            channel = self._channel(str(channel))
            found = self._find(channel, kwargs.get("thread_ts"), lambda m: _has_file_tag(m, tag))
            if found is not None:
                self.found.append(mark)
                log.info("%s is already in %s (ts %s): not uploaded again", mark, channel, found["ts"])
                return {"ok": True, "files": found.get("files") or []}
        return self._client.files_upload_v2(**kwargs)

    # -- looking -----------------------------------------------------------------------------------------
    def _channel(self, channel: str) -> str:
        """History is read by conversation id: a post to a user id went to the DM with them."""
        if channel[:1] in ("U", "W"):
            return str(self._client.conversations_open(users=channel)["channel"]["id"])
        return channel

    def _find(self, channel: str, thread_ts: str | None, match: Any) -> dict[str, Any] | None:
        """The first message `match` accepts, reading every message since the first attempt (page by page)."""
        cursor = None
        base: dict[str, Any] = {"channel": channel, "limit": 200, "include_all_metadata": True}
        if self.since is not None:
            base["oldest"] = f"{(self.since - LOOK_SKEW).timestamp():.6f}"
        pages = 0
        while self.since is not None or pages < LOOK_PAGES_UNBOUNDED:
            pages += 1
            args = dict(base)
            if cursor:
                args["cursor"] = cursor
            if thread_ts:
                page = self._client.conversations_replies(ts=thread_ts, **args)
            else:
                page = self._client.conversations_history(**args)
            for message in page.get("messages") or []:
                if match(message):
                    return message
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return None
        return None


def _metadata_key(message: dict[str, Any]) -> str | None:
    meta = message.get("metadata") or {}
    if meta.get("event_type") != EVENT_TYPE:
        return None
    return (meta.get("event_payload") or {}).get("key")


def _has_file_tag(message: dict[str, Any], tag: str) -> bool:
    return any(f".{tag}." in str(f.get("name") or "") or str(f.get("name") or "").endswith(f".{tag}")
               for f in message.get("files") or [])


DONE, REFUSED, UNSURE = "done", "refused", "unsure"


@dataclass(frozen=True)
class Outcome:
    """What became of a Web API call made for a request: done, refused (Slack answered no: nothing happened)
    or unsure (no answer: Slack may have acted)."""

    status: str
    error: str = ""

    @property
    def done(self) -> bool:
        return self.status == DONE


def call_once(what: str, call: Callable[[], Any]) -> Outcome:
    """Make one Web API call for a request; never raises, logs one warning line (no traceback) when it fails."""
    try:
        call()
    except SlackApiError as exc:
        error = str(exc.response.get("error") or exc.response.status_code)
        log.warning("%s: Slack refused (%s)", what, error)
        return Outcome(REFUSED, error)
    except SlackRequestError as exc:  # an upload Slack answered with an HTTP error: nothing was shared
        log.warning("%s: Slack refused the request (%s)", what, str(exc)[:200])
        return Outcome(REFUSED, "upload_failed")
    except HTTPError as exc:  # the file upload URL answered 429/5xx (urllib raises it): Slack did not take it
        log.warning("%s: Slack answered HTTP %s", what, exc.code)
        return Outcome(REFUSED, f"HTTP {exc.code}")
    except AMBIGUOUS as exc:
        log.warning("%s: no answer from Slack (%s); it may have been done", what, type(exc).__name__)
        return Outcome(UNSURE)
    return Outcome(DONE)


def upload_once(client: WebClient, key: str, *, since: datetime, what: str, **upload: Any) -> Outcome:
    """`files_upload_v2(**upload)` (with `channel`) for a request, never shared twice.

    Refused (Slack answered: nothing was shared) → one more try, looking first. Unsure (no answer: Slack may
    have shared it) → look in the channel and never upload blind: found is done, not found stays unsure."""
    def attempt(look_first: bool) -> Outcome:
        marked = DeliveryClient(client, key, look_first=look_first, since=since)
        return call_once(what, lambda: marked.files_upload_v2(**upload))

    first = attempt(look_first=False)
    if first.status == REFUSED:
        return attempt(look_first=True)
    if first.status == UNSURE:
        found: list[Any] = []
        looker = DeliveryClient(client, key, look_first=True, since=since)
        looked = call_once(f"{what} (looking)", lambda: found.append(
            looker.find_upload(str(upload["channel"]), upload.get("thread_ts"))))
        if looked.done and found and found[0] is not None:
            log.info("%s: it is in %s after all", what, upload["channel"])
            return Outcome(DONE)
    return first
