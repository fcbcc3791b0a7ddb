"""The shared engine of the emotion app: faces, model, predictor, overlay, smoothing, UI widgets."""

import contextlib
import sys

# NOTE: the one import-order guard. aiortc's pylibsrtp bundles an OpenSSL build that segfaults when
# it is loaded after TensorFlow's libraries (tensorflow 2.21 + pylibsrtp 1.0 on Linux), while the
# opposite order is fine. Importing any part of emotion_app loads it first, so a process that imports
# emotion_app before TensorFlow (the app, the tests through conftest.py, the benchmarks through
# common.py) is safe whatever it imports next. Where TensorFlow is already loaded, loading it here
# would be the crash itself, so it is left for the webcam page, which such a process never opens.
if "tensorflow" not in sys.modules:
    with contextlib.suppress(ImportError):
        import pylibsrtp  # noqa: F401
