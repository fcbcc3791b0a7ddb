import numpy as np
import pytest

from training.model import build_augmentation, build_model


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
    from training.model import RandomGamma, RandomNoise

    images = np.tile(np.linspace(0, 255, 48 * 48, dtype="float32").reshape(1, 48, 48, 1), (8, 1, 1, 1))
    for layer in (RandomGamma(0.4, seed=1), RandomNoise(6.0, seed=1)):
        assert np.array_equal(np.asarray(layer(images, training=False)), images)
        changed = np.asarray(layer(images, training=True))
        assert changed.min() >= 0 and changed.max() <= 255.0 + 1e-3
        per_image = np.abs(changed - images).mean(axis=(1, 2, 3))
        assert per_image.min() >= 0 and len(np.unique(per_image.round(3))) == 8  # one strength per image
        assert type(layer).from_config(layer.get_config()).get_config() == layer.get_config()


def test_augmentation_parts_are_the_chain_and_real_adds_photometric_parts():
    from training.model import augmentation_layers

    fer, real = augmentation_layers(1, "fer"), augmentation_layers(1, "real", erase=False)
    assert list(fer) == ["flip", "shift", "tilt", "framing", "erase"]
    assert list(real) == ["flip", "shift", "tilt", "framing", "brightness", "contrast", "gamma", "blur", "noise"]
    chain = build_augmentation(1, "real", erase=False).layers
    assert [type(layer) for layer in chain] == [type(layer) for layer in real.values()]
    # the same seeds alone as in the chain: a part applied alone is the part that trained
    faces = np.random.default_rng(0).integers(0, 256, (8, 48, 48, 1)).astype("float32")
    alone = np.asarray(augmentation_layers(1, "real")["noise"](faces, training=True))
    again = np.asarray(augmentation_layers(1, "real")["noise"](faces, training=True))
    assert np.array_equal(alone, again) and not np.allclose(alone, faces)


def test_strong_photometric_widens_light_and_noise_by_half_and_keeps_the_rest():
    from training.model import augmentation_layers

    plain = augmentation_layers(1, "real-photometric", erase=False)
    strong = augmentation_layers(1, "real-photometric-strong", erase=False)
    assert list(strong) == list(plain)
    widened = {"brightness": "factor", "contrast": "factor", "gamma": "max_log_gamma", "noise": "max_stddev"}
    for name, layer in strong.items():
        ours, theirs = ({k: v for k, v in config.items() if k != "name"}
                        for config in (layer.get_config(), plain[name].get_config()))
        if name in widened:
            key = widened[name]
            assert np.allclose(np.ravel(ours[key]), 1.5 * np.ravel(theirs[key])), name
        else:
            assert ours == theirs, name


# Keras warns when a layer holding others is marked built without building them.
@pytest.mark.filterwarnings("error::UserWarning")
def test_half_photometric_changes_about_half_the_faces_with_all_five_changes_or_none():
    from training.model import Sometimes, augmentation_layers

    parts = augmentation_layers(1, "real-photometric-half", erase=False)
    assert list(parts) == ["flip", "shift", "tilt", "framing", "photometric"]
    sometimes = parts["photometric"]
    assert [type(layer).__name__ for layer in sometimes.inner] == [
        type(layer).__name__ for layer in augmentation_layers(1, "real-photometric", erase=False).values()][4:]
    faces = np.random.default_rng(0).integers(0, 256, (400, 48, 48, 1)).astype("float32")
    assert np.array_equal(np.asarray(sometimes(faces, training=False)), faces)
    changed = np.abs(np.asarray(sometimes(faces, training=True)) - faces).max(axis=(1, 2, 3)) > 0
    assert 0.4 < changed.mean() < 0.6  # 400 faces at rate 0.5: the share is 0.5 +- 0.025
    again = Sometimes.from_config(sometimes.get_config())
    assert again.rate == 0.5 and [type(layer) for layer in again.inner] == [type(layer) for layer in sometimes.inner]
