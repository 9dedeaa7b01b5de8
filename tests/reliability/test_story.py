"""Story generation under failure and fuzzing (a tiny GPT-2 and an instant fake, never the 135M model)."""
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from streamlit.testing.v1 import AppTest

from models.story.config import MAX_NEW_TOKENS, Sampling
from models.story.generate import Generator, Request
from models.story.turns import GENERATION_TURNS
from tests.conftest import ROOT
from tests.story.fake_generator import FakeRun


class Breaks(FakeRun):
    def __iter__(self):
        yield "the detective "
        raise RuntimeError("the model ran out of memory")


def studio() -> AppTest:
    app = AppTest.from_file(str(ROOT / "pages" / "story_studio.py"), default_timeout=30)
    app.run()
    return app


def generate(app: AppTest, prompt: str) -> AppTest:
    app.text_area(key="prompt").set_value(prompt)
    next(b for b in app.button if b.label == "Generate").click()
    return app.run()


def test_a_generation_that_raises_shows_a_message_and_other_sessions_go_on(fake_story, monkeypatch):
    plain_run = fake_story.run
    monkeypatch.setattr(fake_story, "run", lambda request, on_wait=None, owner=None: Breaks(request) if "boom" in
                        request.prompt else plain_run(request, on_wait, owner))
    broken, other = generate(studio(), "boom"), generate(studio(), "a heist")
    assert not broken.exception and "out of memory" in broken.error[0].value
    assert broken.session_state["history"][-1]["stats"]["finish"] == "error"
    assert not other.exception and other.session_state["history"][-1]["text"]
    assert not generate(broken, "a heist").exception   # the same session recovers


def test_a_model_that_raises_releases_the_process_lock(tiny_generator, monkeypatch):
    def fails(*args):
        raise RuntimeError("boom")

    monkeypatch.setattr(tiny_generator, "run_generate", fails)
    with pytest.raises(RuntimeError, match="boom"):
        tiny_generator.run(Request("a dog", sampling=Sampling(max_new_tokens=4))).text()
    assert len(GENERATION_TURNS) == 0


@settings(max_examples=12, deadline=None)
@given(prompt=st.text(min_size=1, max_size=3000).filter(str.strip), asked=st.integers(-10**6, 10**9))
def test_token_and_prompt_bounds_hold_for_any_prompt_and_length(tiny_generator: Generator, prompt, asked):
    run = tiny_generator.run(Request(prompt, mode="story", sampling=Sampling(temperature=0, max_new_tokens=asked)),
                             on_wait=None)
    run.text()
    budget = min(MAX_NEW_TOKENS, tiny_generator.context // 2, max(1, asked))
    assert 1 <= run.result.new_tokens <= budget
    assert run.result.prompt_tokens + budget <= tiny_generator.context
