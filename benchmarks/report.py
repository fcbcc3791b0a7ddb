"""Write docs/PERFORMANCE.md, and the summary table in README.md, from the benchmarks' saved results.

    python -m benchmarks.report                  # from benchmarks/results/*.json, as they are
    python -m benchmarks.report --run model      # first re-run what depends on the model (after a ship)
    python -m benchmarks.report --run all        # or: speed, load, or benchmark names (pipeline photos_e2e)

Each benchmark run through ``--run`` saves its tables to benchmarks/results/NAME.json with the
command, date, CPU and model (SHA-256) that made them; this script only lays them out, so every
figure on the page comes from one of those files. Run benchmarks on an idle machine (pause a
training run: ``scripts/long_run.sh pause``, then ``continue``).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from benchmarks.common import markdown_table
from emotion_app.model import sha256_file
from emotion_app.profiles import WEBCAM

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "benchmarks" / "results"
PAGE = REPO / "docs" / "PERFORMANCE.md"
README = REPO / "README.md"
SUMMARY_START, SUMMARY_END = "<!-- summary: written by python -m benchmarks.report -->", "<!-- /summary -->"


@dataclass(frozen=True)
class Section:
    name: str  # benchmarks/results/NAME.json
    heading: str
    about: str  # what it measures and the rule it checks; the figures come from the results
    group: str  # model: re-run after shipping a model; speed; load; outside: not run here
    part: str = "Speed"  # the page's part it is shown in
    args: tuple[str, ...] = ()
    script: str = ""  # benchmarks/SCRIPT.py, when not NAME

    @property
    def command(self) -> list[str]:
        return [sys.executable, f"benchmarks/{self.script or self.name}.py", *self.args]


SECTIONS = (
    Section("accuracy", "FER2013 PrivateTest", "The test set, never used to choose anything: the `.keras` file, "
            "the int8 twin as each page serves it, and the fer package on the same faces. Per-class figures and "
            "confusion matrices: [EVALUATION.md](EVALUATION.md), written by `python -m training.evaluate`.", "model",
            "Accuracy"),
    Section("photos_e2e", "Whole photos", "The 213 JAFFE photos of `../shared/data/photos_dev` (posed, 256x256 "
            "gray) and three sets made from them: close-ups (1.0-1.15x the face, 60-350 px), small faces in a "
            "640x480 scene, heads tilted 10-25°. The largest face of each photo; no face found counts as wrong. "
            "The photo page's default is \"mtcnn+haar (photo default)\": MTCNN finds the faces, Haar frames each one; "
            "\"haar+mtcnn\" is the default before it (Haar, and MTCNN where Haar finds nothing).", "model", "Accuracy"),
    Section("face_api", "Peers measured outside this repository", "face-api runs in Node.js, so its figures "
            "come from `../shared/MEASURED.md`, not from a script here.", "outside", "Accuracy"),
    Section("unsure", "Calm faces: the unsure rule", "A face is shown as unsure (\"sad?\") and gets a check-in "
            "instead of \"why are you sad?\" when its top two answers are close or \"neutral\" keeps a share; the "
            "rule is chosen on PublicTest to keep neutral faces from being asked a negative question.", "model",
            "Accuracy"),
    Section("face_size", "Smallest face worth finding", "PublicTest faces shrunk and enlarged back: below the size "
            "where accuracy falls, faces are not searched for (40 px; 32 px at \"high\" sensitivity).", "model",
            "Accuracy"),
    Section("pipeline", "Per frame: the photo path, the webcam path and fer", "The same saved frames in "
            "alternating rounds. \"Photo path\" is `EmotionPredictor()` and drawing; \"webcam full detection\" is the "
            "webcam page's frame when it searches for faces; \"live\" is the webcam page's loop (full detection "
            "every few frames, tracked boxes re-classified in between). Speed-ups are fer's mean over ours.",
            "speed"),
    Section("large_photo", "A 12-megapixel photo", "A phone photo end to end as the photo page runs it: decode, "
            "turn upright, shrink, detect, classify, draw, and the PNG for download.", "speed"),
    Section("decode_memory", "Memory to decode the largest upload", "A 64-megapixel image that compresses to "
            "a few hundred KB, in every colour mode Pillow opens, decoded as the photo page decodes it: the growth "
            "must stay under 300 MB in each (tests/test_image_io.py runs the same check).", "speed"),
    Section("cold_start", "Cold start", "A new process to its first prediction. Serving the int8 twin imports "
            "neither TensorFlow nor Keras; the TensorFlow rows are the fallback for a model without paired twins.",
            "speed"),
    Section("detection", "Faces in clutter", "Each detector on textured 640x480 scenes with one face each, by "
            "profile and sensitivity, against fer's settings: faces found, false boxes and time.", "speed"),
    Section("mtcnn_parity", "MTCNN on LiteRT", "The `mtcnn` package's networks converted to LiteRT by "
            "`scripts/convert_mtcnn.py` must find the same faces, boxes and eye points as the package.", "speed"),
    Section("classifier", "Classifier per face", "Each form the model can be served in; both pages use the int8 "
            "twin where the metadata pairs it with the exact `.keras` file (SHA-256).", "model"),
    Section("mirror_gate", "Mirror averaging where unsure", "The photo page averages a face with its mirror image "
            "only where the top two answers are close: most of the accuracy of mirroring every face, at about "
            "one pass's cost.", "model"),
    Section("load_photo", "The photo page under load", "Browser sessions (Chromium) uploading photos at once "
            "to one `streamlit run app.py`: uploads served, errors, latency percentiles.", "load", "Load and capacity",
            ("--sessions", "8", "--seconds", "60")),
    Section("load_photo_memory", "Server memory under load", "Every session uploads the heaviest photo the page "
            "accepts (a small PNG that decodes to 64 megapixels); the server's memory must come back after they "
            "leave.", "load", "Load and capacity", ("--memory", "--sessions", "4", "--seconds", "180"), "load_photo"),
    Section("load_webcam", "Webcam sessions", "Live sessions with fake 25 fps cameras in Chromium on the same "
            "machine as the server: frames analysed a second in each session, the longest stall, and the server's "
            "own CPU time per analysed frame (apart from Chromium's), which gives its capacity per core.", "load",
            "Load and capacity",
            ("--sessions", "1,2,4,8", "--seconds", "60")),
    Section("video_cost", "Video cost by frame rate", "Seconds of work per second of video: the page samples a "
            "fixed number of frames a second, so a 120 fps video costs what a 30 fps one does.", "load",
            "Load and capacity"),
    Section("batch", "Batch analysis", "`emotion-app analyze` over photos and a video: one process, a worker per "
            "core, a Dask LocalCluster, and a loop over fer.", "load", "Load and capacity"),
)
GROUPS = sorted({section.group for section in SECTIONS} - {"outside"})


def load(name: str) -> dict | None:
    path = RESULTS / f"{name}.json"
    return json.loads(path.read_text()) if path.is_file() else None


def cell(result: dict | None, title: str, row: str, column: str) -> str:
    """One figure of a saved result: the table whose title starts with ``title``, the row whose first
    cell starts with ``row``, the column named ``column``; "-" where it was not measured."""
    for table in (result or {}).get("measured", []):
        if "header" in table and table["title"].startswith(title) and column in table["header"]:
            for cells in table["rows"]:
                if cells[0].startswith(row):
                    return cells[table["header"].index(column)].strip("*")
    return "-"


def section_text(section: Section, result: dict | None, model_sha: str) -> str:
    lines = [f"### {section.heading}", "", section.about, ""]
    if result is None:
        command = " ".join(["python", *section.command[1:]])
        return "\n".join(lines + [f"Not measured yet: `{command}`.", ""])
    lines += [f"`{result['command']}` · {result['date']} · {result['machine']}", ""]
    if section.group == "model" and result.get("model_sha256") not in (None, model_sha):
        lines += [f"**Stale:** measured with another model (SHA-256 {result['model_sha256'][:12]}…); "
                  "re-run `python -m benchmarks.report --run model`.", ""]
    for item in result["measured"]:
        if "note" in item:
            lines += [item["note"], ""]
        else:
            lines += [f"{item['title']}:", ""] if item["title"] else []
            lines += [markdown_table(item["header"], item["rows"]), ""]
    return "\n".join(lines)


def summary(results: dict[str, dict | None]) -> str:
    """The README's few lines: ours against the peers, each figure taken from a saved result."""
    accuracy, photos, pipeline, face_api = (results.get(n) for n in ("accuracy", "photos_e2e", "pipeline",
                                                                       "face_api"))
    frame = "640x480, 1 face"
    ours_live = cell(pipeline, "Pipeline", frame, f"live {WEBCAM.detector} ms (mean / p95)").split(" / ")[0]
    ours_photo = cell(pipeline, "Pipeline", frame, "photo path ms (mean / p95)").split(" / ")[0]
    rows = [
        ["FER2013 PrivateTest accuracy, as the photo page serves it",
         cell(accuracy, "FER2013", "ours, int8 twin (photos", "accuracy"),
         cell(accuracy, "FER2013", "fer", "accuracy"), cell(face_api, "FER2013", "face-api", "accuracy")],
        ["JAFFE whole photos (posed): face found and read right",
         cell(photos, "dev", "mtcnn+haar (photo default)", "accuracy"),
         cell(photos, "dev", "fer", "accuracy"), cell(face_api, "JAFFE", "face-api", "accuracy")],
        ["one 640x480 frame, one face (mean ms): webcam / photo path", f"{ours_live} / {ours_photo}",
         cell(pipeline, "Pipeline", frame, "fer ms (mean / p95)").split(" / ")[0],
         cell(face_api, "FER2013", "face-api", "ms a face")],
    ]
    return markdown_table(["", "ours", "fer 25.10.3", "face-api (npm)"], rows)


