import pytest

from tests.core.conftest import store  # noqa: F401  (the seeded-store fixture)
from tests.pages.conftest import app  # noqa: F401  (the whole app on a fresh store and the keyword fake)


@pytest.fixture(autouse=True)
def analyst(local_server):
    """Workbench pages are analyst pages: their tests run as on a local server (tests/test_access.py covers the gate)."""
