from hypothesis import given
from hypothesis import strategies as st

from core.rating import PRIOR_MEAN, RatingTally
from core.store import tally_reviews
from tests.core.conftest import make_review

probabilities = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)


def tally_of(ps: list[float]) -> RatingTally:
    tally = RatingTally()
    for p in ps:
        tally = tally.add("pos" if p >= 0.5 else "neg", p)
    return tally


def test_no_reviews_is_the_prior():
    assert RatingTally().rating == PRIOR_MEAN


@given(st.lists(probabilities, max_size=40), st.floats(min_value=0.5, max_value=1.0))
def test_a_positive_review_never_lowers_the_rating(ps, p):
    before = tally_of(ps)
    assert before.add("pos", p).rating >= before.rating


@given(st.lists(probabilities, max_size=40), st.floats(min_value=0.0, max_value=0.4999))
def test_a_negative_review_never_raises_the_rating(ps, p):
    before = tally_of(ps)
    assert before.add("neg", p).rating <= before.rating


@given(probabilities)
def test_one_review_cannot_swing_a_new_movie_to_either_end(p):
    assert 4.0 <= tally_of([p]).rating <= 6.0


@given(st.lists(probabilities, max_size=40), st.randoms())
def test_the_rating_does_not_depend_on_review_order(ps, rng):
    shuffled = list(ps)
    rng.shuffle(shuffled)
    assert tally_of(shuffled) == tally_of(ps)


@given(st.lists(probabilities, max_size=60))
def test_the_rating_stays_on_the_scale(ps):
    assert 0.0 <= tally_of(ps).rating <= 10.0


@given(st.lists(probabilities, min_size=1, max_size=20))
def test_recomputing_from_reviews_matches_incremental_updates_exactly(ps):
    reviews = [make_review(i, p_positive=p) for i, p in enumerate(ps)]
    assert tally_reviews(reviews)[reviews[0].imdb_id] == tally_of(ps)


def test_a_coin_flip_verdict_carries_no_weight():
    assert tally_of([0.5, 0.5]).rating == PRIOR_MEAN


@given(st.lists(st.tuples(probabilities, st.booleans()), max_size=40), st.randoms())
def test_held_out_reviews_leave_the_rating_as_the_counted_ones_make_it_in_any_order(votes, rng):
    counted_only = RatingTally()
    for p, counted in votes:
        if counted:
            counted_only = counted_only.add("pos" if p >= 0.5 else "neg", p)
    shuffled = votes[:]
    rng.shuffle(shuffled)
    mixed = RatingTally()
    for p, counted in shuffled:
        mixed = mixed.add("pos" if p >= 0.5 else "neg", p, counted)
    assert mixed.rating == counted_only.rating and mixed.counted == counted_only.reviews
    assert mixed.reviews == len(votes) and mixed.held_out == len(votes) - counted_only.reviews


@given(st.lists(probabilities, max_size=40), st.lists(probabilities, max_size=40), st.randoms())
def test_imported_votes_count_like_logged_ones_in_any_order(imported, logged, rng):
    base = tally_of(imported)
    with_imported = RatingTally().with_imported(base.reviews, base.weight, base.weight_positive)
    shuffled = list(logged)
    rng.shuffle(shuffled)
    for p in shuffled:
        with_imported = with_imported.add("pos" if p >= 0.5 else "neg", p)
    assert with_imported.rating == tally_of(imported + logged).rating
    assert with_imported.logged == tally_of(logged) and with_imported.votes == len(imported) + len(logged)


def test_a_review_moves_a_movie_with_imported_votes_less_than_a_new_one():
    imported = tally_of([0.9] * 20)
    movie = RatingTally().with_imported(imported.reviews, imported.weight, imported.weight_positive)
    fresh = RatingTally()
    assert movie.rating > 7.5
    assert abs(movie.add("neg", 0.0).rating - movie.rating) < abs(fresh.add("neg", 0.0).rating - fresh.rating) / 2
