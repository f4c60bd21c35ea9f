"""Salesforce (REST API): Opportunity and User by SOQL on `SystemModstamp`, OAuth 2.0 web-server flow.

Credentials: `access_token`, `refresh_token`, `expires_at`, the connected app's `client_id`/`client_secret`.
Settings: `login_url` (https://login.salesforce.com, https://test.salesforce.com for a sandbox, or the org's My
Domain), `instance_url` (the org's API host, from the token answer) and `api_version`. The token answer carries no
lifetime (the org's session timeout decides it), so an access token is renewed after an hour, and at once when a
call answers 401 `INVALID_SESSION_ID`; a refresh is POST {login_url}/services/oauth2/token
grant_type=refresh_token, and a revoked one answers 400 `invalid_grant`.

Deals: GET /services/data/vXX.X/query with `SELECT … FROM Opportunity WHERE SystemModstamp >= … ORDER BY
SystemModstamp`, each answer a batch (up to 2,000) with `nextRecordsUrl` while `done` is false. Stages:
OpportunityStage (IsClosed, IsWon), so every stage, custom ones included, is open, won or lost as the org says.
Owners: User (Name, Email). Optional fields (CurrencyIsoCode in a multi-currency org, a loss reason such as
Loss_Reason__c) are read only when Opportunity's describe lists them. Dates: CreatedDate is read in the org's
time zone (Organization.TimeZoneSidKey), as a report export writes it. Deleted opportunities: queryAll with
`IsDeleted = true` (the recycle bin, 15 days) since the last sync, and once a day every live Id, so an opportunity
deleted for good while no sync ran goes too.
Errors come as a list of `{errorCode, message}`: `REQUEST_LIMIT_EXCEEDED` (the org's API requests of the last 24
hours, or too many long requests at once) is a rate limit — a concurrent one is waited out, the daily one ends the
sync; `INSUFFICIENT_ACCESS`/`API_DISABLED_FOR_ORG` revoke.
"""

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

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
    utc,
)
from db.crm.secrets import Credentials

LOGIN = "https://login.salesforce.com"
VERSION = "v62.0"
SCOPES = "api refresh_token"
SESSION = 3600  # seconds an access token is trusted when the answer does not say
BASE_FIELDS = ["Id", "Name", "StageName", "IsWon", "IsClosed", "Amount", "CloseDate", "CreatedDate",
               "SystemModstamp", "OwnerId", "Account.Name", "NextStep", "LastActivityDate"]
OPTIONAL = {"CurrencyIsoCode": "Opportunity Currency", "Loss_Reason__c": "Loss Reason"}
# the export's column for each plain field (db/importers/formats.py, "salesforce")
COLUMNS = {"Id": "Opportunity ID", "Name": "Opportunity Name", "StageName": "Stage", "Amount": "Amount",
           "CloseDate": "Close Date", "NextStep": "Next Step", "LastActivityDate": "Last Activity"}
REVOKING = {"INSUFFICIENT_ACCESS", "API_DISABLED_FOR_ORG", "INVALID_AUTH_HEADER"}


def _errors(body: Any) -> tuple[str, str]:
    first = body[0] if isinstance(body, list) and body and isinstance(body[0], dict) else \
        body if isinstance(body, dict) else {}
    return str(first.get("errorCode") or first.get("error") or ""), str(first.get("message") or "")


def classify(response: Response) -> float | None:
    """Salesforce's errors -> a wait, TokenExpired, Revoked, RateLimited (a long wait) or CrmError."""
    if response.status < 400:
        return None
    code, message = _errors(response.body)
    if code == "REQUEST_LIMIT_EXCEEDED" or response.status == 429:
        return retry_after(response, 5.0 if "concurrent" in message.lower() else 3600.0)
    if response.status == 401 and code == "INVALID_SESSION_ID":
        raise TokenExpired
    if code == "invalid_grant":
        raise Revoked("Salesforce refused the refresh token (invalid_grant)")
    if response.status == 401 or code in REVOKING:
        raise Revoked(f"Salesforce refused the credentials ({code or response.status})")
    if response.status >= 500:
        return 5.0
    raise CrmError(f"Salesforce answered {response.status} {code}: {message[:150]}")


