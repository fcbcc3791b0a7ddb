"""FER2013's framing as MTCNN sees it, and whether framing a photo's face by its eyes matches it better
than framing it by the detector's box.

    python benchmarks/framing.py [--limit 1500] [--sets dev,closeups,small,tilted]

1. PublicTest faces (the first ``--limit``), each enlarged 4x onto a wider canvas (edges replicated,
   as ``crop_margin.py`` does) and found again by the app's MTCNN detector: the box's longer side, the
   eyes' midpoint, their distance and the eye line's angle, in pixels of the 48-px frame. The box's
   median is what ``emotion_app.faces.MTCNN_MARGIN`` is set from; the eyes' medians are the template
   of step 2. PublicTest only: this chooses a setting.
2. The whole-photo sets of ``photos_e2e.py``, each photo's largest MTCNN face cropped the way the
   page crops an MTCNN box, or warped so that its eyes land on that template (scaled and moved;
   optionally turned level; and with the eye distance 10% smaller or larger). Classified as the photo
   page does (int8 twin, mirror where unsure). No face (or no eyes) = wrong.
"""

from __future__ import annotations

import argparse

import cv2
import numpy as np
from common import SHARED_DATA, machine, table
from photos_e2e import PHOTOS, SETS, load_dev, make_variants

import emotion_app  # noqa: F401  (before TensorFlow/mtcnn: see emotion_app/__init__.py)
from emotion_app.faces import FACE_SIZE, DetectionSettings, MtcnnDetector, crop_faces, to_gray
from emotion_app.labels import EMOTIONS
from emotion_app.predictor import EmotionPredictor
from emotion_app.profiles import PHOTO
from training.data import load_fer2013_csv

SCALE, PAD = 4, 96
# (turn the eye line level, eye distance as a multiple of the template's)
EYE_FRAMINGS = {"eyes on the template": (False, 1.0), "eyes on the template, levelled": (True, 1.0),
                "eyes, distance x0.9": (False, 0.9), "eyes, distance x1.1": (False, 1.1)}


def fer2013_framing(limit: int, detector: MtcnnDetector) -> np.ndarray:
    """Per PublicTest face re-found by MTCNN: box side, eye midpoint x and y, eye distance, angle (48-px frame)."""
    faces = load_fer2013_csv(SHARED_DATA / "fer2013.csv.gz").split("PublicTest").x[:limit, :, :, 0]
    settings = DetectionSettings(pad=0.0, min_face=0.2)
    found = []
    for face in faces:
        big = cv2.resize(face, None, fx=SCALE, fy=SCALE, interpolation=cv2.INTER_CUBIC)
        canvas = cv2.copyMakeBorder(big, PAD, PAD, PAD, PAD, cv2.BORDER_REPLICATE)
        centre = canvas.shape[0] / 2
        candidates = [f for f in detector.detect(canvas, settings) if f.eyes is not None]
        if not candidates:
            continue
        face_found = min(candidates, key=lambda f: abs(f.box[0] + f.box[2] / 2 - centre)
                         + abs(f.box[1] + f.box[3] / 2 - centre))
        (lx, ly), (rx, ry) = (((x - PAD) / SCALE, (y - PAD) / SCALE) for x, y in face_found.eyes)
        side = max(face_found.box[2:]) / SCALE
        found.append((side, (lx + rx) / 2, (ly + ry) / 2, np.hypot(rx - lx, ry - ly),
                      np.degrees(np.arctan2(ry - ly, rx - lx))))
    return np.array(found)


def eye_crop(gray: np.ndarray, eyes, midpoint: tuple[float, float], distance: float, level: bool) -> np.ndarray:
    """The 48x48 crop that puts the eyes' midpoint at ``midpoint`` and their distance at ``distance``."""
    (lx, ly), (rx, ry) = eyes
    scale = distance / max(1e-6, np.hypot(rx - lx, ry - ly))
    if scale < 0.5:  # shrink most of the way without aliasing, as crop_faces does with INTER_AREA
        factor = 0.5 / scale
        gray = cv2.resize(gray, None, fx=1 / factor, fy=1 / factor, interpolation=cv2.INTER_AREA)
        (lx, ly), (rx, ry), scale = (lx / factor, ly / factor), (rx / factor, ry / factor), scale * factor
    centre = ((lx + rx) / 2, (ly + ry) / 2)
    matrix = cv2.getRotationMatrix2D(centre, np.degrees(np.arctan2(ry - ly, rx - lx)) if level else 0.0, scale)
    matrix[:, 2] += (midpoint[0] - centre[0], midpoint[1] - centre[1])
    return cv2.warpAffine(gray, matrix, (FACE_SIZE, FACE_SIZE), flags=cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_REPLICATE)[..., None]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--limit", type=int, default=1500, help="PublicTest faces for the template")
    parser.add_argument("--sets", default=",".join(SETS))
    args = parser.parse_args()
    detector = MtcnnDetector()
    stats = fer2013_framing(args.limit, detector)
    names = ("MTCNN box, longer side", "eyes' midpoint, x", "eyes' midpoint, y", "eye distance", "eye line angle (deg)")
    print(f"FER2013's framing: {len(stats)} of the first {args.limit} PublicTest faces re-found by MTCNN; "
          f"{machine()}\n")
    print(table(["in the 48-px frame", "median", "p10", "p90"],
                [[name, *(f"{v:.2f}" for v in (np.median(column), *np.percentile(column, [10, 90])))]
                 for name, column in zip(names, stats.T, strict=True)]))
    midpoint, distance = (float(np.median(stats[:, 1])), float(np.median(stats[:, 2]))), float(np.median(stats[:, 3]))

    if not (PHOTOS / "labels.csv").is_file():
        raise SystemExit(f"no photos at {PHOTOS} (see ../shared/data/README.md)")
    predictor = EmotionPredictor()  # the photo page's model form and mirror averaging
    sets = make_variants(load_dev(0))
    rows = {name: [name] for name in ("MTCNN box, the page's crop", *EYE_FRAMINGS)}
    for set_name in args.sets.split(","):
        photos = sets[set_name]
        truth = np.array([EMOTIONS.index(label) for _, _, label in photos])
        largest = [(detector.detect(image, PHOTO.settings) or [None])[0] for _, image, _ in photos]
        found = np.array([face is not None and face.eyes is not None for face in largest])
        blank = np.zeros((FACE_SIZE, FACE_SIZE, 1), np.uint8)
        grays = [to_gray(image) for _, image, _ in photos]
        crops = {"MTCNN box, the page's crop": [crop_faces(g, [f.box], f.margin)[0] if ok else blank
                                                 for g, f, ok in zip(grays, largest, found, strict=True)]}
        for name, (level, times) in EYE_FRAMINGS.items():
            crops[name] = [eye_crop(g, f.eyes, midpoint, distance * times, level) if ok else blank
                           for g, f, ok in zip(grays, largest, found, strict=True)]
        for name, batch in crops.items():
            right = (predictor.probabilities(np.stack(batch)).argmax(axis=1) == truth) & found
            rows[name].append(f"{right.mean():.3f}")
    print(f"\nWhole photos, largest MTCNN face, classified as the photo page does ({predictor.model.runtime}, "
          f"mirror where unsure); eye template: midpoint ({midpoint[0]:.1f}, {midpoint[1]:.1f}), distance "
          f"{distance:.1f} px\n")
    print(table(["framing", *args.sets.split(",")], list(rows.values())))


if __name__ == "__main__":
    main()
