from tests.core.conftest import store  # noqa: F401  (the seeded-store fixture)
