"""Deep links into a freshly started server.

Streamlit starts a process in its pages/-folder mode (multipage v1) and leaves it only when streamlit_app.py calls
st.navigation. In that mode a visit to /movie?id=… runs pages/movie.py alone: no page config, and an auto-generated
sidebar ("streamlit app", "import reviews", …). That lasted for every session of the process until someone opened
the root URL. A page run that way now switches the process to st.navigation, so only that one run renders the
old way: the visitor's next interaction, and every other session, get the app's navigation. (Rerunning at once
would fix that run too, but it would drop a click when AppTest, which starts every run in that mode, or a
session's first interaction lands here.)
"""
from streamlit.runtime.pages_manager import PagesManager


def through_navigation() -> None:
    """First thing on every page."""
    PagesManager.uses_pages_directory = False
