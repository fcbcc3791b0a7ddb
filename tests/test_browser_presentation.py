"""The presentation view in a real browser, at a projector's 1920x1080 and at 1280x720."""

import pytest

from tests.browser import open_page, require_chromium, screenshot_dir, streamlit_server

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("viewport", [(1920, 1080), (1280, 720)])
def test_presentation_view_reads_from_the_back_of_the_room(tmp_path, viewport):
    require_chromium()
    from playwright.sync_api import expect

    with (streamlit_server("app.py") as url,
          open_page(url, "Emotion detector: photos", viewport=viewport) as page):
        page.get_by_text("Presentation view").click()
        page.get_by_text("four faces", exact=True).click()
        message = page.locator(".emotion-message").first
        expect(message).to_be_visible(timeout=90_000)
        expect(page.get_by_test_id("stSidebar")).to_be_hidden()
        size = float(message.evaluate("node => getComputedStyle(node).fontSize").removesuffix("px"))
        assert size >= (40 if viewport[0] >= 1920 else 24)  # 40 px where a projector shows 1920x1080
        assert page.locator('[data-testid="stException"]').count() == 0
        page.wait_for_timeout(800)  # the message's fade-in
        page.screenshot(path=str(screenshot_dir(tmp_path) / f"presentation_{viewport[0]}x{viewport[1]}.png"))