class Salesforce:
    kind = "salesforce"
    file_format = "salesforce"
    page_size = 2000  # the query API's largest batch

    def __init__(self, credentials: Credentials, settings: dict[str, Any], saved: Any, sleep: Any = None) -> None:
        self.login = (settings.get("login_url") or LOGIN).rstrip("/")
        self.instance = (settings.get("instance_url") or self.login).rstrip("/")
        self.version = settings.get("api_version") or VERSION
        self.api = Api(credentials, _auth, self._refresh, saved, classify, **({"sleep": sleep} if sleep else {}))
        self.users: dict[str, Owner] = {}
        self.status: dict[str, str] = {}
        self.optional: list[str] = []
        self.zone = ZoneInfo("UTC")

    @property
    def data(self) -> str:
        return f"{self.instance}/services/data/{self.version}"

    def _refresh(self, creds: Credentials) -> Credentials:
        body = token_request(self.api, self.login, {
            "grant_type": "refresh_token", "client_id": creds.get("client_id", ""),
            "client_secret": creds.get("client_secret", ""), "refresh_token": creds.get("refresh_token", "")})
        if body.get("instance_url"):
            self.instance = str(body["instance_url"]).rstrip("/")
        return Credentials({**creds, "access_token": body["access_token"],
                            "expires_at": expiry(body.get("expires_in") or SESSION)})

    def _soql(self, soql: str, *, everything: bool = False) -> Iterator[dict[str, Any]]:
        """Each batch of a query's answer, following nextRecordsUrl to the end."""
        url = f"{self.data}/{'queryAll' if everything else 'query'}?" + urlencode({"q": soql})
        while url:
            body = self.api.request("GET", url).body or {}
            yield body
            following = body.get("nextRecordsUrl")
            url = self.instance + following if following and not body.get("done", True) else ""

    def prepare(self) -> None:
        for batch in self._soql("SELECT Id, Name, Email FROM User"):
            for u in batch.get("records") or []:
                self.users[str(u["Id"])] = Owner(str(u["Id"]), u.get("Name") or "", u.get("Email") or "")
        for batch in self._soql("SELECT ApiName, MasterLabel, IsClosed, IsWon FROM OpportunityStage"):
            for stage in batch.get("records") or []:
                kind = ("won" if stage.get("IsWon") else "lost") if stage.get("IsClosed") else "open"
                for name in (stage.get("ApiName"), stage.get("MasterLabel")):
                    if name:
                        self.status[str(name)] = kind
        for batch in self._soql("SELECT TimeZoneSidKey FROM Organization"):
            for org in batch.get("records") or []:
                try:
                    self.zone = ZoneInfo(str(org.get("TimeZoneSidKey") or "UTC"))
                except (ZoneInfoNotFoundError, ValueError):
                    pass
        described = self.api.request("GET", f"{self.data}/sobjects/Opportunity/describe").body or {}
        names = {f.get("name") for f in described.get("fields") or []}
        self.optional = [name for name in OPTIONAL if name in names]

    def stage_map(self) -> dict[str, str]:
        return dict(self.status)

    def deals_since(self, since: datetime, token: str | None) -> tuple[Page, str | None]:
        if token:
            body = self.api.request("GET", self.instance + token).body or {}
        else:
            soql = (f"SELECT {', '.join(BASE_FIELDS + self.optional)} FROM Opportunity WHERE SystemModstamp >= "
                    f"{_literal(since)} ORDER BY SystemModstamp ASC")
            body = self.api.request("GET", f"{self.data}/query?" + urlencode({"q": soql})).body or {}
        records = self._page(body.get("records") or [])
        following = body.get("nextRecordsUrl")
        return records, (str(following) if following and not body.get("done", True) else None)

    def _page(self, data: list[dict[str, Any]]) -> Page:
        cols = columns(data, COLUMNS, _text)
        for name in self.optional:
            cols[OPTIONAL[name]] = [_text(d.get(name)) for d in data]
        owners = [self.users.get(str(d.get("OwnerId") or "")) for d in data]
        cols["Opportunity Owner"] = [o.name if o else "" for o in owners]
        cols["Owner Email"] = [o.email if o else "" for o in owners]
        cols["Account Name"] = [_text((d.get("Account") or {}).get("Name")) for d in data]
        created = [d.get("CreatedDate") for d in data]
        cols["Created Date"] = [utc(c).astimezone(self.zone).date().isoformat() if c else "" for c in created]
        return Page([str(d["Id"]) for d in data], moments([d["SystemModstamp"] for d in data]), cols)

    def removed_since(self, since: datetime) -> Iterator[list[str]]:
        """Opportunities deleted (or merged away) since `since`, from the recycle bin."""
        soql = f"SELECT Id FROM Opportunity WHERE IsDeleted = true AND SystemModstamp >= {_literal(since)}"
        for batch in self._soql(soql, everything=True):
            ids = [str(r["Id"]) for r in batch.get("records") or []]
            if ids:
                yield ids


    def live_ids(self) -> Iterator[list[str]]:
        """Every opportunity's id (the daily check for deletions the recycle bin no longer shows)."""
        for batch in self._soql("SELECT Id FROM Opportunity"):
            yield [str(r["Id"]) for r in batch.get("records") or []]


def token_request(api: Api, login: str, form: dict[str, str]) -> dict[str, Any]:
    """POST {login}/services/oauth2/token: a code or a refresh token -> an access token and the org's instance."""
    return oauth_token(api, login + "/services/oauth2/token", form, "Salesforce")


def consent_url(login: str, client_id: str, redirect_uri: str, state: str) -> str:
    """The page where a Salesforce user allows salesbot to read the org (a refresh token comes back)."""
    return login + "/services/oauth2/authorize?" + urlencode({
        "response_type": "code", "client_id": client_id, "redirect_uri": redirect_uri, "scope": SCOPES,
        "state": state, "prompt": "consent"})


def _literal(moment: datetime) -> str:
    """A SOQL dateTime literal (UTC, milliseconds, no quotes)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _auth(creds: Credentials) -> dict[str, str]:
    return {"Authorization": "Bearer " + creds.get("access_token", "")}
