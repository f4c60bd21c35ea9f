"""The `crmconnection` rows: connect (credentials sealed), the consent link's state, the sync lease, the outcome.

The lease is the delivery ledger's pattern (db/deliveries.py): a conditional UPDATE that only one caller wins,
on SQLite and PostgreSQL, across processes; a sync renews it with every committed page batch, so a lease that
ran out means its process is gone and the next sync (any instance) takes over from the stored cursor.
"""

import hashlib
import secrets as token_bytes
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.engine import Engine

from db import clock
from db.crm.secrets import Credentials, seal, unseal
from db.models import CrmConnection

LEASE = timedelta(minutes=10)
CONSENT_VALID = timedelta(minutes=30)
TABLE = CrmConnection.__table__


def find(engine: Engine, team_id: str, kind: str) -> CrmConnection | None:
    with engine.connect() as conn:
        row = conn.execute(select(TABLE).where(TABLE.c.team_id == team_id, TABLE.c.kind == kind)).first()
    return CrmConnection(**row._mapping) if row else None


def of_team(engine: Engine, team_id: str) -> list[CrmConnection]:
    with engine.connect() as conn:
        rows = conn.execute(select(TABLE).where(TABLE.c.team_id == team_id).order_by(TABLE.c.kind)).all()
    return [CrmConnection(**r._mapping) for r in rows]


def connected(engine: Engine) -> list[CrmConnection]:
    """Every connection a scheduled sync should run for."""
    with engine.connect() as conn:
        rows = conn.execute(select(TABLE).where(TABLE.c.status == "connected").order_by(TABLE.c.id)).all()
    return [CrmConnection(**r._mapping) for r in rows]


def by_id(engine: Engine, connection_id: int) -> CrmConnection | None:
    with engine.connect() as conn:
        row = conn.execute(select(TABLE).where(TABLE.c.id == connection_id)).first()
    return CrmConnection(**row._mapping) if row else None


def _upsert(engine: Engine, team_id: str, kind: str, values: dict[str, Any]) -> int:
    with engine.begin() as conn:
        found = conn.execute(select(TABLE.c.id).where(TABLE.c.team_id == team_id, TABLE.c.kind == kind)).scalar()
        if found is not None:
            conn.execute(update(TABLE).where(TABLE.c.id == found).values(**values))
            return int(found)
        row = conn.execute(TABLE.insert().values(team_id=team_id, kind=kind, created_at=clock.now(), **values))
        return int(row.inserted_primary_key[0])


def connect(engine: Engine, team_id: str, kind: str, credentials: dict[str, Any], *,
            settings: dict[str, Any] | None = None, by: str | None = None) -> int:
    """Store the credentials (sealed; MissingKey without SALESBOT_SECRET_KEY) and mark the connection usable.
    A new account starts from an empty cursor; reconnecting the same account keeps it."""
    sealed = seal(dict(credentials))
    values: dict[str, Any] = {"status": "connected", "secret": sealed, "settings": settings or {},
                              "oauth_state": None, "broken_told": False, "last_error": None}
    if by:
        values["created_by"] = by
    return _upsert(engine, team_id, kind, values)


def start_consent(engine: Engine, team_id: str, kind: str, by: str) -> str:
    """A fresh state for the consent link (only its hash is stored); an earlier link stops working."""
    state = token_bytes.token_urlsafe(24)
    _upsert(engine, team_id, kind, {"oauth_state": _hash(state), "oauth_started_at": clock.now(), "created_by": by,
                                    **({} if find(engine, team_id, kind) else {"status": "pending"})})
    return state


def take_consent(engine: Engine, kind: str, state: str) -> CrmConnection | None:
    """The connection whose consent link carried `state` (used once, valid CONSENT_VALID), else None."""
    if not state:
        return None
    with engine.begin() as conn:
        row = conn.execute(select(TABLE).where(TABLE.c.kind == kind, TABLE.c.oauth_state == _hash(state))).first()
        if row is None:
            return None
        conn.execute(update(TABLE).where(TABLE.c.id == row.id).values(oauth_state=None))
    found = CrmConnection(**row._mapping)
    started = found.oauth_started_at
    if started is None or clock.now() - _aware(started) > CONSENT_VALID:
        return None
    return found


def credentials(row: CrmConnection) -> Credentials:
    return unseal(row.secret or "")


def save_credentials(engine: Engine, connection_id: int, values: dict[str, Any]) -> None:
    """Refreshed tokens, stored at once (a later failure must not lose a rotated refresh token)."""
    with engine.begin() as conn:
        conn.execute(update(TABLE).where(TABLE.c.id == connection_id).values(secret=seal(dict(values))))


def save_settings(engine: Engine, connection_id: int, settings: dict[str, Any]) -> None:
    with engine.begin() as conn:
        conn.execute(update(TABLE).where(TABLE.c.id == connection_id).values(settings=settings))


def disconnect(engine: Engine, team_id: str, kind: str) -> CrmConnection | None:
    """Forget the credentials (the synced deals stay); returns the row as it was, None when there was none."""
    row = find(engine, team_id, kind)
    if row is None:
        return None
    with engine.begin() as conn:
        conn.execute(update(TABLE).where(TABLE.c.id == row.id).values(
            status="disconnected", secret=None, oauth_state=None, lease_until=None, lease_holder=None))
    return row


def claim_lease(engine: Engine, connection_id: int, holder: str, *, lease: timedelta = LEASE) -> bool:
    """Take the connection for one sync; False when another sync holds it (and its lease has not run out)."""
    now = clock.wall()
    with engine.begin() as conn:
        taken = conn.execute(update(TABLE).where(
            TABLE.c.id == connection_id, TABLE.c.status == "connected",
            or_(TABLE.c.lease_until.is_(None), TABLE.c.lease_until < now),
        ).values(lease_until=now + lease, lease_holder=holder)).rowcount
    return bool(taken)


def renew_lease(conn: Any, connection_id: int, holder: str, *, lease: timedelta = LEASE) -> None:
    conn.execute(update(TABLE).where(TABLE.c.id == connection_id, TABLE.c.lease_holder == holder)
                 .values(lease_until=clock.wall() + lease))


def release_lease(engine: Engine, connection_id: int, holder: str) -> None:
    with engine.begin() as conn:
        conn.execute(update(TABLE).where(and_(TABLE.c.id == connection_id, TABLE.c.lease_holder == holder))
                     .values(lease_until=None, lease_holder=None))


def store_cursor(conn: Any, connection_id: int, cursor: str) -> None:
    conn.execute(update(TABLE).where(TABLE.c.id == connection_id).values(cursor=cursor))


def record_outcome(engine: Engine, connection_id: int, *, status: str, deals: int, error: str | None = None,
                   broken: bool = False) -> None:
    values: dict[str, Any] = {"last_sync_at": clock.now(), "last_sync_status": status, "last_sync_deals": deals,
                              "last_error": (error or None) and error[:300]}
    if broken:
        values["status"] = "broken"
    with engine.begin() as conn:
        conn.execute(update(TABLE).where(TABLE.c.id == connection_id).values(**values))


def claim_broken_notice(engine: Engine, connection_id: int) -> bool:
    """True once per breakage: whoever wins tells the managers."""
    with engine.begin() as conn:
        return bool(conn.execute(update(TABLE).where(
            TABLE.c.id == connection_id, TABLE.c.status == "broken", TABLE.c.broken_told.is_(False),
        ).values(broken_told=True)).rowcount)


def _hash(state: str) -> str:
    return hashlib.sha256(state.encode()).hexdigest()


def _aware(moment: datetime) -> datetime:
    from datetime import UTC

    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
