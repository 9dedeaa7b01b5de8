"""Which words drove a verdict, by occlusion: drop each word (or span of words), re-predict all the
variants in one batch, and credit each span with how much p_positive fell without it.

Model-agnostic (any Scorer), so it works with the keyword fake in tests. Long reviews are cut
into at most MAX_SPANS spans of neighbouring words to bound the batch.
"""
from __future__ import annotations

import html
import math
import re
from dataclasses import dataclass

from core.submission import Scorer

WORD = re.compile(r"\w[\w']*")
MAX_SPANS = 80
SHOWN = 0.02   # attributions smaller than this are left unhighlighted


@dataclass(frozen=True)
class Segment:
    text: str
    weight: float   # p_positive(review) − p_positive(review without this span); 0 for the text between spans


def spans(text: str, max_spans: int = MAX_SPANS) -> list[tuple[int, int]]:
    """(start, end) of each occluded span: single words, or runs of neighbouring words in long texts."""
    words = [m.span() for m in WORD.finditer(text)]
    size = max(1, math.ceil(len(words) / max_spans))
    return [(words[i][0], words[min(i + size, len(words)) - 1][1]) for i in range(0, len(words), size)]


def explain(model: Scorer, text: str, max_spans: int = MAX_SPANS) -> list[Segment]:
    """The text cut into segments that cover it exactly, each span weighted by its occlusion effect."""
    cuts = spans(text, max_spans)
    variants = [text[:start] + text[end:] for start, end in cuts]
    scores = [r.p_positive for r in model.predict([text] + [v if v.strip() else "." for v in variants])]
    segments, position = [], 0
    for (start, end), p_without in zip(cuts, scores[1:]):
        if start > position:
            segments.append(Segment(text[position:start], 0.0))
        segments.append(Segment(text[start:end], scores[0] - p_without))
        position = end
    if position < len(text):
        segments.append(Segment(text[position:], 0.0))
    return segments


def top_words(segments: list[Segment], count: int = 5) -> list[Segment]:
    """The spans with the largest effect either way, largest first."""
    return sorted((s for s in segments if abs(s.weight) >= SHOWN), key=lambda s: -abs(s.weight))[:count]


def highlight_html(segments: list[Segment]) -> str:
    """HTML with every piece of the review escaped: green spans pushed towards positive, red towards negative."""
    strongest = max((abs(s.weight) for s in segments), default=0.0) or 1.0
    parts = []
    for segment in segments:
        text = html.escape(segment.text).replace("\n", "<br>")
        if abs(segment.weight) < SHOWN:
            parts.append(text)
            continue
        alpha = 0.15 + 0.6 * abs(segment.weight) / strongest
        colour = f"rgba(34,139,34,{alpha:.2f})" if segment.weight > 0 else f"rgba(220,20,60,{alpha:.2f})"
        parts.append(f'<span style="background:{colour};border-radius:3px" '
                     f'title="{segment.weight:+.3f}">{text}</span>')
    return f'<div style="line-height:1.8">{"".join(parts)}</div>'
