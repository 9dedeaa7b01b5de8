"""The story studio's views of sampling: the next-token explorer (what each setting does to the next token,
live as the sliders move) and the token view of a finished run (each token shaded by how likely it was, its
alternatives on hover, and a branch from any token with another choice)."""
from __future__ import annotations

import html
import logging

import altair as alt
import pandas as pd
import streamlit as st

from models.story.explore import next_token_logits, pipeline_table
from models.story.turns import GENERATION_TURNS, AlreadyQueued
from ui.access import client_key
from ui.resources import story_generator

log = logging.getLogger(__name__)
UNLIKELY = "255, 140, 0"   # the shade of an unlikely token (orange), stronger the less likely it was


@st.cache_data(max_entries=32, show_spinner="One forward pass (it waits its turn behind any generation)…")
def _logits(model: str, prompt: str, mode: str, style: bool, continuation: str):
    """Logits for the token after prompt + continuation: one forward pass per (model, prompt, position), taking
    its turn in line like a generation (one place per visitor), so the explorer cannot load the cores freely."""
    turn = GENERATION_TURNS.join(client_key())
    try:
        GENERATION_TURNS.wait(turn)
        return next_token_logits(story_generator(), prompt, mode, style, continuation)
    finally:
        GENERATION_TURNS.leave(turn)


def explorer(sampling, prompt: str, mode: str, style: bool, continuation: str = "") -> None:
    """A chart of the likeliest next tokens after each stage of the sampling pipeline for `sampling`."""
    if not prompt.strip():
        st.caption("Write a prompt to explore its next token.")
        return
    generator = story_generator()
    try:
        ids, logits = _logits(generator.name, prompt, mode, style, continuation)
    except AlreadyQueued:
        st.info("Your generation is running: the explorer follows once it has finished.")
        return
    except Exception as err:   # a failing model must not take the page down
        log.warning("next-token explorer failed: %s", err)
        st.warning("The explorer could not read the model's next-token probabilities just now; try again.")
        return
    table = pipeline_table(ids, logits, sampling, generator.tokenizer)
    stages = list(dict.fromkeys(table["stage"]))
    order = table[table["stage"] == "model"].sort_values("probability", ascending=False)["token"].tolist()
    st.altair_chart(alt.Chart(table).mark_bar().encode(
        x=alt.X("probability:Q", title=None, axis=alt.Axis(format="%"), scale=alt.Scale(domain=[0, 1])),
        y=alt.Y("token:N", sort=order, title=None),
        color=alt.condition("datum.kept", alt.value("#4c78a8"), alt.value("#d9d9d9")),
        tooltip=["token:N", "stage:N", alt.Tooltip("probability:Q", format=".2%"), "kept:N"],
    ).properties(width=110, height=20 * len(order)).facet(
        column=alt.Column("stage:N", sort=stages, title=None)), width="content")
    survivors = table[(table["stage"] == stages[-1]) & table["kept"]]
    st.caption(f"{len(survivors)} of these {len(order)} candidates survive every stage ({' → '.join(stages)}); "
               "grey bars are cut. One forward pass per prompt and position; moving a slider recomputes only the "
               "stages.")


def token_view(tokens: list[dict], continued_from: str = "") -> None:
    """The run's tokens, shaded by how unlikely each was when chosen; hover for its alternatives. A branch's
    tokens follow the text it was continued from, shown unshaded."""
    spans = [html.escape(continued_from).replace("\n", "<br>")]
    for t in tokens:
        alternatives = ", ".join(f"{a!r} {p:.0%}" for a, p in t["alternatives"])
        title = f"p = {t['p']:.1%}{'' if t['greedy'] else ' (not the likeliest)'} · top: {alternatives}"
        text = html.escape(t["text"]).replace("\n", "<br>")
        spans.append(f'<span title="{html.escape(title)}" style="background: rgba({UNLIKELY}, '
                     f'{(1 - t["p"]) * 0.8:.2f}); border-radius: 3px">{text}</span>')
    st.markdown("".join(spans), unsafe_allow_html=True)


def branch_choices(tokens: list[dict]) -> pd.DataFrame:
    """Every (position, alternative) a run can be branched at: the text before it and another token instead."""
    rows, before = [], ""
    for position, t in enumerate(tokens):
        for alternative, p in t["alternatives"]:
            if alternative != t["text"]:
                rows.append(dict(position=position, chosen=t["text"], alternative=alternative, p=p, before=before))
        before += t["text"]
    return pd.DataFrame(rows, columns=["position", "chosen", "alternative", "p", "before"])
