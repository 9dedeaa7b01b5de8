from tests.core.conftest import FORREST_GUMP
from tests.pages.conftest import open_page, submit_button


def test_a_review_on_the_movie_page_can_be_explained(app):
    open_page(app, "pages/movie.py", id=FORREST_GUMP)
    app.text_area[0].input("<i>Dull</i> start, but a wonderful ending.")
    submit_button(app).click().run()
    app.toggle[0].set_value(True).run()   # the newest review: ours
    assert not app.exception, app.exception
    highlighted = next(m.value for m in app.markdown if "rgba(" in m.value)
    assert "&lt;i&gt;" in highlighted and "<i>" not in highlighted
    assert "rgba(220,20,60" in highlighted and ">wonderful</span>" in highlighted
