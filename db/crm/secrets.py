"""CRM credentials at rest: Fernet tokens (AES-128-CBC + HMAC-SHA256, `cryptography`), key from the environment.

`SALESBOT_SECRET_KEY` is a Fernet key (`salesbot secret-key` prints a fresh one). Without it nothing is
stored: `MissingKey` says how to set one. Several keys separated by commas rotate: the first encrypts, any
decrypts (MultiFernet). A secret is a small dict (tokens, expiry, the account's API domain); it is never
logged: `Credentials.__repr__` hides every value.
"""

import json
import os
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

KEY_ENV = "SALESBOT_SECRET_KEY"


class MissingKey(RuntimeError):
    """No usable SALESBOT_SECRET_KEY: the message says what to do."""


def new_key() -> str:
    """A fresh key for SALESBOT_SECRET_KEY."""
    return Fernet.generate_key().decode()


_configured: str | None = None


def use_key(key: str | None) -> None:
    """The key from the settings (.env or the environment); the environment variable is read when none is."""
    global _configured
    _configured = key.strip() if key and key.strip() else None


def _fernet() -> MultiFernet:
    raw = os.environ.get(KEY_ENV, "").strip() or (_configured or "")
    if not raw:
        raise MissingKey(
            f"{KEY_ENV} is not set: CRM credentials are only stored encrypted. Create a key with "
            f"`salesbot secret-key`, put it in the environment (or .env) as {KEY_ENV}=..., and restart."
        )
    try:
        return MultiFernet([Fernet(k.strip().encode()) for k in raw.split(",") if k.strip()])
    except ValueError:
        raise MissingKey(f"{KEY_ENV} is not a Fernet key (32 url-safe base64-encoded bytes): create one with "
                         "`salesbot secret-key`.") from None


def require_key() -> None:
    """Raise MissingKey now, before anything is asked of the user, when no key is set."""
    _fernet()


class Credentials(dict):
    """A connection's secret values; printing or logging one shows only its field names."""

    def __repr__(self) -> str:
        return f"Credentials({', '.join(sorted(self))}: hidden)"

    __str__ = __repr__


def seal(values: dict[str, Any]) -> str:
    """The Fernet token of `values` (JSON)."""
    return _fernet().encrypt(json.dumps(values, sort_keys=True).encode()).decode()


def unseal(token: str) -> Credentials:
    """The values sealed in `token`; MissingKey when the key is absent or is not the one that sealed it."""
    try:
        return Credentials(json.loads(_fernet().decrypt(token.encode())))
    except InvalidToken:
        raise MissingKey(f"{KEY_ENV} is not the key these credentials were stored with: set the old key "
                         "(first the new one, then the old, separated by a comma, to rotate).") from None
