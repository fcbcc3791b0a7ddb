import numpy as np
import pytest

from training.network import build_augmentation, build_model


def test_contract_shapes_probabilities_and_rescaling_inside(random_model_path):
    import keras

    model = keras.saving.load_model(random_model_path)  # no custom objects needed
    assert model.input_shape == (None, 48, 48, 1) and model.output_shape == (None, 7)
    faces = np.random.default_rng(0).integers(0, 256, (4, 48, 48, 1)).astype("float32")
    probabilities = np.asarray(model(faces, training=False))
    assert np.allclose(probabilities.sum(axis=1), 1, atol=1e-5) and (probabilities >= 0).all()
    assert model.layers[1].name == "rescale" and abs(model.layers[1].scale - 1 / 255) < 1e-9


def test_six_convolutions_with_elu():
    model = build_model()
    convs = [layer for layer in model.layers if layer.__class__.__name__ == "Conv2D"]
    activations = {layer.get_config().get("activation") for layer in model.layers if layer.name.startswith("elu")}
    assert len(convs) == 6 and activations == {"elu"}
    assert model.count_params() * 4 < 10 * 2**20  # well under the 10 MB file budget


def test_augmentation_changes_training_batches_only():
    augment = build_augmentation(seed=1)
    faces = np.random.default_rng(0).integers(0, 256, (8, 48, 48, 1)).astype("float32")
    assert np.allclose(np.asarray(augment(faces, training=False)), faces)
    assert not np.allclose(np.asarray(augment(faces, training=True)), faces)


def test_gamma_and_noise_change_each_image_while_training_and_nothing_at_inference():
    from training.network import RandomGamma, RandomNoise

    images = np.tile(np.linspace(0, 255, 48 * 48, dtype="float32").reshape(1, 48, 48, 1), (8, 1, 1, 1))
    for layer in (RandomGamma(0.4, seed=1), RandomNoise(6.0, seed=1)):
        assert np.array_equal(np.asarray(layer(images, training=False)), images)
        changed = np.asarray(layer(images, training=True))
        assert changed.min() >= 0 and changed.max() <= 255.0 + 1e-3
        per_image = np.abs(changed - images).mean(axis=(1, 2, 3))
        assert per_image.min() >= 0 and len(np.unique(per_image.round(3))) == 8  # one strength per image
        assert type(layer).from_config(layer.get_config()).get_config() == layer.get_config()


def test_the_photometric_augmentation_is_the_fers_with_light_and_focus_changes_before_erasing():
    fer, photometric = (build_augmentation(1, kind).layers for kind in ("fer", "real-photometric"))
    names = [type(layer).__name__ for layer in photometric]
    assert [type(layer).__name__ for layer in fer] == names[:4] + names[-1:]
    assert names[4:-1] == ["RandomBrightness", "RandomContrast", "RandomGamma", "RandomGaussianBlur", "RandomNoise"]
    assert [type(layer).__name__ for layer in build_augmentation(1, "fer", erase=False).layers] == names[:4]
    # each layer has its own fixed seed, which a resumed run relies on: the same augmentation twice
    # changes faces the same way
    assert [layer.get_config()["seed"] for layer in photometric] == [1, 2, 3, 4, 6, 7, 8, 9, 10, 5]
    faces = np.random.default_rng(0).integers(0, 256, (8, 48, 48, 1)).astype("float32")
    first, again = (np.asarray(build_augmentation(1, "real-photometric")(faces, training=True)) for _ in range(2))
    assert np.array_equal(first, again) and not np.allclose(first, faces)


def test_an_unknown_augmentation_is_refused():
    with pytest.raises(ValueError, match="unknown augmentation 'real'"):
        build_augmentation(1, "real")
