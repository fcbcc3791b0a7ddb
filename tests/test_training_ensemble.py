"""Serving an ensemble (training/ensemble.py): members installed beside the shipped model, checked, and undone."""

import json
import shutil

import pytest

from emotion_app.model import ENSEMBLE, EnsembleModel, LoadedModel, load_model, twin_path
from training.ship import ShipError


def copy_model(source, target, **metadata):
    """``source`` and its twins as ``target``'s files, its metadata updated with ``metadata``."""
    target.parent.mkdir(parents=True, exist_ok=True)
    for runtime in (None, "litert", "litert-int8"):
        origin = source if runtime is None else twin_path(source, runtime)
        shutil.copy(origin, target if runtime is None else twin_path(target, runtime))
    data = {**json.loads(source.with_suffix(".json").read_text()), **metadata}
    target.with_suffix(".json").write_text(json.dumps(data))
    return target


@pytest.fixture
def shipped_and_run(model_with_int8_twin, tiny_csv, tmp_path):
    training = {"settings": {"data": str(tiny_csv)}}
    shipped = copy_model(model_with_int8_twin, tmp_path / "models" / "emotion_cnn.keras", training=training,
                         metrics={"PublicTest": {"accuracy": 0.25}})
    run = copy_model(model_with_int8_twin, tmp_path / "seed8" / "model.keras", training=training)
    return shipped, run


def test_members_are_installed_checked_and_evaluated_as_served(shipped_and_run, tmp_path):
    from training.ensemble import serve_ensemble

    shipped, run = shipped_and_run
    results = serve_ensemble([run], shipped, docs=tmp_path / "docs")
    member = shipped.with_name("emotion_cnn_seed8.keras")
    assert member.is_file() and twin_path(member, "litert-int8").is_file()
    served = load_model(shipped, quantized=True)
    assert isinstance(served, EnsembleModel) and served.runtime == "litert-int8"
    assert [m.path for m in served.members] == [shipped, member]
    metadata = json.loads(shipped.with_suffix(".json").read_text())
    assert metadata["metrics"] == {"PublicTest": {"accuracy": 0.25}}  # the model's own figures stay
    assert metadata[ENSEMBLE]["metrics"]["PrivateTest"]["accuracy"] == results["PrivateTest"]["accuracy"]
    assert served.metadata["metrics"]["PrivateTest"] == results["PrivateTest"]  # what the pages quote
    assert "served ensemble" in (tmp_path / "docs" / "EVALUATION.md").read_text()


def test_shipping_one_model_again_drops_the_members(shipped_and_run, tmp_path):
    from training.ensemble import drop_members, serve_ensemble

    shipped, run = shipped_and_run
    serve_ensemble([run], shipped, docs=tmp_path / "docs")
    drop_members(shipped)
    assert isinstance(load_model(shipped), LoadedModel)
    assert sorted(p.name for p in shipped.parent.iterdir()) == [
        "emotion_cnn.int8.tflite", "emotion_cnn.json", "emotion_cnn.keras", "emotion_cnn.tflite"]


def test_a_member_without_its_int8_twin_or_too_many_members_are_refused(shipped_and_run, tmp_path):
    from training.ensemble import serve_ensemble

    shipped, run = shipped_and_run
    with pytest.raises(ShipError, match="1 to 2 others"):
        serve_ensemble([run, run, run], shipped, docs=tmp_path / "docs")
    metadata = json.loads(run.with_suffix(".json").read_text())
    del metadata["tflite_int8"]
    run.with_suffix(".json").write_text(json.dumps(metadata))
    with pytest.raises(ShipError, match="no int8 twin"):
        serve_ensemble([run], shipped, docs=tmp_path / "docs")
    assert ENSEMBLE not in json.loads(shipped.with_suffix(".json").read_text())
