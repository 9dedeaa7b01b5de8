import json

import pytest

from core.import_sources import ColumnMap, SourceError, csv_rows, open_rows
from core.importer import import_reviews
from core.reviews import main
from core.store import ReviewStore
from tests.conftest import shared_file
from tests.core.conftest import FORREST_GUMP, contents
from tests.workbench.helpers import BAD_ROWS, GOOD_ROWS, write_acl_folder, write_csv


@pytest.fixture
def store(any_store):
    """These tests run on both store backends."""
    return any_store


MAPPING = ColumnMap(text="review", movie="film", date="when", stars="score")


class Cancelled(Exception):
    pass


def test_a_mapped_csv_is_scored_checked_and_stored(store, fake_sentiment, tmp_path):
    path = write_csv(tmp_path / "in.csv", GOOD_ROWS + BAD_ROWS + GOOD_ROWS[:1])
    summary = import_reviews(store, fake_sentiment, csv_rows(path, MAPPING))
    assert (summary.read, summary.added, summary.duplicates, summary.rejected) == (9, 3, 1, 5)
    reasons = {r.row: r.reason for r in summary.rejections}
    assert sorted(reasons) == [4, 5, 6, 7, 8]
    assert "at least 5 characters" in reasons[4] and "not in the catalogue" in reasons[5]
    assert "3 movies are titled" in reasons[6] and "ISO date" in reasons[7] and "outside 1–10" in reasons[8]
    stored = ReviewStore.open().reviews_of(FORREST_GUMP)[-2:]
    assert [(r.label, r.stars, r.created_at.day) for r in stored] == [("pos", 9.0, 1), ("neg", 2.0, 2)]


def test_importing_the_same_file_again_adds_nothing(store, fake_sentiment, tmp_path):
    path = write_csv(tmp_path / "in.csv", GOOD_ROWS)
    import_reviews(store, fake_sentiment, csv_rows(path, MAPPING))
    again = import_reviews(store, fake_sentiment, csv_rows(path, MAPPING))
    assert (again.added, again.duplicates) == (0, 3)


def test_a_cancelled_import_stores_nothing(store, fake_sentiment, tmp_path):
    path = write_csv(tmp_path / "in.csv", GOOD_ROWS * 50 + [[f"Great film number {n}.", FORREST_GUMP, "", ""]
                                                            for n in range(100)])
    held = contents(store)

    def cancel_after_first_batch(done: int, total: int) -> None:
        if done:
            raise Cancelled

    with pytest.raises(Cancelled):
        import_reviews(store, fake_sentiment, csv_rows(path, MAPPING), cancel_after_first_batch)
    assert contents(store) == held and fake_sentiment.calls == 1


def test_an_acl_imdb_folder_is_read_with_titles_and_stars(store, fake_sentiment, tmp_path):
    summary = import_reviews(store, fake_sentiment, open_rows(write_acl_folder(tmp_path)))
    assert (summary.read, summary.added, summary.rejected) == (4, 3, 1)
    assert summary.rejections[0].where.endswith("neg/1_2.txt")
    review = ReviewStore.open().reviews_of(FORREST_GUMP)[-1]
    assert review.stars == 8 and review.text == "A great film.\n\nLoved it."


@pytest.mark.parametrize("content, message", [(b"\x00\x01garbage\n\"unclosed", "cannot read"),
                                              (b"a,b\n1,2\n", "map its columns")])
def test_an_unreadable_csv_is_refused_as_a_whole(tmp_path, content, message):
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    with pytest.raises(SourceError, match=message):
        list(open_rows(path))


def test_the_cli_prints_a_json_summary(data_dir, fake_sentiment, tmp_path, capsys):
    path = write_csv(tmp_path / "in.csv", [[t, m, "", s] for t, m, _, s in GOOD_ROWS[:2]],
                     header=["text", "imdb_title_id", "x", "rating"])
    assert main(["import", str(path)]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert {k: summary[k] for k in ("read", "added", "duplicates", "rejected")} == \
        {"read": 2, "added": 2, "duplicates": 0, "rejected": 0}
    assert summary["reviews_per_s"] > 0


def test_the_cli_imports_the_shared_imdb_csv(data_dir, fake_sentiment, capsys):
    path = shared_file("imdb", "imdb_test.csv.xz")
    assert main(["import", str(path), "--limit", "40"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["read"] == 40 and summary["added"] + summary["rejected"] + summary["duplicates"] == 40
    assert summary["added"] > 0


def test_the_cli_refuses_a_missing_source(data_dir, fake_sentiment, tmp_path, capsys):
    assert main(["import", str(tmp_path / "nowhere")]) == 2
    assert "neither a file nor a folder" in capsys.readouterr().err
