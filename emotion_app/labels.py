"""The seven FER2013 classes, their emoji and valence, defined once and used everywhere (their names
and messages in each language are in emotion_app/texts.py).

The order of ``EMOTIONS`` is the FER2013 label order (0 angry ... 6 neutral). The model's output
columns follow it, so it must never be derived from a folder listing or a dict's key order.
"""

from __future__ import annotations

from enum import StrEnum

from emotion_app.texts import DISPLAY_NAME, LANGUAGES, MESSAGES  # noqa: F401 (the words live there)

EMOTIONS: tuple[str, ...] = ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral")
# The model's input contract, defined here once: one gray 48x48 face (values 0..255, float32),
# and len(EMOTIONS) probabilities out, in EMOTIONS' order.
FACE_SHAPE: tuple[int, int, int] = (48, 48, 1)
NUM_CLASSES = len(EMOTIONS)


class Valence(StrEnum):
    POSITIVE = "positive"
    NEGATIVE = "negative"
    NEUTRAL = "neutral"


VALENCE: dict[str, Valence] = {
    "angry": Valence.NEGATIVE,
    "disgust": Valence.NEGATIVE,
    "fear": Valence.NEGATIVE,
    "happy": Valence.POSITIVE,
    "sad": Valence.NEGATIVE,
    "surprise": Valence.POSITIVE,
    "neutral": Valence.NEUTRAL,
}

EMOJI_CHAR: dict[str, str] = {
    "angry": "\U0001f620",
    "disgust": "\U0001f922",
    "fear": "\U0001f628",
    "happy": "\U0001f600",
    "sad": "\U0001f622",
    "surprise": "\U0001f62e",
    "neutral": "\U0001f610",
}

# The message key for a face the model is unsure of (see ``FacePrediction.unsure``): no
# congratulation and no follow-up question, which a wrong guess would turn into an accusation.
UNSURE = "unsure"
UNSURE_EMOJI = "\U0001f914"




def percent(value: float, language: str = "en") -> str:
    """``value`` (0..1) as a whole percentage the way ``language`` writes it: "69%", "69 %" (French
    puts a no-break space before the sign, so the two never part at a line end)."""
    return f"{value:.0%}" if check_language(language) == "en" else f"{value * 100:.0f}\u00a0%"


def check_emotion(emotion: str) -> str:
    if emotion not in VALENCE:
        raise ValueError(f"unknown emotion {emotion!r}; expected one of {', '.join(EMOTIONS)}")
    return emotion


def check_language(language: str) -> str:
    if language not in LANGUAGES:
        raise ValueError(f"unsupported language {language!r}; expected one of {', '.join(LANGUAGES)}")
    return language


def display_name(emotion: str, language: str = "en") -> str:
    return DISPLAY_NAME[check_language(language)][check_emotion(emotion)]


def message_key(emotion: str, unsure: bool) -> str:
    """What a face's message is chosen by: its emotion, or ``UNSURE``."""
    return UNSURE if unsure else check_emotion(emotion)


def message_for(emotion: str, language: str = "en", variant: int = 0) -> str:
    """A congratulation, follow-up question or check-in for ``emotion`` (or ``UNSURE``) in
    ``language``: phrasing number ``variant`` (wrapping round), so the same face always reads the
    same while the pages can vary it (the webcam: each new message; a photo: each face)."""
    phrasings = MESSAGES[check_language(language)][emotion if emotion == UNSURE else check_emotion(emotion)]
    return phrasings[variant % len(phrasings)]
