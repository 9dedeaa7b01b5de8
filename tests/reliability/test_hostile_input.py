"""Hostile review texts: what is refused says why and stores nothing; what is stored is the text as typed
(stripped), shown as text, never as HTML or Markdown."""
import os
import re
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.schema import INVISIBLE, MAX_TEXT, MIN_TEXT, UNDECODABLE
from core.store import ReviewStore
from core.submission import submit_review
from tests.conftest import ROOT
from tests.core.conftest import FORREST_GUMP
from tests.pages.conftest import open_page, submit_button
from tests.reliability.hostile import REFUSED, STORED


def stored_texts() -> list[str]:
    return [r.text for r in ReviewStore.open().reviews_of(FORREST_GUMP)]


@pytest.mark.parametrize("name", STORED)
def test_hostile_but_valid_text_is_stored_exactly(store, fake_sentiment, name):
    submission = submit_review(store, fake_sentiment, FORREST_GUMP, STORED[name], source="test")
    assert submission.review.text == STORED[name].strip() == stored_texts()[-1]


@pytest.mark.parametrize("name", REFUSED)
def test_refused_text_says_why_and_stores_nothing(store, fake_sentiment, name):
    text, message = REFUSED[name]
    log = store.log_path.read_bytes()
    with pytest.raises(ValueError, match=re.escape(message)):
        submit_review(store, fake_sentiment, FORREST_GUMP, text, source="test")
    assert store.log_path.read_bytes() == log and fake_sentiment.calls == 0


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(st.characters(exclude_categories=()), max_size=MAX_TEXT + 50)
       | st.sampled_from([*STORED.values(), *(t for t, _ in REFUSED.values())]))
def test_any_text_is_stored_clean_or_refused_with_a_message(store, fake_sentiment, text):
    size = store.log_path.stat().st_size
    try:
        review = submit_review(store, fake_sentiment, FORREST_GUMP, text, source="fuzz").review
    except ValueError as err:
        assert str(err).startswith("a review ") and store.log_path.stat().st_size == size
        return
    assert review.text == text.strip() and MIN_TEXT <= len(review.text) <= MAX_TEXT
    assert not INVISIBLE.search(review.text) and not UNDECODABLE.search(review.text)
    assert store.log_path.read_bytes().endswith((review.model_dump_json() + "\n").encode())


def test_the_movie_page_answers_every_case_with_a_message(app, data_dir, monkeypatch):
    monkeypatch.setattr("ui.access.SESSION_LIMITS", dict(per_movie=100, overall=100))   # many reviews from one visitor
    open_page(app, "pages/movie.py", id=FORREST_GUMP)
    typable = [(t, m) for t, m in REFUSED.values() if len(t) <= MAX_TEXT and not UNDECODABLE.search(t)]
    for text, message in typable:   # a browser sends no more than max_chars, and only valid Unicode
        app.text_area[0].input(text)
        submit_button(app).click().run()
        assert not app.exception and message.split(" (")[0] in app.warning[0].value, text[:40]
    for text in STORED.values():
        app.text_area[0].input(text)
        submit_button(app).click().run()
        said = [m.value for m in (*app.success, *app.info)]   # after the first, one visitor's reviews are "repeat"
        assert not app.exception and any("Your review is stored" in m for m in said)
        assert text.strip() in [t.value for t in app.text]
    assert stored_texts()[-len(STORED):] == [t.strip() for t in STORED.values()]


def test_the_cli_refuses_invalid_utf8_before_loading_the_model(data_dir):
    env = {**os.environ, "REELPULSE_SENTIMENT_MODEL": str(data_dir / "no-model")}
    done = subprocess.run([sys.executable, "-m", "core.reviews", "add", "--movie", FORREST_GUMP,
                           "--text", b"A great \xff\xfe film"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert done.returncode == 2 and "valid UTF-8" in done.stderr and "Traceback" not in done.stderr
