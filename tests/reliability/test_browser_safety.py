"""In a real browser (Debian chromium + Playwright, app with fake models): hostile reviews show as text and
run nothing, and many users at once lose no review. Full size: python -m bench.reliability --full."""
from urllib.parse import quote

import pytest

from tests.browser_app import CHROMIUM, CHROMIUM_ARGS, serving
from tests.core.conftest import FORREST_GUMP
from tests.reliability.hostile import STORED
from tests.reliability.load import EXCEPTION, measure_load
from tests.reliability.workloads import movies, problems

pytestmark = [pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is missing (apt-get install chromium)"),
              pytest.mark.timeout(240)]
INJECTED = ", ".join(['[data-testid="stMain"] img[onerror]', "script:not([src])[data-testid]", "iframe",
                      'img[src*="beacon"]', 'a[href^="javascript"]', '[data-testid="stMain"] style'])


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    folder = tmp_path_factory.mktemp("browser") / "store"
    with serving(folder) as url:
        yield url, folder


@pytest.fixture
def page(served):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        tab = browser.new_page()
        tab.dialogs = []
        tab.on("dialog", lambda dialog: (tab.dialogs.append(dialog.message), dialog.dismiss()))
        yield tab
        browser.close()


def assert_nothing_ran(page) -> None:
    assert page.dialogs == [] and page.evaluate("window.__pwned") is None
    assert page.locator(INJECTED).count() == 0 and page.locator(EXCEPTION).count() == 0


def test_hostile_reviews_are_shown_as_text_and_run_nothing(served, page):
    from playwright.sync_api import expect

    url, _ = served
    page.goto(f"{url}/movie?id={FORREST_GUMP}")
    expect(page.get_by_role("textbox", name="Your review")).to_be_visible(timeout=120_000)   # a first render, contended
    for text in STORED.values():
        page.get_by_role("textbox", name="Your review").fill(text)
        page.get_by_role("button", name="Submit review").click()
        expect(page.get_by_text(text.strip(), exact=True)).to_be_visible(timeout=60_000)
    page.reload()
    expect(page.get_by_text(STORED["script tag"], exact=True)).to_be_visible(timeout=60_000)
    assert_nothing_ran(page)


def test_a_hostile_movie_id_in_the_link_is_not_rendered(served, page):
    from playwright.sync_api import expect

    url, _ = served
    page.goto(f"{url}/movie?id=" + quote(STORED["markdown link and image"] + STORED["img onerror"]))
    expect(page.get_by_text("Pick a movie")).to_be_visible(timeout=60_000)
    assert_nothing_ran(page)


def test_users_submitting_and_generating_at_once_lose_nothing(served):
    url, folder = served
    load = measure_load(url, movies(folder, 5), seconds=0)
    print(load.figures())
    assert load.errors == [] and load.generations == 5
    assert problems(folder, load.submitted) == []
