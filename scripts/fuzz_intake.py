"""Long fuzz run of the upload path: prints how many inputs were tried and what was found.

    python scripts/fuzz_intake.py [--examples 10000]

Anything other than results or ImageError is a finding (printed with its input size and type);
peak memory growth is reported too (the intake must stay bounded whatever the header claims).
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
from hypothesis import HealthCheck, given, settings  # noqa: E402

from emotion_app.image_io import ImageError  # noqa: E402
from emotion_app.overlay import Painter  # noqa: E402
from emotion_app.photo import analyze_photo  # noqa: E402
from emotion_app.predictor import EmotionPredictor  # noqa: E402
from emotion_app.texts import REASONS  # noqa: E402
from tests.strategies import uploads  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--examples", type=int, default=10_000)
    args = parser.parse_args()
    predictor, painter = EmotionPredictor(), Painter()
    outcomes: Counter[str] = Counter()
    findings: list[str] = []
    # NOTE: the photo default loads MTCNN (and TensorFlow) on the first photo Haar finds no face in:
    # loaded here first, so the growth below is the intake's, not a one-off model load.
    predictor.predict(np.full((64, 64, 3), 128, np.uint8))
    rss_start = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    @settings(max_examples=args.examples, deadline=None, database=None, derandomize=False,
              suppress_health_check=list(HealthCheck))
    @given(data=uploads)
    def run(data: bytes) -> None:
        try:
            faces = len(analyze_photo(data, predictor, painter).predictions)
            outcomes["results" if faces == 0 else "results with faces"] += 1
        except ImageError as error:
            outcomes[f"ImageError {error.reason}: {REASONS['en'][error.reason].split(' (')[0]}"] += 1
        except Exception as error:  # a finding: anything but our documented error
            outcomes["FINDING"] += 1
            findings.append(f"{type(error).__name__}: {error} (input of {len(data)} bytes, starts {data[:16]!r})")

    started = time.time()
    run()
    rss_growth = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_start) / 1024
    print(f"inputs tried: {sum(outcomes.values())} in {time.time() - started:.0f} s; "
          f"peak RSS grew by {rss_growth:.0f} MB; findings: {len(findings)}\n")
    print("| outcome | inputs |\n|---|---|")
    for outcome, count in outcomes.most_common():
        print(f"| {outcome} | {count} |")
    for finding in findings[:20]:
        print(f"- {finding}")
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
