from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT
from ui.story import parse_stops, to_markdown


@pytest.fixture
def page(fake_story) -> AppTest:
    app = AppTest.from_file(str(ROOT / "pages" / "story_studio.py"), default_timeout=30)
    app.run()
    assert not app.exception, app.exception
    return app


def button(app: AppTest, label: str):
    return next(b for b in app.button if b.label == label)


def generate(app: AppTest, prompt: str) -> AppTest:
    app.text_area(key="prompt").set_value(prompt)
    button(app, "Generate").click()
    app.run()
    assert not app.exception, app.exception
    return app


def test_page_renders_with_controls(page):
    assert page.title[0].value == "✍️ Story studio"
    labels = {s.label for s in page.slider}
    assert {"Temperature (0 = greedy)", "Top-k (0 = off)", "Top-p", "Min-p", "Typical-p", "Repetition penalty",
            "No-repeat n-gram size (0 = off)", "Max new tokens"} <= labels
    assert page.selectbox(key="a_preset").value == "Balanced"
    assert {"Generate", "⏹ Stop", "🎲"} <= {b.label for b in page.button}


def test_empty_prompt_shows_a_message(page, fake_story):
    generate(page, "   ")
    assert any("Write a prompt first" in w.value for w in page.warning)
    assert fake_story.requests == []


def test_generation_shows_text_seed_stats_and_history(page, fake_story):
    page.number_input(key="seed").set_value(42)
    generate(page, "a heist in a cinema")
    request = fake_story.requests[-1]
    assert request.prompt == "a heist in a cinema" and request.sampling.seed == 42
    history = page.session_state["history"]
    assert len(history) == 1 and history[0]["seed"] == 42 and history[0]["text"]
    assert any(history[0]["text"].split()[0] in m.value for m in page.markdown)
    assert any("seed 42" in c.value and "tok/s" in c.value for c in page.caption)
    assert "History (1)" in [h.value for h in page.subheader]


def test_same_seed_and_settings_give_the_same_text(page):
    generate(page, "a heist")
    generate(page, "a heist")
    first, second = page.session_state["history"]
    assert first["text"] == second["text"] and first["seed"] == second["seed"]


def test_preset_sets_the_sliders(page):
    page.selectbox(key="a_preset").set_value("Precise").run()
    assert page.slider(key="a_temperature").value == 0.0
    assert page.slider(key="a_no_repeat_ngram_size").value == 4


def test_example_button_fills_the_prompt_for_the_mode_without_generating(page, fake_story):
    from models.story.prompts import MODES

    page.selectbox(key="mode").set_value("scene").run()
    button(page, "✨ Use an example").click().run()
    assert page.text_area(key="prompt").value == MODES["scene"].example
    assert fake_story.requests == []


def test_random_seed_button_changes_the_seed(page):
    before = page.number_input(key="seed").value
    button(page, "🎲").click().run()
    assert page.number_input(key="seed").value != before


def test_compare_runs_both_settings_with_one_seed(page, fake_story):
    page.toggle(key="compare").set_value(True).run()
    page.selectbox(key="b_preset").set_value("Wild").run()
    generate(page, "two rivals in an elevator")
    a, b = fake_story.requests[-2:]
    assert a.sampling.seed == b.sampling.seed and a.sampling.temperature != b.sampling.temperature
    assert [e["label"] for e in page.session_state["history"]] == ["A", "B"]


def test_style_switch_reaches_the_request(page, fake_story):
    page.radio(key="style").set_value("Plain").run()
    generate(page, "a dog")
    assert fake_story.requests[-1].screenplay_style is False
    assert page.session_state["history"][-1]["style"] == "plain"


def test_history_exports_as_json_and_markdown(page):
    generate(page, "a lighthouse")
    history = list(page.session_state["history"])
    assert json.loads(json.dumps(history))[0]["prompt"] == "a lighthouse"
    markdown = to_markdown(history)
    assert "**Prompt:** a lighthouse" in markdown and history[0]["text"] in markdown


def test_stop_sequences_are_parsed():
    assert parse_stops("THE END | \\n\\n |  ") == ("THE END", "\n\n")


def test_page_streams_from_a_real_tiny_model(tiny_model_dir, monkeypatch):
    import streamlit as st

    monkeypatch.setenv("REELPULSE_STORY_MODEL", str(tiny_model_dir))
    st.cache_resource.clear()
    app = AppTest.from_file(str(ROOT / "pages" / "story_studio.py"), default_timeout=60)
    app.run()
    app.radio(key="style").set_value("Plain")
    app.slider(key="a_max_new_tokens").set_value(8)
    generate(app, "a dog")
    entry = app.session_state["history"][-1]
    assert entry["model"] == tiny_model_dir.name and 1 <= entry["stats"]["new_tokens"] <= 8
    st.cache_resource.clear()


