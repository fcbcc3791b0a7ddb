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
        instructions = '[data-testid="stFileUploaderDropzoneInstructions"] span'
        english_types = page.locator(instructions).first.text_content(timeout=60_000).split("•")[1].strip()
        assert page.evaluate("document.documentElement.lang") == "en"
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
        # the bullet itself (it showed as "u2022"), and the same types as Streamlit's English list
        assert shown[1][1] == f'"50 Mo par fichier • {english_types}"', (shown[1][1], english_types)
        # screen readers: the page says it is French, the button is named in French alone, and the
        # hidden English instructions are hidden from them too
        page.wait_for_function("document.documentElement.lang === 'fr'", timeout=30_000)
        upload = page.locator('[data-testid="stFileUploaderDropzone"] [data-testid="stBaseButton-secondary"]').first
        expect(upload).to_have_attribute("aria-label", "Choisir des fichiers", timeout=30_000)
        assert page.locator(instructions).first.evaluate("node => getComputedStyle(node).visibility") == "hidden"
        through_the_navigation(page, ("Détecteur d'émotions : webcam en direct", "Appuie sur DÉMARRER pour commencer",
                                      "Détecteur d'émotions : photos"))
