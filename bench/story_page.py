"""Is the story page as fast as the bench? In one run: `streamlit run` of the real app (real story model) with
Chromium (Playwright) generating on the Story studio page, reading each run's tok/s and first-token time off the
page, once for each way of streaming to the browser (REELPULSE_STREAM_EVERY_MS: 0 sends every piece as it is
decoded, 250 at most every 250 ms, the default) and each browser priority: "normal" (Chromium competes for the
server's cores, as a browser on the same machine does) and "idle" (its threads run only on cores nothing else
wants, SCHED_IDLE: what the server does for a visitor whose browser is on another machine, the usual case); then
the same requests decoded directly in this process (Generator.run, the same settings). Prints JSON with each and
its ratio to the direct decoding. Needs Debian's chromium (apt-get install chromium).

    python -m bench.story_page [--runs 3] [--compile 1] [--every-ms 50 250] [--browser normal idle]   # ~8 min
"""
from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

from models.cpu import cpu_info
from models.story.config import COMPILE_ENV, PRESETS
from models.story.generate import Generator, Request
from tests.browser_app import CHROMIUM, CHROMIUM_ARGS, free_port, wait_until_healthy

PROMPT = "a lighthouse keeper who finds a message in a bottle addressed to her, dated tomorrow"
STATS = re.compile(r"seed (\d+) · (\d+) tokens · ([\d.]+) tok/s · first token (\d+) ms")


def request(seed: int) -> Request:
    return Request(PROMPT, "story", PRESETS["Balanced"].with_(seed=seed), screenplay_style=True)


BROWSER_EXECUTABLES = ("chromium", "chrome", "headless_shell")   # /usr/bin/chromium is a script starting these


def idle_priority() -> int:
    """Put every thread of the running browser processes under SCHED_IDLE (threads they start later inherit it);
    how many threads."""
    threads = 0
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if os.path.basename(os.readlink(f"/proc/{pid}/exe")) not in BROWSER_EXECUTABLES:
                continue
            for tid in os.listdir(f"/proc/{pid}/task"):
                os.sched_setscheduler(int(tid), os.SCHED_IDLE, os.sched_param(0))
                threads += 1
        except OSError:   # gone meanwhile, or not ours
            continue
    return threads


def on_the_page(url: str, seeds: list[int], browser_priority: str) -> list[dict]:
    from playwright.sync_api import expect, sync_playwright

    runs = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.goto(f"{url}/story_studio")
        prompt = page.get_by_role("textbox", name="Prompt")
        expect(prompt).to_be_visible(timeout=60_000)
        if browser_priority == "idle" and not idle_priority():
            raise RuntimeError("found no Chromium thread to put at idle priority")
        for seed in seeds:
            page.get_by_label("Seed").fill(str(seed))
            page.get_by_label("Seed").press("Enter")
            prompt.fill(PROMPT)
            started = time.perf_counter()
            page.get_by_role("button", name="Generate").click()
            caption = page.get_by_text(re.compile(f"seed {seed} · .* tok/s")).first
            expect(caption).to_be_visible(timeout=600_000)   # the first run waits for the model to load
            found = STATS.search(caption.inner_text())
            runs.append(dict(seed=seed, tokens=int(found[2]), tokens_per_s=float(found[3]), ttft_ms=int(found[4]),
                             wall_s=round(time.perf_counter() - started, 1)))
            print(json.dumps(dict(page=runs[-1])), file=sys.stderr, flush=True)
        browser.close()
    return runs


def direct(seeds: list[int], compiled: bool) -> list[dict]:
    generator = Generator.load(compiled=compiled)
    runs = []
    for seed in seeds:
        run = generator.run(request(seed))
        run.text()
        runs.append(dict(seed=seed, tokens=run.result.new_tokens, tokens_per_s=run.result.tokens_per_s,
                         ttft_ms=run.result.ttft_ms))
    return runs


def summary(runs: list[dict]) -> dict:
    steady = runs[1:] or runs   # the first page run may include a compile or a cold cache
    return dict(tokens_per_s=statistics.median(r["tokens_per_s"] for r in steady),
                ttft_ms=statistics.median(r["ttft_ms"] for r in steady), runs=runs)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.story_page", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--compile", choices=["0", "1"], default="1", help="the compiled decoding step or eager")
    parser.add_argument("--every-ms", type=int, nargs="+", default=[50, 250], help="streaming intervals to compare")
    parser.add_argument("--browser", choices=["normal", "idle"], nargs="+", default=["normal", "idle"],
                        help="Chromium's CPU priority: as the server's processes, or SCHED_IDLE")
    args = parser.parse_args(argv)
    seeds = list(range(11, 11 + args.runs + 1))   # one more on the page: its first run is a warm-up
    pages = {f"page_every_{ms}_ms_browser_{priority}": summary(served(args.compile, ms, seeds, priority))
             for ms in args.every_ms for priority in args.browser}
    os.environ[COMPILE_ENV] = args.compile
    bench = summary(direct(seeds, args.compile == "1"))
    ratios = {name: round(page["tokens_per_s"] / bench["tokens_per_s"], 2) for name, page in pages.items()}
    print(json.dumps(dict(cpu=cpu_info().describe(), compiled=args.compile == "1", **pages, bench=bench,
                          page_over_bench=ratios), indent=1))
    return 0


def served(compiled: str, every_ms: int, seeds: list[int], browser_priority: str) -> list[dict]:
    """The page runs on a fresh `streamlit run` of the app with this streaming interval."""
    port = free_port()
    env = {**os.environ, COMPILE_ENV: compiled, "REELPULSE_STREAM_EVERY_MS": str(every_ms),
           "REELPULSE_DATA_DIR": tempfile.mkdtemp(prefix="reelpulse-page-")}
    server = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "streamlit_app.py", "--server.port", str(port),
                               "--server.address", "127.0.0.1", "--server.headless", "true"],
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        url = f"http://127.0.0.1:{port}"
        wait_until_healthy(url, server)
        return on_the_page(url, seeds, browser_priority)
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    raise SystemExit(main())
