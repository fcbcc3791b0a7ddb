"""The from-scratch emotion CNN and its training-time augmentation, in backend-agnostic Keras 3."""

from __future__ import annotations

from emotion_app.labels import FACE_SHAPE, NUM_CLASSES
from emotion_app.model import quiet_native_stderr

# NOTE: TensorFlow 2.21 writes its C++ start-up lines (oneDNN, "could not find cuda drivers") before
# its logging starts, whatever TF_CPP_MIN_LOG_LEVEL says: the training log starts without them
with quiet_native_stderr():
    import keras
    from keras import layers

# ``--precision``: the Keras dtype policy each name trains under. "bfloat16" computes in bfloat16
# and keeps float32 weights, so a bfloat16 run saves the same float32 model a float32 run does.
PRECISIONS = {"float32": "float32", "bfloat16": "mixed_bfloat16"}


def build_model(
    widths: tuple[int, int, int] = (32, 64, 128),
    block_dropout: float = 0.15,
    dense_units: int = 256,
    dense_dropout: float = 0.4,
    precision: str = "float32",
) -> keras.Model:
    """Six 3x3 convolutions in three pairs (conv-BN-ELU twice, then max-pool), a dense head, softmax.

    Input: grayscale faces as float values 0..255; the /255 rescaling is the model's first layer so
    training and serving can never disagree. Output: 7 probabilities in FER2013 order.

    Why this shape: two convolutions per resolution (48, 24, 12) is the VGG pattern that the best
    published FER2013 networks use; batch norm lets Adam run at 1e-3 from scratch; ELU keeps a
    gradient for negative inputs. The head flattens (rather than global-pooling) the 6x6 map because
    where a feature sits on an aligned face (mouth vs brows) matters for expression.

    ``precision`` (a ``PRECISIONS`` key) sets the policy of every layer but the softmax, which stays
    float32 so the loss never sees bfloat16 probabilities.
    """
    dtype = PRECISIONS[precision]
    inputs = keras.Input(shape=FACE_SHAPE, name="face")
    x = layers.Rescaling(1.0 / 255, name="rescale", dtype=dtype)(inputs)
    for block, width in enumerate(widths, start=1):
        for conv in (1, 2):
            x = layers.Conv2D(width, 3, padding="same", use_bias=False, name=f"conv{block}_{conv}", dtype=dtype)(x)
            x = layers.BatchNormalization(name=f"bn{block}_{conv}", dtype=dtype)(x)
            x = layers.Activation("elu", name=f"elu{block}_{conv}", dtype=dtype)(x)
        x = layers.MaxPooling2D(2, name=f"pool{block}", dtype=dtype)(x)
        x = layers.Dropout(block_dropout, name=f"drop{block}", dtype=dtype)(x)
    x = layers.Flatten(name="flatten", dtype=dtype)(x)
    x = layers.Dense(dense_units, use_bias=False, name="dense", dtype=dtype)(x)
    x = layers.BatchNormalization(name="bn_dense", dtype=dtype)(x)
    x = layers.Activation("elu", name="elu_dense", dtype=dtype)(x)
    x = layers.Dropout(dense_dropout, name="drop_dense", dtype=dtype)(x)
    outputs = layers.Dense(NUM_CLASSES, activation="softmax", name="probabilities", dtype="float32")(x)
    return keras.Model(inputs, outputs, name="emotion_cnn")


