"""One real-browser check: Debian chromium, driven by Playwright, against `streamlit run`."""
from __future__ import annotations

import re
import time

import pytest

from tests.browser_app import CHROMIUM, CHROMIUM_ARGS, serving

FORREST_GUMP = "tt0109830"

pytestmark = [pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is missing (apt-get install chromium)"),
              pytest.mark.timeout(180)]


@pytest.fixture
def movie_page(tmp_path):
    """Chromium on Forrest Gump's page of a fresh `streamlit run` (fakes in place): (page, its rating metric)."""
    from playwright.sync_api import expect, sync_playwright

    with serving(tmp_path / "store") as url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.goto(f"{url}/movie?id={FORREST_GUMP}")
            rating = page.locator('[data-testid="stMetricValue"]', has_text="/ 10")
            expect(rating).to_be_visible(timeout=60_000)
            yield page, rating
        finally:
            browser.close()


def test_after_a_shared_movie_link_opened_a_fresh_server_visitors_get_the_app_navigation(movie_page):
    """The movie_page fixture's first request to its new server is the deep link (ui/navigation.py)."""
    from playwright.sync_api import expect

    page, _ = movie_page
    visitor = page.context.browser.new_page()
    visitor.goto(page.url)
    expect(visitor.get_by_role("heading", name="Forrest Gump")).to_be_visible(timeout=60_000)
    nav = visitor.get_by_test_id("stSidebarNav")
    expect(nav).to_contain_text("Import & rescore", timeout=30_000)
    assert "streamlit app" not in nav.inner_text()


def test_a_review_submitted_in_the_browser_moves_the_rating(movie_page):
    from playwright.sync_api import expect

    page, rating = movie_page
    before = float(rating.inner_text().split("/")[0])
    page.get_by_role("textbox", name="Your review").fill("A wonderful, moving film. Loved it.")
    started = time.perf_counter()
    page.get_by_role("button", name="Submit review").click()
    expect(page.get_by_text("Your review is stored.")).to_be_visible(timeout=30_000)
    expect(rating).not_to_have_text(f"{before:.2f} / 10", timeout=30_000)
    print(f"submit → new rating on screen: {1000 * (time.perf_counter() - started):.0f} ms")
    assert float(rating.inner_text().split("/")[0]) > before
    expect(page.get_by_text("A wonderful, moving film. Loved it.")).to_be_visible()


def test_two_replicas_on_one_database_show_each_others_reviews_within_a_second(database_url):
    """Two `streamlit run` servers on one PostgreSQL store: a review stored through one moves the rating that a page
    already open on the other shows (its live rating fragment), within a second."""
    from playwright.sync_api import expect, sync_playwright

    with serving(database_url) as first, serving(database_url) as second, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            writer, watcher = browser.new_page(), browser.new_page()
            ratings = []
            for page, url in ((watcher, second), (writer, first)):
                page.goto(f"{url}/movie?id={FORREST_GUMP}")
                ratings.append(page.locator('[data-testid="stMetricValue"]', has_text="/ 10"))
                expect(ratings[-1]).to_be_visible(timeout=60_000)
            watched, written = ratings
            before = watched.inner_text()
            writer.get_by_role("textbox", name="Your review").fill("A wonderful, moving film. Loved it.")
            writer.get_by_role("button", name="Submit review").click()
            expect(writer.get_by_text("Your review is stored.")).to_be_visible(timeout=30_000)
            stored = time.perf_counter()
            expect(watched).not_to_have_text(before, timeout=10_000)
            lag = time.perf_counter() - stored
            print(f"stored on one replica → new rating on the other: {1000 * lag:.0f} ms")
            assert watched.inner_text() == written.inner_text() and lag < 1.0
        finally:
            browser.close()


def test_a_visitor_drafts_a_review_with_ai_submits_it_and_corrects_the_verdict(movie_page):
    from playwright.sync_api import expect

    page, rating = movie_page
    page.get_by_text("✨ Draft with AI").click()
    page.get_by_role("textbox", name="Your notes").fill("loved the score")
    page.get_by_role("button", name="Draft", exact=True).click()
    box = page.get_by_role("textbox", name="Your review")
    expect(box).not_to_have_value("", timeout=30_000)   # the fake generator's draft
    box.fill(box.input_value() + " Oh great, the best two hours I will never get back.")
    page.get_by_role("button", name="Submit review").click()
    expect(page.get_by_text("Your review is stored.")).to_be_visible(timeout=30_000)
    expect(page.get_by_text("🤖 AI draft").first).to_be_visible()
    before = float(rating.inner_text().split("/")[0])
    page.get_by_role("button", name="That's not what I meant: my review is negative").first.click()
    expect(page.get_by_text("now counts as negative")).to_be_visible(timeout=30_000)
    assert float(rating.inner_text().split("/")[0]) < before
    expect(page.get_by_text("Negative (author) · model read positive")).to_be_visible()


def test_the_story_studio_explorer_and_token_view_work_in_the_browser(tmp_path):
    from playwright.sync_api import expect, sync_playwright

    with serving(tmp_path / "store", story="tiny") as url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.goto(f"{url}/story_studio")
            page.get_by_role("textbox", name="Prompt").fill("a lighthouse keeper")
            page.get_by_role("button", name="Generate").click()
            expect(page.get_by_text(re.compile(r"surprisal [\d.]+ bits/token")).first).to_be_visible(timeout=60_000)
            page.get_by_text("Token view").click()
            shaded = page.locator("span[title^='p = ']")
            expect(shaded.first).to_be_visible(timeout=30_000)
            assert shaded.count() > 3 and "top:" in shaded.first.get_attribute("title")
            page.get_by_text("🔬 Next-token explorer").click()
            expect(page.get_by_text(re.compile("candidates survive every stage"))).to_be_visible(timeout=30_000)
            expect(page.locator('[data-testid="stVegaLiteChart"]').first).to_be_visible()
        finally:
            browser.close()
