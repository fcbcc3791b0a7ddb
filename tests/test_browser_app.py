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
