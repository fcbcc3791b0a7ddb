"""A real browser opens `streamlit run app.py` and reaches both pages through the navigation."""

import pytest

from tests.browser import open_page, require_chromium, screenshot_dir, streamlit_server, through_the_navigation

pytestmark = pytest.mark.browser


def test_navigation_reaches_both_pages(tmp_path):
    require_chromium()

    with streamlit_server("app.py") as url, open_page(url, "Emotion detector: photos") as page:
        through_the_navigation(page)
        assert page.locator('[data-testid="stException"]').count() == 0
        page.screenshot(path=str(screenshot_dir(tmp_path) / "app_navigation.png"))


def test_the_language_chosen_on_one_page_stays_on_the_other(tmp_path):
    """Choosing Français on Photos, then opening Webcam, once gave an English page."""
    require_chromium()
    from playwright.sync_api import expect

    with streamlit_server("app.py") as url, open_page(url, "Emotion detector: photos") as page:
        page.get_by_test_id("stSidebar").get_by_text("Français", exact=True).click()
        expect(page.get_by_text("Détecteur d'émotions : photos")).to_be_visible(timeout=60_000)
        page.get_by_test_id("stSidebarNav").get_by_text("Webcam").click()
        expect(page.get_by_text("Détecteur d'émotions : webcam en direct")).to_be_visible(timeout=60_000)
        expect(page.get_by_text("Appuie sur DÉMARRER pour commencer", exact=False)).to_be_visible(timeout=60_000)
        page.get_by_test_id("stSidebarNav").get_by_text("Photos").click()
        expect(page.get_by_text("Détecteur d'émotions : photos")).to_be_visible(timeout=60_000)
