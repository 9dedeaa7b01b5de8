from collections import Counter

import pytest

from models.sentiment.behaviour import DIR_TOLERANCE, Case, build_suite, run_suite

CAPABILITIES = {
    "one_line_verdicts": "MFT", "negation": "MFT", "contrast": "MFT", "sarcasm_irony": "MFT", "idioms": "MFT",
    "intensifiers_hedges": "MFT", "comparisons": "MFT", "topic_vs_verdict": "MFT", "invariance_casing": "INV", "invariance_typos": "INV",
    "invariance_emoji": "INV", "invariance_names": "INV", "directional": "DIR",
}


@pytest.fixture(scope="module")
def suite() -> list[Case]:
    return build_suite()


def scorer(table: dict[str, float]):
    return lambda texts: [table[t] for t in texts]


def test_suite_is_deterministic_and_seeded(suite):
    assert build_suite() == suite
    assert build_suite(seed=1) != suite


def test_every_capability_has_enough_cases_of_its_kind(suite):
    assert len(suite) >= 650
    counts = Counter(case.capability for case in suite)
    assert set(counts) == set(CAPABILITIES)
    assert min(counts.values()) >= 40
    assert all(case.kind == CAPABILITIES[case.capability] for case in suite)


def test_case_fields_fit_their_kind(suite):
    for case in suite:
        if case.kind == "MFT":
            assert case.expected in ("pos", "neg") and case.variant is None and case.direction == 0
        else:
            assert case.expected is None and case.variant and case.variant != case.text
            assert case.direction in ((1, -1) if case.kind == "DIR" else (0,))


def test_mft_capabilities_are_balanced(suite):
    for capability, kind in CAPABILITIES.items():
        if kind == "MFT":
            labels = [case.expected for case in suite if case.capability == capability]
            assert 0.4 <= labels.count("pos") / len(labels) <= 0.6, capability


def test_texts_are_unique_within_a_capability(suite):
    for capability in CAPABILITIES:
        texts = [case.text for case in suite if case.capability == capability]
        assert len(texts) == len(set(texts)), capability


def test_required_items_are_present(suite):
    assert Case("one_line_verdicts", "MFT", "Two hours I will never get back.", "neg") in suite
    negation = " ".join(case.text.lower() for case in suite if case.capability == "negation")
    for phrase in ("not bad", "never boring", "not good", "not one boring scene", "wasn't worth it",
                   "can't recommend it enough", "no complaints", "nothing special"):
        assert phrase in negation


def test_perturbations_are_what_they_claim(suite):
    for case in suite:
        if case.capability == "invariance_casing":
            assert case.variant in (case.text.lower(), case.text.upper())
        elif case.capability == "invariance_typos":
            assert abs(len(case.variant) - len(case.text)) <= 2 and case.variant.lower() != case.text.lower()
        elif case.capability in ("invariance_emoji", "directional"):
            assert case.variant.startswith(case.text + " ")


def test_a_perfect_oracle_passes_everything(suite):
    table: dict[str, float] = {}
    for case in suite:
        table[case.text] = {"pos": 0.9, "neg": 0.1}.get(case.expected, table.get(case.text, 0.8))
        if case.variant:
            table[case.variant] = table[case.text]
    report = run_suite(scorer(table), suite)
    assert report.overall == 1.0 and report.failures == []
    assert all(stats["rate"] == 1.0 for stats in report.by_capability.values())


def test_a_constant_score_fails_exactly_the_positive_mfts(suite):
    report = run_suite(lambda texts: [0.4] * len(texts), suite)
    failed = {(f["capability"], f["text"]) for f in report.failures}
    assert failed == {(c.capability, c.text) for c in suite if c.expected == "pos"}
    for capability, kind in CAPABILITIES.items():
        if kind != "MFT":
            assert report.by_capability[capability]["rate"] == 1.0


def test_a_scorer_that_flips_on_lowercase_fails_casing(suite):
    report = run_suite(lambda texts: [0.1 if t == t.lower() else 0.9 for t in texts], suite)
    casing = [c for c in suite if c.capability == "invariance_casing"]
    failed = {f["text"] for f in report.failures if f["capability"] == "invariance_casing"}
    assert failed == {c.text for c in casing if c.variant == c.text.lower()} != set()
    assert report.by_capability["invariance_casing"]["rate"] < 1.0
    assert report.by_capability["invariance_emoji"]["rate"] == 1.0


@pytest.mark.parametrize("direction, p_variant, passes", [
    (1, 0.8 - DIR_TOLERANCE - 0.05, False), (1, 0.8 - DIR_TOLERANCE + 0.05, True), (1, 0.95, True),
    (-1, 0.8 + DIR_TOLERANCE + 0.05, False), (-1, 0.8 + DIR_TOLERANCE - 0.05, True), (-1, 0.2, True),
])
def test_directional_tolerance(direction, p_variant, passes):
    case = Case("directional", "DIR", "Fine.", variant="Fine. I loved it.", direction=direction)
    report = run_suite(scorer({"Fine.": 0.8, "Fine. I loved it.": p_variant}), [case])
    assert report.overall == (1.0 if passes else 0.0)


def test_failures_name_the_case_and_appear_in_the_table():
    cases = [Case("negation", "MFT", "Not bad at all.", "pos"), Case("negation", "MFT", "Nothing special.", "neg"),
             Case("invariance_casing", "INV", "Superb.", variant="SUPERB.")]
    report = run_suite(scorer({"Not bad at all.": 0.2, "Nothing special.": 0.3, "Superb.": 0.9, "SUPERB.": 0.3}),
                       cases)
    assert report.failures == [
        dict(capability="negation", kind="MFT", text="Not bad at all.", variant=None, expected="pos",
             p_text=0.2, p_variant=None),
        dict(capability="invariance_casing", kind="INV", text="Superb.", variant="SUPERB.", expected=None,
             p_text=0.9, p_variant=0.3),
    ]
    assert report.by_capability["negation"] == dict(n=2, passed=1, rate=0.5, kinds=["MFT"])
    assert report.overall == pytest.approx(1 / 3)
    table = report.table()
    assert "negation" in table and "50.0%" in table and "'Not bad at all.'" in table and "'SUPERB.'" in table


def test_table_lists_every_capability_and_at_most_three_failures_each(suite):
    table = run_suite(lambda texts: [0.4] * len(texts), suite).table()
    for capability in CAPABILITIES:
        assert capability in table
    assert "overall" in table
    assert sum(line.startswith("  one_line_verdicts:") for line in table.splitlines()) == 3


def test_the_scorer_is_called_once_with_each_text_once(suite):
    calls: list[list[str]] = []

    def p_positive(texts: list[str]) -> list[float]:
        calls.append(list(texts))
        return [0.5] * len(texts)

    run_suite(p_positive, suite)
    assert len(calls) == 1
    wanted = {c.text for c in suite} | {c.variant for c in suite if c.variant}
    assert len(calls[0]) == len(set(calls[0])) and set(calls[0]) == wanted


def test_a_scorer_returning_the_wrong_number_of_scores_is_refused():
    with pytest.raises(ValueError, match="1 scores for 2 texts"):
        run_suite(lambda texts: [0.5], [Case("invariance_casing", "INV", "Superb.", variant="superb.")])
