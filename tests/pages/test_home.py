from tests.pages.conftest import metric


def test_home_shows_both_platforms_and_live_figures(app):
    app.run()
    assert not app.exception
    assert int(metric(app, "Movies").replace(",", "")) >= 4000
    assert int(metric(app, "Reviews").replace(",", "")) >= 200
    assert metric(app, "Share positive").endswith("%")
    assert int(metric(app, "Reviews today")) >= 1
    assert {"⭐ Reviews hub", "✍️ Story studio"} <= {s.value for s in app.subheader}


def test_home_does_not_load_the_model(app, fake_sentiment):
    app.run()
    assert fake_sentiment.calls == 0


def test_home_highlights_top_rated_movers_latest_and_reviews_per_day_each_linking_to_its_movie(app):
    from tests.core.conftest import FORREST_GUMP
    from tests.pages.conftest import open_page
    from tests.pages.test_movie import submit

    open_page(app, "pages/movie.py", id=FORREST_GUMP)
    submit(app, "A wonderful, moving film that I loved from the first scene.")
    app.switch_page("pages/home.py").run()
    assert not app.exception, app.exception
    headers = {s.value for s in app.subheader}
    assert {"Top rated", "Biggest movers this week", "Latest reviews", "Reviews per day (30 days)"} <= headers
    top, movers = (t.value for t in app.dataframe[:2])
    assert len(top) == 5 and top["rating"].is_monotonic_decreasing and top["link"].str.startswith("/movie?id=").all()
    assert "Forrest Gump" in set(movers["title"]) and movers["link"].str.startswith("/movie?id=").all()
    latest = [m.value for m in app.markdown if "/movie?id=" in m.value]
    assert latest and f"(/movie?id={FORREST_GUMP})" in latest[0]
    assert len(app.get("vega_lite_chart")) == 1
