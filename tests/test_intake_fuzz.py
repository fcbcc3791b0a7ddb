"""Fuzz the whole upload path (decode -> orient -> convert -> detect -> classify -> draw).

Every input either gives results or raises ImageError with a message; nothing else. The long run
(10,000+ inputs) is scripts/fuzz_intake.py; this is the short one for every test run.
"""

import pytest
from hypothesis import HealthCheck, given, settings

from emotion_app.image_io import ImageError
from emotion_app.overlay import Painter
from emotion_app.photo import analyze_photo
from tests.strategies import png_header, uploads

PAINTER = Painter()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow])
@given(data=uploads)
def test_any_upload_gives_results_or_our_error(random_predictor, data):
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
        assert "megapixel" in str(error) or "damaged" in str(error)
