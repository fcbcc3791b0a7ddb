"""Fuzz the whole upload path (decode -> orient -> convert -> detect -> classify -> draw).

Every input either gives results or raises ImageError with a message; nothing else. The long run
(10,000+ inputs) is scripts/fuzz_intake.py; this is the short one for every test run.
"""

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from emotion_app.image_io import ImageError
from emotion_app.overlay import Painter
from emotion_app.photo import analyze_photo
from tests.strategies import png_header, uploads

PAINTER = Painter()
# Headers may claim 65535x65535 pixels; the intake must refuse before allocating them. The whole
# fuzz run may raise the process's peak memory by at most this much.
MAX_RSS_GROWTH_MB = 600


def status_mb(field: str) -> float:
    line = next(line for line in Path("/proc/self/status").read_text().splitlines() if line.startswith(field))
    return int(line.split()[1]) / 1024


def reset_peak_rss() -> None:
    """Linux: start the peak (VmHWM) afresh, so what an earlier test allocated cannot hide this one's
    peak (the process-wide ru_maxrss made the bound depend on test order)."""
    Path("/proc/self/clear_refs").write_text("5")


def test_any_upload_gives_results_or_our_error_in_bounded_memory(random_predictor):
    reset_peak_rss()
    before = status_mb("VmRSS:")
    fuzz_uploads(random_predictor)
    assert status_mb("VmHWM:") - before < MAX_RSS_GROWTH_MB


def test_the_peak_memory_measure_sees_an_allocation_after_a_larger_one():
    import numpy as np

    earlier = np.ones(400 * 2**20 // 8)  # an earlier test's larger peak
    del earlier
    reset_peak_rss()
    before = status_mb("VmRSS:")
    this = np.ones(100 * 2**20 // 8)
    del this
    assert 90 < status_mb("VmHWM:") - before < 200


@settings(max_examples=int(os.environ.get("FUZZ_EXAMPLES", "150")), deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=uploads)
def fuzz_uploads(random_predictor, data):
    """Results or ImageError with a message; run 150 times by the test above."""
    try:
        result = analyze_photo(data, random_predictor, PAINTER)
    except ImageError as error:
        assert str(error)  # a message for the user, never empty
    else:
        assert result.annotated.ndim == 3 and max(result.annotated.shape[:2]) <= 2048


@pytest.mark.parametrize("size", [(20000, 20000), (65535, 65535), (1, 10000), (2, 50000)])
def test_extreme_headers_are_refused_before_decoding(random_predictor, size):
    with pytest.raises(ImageError, match="megapixel|too small to hold a face"):
        analyze_photo(png_header(*size), random_predictor, PAINTER)
