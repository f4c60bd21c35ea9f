"""Zoho CRM (REST API v7): the Deals and Users modules, deleted records, OAuth 2.0 on the account's data centre.

Credentials: `refresh_token`, `access_token`, `expires_at`, and the app's `client_id`/`client_secret`.
Settings: `accounts_url` (the data centre's accounts server, e.g. https://accounts.zoho.eu — the consent
callback names it in `accounts-server`) and `api_domain` (from the token answer, e.g. https://www.zohoapis.eu).
A refresh is POST {accounts_url}/oauth/v2/token grant_type=refresh_token; a revoked refresh token answers
`{"error": "invalid_code"}`. Every call carries `Authorization: Zoho-oauthtoken …`; an expired access token is
401 `INVALID_TOKEN`; too many calls is 429 `TOO_MANY_REQUESTS` (the wait from Retry-After or
X-RateLimit-Reset when given). Deals: GET /crm/v7/Deals sorted by Modified_Time ascending with
`If-Modified-Since` (a second early: Zoho compares whole seconds), 200 a page, `page` then `page_token` past
2,000 records; 204 when nothing changed. Deleted (and merged-away) deals: GET /crm/v7/Deals/deleted?type=all.
"""

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from db import clock
from db.crm.connector import (
    Api,
    CrmError,
    Owner,
    Page,
    Response,
    Revoked,
    TokenExpired,
    columns,
    expiry,
    moments,
    oauth_token,
    retry_after,
)
from db.crm.secrets import Credentials

ACCOUNTS = "https://accounts.zoho.com"
API_DOMAIN = "https://www.zohoapis.com"
VERSION = "v7"
SCOPES = "ZohoCRM.modules.deals.READ,ZohoCRM.users.READ,ZohoCRM.settings.fields.READ"
FIELDS = ["Deal_Name", "Owner", "Account_Name", "Stage", "Amount", "Currency", "Created_Time", "Closing_Date",
          "Modified_Time", "Reason_For_Loss__s", "Next_Step", "Last_Activity_Time", "Type"]
# the export's column for each plain field (db/importers/formats.py, "zoho")
COLUMNS = {"Deal_Name": "Deal Name", "Stage": "Stage", "Amount": "Amount", "Currency": "Currency",
           "Created_Time": "Created Time", "Closing_Date": "Closing Date", "Reason_For_Loss__s": "Reason For Loss",
           "Next_Step": "Next Step", "Last_Activity_Time": "Last Activity Time"}
FORECAST = {"open": "open", "closed won": "won", "closed lost": "lost"}


def classify(response: Response) -> float | None:
    body = response.body if isinstance(response.body, dict) else {}
    code = str(body.get("code") or "").upper()
    if response.status < 400:
        return None
    if response.status == 429 or code == "TOO_MANY_REQUESTS":
        reset = response.headers.get("x-ratelimit-reset")
        if reset and reset.isdigit() and "retry-after" not in response.headers:
            return max(0.0, int(reset) / 1000 - clock.wall().timestamp())
        return retry_after(response, 60.0)
    if response.status == 401 and code == "INVALID_TOKEN":
        raise TokenExpired
    if response.status == 401 or code in ("AUTHENTICATION_FAILURE", "OAUTH_SCOPE_MISMATCH", "NO_PERMISSION"):
        raise Revoked(f"Zoho CRM refused the credentials ({code or response.status})")
    if response.status >= 500:
        return 5.0
    raise CrmError(f"Zoho CRM answered {response.status} {code}: {str(body.get('message') or '')[:150]}")


