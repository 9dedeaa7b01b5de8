from tests.core.conftest import store  # noqa: F401  (the seeded-store fixture)
from tests.pages.conftest import app  # noqa: F401  (the whole app on a fresh store and the keyword fake)
