"""A real browser with a fake camera (the astronaut photo as a y4m clip) on the webcam page."""

import base64

import cv2
import numpy as np
import pytest

from tests.browser import fake_camera, open_page, require_chromium, screenshot_dir, start_camera, streamlit_server

pytestmark = pytest.mark.browser

GRAB_VIDEO_FRAME = """(video) => {
    const canvas = document.createElement('canvas');
    canvas.width = video.videoWidth; canvas.height = video.videoHeight;
    canvas.getContext('2d').drawImage(video, 0, 0);
    return canvas.toDataURL('image/png');
}"""


def test_live_video_carries_the_overlay_and_the_message_appears(tmp_path, astronaut_bgr):
    require_chromium()
    from playwright.sync_api import expect

    camera = np.full((480, 640, 3), 235, np.uint8)
    camera[:, 64:576] = cv2.resize(astronaut_bgr, (512, 480))
    camera_args = fake_camera(tmp_path / "face.y4m", camera)
    with (streamlit_server("webcam_detect_emotions.py") as url,
          open_page(url, "Emotion detector: live webcam", camera_args) as page):
        expect(page.get_by_text("Press START to begin", exact=False)).to_be_visible(timeout=30_000)
        for control in ("Mirror view", "Show confidence on the video", "Face detection sensitivity"):
            expect(page.get_by_text(control)).to_be_visible()
        component = start_camera(page, "Congratulations")
        expect(page.get_by_text("frames analysed a second", exact=False)).to_be_visible(timeout=30_000)

        video = component.locator("video").first
        expect(video).to_be_visible(timeout=30_000)
        page.wait_for_timeout(2000)  # let a few processed frames arrive
        data_url = video.evaluate(GRAB_VIDEO_FRAME)
        returned = cv2.imdecode(np.frombuffer(base64.b64decode(data_url.split(",", 1)[1]), np.uint8),
                                cv2.IMREAD_COLOR)
        sent = cv2.resize(camera[:, ::-1], (returned.shape[1], returned.shape[0]))  # mirror view is on
        changed = (np.abs(returned.astype(int) - sent.astype(int)).max(axis=2) > 80).mean()
        # Video compression changes pixels a little everywhere; the overlay changes some a lot.
        assert 0.003 < changed < 0.25, f"{changed:.4f} of the pixels differ strongly from the camera input"
        # The happy box colour (RGB 255, 200, 0) is on the returned frame, not on the input.
        yellow = lambda img: ((img[..., 2] > 200) & (img[..., 1] > 160) & (img[..., 0] < 80)).sum()  # noqa: E731
        assert yellow(returned) > yellow(sent) + 100
        page.screenshot(path=str(screenshot_dir(tmp_path) / "webcam_page.png"))

        # A snapshot of the annotated video downloads while the video keeps going.
        page.get_by_role("button", name="Take a snapshot").click()
        expect(page.get_by_role("button", name="Download the snapshot (PNG)")).to_be_visible(timeout=30_000)
        expect(page.get_by_text("frames analysed a second", exact=False)).to_be_visible(timeout=30_000)
        assert page.locator('[data-testid="stException"]').count() == 0

        # The presentation view: the sidebar out of the way, the message in type a room can read,
        # while the video goes on.
        page.get_by_text("Presentation view").click()
        message = page.locator(".emotion-message").first
        expect(message).to_be_visible(timeout=60_000)
        expect(page.get_by_test_id("stSidebar")).to_be_hidden()
        assert float(message.evaluate("node => getComputedStyle(node).fontSize").removesuffix("px")) >= 24
        expect(page.get_by_text("frames analysed a second", exact=False)).to_be_hidden()  # captions are hidden too
        page.wait_for_timeout(800)  # the message's fade-in
        page.screenshot(path=str(screenshot_dir(tmp_path) / "webcam_presentation.png"))
        assert page.locator('[data-testid="stException"]').count() == 0


def test_the_room_s_mood_shows_with_several_faces_in_view(tmp_path, astronaut_bgr):
    require_chromium()
    from playwright.sync_api import expect

    camera = np.full((480, 960, 3), 235, np.uint8)  # two people side by side
    camera[:, :480] = camera[:, 480:] = cv2.resize(astronaut_bgr, (480, 480))
    camera_args = fake_camera(tmp_path / "two.y4m", camera)
    with (streamlit_server("webcam_detect_emotions.py") as url,
          open_page(url, "Emotion detector: live webcam", camera_args, viewport=(1920, 1080)) as page):
        def room_in_presentation(page):
            page.get_by_test_id("stSidebar").get_by_text("The room's mood").click()
            page.get_by_text("Presentation view").click()
            expect(page.get_by_test_id("stSidebar")).to_be_hidden()  # the toggle's rerun is done

        start_camera(page, "The room: 100% happy", prepare=room_in_presentation, timeout=90_000)
        bar = page.locator(".room-mood.large .room-bar").first
        assert bar.bounding_box()["height"] >= 48  # read from the back of the room
        page.screenshot(path=str(screenshot_dir(tmp_path) / "webcam_room_mood.png"))
