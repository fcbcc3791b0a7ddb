"""The photo sets of benchmarks/common.py: made the same way whatever the app's detectors become."""

import numpy as np

from benchmarks import common
from emotion_app import faces


def test_closeups_are_cut_by_the_fixed_reference_not_the_apps_detector(astronaut_bgr, monkeypatch):
    dev = [("astronaut.png", astronaut_bgr, "happy")]
    before = common.make_variants(dev)["closeups"]

    def moved(self, image, settings):  # the app's MTCNN detector changing its boxes must not move the set
        raise AssertionError("make_variants used the app's detector")

    monkeypatch.setattr(faces.MtcnnDetector, "detect", moved)
    after = common.make_variants(dev)["closeups"]
    assert len(before) == len(after) == 1
    np.testing.assert_array_equal(before[0][1], after[0][1])
    x, y, w, h = common.reference_face(astronaut_bgr)
    assert 150 < x + w / 2 < 250 and 50 < y + h / 2 < 150  # the astronaut's face, in the 512x512 photo
