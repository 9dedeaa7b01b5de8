"""Review bombing through the movie page: one scripted client sends one-sided reviews to one movie, a fresh
browser session for each (AppTest, the page's own code and limits, the shipped sentiment model), while 20
honest visitors, each from their own address, review movies too. Prints JSON: how far the attacked movie's
rating moved (and how much of that the attacker's reviews did) beside the documented bound, what became of every review, and whether `rebuild` agrees.

    python -m bench.bombing                        # 500 attack reviews on Before Sunrise (~5 min on 2 cores)
    python -m bench.bombing --attempts 100 --movie tt0120737 --fake-model

The bound (README, "Under attack"): one address gets one counted voice per movie a week, so it moves a movie
with vote weight W and rating r by at most max(r, 10 - r) / (4 + W + 1) -- about 0.27 points on a movie
with 30 imported reviews, about 0.6 on one with only a handful. Many addresses at once are a burst (held).
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import random
import tempfile
import time
from collections import Counter
from pathlib import Path
from unittest import mock

from streamlit.testing.v1 import AppTest

import ui.access
from core.access import visitor_id
from core.paths import ROOT
from core.rating import PRIOR_WEIGHT, TOP, MICRO
from core.store import ReviewStore
from models.cpu import cpu_info

ATTACKER = "203.0.113.66"
HONEST_MOVIES = ["tt0112471", "tt0109830", "tt0120737", "tt0101414", "tt0122459"]   # the target's twin first
OPENERS = ["Honestly,", "Trust me:", "Warning:", "Ugh.", "Seriously,", "Look,", "Sadly,", "Wow.", "Well,", "Okay,"]
COMPLAINTS = ["the plot goes nowhere", "the acting is wooden", "the dialogue is painful", "it drags forever",
              "the ending is a cheat", "the characters are unbearable", "the pacing kills it", "nothing happens",
              "the script is lazy", "it is pretentious nonsense", "the leads have no chemistry", "it is a chore"]
VERDICTS = ["Avoid it.", "Worst film of the decade.", "Save your money.", "Zero stars from me.",
            "I walked out.", "Do not bother.", "A total waste.", "Overrated garbage.", "Skip it.", "Awful."]
HONEST = ["A warm, funny film with two leads I could listen to all night.", "Too talky for me, and it never lands.",
          "Beautifully shot and surprisingly moving.", "I liked the first half far more than the second.",
          "A classic for a reason; I smiled the whole way through.", "Forgettable, but harmless enough.",
          "The score alone is worth the ticket.", "Slow, self-indulgent and a little smug.",
          "Great performances all round, and a lovely ending.", "It tries hard but the jokes fall flat.",
          "My favourite film of that year, and it still holds up.", "Pretty to look at, empty underneath.",
          "The kind of movie you want to rewatch the moment it ends.", "I was bored within twenty minutes.",
          "Clever, kind and quietly romantic.", "A mess of a script rescued by a great cast.",
          "Every scene feels true to life.", "Two hours I will never get back.",
          "Charming from start to finish.", "Not for me: too sweet and too long."]   # 20 visitors, 20 texts


def attack_texts(n: int, rng: random.Random) -> list[str]:
    """Distinct one-sided texts (the worst case for the near-duplicate rule)."""
    seen: set[str] = set()
    while len(seen) < n:
        seen.add(f"{rng.choice(OPENERS)} {rng.choice(COMPLAINTS)}, {rng.choice(COMPLAINTS)}. {rng.choice(VERDICTS)} "
                 f"({rng.randint(1, 10_000)})")
    return sorted(seen, key=lambda _: rng.random())


def submit(address: str, imdb_id: str, text: str, store: ReviewStore) -> str:
    """One visit from `address` in a fresh browser session: the review's status, or "refused" by a limit."""
    app = AppTest.from_file(str(ROOT / "pages" / "movie.py"), default_timeout=60)
    app.query_params["id"] = imdb_id
    stored = len(store.reviews_of(imdb_id))
    with mock.patch.object(ui.access, "_address", lambda: address):
        app.run()
        submit_button = next(b for b in app.button if b.label == "Submit review")
        if submit_button.disabled:
            return "refused"
        app.text_area[0].input(text)
        submit_button.click().run()
    assert not app.exception, app.exception
    store.refresh()
    reviews = store.reviews_of(imdb_id)
    return reviews[-1].status if len(reviews) > stored else "refused"


def one_vote_bound(store: ReviewStore, imdb_id: str) -> float:
    tally = store.tally(imdb_id)
    weight = (tally.weight + tally.imported_weight) / MICRO
    return max(tally.rating, TOP - tally.rating) / (PRIOR_WEIGHT + weight + 1)


def attack_effect(store: ReviewStore, imdb_id: str) -> float:
    """How far the attacker's reviews alone moved the rating: the rating with them less the rating without."""
    attacker = visitor_id(ATTACKER, store.visitor_key())
    without = store.tally_of(imdb_id, (r for r in store.reviews_of(imdb_id) if r.visitor != attacker))
    return store.tally(imdb_id).rating - without.rating


def run(attempts: int, movie: str, seed: int) -> dict:
    rng = random.Random(seed)
    folder = Path(tempfile.mkdtemp(prefix="reelpulse-bombing-")) / "store"
    os.environ["REELPULSE_DATA_DIR"] = str(folder)
    store = ReviewStore.open(folder)
    before, bound = store.tally(movie).rating, one_vote_bound(store, movie)
    honest_movies = [movie] + [m for m in HONEST_MOVIES if m != movie][:4]
    attack, honest = Counter(), Counter()
    honest_on_target = Counter()
    every = max(1, attempts // 20)
    start = time.perf_counter()
    for n, text in enumerate(attack_texts(attempts, rng)):
        attack[submit(ATTACKER, movie, text, store)] += 1
        if n % every == every - 1 and sum(honest.values()) < 20:
            visitor = sum(honest.values())
            target = honest_movies[visitor % len(honest_movies)]
            status = submit(f"198.51.100.{visitor + 1}", target, HONEST[visitor], store)
            honest[status] += 1
            if target == movie:
                honest_on_target[status] += 1
    seconds = time.perf_counter() - start
    after, effect = store.tally(movie).rating, attack_effect(store, movie)
    return dict(cpu=cpu_info().describe(), movie=store.movie(movie).title, imdb_id=movie,
                attack_reviews=attempts, seconds=round(seconds, 1),
                rating_before=round(before, 3), rating_after=round(after, 3), change=round(after - before, 3),
                attack_effect=round(effect, 3), documented_bound=round(bound, 3),
                within_bound=abs(effect) <= bound + 1e-9,
                attack=dict(attack), honest=dict(honest), honest_on_target=dict(honest_on_target),
                rebuild_mismatches=len(store.rebuild()))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.bombing", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--attempts", type=int, default=500)
    parser.add_argument("--movie", default="tt0112471", help="the attacked movie (default: Before Sunrise)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--fake-model", action="store_true", help="the tests' keyword model instead of the shipped one")
    args = parser.parse_args(argv)
    logging.disable(logging.WARNING)   # AppTest outside `streamlit run` warns "missing ScriptRunContext" on every run
    if args.fake_model:
        from models.sentiment import SentimentModel
        from tests.fakes.sentiment import FakeSentimentModel

        fake = FakeSentimentModel()
        SentimentModel.load = classmethod(lambda cls, path=None: fake)
    print(json.dumps(run(args.attempts, args.movie, args.seed), indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
