"""The app on a phone's screen (390x844, portrait), served to the room over HTTPS."""

import cv2
import numpy as np
import pytest

from tests.browser import fake_camera, open_page, require_chromium, screenshot_dir, streamlit_server

pytestmark = pytest.mark.browser

PHONE = (390, 844)
FITS = """() => {
    const page = document.scrollingElement;
    const small = [...document.querySelectorAll('p, span, label, button')]
        .filter(e => e.offsetParent && e.textContent.trim() && parseFloat(getComputedStyle(e).fontSize) < 12);
    return {wide: page.scrollWidth, small: small.map(e => e.textContent.trim()).slice(0, 5)};
}"""


def test_both_pages_work_on_a_phone_screen_and_the_join_code_opens_the_webcam_page(tmp_path, astronaut_bgr):
    require_chromium()
    from playwright.sync_api import expect

    camera = np.full((640, 480, 3), 235, np.uint8)  # a phone held upright films in portrait
    camera[80:560] = cv2.resize(astronaut_bgr, (480, 480))
    args = ("--ignore-certificate-errors", *fake_camera(tmp_path / "portrait.y4m", camera))
    shots = screenshot_dir(tmp_path)
    with streamlit_server("app.py", env={"XDG_CONFIG_HOME": str(tmp_path / "config")}, serve=("--https",),
                          address="0.0.0.0") as url:
        # The presenter's screen: the join code is the address of the webcam page, over HTTPS.
        with open_page(f"{url}/webcam", "Emotion detector: live webcam", args, viewport=(1920, 1080)) as page:
            page.get_by_text("Presentation view").click()
            code = page.locator('[data-testid="stImage"] img').first
            expect(code).to_be_visible(timeout=30_000)
            code.evaluate("img => img.decode()")  # drawn, not only placed
            page.wait_for_timeout(500)
            shown = page.locator(".join-address").first.text_content()
            assert shown.startswith("https://") and shown.endswith("/webcam")
            picture = cv2.imdecode(np.frombuffer(code.screenshot(), np.uint8), cv2.IMREAD_GRAYSCALE)
            assert cv2.QRCodeDetector().detectAndDecode(picture)[0] == shown
            page.screenshot(path=str(shots / "presentation_join_code.png"))
        # A phone in the audience: both pages fit its screen, the camera starts and faces are read.
        with open_page(f"{url}/webcam", "Emotion detector: live webcam", args, viewport=PHONE, phone=True) as page:
            component = page.frame_locator('iframe[title*="webrtc"]').first
            start = component.get_by_role("button", name="START")
            start.scroll_into_view_if_needed(timeout=60_000)
            start.click()
            expect(page.get_by_text("Congratulations", exact=False).first).to_be_visible(timeout=90_000)
            video = component.locator("video").first
            assert video.evaluate("v => v.videoHeight > v.videoWidth")  # portrait frames come back portrait
            fits = page.evaluate(FITS)
            assert fits["wide"] <= PHONE[0] and not fits["small"], fits
            video.scroll_into_view_if_needed()
            page.screenshot(path=str(shots / "phone_webcam.png"))
            page.goto(f"{url}/")  # the photo page, the app's first
            expect(page.get_by_text("Emotion detector: photos")).to_be_visible(timeout=60_000)
            page.get_by_text("astronaut", exact=True).click()
            expect(page.get_by_text("1 face found in astronaut.jpg", exact=False)).to_be_visible(timeout=90_000)
            picture = page.locator('[data-testid="stImage"]').first.bounding_box()
            result = page.get_by_text("1 face found in astronaut.jpg", exact=False).bounding_box()
            assert result["y"] > picture["y"] + picture["height"] - 1  # the result under the picture
            fits = page.evaluate(FITS)
            assert fits["wide"] <= PHONE[0] and not fits["small"], fits
            page.get_by_text("1 face found in astronaut.jpg", exact=False).scroll_into_view_if_needed()
            page.screenshot(path=str(shots / "phone_photos.png"))
