from collections import Counter

from core.paths import SEED_DIR
from core.rating import PRIOR_MEAN
from core.seed_data import (AUTHOR_LABEL_VERSION, DemoVerdicts, demo_reviews, load_demo_reviews, load_movies,
                            movie_from_row, text_key, write_verdicts)


def test_the_catalogue_has_thousands_of_movies_with_unique_ids():
    movies = load_movies()
    assert len(movies) >= 4000
    assert len({m.imdb_id for m in movies}) == len(movies)


def test_the_seed_holds_facts_and_figures_only():
    header = (SEED_DIR / "movies.csv").read_text().splitlines()[0]
    assert header == ("imdb_id,title,year,genres,imported_reviews,reviewer_stars,share_positive,"
                      "imported_weight,imported_weight_positive")


def test_imported_weights_load_as_the_whole_millionths_the_rating_sums():
    row = dict(imdb_id="tt0000010", title="T", year="", genres="", imported_reviews="3", reviewer_stars="",
               share_positive="0.6667", imported_weight="2.481458", imported_weight_positive="0.000001")
    movie = movie_from_row(row)
    assert (movie.imported_weight, movie.imported_weight_positive) == (2_481_458, 1)
    votes = movie.imported_votes()
    assert votes.imported == 3 and votes.reviews == 0 and votes.rating < PRIOR_MEAN


def test_an_unscored_catalogue_row_carries_no_imported_votes():
    row = dict(imdb_id="tt0000010", title="T", year="", genres="", imported_reviews="3", reviewer_stars="",
               share_positive="", imported_weight="", imported_weight_positive="")
    votes = movie_from_row(row).imported_votes()
    assert votes.imported == 0 and votes.rating == PRIOR_MEAN


def test_demo_reviews_are_many_distinct_and_cover_many_catalogue_movies():
    demos = load_demo_reviews()
    catalogue = {m.imdb_id for m in load_movies()}
    assert len(demos) >= 200
    assert len({d.text for d in demos}) == len(demos)
    per_movie = Counter(d.imdb_id for d in demos)
    assert len(per_movie) >= 30 and set(per_movie) <= catalogue
    assert {d.author_label for d in demos} == {"pos", "neg"}
    assert max(d.days_ago for d in demos) >= 90 and min(d.days_ago for d in demos) == 0


def test_without_verdicts_demo_reviews_carry_their_author_label(tmp_path):
    for name in ("movies.csv", "demo_reviews.jsonl"):
        (tmp_path / name).write_bytes((SEED_DIR / name).read_bytes())
    reviews = demo_reviews(tmp_path)
    assert {r.model_version for r in reviews} == {AUTHOR_LABEL_VERSION}


def test_verdicts_from_the_model_are_used_when_present(tmp_path):
    (tmp_path / "demo_reviews.jsonl").write_bytes((SEED_DIR / "demo_reviews.jsonl").read_bytes())
    first = load_demo_reviews(tmp_path)[0]
    write_verdicts(DemoVerdicts(model_version="m-1", p_positive={text_key(first.text): 0.25}), tmp_path)
    scored = [r for r in demo_reviews(tmp_path) if r.text == first.text]
    assert [(r.label, r.p_positive, r.model_version) for r in scored] == [("neg", 0.25, "m-1")]
