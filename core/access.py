"""Who may do analyst actions (import, rescore, server files, full exports), decided without Streamlit.

Viewers browse, review and generate. Analyst actions need, in order of preference: an OIDC sign-in
(`st.login`, when `[auth]` is configured in secrets.toml), or a shared password whose PBKDF2 hash lives in
secrets or the environment, or, with neither configured, a server bound to this machine only. A server
on a public address with nothing configured keeps analyst actions off.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
from enum import Enum

PASSWORD_HASH_ENV = "REELPULSE_ANALYST_PASSWORD_HASH"
PASSWORD_HASH_SECRET = "analyst_password_hash"
LOCAL_ADDRESSES = {"localhost", "127.0.0.1", "::1"}
PBKDF2_ITERATIONS = 200_000


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
