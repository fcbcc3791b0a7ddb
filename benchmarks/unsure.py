"""Calm faces not accused: how often a face gets a negative follow-up question, by unsure rule.

    python benchmarks/unsure.py [--model PATH]

A face is unsure when its top probability leads the runner-up by less than a margin, or when its
top emotion is negative while neutral keeps at least a "doubt" probability; an unsure face gets a
neutral line, never a question (``emotion_app.predictor.is_unsure``). For each rule: the share
of neutral faces that still get a negative-emotion question (angry, disgust, fear
or sad: the accusation we want at most 10% of the time), the share of truly negative faces that
still get one (what the rule costs), and the share of faces shown as unsure. The rule is chosen on
PublicTest (and the JAFFE whole photos of ``../shared/data/photos_dev``, through the photo
pipeline); PrivateTest is reported for the chosen rule only.
"""

from __future__ import annotations

import argparse

import numpy as np
from common import PHOTOS, SHARED_DATA, asked_negative, load_dev, note, run_benchmark, table

from emotion_app.labels import EMOTIONS
from emotion_app.model import load_model
from emotion_app.predictor import NEGATIVE, NEUTRAL_DOUBT, UNSURE_MARGIN, EmotionPredictor

# (margin, doubt): no rule, margins alone, and margins with a neutral doubt.
RULES = ((0.0, 1.1), (0.1, 1.1), (0.2, 1.1), (0.3, 1.1), (0.4, 1.1),
         (0.05, 0.15), (0.1, 0.1), (0.1, 0.15), (0.1, 0.2), (0.2, 0.15))
NEUTRAL = EMOTIONS.index("neutral")


def shares(probabilities: np.ndarray, labels: np.ndarray, rule: tuple[float, float]) -> list[str]:
    asked, unsure = asked_negative(probabilities, *rule)
    negative = NEGATIVE[labels]
    return [f"{np.mean(asked[labels == NEUTRAL]):.1%}", f"{np.mean(asked[negative]):.1%}", f"{np.mean(unsure):.1%}"]


def photo_probabilities(model) -> tuple[np.ndarray, np.ndarray] | None:
    """The largest face of each JAFFE photo through the photo page's default pipeline."""
    if not (PHOTOS / "labels.csv").is_file():
        return None
    predictor = EmotionPredictor(model=model)
    rows, labels = [], []
    for _, image, label in load_dev(0):
        faces = predictor.predict(image)
        if faces:
            rows.append([faces[0].probabilities[e] for e in EMOTIONS])
            labels.append(EMOTIONS.index(label))
    return np.array(rows), np.array(labels)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default=None)
    args = parser.parse_args()
    from training.data import load_fer2013_csv

    model = load_model(args.model, quantized=True)  # the int8 twin both pages serve, where it is paired
    faces = load_fer2013_csv(SHARED_DATA / "fer2013.csv.gz")
    public, private = faces.split("PublicTest"), faces.split("PrivateTest")
    public_p = np.concatenate([model.probabilities(b) for b in np.array_split(public.x, 32)])
    photos = photo_probabilities(model)
    header = ["margin", "neutral doubt", "PublicTest: neutral asked", "negative asked", "unsure"]
    if photos is not None:
        header += ["photos_dev: neutral asked", "negative asked", "unsure"]
    rows = []
    shipped = (UNSURE_MARGIN, NEUTRAL_DOUBT)
    for rule in RULES:
        row = [f"{rule[0]:.2f}", ("-" if rule[1] > 1 else f"{rule[1]:.2f}") + (" (shipped)" if rule == shipped else ""),
               *shares(public_p, public.y, rule)]
        rows.append(row + (shares(*photos, rule) if photos is not None else []))
    print(note(f"Model {model.path.name} ({model.runtime})") + "\n")
    print(table(header, rows, "Negative follow-up questions by unsure rule, on PublicTest (where the rule is chosen)"
                + (" and the JAFFE photos" if photos is not None else "")) + "\n")
    photos = EmotionPredictor(detector="haar", model=model)
    passes = {"webcam (one pass)": model.probabilities,
              "photos (mirror image averaged where unsure)": photos.probabilities}
    private_rows = []
    for name, classify in passes.items():
        private_p = np.concatenate([classify(b) for b in np.array_split(private.x, 32)])
        for label, rule in (("shipped", shipped), ("none", (0.0, 1.1))):
            private_rows.append([name, label, *shares(private_p, private.y, rule)])
    print(table(["classifier", "rule", "neutral asked", "negative asked", "unsure"], private_rows,
                f"PrivateTest (the test set) with the shipped rule (margin {UNSURE_MARGIN}, doubt {NEUTRAL_DOUBT}) "
                "and with none"))

if __name__ == "__main__":
    run_benchmark(main)
