"""Counterfactual short texts made from labelled training sentences, so the classifier learns what negation and
"but" do to a verdict instead of counting verdict words (counterfactually augmented data: Kaushik, Hovy and
Lipton, ICLR 2020; the "but" rule of contrast: the clause after it carries the verdict).

Two rewrites, each made only where the grammar of the sentence makes the new label safe:
- negation flip: a sentence with one copula ("is", "was", "are", "were", "am") and no other negation gets "not",
  "n't" or "never" after it, and one whose only negation sits on its copula loses it; the label flips. Kept only
  where the words after the copula carry the verdict (a bag-of-words model fitted on training text reads them as
  the old label, confidently, and the words before it read as neither), so "The best part was the ending" is not
  turned into a negative.
- contrast join: two single-clause sentences of opposite verdicts joined by "but", "although", "however" or
  "even though"; the label is the verdict of the clause the connective points to.

The inputs are training texts only: built from a validation split, the same rewrites make a validation set.
"""
from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np
import pandas as pd

Polarity = Callable[[list[str]], np.ndarray]   # texts -> P(pos), a model fitted on training text

COPULA = re.compile(r"\b(is|was|are|were|am)\b(?=\s+[A-Za-z])", re.I)
NEGATION = re.compile(r"\b(?:not|no|never|nothing|nobody|none|neither|nor|hardly|barely|without|cannot)\b|n't\b",
                      re.I)
NEGATED_COPULA = re.compile(r"\b(is|was|are|were)(?:\s+not\b|n't\b|\s+never\b)|\b(am)\s+(?:not|never)\b", re.I)
CONTRAST = re.compile(r"\b(?:but|although|though|however|yet|except|while|whereas|despite|still|if)\b", re.I)
CLAUSE_END = re.compile(r"[.,;:!?]|\s(?:and|or|&)\s", re.I)
LINK_OR_TAG = re.compile(r"https?://\S+|[#@]\w+")
INNER_SENTENCE = re.compile(r"[.!?;]\s+\S")
NEGATORS = ("not", "n't", "never")
SENTENCE_ADVERBS = re.compile(r"(?:probably|definitely|also|certainly|surely|clearly|obviously|even|actually|indeed|"
                              r"apparently|undoubtedly|easily|hands)\b", re.I)   # "not" cannot go before these
CONTRAST_FORMS = ("{a}, but {b}.", "{a} but {b}", "{A}. But {B}", "Although {a}, {b}.", "{A}. However, {b}.",
                  "{B}, even though {a}.")


def _predicate(text: str, end_of_copula: int, max_words: int = 8) -> str:
    """The words after the copula when they end the sentence (up to links, tags and punctuation) and are at most
    max_words; '' otherwise, since a verdict that goes on after them may not be the one negated."""
    rest = text[end_of_copula:]
    cut = CLAUSE_END.search(rest)
    predicate, tail = (rest[:cut.start()], rest[cut.start():]) if cut else (rest, "")
    if re.search(r"[^\W\d_]", LINK_OR_TAG.sub("", tail)) or len(predicate.split()) > max_words:
        return ""
    return LINK_OR_TAG.sub("", predicate).strip()


def _negated(copula: str, form: str) -> str:
    if form == "n't" and copula.lower() != "am":
        return copula + ("N'T" if copula.isupper() else "n't")
    word = "never" if form == "never" else "not"
    return f"{copula} {word.upper() if copula.isupper() else word}"


