from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from tests.fakes.sentiment import FakeSentimentModel

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("REELPULSE_SHARED", ROOT.parent / "shared")) / "datasets"


def shared_file(*parts: str) -> Path:
    """Path into ../shared/datasets, skipping the test with a reason when it is absent."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} is absent (the shared datasets are not beside this checkout)")
    return path


@pytest.fixture
def fake_sentiment(monkeypatch) -> FakeSentimentModel:
    """Every SentimentModel.load() in this test returns the keyword fake (Streamlit caches cleared)."""
    import streamlit as st

    from models.sentiment import SentimentModel

    fake = FakeSentimentModel()
    monkeypatch.setattr(SentimentModel, "load", classmethod(lambda cls, path=None: fake))
    st.cache_resource.clear()
    yield fake
    st.cache_resource.clear()


@pytest.fixture
def data_dir(tmp_path, monkeypatch) -> Path:
    """A private live-store folder for the test (REELPULSE_DATA_DIR)."""
    folder = tmp_path / "store"
    monkeypatch.setenv("REELPULSE_DATA_DIR", str(folder))
    monkeypatch.delenv("REELPULSE_STORE_URL", raising=False)   # else a configured database would be the store
    return folder


@pytest.fixture
def server_address():
    """Set Streamlit's server.address for the test (the analyst gate reads it); restored afterwards."""
    from streamlit import config

    before = config.get_option("server.address")
    yield lambda address: config.set_option("server.address", address)
    config.set_option("server.address", before)


@pytest.fixture
def local_server(server_address):
    """A server bound to this machine only: analyst actions open without sign-in."""
    server_address("127.0.0.1")


@pytest.fixture(scope="session")
def postgres_server() -> str:
    """A PostgreSQL server's URL: $REELPULSE_TEST_PG_URL (.ci/run starts one), else a throw-away cluster started here;
    the test skips with the reason when neither is possible."""
    from tests import postgres

    if url := os.environ.get("REELPULSE_TEST_PG_URL"):
        yield url
        return
    folder = Path(tempfile.mkdtemp(prefix="reelpulse-pg-"))   # not under pytest's 0700 temp root: the server's user reads it
    try:
        url = postgres.start(folder)
    except (postgres.ClusterUnavailable, OSError) as err:
        shutil.rmtree(folder, ignore_errors=True)
        pytest.skip(f"no PostgreSQL server for this test: {err}")
    yield url
    postgres.stop(folder)
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def database_url(postgres_server, monkeypatch) -> str:
    """A new empty database for the test, and REELPULSE_STORE_URL pointing at it."""
    from tests.postgres import create_database, drop_database

    url = create_database(postgres_server)
    monkeypatch.setenv("REELPULSE_STORE_URL", url)
    yield url
    drop_database(postgres_server, url)


@pytest.fixture(params=["json", "postgresql"])
def store_backend(request, data_dir) -> str:
    """Runs the test once per store backend: the configured store (ReviewStore.open()) is a fresh JSON folder, then a
    fresh PostgreSQL database."""
    if request.param == "postgresql":
        request.getfixturevalue("database_url")
    return request.param


@pytest.fixture
def any_store(store_backend):
    """A fresh seeded store of each backend in turn."""
    from core.store import ReviewStore

    return ReviewStore.open()
