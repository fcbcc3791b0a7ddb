"""A real browser uploads a real photo to `streamlit run photo_detect_emotions.py`."""

import cv2
import numpy as np
import pytest

from tests.browser import open_page, require_chromium, screenshot_dir, streamlit_server

pytestmark = pytest.mark.browser


def test_upload_shows_annotated_image_and_result(tmp_path, astronaut_jpeg):
    require_chromium()
    from playwright.sync_api import expect

    photo = tmp_path / "astronaut.jpg"
    photo.write_bytes(astronaut_jpeg)
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(astronaut_jpeg[:300])
    # A 2000x1 PNG once crashed st.image with a traceback; a Markdown file name once became a link.
    thin = tmp_path / "thin.png"
    thin.write_bytes(cv2.imencode(".png", np.zeros((1, 2000, 3), np.uint8))[1].tobytes())
    tricky = tmp_path / "**bold** [click](javascript:alert(1)).png"
    tricky.write_bytes(cv2.imencode(".png", np.zeros((60, 60, 3), np.uint8))[1].tobytes())
    # Streamlit's icon codes in a file name once showed as an icon ("home hi.png").
    icon = {"name": ":material/home: &amp; hi.png", "mimeType": "image/png", "buffer": tricky.read_bytes()}
    with streamlit_server("photo_detect_emotions.py") as url, open_page(url, "Emotion detector: photos") as page:
        files = [{"name": path.name, "mimeType": "image/png", "buffer": path.read_bytes()}
                 for path in (photo, broken, thin, tricky)]
        page.locator("input[type=file]").first.set_input_files([*files, icon])

        # The annotated image, the face panel with the shipped model's answer, and its message.
        expect(page.get_by_text("1 face found in astronaut.jpg")).to_be_visible(timeout=90_000)
        expect(page.locator('[data-testid="stImage"] img').first).to_be_visible()
        expect(page.get_by_text("happy (confidence", exact=False)).to_be_visible()
        expect(page.get_by_text("congratulations", exact=False).first).to_be_visible()
        expect(page.get_by_role("button", name="Download astronaut.jpg, annotated (PNG)")).to_be_visible()
        # The damaged file gets its own message; the good one was still processed.
        expect(page.get_by_text("Could not read broken.jpg", exact=False)).to_be_visible()
        expect(page.get_by_text("Could not read thin.png: the image is 2000x1 pixels", exact=False)).to_be_visible()
        expect(page.get_by_text(tricky.name, exact=True)).to_be_visible()
        expect(page.get_by_text(icon["name"], exact=True)).to_be_visible()
        expect(page.get_by_text("No face found in " + icon["name"] + ".", exact=True)).to_be_visible()
        assert page.locator('a[href^="javascript"]').count() == 0
        assert page.locator('[data-testid="stException"]').count() == 0
        # The run ends (its progress bar goes) with every file's answer still on the page.
        expect(page.get_by_text("Analysing", exact=False)).to_have_count(0, timeout=60_000)
        expect(page.get_by_test_id("stStatusWidget")).to_have_count(0, timeout=60_000)
        expect(page.get_by_text("1 face found in astronaut.jpg")).to_be_visible()
        page.screenshot(path=str(screenshot_dir(tmp_path) / "photo_page.png"))

        # MTCNN chosen in the sidebar reads the same photo.
        page.get_by_test_id("stSidebar").get_by_text("MTCNN", exact=True).click()
        expect(page.get_by_text("1 face found in astronaut.jpg (MTCNN)")).to_be_visible(timeout=120_000)
        expect(page.get_by_text("happy (confidence", exact=False)).to_be_visible()
        assert page.locator('[data-testid="stException"]').count() == 0
