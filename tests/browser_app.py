"""Launch the real app with the keyword fake sentiment model (used by tests/test_browser.py).

    python -m tests.browser_app --server.port 8599
"""
import sys

from streamlit.web import cli

from models.sentiment import SentimentModel
from tests.conftest import ROOT
from tests.fakes.sentiment import FakeSentimentModel

FAKE = FakeSentimentModel()
SentimentModel.load = classmethod(lambda cls, path=None: FAKE)

if __name__ == "__main__":
    sys.argv = ["streamlit", "run", str(ROOT / "streamlit_app.py"), *sys.argv[1:]]
    sys.exit(cli.main())
