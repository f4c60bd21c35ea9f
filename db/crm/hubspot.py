"""HubSpot: CRM v3 deals search on `hs_lastmodifieddate`, the owners API, the deal pipelines, archived deals.

Credentials: a private app's access token (`{"token": ...}`, never expires) or OAuth (`access_token`,
`refresh_token`, `expires_at`, with the app's `client_id`/`client_secret`; refreshed at POST /oauth/v1/token).
Search: POST /crm/v3/objects/deals/search, one filter `hs_lastmodifieddate GTE since`, one sort (HubSpot allows
only one) ascending, `limit` 200 (its largest), `after` for the next page of the same search (at most 10,000
results deep: the engine's keyset paging starts a fresh search from the newest time instead). Rate limits: 429 with
`errorType: RATE_LIMIT` (policy SECONDLY/DAILY, `Retry-After` when given); an expired OAuth token: 401
`category: EXPIRED_AUTHENTICATION`; a revoked refresh token: 400 `BAD_REFRESH_TOKEN`.
Deals merged into another are named in the survivor's `hs_merged_object_ids` and are removed here too.
"""

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

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
    retry_after,
    utc,
)
from db.crm.secrets import Credentials

API = "https://api.hubapi.com"
PROPERTIES = ["dealname", "dealstage", "pipeline", "amount", "deal_currency_code", "createdate", "closedate",
              "hubspot_owner_id", "hs_lastmodifieddate", "closed_lost_reason", "hs_next_step",
              "notes_next_activity_date", "notes_last_updated", "hs_merged_object_ids"]
# the export's column for each property (db/importers/formats.py, "hubspot")
COLUMNS = {"dealname": "Deal Name", "amount": "Amount", "deal_currency_code": "Currency", "createdate": "Create Date",
           "closedate": "Close Date", "closed_lost_reason": "Closed lost reason", "hs_next_step": "Next step",
           "notes_next_activity_date": "Next activity date", "notes_last_updated": "Last Activity Date"}


def classify(response: Response) -> float | None:
    """HubSpot's errors -> wait (short rate limit), TokenExpired, Revoked, RateLimited (via wait) or CrmError."""
    body = response.body if isinstance(response.body, dict) else {}
    if response.status < 400:
        return None
    if response.status == 429 or body.get("errorType") == "RATE_LIMIT":
        daily = body.get("policyName") == "DAILY"
        return retry_after(response, 3600.0 if daily else 10.0)
    if response.status == 401:
        if body.get("category") == "EXPIRED_AUTHENTICATION":
            raise TokenExpired
        raise Revoked("HubSpot refused the token (" + str(body.get("category") or "401") + ")")
    if response.status == 400 and body.get("status") == "BAD_REFRESH_TOKEN":
        raise Revoked("HubSpot refused the refresh token")
    if response.status == 403:
        raise Revoked("HubSpot: the token lacks the crm.objects.deals.read / crm.objects.owners.read scopes")
    if response.status >= 500:
        return 5.0  # HubSpot's 502/504 are transient: wait a little and repeat
    raise CrmError(f"HubSpot answered {response.status}: {str(body.get('message') or '')[:150]}")


