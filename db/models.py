"""Every table of salesbot, in one place.

Each row carries `team_id` (the Slack workspace) and every query filters on it. Money is stored as integer
cents (`*_cents`, BIGINT) so sums are exact to the cent on SQLite and PostgreSQL alike. Dates of business
events (close date, created date, feedback date) are local calendar dates as the CRM reports them; moments
(sent, answered) are UTC datetimes.

Note: no `from __future__ import annotations` here; SQLModel needs real annotations at class creation.
"""

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlmodel import Field, SQLModel

from db import clock


def utcnow() -> datetime:
    return clock.now()


def _ts(nullable: bool = True) -> Any:
    """A timezone-aware timestamp column, empty until set."""
    return Field(default=None, sa_column=Column(DateTime(timezone=True), nullable=nullable))


def _created() -> Any:
    """A timezone-aware timestamp column set to the moment the row is made."""
    return Field(default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False))


class Workspace(SQLModel, table=True):
    """A Slack workspace (team). Settings here override the process-wide defaults."""

    team_id: str = Field(primary_key=True, max_length=32)
    name: str = Field(default="", max_length=200)
    timezone: str = Field(default="UTC", max_length=64)
    language: str = Field(default="en", max_length=8)
    currency: str = Field(default="USD", max_length=3)
    fiscal_year_start_month: int = Field(default=1)
    directory_synced_at: datetime | None = _ts()  # the last full read of Slack's users.list
    # Rows taken over from the local workspace ({table: count}) until the first reply says so (then NULL):
    # stored, so whichever instance serves the first request tells it, once.
    adoption_note: dict | None = Field(default=None, sa_column=Column(JSON(none_as_null=True), nullable=True))
    created_at: datetime = _created()


class Member(SQLModel, table=True):
    """A person on the sales team: a Slack user, a CRM owner, or both once linked.

    `display_name` is the name salesbot shows (Slack real name, else display name, else handle, else the CRM
    name); `real_name`, `slack_display_name` and `handle` are Slack's own fields, kept for name resolution.
    """

    __table_args__ = (
        UniqueConstraint("team_id", "slack_user_id", name="uq_member_slack_user"),
        UniqueConstraint("team_id", "crm_name", name="uq_member_crm_name"),
        Index("ix_member_team_email", "team_id", "email"),
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32, index=True)
    slack_user_id: str | None = Field(default=None, max_length=32)
    crm_name: str | None = Field(default=None, max_length=200)
    email: str | None = Field(default=None, max_length=320)
    display_name: str = Field(default="", max_length=200)
    real_name: str = Field(default="", max_length=200)
    slack_display_name: str = Field(default="", max_length=200)
    handle: str = Field(default="", max_length=100)
    role: str = Field(default="rep", max_length=16)  # rep | manager
    manager_id: int | None = Field(default=None, foreign_key="member.id")
    timezone: str | None = Field(default=None, max_length=64)
    locale: str | None = Field(default=None, max_length=16)
    away_until: date | None = None
    active: bool = Field(default=True)
    created_at: datetime = _created()