@keras.saving.register_keras_serializable("emotion_training")
class PerImageRandom(layers.Layer):
    """An augmentation drawn once per image (``strength``), identity at inference."""

    def __init__(self, seed: int | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def strength(self, images, low: float, high: float):
        shape = (keras.ops.shape(images)[0], 1, 1, 1)
        return keras.random.uniform(shape, low, high, seed=self.seed_generator)

    def call(self, images, training=None):
        return self.augment(images) if training else images

    def get_config(self) -> dict:
        return {**super().get_config(), "seed": self.seed}


@keras.saving.register_keras_serializable("emotion_training")
class RandomGamma(PerImageRandom):
    """Random gamma per image on 0..255 values (``exp(U(-max_log_gamma, max_log_gamma))``).
    Brightness shifts every pixel alike; gamma darkens or lifts the mid-tones, as under-exposed
    photos and webcams' auto-exposure do."""

    def __init__(self, max_log_gamma: float = 0.4, seed: int | None = None, **kwargs) -> None:
        super().__init__(seed, **kwargs)
        self.max_log_gamma = max_log_gamma

    def augment(self, images):
        log_gamma = self.strength(images, -self.max_log_gamma, self.max_log_gamma)
        unit = keras.ops.clip(images, 0.0, 255.0) / 255.0
        return 255.0 * keras.ops.power(unit + 1e-6, keras.ops.exp(log_gamma))

    def get_config(self) -> dict:
        return {**super().get_config(), "max_log_gamma": self.max_log_gamma}


@keras.saving.register_keras_serializable("emotion_training")
class RandomNoise(PerImageRandom):
    """Gaussian sensor noise on 0..255 values with a random strength per image, from none to
    ``max_stddev`` grey levels. (Keras' ``GaussianNoise`` takes one fixed strength, and at most 1.0.)"""

    def __init__(self, max_stddev: float = 6.0, seed: int | None = None, **kwargs) -> None:
        super().__init__(seed, **kwargs)
        self.max_stddev = max_stddev

    def augment(self, images):
        noise = keras.random.normal(keras.ops.shape(images), seed=self.seed_generator)
        return keras.ops.clip(images + self.strength(images, 0.0, self.max_stddev) * noise, 0.0, 255.0)

    def get_config(self) -> dict:
        return {**super().get_config(), "max_stddev": self.max_stddev}


# What a stage may name as its ``augment``. Both move and mirror the face as FER2013's crops vary.
# "real-photometric" also changes what FER2013's curated crops rarely show and whole photos and
# webcams hand the classifier after detection: exposure, contrast, gamma, focus blur and sensor
# noise. Why these and not more (wider framing, stronger or rarer changes): docs/EXPERIMENTS.md.
AUGMENTATIONS = ("fer", "real-photometric")


def build_augmentation(seed: int, kind: str = "fer", erase: bool = True) -> keras.Sequential:
    """Random flip, shift, rotation, zoom (and for "real-photometric", light and focus changes),
    plus erasing; identity at inference. Each layer has its own fixed seed.

    Kept out of the served model: ``train.py`` stacks it in front of ``build_model()`` while
    training and saves the inner model alone.
    """
    if kind not in AUGMENTATIONS:
        raise ValueError(f"unknown augmentation {kind!r}; expected one of {', '.join(AUGMENTATIONS)}")
    parts = [
        layers.RandomFlip("horizontal", seed=seed),
        layers.RandomTranslation(0.1, 0.1, fill_mode="reflect", seed=seed + 1),
        layers.RandomRotation(0.04, fill_mode="reflect", seed=seed + 2),
        layers.RandomZoom((-0.1, 0.1), (-0.1, 0.1), fill_mode="reflect", seed=seed + 3),
    ]
    if kind == "real-photometric":
        parts += [
            layers.RandomBrightness(0.15, value_range=(0, 255), seed=seed + 5),
            layers.RandomContrast(0.3, value_range=(0, 255), seed=seed + 6),
            RandomGamma(0.4, seed=seed + 7),
            layers.RandomGaussianBlur(factor=1.0, kernel_size=3, sigma=(0.1, 1.0), value_range=(0, 255),
                                      seed=seed + 8),
            RandomNoise(6.0, seed=seed + 9),
        ]
    if erase:
        parts.append(layers.RandomErasing(factor=0.5, scale=(0.02, 0.12), fill_value=127.0, value_range=(0, 255),
                                          seed=seed + 4))
    return keras.Sequential(parts, name="augmentation")