class HubSpot:
    kind = "hubspot"
    file_format = "hubspot"
    page_size = 200  # the search API's largest page

    def __init__(self, credentials: Credentials, settings: dict[str, Any], saved: Any, sleep: Any = None) -> None:
        self.base = (settings.get("api_url") or API).rstrip("/")
        oauth = "refresh_token" in credentials
        self.api = Api(credentials, _auth, self._refresh if oauth else None, saved, classify,
                       **({"sleep": sleep} if sleep else {}))
        self.owners: dict[str, Owner] = {}
        self.stages: dict[str, str] = {}  # stage id -> label
        self.status: dict[str, str] = {}  # label -> open | won | lost

    def _refresh(self, creds: Credentials) -> Credentials:
        answer = self.api.request("POST", self.base + "/oauth/v1/token", authorised=False, form={
            "grant_type": "refresh_token", "client_id": creds.get("client_id", ""),
            "client_secret": creds.get("client_secret", ""), "refresh_token": creds["refresh_token"]})
        body = answer.body or {}
        if "access_token" not in body:
            raise Revoked("HubSpot refused the refresh token")
        return Credentials({**creds, "access_token": body["access_token"],
                            "refresh_token": body.get("refresh_token") or creds["refresh_token"],
                            "expires_at": expiry(body.get("expires_in"))})

    def prepare(self) -> None:
        self.owners = {}
        after: str | None = None
        while True:
            params: dict[str, Any] = {"limit": 100, **({"after": after} if after else {})}
            body = self.api.request("GET", self.base + "/crm/v3/owners", params=params).body or {}
            for o in body.get("results", []):
                name = " ".join(p for p in (o.get("firstName"), o.get("lastName")) if p) or o.get("email") or ""
                self.owners[str(o["id"])] = Owner(str(o["id"]), name, o.get("email") or "")
            after = ((body.get("paging") or {}).get("next") or {}).get("after")
            if not after:
                break
        body = self.api.request("GET", self.base + "/crm/v3/pipelines/deals").body or {}
        for pipeline in body.get("results", []):
            for stage in pipeline.get("stages", []):
                label = stage.get("label") or stage["id"]
                self.stages[str(stage["id"])] = label
                meta = stage.get("metadata") or {}
                if str(meta.get("isClosed")).lower() == "true":
                    self.status[label] = "won" if float(meta.get("probability") or 0) >= 1 else "lost"
                else:
                    self.status[label] = "open"

    def stage_map(self) -> dict[str, str]:
        return dict(self.status)

    def deals_since(self, since: datetime, token: str | None) -> tuple[Page, str | None]:
        query: dict[str, Any] = {
            "filterGroups": [{"filters": [{"propertyName": "hs_lastmodifieddate", "operator": "GTE",
                                           "value": str(int(since.timestamp() * 1000))}]}],
            "sorts": [{"propertyName": "hs_lastmodifieddate", "direction": "ASCENDING"}],
            "properties": PROPERTIES, "limit": self.page_size}
        if token:
            query["after"] = token
        body = self.api.request("POST", self.base + "/crm/v3/objects/deals/search", json_body=query).body or {}
        page = self._page(body.get("results") or [])
        if isinstance(body.get("total"), int):
            page.total = body["total"]
        return page, ((body.get("paging") or {}).get("next") or {}).get("after")

    def _page(self, results: list[dict[str, Any]]) -> Page:
        props = [r.get("properties") or {} for r in results]
        ids = [str(r["id"]) for r in results]
        cols = columns(props, COLUMNS, _text)
        cols["Record ID"] = ids
        cols["Deal Stage"] = [self.stages.get(s, s) for s in (_text(p.get("dealstage")) for p in props)]
        owners = [self.owners.get(_text(p.get("hubspot_owner_id"))) for p in props]
        cols["Deal owner"] = [o.name if o else "" for o in owners]
        cols["Deal owner email"] = [o.email if o else "" for o in owners]
        cols["__merged"] = [";".join(m for m in _text(p.get("hs_merged_object_ids")).split(";") if m.strip())
                            for p in props]
        modified = [p.get("hs_lastmodifieddate") or r.get("updatedAt") for p, r in zip(props, results, strict=True)]
        return Page(ids, moments(modified), cols)

    def removed_since(self, since: datetime) -> Iterator[list[str]]:
        """Archived (deleted) deals archived since `since` (HubSpot lists every archived deal, by id)."""
        after: str | None = None
        while True:
            params: dict[str, Any] = {"archived": "true", "limit": 100, **({"after": after} if after else {})}
            body = self.api.request("GET", self.base + "/crm/v3/objects/deals", params=params).body or {}
            ids = [str(r["id"]) for r in body.get("results", [])
                   if not r.get("archivedAt") or utc(r["archivedAt"]) >= since - timedelta(minutes=1)]
            if ids:
                yield ids
            after = ((body.get("paging") or {}).get("next") or {}).get("after")
            if not after:
                return


def _text(value: Any) -> str:
    return str(value or "")


def _auth(creds: Credentials) -> dict[str, str]:
    return {"Authorization": "Bearer " + (creds.get("access_token") or creds.get("token") or "")}
