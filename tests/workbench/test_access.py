"""Analyst actions (import, rescore, server files) by role: the gate's rules and the page under each."""
import pytest

from core.access import Gate, check_password, gate, hash_password
from core.limits import SlidingWindowLimit
from tests.pages.conftest import open_page

PAGE = "pages/import_reviews.py"


@pytest.mark.parametrize("oidc, password_hash, address, expected", [
    (True, "x", "0.0.0.0", Gate.OIDC),
    (False, "pbkdf2_sha256$1$s$h", "", Gate.PASSWORD),
    (False, None, "127.0.0.1", Gate.LOCAL),
    (False, None, "localhost", Gate.LOCAL),
    (False, None, "::1", Gate.LOCAL),
    (False, None, "", Gate.CLOSED),        # unset: Streamlit listens on every interface
    (False, None, "0.0.0.0", Gate.CLOSED),
    (False, "", "10.1.2.3", Gate.CLOSED),
])
def test_the_gate_follows_what_is_configured_and_where_the_server_listens(oidc, password_hash, address, expected):
    assert gate(oidc, password_hash, address) is expected


def test_a_password_matches_only_its_own_hash():
    stored = hash_password("correct horse", iterations=1_000)
    assert check_password("correct horse", stored)
    assert not check_password("correct hors", stored)
    assert not check_password("correct horse", "not-a-hash") and not check_password("x", "md5$1$s$h")
    assert hash_password("correct horse", iterations=1_000) != stored   # salted


def test_attempts_are_limited_per_client_within_the_window():
    limiter = SlidingWindowLimit(limit=3, window_s=60)
    for t in range(3):
        assert limiter.wait_s("a", now=t) == 0
        limiter.record("a", now=t)
    assert limiter.wait_s("a", now=10) == pytest.approx(50)
    assert limiter.wait_s("b", now=10) == 0
    assert limiter.wait_s("a", now=60) == 0


def import_controls(app) -> list[str]:
    return [b.label for b in app.button]


def sign_in(app, password: str) -> None:
    app.text_input[0].input(password)   # a form's value is sent with its submit button, in one run
    app.button[0].click().run()


@pytest.fixture
def public(server_address, monkeypatch):
    monkeypatch.delenv("REELPULSE_ANALYST_PASSWORD_HASH", raising=False)
    server_address("0.0.0.0")


def test_a_public_server_without_sign_in_keeps_analyst_actions_off(app, public):
    open_page(app, PAGE)
    assert "Import" not in import_controls(app) and "Rescore stored reviews" not in import_controls(app)
    assert "public and no sign-in is configured" in app.info[0].value


def test_a_local_server_opens_analyst_actions_and_says_so(app, local_server):
    open_page(app, PAGE)
    assert "Import" in import_controls(app) and "listens on this machine only" in app.caption[0].value


def test_the_analyst_password_opens_them_and_a_wrong_one_does_not(app, public, monkeypatch):
    monkeypatch.setenv("REELPULSE_ANALYST_PASSWORD_HASH", hash_password("s3cret", iterations=1_000))
    open_page(app, PAGE)
    assert "Import" not in import_controls(app)
    sign_in(app, "guess")
    assert "not the analyst password" in app.error[0].value and "Import" not in import_controls(app)
    sign_in(app, "s3cret")
    assert not app.exception and "Import" in import_controls(app)


def test_repeated_wrong_passwords_are_slowed_down(app, public, monkeypatch):
    monkeypatch.setenv("REELPULSE_ANALYST_PASSWORD_HASH", hash_password("s3cret", iterations=1_000))
    open_page(app, PAGE)
    for _ in range(6):
        sign_in(app, "guess")
    assert "Too many attempts" in app.error[0].value
    sign_in(app, "s3cret")
    assert "Import" not in import_controls(app)   # even the right password waits out the window


def test_with_oidc_configured_the_page_offers_the_providers_sign_in(app, public, monkeypatch):
    import ui.access

    monkeypatch.setattr(ui.access, "_secret", lambda name: {"auth": {"redirect_uri": "x"}}.get(name))
    open_page(app, PAGE)
    assert "Sign in" in import_controls(app) and "Import" not in import_controls(app)
