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
