"""Connecting a CRM through its consent page (Zoho, Salesforce): the link a manager opens, and the callback that
finishes it.

The link carries a random `state` (only its hash is stored, used once, valid 30 minutes); the callback on the
bot's HTTP server (`GET /crm/oauth/<crm>`, bot/http_server.py) takes the state back, exchanges the code and stores
the tokens sealed. Zoho: at the account's data centre (Zoho names it in `accounts-server`; only Zoho's own accounts
hosts are accepted, so a forged callback cannot send the app's secret elsewhere). Salesforce: at the configured
login host (SALESFORCE_LOGIN_URL, never one the callback names); the answer names the org's `instance_url`.
"""

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.engine import Engine

from db.crm import connections, salesforce, zoho
from db.crm.connector import Api, CrmError, expiry
from db.crm.kinds import OAUTH_KINDS
from db.crm.secrets import Credentials, require_key

CALLBACK_PATH = "/crm/oauth/"


@dataclass(frozen=True)
class CrmApps:
    """What the deployment registered with the CRMs (settings): its public URL and each OAuth client."""

    public_url: str = ""
    zoho_client_id: str = ""
    zoho_client_secret: str = ""
    zoho_accounts_url: str = "https://accounts.zoho.com"
    sync_minutes: int = 15
    salesforce_client_id: str = ""
    salesforce_client_secret: str = ""
    salesforce_login_url: str = salesforce.LOGIN

    @classmethod
    def from_settings(cls, settings: Any) -> "CrmApps":
        secret = settings.zoho_client_secret.get_secret_value() if settings.zoho_client_secret else ""
        sf_secret = settings.salesforce_client_secret.get_secret_value() if settings.salesforce_client_secret else ""
        return cls(settings.salesbot_public_url.rstrip("/"), settings.zoho_client_id, secret,
                   settings.zoho_accounts_url.rstrip("/"), settings.salesbot_sync_minutes,
                   salesforce_client_id=settings.salesforce_client_id, salesforce_client_secret=sf_secret,
                   salesforce_login_url=settings.salesforce_login_url.rstrip("/"))

    def redirect_uri(self, kind: str) -> str:
        return f"{self.public_url}{CALLBACK_PATH}{kind}"

    def missing(self, kind: str) -> list[str]:
        """The settings still needed to connect `kind` from Slack (empty when ready)."""
        needed = {"SALESBOT_PUBLIC_URL": self.public_url}
        if kind == "zoho":
            needed |= {"ZOHO_CLIENT_ID": self.zoho_client_id, "ZOHO_CLIENT_SECRET": self.zoho_client_secret}
        if kind == "salesforce":
            needed |= {"SALESFORCE_CLIENT_ID": self.salesforce_client_id,
                       "SALESFORCE_CLIENT_SECRET": self.salesforce_client_secret}
        return [name for name, value in needed.items() if not value]


def consent_link(engine: Engine, apps: CrmApps, team_id: str, kind: str, user_id: str) -> str:
    """The consent page's address for this workspace (MissingKey first when credentials could not be stored)."""
    require_key()
    state = connections.start_consent(engine, team_id, kind, user_id)
    if kind == "salesforce":
        return salesforce.consent_url(apps.salesforce_login_url, apps.salesforce_client_id, apps.redirect_uri(kind),
                                      state)
    return zoho.consent_url(apps.zoho_accounts_url, apps.zoho_client_id, apps.redirect_uri(kind), state)


@dataclass
class Finished:
    ok: bool
    reason: str = ""  # bad_state | denied | refused | unknown_crm
    team_id: str = ""
    by: str = ""


def _zoho_host(url: str, configured: str) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    return urlsplit(url).scheme == "https" and (host.startswith("accounts.zoho") or host == "accounts.zohocloud.ca") \
        or url.rstrip("/") == configured


def finish(engine: Engine, apps: CrmApps, kind: str, query: dict[str, str]) -> Finished:
    """The consent page sent the manager back: check the state, exchange the code, store the tokens."""
    if kind not in OAUTH_KINDS:
        return Finished(False, "unknown_crm")
    row = connections.take_consent(engine, kind, query.get("state", ""))
    if row is None:
        return Finished(False, "bad_state")
    if query.get("error") or not query.get("code"):
        return Finished(False, "denied", row.team_id, row.created_by or "")
    exchange = _salesforce if kind == "salesforce" else _zoho
    try:
        stored = exchange(apps, query)
    except CrmError:
        stored = None
    if stored is None:
        return Finished(False, "refused", row.team_id, row.created_by or "")
    creds, settings = stored
    connections.connect(engine, row.team_id, kind, creds, settings=settings)
    return Finished(True, "", row.team_id, row.created_by or "")


def _zoho(apps: CrmApps, query: dict[str, str]) -> tuple[dict[str, Any], dict[str, Any]] | None:
    accounts = (query.get("accounts-server") or apps.zoho_accounts_url).rstrip("/")
    if not _zoho_host(accounts, apps.zoho_accounts_url):
        return None
    api = Api(Credentials(), lambda c: {}, None, lambda c: None, zoho.classify)
    body = zoho.token_request(api, accounts, {
        "grant_type": "authorization_code", "client_id": apps.zoho_client_id,
        "client_secret": apps.zoho_client_secret, "redirect_uri": apps.redirect_uri("zoho"), "code": query["code"]})
    creds = {"access_token": body["access_token"], "refresh_token": body.get("refresh_token", ""),
             "expires_at": expiry(body.get("expires_in")), "client_id": apps.zoho_client_id,
             "client_secret": apps.zoho_client_secret}
    return creds, {"accounts_url": accounts, "api_domain": str(body.get("api_domain") or "").rstrip("/")}


def _salesforce(apps: CrmApps, query: dict[str, str]) -> tuple[dict[str, Any], dict[str, Any]] | None:
    api = Api(Credentials(), lambda c: {}, None, lambda c: None, salesforce.classify)
    body = salesforce.token_request(api, apps.salesforce_login_url, {
        "grant_type": "authorization_code", "client_id": apps.salesforce_client_id,
        "client_secret": apps.salesforce_client_secret, "redirect_uri": apps.redirect_uri("salesforce"),
        "code": query["code"]})
    instance = str(body.get("instance_url") or "").rstrip("/")
    if not body.get("refresh_token") or not instance:
        return None  # without a refresh token (the app's scopes lack refresh_token) no sync would last
    creds = {"access_token": body["access_token"], "refresh_token": body["refresh_token"],
             "expires_at": expiry(body.get("expires_in") or salesforce.SESSION),
             "client_id": apps.salesforce_client_id, "client_secret": apps.salesforce_client_secret}
    return creds, {"login_url": apps.salesforce_login_url, "instance_url": instance}
