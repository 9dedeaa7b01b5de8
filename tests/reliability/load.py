"""Browser load: users in their own Chromium contexts, each with a Movie tab (submitting reviews) and a
Story studio tab (generating text), for a bounded time. Shared by the tests and bench/reliability.py."""
from __future__ import annotations

import asyncio
import math
import statistics
import time
from dataclasses import dataclass, field

from tests.browser_app import CHROMIUM, CHROMIUM_ARGS

EXCEPTION = '[data-testid="stException"]'


@dataclass
class Load:
    latencies: list[float] = field(default_factory=list)   # submit click → own review on screen, seconds
    submitted: list[str] = field(default_factory=list)
    generations: int = 0
    errors: list[str] = field(default_factory=list)

    def figures(self) -> dict:
        ms = sorted(1000 * s for s in self.latencies) or [float("nan")]
        return dict(submits=len(self.latencies), generations=self.generations, errors=len(self.errors),
                    p50_ms=round(statistics.median(ms), 0), p95_ms=round(ms[math.ceil(0.95 * len(ms)) - 1], 0),
                    max_ms=round(ms[-1], 0))


async def user(browser, url: str, n: int, movie: str, until: float, load: Load) -> None:
    context = await browser.new_context()
    movie_tab, story_tab = await context.new_page(), await context.new_page()
    for tab in (movie_tab, story_tab):
        tab.on("pageerror", lambda err: load.errors.append(f"user {n}: {err}"))
    await movie_tab.goto(f"{url}/movie?id={movie}", timeout=180_000)
    await story_tab.goto(f"{url}/story_studio", timeout=180_000)
    review, prompt = movie_tab.get_by_role("textbox", name="Your review"), story_tab.get_by_role("textbox", name="Prompt")
    for box in (review, prompt):   # every user's first page load lands at once
        await box.wait_for(timeout=180_000)
    round_ = 0
    while round_ == 0 or time.monotonic() < until:
        text = f"user {n} review {round_}: a great film"
        await review.fill(text)
        started = time.perf_counter()
        await movie_tab.get_by_role("button", name="Submit review").click()
        await movie_tab.get_by_text(text, exact=True).wait_for(timeout=90_000)
        load.latencies.append(time.perf_counter() - started)
        load.submitted.append(text)
        await generate(story_tab, prompt, f"a heist {n}-{round_}.")
        load.generations += 1
        round_ += 1
    for tab in (movie_tab, story_tab):
        if await tab.locator(EXCEPTION).count():
            load.errors.append(f"user {n}: {await tab.locator(EXCEPTION).first.inner_text()}")
    await context.close()


async def generate(tab, prompt, text: str) -> None:
    """Generate from `text` and wait for it in the history (prompt and button share a form: one click)."""
    await prompt.fill(text)
    await tab.get_by_role("button", name="Generate").click()
    await tab.get_by_text(text).first.wait_for(timeout=90_000)


async def run_load(url: str, movies: list[str], seconds: float) -> Load:
    from playwright.async_api import async_playwright

    load = Load()
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            until = time.monotonic() + seconds
            results = await asyncio.gather(*(user(browser, url, n, m, until, load) for n, m in enumerate(movies)),
                                           return_exceptions=True)
            load.errors += [f"user {n}: {r!r}" for n, r in enumerate(results) if isinstance(r, BaseException)]
        finally:
            await browser.close()
    return load


def measure_load(url: str, movies: list[str], seconds: float) -> Load:
    return asyncio.run(run_load(url, movies, seconds))
