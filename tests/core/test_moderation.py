"""Review bombing defences: duplicates and bursts are stored but held out, analysts decide, rebuild agrees."""
import json
from datetime import timedelta

import pytest

from core.moderation import Policy, decide, held_reviews, similarity, shingles, status_for
from core.schema import Review, now
from core.submission import submit_review
from tests.core.conftest import FORREST_GUMP, make_review
from tests.fakes.sentiment import FakeSentimentModel


@pytest.fixture
def store(any_store):
    """These tests run on both store backends."""
    return any_store


T0 = now()


def review_at(minutes_ago: float, text: str = "", n: int = 0) -> Review:
    return make_review(n).model_copy(update={"created_at": T0 - timedelta(minutes=minutes_ago),
                                             "text": text or f"An honest review, number {n}, of this film."})


@pytest.mark.parametrize("a, b, same", [
    ("Worst film ever made, avoid it.", "worst film EVER made... avoid it!!", True),
    ("Worst film ever made, avoid it at all costs please.", "Worst film ever made, avoid it at all costs.", True),
    ("Worst film ever made, avoid it.", "A warm and funny film, see it.", False),
    ("Bad.", "bad", True),
])
def test_near_duplicates_are_recognised_through_casing_punctuation_and_small_edits(a, b, same):
    assert (similarity(shingles(a), shingles(b)) >= Policy().near_duplicate) is same


def test_a_repeat_within_the_window_is_a_duplicate_and_an_old_one_is_not():
    text = "Terrible pacing, terrible script, terrible film."
    assert status_for(text.upper(), T0, [review_at(60 * 24, text)]) == "duplicate"
    assert status_for(text, T0, [review_at(60 * 24 * 8, text)]) == "counted"


def test_a_burst_far_above_the_movies_usual_rate_is_held():
    policy = Policy(burst_floor=5, burst_factor=5.0)
    burst = [review_at(m, n=n) for n, m in enumerate(range(1, 60, 12))]       # 5 in the last hour
    assert status_for("Another honest review here.", T0, burst, policy=policy) == "held"
    assert status_for("Another honest review here.", T0, burst[:4], policy=policy) == "counted"


def test_a_busy_movie_is_not_in_a_burst_at_its_usual_rate():
    policy = Policy(burst_floor=5, burst_factor=5.0)
    usual = [review_at(60 + 30 * i, n=100 + i) for i in range(1440)]         # two an hour for the 30 days before
    last_hour = [review_at(m, n=n) for n, m in enumerate(range(1, 60, 6))]    # 10 in the last hour: 5x usual
    assert status_for("Another honest review here.", T0, usual + last_hour[:9], policy=policy) == "counted"
    assert status_for("Another honest review here.", T0, usual + last_hour, policy=policy) == "held"


def test_a_held_out_review_is_stored_and_leaves_the_rating_alone(store):
    model = FakeSentimentModel()
    first = submit_review(store, model, FORREST_GUMP, "A boring, awful waste of time.", "web")
    again = submit_review(store, model, FORREST_GUMP, "a boring awful waste of time!", "web")
    assert first.review.counted and again.review.status == "duplicate"
    assert again.after.rating == again.before.rating and again.after.held_out == again.before.held_out + 1
    assert store.reviews_of(FORREST_GUMP)[-1].status == "duplicate"
    assert store.rebuild() == {}


def test_an_analyst_releases_or_rejects_held_reviews_and_it_is_logged(store):
    held = [make_review(n, p_positive=0.05).model_copy(update={"status": "held"}) for n in range(3)]
    store.append_many(held)
    before = store.tally(FORREST_GUMP)
    assert decide(store, {"test-0": "counted", "test-1": "rejected"}, "ana") == 2
    after = store.tally(FORREST_GUMP)
    assert after.rating < before.rating and after.counted == before.counted + 1
    assert [r.review_id for r in held_reviews(store)] == ["test-2"]
    log = store.decisions()
    assert [(e["review_id"], e["status"], e["analyst"]) for e in log] == [("test-0", "counted", "ana"),
                                                                         ("test-1", "rejected", "ana")]
    assert store.rebuild() == {}
    with pytest.raises(ValueError, match="not held"):
        decide(store, {"test-0": "rejected"}, "ana")


def test_a_counted_review_is_written_as_before_and_old_lines_read_as_counted():
    review = make_review(1)
    assert "status" not in json.loads(review.model_dump_json())
    assert Review.model_validate_json(review.model_dump_json()).counted
    assert json.loads(review.model_copy(update={"status": "held"}).model_dump_json())["status"] == "held"


def by(visitor: str | None, review: Review, status: str = "counted") -> Review:
    return review.model_copy(update={"visitor": visitor, "status": status})


def test_a_visitor_has_one_counted_voice_per_movie_a_week():
    earlier = by("v-attacker", review_at(30, "Dull, long and badly acted."))
    assert status_for("Worst thing I have seen all year.", T0, [earlier], "v-attacker") == "repeat"
    assert status_for("Worst thing I have seen all year.", T0, [earlier], "v-someone-else") == "counted"
    assert status_for("Worst thing I have seen all year.", T0, [earlier], None) == "counted"
    old = by("v-attacker", review_at(60 * 24 * 8, "Dull, long and badly acted."))
    assert status_for("Worst thing I have seen all year.", T0, [old], "v-attacker") == "counted"
    not_counted = by("v-attacker", earlier, "duplicate")
    assert status_for("Worst thing I have seen all year.", T0, [not_counted], "v-attacker") == "counted"


def test_a_burst_counts_visitors_not_reviews():
    policy = Policy(burst_floor=5, burst_factor=5.0)
    one_visitor = [by("v-1", review_at(m, n=n), "repeat") for n, m in enumerate(range(1, 60, 6))]
    assert status_for("Another honest review here.", T0, one_visitor, "v-2", policy=policy) == "counted"
    many = [by(f"v-{n}", review_at(m, n=n)) for n, m in enumerate(range(1, 60, 12))]
    assert status_for("Another honest review here.", T0, many, "v-new", policy=policy) == "held"


def test_an_analyst_may_release_a_repeat_voice(store):
    model = FakeSentimentModel()
    submit_review(store, model, FORREST_GUMP, "A boring, awful waste of time.", "web", visitor="v-venue-wifi")
    second = submit_review(store, model, FORREST_GUMP, "Loved every minute, the cast is wonderful.", "web",
                           visitor="v-venue-wifi")
    assert second.review.status == "repeat" and second.after.rating == second.before.rating
    assert [r.review_id for r in held_reviews(store)] == [second.review.review_id]
    decide(store, {second.review.review_id: "counted"}, analyst="tester")
    assert store.reviews_of(FORREST_GUMP)[-1].counted and store.rebuild() == {}


def test_two_reviews_sent_at_once_by_one_visitor_get_one_counted_voice(store):
    import threading

    model = FakeSentimentModel()
    texts = ["A boring, awful waste of time.", "Loved every minute, the cast is wonderful."]
    threads = [threading.Thread(target=submit_review, args=(store, model, FORREST_GUMP, t, "web"),
                                kwargs=dict(visitor="v-double-click")) for t in texts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    mine = [r for r in store.reviews_of(FORREST_GUMP) if r.visitor == "v-double-click"]
    assert sorted(r.status for r in mine) == ["counted", "repeat"]