def negation_flips(frame: pd.DataFrame, polarity: Polarity, seed: int, confidence: float = 0.7,
                   max_words: int = 20) -> pd.DataFrame:
    """Rows of `frame` (text, y, source) rewritten with the negation on their copula added or removed, label
    flipped; source becomes '<source>+negation'."""
    rng = np.random.default_rng(seed)
    texts, ys, sources, subjects, predicates, verdicts = [], [], [], [], [], []
    for text, y, source in zip(frame["text"], frame["y"], frame["source"]):
        if "?" in text or len(text.split()) > max_words or CONTRAST.search(text) or INNER_SENTENCE.search(text.strip()):
            continue
        negations = NEGATION.findall(text)
        copulas = list(COPULA.finditer(text))
        if not negations and len(copulas) == 1:
            found = copulas[0]
            new = text[:found.start()] + _negated(found.group(1), NEGATORS[rng.integers(len(NEGATORS))]) + \
                text[found.end():]
            predicate, verdict = _predicate(text, found.end()), int(y)   # the predicate must read as the old label
        elif len(negations) == 1 and (found := NEGATED_COPULA.search(text)):
            copula = found.group(1) or found.group(2)
            new = text[:found.start()] + copula + text[found.end():]
            predicate, verdict = _predicate(new, found.start() + len(copula)), 1 - int(y)   # ... as the new label
        else:
            continue
        if predicate and not SENTENCE_ADVERBS.match(predicate):
            texts.append(new), ys.append(1 - int(y)), sources.append(f"{source}+negation")
            subjects.append(LINK_OR_TAG.sub("", text[:found.start()]).strip() or "."), predicates.append(predicate)
            verdicts.append(verdict)
    if not texts:
        return pd.DataFrame(dict(text=[], y=[], source=[]))
    p, p_subject = polarity(predicates), polarity(subjects)
    keep = (np.where(np.asarray(verdicts) == 1, p, 1 - p) >= confidence) & (np.abs(p_subject - 0.5) < confidence - 0.5)
    return pd.DataFrame(dict(text=np.asarray(texts, dtype=object)[keep], y=np.asarray(ys)[keep],
                             source=np.asarray(sources, dtype=object)[keep]))


def _clause(text: str) -> str:
    return text.strip().rstrip(".!").strip()


def _lower_first(clause: str) -> str:
    first = clause.split(maxsplit=1)[0]
    return clause if first == "I" or first.startswith("I'") or first[1:2].isupper() else clause[:1].lower() + clause[1:]


def contrast_clauses(frame: pd.DataFrame, polarity: Polarity, confidence: float = 0.7,
                     words: tuple[int, int] = (3, 14)) -> pd.DataFrame:
    """The single-clause sentences of `frame` whose verdict a bag of words reads confidently as their label."""
    low, high = words
    fit = frame[frame["text"].map(lambda t: low <= len(t.split()) <= high and "?" not in t
                                  and not CONTRAST.search(t) and not INNER_SENTENCE.search(t.strip()))]
    if fit.empty:
        return fit
    p = polarity(fit["text"].tolist())
    return fit[np.where(fit["y"].to_numpy() == 1, p, 1 - p) >= confidence]


def contrast_joins(clauses: pd.DataFrame, n: int, seed: int) -> pd.DataFrame:
    """n texts joining a clause of one verdict to one of the other; the label is the verdict after the
    connective. Both clauses come from the same source; source becomes '<source>+contrast'."""
    rng = np.random.default_rng(seed)
    groups = {source: (part[part["y"] == 1]["text"].tolist(), part[part["y"] == 0]["text"].tolist())
              for source, part in clauses.groupby("source") if (part["y"] == 1).any() and (part["y"] == 0).any()}
    if not groups or n <= 0:
        return pd.DataFrame(dict(text=[], y=[], source=[]))
    names = sorted(groups)
    weights = np.array([sum(map(len, groups[s])) for s in names], dtype=float)
    rows = []
    for i in range(n):
        source = names[rng.choice(len(names), p=weights / weights.sum())]
        positive, negative = groups[source]
        label = i % 2   # the verdict that wins; balanced
        first = negative if label else positive
        second = positive if label else negative
        a, b = _clause(first[rng.integers(len(first))]), _clause(second[rng.integers(len(second))])
        form = CONTRAST_FORMS[rng.integers(len(CONTRAST_FORMS))]
        rows.append(dict(text=form.format(A=a, B=b, a=a if form.startswith("{a}") else _lower_first(a),
                                          b=_lower_first(b) if not form.startswith("{B}") else b),
                         y=label, source=f"{source}+contrast"))
    return pd.DataFrame(rows)

