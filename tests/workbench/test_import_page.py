import pytest
from streamlit.runtime.scriptrunner_utils.exceptions import StopException

from tests.pages.conftest import metric, open_page
from tests.workbench.helpers import BAD_ROWS, GOOD_ROWS, write_csv


def choose_server_file(app, path, monkeypatch):
    """Pick `path` from the page's list of the import folder (its folder, for the test)."""
    monkeypatch.setenv("REELPULSE_IMPORT_ROOT", str(path.parent))
    app.radio[0].set_value("A file or folder on this server").run()
    app.selectbox[0].set_value(path.name).run()
    assert not app.exception, app.exception
    return app


def import_from(app, path, monkeypatch):
    choose_server_file(app, path, monkeypatch)
    next(b for b in app.button if b.label == "Import").click().run()
    assert not app.exception, app.exception
    return app


def test_the_page_renders_with_import_disabled_until_a_source_is_given(app):
    open_page(app, "pages/import_reviews.py")
    assert next(b for b in app.button if b.label == "Import").disabled


def test_a_csv_is_mapped_imported_and_its_bad_rows_reported(app, tmp_path, data_dir, monkeypatch):
    path = write_csv(tmp_path / "in.csv", GOOD_ROWS + BAD_ROWS)
    open_page(app, "pages/import_reviews.py")
    import_from(app, path, monkeypatch)
    assert [s.value for s in app.selectbox[1:]] == ["review", "film", "when", "score"]   # guessed mapping
    assert (metric(app, "Added"), metric(app, "Rejected"), metric(app, "Duplicates")) == ("3", "5", "0")
    report = app.dataframe[0].value
    assert list(report["row"]) == [4, 5, 6, 7, 8] and "not in the catalogue" in report["reason"][1]


def test_a_cancelled_import_leaves_the_store_unchanged(app, tmp_path, data_dir, fake_sentiment, monkeypatch):
    path = write_csv(tmp_path / "in.csv", [[f"Great film number {n}.", "tt0109830", "", ""] for n in range(150)])
    open_page(app, "pages/import_reviews.py")
    log = (data_dir / "reviews.jsonl").read_bytes()
    predict = fake_sentiment.predict

    def stop_on_second_batch(texts):   # what a Cancel click (or Stop) does to the running script
        if fake_sentiment.calls:
            raise StopException
        return predict(texts)

    monkeypatch.setattr(fake_sentiment, "predict", stop_on_second_batch)
    import_from(app, path, monkeypatch)
    assert (data_dir / "reviews.jsonl").read_bytes() == log
    app.run()
    assert "cancelled" in app.warning[0].value and "nothing was stored" in app.warning[0].value


@pytest.mark.parametrize("content, message", [(b"\x00\xff\x00\n\"", "cannot be read"), (b"", "cannot be read")])
def test_an_unreadable_file_shows_a_message(app, tmp_path, data_dir, content, message, monkeypatch):
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    open_page(app, "pages/import_reviews.py")
    choose_server_file(app, path, monkeypatch)
    assert message in app.error[0].value


def test_a_missing_model_stores_nothing(app, tmp_path, data_dir, monkeypatch):
    from models.sentiment import ArtifactError, SentimentModel

    def no_weights(cls, path=None):
        raise ArtifactError("weights/card.json is missing")

    monkeypatch.setattr(SentimentModel, "load", classmethod(no_weights))
    open_page(app, "pages/import_reviews.py")
    before = (data_dir / "reviews.jsonl").read_bytes()
    import_from(app, write_csv(tmp_path / "in.csv", GOOD_ROWS), monkeypatch)
    assert "not available" in app.error[0].value
    assert (data_dir / "reviews.jsonl").read_bytes() == before


def test_rescore_shows_what_changed(app):
    open_page(app, "pages/import_reviews.py")
    next(b for b in app.button if b.label == "Rescore stored reviews").click().run()
    assert not app.exception, app.exception
    assert int(metric(app, "Rescored").replace(",", "")) > 0 and int(metric(app, "Verdicts flipped")) >= 0
    assert "link" in app.dataframe[0].value.columns
