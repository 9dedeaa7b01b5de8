"""Try the classifier on any text: verdict, confidence, and what the model is."""
import streamlit as st

from ui.resources import sentiment_model

MIN_CHARS, MAX_CHARS = 5, 5_000

st.title("🧪 Sentiment lab")
st.caption("Type a review and see what ReelPulse's AWD-LSTM classifier makes of it. Nothing is stored here.")

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
