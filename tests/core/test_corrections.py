"""Corrections: the author's label votes at full weight, once; the model's reading stays in the log."""
import pytest

from core.corrections import CorrectionRefused, correct, corrections_frame
from core.rating import RatingTally
from tests.core.conftest import FORREST_GUMP, contents, make_review


@pytest.fixture
def store(any_store):
    """These tests run on both store backends."""
    return any_store


def test_a_correction_votes_with_the_authors_label_at_full_weight(store):
    store.append(make_review(1, p_positive=0.7))
    review, before, after = correct(store, "test-1", "neg")
    assert (review.label, review.p_positive, review.author_label) == ("pos", 0.7, "neg")
    logged = RatingTally().add("neg", 0.0)
    assert after.weight_positive == before.weight_positive - round(0.4 * 1_000_000)
    assert after.weight == before.weight - round(0.4 * 1_000_000) + logged.weight
    assert after.rating < before.rating and store.rebuild() == {}


def test_a_review_is_corrected_once_and_only_to_the_other_label(store):
    store.append(make_review(1, p_positive=0.7))
    with pytest.raises(CorrectionRefused, match="other label"):
        correct(store, "test-1", "pos")
    correct(store, "test-1", "neg")
    with pytest.raises(CorrectionRefused, match="corrected already"):
        correct(store, "test-1", "pos")
    with pytest.raises(CorrectionRefused, match="no such review"):
        correct(store, "test-404", "neg")


def test_only_corrected_reviews_are_exported(store):
    store.append(make_review(1, p_positive=0.7))
    store.append(make_review(2, p_positive=0.2))
    correct(store, "test-1", "neg")
    frame = corrections_frame(store)
    assert frame[["label", "model_label", "imdb_id"]].values.tolist() == [["neg", "pos", FORREST_GUMP]]


def test_author_agreement_counts_corrections_per_model_version(store):
    from core.trends import author_agreement, trend_data

    for n in range(4):
        store.append(make_review(n).model_copy(update={"source": "web"}))
    correct(store, "test-0", "neg")
    table = author_agreement(trend_data(store).reviews, "Day")
    assert table[["reviews", "corrected"]].values.tolist() == [[4, 1]] and table["agreement"].iloc[0] == 0.75


def test_a_rescore_keeps_a_correction_made_while_it_was_scoring(store):
    from core.rescore import rescore
    from tests.fakes.sentiment import FakeSentimentModel

    store.append(make_review(1, p_positive=0.7))

    class CorrectedMeanwhile(FakeSentimentModel):
        version = "fake-keywords-2"

        def predict(self, texts):
            if store.reviews_of(FORREST_GUMP)[-1].author_label is None:
                correct(store, "test-1", "neg")   # the author clicks while the analyst's rescore is scoring
            return super().predict(texts)

    rescore(store, CorrectedMeanwhile())
    stored = store.reviews_of(FORREST_GUMP)[-1]
    assert (stored.author_label, stored.model_version) == ("neg", "fake-keywords-2") and store.rebuild() == {}


def test_a_change_that_refuses_writes_nothing(store):
    store.append(make_review(1, p_positive=0.7))
    correct(store, "test-1", "neg")
    held = contents(store)
    with pytest.raises(CorrectionRefused):
        store.replace_reviews({"test-1": correct_again})
    assert contents(store) == held


def correct_again(stored):
    raise CorrectionRefused("this review was corrected already")
