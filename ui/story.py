"""Streamlit glue for the story studio: sampling controls bound to session state, streaming a run into
the page, and the session's history (shown, and downloadable as JSON or Markdown)."""
from __future__ import annotations

import json
import os
import time

import streamlit as st

from models.story import card
from models.story.config import ADAPTER_DIR, MAX_NEW_TOKENS, PRESETS, Sampling
from models.story.generate import Request, random_seed
from models.story.prompts import MODES
from models.story.turns import AlreadyQueued
from ui.access import client_key, current_gate, is_analyst

# Sampling field → (widget label, min, max, step); every setting is a slider bound to "<side>_<field>".
SLIDERS: dict[str, tuple[str, float, float, float]] = {
    "temperature": ("Temperature (0 = greedy)", 0.0, 2.0, 0.05),
    "top_k": ("Top-k (0 = off)", 0, 200, 1),
    "top_p": ("Top-p", 0.05, 1.0, 0.01),
    "min_p": ("Min-p", 0.0, 0.5, 0.01),
    "typical_p": ("Typical-p", 0.05, 1.0, 0.01),
    "repetition_penalty": ("Repetition penalty", 1.0, 2.0, 0.01),
    "no_repeat_ngram_size": ("No-repeat n-gram size (0 = off)", 0, 8, 1),
    "max_new_tokens": ("Max new tokens", 1, MAX_NEW_TOKENS, 1),
}
STYLES = {"Screenplay style": True, "Plain": False}
STREAM_EVERY_S = float(os.environ.get("REELPULSE_STREAM_EVERY_MS", "250")) / 1000   # 0: every piece as decoded
DEFAULT_PRESET = "Balanced"
VIEWER_MAX_NEW_TOKENS = 400   # a public visitor's longest run (~30 s here); analysts may ask for MAX_NEW_TOKENS


def token_cap() -> int:
    return MAX_NEW_TOKENS if is_analyst(current_gate()) else VIEWER_MAX_NEW_TOKENS


def apply_preset(side: str) -> None:
    preset = PRESETS[st.session_state[f"{side}_preset"]]
    for name in SLIDERS:
        st.session_state[f"{side}_{name}"] = getattr(preset, name)
    st.session_state[f"{side}_stop"] = " | ".join(s.replace("\n", "\\n") for s in preset.stop)


def init_state() -> None:
    st.session_state.setdefault("history", [])
    st.session_state.setdefault("seed", random_seed())
    cap = token_cap()
    for side in ("a", "b"):
        if f"{side}_preset" not in st.session_state:
            st.session_state[f"{side}_preset"] = DEFAULT_PRESET if side == "a" else "Creative"
            apply_preset(side)
        st.session_state[f"{side}_max_new_tokens"] = min(st.session_state[f"{side}_max_new_tokens"], cap)


def new_seed() -> None:
    st.session_state.seed = random_seed()


def parse_stops(raw: str) -> tuple[str, ...]:
    """'a | \\n\\n | THE END' → ('a', '\\n\\n', 'THE END'): '|' separates, a typed \\n is a newline."""
    return tuple(part.strip().replace("\\n", "\n") for part in raw.split("|") if part.strip())


def sampling_controls(side: str) -> None:
    st.selectbox("Preset", list(PRESETS), key=f"{side}_preset", on_change=apply_preset, args=(side,))
    cap = token_cap()
    for name, (label, low, high, step) in SLIDERS.items():
        st.slider(label, low, cap if name == "max_new_tokens" else high, step=step, key=f"{side}_{name}",
                  help=f"Up to {cap} for you{'' if cap == MAX_NEW_TOKENS else ' (analysts: more)'}."
                  if name == "max_new_tokens" else None)
    st.text_input("Stop sequences", key=f"{side}_stop", placeholder="THE END | \\n\\n",
                  help="Separate with |. Type \\n for a newline.")


def sampling(side: str) -> Sampling:
    """The side's settings; the token cap is enforced here too, not only by the slider."""
    state = st.session_state
    settings = {name: state[f"{side}_{name}"] for name in SLIDERS}
    settings["max_new_tokens"] = min(int(settings["max_new_tokens"]), token_cap())
    return Sampling(**settings, stop=parse_stops(state[f"{side}_stop"]), seed=int(state.seed))


def request(side: str) -> Request:
    state = st.session_state
    return Request(state.prompt, state.mode, sampling(side), screenplay_style=STYLES[state.style])