def test_a_public_visitor_is_capped_at_the_viewer_token_limit(fake_story, server_address):
    from ui.story import VIEWER_MAX_NEW_TOKENS

    server_address("0.0.0.0")
    app = AppTest.from_file(str(ROOT / "pages" / "story_studio.py"), default_timeout=30)
    app.run()
    slider = app.slider(key="a_max_new_tokens")
    assert slider.max == VIEWER_MAX_NEW_TOKENS and "analysts: more" in slider.help
    slider.set_value(VIEWER_MAX_NEW_TOKENS)
    generate(app, "a heist")
    assert fake_story.requests[-1].sampling.max_new_tokens == VIEWER_MAX_NEW_TOKENS


def test_an_analyst_on_a_local_run_may_ask_for_the_full_length(fake_story, server_address):
    from models.story.config import MAX_NEW_TOKENS

    server_address("127.0.0.1")
    app = AppTest.from_file(str(ROOT / "pages" / "story_studio.py"), default_timeout=30)
    app.run()
    assert app.slider(key="a_max_new_tokens").max == MAX_NEW_TOKENS


def test_a_visitor_with_a_generation_in_line_is_refused_a_second_and_told_why(page, fake_story):
    from models.story.turns import GENERATION_TURNS
    from ui.access import SESSION_KEY

    page.session_state[SESSION_KEY] = "session-tab-one"
    held = GENERATION_TURNS.join("session-tab-one")   # this visitor's run in another tab
    try:
        generate(page, "a heist")
    finally:
        GENERATION_TURNS.leave(held)
    assert any("one at a time per visitor" in e.value for e in page.error)
    assert page.session_state["history"][-1]["stats"]["finish"] == "refused"
    generate(page, "a heist")
    assert page.session_state["history"][-1]["text"]


def test_the_token_view_shades_each_token_and_a_branch_continues_with_another_choice(page, fake_story):
    page.number_input(key="seed").set_value(7)   # a random seed's first token is "rain " one time in 16
    generate(page, "a heist")
    page.toggle(key="token_view").set_value(True).run()
    shaded = next(m.value for m in page.markdown if "<span title=" in m.value)
    assert shaded.count("<span") == page.session_state["history"][-1]["stats"]["new_tokens"]
    assert "rgba(255, 140, 0, 0.40)" in shaded and "top: " in shaded
    assert any("surprisal 1.0 bits/token" in c.value and "50% off the greedy choice" in c.value for c in page.caption)
    first = page.session_state["history"][-1]["stats"]["tokens"][0]["text"]
    assert first != "rain "   # so the first choice offered at token 1 is "rain "
    page.selectbox(key="branch_pick").set_value(0).run()
    next(b for b in page.button if b.label == "Continue from there").click().run()
    assert not page.exception, page.exception
    request = fake_story.requests[-1]
    assert request.prompt == "a heist" and request.continuation == "rain " != first
    assert page.session_state["latest"][0]["text"].startswith("rain ")
    page.selectbox(key="branch_pick").set_value(2).run()   # a branch of the branch keeps the first branch's text
    next(b for b in page.button if b.label == "Continue from there").click().run()
    assert fake_story.requests[-1].continuation.startswith("rain ")
    assert len(fake_story.requests[-1].continuation) > len("rain ")


def test_the_explorer_follows_the_sliders_without_generating(tiny_lean_generator, monkeypatch):
    import streamlit as st

    from models.story.generate import Generator

    monkeypatch.setattr(Generator, "load", classmethod(lambda cls, *args, **kwargs: tiny_lean_generator))
    st.cache_resource.clear()
    app = AppTest.from_file(str(ROOT / "pages" / "story_studio.py"), default_timeout=60)
    app.run()
    app.session_state["prompt"] = "a lighthouse keeper"
    app.toggle(key="explore").set_value(True).run()
    assert not app.exception, app.exception
    chart = app.get("vega_lite_chart")[0]
    assert "top-k" in str(chart.proto.spec) and any("survive every stage" in c.value for c in app.caption)
    app.slider(key="a_top_k").set_value(2).run()
    assert any(c.value.startswith("2 of these") for c in app.caption)
    st.cache_resource.clear()


def test_the_page_says_which_model_is_loaded(page):
    assert any(e.label == "About the model: fake-story" for e in page.expander)
    assert "Screenplay adapter" in str(page.table[0].value)


def test_streaming_sends_the_first_piece_at_once_and_batches_the_rest(monkeypatch):
    from unittest.mock import MagicMock

    import ui.story

    monkeypatch.setattr(ui.story, "STREAM_EVERY_S", 60.0)
    shown: list[str] = []
    sent = list(ui.story._pieces(iter(["INT. ", "DINER\n", "Rain ", "falls."]), MagicMock(), shown))
    assert sent == ["INT. ", "DINER  \nRain falls."] and "".join(shown) == "INT. DINER\nRain falls."
    monkeypatch.setattr(ui.story, "STREAM_EVERY_S", 0.0)
    assert len(list(ui.story._pieces(iter(["a ", "b ", "c"]), MagicMock(), []))) == 3
