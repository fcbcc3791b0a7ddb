"""A real browser opens `streamlit run app.py` and reaches both pages through the navigation."""

import pytest

from tests.browser import open_page, require_chromium, screenshot_dir, streamlit_server

pytestmark = pytest.mark.browser


def test_navigation_reaches_both_pages(tmp_path):
    require_chromium()
    from playwright.sync_api import expect

    with streamlit_server("app.py") as url, open_page(url, "Emotion detector: photos") as page:
        navigation = page.get_by_test_id("stSidebarNav")
        navigation.get_by_text("Webcam").click()
        expect(page.get_by_text("Emotion detector: live webcam")).to_be_visible(timeout=60_000)
        navigation.get_by_text("Photos").click()
        expect(page.get_by_text("Emotion detector: photos")).to_be_visible(timeout=60_000)
        assert page.locator('[data-testid="stException"]').count() == 0
        page.screenshot(path=str(screenshot_dir(tmp_path) / "app_navigation.png"))
