"""A real browser opens the app, goes through its navigation, uploads a short MP4 and gets a
playable annotated video and a CSV."""

import pytest

from emotion_app.exports import FACE_FIELDS
from tests.browser import open_page, require_chromium, screenshot_dir, streamlit_server, through_the_navigation
from tests.test_video import make_mp4

pytestmark = pytest.mark.browser


def test_an_uploaded_mp4_comes_back_playable_with_a_csv(tmp_path, astronaut_bgr):
    require_chromium()
    import numpy as np
    from playwright.sync_api import expect

    frames = []
    for shift in range(0, 30, 3):
        canvas = np.full((480, 640, 3), 200, np.uint8)
        canvas[:, 60 + shift:572 + shift] = astronaut_bgr[16:496]
        frames.append(canvas)
    clip = tmp_path / "clip.mp4"
    clip.write_bytes(make_mp4(frames))
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"not a video")
    with streamlit_server("app.py") as url, open_page(url, "Emotion detector: photos") as page:
        through_the_navigation(page)
        page.locator("input[type=file]").first.set_input_files([str(clip), str(broken)])
        video = page.locator("video").first
        expect(video).to_be_visible(timeout=120_000)
        # readyState 2 or more: the browser decoded the H.264 frames, so it plays.
        page.wait_for_function("() => (document.querySelector('video') || {}).readyState >= 2", timeout=60_000)
        expect(page.get_by_role("button", name="Download the annotated video (MP4)")).to_be_visible()
        with page.expect_download(timeout=60_000) as download:
            page.get_by_role("button", name="This video's faces as CSV").click()
        assert download.value.suggested_filename == "clip_faces.csv"
        header, *rows = download.value.path().read_text().splitlines()
        assert header.split(",") == list(FACE_FIELDS) and len(rows) >= 5  # a face in every analysed frame
        assert {row.split(",")[FACE_FIELDS.index("face")] for row in rows} == {"1"}
        expect(page.get_by_text("Could not read broken.mp4", exact=False)).to_be_visible()
        assert page.locator('[data-testid="stException"]').count() == 0
        page.screenshot(path=str(screenshot_dir(tmp_path) / "video_upload.png"))
