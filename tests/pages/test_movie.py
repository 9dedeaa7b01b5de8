from tests.core.conftest import FORREST_GUMP
from tests.pages.conftest import metric, open_page, submit_button


def rating(app) -> float:
    return float(metric(app, "Rating").split(" / ")[0])


def submit(app, text: str):
    app.text_area[0].input(text)
    submit_button(app).click().run()
    assert not app.exception, app.exception
    return app


def test_the_movie_page_shows_facts_poster_history_and_reviews(app):
    open_page(app, "pages/movie.py", id=FORREST_GUMP)
    assert app.title[0].value == "Forrest Gump"
    assert len(app.get("image")) == 1 and len(app.get("vega_lite_chart")) == 1
    assert any(":green-badge[" in m.value for m in app.markdown)
    assert app.subheader[-1].value.startswith("Reviews (")


def test_a_positive_review_raises_the_rating_and_is_shown_first(app, fake_sentiment):
    open_page(app, "pages/movie.py", id=FORREST_GUMP)
    before = rating(app)
    submit(app, "A wonderful, moving film. Loved it.")
    assert rating(app) > before
    assert metric(app, "Verdict").startswith("Positive") and metric(app, "Confidence").endswith("%")
    assert "A wonderful, moving film. Loved it." in [t.value for t in app.text]
    assert fake_sentiment.calls == 1


def test_a_negative_review_lowers_the_rating(app):
    open_page(app, "pages/movie.py", id=FORREST_GUMP)
    before = rating(app)
    submit(app, "Boring, dull and a waste of an evening.")
    assert rating(app) < before


def test_too_short_a_review_shows_a_message_and_stores_nothing(app, data_dir):
    open_page(app, "pages/movie.py", id=FORREST_GUMP)
    size = (data_dir / "reviews.jsonl").stat().st_size
    submit(app, "meh")
    assert "at least 5 characters" in app.warning[0].value
    assert (data_dir / "reviews.jsonl").stat().st_size == size


def test_a_missing_model_shows_a_clear_message_and_stores_nothing(app, data_dir, monkeypatch, tmp_path):
    from models.sentiment import ArtifactError, SentimentModel

    def no_weights(cls, path=None):
        raise ArtifactError("weights/card.json is missing")

    monkeypatch.setattr(SentimentModel, "load", classmethod(no_weights))
    open_page(app, "pages/movie.py", id=FORREST_GUMP)
    size = (data_dir / "reviews.jsonl").stat().st_size
    submit(app, "A wonderful film.")
    assert "not available" in app.error[0].value
    assert (data_dir / "reviews.jsonl").stat().st_size == size


def test_html_in_a_review_is_shown_as_text(app):
    open_page(app, "pages/movie.py", id=FORREST_GUMP)
    submit(app, "<b>great</b> <script>alert(1)</script>")
    assert "<b>great</b> <script>alert(1)</script>" in [t.value for t in app.text]


def test_an_unknown_id_offers_a_picker(app):
    open_page(app, "pages/movie.py", id="tt0000000")
    assert "no movie" in app.warning[0].value
    assert app.selectbox[0].label == "Pick a movie"
