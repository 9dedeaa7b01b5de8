"""Our prompt set and its text figures: each can fail on text made to fail it."""
from models.story.quality import distinct, load_prompts, quality_table, repetition, screenplay_format, score
from tests.story.fake_generator import FakeGenerator

SCENE = "INT. DINER - NIGHT\n\nRain on the window.\n\nMARGE\nMore coffee?\n\nTHE STRANGER (quietly)\nNo."


def test_the_prompt_set_is_ours_and_covers_every_mode():
    prompts = load_prompts()
    assert len(prompts) >= 30 and {p["mode"] for p in prompts} == {"story", "scene", "logline", "synopsis"}
    assert len({p["prompt"] for p in prompts}) == len(prompts)


def test_distinct_n_rewards_variety():
    assert distinct(["a b c d"], 1) == 1.0 and distinct(["a a a a"], 1) == 0.25
    assert distinct(["the cat sat", "the cat ran"], 2) == 0.75


def test_repetition_counts_repeated_four_grams():
    assert repetition("one two three four five six") == 0.0
    assert repetition("and then it rained and then it rained and then it rained") > 0.5


def test_a_scene_needs_a_heading_and_a_character_cue():
    assert screenplay_format(SCENE)
    assert not screenplay_format("Rain on the window. Marge pours coffee.")
    assert not screenplay_format("INT. DINER - NIGHT\nRain on the window, and nobody speaks.")


def test_scores_per_style_come_from_every_prompt():
    table = quality_table(FakeGenerator(), load_prompts()[:8] + load_prompts()[8:10])
    assert set(table) == {"plain", "screenplay"}
    assert table["plain"]["outputs"] == 10 and table["plain"]["finish"] == {"length": 10}
    assert table["plain"]["scene_format"] == 0.0 and 0 < table["plain"]["distinct_1"] < 1
    assert score([dict(mode="scene", text=SCENE, finish="eos")])["scene_format"] == 1.0
