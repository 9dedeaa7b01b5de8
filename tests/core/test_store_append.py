"""JSON store specifics of appending (the contract on both backends: test_store_contract.py)."""
from tests.core.conftest import make_review


def test_appending_rewrites_no_other_line(store):
    log = store.log_path.read_bytes()
    store.append(make_review(1))
    assert store.log_path.read_bytes().startswith(log)
