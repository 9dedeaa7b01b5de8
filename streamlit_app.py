"""ReelPulse: movie review sentiment hub + AI story studio. Run: streamlit run streamlit_app.py"""
import streamlit as st

st.set_page_config(page_title="ReelPulse", page_icon="🎬", layout="wide")

PAGES = {
    "Reviews": [
        st.Page("pages/home.py", title="Home", icon="🏠", default=True),
        st.Page("pages/movies.py", title="Movies", icon="🎞️"),
        st.Page("pages/movie.py", title="Movie", icon="⭐", url_path="movie"),
        st.Page("pages/sentiment_lab.py", title="Sentiment lab", icon="🧪"),
    ],
    "Analysts": [
        st.Page("pages/trends.py", title="Trends", icon="📈"),
        st.Page("pages/import_reviews.py", title="Import & rescore", icon="📥"),
    ],
    "Stories": [
        st.Page("pages/story_studio.py", title="Story studio", icon="✍️"),
    ],
}

st.navigation(PAGES).run()
