"""Runs inside fer's own environment (see README.md); answers one JSON command per line.

Commands: {"command": "ping"}; {"command": "time", "frame": PATH, "repeats": N} -> per-call ms and
faces found by ``FER().detect_emotions`` (Haar, its defaults: scale 1.1, min face 50, TFLite
mini-Xception); {"command": "emotions", "images": [PATH, ...]} -> per image, the top emotion of
the largest face ``detect_emotions`` finds (or null) and the call's ms;
{"command": "classify", "faces": NPY_PATH} -> class indices in FER2013 order for
48x48 gray faces, through fer's own preprocessing and TFLite model.
"""

import json
import sys
import time
import warnings

warnings.filterwarnings("ignore")

import cv2  # noqa: E402
import numpy as np  # noqa: E402
from fer.fer import FER  # noqa: E402

detector = FER(cascade_file=cv2.data.haarcascades + "haarcascade_frontalface_default.xml")
FER_ORDER = ["angry", "disgust", "fear", "happy", "sad", "surprise", "neutral"]  # same as FER2013


def handle(request):
    if request["command"] == "ping":
        return {"ok": True}
    if request["command"] == "time":
        frame = cv2.imread(request["frame"])
        for _ in range(3):
            detector.detect_emotions(frame)
        times, found = [], 0
        for _ in range(request["repeats"]):
            start = time.perf_counter()
            found = len(detector.detect_emotions(frame))
            times.append((time.perf_counter() - start) * 1000)
        return {"times": times, "faces": found}
    if request["command"] == "emotions":
        detector.detect_emotions(cv2.imread(request["images"][0]))  # warm-up
        answers = []
        for path in request["images"]:
            image = cv2.imread(path)
            start = time.perf_counter()
            faces = detector.detect_emotions(image)
            ms = (time.perf_counter() - start) * 1000
            largest = max(faces, key=lambda f: f["box"][2] * f["box"][3], default=None)
            emotion = max(largest["emotions"], key=largest["emotions"].get) if largest else None
            answers.append({"emotion": emotion, "ms": ms})
        return {"answers": answers}
    if request["command"] == "classify":
        faces = np.load(request["faces"])
        interpreter = detector._FER__tflite_interpreter
        details_in = interpreter.get_input_details()[0]
        details_out = interpreter.get_output_details()[0]
        size = tuple(details_in["shape"][1:3])
        predictions = []
        for face in faces[:, :, :, 0]:
            x = cv2.resize(face, size).astype(np.float32) / 255.0
            x = ((x - 0.5) * 2.0)[None, :, :, None]  # fer's preprocess_input(v2=True)
            interpreter.set_tensor(details_in["index"], x.astype(details_in["dtype"]))
            interpreter.invoke()
            predictions.append(int(np.argmax(interpreter.get_tensor(details_out["index"])[0])))
        return {"predictions": predictions}
    return {"error": f"unknown command {request['command']!r}"}


for line in sys.stdin:
    try:
        reply = handle(json.loads(line))
    except Exception as error:  # the benchmark shows any failure of the peer as a message
        reply = {"error": f"{type(error).__name__}: {error}"}
    print(json.dumps(reply), flush=True)
