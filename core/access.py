"""Who may do analyst actions (import, rescore, server files, full exports), and who wrote a review, decided
without Streamlit.

Viewers browse, review and generate. Analyst actions need, in order of preference: an OIDC sign-in
(`st.login`, when `[auth]` is configured in secrets.toml), or a shared password whose PBKDF2 hash lives in
secrets or the environment, or, with neither configured, a server bound to this machine only. A server
on a public address with nothing configured keeps analyst actions off.
"""
from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from enum import Enum
from pathlib import Path

PASSWORD_HASH_ENV = "REELPULSE_ANALYST_PASSWORD_HASH"
PASSWORD_HASH_SECRET = "analyst_password_hash"
LOCAL_ADDRESSES = {"localhost", "127.0.0.1", "::1"}
PBKDF2_ITERATIONS = 200_000
VISITOR_KEY_ENV = "REELPULSE_VISITOR_KEY"
VISITOR_KEY_FILE = ".visitor_key"


class Gate(Enum):
    OIDC = "sign in with your identity provider"
    PASSWORD = "the analyst password"
    LOCAL = "open: this server listens on this machine only"
    CLOSED = "off: this server is public and no sign-in is configured"


def gate(oidc_configured: bool, password_hash: str | None, server_address: str | None) -> Gate:
    if oidc_configured:
        return Gate.OIDC
    if password_hash:
        return Gate.PASSWORD
    return Gate.LOCAL if (server_address or "").strip().lower() in LOCAL_ADDRESSES else Gate.CLOSED


def hash_password(password: str, salt: str | None = None, iterations: int = PBKDF2_ITERATIONS) -> str:
    """`pbkdf2_sha256$ITERATIONS$SALT$HEX`, the form the secret holds."""
    salt = salt or secrets.token_hex(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), iterations).hex()
    return f"pbkdf2_sha256${iterations}${salt}${digest}"


def check_password(password: str, stored: str) -> bool:
    try:
        scheme, iterations, salt, _ = stored.split("$")
        if scheme != "pbkdf2_sha256":
            return False
        expected = hash_password(password, salt, int(iterations))
    except ValueError:
        return False
    return hmac.compare_digest(expected.encode(), stored.encode())


def configured_visitor_key() -> bytes | None:
    """$REELPULSE_VISITOR_KEY, the key replicas share when it is set (else each store keeps its own)."""
    configured = os.environ.get(VISITOR_KEY_ENV)
    return configured.encode() if configured else None


def new_visitor_key() -> str:
    return secrets.token_hex(32)


def folder_visitor_key(store_folder: Path) -> bytes:
    """A random key kept beside a store folder (created once, readable by the server's user only)."""
    path = store_folder / VISITOR_KEY_FILE
    if not path.exists():   # written whole, then linked in: a concurrent reader never sees half a key
        temp = path.with_name(f"{VISITOR_KEY_FILE}.{secrets.token_hex(4)}.tmp")
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(new_visitor_key().encode())
            f.flush()
            os.fsync(f.fileno())
        try:
            os.link(temp, path)
        except FileExistsError:
            pass
        finally:
            temp.unlink()
    return path.read_bytes()


def visitor_id(who: str, key: bytes) -> str:
    """A stable pseudonym for an address or session: the same for the same visitor, useless without the key."""
    return hmac.new(key, who.encode(), hashlib.sha256).hexdigest()[:24]