def page(results: dict[str, dict | None], model_sha: str) -> str:
    parts = [
        "# Performance",
        "",
        "Written by `python -m benchmarks.report` from `benchmarks/results/` (do not edit by hand). Each table "
        "names the command that made it, its date and the CPU, with its int8 and bfloat16 instructions: the "
        "int8 twin is only fast where the CPU has int8 dot products. Compare ratios within one run, not times "
        "across machines. Times are means with their p95.",
        "",
        "## Summary",
        "",
        summary(results),
        "",
    ]
    for part in ("Accuracy", "Speed", "Load and capacity"):
        parts += [f"## {part}", ""]
        parts += [section_text(s, results[s.name], model_sha) for s in SECTIONS if s.part == part]
    return "\n".join(parts).rstrip() + "\n"


def write_readme_summary(text: str) -> bool:
    """Replace the README's summary block; False when the README has no markers."""
    content = README.read_text()
    pattern = re.compile(re.escape(SUMMARY_START) + ".*?" + re.escape(SUMMARY_END), re.S)
    if not pattern.search(content):
        return False
    README.write_text(pattern.sub(lambda _: f"{SUMMARY_START}\n{text}\n{SUMMARY_END}", content))
    return True


def selected(names: list[str]) -> list[Section]:
    chosen = []
    for name in names:
        matches = [s for s in SECTIONS if name in ("all", s.group, s.name) and s.group != "outside"]
        if not matches:
            raise SystemExit(f"no benchmark or group {name!r}: choose from all, {', '.join(GROUPS)}, "
                             f"{', '.join(s.name for s in SECTIONS if s.group != 'outside')}")
        chosen += [s for s in matches if s not in chosen]
    return chosen


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--run", nargs="+", default=[], metavar="NAME",
                        help=f"re-run these first: all, a group ({', '.join(GROUPS)}) or benchmark names")
    args = parser.parse_args(argv)
    failed = []
    for section in selected(args.run):
        print(f"running {' '.join(section.command[1:])}", flush=True)
        env = {**os.environ, "BENCHMARK_SAVE": "1", "BENCHMARK_NAME": section.name}
        if subprocess.run(section.command, cwd=REPO, env=env).returncode:
            failed.append(section.name)
    results = {section.name: load(section.name) for section in SECTIONS}
    PAGE.write_text(page(results, sha256_file(REPO / "models" / "emotion_cnn.keras")))
    print(f"wrote {PAGE}" + (" and the README's summary" if write_readme_summary(summary(results))
                                                else ""))
    if failed:
        print(f"failed (their previous results, if any, are kept): {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