class Zoho:
    kind = "zoho"
    file_format = "zoho"
    page_size = 200

    def __init__(self, credentials: Credentials, settings: dict[str, Any], saved: Any, sleep: Any = None) -> None:
        self.accounts = (settings.get("accounts_url") or ACCOUNTS).rstrip("/")
        self.domain = (settings.get("api_domain") or API_DOMAIN).rstrip("/")
        self.api = Api(credentials, _auth, self._refresh, saved, classify, **({"sleep": sleep} if sleep else {}))
        self.users: dict[str, Owner] = {}
        self.status: dict[str, str] = {}

    @property
    def base(self) -> str:
        return f"{self.domain}/crm/{VERSION}"

    def _refresh(self, creds: Credentials) -> Credentials:
        body = token_request(self.api, self.accounts, {
            "grant_type": "refresh_token", "client_id": creds.get("client_id", ""),
            "client_secret": creds.get("client_secret", ""), "refresh_token": creds.get("refresh_token", "")})
        if body.get("api_domain"):
            self.domain = str(body["api_domain"]).rstrip("/")
        return Credentials({**creds, "access_token": body["access_token"],
                            "expires_at": expiry(body.get("expires_in"))})

    def prepare(self) -> None:
        page = 1
        while True:
            answer = self.api.request("GET", self.base + "/users", params={"type": "AllUsers", "page": page,
                                                                           "per_page": 200})
            body = answer.body or {}
            for u in body.get("users", []):
                self.users[str(u["id"])] = Owner(str(u["id"]), u.get("full_name") or "", u.get("email") or "")
            if not (body.get("info") or {}).get("more_records"):
                break
            page += 1
        answer = self.api.request("GET", self.base + "/settings/fields", params={"module": "Deals"})
        for fld in (answer.body or {}).get("fields", []):
            if fld.get("api_name") == "Stage":
                for value in fld.get("pick_list_values", []):
                    kind = FORECAST.get(str(value.get("forecast_type") or "").lower())
                    if kind:
                        self.status[value.get("display_value") or value.get("actual_value")] = kind

    def stage_map(self) -> dict[str, str]:
        return dict(self.status)

    def deals_since(self, since: datetime, token: str | None) -> tuple[Page, str | None]:
        params: dict[str, Any] = {"fields": ",".join(FIELDS), "sort_by": "Modified_Time", "sort_order": "asc",
                                  "per_page": self.page_size}
        page = 1
        if token and token.startswith("page:"):
            page = int(token[5:])
            params["page"] = page
        elif token:
            params["page_token"] = token
        else:
            params["page"] = 1
        answer = self.api.request("GET", self.base + "/Deals", params=params,
                                  headers={"If-Modified-Since": _since(since)})
        if answer.status == 204 or not answer.body:
            return Page([], [], {}), None
        info = answer.body.get("info") or {}
        records = self._page(answer.body.get("data") or [])
        if not info.get("more_records"):
            return records, None
        if info.get("next_page_token"):
            return records, str(info["next_page_token"])
        return records, f"page:{page + 1}"

    def _page(self, data: list[dict[str, Any]]) -> Page:
        ids = [str(d["id"]) for d in data]
        cols = columns(data, COLUMNS, _text)
        cols["Record Id"] = ids
        owners = [d.get("Owner") or {} for d in data]
        known = [self.users.get(str(o.get("id") or "")) for o in owners]
        pairs = list(zip(owners, known, strict=True))
        cols["Deal Owner"] = [o.get("name") or (k.name if k else "") for o, k in pairs]
        cols["Deal Owner Email"] = [o.get("email") or (k.email if k else "") for o, k in pairs]
        cols["Account Name"] = [_text(d.get("Account_Name")) for d in data]
        return Page(ids, moments([d["Modified_Time"] for d in data]), cols)

    def removed_since(self, since: datetime) -> Iterator[list[str]]:
        page = 1
        while True:
            answer = self.api.request("GET", self.base + "/Deals/deleted",
                                      params={"type": "all", "page": page, "per_page": 200},
                                      headers={"If-Modified-Since": _since(since)})
            if answer.status == 204 or not answer.body:
                return
            ids = [str(d["id"]) for d in answer.body.get("data", [])]
            if ids:
                yield ids
            if not (answer.body.get("info") or {}).get("more_records"):
                return
            page += 1


def token_request(api: Api, accounts: str, form: dict[str, str]) -> dict[str, Any]:
    """POST {accounts}/oauth/v2/token; Zoho answers a refused grant with 200 and `error` (invalid_code)."""
    return oauth_token(api, accounts + "/oauth/v2/token", form, "Zoho")


def consent_url(accounts: str, client_id: str, redirect_uri: str, state: str) -> str:
    """The page where a Zoho admin grants salesbot read access (offline: a refresh token comes back)."""
    from urllib.parse import urlencode

    return accounts + "/oauth/v2/auth?" + urlencode({
        "scope": SCOPES, "client_id": client_id, "response_type": "code", "access_type": "offline",
        "prompt": "consent", "redirect_uri": redirect_uri, "state": state})


def _since(moment: datetime) -> str:
    return (moment - timedelta(seconds=1)).replace(microsecond=0).isoformat()


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dict):
        return str(value.get("name") or "")
    return str(value)


def _auth(creds: Credentials) -> dict[str, str]:
    return {"Authorization": "Zoho-oauthtoken " + creds.get("access_token", "")}
