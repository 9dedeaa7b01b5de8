"""The author has the last word: a misread review is relabelled by its writer, once, and the rating follows."""
import subprocess
import sys

import pandas as pd

from core.corrections import CORRECTION_COLUMNS
from core.store import ReviewStore
from tests.conftest import ROOT
from tests.core.conftest import FORREST_GUMP
from tests.pages.conftest import open_page
from tests.pages.test_movie import rating, submit

MISREAD = "Oh great, the best two hours I will never get back."   # the keyword fake counts "great", "best": positive


def correction(app):
    return next((b for b in app.button if b.label.startswith("That's not what I meant")), None)


def test_the_writer_relabels_a_misread_review_and_the_rating_follows(app, data_dir):
    open_page(app, "pages/movie.py", id=FORREST_GUMP)
    submit(app, MISREAD)
    button = correction(app)
    assert button is not None and button.label.endswith("negative")
    before = rating(app)
    button.click().run()
    assert not app.exception, app.exception
    assert rating(app) < before and any("now counts as negative" in s.value for s in app.success)
    assert correction(app) is None   # once only
    stored = ReviewStore.open(data_dir).reviews_of(FORREST_GUMP)[-1]
    assert (stored.label, stored.author_label) == ("pos", "neg") and stored.model_version
    assert any("Negative (author) · model read positive" in m.value for m in app.markdown)
    assert ReviewStore.open(data_dir).rebuild() == {}


def test_another_session_cannot_correct_someone_elses_review(app, data_dir):
    open_page(app, "pages/movie.py", id=FORREST_GUMP)
    submit(app, MISREAD)
    from streamlit.testing.v1 import AppTest

    other = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=30)
    open_page(other, "pages/movie.py", id=FORREST_GUMP)
    assert correction(other) is None


def test_corrections_export_as_labelled_data_the_evaluator_reads(app, data_dir, tmp_path):
    from models.sentiment.evaluate import read_labelled

    open_page(app, "pages/movie.py", id=FORREST_GUMP)
    submit(app, MISREAD)
    correction(app).click().run()
    out = subprocess.run([sys.executable, "-m", "core.reviews", "export", "--corrections"], cwd=ROOT,
                         capture_output=True, text=True, check=True,
                         env={**__import__("os").environ, "REELPULSE_DATA_DIR": str(data_dir)})
    (tmp_path / "corrections.csv").write_text(out.stdout)
    frame = pd.read_csv(tmp_path / "corrections.csv")
    assert list(frame.columns) == CORRECTION_COLUMNS and frame["text"].tolist() == [MISREAD]
    assert (frame["label"].tolist(), frame["model_label"].tolist()) == (["neg"], ["pos"])
    assert read_labelled(tmp_path / "corrections.csv")["y"].tolist() == [0]


def test_trends_and_the_lab_show_what_authors_corrected(app):
    open_page(app, "pages/movie.py", id=FORREST_GUMP)
    submit(app, MISREAD)
    correction(app).click().run()
    submit(app, "A wonderful, moving film. Loved it.")
    app.switch_page("pages/trends.py").run()
    assert not app.exception, app.exception
    assert "Model and authors" in [h.value for h in app.header]
    app.switch_page("pages/sentiment_lab.py").run()
    assert not app.exception, app.exception
    table = app.dataframe[0].value
    assert table["text"].tolist() == [MISREAD] and table["label"].tolist() == ["neg"]

