import time

import pytest


@pytest.mark.parametrize("bad", ["", "   \n\t ", None, b"bytes are not text", 42, [None], ["fine", ""]])
def test_bad_input_raises_a_clear_value_error(tiny_model, bad):
    with pytest.raises(ValueError, match="text|expected"):
        tiny_model.predict(bad)


def test_one_string_is_accepted_as_one_text(tiny_model):
    assert len(tiny_model.predict("a wonderful film")) == 1


def test_a_megabyte_of_text_is_truncated_not_refused(tiny_model):
    huge = "a dull story with awful actors. " * 33_000  # ~1 MB
    start = time.perf_counter()
    [result] = tiny_model.predict([huge])
    assert result.label in ("pos", "neg")
    assert 0.0 <= result.p_positive <= 1.0
    assert time.perf_counter() - start < 5


def test_empty_list_gives_empty_result(tiny_model):
    assert tiny_model.predict([]) == []
