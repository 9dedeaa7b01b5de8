"""The movie page's "Draft with AI": notes and a tone in, a streamed draft (the story page's queue, Stop and
seed) out, put into the review box for the visitor to edit; a review submitted from it is an "ai-draft"."""
from __future__ import annotations

import streamlit as st

from core.drafts import DRAFT_SOURCE, MAX_NOTES, TONES, draft_on_tone
from core.schema import Movie
from models.sentiment import ArtifactError
from models.story.generate import random_seed
from ui import story
from ui.resources import sentiment_model, story_generator
from ui.reviews import WORD

PENDING, DRAFTED = "pending_draft", "drafted_for"   # a finished draft, and the movie whose box it went into
BOX = "review_box"   # the review box's current widget key


def review_box_key(imdb_id: str) -> str:
    """The review box's widget key, with a finished draft put into it; call before the box exists in the run.
    A draft gets a new box (a new key): a browser kept showing an emptied form's old box over a value set for it."""
    key = st.session_state.setdefault(BOX, "review_text-0")
    if (pending := st.session_state.pop(PENDING, None)) is not None:
        key = f"review_text-{int(key.rsplit('-', 1)[1]) + 1}"
        st.session_state[key], st.session_state[BOX], st.session_state[DRAFTED] = pending, key, imdb_id
    return key


def review_source(imdb_id: str) -> str:
    """ "ai-draft" when the box holds a draft made for this movie (edited or not), else "web"."""
    return DRAFT_SOURCE if st.session_state.get(DRAFTED) == imdb_id else "web"


def forget_draft() -> None:
    st.session_state.pop(DRAFTED, None)


def draft_panel(movie: Movie) -> None:
    with st.expander("✨ Draft with AI", expanded=st.session_state.get("draft_open", False)):
        st.caption("Give a few words and a tone; the story model drafts a short review of this movie into the box "
                   "below for you to edit. A review submitted from a draft is marked as an AI draft.")
        st.text_input("Your notes", key="draft_notes", max_chars=MAX_NOTES,
                      placeholder="loved the score, the ending fell flat")
        tone, seed, draft, stop = st.columns([3, 2, 1, 1], vertical_alignment="bottom")
        tone.radio("Tone", list(TONES), horizontal=True, key="draft_tone")
        st.session_state.setdefault("draft_seed", random_seed())
        seed.number_input("Seed", min_value=0, max_value=2**31 - 1, step=1, key="draft_seed")
        drafting = draft.button("Draft", type="primary")
        stop.button("⏹ Stop", key="draft_stop", help="Stop the draft; the text so far goes into the box.")
        if not drafting:
            return
        st.session_state.draft_open = True
        tone = st.session_state.draft_tone
        earlier = len(st.session_state.get("history", []))
        try:
            draft_on_tone(lambda request: story.stream(story_generator(), request, "AI draft")["text"], verdict,
                          movie, st.session_state.draft_notes, tone, int(st.session_state.draft_seed),
                          on_redraft=lambda label, seed: st.info(f"That draft reads {WORD[label]}, not {tone}: "
                                                                 f"drafting again with seed {seed}…"))
        finally:   # a Stop click ends the stream with a rerun: what was written so far still goes into the box
            runs = st.session_state.get("history", [])[earlier:]
            if drafted := (runs[-1]["text"].strip() if runs else ""):
                st.session_state[PENDING] = drafted
        if drafted:
            st.rerun()
        if runs:
            story.show_stats(runs[-1])


def verdict(text: str) -> str | None:
    """The sentiment model's label for a draft; None where the model cannot be loaded (the draft is kept)."""
    try:
        return sentiment_model().predict([text])[0].label
    except (ArtifactError, FileNotFoundError):
        return None
