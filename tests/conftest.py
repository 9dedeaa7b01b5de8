from __future__ import annotations

import os
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
