"""CheckList-style behavioural tests (Ribeiro et al., ACL 2020) for a binary sentiment model.

Evaluation only: the items in eval_data/behaviour_items.json must never be trained on.

    from models.sentiment import SentimentModel
    model = SentimentModel.load()
    report = run_suite(lambda texts: [r.p_positive for r in model.predict(texts)], build_suite())
    print(report.table())

Kinds of case: MFT (minimum functionality: a labelled text), INV (a perturbation that must not change
the label) and DIR (a perturbation that must not move p_positive the wrong way by more than DIR_TOLERANCE).
"""
from __future__ import annotations

import json
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from string import Formatter

ITEMS_PATH = Path(__file__).parent / "eval_data" / "behaviour_items.json"
DIR_TOLERANCE = 0.1


@dataclass(frozen=True)
class Case:
    capability: str
    kind: str  # "MFT" | "INV" | "DIR"
    text: str
    expected: str | None = None  # "pos" / "neg" for MFT
    variant: str | None = None  # the perturbed text for INV / DIR
    direction: int = 0  # DIR: +1 the variant must not score lower, -1 not higher


class _KeepMissing(dict):
    """Leaves fields without a value in place, so a template can be filled in two steps."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _fill(template: str, lexicons: dict[str, list[str]], rng: random.Random,
          skip: frozenset[str] = frozenset()) -> str:
    """Fill each {slot} from the lexicon of the same name ({title2} is a second, different title),
    except the lexicons in `skip`."""
    values: dict[str, str] = {}
    for field in sorted({f for _, f, _, _ in Formatter().parse(template) if f}):
        lexicon = field.rstrip("0123456789")
        if lexicon not in skip:
            values[field] = rng.choice([w for w in lexicons[lexicon] if w not in values.values()])
    return template.format_map(_KeepMissing(values))


def _labelled(section: dict, lexicons: dict[str, list[str]], rng: random.Random) -> list[tuple[str, str]]:
    """(text, label) pairs, without repeats: the hand-written items, then `fills` draws per template."""
    pairs: dict[str, str] = {}
    for label in ("pos", "neg"):
        for text in section.get("items", {}).get(label, []):
            pairs.setdefault(text, label)
        for template in section["templates"][label]:
            for _ in range(section["fills"]):
                pairs.setdefault(_fill(template, lexicons, rng), label)
    return list(pairs.items())


def _typo(text: str, rng: random.Random) -> str:
    """One or two swapped, dropped or doubled lower-case letters."""
    chars = list(text)
    for _ in range(rng.randint(1, 2)):
        i = rng.choice([j for j in range(len(chars) - 1)
                        if chars[j].islower() and chars[j + 1].islower() and chars[j] != chars[j + 1]])
        edit = rng.choice(("swap", "drop", "double"))
        if edit == "swap":
            chars[i], chars[i + 1] = chars[i + 1], chars[i]
        elif edit == "drop":
            del chars[i]
        else:
            chars.insert(i, chars[i])
    variant = "".join(chars)
    # A second edit can undo the first (a swap swapped back), which would be no typo at all.
    return variant if variant != text else _typo(text, rng)


def build_suite(seed: int = 0) -> list[Case]:
    data = json.loads(ITEMS_PATH.read_text(encoding="utf-8"))
    lexicons, rng = data["lexicons"], random.Random(seed)
    # A section added after the first release draws from its own generator, so every earlier case stays the same.
    cases = [Case(capability, "MFT", text, label)
             for capability, section in data["mft"].items()
             for text, label in _labelled(section, lexicons,
                                          random.Random(f"{seed}:{capability}") if section.get("own_draws") else rng)]

    clear = _labelled(data["clear_reviews"], lexicons, rng)
    emoji, phrases = data["emoji"], data["directional"]
    for text, _ in clear:
        cases.append(Case("invariance_casing", "INV", text, variant=rng.choice((text.lower(), text.upper()))))
    for text, _ in clear:
        cases.append(Case("invariance_typos", "INV", text, variant=_typo(text, rng)))
    for text, label in clear:
        mark = rng.choice(emoji[label] + emoji["neutral"])
        cases.append(Case("invariance_emoji", "INV", text, variant=f"{text} {mark}"))
    for text, _ in clear:
        direction = rng.choice((1, -1))
        phrase = rng.choice(phrases["up" if direction > 0 else "down"])
        cases.append(Case("directional", "DIR", text, variant=f"{text} {phrase}", direction=direction))

    names, seen = frozenset(data["name_slots"]), set()
    for label in ("pos", "neg"):
        for template in data["name_reviews"]["templates"][label]:
            for _ in range(data["name_reviews"]["fills"]):
                frame = _fill(template, lexicons, rng, skip=names)
                text, variant = _fill(frame, lexicons, rng), _fill(frame, lexicons, rng)
                if text not in seen and variant != text:
                    seen.add(text)
                    cases.append(Case("invariance_names", "INV", text, variant=variant))
    return cases


@dataclass
class SuiteReport:
    overall: float
    by_capability: dict[str, dict]  # capability -> n, passed, rate, kinds
    failures: list[dict]  # capability, kind, text, variant, expected, p_text, p_variant

    def table(self, examples: int = 3) -> str:
        lines = [f"{'capability':<22}{'kind':<6}{'n':>5}{'pass':>8}"]
        for capability, stats in self.by_capability.items():
            lines.append(f"{capability:<22}{'/'.join(stats['kinds']):<6}{stats['n']:>5}{stats['rate']:>8.1%}")
        total = sum(stats["n"] for stats in self.by_capability.values())
        lines.append(f"{'overall':<28}{total:>5}{self.overall:>8.1%}")
        return "\n".join(lines + ([""] + self.examples(examples) if self.failures else []))

    def examples(self, per_capability: int = 3) -> list[str]:
        """Up to `per_capability` failures of each capability, one line each."""
        lines = ["example failures:"]
        shown: Counter[str] = Counter()
        for failure in self.failures:
            if shown[failure["capability"]] == per_capability:
                continue
            shown[failure["capability"]] += 1
            if failure["kind"] == "MFT":
                lines.append(f"  {failure['capability']}: expected {failure['expected']}, "
                             f"p={failure['p_text']:.2f}  {failure['text']!r}")
            else:
                lines.append(f"  {failure['capability']}: p={failure['p_text']:.2f} -> {failure['p_variant']:.2f}  "
                             f"{failure['text']!r} -> {failure['variant']!r}")
        return lines


def _passes(case: Case, p_text: float, p_variant: float | None) -> bool:
    if case.kind == "MFT":
        return (p_text >= 0.5) == (case.expected == "pos")
    assert p_variant is not None
    if case.kind == "INV":
        return (p_variant >= 0.5) == (p_text >= 0.5)
    return case.direction * (p_variant - p_text) >= -DIR_TOLERANCE


def run_suite(p_positive: Callable[[list[str]], list[float]], cases: list[Case]) -> SuiteReport:
    """Score every distinct text and variant in one call to `p_positive`, then check each case."""
    if not cases:
        raise ValueError("no cases to run")
    texts = list(dict.fromkeys(t for case in cases for t in (case.text, case.variant) if t is not None))
    scores = list(p_positive(texts))
    if len(scores) != len(texts):
        raise ValueError(f"p_positive returned {len(scores)} scores for {len(texts)} texts")
    p = dict(zip(texts, scores))

    by_capability: dict[str, dict] = {}
    failures: list[dict] = []
    for case in cases:
        p_variant = None if case.variant is None else p[case.variant]
        passed = _passes(case, p[case.text], p_variant)
        stats = by_capability.setdefault(case.capability, dict(n=0, passed=0, rate=0.0, kinds=[]))
        stats["n"] += 1
        stats["passed"] += passed
        stats["rate"] = stats["passed"] / stats["n"]
        if case.kind not in stats["kinds"]:
            stats["kinds"].append(case.kind)
        if not passed:
            failures.append(dict(capability=case.capability, kind=case.kind, text=case.text, variant=case.variant,
                                 expected=case.expected, p_text=p[case.text], p_variant=p_variant))
    overall = sum(stats["passed"] for stats in by_capability.values()) / len(cases)
    return SuiteReport(overall, by_capability, failures)
