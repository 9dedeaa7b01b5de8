"""Home highlights: top rated needs enough votes, movers compare with the rating a week ago, links everywhere."""
from datetime import timedelta

from core.highlights import MIN_VOTES_TO_RANK, highlights, movers, top_rated
from core.schema import now
from tests.core.conftest import FORREST_GUMP, make_review


def test_top_rated_ranks_only_movies_with_enough_votes(store):
    top = top_rated(store, 10)
    tallies = store.tallies()
    ranked = {imdb_id for imdb_id, t in tallies.items() if t.votes >= MIN_VOTES_TO_RANK}
    best = max(round(tallies[i].rating, 2) for i in ranked)
    assert top["rating"].iloc[0] == best and top["rating"].is_monotonic_decreasing
    assert top["link"].str.fullmatch(r"/movie\?id=tt\d+").all()


def test_a_movie_reviewed_this_week_moves_from_its_rating_a_week_ago(store):
    before = store.tally(FORREST_GUMP).rating
    for n in range(3):
        store.append(make_review(n, p_positive=0.02))
    moved = movers(store, now() - timedelta(minutes=5), 50).set_index("title").loc["Forrest Gump"]
    assert moved["before"] == round(before, 2) and moved["after"] == round(store.tally(FORREST_GUMP).rating, 2)
    assert moved["change"] < 0 and moved["reviews"] == 3


def test_highlights_list_the_newest_reviews_and_count_them_per_day(store):
    store.append(make_review(1))
    now_ = highlights(store)
    assert now_.latest[0].review_id == "test-1"
    assert now_.per_day["reviews"].sum() == sum(r.created_at >= now() - timedelta(days=30) for r in store.reviews())
