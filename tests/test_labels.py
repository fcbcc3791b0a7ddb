
import pytest

from emotion_app import labels


def test_classes_are_fer2013_order():
    assert labels.EMOTIONS == ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral")


def test_every_class_has_valence_emoji_and_messages_in_every_language():
    for emotion in labels.EMOTIONS:
        assert emotion in labels.VALENCE and emotion in labels.EMOJI_CHAR
        for language in labels.LANGUAGES:
            assert len(labels.MESSAGES[language][emotion]) >= 2
            assert labels.display_name(emotion, language)


def test_valence_follows_the_brief():
    positive = {e for e, v in labels.VALENCE.items() if v is labels.Valence.POSITIVE}
    negative = {e for e, v in labels.VALENCE.items() if v is labels.Valence.NEGATIVE}
    assert positive == {"happy", "surprise"}
    assert negative == {"angry", "disgust", "fear", "sad"}


def test_negative_messages_ask_and_positive_ones_congratulate():
    assert labels.message_for("sad", "en") == "Why are you sad?"
    assert labels.message_for("angry", "en") == "What made you angry?"
    for language in labels.LANGUAGES:
        for emotion, valence in labels.VALENCE.items():
            if valence is labels.Valence.NEGATIVE:
                assert all(message.rstrip().endswith("?") for message in labels.MESSAGES[language][emotion])
    assert "congratulations" in " ".join(labels.MESSAGES["en"]["happy"]).lower()
    assert "félicitations" in " ".join(labels.MESSAGES["fr"]["surprise"]).lower()


def test_french_is_french():
    assert labels.message_for("sad", "fr") == "Pourquoi es-tu triste ?"
    assert labels.display_name("disgust", "fr") == "dégoût"


def test_every_phrasing_is_reachable_and_the_first_is_the_default():
    for language in labels.LANGUAGES:
        for emotion, phrasings in labels.MESSAGES[language].items():
            assert [labels.message_for(emotion, language, v) for v in range(len(phrasings))] == list(phrasings)
            assert labels.message_for(emotion, language, len(phrasings)) == labels.message_for(emotion, language)


def test_unknown_values_raise_clear_errors():
    with pytest.raises(ValueError, match="unknown emotion 'bored'"):
        labels.message_for("bored")
    with pytest.raises(ValueError, match="unsupported language 'de'"):
        labels.message_for("happy", "de")


def test_an_unsure_face_gets_a_check_in_instead_of_the_negative_question():
    """The no-question rule: a face the model is unsure about is never asked "why are you sad?"."""
    assert labels.message_key("sad", unsure=True) == labels.UNSURE
    assert labels.message_key("sad", unsure=False) == "sad"
    for language in labels.MESSAGES:
        check_in = labels.message_for(labels.UNSURE, language)
        negative = {message for emotion in labels.EMOTIONS if labels.VALENCE[emotion] is labels.Valence.NEGATIVE
                    for message in labels.MESSAGES[language][emotion]}
        assert check_in == labels.message_for(labels.UNSURE, language)
        assert not set(labels.MESSAGES[language][labels.UNSURE]) & negative
