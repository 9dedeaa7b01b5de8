"""Server-side imports read only inside the import folder: every way out is refused."""
import os

import pytest

from core.import_root import PathRefused, confined, importable
from core.import_sources import acl_rows
from tests.pages.conftest import open_page
from tests.workbench.helpers import GOOD_ROWS, write_csv


@pytest.fixture
def root(tmp_path, monkeypatch):
    folder = tmp_path / "imports"
    folder.mkdir()
    write_csv(folder / "reviews.csv", GOOD_ROWS)
    (tmp_path / "secret.txt").write_text("password=hunter2\n")
    monkeypatch.setenv("REELPULSE_IMPORT_ROOT", str(folder))
    return folder.resolve()


def test_a_listed_file_resolves_inside_the_folder(root):
    assert confined("reviews.csv") == root / "reviews.csv"
    assert importable() == ["reviews.csv"]


@pytest.mark.parametrize("name", [
    "/etc/passwd", "/proc/self/environ", "../secret.txt", "sub/../../secret.txt", "..", "~/.bashrc",
    "..\\secret.txt", "C:/Windows/win.ini", "reviews.csv\x00.txt", "", "missing.csv",
])
def test_names_that_leave_the_folder_or_do_not_exist_are_refused(root, name):
    with pytest.raises(PathRefused) as refused:
        confined(name)
    assert "hunter2" not in str(refused.value) and str(root) not in str(refused.value)


def test_a_link_pointing_out_is_refused_and_not_listed(root):
    (root / "escape.csv").symlink_to(root.parent / "secret.txt")
    (root / "etc").symlink_to("/etc")
    for name in ("escape.csv", "etc/passwd", "etc"):
        with pytest.raises(PathRefused, match="outside"):
            confined(name)
    assert importable() == ["reviews.csv"]


def test_a_link_inside_the_folder_is_followed(root):
    (root / "alias.csv").symlink_to(root / "reviews.csv")
    assert confined("alias.csv") == root / "reviews.csv"


@pytest.mark.skipif(not os.path.exists("/dev/null"), reason="needs /dev/null")
def test_device_files_and_pipes_are_refused(root, monkeypatch):
    monkeypatch.setenv("REELPULSE_IMPORT_ROOT", "/dev")
    with pytest.raises(PathRefused, match="not a regular file"):
        confined("null")
    os.mkfifo(root / "pipe.csv")
    monkeypatch.setenv("REELPULSE_IMPORT_ROOT", str(root))
    with pytest.raises(PathRefused, match="not a regular file"):
        confined("pipe.csv")
    assert "pipe.csv" not in importable()


def test_an_acl_folder_skips_review_files_linked_from_outside(root):
    pos = root / "acl" / "train" / "pos"
    pos.mkdir(parents=True)
    (pos / "0_9.txt").write_text("A warm, funny film.")
    (pos / "1_8.txt").symlink_to(root.parent / "secret.txt")
    (root / "acl" / "train" / "urls_pos.txt").symlink_to(root.parent / "secret.txt")
    assert "acl/" in importable()
    rows = list(acl_rows(confined("acl/")))
    assert [r.text for r in rows] == ["A warm, funny film."]


def test_the_page_offers_only_the_import_folder_and_no_free_path(app, root):
    open_page(app, "pages/import_reviews.py")
    app.radio[0].set_value("A file or folder on this server").run()
    assert not app.text_input and app.selectbox[0].options == ["reviews.csv"]
    app.selectbox[0].set_value("reviews.csv").run()
    assert not app.exception and [s.value for s in app.selectbox[1:3]] == ["review", "film"]
