"""The one interface every CRM connector implements, and the HTTP and token plumbing they share.

A connector (db/crm/zoho.py, hubspot.py, fxiaoke.py, salesforce.py) turns its CRM's API into four questions:
- `prepare()`: read what rows need besides deals (owners/users, pipelines and their stages);
- `deals_since(since, token)`: ONE request — deals modified at or after `since`, ascending by modification
  time, and the token of the next page of the same query (None at its end);
- `removed_since(since)`: ids of deals deleted (or merged away) since then, page by page;
- `stage_map()`: the CRM's own stage words -> open | won | lost, where its metadata says so.
A request's deals come back as one `Page`, column-wise: the ids, the modification times, and one list of texts per
column of that CRM's export file (db/importers/formats.py), so a synced deal goes through exactly the checks and the
writes of an imported file, and a page becomes DataFrame columns without a dict per deal (`columns()` maps a page of
the CRM's JSON to them). The sync engine (db/crm/sync.py) owns the paging strategy and the cursor.

`Api` is the HTTP client they share: JSON over one kept-alive connection per host and thread (a first sync of
100,000 HubSpot deals is 500 requests: a TCP and TLS handshake each would cost more than the page), the access
token refreshed ahead of its expiry (and once more on a 401), rate limits waited out when the vendor's hint is
short (`RateLimited` when it is long), and a refused refresh token raised as `Revoked`. With a proxy set in the
environment, urllib sends the request (it knows proxies). No credential reaches a log line or an exception message.
"""

import http.client
import json
import logging
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from db import clock
from db.crm.secrets import Credentials

log = logging.getLogger("salesbot.crm")
TIMEOUT = 30  # seconds for one HTTP request
MAX_WAIT = 30  # seconds of a rate limit's retry hint waited inside a sync; longer: RateLimited (next sync)
REFRESH_AHEAD = timedelta(minutes=5)  # an access token this close to its expiry is refreshed first


class CrmError(Exception):
    """The CRM answered with an error retrying will not fix soon (the message is safe to show)."""


class Revoked(CrmError):
    """The CRM refuses the stored credentials (refresh token revoked, app uninstalled, key deleted)."""


class RateLimited(CrmError):
    """The CRM asks to wait longer than a sync waits: the next sync goes on from the cursor."""

    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class TokenExpired(Exception):
    """A 401 the connector reads as 'access token expired': refresh once and repeat the request."""


@dataclass
class Page:
    """One answer's deals, one list per column (a dict per deal cost a third of the reader's time at 100,000 deals):
    `ids[i]` was modified at `modified[i]` (UTC) and has `columns[c][i]` in export column c. A column named `__…` is
    not the export's: `__merged` holds the ids merged into that deal, `;`-separated (removed with it). `total`: how
    many deals the CRM says its query matches, when it says (HubSpot's search does): what the sync expects to read."""

    ids: list[str]
    modified: list[datetime]
    columns: dict[str, list[str]]
    total: int | None = None

    def __len__(self) -> int:
        return len(self.ids)

    def take(self, keep: list[int]) -> "Page":
        """The page with only the deals at positions `keep`."""
        return Page([self.ids[i] for i in keep], [self.modified[i] for i in keep],
                    {c: [v[i] for i in keep] for c, v in self.columns.items()}, self.total)


def columns(items: list[dict[str, Any]], names: dict[str, str], text: Callable[[Any], str]) -> dict[str, list[str]]:
    """Export columns of a page of CRM objects: `names` maps each field to its column, `text` makes a value text."""
    return {column: [text(item.get(name)) for item in items] for name, column in names.items()}


def moments(values: list[Any]) -> list[datetime]:
    """ISO-8601 moments (`utc`) of a page; the common case (all with an offset or Z) by `fromisoformat` alone."""
    try:
        parsed = [datetime.fromisoformat(v) for v in values]
    except (TypeError, ValueError):
        return [utc(v) for v in values]
    if all(m.tzinfo is UTC for m in parsed):
        return parsed
    return [m.replace(tzinfo=UTC) if m.tzinfo is None else m.astimezone(UTC) for m in parsed]


@dataclass
class Owner:
    id: str
    name: str
    email: str = ""


class Connector(Protocol):
    kind: str  # zoho | hubspot | fxiaoke | salesforce
    file_format: str  # the import format its rows use (db/importers/formats.py)
    page_size: int

    def prepare(self) -> None: ...

    def deals_since(self, since: datetime, token: str | None) -> tuple[Page, str | None]: ...

    def removed_since(self, since: datetime) -> Iterator[list[str]]: ...

    def stage_map(self) -> dict[str, str]: ...


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: Any  # parsed JSON, or None when empty


