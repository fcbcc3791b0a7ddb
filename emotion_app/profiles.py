"""The two ways the app analyses faces, as named profiles: ``PHOTO`` (the photo page, videos and the
command line: thorough) and ``WEBCAM`` (live: fast). Each says its default detector, the sidebar's
sensitivity levels, whether a face it is unsure of gets a second pass on its mirror image, and (live)
how many frames apart full detections run. What both share (the crop, the unsure rule, the mirror
gate) lives with the predictor. Every figure behind these choices is in docs/PERFORMANCE.md with
the command that measures it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from emotion_app.faces import DetectionSettings


@dataclass(frozen=True)
class Profile:
    detector: str  # the default, one of faces.DETECTORS
    sensitivity: Mapping[str, DetectionSettings]  # the sidebar's levels: "low", "medium", "high"
    flip: bool  # a second pass on the mirror image of the faces it is unsure of
    detect_every: Mapping[str, int] | None = None  # live: full detection every N frames, by detector

    @property
    def settings(self) -> DetectionSettings:
        """The default level, "medium"."""
        return self.sensitivity["medium"]


# Photos get a border around the detection copy so a face that fills the frame is found
# (benchmarks/photos_e2e.py, close-ups). More sensitive levels find smaller, less certain faces:
# "high" searches a larger copy, down to 32-px faces, for group photos (benchmarks/detection.py).
PHOTO_PAD = 0.15
PHOTO = Profile(
    # MTCNN finds the faces, Haar frames each one: as many photos read right as Haar then MTCNN on each
    # of the four photo sets (within one in a hundred), in half the time or less, tilted heads included
    # (benchmarks/photos_e2e.py, benchmarks/pipeline.py)
    detector="mtcnn+haar",
    sensitivity={
        "low": DetectionSettings(min_neighbors=4, min_face=0.15, pad=PHOTO_PAD),
        "medium": DetectionSettings(pad=PHOTO_PAD),
        "high": DetectionSettings(scale_factor=1.15, min_face=0.03, min_face_px=32, detect_side=1024, pad=PHOTO_PAD),
    },
    # the mirror pass raised accuracy on every set measured (benchmarks/accuracy.py, photos_e2e.py)
    flip=True,
)

# Live detection runs on a small copy, on every few frames only (boxes are tracked and re-classified
# in between), with one pass a face: the video must keep up with the camera on 2 cores
# (benchmarks/pipeline.py, benchmarks/detection.py). MTCNN: under half Haar's time a full detection
# on LiteRT, tilted heads too, and 87% of the faces in clutter against Haar's 74%. Haar (a sidebar
# choice) keeps its full detection every 3rd frame.
_LIVE = DetectionSettings(scale_factor=1.15, min_neighbors=2, min_face=0.08, detect_side=320, mtcnn_threshold=0.7)
WEBCAM = Profile(
    detector="mtcnn",
    sensitivity={
        "low": replace(_LIVE, scale_factor=1.2, min_neighbors=4, min_face=0.15),
        "medium": _LIVE,
        "high": replace(_LIVE, scale_factor=1.1, min_face=0.05, min_face_px=32, detect_side=400),
    },
    flip=False,
    detect_every={"mtcnn": 8, "mtcnn+haar": 8, "haar": 3},
)
