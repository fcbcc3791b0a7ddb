"""training/metadata.py: the metadata file says what the model file does to a face."""

import json

import pytest

from training.metadata import write_metadata
from training.network import build_model


@pytest.mark.parametrize("equalize", [False, True])
def test_the_input_contract_names_every_preprocessing_step_inside_the_model(tmp_path, equalize):
    path = tmp_path / "model.keras"
    build_model(widths=(4, 4, 4), dense_units=8, equalize=equalize).save(path)
    write_metadata(path, training={})
    spec = json.loads(path.with_suffix(".json").read_text())["input"]
    assert spec["value_range"] == [0, 255]
    assert "rescales by 1/255" in spec["preprocessing"]
    assert ("histogram" in spec["preprocessing"]) == equalize


def test_a_metadata_file_written_before_its_model_keeps_the_plain_contract(tmp_path):
    spec = write_metadata(tmp_path / "not-yet.keras", training={})["input"]
    assert spec["preprocessing"] == "none outside the model: the first layer rescales by 1/255"
