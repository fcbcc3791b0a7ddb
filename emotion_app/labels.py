"""The seven FER2013 classes, their emoji, valence and messages: defined once, used everywhere.

The order of ``EMOTIONS`` is the FER2013 label order (0 angry ... 6 neutral). The model's output
columns follow it, so it must never be derived from a folder listing or a dict's key order.
"""

from __future__ import annotations

from enum import StrEnum

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

LANGUAGES: dict[str, str] = {"en": "English", "fr": "Français"}

DISPLAY_NAME: dict[str, dict[str, str]] = {
    "en": {e: e for e in EMOTIONS},
    "fr": {
        "angry": "colère",
        "disgust": "dégoût",
        "fear": "peur",
        "happy": "joie",
        "sad": "tristesse",
        "surprise": "surprise",
        "neutral": "neutre",
    },
}

# Several phrasings per class so a live demo does not repeat itself (``message_for``'s variant); positive classes get a
# congratulation, negative ones a caring follow-up question, neutral a gentle check-in.
MESSAGES: dict[str, dict[str, tuple[str, ...]]] = {
    "en": {
        "happy": (
            "Congratulations, what a lovely smile! Keep it up.",
            "You look happy, congratulations on a good moment!",
            "That smile is contagious, well done!",
        ),
        "surprise": (
            "Something surprised you, and it looks like a good one: congratulations!",
            "Wow, what a surprise! Enjoy the moment.",
            "Eyes wide open! We hope it's good news, congratulations!",
        ),
        "angry": (
            "What made you angry?",
            "You look upset. What happened?",
            "Something seems to bother you. Do you want to talk about it?",
        ),
        "disgust": (
            "What disgusted you?",
            "Something doesn't seem right to you. What is it?",
            "That face says 'yuck'. What happened?",
        ),
        "fear": (
            "What are you afraid of?",
            "You look worried. What's frightening you?",
            "You are not alone: is something scaring you?",
        ),
        "sad": (
            "Why are you sad?",
            "You look a little down. What's on your mind?",
            "Take care of yourself: is something making you sad?",
        ),
        "neutral": (
            "How are you feeling today?",
            "Calm and composed. Anything on your mind?",
            "A neutral face. How is your day going?",
        ),
        UNSURE: (
            "Hard to read this face. How are you feeling?",
            "This expression is hard to tell. How is your day going?",
            "Not sure what this face says. How do you feel right now?",
        ),
    },
    "fr": {
        "happy": (
            "Félicitations, quel joli sourire ! Continue comme ça.",
            "Quel bonheur sur ce visage, félicitations pour ce bon moment !",
            "Ce sourire est contagieux, bravo !",
        ),
        "surprise": (
            "Quelle surprise ! Et elle a l'air d'être bonne : félicitations !",
            "Waouh, quelle surprise ! Profite du moment.",
            "Les yeux grands ouverts ! On espère que c'est une bonne nouvelle, félicitations !",
        ),
        "angry": (
            "Qu'est-ce qui provoque ta colère ?",
            "Quelque chose te contrarie ? Que s'est-il passé ?",
            "Quelque chose semble te déranger. Tu veux en parler ?",
        ),
        "disgust": (
            "Qu'est-ce qui te dégoûte ?",
            "Quelque chose ne te plaît pas. Qu'est-ce que c'est ?",
            "Cette grimace dit « beurk ». Que s'est-il passé ?",
        ),
        "fear": (
            "De quoi as-tu peur ?",
            "Quelque chose t'inquiète ? Qu'est-ce qui t'effraie ?",
            "Tu peux en parler : quelque chose te fait peur ?",
        ),
        "sad": (
            "Pourquoi es-tu triste ?",
            "Un petit coup de blues ? À quoi penses-tu ?",
            "Prends soin de toi : quelque chose te rend triste ?",
        ),
        "neutral": (
            "Comment te sens-tu aujourd'hui ?",
            "Un visage calme. Quelque chose en tête ?",
            "Un visage neutre. Comment se passe ta journée ?",
        ),
        UNSURE: (
            "Ce visage est difficile à lire. Comment te sens-tu ?",
            "Cette expression est difficile à deviner. Comment se passe ta journée ?",
            "Difficile de dire ce que montre ce visage. Comment te sens-tu en ce moment ?",
        ),
    },
}


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
