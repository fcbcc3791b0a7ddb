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


def test_the_webcam_s_stop_is_in_view_in_presentation_at_1920x1080(tmp_path, astronaut_bgr):
    """STOP was below the fold: the presenter scrolled, in front of the room, to end the demo."""
    require_chromium()
    import cv2
    import numpy as np
    from playwright.sync_api import expect

    from tests.browser import fake_camera

    camera = np.full((720, 1280, 3), 235, np.uint8)
    camera[:, 280:1000] = cv2.resize(astronaut_bgr, (720, 720))
    camera_args = fake_camera(tmp_path / "face.y4m", camera)
    with (streamlit_server("webcam_detect_emotions.py") as url,
          open_page(url, "Emotion detector: live webcam", camera_args, viewport=(1920, 1080)) as page):
        page.get_by_text("Presentation view").click()
        component = page.frame_locator('iframe[title*="webrtc"]').first
        component.get_by_role("button", name="START").click(timeout=60_000)
        expect(page.locator(".emotion-message").first).to_be_visible(timeout=90_000)
        stop = component.get_by_role("button", name="STOP")
        expect(stop).to_be_visible(timeout=30_000)
        page.wait_for_timeout(1500)  # the video's size settles once frames arrive
        frame_box = page.locator('iframe[title*="webrtc"]').first.bounding_box()
        stop_box = stop.bounding_box()
        assert stop_box["y"] + stop_box["height"] <= 1080, (frame_box, stop_box)
        page.screenshot(path=str(screenshot_dir(tmp_path) / "webcam_presentation_1920x1080.png"))
