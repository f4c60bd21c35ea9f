"""Settings: one validated object, read from the environment and `.env`.

A wrong value fails at start with a message naming the variable, so an operator never finds out about a
typo in a time zone on the first Monday digest.
"""

from functools import lru_cache
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

if TYPE_CHECKING:
    from db.workspaces import WorkspaceDefaults

DEFAULT_SLACK_API_URL = "https://slack.com/api/"


class Settings(BaseSettings):
    """Every variable of the interface contract (see README, `.env.example`)."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_api_url: str = DEFAULT_SLACK_API_URL
    # Many workspaces (README "Connect to Slack"): the app's OAuth credentials, used when no SLACK_BOT_TOKEN is set
    slack_client_id: str = ""
    slack_client_secret: SecretStr | None = None
    database_url: str = "sqlite:///salesbot.db"
    salesbot_timezone: str = "UTC"
    salesbot_language: str = "en"
    salesbot_currency: str = "USD"
    salesbot_managers: str = ""
    salesbot_open_leaderboard: bool = False
    salesbot_fiscal_year_start_month: int = Field(default=1, ge=1, le=12)
    salesbot_workers: int = Field(default=32, ge=2, le=512)  # HTTP threads (waitress): acks run in them
    salesbot_after_ack_threads: int = Field(default=4, ge=1, le=512)  # lazy listeners and events, after the ack
    # >0: answers in worker processes; unset: `serve` starts one per core (bot/answer_processes.for_http), else 0
    salesbot_answer_processes: int | None = Field(default=None, ge=0, le=64)
    salesbot_files_dir: str = "console-files"
    salesbot_max_upload_mb: int = Field(default=20, ge=1, le=1024)
    salesbot_slack_timeout: int = Field(default=10, ge=1, le=25)  # seconds per Web API call
    salesbot_send_lease: int = Field(default=60, ge=2, le=3600)  # seconds a send may go without a heartbeat
    salesbot_metrics_port: int = Field(default=9090, ge=0, le=65535)  # Socket Mode's /metrics side port; 0: off
    salesbot_metrics_host: str = "127.0.0.1"
    # Live CRM sync (db/crm, README "Live CRM sync")
    salesbot_secret_key: SecretStr | None = None  # Fernet key(s): CRM credentials are stored encrypted with it
    salesbot_public_url: str = ""  # https://salesbot.example.com: where the CRM's consent page sends people back
    salesbot_sync_minutes: int = Field(default=15, ge=1, le=1440)  # how often each connected CRM is synced
    zoho_client_id: str = ""  # the Zoho API console's server-based client
    zoho_client_secret: SecretStr | None = None
    zoho_accounts_url: str = "https://accounts.zoho.com"  # the data centre's accounts server (.eu, .in, .com.cn …)
    salesforce_client_id: str = ""  # the Salesforce connected app's consumer key
    salesforce_client_secret: SecretStr | None = None
    salesforce_login_url: str = "https://login.salesforce.com"  # test.salesforce.com for a sandbox, or My Domain

    @field_validator("slack_bot_token", "slack_signing_secret", "slack_app_token", "slack_client_secret",
                     "salesbot_secret_key", "zoho_client_secret", "salesforce_client_secret", mode="before")
    @classmethod
    def _empty_secret_is_unset(cls, value: object) -> object:
        """`SLACK_BOT_TOKEN=` (a `.env` copied from `.env.example`) means not set, as if the line were absent."""
        if isinstance(value, str) and not value.strip():
            return None
        return value

    @field_validator("salesbot_timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(
                f"unknown time zone {value!r}; use an IANA name such as 'Asia/Shanghai' or 'America/New_York'"
            ) from exc
        return value

    @field_validator("salesbot_language")
    @classmethod
    def _known_language(cls, value: str) -> str:
        value = value.strip().lower()
        if value not in ("en", "zh"):
            raise ValueError(f"unsupported language {value!r}; use 'en' or 'zh'")
        return value

    @field_validator("salesbot_currency")
    @classmethod
    def _known_currency(cls, value: str) -> str:
        from babel.numbers import get_currency_name

        code = value.strip().upper()
        if len(code) != 3 or not code.isalpha() or get_currency_name(code, locale="en") == code:
            raise ValueError(f"unknown currency {value!r}; use an ISO 4217 code such as 'USD', 'EUR' or 'CNY'")
        return code

    @field_validator("slack_api_url")
    @classmethod
    def _api_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError(f"SLACK_API_URL must be an http(s) URL, got {value!r}")
        return value if value.endswith("/") else value + "/"

    @field_validator("database_url")
    @classmethod
    def _db_url(cls, value: str) -> str:
        if value.startswith("postgres://") or value.startswith("postgresql://"):
            # The psycopg (v3) driver is the one the project installs.
            return "postgresql+psycopg://" + value.split("://", 1)[1]
        return value

    @property
    def manager_ids(self) -> list[str]:
        return [u.strip() for u in self.salesbot_managers.split(",") if u.strip()]

    @property
    def workspace_defaults(self) -> "WorkspaceDefaults":
        """What a workspace row made by this process starts with (the middleware and the CLI alike)."""
        from db.workspaces import WorkspaceDefaults

        return WorkspaceDefaults(timezone=self.salesbot_timezone, language=self.salesbot_language,
                                 currency=self.salesbot_currency,
                                 fiscal_year_start_month=self.salesbot_fiscal_year_start_month)

    @property
    def has_slack_tokens(self) -> bool:
        """A bot token and a signing secret, both non-empty (a `.env` copied from `.env.example` has them empty:
        that is the console's case, not Slack's)."""
        return _set(self.slack_bot_token) and _set(self.slack_signing_secret)

    @property
    def oauth_mode(self) -> bool:
        """Many workspaces: each installs through "Add to Slack" (SLACK_CLIENT_ID, SLACK_CLIENT_SECRET and the
        signing secret set, no SLACK_BOT_TOKEN). With a bot token the single-workspace mode wins."""
        return (not _set(self.slack_bot_token) and bool(self.slack_client_id.strip())
                and _set(self.slack_client_secret) and _set(self.slack_signing_secret))

    @property
    def serves_slack(self) -> bool:
        """Whether `serve`/`socket` can talk to Slack: a bot token, or the many-workspaces mode."""
        return self.has_slack_tokens or self.oauth_mode

    @property
    def oauth_redirect_url(self) -> str | None:
        """Where Slack sends an installer back: {SALESBOT_PUBLIC_URL}/slack/oauth_redirect (None: the one redirect
        URL of the app's settings)."""
        base = self.salesbot_public_url.strip().rstrip("/")
        return f"{base}/slack/oauth_redirect" if base else None


def _set(value: SecretStr | None) -> bool:
    return value is not None and bool(value.get_secret_value().strip())


class SettingsError(RuntimeError):
    """Raised with a readable, one-line-per-problem message."""


def load_settings(**overrides: object) -> Settings:
    """Build settings, turning pydantic's error into a message an operator can act on."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            name = str(err["loc"][0]).upper() if err["loc"] else "?"
            lines.append(f"{name}: {err['msg'].removeprefix('Value error, ')}")
        raise SettingsError("invalid settings:\n  " + "\n  ".join(lines)) from None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()
