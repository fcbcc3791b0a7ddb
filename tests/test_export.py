import numpy as np
import pytest

from training.export import export_all


@pytest.mark.slow
def test_savedmodel_and_tflite_match_the_keras_file(random_model_path, tmp_path):
    import keras
    import tensorflow as tf

    saved_model, tflite = export_all(random_model_path, tmp_path)
    faces = np.random.default_rng(0).integers(0, 256, (6, 48, 48, 1)).astype(np.uint8)
    expected = np.asarray(keras.saving.load_model(random_model_path)(faces.astype("float32"), training=False))

    loaded = tf.saved_model.load(str(saved_model))
    as_float = loaded.signatures["serving_default"](face=tf.constant(faces.astype("float32")))["probabilities"]
    as_uint8 = loaded.signatures["serving_uint8"](face=tf.constant(faces))["probabilities"]
    np.testing.assert_allclose(as_float.numpy(), expected, atol=1e-5)
    np.testing.assert_allclose(as_uint8.numpy(), expected, atol=1e-5)

    interpreter = tf.lite.Interpreter(model_path=str(tflite))
    runner = interpreter.get_signature_runner("serving_default")
    lite = np.vstack([runner(face=faces[i:i + 1].astype("float32"))["probabilities"] for i in range(len(faces))])
    np.testing.assert_allclose(lite, expected, atol=1e-4)
    assert (lite.argmax(axis=1) == expected.argmax(axis=1)).all()
