"""Fake CRM servers on loopback that behave as Zoho CRM and HubSpot document (the parts salesbot uses).

Each keeps deals with a modification time, owners, deleted ids, OAuth tokens (an access token can be made to
expire, a refresh token revoked), and a queue of faults (`fail_next(path, status, body, headers)`: a 429 with
the vendor's body and retry hint, a 500). `requests` records every call (method, path, query, body).
Ties in modification time come back in an arbitrary (hash) order, as real search indexes do.
"""

import bisect
import hashlib
import itertools
import json
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Fault:
    path: str
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)


class FakeCrm:
    """The common server: tokens, faults, request log; subclasses answer their vendor's routes."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.access_token = "access-1"
        self.refresh_token = "refresh-1"
        self.revoked = False
        self.refreshes = 0
        self.faults: list[Fault] = []
        self.requests: list[tuple[str, str, dict[str, Any], Any]] = []
        self.deals: dict[str, dict[str, Any]] = {}
        self.modified: dict[str, datetime] = {}
        self.deleted: dict[str, datetime] = {}
        self._order: tuple[list[datetime], list[str]] | None = None
        self._encoded: dict[str, bytes] = {}  # a deal as its JSON answer holds it, made once until it changes
        self.connections = 0  # TCP connections accepted (HTTP/1.1: a client may keep one open across requests)
        self.drop_idle = False  # close each connection after its answer, unannounced (a server's idle timeout)
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def expire_access_token(self) -> None:
        self.access_token = self.access_token + "-expired-soon"
        self._expired = True

    def fail_next(self, path: str, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        self.faults.append(Fault(path, status, body, headers or {}))

    def calls(self, path: str) -> list[tuple[str, str, dict[str, Any], Any]]:
        return [r for r in self.requests if r[1].startswith(path)]

    def put(self, deal_id: str, at: datetime, **values: Any) -> None:
        """Create or change a deal (its modification time `at`)."""
        with self.lock:
            self.deals[deal_id] = {**self.deals.get(deal_id, {}), **values}
            self.modified[deal_id] = at
            self.deleted.pop(deal_id, None)
            self._encoded.pop(deal_id, None)
            self._order = None

    def delete(self, deal_id: str, at: datetime) -> None:
        with self.lock:
            self.deals.pop(deal_id, None)
            self.modified.pop(deal_id, None)
            self.deleted[deal_id] = at
            self._encoded.pop(deal_id, None)
            self._order = None

    def purge(self, deal_id: str) -> None:
        """Gone for good: not in the deals, not in the list of deleted ones (a recycle bin emptied)."""
        with self.lock:
            self.deals.pop(deal_id, None)
            self.modified.pop(deal_id, None)
            self.deleted.pop(deal_id, None)
            self._encoded.pop(deal_id, None)
            self._order = None

    def ordered(self, since: datetime, *, after: bool = False) -> list[str]:
        """Deal ids modified at or after `since`, ascending; ties in a fixed arbitrary order (the order is kept
        between changes, so a big fake answers as fast as a real index would)."""
        with self.lock:
            if self._order is None:
                keyed = sorted((at, hashlib.md5(i.encode()).hexdigest(), i) for i, at in self.modified.items())
                self._order = ([k[0] for k in keyed], [k[2] for k in keyed])
            times, ids = self._order
            return ids[(bisect.bisect_right if after else bisect.bisect_left)(times, since):]

    def answer(self, method: str, path: str, query: dict[str, Any], body: Any, headers: dict[str, str]) -> tuple:
        """(status, payload, headers): the payload as JSON-able values, or as the JSON bytes themselves."""
        raise NotImplementedError

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as the CRMs' APIs do (every answer has its length)
            disable_nagle_algorithm = True  # headers and body are two writes: no wait for the first one's ACK

            def setup(self) -> None:
                super().setup()
                with fake.lock:
                    fake.connections += 1

            def log_message(self, *args: Any) -> None:
                pass

            def _do(self) -> None:
                parts = urlsplit(self.path)
                query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                ctype = self.headers.get("Content-Type") or ""
                if ctype.startswith("application/json"):
                    body: Any = json.loads(raw or b"null")
                elif raw:
                    body = {k: v[-1] for k, v in parse_qs(raw.decode()).items()}
                else:
                    body = None
                headers = {k.lower(): v for k, v in self.headers.items()}
                fake.requests.append((self.command, parts.path, query, body))
                fault = next((f for f in fake.faults if parts.path.startswith(f.path)), None)
                if fault is not None:
                    fake.faults.remove(fault)
                    status, payload, extra = fault.status, fault.body, fault.headers
                else:
                    status, payload, extra = fake.answer(self.command, parts.path, query, body, headers)
                data = payload if isinstance(payload, bytes) else b"" if payload is None else \
                    json.dumps(payload).encode()
                self.send_response(status)
                for k, v in extra.items():
                    self.send_header(k, v)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                if fake.drop_idle:
                    self.close_connection = True

            do_GET = do_POST = _do

        return Handler


def ms(moment: datetime) -> str:
    return str(int(moment.timestamp() * 1000))


class FakeHubSpot(FakeCrm):
    """POST /crm/v3/objects/deals/search (GTE on hs_lastmodifieddate, one ascending sort, `after` offsets up to
    HubSpot's 10,000 cap), GET /crm/v3/owners, /crm/v3/pipelines/deals, /crm/v3/objects/deals?archived=true,
    POST /oauth/v1/token. A private-app token never expires; OAuth access tokens do (`expire_access_token`)."""

    def __init__(self) -> None:
        super().__init__()
        self.owners = [{"id": "501", "firstName": "Darcel", "lastName": "Schlecht", "email": "darcel@example.com"},
                       {"id": "502", "firstName": "Zane", "lastName": "Levy", "email": "zane@example.com"}]
        self.pipeline = [("appointmentscheduled", "Appointment Scheduled", "false", "0.2"),
                         ("qualifiedtobuy", "Qualified To Buy", "false", "0.4"),
                         ("closedwon", "Closed Won", "true", "1.0"), ("closedlost", "Closed Lost", "true", "0.0"),
                         ("123456", "Verbal yes", "false", "0.9")]
        self.expired: set[str] = set()

    def expire_access_token(self) -> None:
        self.expired.add(self.access_token)

    def _authorised(self, headers: dict[str, str]) -> tuple | None:
        token = (headers.get("authorization") or "").removeprefix("Bearer ")
        if self.revoked or token not in (self.access_token,):
            if token in self.expired:
                return 401, {"status": "error", "category": "EXPIRED_AUTHENTICATION",
                             "message": "The OAuth token used to make this call expired 1 second(s) ago."}, {}
            return 401, {"status": "error", "category": "INVALID_AUTHENTICATION",
                         "message": "Authentication credentials not found."}, {}
        if token in self.expired:
            return 401, {"status": "error", "category": "EXPIRED_AUTHENTICATION",
                         "message": "The OAuth token used to make this call expired 1 second(s) ago."}, {}
        return None

    def answer(self, method: str, path: str, query: dict[str, Any], body: Any, headers: dict[str, str]) -> tuple:
        if path == "/oauth/v1/token":
            if self.revoked or body.get("refresh_token") != self.refresh_token:
                return 400, {"status": "BAD_REFRESH_TOKEN", "message": "missing or unknown refresh token"}, {}
            self.refreshes += 1
            self.access_token = f"access-{self.refreshes + 1}"
            return 200, {"access_token": self.access_token, "refresh_token": self.refresh_token,
                         "expires_in": 1800, "token_type": "bearer"}, {}
        refused = self._authorised(headers)
        if refused:
            return refused
        if path == "/crm/v3/owners":
            return 200, {"results": self.owners}, {}
        if path == "/crm/v3/pipelines/deals":
            stages = [{"id": i, "label": label, "metadata": {"isClosed": closed, "probability": p}}
                      for i, label, closed, p in self.pipeline]
            return 200, {"results": [{"id": "default", "label": "Sales Pipeline", "stages": stages}]}, {}
        if path == "/crm/v3/objects/deals/search":
            return self._search(body)
        if path == "/crm/v3/objects/deals" and query.get("archived") == "true":
            with self.lock:
                rows = [{"id": i, "archived": True, "archivedAt": at.isoformat().replace("+00:00", "Z")}
                        for i, at in sorted(self.deleted.items())]
            start = int(query.get("after") or 0)
            limit = int(query.get("limit") or 10)
            page = rows[start : start + limit]
            paging = {"next": {"after": str(start + limit)}} if start + limit < len(rows) else None
            return 200, {"results": page, **({"paging": paging} if paging else {})}, {}
        return 404, {"status": "error", "message": f"no route {path}"}, {}

    def _search(self, body: dict[str, Any]) -> tuple:
        limit = int(body.get("limit") or 10)
        if limit > 200:
            return 400, {"status": "error", "category": "VALIDATION_ERROR", "message": "limit must be <= 200"}, {}
        if len(body.get("sorts") or []) > 1:
            return 400, {"status": "error", "category": "VALIDATION_ERROR", "message": "only one sort"}, {}
        since = datetime(1970, 1, 1, tzinfo=UTC)
        for group in body.get("filterGroups") or []:
            for f in group["filters"]:
                assert f["propertyName"] == "hs_lastmodifieddate" and f["operator"] == "GTE", f
                since = datetime.fromtimestamp(int(f["value"]) / 1000, UTC)
        start = int(body.get("after") or 0)
        if start + limit > 10_000:
            return 400, {"status": "error", "category": "VALIDATION_ERROR",
                         "message": "paging past 10,000 results is not allowed"}, {}
        ids = self.ordered(since)
        page = ids[start : start + limit]
        with self.lock:
            results = b",".join(self._deal_json(i) for i in page if i in self.deals)
        paging = b',"paging":{"next":{"after":"%d"}}' % (start + limit) if start + limit < len(ids) else b""
        return 200, b'{"total":%d,"results":[%s]%s}' % (len(ids), results, paging), {}

    def _deal_json(self, deal_id: str) -> bytes:
        """One search result as HubSpot writes it (properties as strings or null), encoded once until it changes: the
        fake answers a page by joining them, as fast as a real index would (the benchmark's 'answers at once')."""
        encoded = self._encoded.get(deal_id)
        if encoded is None:
            moment = self.modified[deal_id].isoformat().replace("+00:00", "Z")
            properties = {**{k: (None if v is None else str(v)) for k, v in self.deals[deal_id].items()},
                          "hs_object_id": deal_id, "hs_lastmodifieddate": moment}
            encoded = self._encoded[deal_id] = json.dumps(
                {"id": deal_id, "properties": properties, "updatedAt": moment, "archived": False}).encode()
        return encoded

    def encode_all(self) -> None:
        """Every deal's search result encoded now (a benchmark's fake, before its clock starts)."""
        with self.lock:
            for deal_id in self.deals:
                self._deal_json(deal_id)


class FakeZoho(FakeCrm):
    """Zoho CRM v7 on one server that is both the data centre's accounts server and its API domain:
    POST /oauth/v2/token (authorization_code, refresh_token; `{"error": "invalid_code"}` when refused),
    GET /crm/v7/users, /crm/v7/settings/fields, /crm/v7/Deals (If-Modified-Since, sort_by Modified_Time,
    page/per_page up to 2,000 records then page_token; 204 when nothing), /crm/v7/Deals/deleted."""

    ZONE = "+05:30"  # Zoho answers times in the account's zone

    def __init__(self) -> None:
        super().__init__()
        self.code = "grant-1"
        self.users = [{"id": "9001", "full_name": "Darcel Schlecht", "email": "darcel@example.com"},
                      {"id": "9002", "full_name": "张三", "email": "zhang@example.com"}]
        self.stages = [("Qualification", "Open"), ("Negotiation/Review", "Open"), ("Closed Won", "Closed Won"),
                       ("Closed Lost", "Closed Lost"), ("Verbal Commit", "Open")]
        self.tokens_pages: dict[str, int] = {}

    def answer(self, method: str, path: str, query: dict[str, Any], body: Any, headers: dict[str, str]) -> tuple:
        if path == "/oauth/v2/token":
            return self._token(body or query)
        auth = headers.get("authorization") or ""
        if self.revoked or auth != "Zoho-oauthtoken " + self.access_token:
            return 401, {"code": "INVALID_TOKEN", "details": {}, "message": "invalid oauth token",
                         "status": "error"}, {}
        if path == "/crm/v7/users":
            return 200, {"users": self.users, "info": {"per_page": 200, "count": len(self.users), "page": 1,
                                                       "more_records": False}}, {}
        if path == "/crm/v7/settings/fields":
            values = [{"display_value": s, "actual_value": s, "forecast_type": f} for s, f in self.stages]
            return 200, {"fields": [{"api_name": "Stage", "pick_list_values": values},
                                    {"api_name": "Amount"}]}, {}
        if path == "/crm/v7/Deals":
            return self._deals(query, headers)
        if path == "/crm/v7/Deals/deleted":
            since = _zoho_since(headers)
            with self.lock:
                rows = [{"id": i, "deleted_time": self._time(at), "type": "recycle"}
                        for i, at in sorted(self.deleted.items()) if at > since]
            if not rows:
                return 204, None, {}
            return 200, {"data": rows, "info": {"per_page": 200, "count": len(rows), "page": 1,
                                                "more_records": False}}, {}
        return 404, {"code": "INVALID_URL_PATTERN", "status": "error"}, {}

    def _token(self, form: dict[str, Any]) -> tuple:
        grant = form.get("grant_type")
        if grant == "authorization_code":
            if form.get("code") != self.code:
                return 200, {"error": "invalid_code"}, {}
            self.code = "used"
        elif grant == "refresh_token":
            if self.revoked or form.get("refresh_token") != self.refresh_token:
                return 200, {"error": "invalid_code"}, {}
        else:
            return 200, {"error": "unsupported_grant_type"}, {}
        self.refreshes += 1
        self.access_token = f"access-{self.refreshes + 1}"
        answer = {"access_token": self.access_token, "api_domain": self.url, "token_type": "Bearer",
                  "expires_in": 3600}
        if grant == "authorization_code":
            answer["refresh_token"] = self.refresh_token
        return 200, answer, {}

    def _time(self, at: datetime) -> str:
        hours, minutes = (int(x) for x in self.ZONE[1:].split(":"))
        local = at.astimezone(UTC) + timedelta(hours=hours, minutes=minutes)
        return local.replace(tzinfo=None, microsecond=0).isoformat() + self.ZONE

    def _deals(self, query: dict[str, Any], headers: dict[str, str]) -> tuple:
        assert query.get("sort_by") == "Modified_Time" and query.get("sort_order") == "asc", query
        per_page = int(query.get("per_page") or 200)
        if per_page > 200:
            return 400, {"code": "INVALID_DATA", "status": "error", "message": "per_page max 200"}, {}
        since = _zoho_since(headers)
        ids = self.ordered(since, after=True)
        if "page_token" in query:
            page = self.tokens_pages.get(query["page_token"])
            if page is None:
                return 400, {"code": "INVALID_DATA", "status": "error", "message": "invalid page_token"}, {}
        else:
            page = int(query.get("page") or 1)
            if page * per_page > 2000:
                return 400, {"code": "DISCRETE_PAGINATION_LIMIT_EXCEEDED", "status": "error",
                             "message": "use page_token past 2,000 records"}, {}
        rows = ids[(page - 1) * per_page : page * per_page]
        if not rows:
            return 204, None, {}
        with self.lock:
            data = [{**self.deals[i], "id": i, "Modified_Time": self._time(self.modified[i])} for i in rows]
        more = page * per_page < len(ids)
        info: dict[str, Any] = {"per_page": per_page, "count": len(data), "page": page, "more_records": more}
        if more and (page + 1) * per_page > 2000:
            token = hashlib.md5(f"{since}{page + 1}".encode()).hexdigest()
            self.tokens_pages[token] = page + 1
            info["next_page_token"] = token
        return 200, {"data": data, "info": info}, {}


def _zoho_since(headers: dict[str, str]) -> datetime:
    """Zoho's If-Modified-Since: records modified after this second."""
    value = headers.get("if-modified-since")
    if not value:
        return datetime(1970, 1, 1, tzinfo=UTC)
    return datetime.fromisoformat(value).astimezone(UTC)


class FakeFxiaoke(FakeCrm):
    """Fxiaoke's OpenAPI (the legacy body convention): POST /cgi/corpAccessToken/get/V2 (appId, appSecret,
    permanentCode -> corpAccessToken, corpId, expiresIn), /cgi/user/list, /cgi/crm/v2/object/describe and
    /cgi/crm/v2/data/query on NewOpportunityObj (limit <= 100, offset a multiple of it up to 10,000, filters on
    last_modified_time and life_status). Every answer is HTTP 200 with errorCode: 20016 for an unknown or expired
    corpAccessToken, 20015 for a wrong permanent code, 10013 past offset 10,000. `delete` voids (作废) a 商机: it
    stays, `life_status` invalid, modified at that moment."""

    STAGES = [("1", "验证客户"), ("2", "需求确定"), ("3", "方案/报价"), ("4", "谈判"), ("5", "赢单"), ("6", "输单"),
              ("7", "无效")]

    def __init__(self) -> None:
        super().__init__()
        self.app = {"appId": "FSAID_131", "appSecret": "app-secret-1", "permanentCode": "PERMANENT-1"}
        self.corp_id = "FSCID_77"
        self.access_token = "corp-token-1"
        self.users = [{"openUserId": "FSUID_A1", "name": "李雷", "email": "lilei@example.com", "isStop": False},
                      {"openUserId": "FSUID_B2", "name": "Darcel Schlecht", "email": "darcel@example.com",
                       "isStop": False}]
        self.expired: set[str] = set()

    def expire_access_token(self) -> None:
        self.expired.add(self.access_token)

    def delete(self, deal_id: str, at: datetime) -> None:
        self.put(deal_id, at, life_status="invalid")

    @staticmethod
    def _error(code: int, message: str) -> tuple:
        return 200, {"errorCode": code, "errorMessage": message, "traceId": "E-O.fake"}, {}

    def answer(self, method: str, path: str, query: dict[str, Any], body: Any, headers: dict[str, str]) -> tuple:
        body = body if isinstance(body, dict) else {}
        if path == "/cgi/corpAccessToken/get/V2":
            if self.revoked or body.get("permanentCode") != self.app["permanentCode"]:
                return self._error(20015, "永久授权码错误")
            if body.get("appId") != self.app["appId"] or body.get("appSecret") != self.app["appSecret"]:
                return self._error(20006, "appId或appSecret错误")
            self.refreshes += 1
            self.access_token = f"corp-token-{self.refreshes + 1}"
            return 200, {"errorCode": 0, "errorMessage": "success", "corpAccessToken": self.access_token,
                         "corpId": self.corp_id, "expiresIn": 7200}, {}
        token = body.get("corpAccessToken")
        if token != self.access_token or token in self.expired or body.get("corpId") != self.corp_id:
            return self._error(20016, "corpAccessToken不存在或者已经过期")
        if path == "/cgi/user/list":
            return 200, {"errorCode": 0, "errorMessage": "success", "userList": self.users}, {}
        if not str(body.get("currentOpenUserId") or "").startswith("FSUID_"):
            return self._error(10010, "缺少参数openUserId")
        if path == "/cgi/crm/v2/object/describe":
            options = [{"label": label, "value": value} for value, label in self.STAGES]
            fields = {"sales_stage": {"api_name": "sales_stage", "type": "select_one", "options": options},
                      "amount": {"api_name": "amount", "type": "currency"}}
            return 200, {"errorCode": 0, "errorMessage": "OK",
                         "data": {"describe": {"api_name": "NewOpportunityObj", "fields": fields}}}, {}
        if path == "/cgi/crm/v2/data/query":
            return self._query(body.get("data") or {})
        return self._error(10006, f"the request uri=[{path}], apiName=[null] is not exists")

    def _query(self, data: dict[str, Any]) -> tuple:
        assert data.get("dataObjectApiName") == "NewOpportunityObj", data
        info = data.get("search_query_info") or {}
        limit, offset = int(info.get("limit") or 0), int(info.get("offset") or 0)
        if not 0 < limit <= 100 or offset % limit:
            return self._error(15002, "参数不合法")
        if offset > 10_000:
            return self._error(10013, "offset out of range 10000")
        order = (info.get("orders") or [{}])[0].get("fieldName")
        assert info.get("orders") == [{"fieldName": order, "isAsc": True}] and order in ("last_modified_time", "_id")
        since, voided, after_id = datetime(1970, 1, 1, tzinfo=UTC), None, ""
        for f in info.get("filters") or []:
            if f["field_name"] == "last_modified_time":
                assert f["operator"] == "GTE", f
                since = datetime.fromtimestamp(int(f["field_values"][0]) / 1000, UTC)
            elif f["field_name"] == "life_status":
                voided = f["operator"] == "EQ"
            elif f["field_name"] == "_id":
                assert f["operator"] == "GT", f
                after_id = f["field_values"][0]
        ordered = self.ordered(since)
        if order == "_id":
            ordered = sorted(i for i in ordered if i > after_id)
        with self.lock:
            matching = ordered if voided is None else (  # only as far as the page (not every remaining deal)
                i for i in ordered if (self.deals[i].get("life_status") == "invalid") == voided)
            rows = [{**{k: v for k, v in self.deals[i].items()}, "_id": i,
                     "last_modified_time": int(self.modified[i].timestamp() * 1000),
                     "life_status": self.deals[i].get("life_status", "normal")}
                    for i in itertools.islice(matching, offset, offset + limit)]
        return 200, {"errorCode": 0, "errorMessage": "OK", "errorDescription": "success",
                     "data": {"dataList": rows, "offset": offset, "limit": limit, "total": 0}}, {}


class FakeSalesforce(FakeCrm):
    """Salesforce's REST API on one server that is both the login host and the org's instance: POST
    /services/oauth2/token (authorization_code, refresh_token; 400 invalid_grant when refused; no expires_in, as
    Salesforce answers), GET /services/data/v62.0/query?q=SOQL (User, OpportunityStage, Organization, Opportunity
    WHERE SystemModstamp >= … ORDER BY SystemModstamp) in batches of `batch` records with nextRecordsUrl, its
    /query/<cursor>, /queryAll (IsDeleted = true), /sobjects/Opportunity/describe. An unknown or expired session:
    401 INVALID_SESSION_ID. Deals carry `Account` as `{"Name": …}` and times as Salesforce writes them (+0000)."""

    STAGES = [("Prospecting", False, False), ("Negotiation/Review", False, False), ("Closed Won", True, True),
              ("Closed Lost", True, False), ("Signed - Awaiting PO", True, True), ("Parked", False, False)]

    def __init__(self) -> None:
        super().__init__()
        self.code = "sf-code-1"
        self.batch = 200
        self.users = [{"Id": "005A1", "Name": "Darcel Schlecht", "Email": "darcel@example.com"},
                      {"Id": "005B2", "Name": "王芳", "Email": "wangfang@example.com"}]
        self.stages = list(self.STAGES)
        self.timezone = "America/Los_Angeles"
        self.fields = ["Id", "Name", "StageName", "Amount", "CurrencyIsoCode", "Loss_Reason__c"]
        self.cursors: dict[str, tuple[list[Any], Any]] = {}
        self.expired: set[str] = set()

    def expire_access_token(self) -> None:
        self.expired.add(self.access_token)

    @staticmethod
    def stamp(at: datetime) -> str:
        return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}+0000"

    def answer(self, method: str, path: str, query: dict[str, Any], body: Any, headers: dict[str, str]) -> tuple:
        if path == "/services/oauth2/token":
            return self._token(body or {})
        token = (headers.get("authorization") or "").removeprefix("Bearer ")
        if self.revoked or token != self.access_token or token in self.expired:
            return 401, [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}], {}
        prefix = "/services/data/v62.0"
        if path == prefix + "/sobjects/Opportunity/describe":
            return 200, {"name": "Opportunity", "fields": [{"name": f} for f in self.fields]}, {}
        if path in (prefix + "/query", prefix + "/queryAll"):
            return self._query(query.get("q") or "", everything=path.endswith("queryAll"))
        if path.startswith(prefix + "/query/"):
            kept = self.cursors.get(path.rsplit("/", 1)[1])
            if kept is None:
                return 400, [{"message": "invalid query locator", "errorCode": "INVALID_QUERY_LOCATOR"}], {}
            return self._batch(*kept)
        return 404, [{"errorCode": "NOT_FOUND", "message": "The requested resource does not exist"}], {}

    def _token(self, form: dict[str, Any]) -> tuple:
        grant = form.get("grant_type")
        if grant == "authorization_code":
            if form.get("code") != self.code:
                return 400, {"error": "invalid_grant", "error_description": "authentication failure"}, {}
            self.code = "used"
        elif grant != "refresh_token" or self.revoked or form.get("refresh_token") != self.refresh_token:
            return 400, {"error": "invalid_grant", "error_description": "expired access/refresh token"}, {}
        self.refreshes += 1
        self.access_token = f"00Dfake!access-{self.refreshes + 1}"
        answer = {"access_token": self.access_token, "instance_url": self.url, "token_type": "Bearer",
                  "id": self.url + "/id/00Dfake/005A1", "issued_at": "1764150000000", "signature": "sig"}
        if grant == "authorization_code":
            answer["refresh_token"] = self.refresh_token
        return 200, answer, {}

    def _query(self, soql: str, *, everything: bool) -> tuple:
        import re

        found = re.match(r"SELECT (.+?) FROM (\w+)(?: WHERE (.+?))?(?: ORDER BY (\w+) ASC)?$", soql)
        if not found:
            return 400, [{"errorCode": "MALFORMED_QUERY", "message": soql[:80]}], {}
        fields, table, where, order = found.groups()
        if table == "User":
            return self._batch(self.users)
        if table == "OpportunityStage":
            return self._batch([{"ApiName": n, "MasterLabel": n, "IsClosed": c, "IsWon": w} for n, c, w in self.stages])
        if table == "Organization":
            return self._batch([{"TimeZoneSidKey": self.timezone}])
        assert table == "Opportunity", soql
        if not where:
            with self.lock:
                return self._batch([{"Id": i} for i in sorted(self.deals)])
        bound = re.search(r"SystemModstamp >= (\S+)", where or "")
        assert bound is not None, soql
        since = datetime.fromisoformat(bound.group(1).replace("Z", "+00:00"))
        if everything:
            assert "IsDeleted = true" in (where or ""), soql
            with self.lock:
                rows = [{"Id": i, "IsDeleted": True, "SystemModstamp": self.stamp(at)}
                        for i, at in sorted(self.deleted.items()) if at >= since]
            return self._batch(rows)
        assert order == "SystemModstamp", soql
        unknown = [f for f in fields.split(", ") if "." not in f and f not in self.fields + [
            "IsWon", "IsClosed", "CloseDate", "CreatedDate", "SystemModstamp", "OwnerId", "NextStep",
            "LastActivityDate"]]
        if unknown:
            return 400, [{"errorCode": "INVALID_FIELD", "message": f"No such column '{unknown[0]}'"}], {}
        # the query's ids now, each record built when its batch is sent (as Salesforce's query cursor does: a
        # fresh query from a later SystemModstamp does not cost the whole remaining result again)
        return self._batch(self.ordered(since), self._opportunity)

    def _opportunity(self, deal_id: str) -> dict[str, Any] | None:
        with self.lock:
            if deal_id not in self.deals:  # deleted since the query began
                return None
            return {**self.deals[deal_id], "Id": deal_id, "SystemModstamp": self.stamp(self.modified[deal_id])}

    def _batch(self, rows: list[Any], build: Any = None) -> tuple:
        page, rest = rows[: self.batch], rows[self.batch :]
        records = [r for r in map(build, page) if r is not None] if build else page
        answer: dict[str, Any] = {"totalSize": len(rows), "done": not rest,
                                  "records": [{"attributes": {"type": "Opportunity"}, **r} for r in records]}
        if rest:
            locator = hashlib.md5(f"{len(self.cursors)}{len(rest)}".encode()).hexdigest()[:15]
            answer["nextRecordsUrl"] = f"/services/data/v62.0/query/01gFAKE{locator}-{self.batch}"
            self.cursors[f"01gFAKE{locator}-{self.batch}"] = (rest, build)
        return 200, answer, {}
