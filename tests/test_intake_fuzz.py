"""Fuzz the whole upload path (decode -> orient -> convert -> detect -> classify -> draw).

Every input either gives results or raises ImageError with a message; nothing else. The long run
(10,000+ inputs) is scripts/fuzz_intake.py; this is the short one for every test run.
"""

import os
import resource

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


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def test_any_upload_gives_results_or_our_error_in_bounded_memory(random_predictor):
    before = peak_rss_mb()
    fuzz_uploads(random_predictor)
    assert peak_rss_mb() - before < MAX_RSS_GROWTH_MB


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
def test_extreme_headers(random_predictor, size):
    try:
        analyze_photo(png_header(*size), random_predictor, PAINTER)
    except ImageError as error:
        assert any(reason in str(error) for reason in ("megapixel", "damaged", "too small to hold a face"))
