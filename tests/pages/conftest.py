from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT


@pytest.fixture
def app(data_dir, fake_sentiment) -> AppTest:
    """The whole app (st.navigation and all), on a fresh store and the keyword fake model."""
    return AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=30)


def open_page(app: AppTest, page: str, **query: str) -> AppTest:
    app.run()
    for key, value in query.items():
        app.query_params[key] = value
    app.switch_page(page).run()
    assert not app.exception, app.exception
    return app


def metric(app: AppTest, label: str) -> str:
    return next(m.value for m in app.metric if m.label == label)


def submit_button(app: AppTest):
    """The movie page's "Submit review" (the AI draft panel's buttons come first on the page)."""
    return next(b for b in app.button if b.label == "Submit review")
