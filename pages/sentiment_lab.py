"""Try the classifier on any text: verdict, confidence, and what the model is."""
import streamlit as st

from core.corrections import corrections_frame
from core.views import movie_link
from ui.navigation import through_navigation
from ui.resources import current_store, sentiment_model

through_navigation()

MIN_CHARS, MAX_CHARS = 5, 5_000

st.title("🧪 Sentiment lab")
st.caption("Type a review and see what ReelPulse's sentiment model makes of it: an AWD-LSTM averaged with a TF-IDF "
           "model and, for texts of up to 40 words, a SmolLM2 reader. Nothing is stored here.")

with st.form("lab"):
    text = st.text_area("Review", height=160, max_chars=MAX_CHARS,
                        placeholder="The first hour drags, but the finale is pure magic.",
                        help=f"{MIN_CHARS:,}–{MAX_CHARS:,} characters")
    submitted = st.form_submit_button("Score it", type="primary")

if submitted:
    if len(text.strip()) < MIN_CHARS:
        st.warning(f"Write at least {MIN_CHARS} characters so there is something to score.")
    else:
        result = sentiment_model().predict([text])[0]
        verdict = "Positive 👍" if result.label == "pos" else "Negative 👎"
        left, right = st.columns(2)
        left.metric("Verdict", verdict)
        right.metric("Confidence", f"{result.confidence:.0%}")
        st.progress(result.p_positive, text=f"P(positive) = {result.p_positive:.3f}")
        st.caption(f"Model: `{sentiment_model().version}`")

st.header("Where authors disagreed")
st.caption("The latest reviews whose writers said the model misread them; `python -m core.reviews export "
           "--corrections` gives them all as a labelled CSV for `python -m models.sentiment evaluate --data`.")
store = current_store()
disagreements = corrections_frame(store).sort_values("created_at", ascending=False).head(20)
if disagreements.empty:
    st.info("No corrections yet.")
else:
    disagreements["link"] = disagreements["imdb_id"].map(movie_link)
    st.dataframe(disagreements, hide_index=True, width="stretch",
                 column_order=["link", "created_at", "text", "model_label", "p_positive", "label", "model_version"],
                 column_config={"link": st.column_config.LinkColumn("Open", display_text="open ↗"),
                                "created_at": "When", "text": st.column_config.TextColumn("Review", width="large"),
                                "model_label": "Model read", "label": "Author meant",
                                "p_positive": st.column_config.NumberColumn("p(positive)", format="%.2f"),
                                "model_version": "Model version"})
