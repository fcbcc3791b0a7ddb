"""`emotion-app serve --https` in a real browser: the certificate it made, the camera it opens."""

import ssl

import cv2
import numpy as np
import pytest

from tests.browser import fake_camera, open_page, require_chromium, screenshot_dir, streamlit_server

pytestmark = pytest.mark.browser


def test_the_app_over_https_opens_the_camera_and_analyses_its_frames(tmp_path, astronaut_bgr):
    """Phones open the camera only on https:// pages: the self-signed certificate must be served
    and the live path must work through it (Chromium told to accept the certificate, as a phone's
    user does once; traffic on 127.0.0.1 only)."""
    require_chromium()
    from playwright.sync_api import expect

    camera = np.full((480, 640, 3), 235, np.uint8)
    camera[:, 64:576] = cv2.resize(astronaut_bgr, (512, 480))
    args = ("--ignore-certificate-errors", *fake_camera(tmp_path / "face.y4m", camera))
    config = tmp_path / "config"
    with streamlit_server("app.py", env={"XDG_CONFIG_HOME": str(config)}, serve=("--https",)) as url:
        assert url.startswith("https://")
        port = int(url.rsplit(":", 1)[1])
        served = ssl.get_server_certificate(("127.0.0.1", port))
        made = (config / "emotion-app" / "cert.pem").read_text()
        assert ssl.PEM_cert_to_DER_cert(served) == ssl.PEM_cert_to_DER_cert(made)  # the one it made and kept
        with open_page(f"{url}/webcam", "Emotion detector: live webcam", args) as page:
            assert page.evaluate("window.isSecureContext") and page.evaluate("!!navigator.mediaDevices")
            component = page.frame_locator('iframe[title*="webrtc"]').first
            component.get_by_role("button", name="START").click(timeout=60_000)
            expect(page.get_by_text("Congratulations", exact=False).first).to_be_visible(timeout=90_000)
            expect(page.get_by_text("frames analysed a second", exact=False)).to_be_visible(timeout=30_000)
            assert page.locator('[data-testid="stException"]').count() == 0
            page.screenshot(path=str(screenshot_dir(tmp_path) / "webcam_over_https.png"))
