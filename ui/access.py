"""Who is asking, for pages: analyst sign-in (core.access) and per-visitor review limits (core.limits)."""
from __future__ import annotations

import logging
import os
import secrets

import streamlit as st

from core.access import PASSWORD_HASH_ENV, PASSWORD_HASH_SECRET, Gate, check_password, gate, visitor_id
from core.limits import SlidingWindowLimit
from core.store import ReviewStore, StoreError

log = logging.getLogger(__name__)
SIGNED_IN = "analyst_signed_in"
SESSION_KEY = "client_key"
HOUR = 3600.0
# reviews per hour: a browser session is one visitor; an address may be many (a venue's wifi)
SESSION_LIMITS = dict(per_movie=3, overall=10)
ADDRESS_LIMITS = dict(per_movie=20, overall=60)


def _secret(name: str):
    try:
        return st.secrets.get(name)
    except (FileNotFoundError, st.errors.StreamlitSecretNotFoundError):   # no secrets.toml: nothing configured
        return None


@st.cache_resource
def _limiter() -> SlidingWindowLimit:
    return SlidingWindowLimit()


@st.cache_resource
def _review_limits() -> dict[str, SlidingWindowLimit]:
    return {f"{who}-{scope}": SlidingWindowLimit(limit, HOUR)
            for who, limits in (("session", SESSION_LIMITS), ("address", ADDRESS_LIMITS))
            for scope, limit in limits.items()}


def _session_key() -> str:
    return st.session_state.setdefault(SESSION_KEY, f"session-{secrets.token_hex(8)}")


def _review_keys(imdb_id: str) -> dict[str, str]:
    """The limit each key counts against: this session's and, where known, this address's."""
    keys = {"session-per_movie": f"{_session_key()} {imdb_id}", "session-overall": _session_key()}
    address = _address()
    if address:
        keys |= {"address-per_movie": f"{address} {imdb_id}", "address-overall": address}
    return keys


def review_wait_s(imdb_id: str) -> float:
    """Seconds until this visitor may review `imdb_id` (0: now)."""
    limits = _review_limits()
    return max(limits[name].wait_s(key) for name, key in _review_keys(imdb_id).items())


def record_review(imdb_id: str) -> None:
    limits = _review_limits()
    for name, key in _review_keys(imdb_id).items():
        limits[name].record(key)


def _password_hash() -> str | None:
    return _secret(PASSWORD_HASH_SECRET) or os.environ.get(PASSWORD_HASH_ENV)


def current_gate() -> Gate:
    return gate(bool(_secret("auth")), _password_hash(), st.get_option("server.address"))


def _address() -> str | None:
    address = st.context.ip_address
    return address if isinstance(address, str) and address else None   # None behind some proxies (a stand-in under AppTest)


@st.cache_resource
def _kept_visitor_key(location: str, _store: ReviewStore) -> bytes:
    return _store.visitor_key()   # an error is not cached: the next review tries again


def _visitor_key(store: ReviewStore) -> bytes:
    """The store's key; while it cannot be read or made (a read-only folder, the database down), a random one, so
    the review is still stored (its pseudonym then matches no other)."""
    try:
        return _kept_visitor_key(store.location, store)
    except (OSError, StoreError) as err:
        log.warning("visitor key unavailable (%s): this review gets a pseudonym of its own", err)
        return secrets.token_hex(32).encode()


def visitor(store: ReviewStore) -> str:
    """This visitor's pseudonym in the store's reviews (one counted voice per movie, core.moderation)."""
    return visitor_id(client_key(), _visitor_key(store))


def client_key() -> str:
    """Who is asking, for sign-in attempts: the client's address where Streamlit knows it, else this session."""
    return _address() or _session_key()


def is_analyst(current: Gate) -> bool:
    if current is Gate.OIDC:
        return bool(st.user.get("is_logged_in", False))
    if current is Gate.PASSWORD:
        return st.session_state.get(SIGNED_IN) is True
    return current is Gate.LOCAL


def analyst_name() -> str:
    """Who is signed in, for the moderation log."""
    current = current_gate()
    if current is Gate.OIDC:
        return str(st.user.get("email") or st.user.get("name") or "oidc-user")
    return "analyst (password)" if current is Gate.PASSWORD else "local operator"


def _password_form() -> None:
    with st.form("analyst-sign-in"):
        password = st.text_input("Analyst password", type="password")
        submitted = st.form_submit_button("Sign in")
    if not submitted:
        return
    limiter, key = _limiter(), client_key()
    wait = limiter.wait_s(key)
    if wait:
        st.error(f"Too many attempts: try again in {wait / 60:.0f} min.")
        return
    limiter.record(key)
    if check_password(password, _password_hash() or ""):
        st.session_state[SIGNED_IN] = True
        st.rerun()
    st.error("That is not the analyst password.")


def require_analyst(what: str) -> None:
    """Stop the page unless this visitor may do analyst actions; say how to become one (or why not)."""
    current = current_gate()
    if is_analyst(current):
        if current is Gate.LOCAL:
            st.caption("Analyst actions are open: this server listens on this machine only.")
        return
    st.info(f"{what} is for analysts. Analyst sign-in here: {current.value}.")
    if current is Gate.OIDC:
        st.button("Sign in", on_click=st.login)
    elif current is Gate.PASSWORD:
        _password_form()
    st.stop()
