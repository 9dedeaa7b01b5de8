"""Story studio: prompt + mode + sampling controls → streamed text from SmolLM2 (screenplay LoRA on or off),
with a side-by-side compare and this session's history. The logic lives in ui/story.py and models/story/."""
import streamlit as st

from models.story.generate import Request
from models.story.prompts import MODES
from ui import explore, story
from ui.navigation import through_navigation
from ui.resources import story_generator

through_navigation()

st.title("✍️ Story studio")
st.caption("Draft stories, screenplay scenes and loglines with SmolLM2-135M-Instruct, running on this server's "
           "CPU. Same prompt + settings + seed → same text.")
story.init_state()


def use_example() -> None:
    st.session_state.prompt = MODES[st.session_state.mode].example


@st.fragment
def controls() -> None:
    """Settings live in a fragment: touching them never interrupts a generation that is streaming."""
    mode, style = st.columns(2)
    mode.selectbox("Mode", list(MODES), format_func=lambda m: MODES[m].label, key="mode")
    style.radio("Style", list(story.STYLES), horizontal=True, key="style",
                help="Screenplay style switches on the LoRA adapter tuned on movie scripts.")
    seed, dice, compare = st.columns([2, 1, 2], vertical_alignment="bottom")
    seed.number_input("Seed", min_value=0, max_value=2**31 - 1, step=1, key="seed")
    dice.button("🎲", help="Random seed", on_click=story.new_seed)
    compare.toggle("Compare two settings", key="compare")
    sides = st.columns(2) if st.session_state.compare else [st.container()]
    for side, column in zip("ab", sides):
        with column.expander(f"Settings {side.upper()}" if st.session_state.compare else "Settings"):
            story.sampling_controls(side)
    if st.toggle("🔬 Next-token explorer", key="explore", help="What settings A do to the next token, stage by stage; "
                                                               "it follows the sliders as they move."):
        next_token_explorer()


def next_token_explorer() -> None:
    """For the latest run's prompt (after any of its tokens), else the prompt: the explorer for settings A."""
    latest = st.session_state.get("latest", [])
    entry = latest[0] if latest else None
    tokens = entry["stats"].get("tokens", []) if entry else []
    at = st.slider("After this many tokens of the latest run", 0, len(tokens), 0, key="explore_at") if tokens else 0
    if entry:   # a branched run's tokens follow the text it was continued from
        explore.explorer(story.sampling("a"), entry["prompt"], entry["mode"], entry["style"] == "screenplay",
                         entry.get("continuation", "") + "".join(t["text"] for t in tokens[:at]))
    else:
        explore.explorer(story.sampling("a"), st.session_state.prompt, st.session_state.mode,
                         story.STYLES[st.session_state.style])


def branch(entry: dict) -> None:
    """Continue the run from any of its tokens with another choice (same prompt, settings A and seed)."""
    choices = explore.branch_choices(entry["stats"]["tokens"])
    pick = st.selectbox("Branch: at a token, take another choice", range(len(choices)), index=None, key="branch_pick",
                        format_func=lambda i: f"token {choices.position[i] + 1}: {choices.chosen[i]!r} → "
                                              f"{choices.alternative[i]!r} ({choices.p[i]:.0%})")
    if st.button("Continue from there", disabled=pick is None):
        request = Request(entry["prompt"], entry["mode"], story.sampling("a"),
                          screenplay_style=entry["style"] == "screenplay",
                          continuation=entry.get("continuation", "") + choices.before[pick] + choices.alternative[pick])
        st.session_state.latest = [story.stream(story_generator(), request, "A · branch")]
        st.rerun()


@st.fragment
def studio() -> None:
    # A form sends the prompt together with the click: typing never triggers a rerun that a click
    # could land in, and editing the next prompt never interrupts a stream.
    with st.form("prompt_form", border=False):
        st.text_area("Prompt", key="prompt", height=110, placeholder="A story, a scene or a logline: who wants what?")
        generate, example = st.columns([1, 4])
        clicked = generate.form_submit_button("Generate", type="primary")
        example.form_submit_button("✨ Use an example", on_click=use_example,
                                   help="Fills in an example for the chosen mode.")
    if clicked:
        if not st.session_state.prompt.strip():
            st.warning("Write a prompt first (or use an example).")
            return
        generator = story_generator()
        sides = "ab" if st.session_state.compare else "a"
        columns = st.columns(len(sides))
        st.session_state.latest = []
        for side, column in zip(sides, columns):
            with column:
                st.session_state.latest.append(story.stream(generator, story.request(side), side.upper()))
        st.rerun()   # refresh the history below
    latest = st.session_state.get("latest", [])
    traced = bool(latest) and bool(latest[0]["stats"].get("tokens"))
    shaded = traced and st.toggle("Token view", key="token_view",
                                  help="Each token shaded by how unlikely it was when chosen; hover for its alternatives.")
    for entry, column in zip(latest, st.columns(max(1, len(latest)))):
        with column:
            if shaded and entry["stats"].get("tokens"):
                explore.token_view(entry["stats"]["tokens"], entry.get("continuation", ""))
            else:
                story.show_text(entry)
            story.show_stats(entry)
    if shaded:
        branch(latest[0])


controls()
st.button("⏹ Stop", help="Stop the generation that is streaming (the text so far is kept in the history).")
studio()
st.divider()
story.history_panel()
generator = story_generator()   # warm the model up once the page is on screen
if getattr(generator, "decoding", None) == "compiling":
    st.caption("⚙️ This server is still compiling the faster decoding step (about 2 minutes on a new machine): "
               "generations run meanwhile, more slowly, and pick it up by themselves once it is ready.")
story.model_panel(generator)
