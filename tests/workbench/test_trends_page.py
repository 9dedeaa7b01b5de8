from datetime import timedelta

from core.store import ReviewStore
from tests.core.conftest import make_review
from tests.pages.conftest import open_page


def test_the_trends_page_renders_every_chart_with_downloads(app):
    open_page(app, "pages/trends.py")
    assert len(app.get("arrow_vega_lite_chart") or app.get("vega_lite_chart")) == 5
    names = [b.proto.label for b in app.get("download_button")]
    assert len(names) == 7 and "Download over_time (CSV)" in names
    assert "reviews" in app.caption[0].value


def test_filters_narrow_every_chart(app):
    open_page(app, "pages/trends.py")
    everything = app.caption[0].value
    app.sidebar.multiselect[0].select("Comedy").run()
    assert not app.exception, app.exception
    assert app.caption[0].value != everything
    app.sidebar.number_input[0].set_value(1000).run()
    assert "No reviews match" in app.warning[0].value


def test_a_date_range_and_chosen_movies(app):
    open_page(app, "pages/trends.py")
    first, last = app.sidebar.date_input[0].value
    app.sidebar.date_input[0].set_value((last - timedelta(days=7), last)).run()
    app.radio[1].set_value("Chosen movies").run()
    app.radio[0].set_value("Day").run()
    assert not app.exception, app.exception
    assert app.multiselect[0].value


def test_a_review_in_the_tables_is_explained_with_escaped_highlights(app):
    review = make_review(1, p_positive=1.0).model_copy(update={"text": "<script>alert(1)</script> A brilliant film."})
    ReviewStore.open().append(review)
    open_page(app, "pages/trends.py")
    app.selectbox[0].select(review.review_id).run()
    assert not app.exception, app.exception
    highlighted = [m.value for m in app.markdown if "rgba(" in m.value]
    assert "&lt;script&gt;" in highlighted[0] and "<script" not in highlighted[0]
    assert ">brilliant</span>" in highlighted[0]
