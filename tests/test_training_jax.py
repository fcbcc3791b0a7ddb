"""The training stages run under JAX with no TensorFlow at all, as on a lent GPU machine."""

import subprocess
import sys

import pytest

from tests.conftest import REPO, skip_or_fail

SCRIPT = """
import sys


class NoTensorFlow:  # the GPU machine has JAX and PyTorch, no TensorFlow
    def find_spec(self, name, path=None, target=None):
        if name == "tensorflow" or name.startswith("tensorflow."):
            raise ImportError("no tensorflow here")


sys.meta_path.insert(0, NoTensorFlow())
from pathlib import Path

import keras

from training import train
from training.recipe import Settings, Stage

data, run = sys.argv[1], Path(sys.argv[2])
settings = Settings(data=data, ferplus="none", batch_size=8)
run.mkdir()
train.setup_logging(run)
faces = train.load_data(settings)
first = train.train_stage(Stage("a", 1, 1e-3, (4, 4, 4), erase=True), settings, run / "a", None, faces)
train.train_stage(Stage("b", 1, 5e-4, (6, 6, 6), augment="real-photometric"), settings, run / "b", first, faces)
print(keras.backend.backend(), "tensorflow" in sys.modules)
"""


@pytest.mark.slow
def test_stages_train_under_jax_without_tensorflow(tiny_csv, tmp_path):
    try:
        import jax  # noqa: F401
    except ImportError:
        skip_or_fail("the JAX check needs jax (pip install -r requirements-dev.txt)")
    done = subprocess.run([sys.executable, "-c", SCRIPT, str(tiny_csv), str(tmp_path / "run")], cwd=REPO,
                          env={"KERAS_BACKEND": "jax", "PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO)},
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.split()[-2:] == ["jax", "False"]
    assert (tmp_path / "run" / "b" / "model.keras").is_file()