def stream(generator, req: Request, label: str) -> dict:
    """Stream one run into the current container and return its history entry (also when stopped)."""
    waiting = st.empty()
    run = generator.run(req, on_wait=lambda ahead: waiting.info(
        f"⏳ Waiting for your turn: {ahead} generation{'s' * (ahead > 1)} ahead of yours on this server "
        "(one runs at a time). Yours starts as soon as the line reaches it."), owner=client_key())
    shown: list[str] = []
    ended = dict(finish="stopped")
    try:
        st.write_stream(_pieces(run, waiting, shown))
    except AlreadyQueued:
        ended = dict(finish="refused", error="You already have a generation running or waiting (in another tab?): "
                                             "one at a time per visitor. Try again when it has finished.")
    except Exception as err:   # a failing model must not take the page (or the other sessions) down
        ended = dict(finish="error", error=f"The generation failed: {err}. The text so far is kept; try again.")
    finally:   # a Stop click (or leaving the page) interrupts write_stream: keep what was written
        run.cancel()
        entry = dict(label=label, time=time.strftime("%H:%M:%S"), prompt=req.prompt, mode=req.mode,
                     continuation=req.continuation,
                     style="screenplay" if req.screenplay_style and generator.has_adapter else "plain",
                     model=generator.name, settings=req.sampling.to_dict(), seed=req.sampling.seed,
                     text=run.result.text if run.result else "".join(shown),
                     stats=run.result.to_dict() if run.result else ended)
        entry["stats"].pop("text", None)
        st.session_state.setdefault("history", []).append(entry)
    return entry


def _pieces(run, waiting, shown: list[str]):
    """The run's text for display (newlines kept as Markdown line breaks): the first piece at once, then at most
    every STREAM_EVERY_S. Each piece sent makes the browser re-render the whole text so far; with the browser on
    the server's 2 cores, pieces every 50 ms held decoding to 0.52x its direct rate, every 250 ms to 0.74x
    (bench/story_page.py, docs/story_studio.md). Clears the waiting note."""
    pending, sent_at = "", 0.0
    for piece in run:
        if not shown:
            waiting.empty()
        shown.append(piece)
        pending += piece
        if time.perf_counter() - sent_at >= STREAM_EVERY_S:
            yield pending.replace("\n", "  \n")
            pending, sent_at = "", time.perf_counter()
    if pending:
        yield pending.replace("\n", "  \n")


def show_text(entry: dict) -> None:
    st.markdown(entry["text"].replace("\n", "  \n") or "_(no text)_")


def show_stats(entry: dict) -> None:
    stats = entry["stats"]
    if "error" in stats:
        st.error(stats["error"])
    if "new_tokens" not in stats:
        st.caption(f"⏹ {stats['finish']} · seed {entry['seed']}")
        return
    notes = [f"seed {entry['seed']}", f"{stats['new_tokens']} tokens", f"{stats['tokens_per_s']} tok/s",
             f"first token {stats['ttft_ms']:.0f} ms", f"finished: {stats['finish']}"]
    if stats.get("tokens"):
        notes += [f"surprisal {stats['mean_surprisal_bits']} bits/token",
                  f"{stats['off_greedy_share']:.0%} off the greedy choice"]
    st.caption(" · ".join(notes))
    if stats.get("trimmed"):
        st.warning("The prompt was longer than the model's context: it was trimmed from the left.")


def to_markdown(history: list[dict]) -> str:
    parts = ["# ReelPulse story studio: session history", ""]
    for entry in history:
        settings = ", ".join(f"{k}={v!r}" for k, v in entry["settings"].items())
        parts += [f"## {entry['time']} · {MODES[entry['mode']].label} · {entry['style']} · seed {entry['seed']}",
                  "", f"**Prompt:** {entry['prompt']}", "", f"**Settings:** {settings}", "",
                  f"**Stats:** {json.dumps({k: v for k, v in entry['stats'].items() if k != 'tokens'})}", "",
                  entry["text"], ""]
    return "\n".join(parts)


def history_panel() -> None:
    history = st.session_state.history
    st.subheader(f"History ({len(history)})")
    if not history:
        st.caption("Your generations in this session appear here.")
        return
    left, right = st.columns(2)
    left.download_button("Download JSON", json.dumps(history, indent=2), "story_history.json", "application/json")
    right.download_button("Download Markdown", to_markdown(history), "story_history.md", "text/markdown")
    for entry in reversed(history):
        with st.expander(f"{entry['time']} · {entry['label']} · seed {entry['seed']} · {entry['prompt'][:60]}"):
            show_text(entry)
            show_stats(entry)


def model_panel(generator) -> None:
    """Which model is loaded (name, size, precision, where it came from) and its adapter card's figures."""
    info = getattr(generator, "info", {"name": generator.name})
    with st.expander(f"About the model: {info['name']}"):
        facts = {"Parameters": f"{info['parameters'] / 1e6:.0f} M" if "parameters" in info else None,
                 "Weights": {"int4": "int4 (weight-only, 4-bit blocks)", "fp32": "fp32"}.get(info.get("precision")),
                 "Prompt prefill": info.get("prefill") and f"{info['prefill']} products",
                 "Source": info.get("source"), "Decoder": info.get("decoder"),
                 "Decoding step": getattr(generator, "decoding", None),
                 "Screenplay adapter": "yes" if generator.has_adapter else "no"}
        st.table({name: value for name, value in facts.items() if value})
        figures = card.read(ADAPTER_DIR).get("evaluation") if generator.has_adapter else None
        if figures:
            st.caption(f"Screenplay adapter on held-out scripts: perplexity {figures['base_perplexity']} → "
                       f"{figures['tuned_perplexity']} ({figures['held_out_windows']} windows of "
                       f"{figures['window_tokens']} tokens).")
