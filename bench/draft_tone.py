"""Do AI-drafted reviews follow the requested tone? For each tone, N drafts (seeds 0..N-1, over ten catalogue
movies and a few tone-neutral notes) from the story model as the movie page asks for them, each scored by the
shipped sentiment model. Prints JSON: per tone, the share of first drafts scored in the requested direction
(enthusiastic: positive, scathing: negative; mixed: the share positive), and the share after the page's
redrafting (core.drafts.draft_on_tone: up to 3 drafts, judged by the same sentiment model, so that figure
says what a visitor gets, not how well the story model follows a tone), draft length and tok/s.

    python -m bench.draft_tone                    # 100 drafts per tone (~25 min on 2 AVX2 cores)
    python -m bench.draft_tone --per-tone 10 --json work/bench/draft_tone.json
"""
from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

from core.drafts import DIRECTION, MAX_DRAFTS, TONES, draft_on_tone
from core.seed_data import load_movies
from models.cpu import cpu_info
from models.sentiment import SentimentModel
from models.story.config import compile_wanted
from models.story.generate import Generator

MOVIES = ["tt0109830", "tt0112471", "tt0120737", "tt0101414", "tt0122459", "tt0114709", "tt0133093",
          "tt0120338", "tt0107290", "tt0118799"]
NOTES = ["", "the soundtrack and the final scene", "the lead performance", "the pacing and the dialogue",
         "how it looks", "the story"]


def run(per_tone: int) -> dict:
    catalogue = {m.imdb_id: m for m in load_movies()}
    movies = [catalogue[i] for i in MOVIES if i in catalogue]
    generator, scorer = Generator.load(compiled=compile_wanted(True)), SentimentModel.load()
    out: dict = dict(cpu=cpu_info().describe(), story_model=generator.name, sentiment_model=scorer.version,
                     per_tone=per_tone, tones={})
    def read(text: str) -> str:
        return scorer.predict([text])[0].label

    for tone in TONES:
        drafts, rates, start = [], [], time.perf_counter()

        def write(request):
            run_ = generator.run(request)
            drafts.append(run_.text().strip() or "(empty)")
            rates.append(run_.result.tokens_per_s)
            return drafts[-1]

        first, final, attempts = [], [], []
        for seed in range(per_tone):
            text, made = draft_on_tone(write, read, movies[seed % len(movies)], NOTES[seed % len(NOTES)], tone,
                                       seed * MAX_DRAFTS)   # seeds of different visits never overlap
            first.append(drafts[-made])
            final.append(text)
            attempts.append(made)
        first_labels, final_labels = [read(t) for t in first], [read(t) for t in final]
        figures = dict(share_positive=round(first_labels.count("pos") / per_tone, 3),
                       mean_drafts=round(statistics.mean(attempts), 2),
                       mean_words=round(statistics.mean(len(t.split()) for t in first), 1),
                       tokens_per_s=round(statistics.median(rates), 1), seconds=round(time.perf_counter() - start, 1))
        if tone in DIRECTION:
            figures["first_draft_in_direction"] = round(first_labels.count(DIRECTION[tone]) / per_tone, 3)
            figures["after_redrafts_in_direction"] = round(final_labels.count(DIRECTION[tone]) / per_tone, 3)
        out["tones"][tone] = figures
        print(json.dumps({tone: figures}), flush=True)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.draft_tone", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--per-tone", type=int, default=100)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    result = run(args.per_tone)
    print(json.dumps(result, indent=1))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
