"""Visitor pseudonyms: a keyed hash per address or session, the key made once and kept private."""
from core.access import folder_visitor_key, visitor_id


def test_a_folder_visitor_key_is_made_once_private_and_kept(tmp_path, monkeypatch):
    key = folder_visitor_key(tmp_path)
    assert len(key) == 64 and folder_visitor_key(tmp_path) == key
    assert (tmp_path / ".visitor_key").stat().st_mode & 0o777 == 0o600
    assert [p.name for p in tmp_path.iterdir()] == [".visitor_key"]


def test_a_visitor_id_is_stable_per_key_and_hides_the_address():
    a = visitor_id("203.0.113.7", b"key-one")
    assert a == visitor_id("203.0.113.7", b"key-one") != visitor_id("203.0.113.8", b"key-one")
    assert a != visitor_id("203.0.113.7", b"key-two") and "203" not in a
