"""Do AI-drafted reviews follow the requested tone? For each tone, N drafts (seeds 0..N-1, over ten catalogue
movies and a few tone-neutral notes) from the story model as the movie page asks for them, each scored by the
shipped sentiment model. Prints JSON: per tone, the share scored in the requested direction (enthusiastic:
positive, scathing: negative; mixed: the share positive and the mean confidence), draft length and tok/s.

    python -m bench.draft_tone                    # 100 drafts per tone (~25 min on 2 AVX2 cores)
    python -m bench.draft_tone --per-tone 10 --json work/bench/draft_tone.json
"""
from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

from core.drafts import DIRECTION, TONES, draft_request
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
    for tone in TONES:
        texts, rates, start = [], [], time.perf_counter()
        for seed in range(per_tone):
            request = draft_request(movies[seed % len(movies)], NOTES[seed % len(NOTES)], tone, seed)
            run_ = generator.run(request)
            texts.append(run_.text().strip() or "(empty)")
            rates.append(run_.result.tokens_per_s)
        verdicts = scorer.predict(texts)
        positive = sum(v.label == "pos" for v in verdicts) / len(verdicts)
        figures = dict(share_positive=round(positive, 3),
                       mean_confidence=round(statistics.mean(v.confidence for v in verdicts), 3),
                       mean_words=round(statistics.mean(len(t.split()) for t in texts), 1),
                       tokens_per_s=round(statistics.median(rates), 1), seconds=round(time.perf_counter() - start, 1))
        if tone in DIRECTION:
            figures["share_in_direction"] = round(positive if DIRECTION[tone] == "pos" else 1 - positive, 3)
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
