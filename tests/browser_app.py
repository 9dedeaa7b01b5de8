"""Launch the real app with the keyword fake sentiment model and the instant fake story generator
(used by the browser tests and bench/reliability.py). Per-visitor review limits and the one counted
voice per visitor are lifted: these tests send many reviews from one browser (tests/pages/test_review_limits.py
and tests/core/test_moderation.py cover them; bench/bombing.py measures them).

    python -m tests.browser_app --server.port 8599
"""
from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from core.paths import DATA_DIR_VARIABLE, STORE_URL_VARIABLE
from core.store import is_database_url
from tests.conftest import ROOT

CHROMIUM = Path("/usr/bin/chromium")
TEST_STORY = "REELPULSE_TEST_STORY"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_healthy(url: str, server: subprocess.Popen, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"streamlit exited early:\n{server.stdout.read()}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as reply:
                if reply.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(f"streamlit did not answer at {url} within {seconds}s")


@contextlib.contextmanager
def serving(store: Path | str, story: str = "fake") -> Iterator[str]:
    """`streamlit run` of the app (fakes in place) on a free port over the store (a folder or a postgresql:// URL);
    yields its URL. story="tiny": a tiny random Llama instead of the instant fake story generator (the explorer needs
    logits)."""
    port = free_port()
    where = ({STORE_URL_VARIABLE: str(store)} if is_database_url(str(store))
             else {DATA_DIR_VARIABLE: str(store), STORE_URL_VARIABLE: ""})
    server = subprocess.Popen([sys.executable, "-m", "tests.browser_app", "--server.port", str(port),
                               "--server.address", "127.0.0.1", "--server.headless", "true"],
                              cwd=ROOT, env={**os.environ, **where, TEST_STORY: story},
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(url, server)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:   # still busy with sessions after SIGTERM
            server.kill()
            server.wait()


def tiny_story():
    """A tiny random Llama behind a tiny BPE tokenizer (tests/story/conftest.py), built in a temp folder."""
    import tempfile

    from models.story.generate import Generator
    from tests.story.conftest import build_tiny_gpt2, tiny_llama

    folder = Path(tempfile.mkdtemp(prefix="reelpulse-tiny-story-"))
    tokenizer_dir = build_tiny_gpt2(folder / "gpt2")
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(tokenizer_dir)
    tiny_llama(vocab=len(tokenizer)).save_pretrained(folder / "llama")
    tokenizer.save_pretrained(folder / "llama")
    return Generator.load(folder / "llama", adapter=None, precision="fp32", compiled=False)


def main() -> int:
    from streamlit.web import cli

    from models.sentiment import SentimentModel
    from models.story.generate import Generator
    from tests.fakes.sentiment import FakeSentimentModel
    from tests.story.fake_generator import FakeGenerator

    import ui.access

    for limits in (ui.access.SESSION_LIMITS, ui.access.ADDRESS_LIMITS):
        limits.update(per_movie=1_000_000, overall=1_000_000)
    ui.access.visitor = lambda store: None
    sentiment = FakeSentimentModel()
    story = tiny_story() if os.environ.get(TEST_STORY) == "tiny" else FakeGenerator()
    SentimentModel.load = classmethod(lambda cls, path=None: sentiment)
    Generator.load = classmethod(lambda cls, path=None, adapter=None, **options: story)
    sys.argv = ["streamlit", "run", str(ROOT / "streamlit_app.py"), *sys.argv[1:]]
    return cli.main()


if __name__ == "__main__":
    sys.exit(main())
