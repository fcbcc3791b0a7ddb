"""A real browser opens `streamlit run app.py` and reaches both pages through the navigation."""

import pytest

from tests.browser import (
    open_page,
    require_chromium,
    screenshot_dir,
    streamlit_server,
    through_the_navigation,
)

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
        # The sensitivity, whose label changed with the language, kept its level (it once fell to "faible")
        expect(page.get_by_test_id("stSidebar").get_by_text("moyenne", exact=True)).to_be_visible()
        # Streamlit's own words ("Upload", "50MB per file") and the tab's title, in French too
        expect(page).to_have_title("Détecteur d'émotions", timeout=30_000)
        words = """() => [
            '[data-testid="stFileUploaderDropzone"] [data-testid="stBaseButton-secondary"] p',
            '[data-testid="stFileUploaderDropzoneInstructions"] span'].map(selector => {
                const element = document.querySelector(selector);
                return [getComputedStyle(element).fontSize, getComputedStyle(element, '::after').content];
            })"""
        page.wait_for_function(f"({words})()[0][0] === '0px'", timeout=30_000)
        shown = page.evaluate(words)
        assert shown[0] == ["0px", '"Choisir des fichiers"'] and shown[1][0] == "0px"
        assert shown[1][1].startswith('"50 Mo par fichier')
        through_the_navigation(page, ("Détecteur d'émotions : webcam en direct", "Appuie sur DÉMARRER pour commencer",
                                      "Détecteur d'émotions : photos"))