def utc(text: str) -> datetime:
    """An ISO-8601 moment (with Z, an offset, or milliseconds since the epoch) as an aware UTC datetime."""
    text = str(text).strip()
    if text.isdigit():
        return datetime.fromtimestamp(int(text) / 1000, UTC)
    moment = datetime.fromisoformat(text)  # Python >= 3.11 reads Z, +00:00 and +0000 (Salesforce) itself
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment if moment.tzinfo is UTC else moment.astimezone(UTC)


@dataclass
class Api:
    """One connection's HTTP client. `refresh(credentials) -> credentials` gets a new access token (None when the
    credentials cannot be refreshed, e.g. an API key); `saved(credentials)` stores refreshed ones at once.
    `classify(response)` lets the connector read its vendor's error bodies: it may raise TokenExpired,
    Revoked, RateLimited or CrmError, or return the seconds to wait for a short rate limit. `auth_body(credentials)`
    gives fields merged into every authorised JSON body, for a CRM that takes its token there (Fxiaoke)."""

    credentials: Credentials
    auth_header: Callable[[Credentials], dict[str, str]]
    refresh: Callable[[Credentials], Credentials] | None
    saved: Callable[[Credentials], None]
    classify: Callable[[Response], float | None]
    sleep: Callable[[float], None] = time.sleep
    calls: int = field(default=0)
    auth_body: Callable[[Credentials], dict[str, Any]] | None = None  # credentials carried in the JSON body (Fxiaoke)
    connections: int = field(default=0)  # TCP connections opened (kept alive between requests)
    _local: threading.local = field(default_factory=threading.local, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _opened: list[http.client.HTTPConnection] = field(default_factory=list, repr=False)
    _direct: dict[tuple[str, str], bool] = field(default_factory=dict, repr=False)  # host -> no proxy in between

    def fresh(self) -> None:
        """Refresh the access token when it expires within REFRESH_AHEAD (or is unknown)."""
        if self.refresh is None:
            return
        expires = self.credentials.get("expires_at")
        if expires and clock.wall() + REFRESH_AHEAD < datetime.fromisoformat(expires):
            return
        self.renew()

    def renew(self) -> None:
        if self.refresh is None:
            raise Revoked("the CRM refused the stored key")
        self.credentials = self.refresh(self.credentials)
        self.saved(self.credentials)

    def request(self, method: str, url: str, *, params: dict[str, Any] | None = None, json_body: Any = None,
                headers: dict[str, str] | None = None, form: dict[str, str] | None = None,
                authorised: bool = True) -> Response:
        """Send one request; waits out short rate limits, refreshes on an expired token once."""
        renewed = False
        while True:
            if authorised:
                self.fresh()
            auth = self.auth_header(self.credentials) if authorised else {}
            body = json_body
            if authorised and self.auth_body is not None and isinstance(json_body, dict):
                body = {**self.auth_body(self.credentials), **json_body}
            response = self._send(method, url, params=params, json_body=body, form=form,
                                  headers={**(headers or {}), **auth})
            try:
                wait = self.classify(response)
            except TokenExpired:
                if renewed or not authorised:
                    raise Revoked("the CRM refused a fresh access token") from None
                renewed = True
                self.renew()
                continue
            if wait is None:
                return response
            if wait > MAX_WAIT:
                raise RateLimited(f"rate limited for {wait:.0f} s", wait)
            log.info("crm rate limit: waiting %.1f s", wait)
            self.sleep(wait)

    def _send(self, method: str, url: str, *, params: dict[str, Any] | None, json_body: Any,
              form: dict[str, str] | None, headers: dict[str, str]) -> Response:
        if params:
            url = url + ("&" if "?" in url else "?") + urllib.parse.urlencode(params)
        data = None
        headers = dict(headers)
        if json_body is not None:
            data = json.dumps(json_body).encode()
            headers["Content-Type"] = "application/json"
        elif form is not None:
            data = urllib.parse.urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        self.calls += 1
        parts = urllib.parse.urlsplit(url)
        try:
            direct = self._direct.get((parts.scheme, parts.netloc))
            if direct is None:  # the environment's proxies read once per host (not on each of 500 requests)
                direct = self._direct[(parts.scheme, parts.netloc)] = \
                    parts.scheme in ("http", "https") and not _proxied(parts)
            if not direct:
                return _urlopen(urllib.request.Request(url, data=data, method=method, headers=headers))
            return self._kept(parts, method, data, headers)
        except (urllib.error.URLError, TimeoutError, ConnectionError, OSError, http.client.HTTPException) as error:
            # never the query: it may carry a token
            raise CrmError(f"could not reach {parts.netloc}: {getattr(error, 'reason', error)}") from None

    def _kept(self, parts: urllib.parse.SplitResult, method: str, data: bytes | None,
              headers: dict[str, str]) -> Response:
        """One request on this thread's open connection to the host (opened when there is none); a connection the
        server closed while idle is opened again once (a request sent on a fresh one is never repeated)."""
        target = parts.path or "/"
        if parts.query:
            target += "?" + parts.query
        key = (parts.scheme, parts.netloc)
        for _attempt in range(2):
            kept = getattr(self._local, "pool", None)
            if kept is None:
                kept = self._local.pool = {}
            conn = kept.get(key)
            reused = conn is not None
            if conn is None:
                conn = kept[key] = self._open(parts)
            try:
                conn.request(method, target, body=data, headers=headers)
                answer = conn.getresponse()
                body = answer.read()
            except (http.client.RemoteDisconnected, http.client.BadStatusLine, ConnectionError):
                conn.close()
                kept.pop(key, None)
                if reused:
                    continue
                raise
            except BaseException:
                conn.close()
                kept.pop(key, None)
                raise
            if answer.will_close:
                conn.close()
                kept.pop(key, None)
            return Response(answer.status, {k.lower(): v for k, v in answer.getheaders()}, _json(body))
        raise ConnectionError("the connection was closed twice")  # pragma: no cover (the loop returns or raises)

    def _open(self, parts: urllib.parse.SplitResult) -> http.client.HTTPConnection:
        self.connections += 1
        host, port = parts.hostname or "", parts.port
        conn: http.client.HTTPConnection
        if parts.scheme == "https":
            import ssl

            conn = http.client.HTTPSConnection(host, port, timeout=TIMEOUT, context=ssl.create_default_context())
        else:
            conn = http.client.HTTPConnection(host, port, timeout=TIMEOUT)
        with self._lock:
            self._opened.append(conn)
        return conn

    def close(self) -> None:
        """Close every connection this client opened (on any thread)."""
        with self._lock:
            opened, self._opened = self._opened, []
        for conn in opened:
            conn.close()


def _proxied(parts: urllib.parse.SplitResult) -> bool:
    """Whether the environment names a proxy for this URL (then urllib, which knows proxies, sends it)."""
    proxies = urllib.request.getproxies()
    return parts.scheme in proxies and not urllib.request.proxy_bypass(parts.hostname or "")


def _urlopen(req: urllib.request.Request) -> Response:
    try:
        with urllib.request.urlopen(req, timeout=TIMEOUT) as answer:
            return Response(answer.status, {k.lower(): v for k, v in answer.headers.items()}, _json(answer.read()))
    except urllib.error.HTTPError as error:
        return Response(error.code, {k.lower(): v for k, v in (error.headers or {}).items()}, _json(error.read()))


def _json(raw: bytes) -> Any:
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return {"raw": raw[:200].decode("utf-8", "replace")}


def oauth_token(api: Api, url: str, form: dict[str, str], crm: str) -> dict[str, Any]:
    """POST an OAuth 2.0 token request (a code or a refresh token); an answer without an access token (`invalid_grant`,
    Zoho's `invalid_code`, even with status 200) raises Revoked naming the CRM's error, never the form's values."""
    answer = api.request("POST", url, form=form, authorised=False)
    body = answer.body if isinstance(answer.body, dict) else {}
    if "access_token" not in body:
        raise Revoked(f"{crm} refused the grant ({str(body.get('error') or answer.status)[:60]})")
    return body


def retry_after(response: Response, default: float = 10.0) -> float:
    """Seconds to wait from Retry-After (seconds or an HTTP date), else `default`."""
    value = response.headers.get("retry-after")
    if value:
        try:
            return max(0.0, float(value))
        except ValueError:
            from email.utils import parsedate_to_datetime

            try:
                return max(0.0, (parsedate_to_datetime(value) - datetime.now(UTC)).total_seconds())
            except (TypeError, ValueError):
                pass
    return default


def expiry(seconds: Any) -> str:
    """The ISO moment an access token that lives `seconds` from now expires."""
    return (clock.wall() + timedelta(seconds=float(seconds or 3600))).isoformat()
