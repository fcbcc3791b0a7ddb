"""The shared engine of the emotion app: faces, model, predictor, overlay, smoothing, UI widgets."""

import contextlib

# NOTE: aiortc's pylibsrtp bundles an OpenSSL build that segfaults when it is loaded after
# TensorFlow's libraries (seen with tensorflow 2.21 + pylibsrtp 1.0 on Linux), while the opposite
# order is fine. Loading it here, before anything can import TensorFlow, makes every process that
# uses both (the webcam page, the tests) safe whatever its import order.
with contextlib.suppress(ImportError):
    import pylibsrtp  # noqa: F401
