"""The pages' visitor key: the store's, kept once it is read; a stand-in while the store cannot give one, not kept."""
import streamlit as st

from core.store import StoreError
from ui.access import _visitor_key


class FlakyStore:
    location = "flaky-store"

    def __init__(self):
        self.calls = 0

    def visitor_key(self) -> bytes:
        self.calls += 1
        if self.calls == 1:
            raise StoreError("the database cannot be reached")
        return b"k" * 64


def test_a_key_the_store_could_not_give_is_not_kept_for_the_process():
    st.cache_resource.clear()
    store = FlakyStore()
    stand_in = _visitor_key(store)
    assert stand_in != b"k" * 64 and len(stand_in) == 64
    assert _visitor_key(store) == b"k" * 64 == _visitor_key(store)
    assert store.calls == 2
    st.cache_resource.clear()
