"""Fxiaoke 纷享销客 (ShareCRM) OpenAPI: 商机 2.0 (NewOpportunityObj) by last-modified time, its stages and owners.

Credentials: the self-built app's `app_id`, `app_secret` and the company's `permanent_code` (永久授权码), which
POST {api}/cgi/corpAccessToken/get/V2 exchanges for a `corp_access_token` (2 hours) and the `corp_id`; both are
kept with the credentials and renewed five minutes before they expire. Settings: `api_url` (the company's cloud:
https://open.fxiaoke.com, open-hwcloud.fxiaoke.com, open-na.sharecrm.com …) and `user_id`, the openUserId
(FSUID_…) of the CRM user salesbot reads as (`currentOpenUserId`: an administrator sees every 商机).

Every call is a POST of JSON carrying `corpAccessToken`, `corpId` and `currentOpenUserId` in the body, and every
answer is HTTP 200 with `errorCode` (0: done) and `errorMessage`: 20016 (corpAccessToken expired or unknown) and
11014 (not valid) renew the token once; 20015 (wrong permanent code), 20006 (wrong app id or secret), 20021 (app
stopped), 20022 (not authorised) and 15003/20020 (no access) mean the connection is revoked; 30004 (per-second
rate) waits a second, 14001 (100 calls per 20 s on one interface) waits 20 s, 30002 (the day's quota, counted
again from midnight in China) ends the sync until then; -1 (busy) and 50009 (timeout) wait and repeat.

Deals: POST /cgi/crm/v2/data/query on `NewOpportunityObj`, filter `last_modified_time GTE since` (milliseconds),
ordered by it ascending, `limit` 100 (its largest), `offset` a multiple of the limit up to 10,000. Owners: POST
/cgi/user/list (the whole company: department 999999 with its children). Stages: the options of `sales_stage` in
POST /cgi/crm/v2/object/describe, so a deal's stage reads as its label (验证客户, 谈判, 赢单, 输单 …) exactly as
the 商机 export writes it. Deletion in Fxiaoke starts by voiding (作废: `life_status` becomes `invalid`, the
record stays in the recycle bin until deleted): voided 商机 modified since the last sync are removed here.
Once a day every live `_id` is listed (ordered by `_id`, `_id GT` the last one read: the deep paging Fxiaoke
documents), so a 商机 voided and deleted between two syncs goes too. Dates (create_time, close_date: milliseconds)
are read as the company's local dates (Asia/Shanghai), as the export writes them.
"""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from db import clock
from db.crm.connector import Api, CrmError, Owner, Page, Response, Revoked, TokenExpired, columns, expiry
from db.crm.secrets import Credentials

API = "https://open.fxiaoke.com"
OBJECT = "NewOpportunityObj"
ROOT_DEPARTMENT = 999999  # the whole company
MAX_OFFSET = 10_000  # the query API refuses a deeper offset
EXPIRED = {20016, 11014}
REVOKED = {20015, 20006, 11013, 20021, 20022, 15003, 20020, 11001, 11002}
SHORT_WAIT = {30004: 1.0, 14001: 20.0, -1: 5.0, 50009: 5.0, -2: 5.0}
DAILY = 30002
CHINA = ZoneInfo("Asia/Shanghai")
_LIVE = {"field_name": "life_status", "operator": "N", "field_values": ["invalid"]}  # not voided (作废)
# the 商机 export's column for each plain field (db/importers/formats.py, "fxiaoke")
COLUMNS = {"name": "商机名称", "amount": "商机金额", "mc_currency": "币种"}
FIELDS = ["_id", "name", "account_id", "amount", "mc_currency", "sales_stage", "close_date", "create_time",
          "owner", "last_modified_time", "life_status"]


