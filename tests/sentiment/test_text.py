from models.sentiment.text import clean, truncate


def test_clean_turns_html_breaks_into_newlines_and_decodes_entities():
    assert clean("Great.<br /><br />Really &amp; truly<BR>fun") == "Great.\n\nReally & truly\nfun"


def test_clean_drops_tags_but_keeps_comparisons():
    assert clean("<i>Wow</i> it is 3 < 5") == "Wow it is 3 < 5"


def test_truncate_keeps_head_and_tail():
    assert truncate(list(range(10)), 2, 3) == [0, 1, 7, 8, 9]
    assert truncate([1, 2, 3], 2, 3) == [1, 2, 3]


def test_a_review_written_in_capitals_is_read_in_lower_case_and_a_shouted_word_is_kept():
    assert clean("WORST MOVIE I HAVE EVER SEEN!!!") == "worst movie i have ever seen!!!"
    assert clean("This is the BEST film of the YEAR") == "This is the BEST film of the YEAR"
    assert clean("OK FINE") == "OK FINE"   # too few letters to tell
