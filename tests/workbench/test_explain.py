from core.explain import explain, highlight_html, spans, top_words
from tests.fakes.sentiment import FakeSentimentModel


def test_the_sentiment_words_of_a_positive_review_drive_it(fake_sentiment):
    segments = explain(fake_sentiment, "The plot was simple but the acting was brilliant and I loved it.")
    assert {s.text for s in top_words(segments, 2)} == {"brilliant", "loved"}
    assert all(s.weight > 0 for s in top_words(segments, 2))
    assert "".join(s.text for s in segments) == "The plot was simple but the acting was brilliant and I loved it."
    assert fake_sentiment.calls == 1   # one batch


def test_a_mixed_review_points_both_ways(fake_sentiment):
    weights = {s.text: s.weight for s in explain(fake_sentiment, "Great cast, awful script, dull ending.")}
    assert weights["Great"] > 0 and weights["awful"] < 0 and weights["dull"] < 0
    assert weights["cast"] == weights["script"] == 0


def test_long_reviews_are_occluded_in_spans(fake_sentiment):
    text = " ".join(["filler"] * 300 + ["terrible"])
    cuts = spans(text, max_spans=50)
    assert len(cuts) <= 50
    assert top_words(explain(fake_sentiment, text, max_spans=50), 1)[0].text.endswith("terrible")


def test_highlighting_escapes_the_review():
    segments = explain(FakeSentimentModel(), '<script>alert("great")</script> <b>great</b> fun')
    page = highlight_html(segments)
    assert "<script>" not in page and "<b>" not in page
    assert "&lt;script&gt;" in page and "rgba(34,139,34" in page
