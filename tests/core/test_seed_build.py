import lzma
import shutil

import pandas as pd
import pytest

from core import seed
from core.paths import SEED_DIR
from core.seed_data import DEMO_VERDICTS, load_movies
from tests.conftest import shared_file
from tests.fakes.sentiment import FakeSentimentModel

CATALOGUE = """movielens_id,imdb_title_id,title,year,genres,n_reviews_train,n_reviews_test,n_reviews_unsup
1,tt0109830,Forrest Gump,1994,Comedy|Drama,1,0,1
2,tt0000002,Unreviewed,2000,Drama,0,0,0
3,tt0000003,No Year,,,0,1,0
"""
REVIEWS = {
    "train": "split,id,rating,label,imdb_title_id,text\ntrain,0,9,pos,tt0109830,great and moving\n"
             "train,1,2,neg,tt9999999,not in the catalogue\n",
    "test": "split,id,rating,label,imdb_title_id,text\ntest,0,3,neg,tt0000003,boring and dull\n",
    "unsup": "split,id,rating,label,imdb_title_id,text\nunsup,0,,,tt0109830,awful waste\n",
}


@pytest.fixture
def tiny_shared(tmp_path):
    (tmp_path / "movies").mkdir()
    (tmp_path / "imdb").mkdir()
    (tmp_path / "movies" / "movies_catalogue.csv.xz").write_bytes(lzma.compress(CATALOGUE.encode()))
    for split, text in REVIEWS.items():
        (tmp_path / "imdb" / f"imdb_{split}.csv.xz").write_bytes(lzma.compress(text.encode()))
    return tmp_path


@pytest.fixture
def seed_dir(tmp_path):
    folder = tmp_path / "seed"
    folder.mkdir()
    (folder / "demo_reviews.jsonl").write_text(
        '{"imdb_id": "tt0109830", "days_ago": 1, "author_label": "pos", "text": "A great film."}\n')
    return folder


def test_build_without_a_model_writes_facts_and_stars(tiny_shared, seed_dir):
    seed.build(tiny_shared, seed_dir, model=None)
    movies = {m.imdb_id: m for m in load_movies(seed_dir)}
    assert set(movies) == {"tt0109830", "tt0000003"}
    gump = movies["tt0109830"]
    assert (gump.imported_reviews, gump.reviewer_stars, gump.share_positive) == (2, 9.0, None)
    assert movies["tt0000003"].year is None
    assert not (seed_dir / DEMO_VERDICTS).exists()


def test_build_with_a_model_scores_once_and_resumes_from_its_cache(tiny_shared, seed_dir, tmp_path, monkeypatch):
    fake = FakeSentimentModel()
    monkeypatch.setattr(seed, "SCORE_CACHE", tmp_path / "cache")
    monkeypatch.setattr(seed, "model_scorer", lambda path: (lambda texts: [r.p_positive for r in fake.predict(texts)],
                                                             fake.version))
    seed.build(tiny_shared, seed_dir, model=tmp_path)
    movies = {m.imdb_id: m for m in load_movies(seed_dir)}
    assert movies["tt0109830"].share_positive == 0.5 and movies["tt0000003"].share_positive == 0.0
    assert (seed_dir / DEMO_VERDICTS).exists()
    calls = fake.calls
    seed.build(tiny_shared, seed_dir, model=tmp_path)
    assert fake.calls == calls + 1   # only the demo reviews are scored again


def test_build_without_weights_fails_clearly(tiny_shared, seed_dir, tmp_path):
    with pytest.raises(SystemExit, match="no usable sentiment model"):
        seed.build(tiny_shared, seed_dir, model=tmp_path / "missing")


@pytest.mark.timeout(120)
def test_the_shipped_catalogue_rebuilds_identically_from_shared(tmp_path):
    shared = shared_file("movies", "movies_catalogue.csv.xz").parent.parent
    shutil.copy(SEED_DIR / "demo_reviews.jsonl", tmp_path)
    seed.build(shared, tmp_path, model=None)
    built = pd.read_csv(tmp_path / "movies.csv", dtype=str)
    shipped = pd.read_csv(SEED_DIR / "movies.csv", dtype=str)
    scored = ["share_positive", "imported_weight", "imported_weight_positive"]   # need a model; the rest must not
    pd.testing.assert_frame_equal(built.drop(columns=scored), shipped.drop(columns=scored))
    assert built[scored].isna().all().all()
    assert len(built) >= 4000
