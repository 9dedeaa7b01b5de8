"""Fixtures shared with the other suites: a seeded store, the whole app in AppTest, the story fakes."""
from tests.core.conftest import store  # noqa: F401
from tests.pages.conftest import app  # noqa: F401
from tests.story.conftest import fake_story, tiny_generator, tiny_model_dir  # noqa: F401
