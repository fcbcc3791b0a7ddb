"""emotion_app/__init__.py: the one import-order guard (pylibsrtp crashes when loaded after TensorFlow)."""

import importlib.util
import subprocess
import sys

import pytest

from tests.conftest import REPO


def run(script: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=300)


def test_a_process_that_loaded_tensorflow_first_can_still_import_emotion_app():
    """A script that imports TensorFlow (training, scripts/convert_mtcnn.py) and then the engine
    used to crash in the guard itself (exit -11)."""
    done = run("import sys, tensorflow\nimport emotion_app.model\nprint('pylibsrtp' in sys.modules)\n")
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split()[-1] == "False"


@pytest.mark.skipif(importlib.util.find_spec("pylibsrtp") is None, reason="aiortc's pylibsrtp is not installed")
def test_importing_emotion_app_first_makes_the_webcam_stack_safe_after_tensorflow():
    done = run("import sys, emotion_app\nimport tensorflow\nimport aiortc\nprint('pylibsrtp' in sys.modules)\n")
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split()[-1] == "True"