def classify(response: Response) -> float | None:
    """Fxiaoke answers HTTP 200 with its own error codes: -> a wait, TokenExpired, Revoked, RateLimited or CrmError."""
    body = response.body if isinstance(response.body, dict) else {}
    if response.status >= 500:
        return 5.0
    try:
        code = int(body.get("errorCode", 0 if response.status < 400 else -2))
    except (TypeError, ValueError):
        code = -2
    if code == 0:
        return None
    if code in EXPIRED:
        raise TokenExpired
    if code in REVOKED:
        raise Revoked(f"Fxiaoke refused the app's credentials ({code})")
    if code in SHORT_WAIT:
        return SHORT_WAIT[code]
    if code == DAILY:
        return _until_midnight_in_china()
    raise CrmError(f"Fxiaoke answered {code}: {str(body.get('errorMessage') or '')[:150]}")


def _until_midnight_in_china() -> float:
    now = clock.wall().astimezone(CHINA)
    midnight = (now + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return (midnight - now).total_seconds()


class Fxiaoke:
    kind = "fxiaoke"
    file_format = "fxiaoke"
    page_size = 100  # the query API's largest page

    def __init__(self, credentials: Credentials, settings: dict[str, Any], saved: Any, sleep: Any = None) -> None:
        self.base = (settings.get("api_url") or API).rstrip("/")
        self.user_id = str(settings.get("user_id") or "")
        self.zone = ZoneInfo(settings.get("timezone") or "Asia/Shanghai")
        self.api = Api(credentials, lambda c: {}, self._refresh, saved, classify,
                       **({"sleep": sleep} if sleep else {}), auth_body=self._auth)
        self.users: dict[str, Owner] = {}
        self.labels: dict[str, str] = {}  # sales_stage option value -> label

    def _auth(self, creds: Credentials) -> dict[str, Any]:
        return {"corpAccessToken": creds.get("corp_access_token", ""), "corpId": creds.get("corp_id", ""),
                "currentOpenUserId": self.user_id}

    def _refresh(self, creds: Credentials) -> Credentials:
        body = token_request(self.api, self.base, creds)
        return Credentials({**creds, "corp_access_token": body["corpAccessToken"],
                            "corp_id": body.get("corpId") or creds.get("corp_id", ""),
                            "expires_at": expiry(body.get("expiresIn") or 7200)})

    def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        answer = self.api.request("POST", self.base + path, json_body=body)
        return answer.body if isinstance(answer.body, dict) else {}

    def prepare(self) -> None:
        body = self._post("/cgi/user/list", {"departmentId": ROOT_DEPARTMENT, "fetchChild": True})
        for u in body.get("userList") or []:
            uid = str(u.get("openUserId") or "")
            if uid:
                self.users[uid] = Owner(uid, u.get("name") or u.get("nickName") or "", u.get("email") or "")
        body = self._post("/cgi/crm/v2/object/describe", {"data": {"apiName": OBJECT, "includeDetail": True}})
        fields = ((body.get("data") or {}).get("describe") or {}).get("fields") or {}
        listed = fields.values() if isinstance(fields, dict) else fields
        for fld in listed:
            if isinstance(fld, dict) and fld.get("api_name") == "sales_stage":
                for option in fld.get("options") or []:
                    self.labels[str(option.get("value"))] = str(option.get("label") or option.get("value"))

    def stage_map(self) -> dict[str, str]:
        return {}  # the labels are Fxiaoke's standard words, which the importer reads (db/importers/values.py)

    def _query(self, filters: list[dict[str, Any]], offset: int, *, order: str = "last_modified_time",
               fields: list[str] = FIELDS) -> list[dict[str, Any]]:
        body = self._post("/cgi/crm/v2/data/query", {"data": {
            "dataObjectApiName": OBJECT, "find_explicit_total_num": False,
            "search_query_info": {"limit": self.page_size, "offset": offset, "filters": filters,
                                  "orders": [{"fieldName": order, "isAsc": True}], "fieldProjection": fields}}})
        data = body.get("data") or {}
        rows = data.get("dataList") if isinstance(data, dict) and "dataList" in data else []
        return [r for r in rows or [] if isinstance(r, dict)]

    def deals_since(self, since: datetime, token: str | None) -> tuple[Page, str | None]:
        offset = int(token or 0)
        rows = self._query([_since(since), _LIVE], offset)
        records = self._page(rows)
        following = offset + self.page_size
        more = len(rows) >= self.page_size and following <= MAX_OFFSET
        return records, (str(following) if more else None)

    def _page(self, data: list[dict[str, Any]]) -> Page:
        ids = [str(d["_id"]) for d in data]
        cols = columns(data, COLUMNS, _text)
        cols["商机编号"] = ids
        cols["客户名称"] = [_text(d.get("account_id__r")) for d in data]
        known = [self.users.get(_owner_id(d.get("owner"))) for d in data]
        cols["负责人"] = [k.name if k else _text(d.get("owner__r")) for d, k in zip(data, known, strict=True)]
        cols["负责人邮箱"] = [k.email if k else "" for k in known]
        stages = [str(d.get("sales_stage") or "") for d in data]
        cols["销售阶段"] = [self.labels.get(s) or _text(d.get("sales_stage__r")) or s
                        for d, s in zip(data, stages, strict=True)]
        cols["创建时间"] = [self._day(d.get("create_time")) for d in data]
        cols["结单日期"] = [self._day(d.get("close_date")) for d in data]
        return Page(ids, [_moment(d.get("last_modified_time")) for d in data], cols)

    def _day(self, millis: Any) -> str:
        if millis in (None, ""):
            return ""
        return _moment(millis).astimezone(self.zone).date().isoformat()

    def removed_since(self, since: datetime) -> Iterator[list[str]]:
        """商机 voided (作废) since `since`: Fxiaoke's first step of a deletion."""
        offset = 0
        while True:
            rows = self._query([_since(since), {"field_name": "life_status", "operator": "EQ",
                                                "field_values": ["invalid"]}], offset)
            ids = [str(r["_id"]) for r in rows if r.get("_id")]
            if ids:
                yield ids
            offset += self.page_size
            if len(rows) < self.page_size or offset > MAX_OFFSET:
                return


    def live_ids(self) -> Iterator[list[str]]:
        """Every 商机 not voided, by `_id` (the deep-paging way Fxiaoke documents: offset 0, `_id GT` the last one)."""
        last = ""
        while True:
            filters = [_LIVE] + ([{"field_name": "_id", "operator": "GT", "field_values": [last]}] if last else [])
            rows = self._query(filters, 0, order="_id", fields=["_id"])
            ids = [str(r["_id"]) for r in rows if r.get("_id")]
            if ids:
                yield ids
                last = ids[-1]
            if len(rows) < self.page_size:
                return


def token_request(api: Api, base: str, creds: dict[str, Any]) -> dict[str, Any]:
    """POST /cgi/corpAccessToken/get/V2: the app's id and secret and the company's permanent code -> a token."""
    answer = api.request("POST", base + "/cgi/corpAccessToken/get/V2", authorised=False, json_body={
        "appId": creds.get("app_id", ""), "appSecret": creds.get("app_secret", ""),
        "permanentCode": creds.get("permanent_code", "")})
    body = answer.body if isinstance(answer.body, dict) else {}
    if not body.get("corpAccessToken"):
        raise Revoked(f"Fxiaoke refused the app's credentials ({body.get('errorCode', answer.status)})")
    return body


def _since(moment: datetime) -> dict[str, Any]:
    return {"field_name": "last_modified_time", "operator": "GTE",
            "field_values": [str(int(moment.timestamp() * 1000))]}


def _owner_id(owners: Any) -> str:
    """The owner field is a list of openUserIds (one, the 负责人)."""
    return str((owners[0] if isinstance(owners, list) and owners else owners) or "")


def _moment(millis: Any) -> datetime:
    return datetime.fromtimestamp(int(float(millis or 0)) / 1000, UTC)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dict):
        return str(value.get("name") or "")
    if isinstance(value, list):
        return _text(value[0]) if value else ""
    return str(value)