class Deal(SQLModel, table=True):
    """An opportunity from the CRM. `status` is open | won | lost; `stage` keeps the CRM's own word."""

    __table_args__ = (
        UniqueConstraint("team_id", "source", "external_id", name="uq_deal_source_external"),
        # Covering indexes for the KPI engine: closed deals per period, per owner, and the pipeline.
        # Both carry the currency, so converting a total reads no table rows (migration 0008_exchange_rates).
        Index(
            "ix_deal_team_owner_status_close",
            "team_id",
            "owner_id",
            "status",
            "close_date",
            "amount_cents",
            "currency",
        ),
        Index("ix_deal_team_created", "team_id", "created_date", "owner_id"),
        # Revenue per rep over a period (leaderboards): covering, read in close-date order (migration 0003_kpi).
        Index(
            "ix_deal_team_status_close_owner",
            "team_id",
            "status",
            "close_date",
            "owner_id",
            "amount_cents",
            "currency",
            "created_date",  # the pipeline's closed part: "closed on/after the end, created before it"
        ),
        # The open deals alone (partial): the pipeline's "open now, created before the end" and the open deals
        # by stage, index-only, without reading the closed 95% of the table (migration 0019e_target_versions).
        Index(
            "ix_deal_open",
            "team_id",
            "created_date",
            "owner_id",
            "currency",
            "amount_cents",
            "stage",
            postgresql_where=text("status = 'open'"),
            sqlite_where=text("status = 'open'"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    source: str = Field(default="generic", max_length=32)
    external_id: str = Field(max_length=128)
    name: str = Field(default="", max_length=300)
    owner_id: int | None = Field(default=None, foreign_key="member.id")
    account: str = Field(default="", max_length=300)
    product: str = Field(default="", max_length=200)
    stage: str = Field(default="", max_length=100)
    status: str = Field(default="open", max_length=8)
    amount_cents: int = Field(default=0, sa_type=BigInteger)
    currency: str = Field(default="USD", max_length=3)
    created_date: date
    close_date: date | None = None
    row_hash: str = Field(default="", max_length=64)
    updated_at: datetime | None = _ts()
    # The CRM's own words ('' when its file has no such column): why a lost deal was lost, to which competitor,
    # and the customer's segment (industry/sector) — read by the market view (reports/market.py).
    loss_reason: str = Field(default="", max_length=200, sa_column_kwargs={"server_default": ""})
    competitor: str = Field(default="", max_length=200, sa_column_kwargs={"server_default": ""})
    segment: str = Field(default="", max_length=200, sa_column_kwargs={"server_default": ""})
    # For the CRM follow-up reminders (reports/followups.py): the CRM's next step and its due date, and the last
    # time the deal moved in the CRM (last activity / stage change); migration 0018b_followups.
    next_step: str = Field(default="", max_length=300, sa_column_kwargs={"server_default": ""})
    next_step_date: date | None = None
    last_activity_date: date | None = None


class DealChange(SQLModel, table=True):
    """What an import or sync saw happen to a deal (migration 0019h_deal_history), append-only: its first
    sighting (prev_* empty), then each change of stage/status, amount or currency, close date or owner, with the
    state after and before. Written only by the deal writer (db/importers/history.py), read by reports/history.py."""

    __tablename__ = "deal_change"
    __table_args__ = (
        Index("ix_deal_change_team_seen", "team_id", "seen_at"),
        Index("ix_deal_change_deal_seen", "deal_id", "seen_at"),
    )

    id: int | None = Field(default=None, primary_key=True, sa_type=BigInteger().with_variant(Integer(), "sqlite"))
    team_id: str = Field(max_length=32)
    deal_id: int
    run_id: int | None = None  # the ImportRun that saw it
    seen_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    stage: str = Field(max_length=100)
    status: str = Field(max_length=8)
    amount_cents: int = Field(sa_type=BigInteger)
    currency: str = Field(max_length=3)
    close_date: date | None = None
    owner_id: int | None = None
    prev_stage: str | None = Field(default=None, max_length=100)
    prev_status: str | None = Field(default=None, max_length=8)
    prev_amount_cents: int | None = Field(default=None, sa_type=BigInteger)
    prev_currency: str | None = Field(default=None, max_length=3)
    prev_close_date: date | None = None
    prev_owner_id: int | None = None


class DealMarketDay(SQLModel, table=True):
    """The deal table folded by day for the market view (db/market_rollup.py, migration 0018_market): per workspace,
    `kind` 'won' | 'lost' (key '') are deals closed that day; 'reason' and 'competitor' are lost deals by their
    loss reason / competitor; per currency (each day's amount converts at that day's rate). Valid only while
    `DealMarketState` matches `DealDayState`. Kinds 'won:<dimension>' / 'lost:<dimension>' (product, segment,
    region, size; db/market_rollup.py) serve the trend, and the market view reads won deals by product and
    segment from them (kinds 'product' / 'segment', a copy, are no longer written)."""

    __table_args__ = (  # read by kind and day range, covering (migration 0020m_market_trend_index)
        Index("ix_dealmarketday_kind_day", "team_id", "kind", "day", "key", "currency", "deals", "amount_cents"),
    )

    team_id: str = Field(primary_key=True, max_length=32)
    kind: str = Field(primary_key=True, max_length=16)
    key: str = Field(primary_key=True, max_length=300)
    day: date = Field(primary_key=True)
    currency: str = Field(primary_key=True, max_length=3)
    deals: int = Field(sa_type=BigInteger)
    amount_cents: int = Field(sa_type=BigInteger)


class DealMarketState(SQLModel, table=True):
    """One row per workspace whose market rollup was built from its deals as the daily rollup saw them:
    `built_from` is that `dealdaystate.refreshed_at` (any write to `deal` deletes that row: then both are stale)."""

    team_id: str = Field(primary_key=True, max_length=32)
    built_from: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))


class Account(SQLModel, table=True):
    """A customer account's attributes from a CRM account export (`salesbot import accounts`, migration
    0020m_accounts): sector (the market view's segment when a deal has none), region, employees (size band),
    annual revenue with its currency. `key` is reports/account_names.normalise(name): one row per account."""

    __table_args__ = (UniqueConstraint("team_id", "key", name="uq_account_key"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    key: str = Field(max_length=300)
    name: str = Field(max_length=300)
    sector: str = Field(default="", max_length=200)
    region: str = Field(default="", max_length=200)
    employees: int | None = Field(default=None, sa_type=BigInteger)
    revenue_cents: int | None = Field(default=None, sa_type=BigInteger)
    revenue_currency: str = Field(default="", max_length=3)
    source: str = Field(default="", max_length=16)
    updated_at: datetime = _created()


class DealAccount(SQLModel, table=True):
    """Which account a deal's `account` spelling is ("Bluth Co" -> the account "Bluth Co."), resolved in Python by
    reports/account_names rules, so SQL joins deal.account to account on this primary key (db/accounts.py)."""

    team_id: str = Field(primary_key=True, max_length=32)
    name: str = Field(primary_key=True, max_length=300)
    account_id: int = Field(sa_type=Integer)


class Competitor(SQLModel, table=True):
    """A competitor a manager keeps (`/market competitors add X`); `name_key` is the name compared (db/people_names)."""

    __table_args__ = (UniqueConstraint("team_id", "name_key", name="uq_competitor_name"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    name: str = Field(max_length=200)
    name_key: str = Field(max_length=200)
    created_by: str | None = Field(default=None, max_length=32)
    created_at: datetime = _created()


class FollowupSetting(SQLModel, table=True):
    """A workspace's CRM follow-up reminders (`/followup on|off|days N|at HH:MM`): one DM per rep per morning."""

    team_id: str = Field(primary_key=True, max_length=32)
    enabled: bool = Field(default=False)
    stale_days: int = Field(default=14)
    time_of_day: str = Field(default="09:00", max_length=5)
    updated_by: str | None = Field(default=None, max_length=32)
    updated_at: datetime = _created()


class CrmConnection(SQLModel, table=True):
    """A workspace's live link to one CRM (db/crm): `kind` zoho | hubspot | fxiaoke | salesforce; `status`
    pending (consent asked) | connected | broken (the CRM refused its credentials) | disconnected.

    `secret` is the credentials as a Fernet token (db/crm/secrets.py), never plain; `cursor` says how far the
    committed pages of deals reach (db/crm/sync.py); `lease_until` keeps two syncs of it from running at once."""

    __table_args__ = (UniqueConstraint("team_id", "kind", name="uq_crm_connection"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    kind: str = Field(max_length=16)
    status: str = Field(default="pending", max_length=16)
    secret: str | None = Field(default=None, sa_type=Text)
    settings: dict | None = Field(default=None, sa_column=Column(JSON(none_as_null=True), nullable=True))
    cursor: str | None = Field(default=None, sa_type=Text)
    oauth_state: str | None = Field(default=None, max_length=64)  # sha256 of the consent link's state
    oauth_started_at: datetime | None = _ts()
    lease_until: datetime | None = _ts()
    lease_holder: str | None = Field(default=None, max_length=64)
    last_sync_at: datetime | None = _ts()
    last_sync_status: str | None = Field(default=None, max_length=16)  # ok | failed
    last_sync_deals: int | None = None
    last_error: str | None = Field(default=None, max_length=300)
    broken_told: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
    created_by: str | None = Field(default=None, max_length=32)
    created_at: datetime = _created()


class TrainingSession(SQLModel, table=True):
    """A training a manager logged (`/training log`): topic, kind (classroom | online | role_play | expert_talk),
    the day it is (or was) held; `topic_key` compares topics (case and spacing ignored)."""

    __table_args__ = (UniqueConstraint("team_id", "topic_key", "day", name="uq_training_session"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    topic: str = Field(max_length=300)
    topic_key: str = Field(max_length=300)
    kind: str = Field(default="classroom", max_length=16)
    day: date
    created_by: str | None = Field(default=None, max_length=32)
    created_at: datetime = _created()


class TrainingAttendee(SQLModel, table=True):
    """Who attends a training session."""

    __table_args__ = (UniqueConstraint("session_id", "member_id", name="uq_training_attendee"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    session_id: int = Field(foreign_key="trainingsession.id")
    member_id: int = Field(foreign_key="member.id")


class Target(SQLModel, table=True):
    """A measurable, time-bound goal for one scope: the team (member_id, product and account all NULL), one
    rep, one product or one account (a figure is only ever compared with a target of its own scope).

    `value_cents` is the target in hundredths of the metric's unit: cents for money, hundredths of a deal
    for counts, hundredths of a percent point for rates. Periods are half-open [period_start, period_end).
    A SMART target ("+10% next quarter", "110% of last quarter") keeps what it was derived from: the base
    period, the base value measured when it was set, and the rule (`growth_kind` 'plus' | 'of' | 'points',
    `growth_bp` in hundredths of a percent or of a point), so every answer can show it.
    """

    __table_args__ = (
        UniqueConstraint(
            "team_id", "member_id", "product", "account", "metric", "period_start", "period_end", name="uq_target"
        ),
        Index("ix_target_team_period", "team_id", "metric", "period_start", "period_end"),
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    member_id: int | None = Field(default=None, foreign_key="member.id")
    metric: str = Field(default="revenue", max_length=32)
    period_start: date
    period_end: date
    value_cents: int = Field(sa_type=BigInteger)
    currency: str = Field(default="USD", max_length=3)
    created_by: str | None = Field(default=None, max_length=32)
    created_at: datetime = _created()
    product: str | None = Field(default=None, max_length=200)
    account: str | None = Field(default=None, max_length=200)
    base_start: date | None = None
    base_end: date | None = None
    base_cents: int | None = Field(default=None, sa_type=BigInteger)
    growth_kind: str | None = Field(default=None, max_length=8)
    growth_bp: int | None = None


PLAN_ALWAYS = date(2000, 1, 1)  # CommissionPlan.valid_from of a scope's first version: it covers the past too


class CommissionPlan(SQLModel, table=True):
    """A commission plan a manager wrote down (`/incentive plan set`): the team's (member_id NULL, `scope` 'team')
    or one rep's, which replaces the team's for that rep (`scope` 'm<id>').

    Versions: each row applies from `valid_from` (the first of the month it was written in) until the next version
    of its scope; the first version of a scope is valid from the start (`PLAN_ALWAYS`), so past statements can be
    read at once. `ended` marks "no plan of this scope from `valid_from` on" (a rep put back on the team plan).

    Rates are millionths (5% = 50,000) so any rate typed with up to four decimals of a percent is exact; `tiers`
    is a JSON list of [threshold in cents, rate in millionths], ascending (marginal, like tax brackets);
    `accelerator_milli` multiplies the commission on revenue above 100% of target (1.5 = 1500); `cap_cents`
    caps the commission, `bonus_cents` is paid on reaching the target. Amounts are in `currency`, the reporting
    currency when the plan was set.
    """

    __table_args__ = (UniqueConstraint("team_id", "scope", "valid_from", name="uq_commission_plan_from"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    scope: str = Field(max_length=16)
    member_id: int | None = Field(default=None, foreign_key="member.id")
    rate_ppm: int = Field(default=0)
    tiers: list[Any] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    accelerator_milli: int | None = None
    cap_cents: int | None = Field(default=None, sa_type=BigInteger)
    bonus_cents: int | None = Field(default=None, sa_type=BigInteger)
    currency: str = Field(default="USD", max_length=3)
    valid_from: date = Field(default=PLAN_ALWAYS, sa_column=Column(Date, nullable=False, server_default="2000-01-01"))
    ended: bool = Field(default=False, sa_column=Column(Boolean, nullable=False, server_default=false()))
    updated_by: str | None = Field(default=None, max_length=32)
    updated_at: datetime = _created()


class TeamworkRating(SQLModel, table=True):
    """A manager's teamwork rating of a rep (1-5) with a comment, for one period (`/incentive rate`), shown in the
    appraisal; rating the same rep and period again replaces it."""

    __table_args__ = (
        UniqueConstraint("team_id", "member_id", "period_start", "period_end", name="uq_teamwork_rating"),
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    member_id: int = Field(foreign_key="member.id")
    period_start: date
    period_end: date
    rating: int
    comment: str = Field(default="", sa_column=Column(Text, nullable=False))
    rated_by: str | None = Field(default=None, max_length=32)
    updated_at: datetime = _created()


class ShoutoutSetting(SQLModel, table=True):
    """Recognition (`/incentive shoutouts on #channel`): when a rep passes a target, one short message there."""

    team_id: str = Field(primary_key=True, max_length=32)
    enabled: bool = Field(default=False)
    channel_id: str | None = Field(default=None, max_length=32)
    updated_by: str | None = Field(default=None, max_length=32)
    updated_at: datetime = _created()


class ExchangeRate(SQLModel, table=True):
    """A rate the team provides: one unit of `currency` is worth `rate_micros` / 1,000,000 units of
    `to_currency` (the reporting currency it was given for), from `valid_from` until the pair's next rate.

    Integer micro-units keep conversion exact in SQL on both databases (no float ever touches money).
    """

    __table_args__ = (
        # The rate lookup: one workspace, one pair, the latest valid_from on or before a date.
        UniqueConstraint("team_id", "to_currency", "currency", "valid_from", name="uq_exchange_rate"),
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    currency: str = Field(max_length=3)
    to_currency: str = Field(max_length=3)
    valid_from: date
    rate_micros: int = Field(sa_type=BigInteger)
    created_by: str | None = Field(default=None, max_length=32)
    created_at: datetime = _created()


class Feedback(SQLModel, table=True):
    """One piece of customer feedback: a rating on `scale` (5 for CSAT, 10 for NPS 0-10) and a comment."""

    __table_args__ = (
        UniqueConstraint("team_id", "source", "external_id", name="uq_feedback_source_external"),
        # covering: every period aggregate (counts, CSAT/NPS, per account, per rep, per product) reads the index alone
        Index(
            "ix_feedback_team_date_cover",
            *("team_id", "received_on", "scale", "rating", "member_id", "account", "product"),
        ),
        Index("ix_feedback_team_account", "team_id", "account", "received_on"),
        Index("ix_feedback_team_member", "team_id", "member_id", "received_on"),
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    source: str = Field(default="slack", max_length=32)
    external_id: str = Field(max_length=128)
    received_on: date
    account: str = Field(default="", max_length=300)
    member_id: int | None = Field(default=None, foreign_key="member.id")
    product: str = Field(default="", max_length=200)
    rating: int | None = None
    scale: int = Field(default=5)
    comment: str = Field(default="")
    language: str | None = Field(default=None, max_length=8)
    created_by: str | None = Field(default=None, max_length=32)
    created_at: datetime = _created()
    # permalink of the Slack message it was logged from ("Log as customer feedback"); "" otherwise
    link: str = Field(default="", sa_column=Column(String(500), nullable=False, server_default=""))


class FeedbackDay(SQLModel, table=True):
    """How many times feedback received on a day was written (inserted, updated, deleted): kept by database
    triggers (migration 0019f), so a period's sum changes exactly when its feedback does."""

    team_id: str = Field(primary_key=True, max_length=32)
    day: date = Field(primary_key=True)
    changes: int = Field(default=0, sa_type=BigInteger)


class FeedbackThemeCache(SQLModel, table=True):
    """Themes or quality signals found for one set of periods and scope (`key`), valid while `stamp` (the
    periods' FeedbackDay sums) is the current one; shared by every process (db/feedback_cache.py)."""

    team_id: str = Field(primary_key=True, max_length=32)
    key: str = Field(primary_key=True, max_length=64)
    stamp: str = Field(max_length=200)
    payload: str = Field(sa_column=Column(Text, nullable=False))
    computed_at: datetime = _created()


class DigestSubscription(SQLModel, table=True):
    """A channel that gets a performance digest on a schedule, in its own time zone."""

    __table_args__ = (Index("ix_digest_team_active", "team_id", "active"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    channel_id: str = Field(max_length=32)
    cadence: str = Field(default="weekly", max_length=16)  # weekly | monthly | quarterly
    weekday: int = Field(default=0)  # 0 = Monday; for monthly/quarterly: the first such weekday? see reports
    time_of_day: str = Field(default="09:00", max_length=5)
    timezone: str = Field(default="UTC", max_length=64)
    language: str = Field(default="en", max_length=8)
    created_by: str | None = Field(default=None, max_length=32)
    active: bool = Field(default=True)
    created_at: datetime = _created()
    # Who the digest is for: "team" (the sales digest), or a view shared with another team: "marketing" (market
    # section and feedback themes) or "product" (quality signals and feature requests), `/digest share`.
    view: str = Field(default="team", max_length=16)


class TeamRequest(SQLModel, table=True):
    """A request to another team's channel (`/ask #presales "demo environment for Cancity by Friday"`, or a
    check-in's "support needed" answer): who asked, for which rep and account, by when; open, taken, closed.
    `channel_id`/`message_ts` is the post with the Take and Close buttons, updated as it moves."""

    __table_args__ = (
        Index("ix_team_request_team_status", "team_id", "status"),
        UniqueConstraint("checkin_run_id", name="uq_team_request_checkin_run"),
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    channel_id: str = Field(max_length=32)
    message_ts: str | None = Field(default=None, max_length=32)
    text: str = Field(max_length=1000)
    account: str | None = Field(default=None, max_length=200)
    due_date: date | None = None
    member_id: int | None = Field(default=None, foreign_key="member.id")  # the rep it is for (brief)
    asked_by: str = Field(max_length=32)  # Slack user id
    language: str = Field(default="en", max_length=8)  # the asker's, for their DMs
    checkin_run_id: int | None = Field(default=None, foreign_key="checkinrun.id")
    status: str = Field(default="open", max_length=8)  # open | taken | closed
    taken_by: str | None = Field(default=None, max_length=32)
    taken_at: datetime | None = _ts()
    closed_by: str | None = Field(default=None, max_length=32)
    closed_at: datetime | None = _ts()
    created_at: datetime = _created()


class AskSetting(SQLModel, table=True):
    """The team channel a check-in's "support needed" answer goes to with one button (`/ask checkin #channel`)."""

    team_id: str = Field(primary_key=True, max_length=32)
    checkin_channel_id: str | None = Field(default=None, max_length=32)
    updated_by: str | None = Field(default=None, max_length=32)
    updated_at: datetime = _created()


class CheckinSchedule(SQLModel, table=True):
    """A recurring one-on-one check-in a manager runs with some reps, at each rep's local time."""

    __table_args__ = (Index("ix_checkin_schedule_team_active", "team_id", "active"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    manager_user_id: str = Field(max_length=32)
    cadence: str = Field(default="weekly", max_length=16)  # weekly | biweekly | monthly
    # checkin | review: a review round's reflections ride on a schedule of their own (handlers/review.py), which
    # the check-in jobs leave alone (no reps listed, no copies, no round summary) and /checkin list does not show
    purpose: str = Field(default="checkin", max_length=16)
    weekday: int = Field(default=4)  # 0 = Monday
    time_of_day: str = Field(default="16:00", max_length=5)
    deadline_hours: int = Field(default=72)
    reminder_hours_before: int = Field(default=24)
    summary_channel: str | None = Field(default=None, max_length=32)  # None: the manager's DM
    brief_minutes_before: int | None = None
    anchor_date: date | None = None  # first occurrence week, for every-2-weeks cadences
    questions: list[str] | None = Field(default=None, sa_column=Column(JSON))
    questions_version: int = Field(default=1)
    active: bool = Field(default=True)
    paused: bool = Field(default=False)
    created_at: datetime = _created()


class ReviewSchedule(SQLModel, table=True):
    """A manager's monthly or quarterly review round, opened by the scheduler when each period ends."""

    __table_args__ = (UniqueConstraint("team_id", "manager_user_id", "cadence", name="uq_review_schedule"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    manager_user_id: str = Field(max_length=32)
    cadence: str = Field(max_length=16)  # monthly | quarterly
    active: bool = Field(default=True)
    created_at: datetime = _created()


class ReviewRound(SQLModel, table=True):
    """One review of one period for one manager: the reps asked to reflect (by DM, on `checkin_schedule_id`'s
    runs), when it opened and when it closes (then the manager gets the review). Once per period."""

    __table_args__ = (
        UniqueConstraint("team_id", "manager_user_id", "period_start", "period_end", name="uq_review_round"),
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    manager_user_id: str = Field(max_length=32)
    cadence: str = Field(max_length=16)  # monthly | quarterly
    period_start: date
    period_end: date  # exclusive
    checkin_schedule_id: int = Field(foreign_key="checkinschedule.id")
    member_ids: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    opens_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    closes_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False, index=True))
    created_at: datetime = _created()


class ReviewAction(SQLModel, table=True):
    """A lesson turned into an action in a review (`/review action "…" @owner by 2027-01-15`), followed up in
    the next review until it is done."""

    __table_args__ = (Index("ix_review_action_manager", "team_id", "manager_user_id", "status"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    manager_user_id: str = Field(max_length=32)
    text: str = Field(max_length=500)
    owner_id: int | None = Field(default=None, foreign_key="member.id")
    due_date: date | None = None
    status: str = Field(default="open", max_length=8)  # open | done
    created_at: datetime = _created()
    done_at: datetime | None = _ts()


class CheckinScheduleRep(SQLModel, table=True):
    """Which reps a check-in schedule asks."""

    __table_args__ = (UniqueConstraint("schedule_id", "member_id", name="uq_checkin_schedule_rep"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    schedule_id: int = Field(foreign_key="checkinschedule.id", index=True)
    member_id: int = Field(foreign_key="member.id", index=True)


class CheckinRun(SQLModel, table=True):
    """One check-in of one rep for one occurrence; the questions asked are frozen on it (versioning)."""

    __table_args__ = (
        UniqueConstraint("schedule_id", "member_id", "occurrence", name="uq_checkin_run"),
        Index("ix_checkin_run_team_member", "team_id", "member_id", "status"),
        Index("ix_checkin_run_deadline", "status", "deadline_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    schedule_id: int = Field(foreign_key="checkinschedule.id")
    member_id: int = Field(foreign_key="member.id")
    occurrence: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    questions: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    questions_version: int = Field(default=1)
    status: str = Field(default="pending", max_length=16)  # pending|asking|completed|missed|skipped
    channel_id: str | None = Field(default=None, max_length=32)
    thread_ts: str | None = Field(default=None, max_length=32)
    current_index: int = Field(default=0)
    sent_at: datetime | None = _ts()
    deadline_at: datetime | None = _ts()
    reminded_at: datetime | None = _ts()
    completed_at: datetime | None = _ts()


class CheckinRound(SQLModel, table=True):
    """One round of a check-in schedule (its reps asked on one local day) and its thread in the summary channel."""

    __table_args__ = (UniqueConstraint("schedule_id", "round_date", name="uq_checkin_round"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    schedule_id: int = Field(foreign_key="checkinschedule.id")
    round_date: date
    channel_id: str | None = Field(default=None, max_length=32)
    thread_ts: str | None = Field(default=None, max_length=32)  # "claiming" while one instance posts the head
    created_at: datetime = _created()


class CheckinAnswer(SQLModel, table=True):
    """A rep's answer to one question; stored as it arrives so a crash loses nothing."""

    __table_args__ = (UniqueConstraint("run_id", "question_index", name="uq_checkin_answer"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    run_id: int = Field(foreign_key="checkinrun.id", index=True)
    question_index: int
    text: str = Field(default="")
    skipped: bool = Field(default=False)
    source_event_id: str | None = Field(default=None, max_length=64)
    answered_at: datetime | None = _ts()
    updated_at: datetime | None = _ts()


class Delivery(SQLModel, table=True):
    """One message the scheduler owes someone, recorded under a unique key *before* it is sent.

    The unique key (kind, schedule, occurrence, recipient) is what makes delivery exactly-once across
    restarts and across several instances sharing one database.
    """

    __table_args__ = (
        UniqueConstraint("kind", "schedule_id", "occurrence", "recipient", name="uq_delivery_key"),
        Index("ix_delivery_status_next", "status", "next_attempt_at"),
        # What is already delivered for one occurrence, without scanning every delivery of its kind (check-ins).
        Index("ix_delivery_kind_occurrence", "kind", "occurrence", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    kind: str = Field(max_length=32)  # digest | checkin | reminder | brief | summary | ...
    schedule_id: int
    occurrence: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    recipient: str = Field(max_length=64)
    status: str = Field(default="pending", max_length=16)  # pending | sending | sent | failed | skipped
    attempts: int = Field(default=0)
    next_attempt_at: datetime | None = _ts()
    claimed_until: datetime | None = _ts()
    # When the first attempt began, on the real clock (db/clock.wall): a later attempt reads the channel from
    # then on (Slack's `oldest`), so no number of newer messages can hide a post whose answer was lost.
    first_attempt_at: datetime | None = _ts()
    last_error: str | None = None
    created_at: datetime = _created()
    sent_at: datetime | None = _ts()


class ProcessedEvent(SQLModel, table=True):
    """Slack events already handled, so a retried delivery (X-Slack-Retry-Num) is not processed twice.

    Also trigger ids and a user's repeat fingerprints (db/repeats.py). Kept for db/processed_events.RETENTION,
    then pruned by the scheduler (by `received_at`, hence the index)."""

    __table_args__ = (Index("ix_processedevent_received_at", "received_at"),)

    team_id: str = Field(primary_key=True, max_length=32)
    event_id: str = Field(primary_key=True, max_length=64)
    received_at: datetime = _created()


class ImportRun(SQLModel, table=True):
    """One import of a file: what it was and what it did, for the summary and for audits."""

    __table_args__ = (Index("ix_importrun_team", "team_id", "started_at"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    kind: str = Field(max_length=16)  # deals | targets | feedback
    filename: str = Field(default="", max_length=300)
    file_format: str = Field(default="", max_length=32)
    sha256: str = Field(default="", max_length=64)
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    status: str = Field(default="done", max_length=16)
    started_at: datetime = _created()
    finished_at: datetime | None = _ts()


class DealDay(SQLModel, table=True):
    """The deal table folded by day, per workspace: what the team-wide KPI figures add up (db/rollup.py).

    `kind` 'won' | 'lost' are deals closed that day (by close date), 'new' deals created that day (by created
    date), 'open' deals open now (by created date); per currency, because each day's amount is converted at that
    day's rate. Rows exist for a workspace only while `DealDayState` says they are up to date (migrations
    0012_deal_rollup, 0015_rollup_by_rep).
    """

    team_id: str = Field(primary_key=True, max_length=32)
    kind: str = Field(primary_key=True, max_length=8)
    day: date = Field(primary_key=True)
    currency: str = Field(primary_key=True, max_length=3)
    deals: int = Field(sa_type=BigInteger)
    amount_cents: int = Field(sa_type=BigInteger)


class DealRepMonth(SQLModel, table=True):
    """Deals won and lost per workspace, rep, month (of the close date) and currency: what a breakdown by rep adds
    up (db/rollup.py, reports/kpi_rollup.py). `owner_id` 0 stands for deals without an owner. Valid, and rebuilt,
    together with `DealDay` (migration 0015_rollup_by_rep)."""

    team_id: str = Field(primary_key=True, max_length=32)
    kind: str = Field(primary_key=True, max_length=8)
    month: date = Field(primary_key=True)
    owner_id: int = Field(primary_key=True, sa_type=BigInteger, sa_column_kwargs={"autoincrement": False})
    currency: str = Field(primary_key=True, max_length=3)
    deals: int = Field(sa_type=BigInteger)
    amount_cents: int = Field(sa_type=BigInteger)


class TargetVersion(SQLModel, table=True):
    """One row per workspace with targets or exchange rates: `token` is replaced (a random number) by database
    triggers in the same transaction as any write to that workspace's `target` or `exchangerate` rows, so
    resolved targets kept between requests (reports/targets.py) are found only while they are still true, in
    every process (migration 0019e_target_versions)."""

    team_id: str = Field(primary_key=True, max_length=32)
    token: int = Field(sa_type=BigInteger)


class DealDayState(SQLModel, table=True):
    """One row per workspace whose DealDay rows match its deals; any write to `deal` of that workspace deletes
    it (database triggers), a refresh writes it back."""

    team_id: str = Field(primary_key=True, max_length=32)
    deals: int = Field(default=0, sa_type=BigInteger)
    refreshed_at: datetime = _created()


class SlackInstallation(SQLModel, table=True):
    """A workspace's installation of the app through Slack's OAuth flow (many-workspaces mode, db/installations.py).

    `secret` holds the bot token (and any refresh or user token Slack gave) as a Fernet token
    (db/crm/secrets.py), never plain; the other columns are what a request needs to be authorised without
    asking Slack (bot user and bot ids, scopes). One row per workspace: a re-install replaces it."""

    __table_args__ = (UniqueConstraint("team_id", name="uq_slack_installation_team"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    enterprise_id: str | None = Field(default=None, max_length=32)
    team_name: str = Field(default="", max_length=200)
    app_id: str | None = Field(default=None, max_length=32)
    bot_id: str | None = Field(default=None, max_length=32)
    bot_user_id: str | None = Field(default=None, max_length=32)
    bot_scopes: str = Field(default="", sa_type=Text)
    installer_user_id: str | None = Field(default=None, max_length=32)
    secret: str = Field(sa_type=Text)
    token_expires_at: datetime | None = _ts()
    installed_at: datetime = _created()


class SlackOAuthState(SQLModel, table=True):
    """A state of the 'Add to Slack' flow, issued by GET /slack/install and consumed once by the redirect.

    Only its SHA-256 is kept (a database dump cannot replay an install under way); it lives
    `SLACK_STATE_SECONDS` and is deleted when used."""

    state_hash: str = Field(primary_key=True, max_length=64)
    created_at: datetime = _created()
