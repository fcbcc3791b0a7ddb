"""Every user-facing word is in emotion_app/texts.py, in every language, with the same placeholders."""

import string

import pytest

from emotion_app import labels, texts

TABLES = {"page": texts.PAGE, "reasons": texts.REASONS, "display names": texts.DISPLAY_NAME, "messages": texts.MESSAGES,
          "error note": {language: {"note": note} for language, note in texts.ERROR_NOTE.items()}}


def placeholders(value) -> set[str]:
    values = value if isinstance(value, tuple) else (value,)
    return {field for text in values for _, field, _, _ in string.Formatter().parse(text) if field}


@pytest.mark.parametrize("name", TABLES)
def test_each_key_exists_in_every_language_with_the_same_placeholders(name):
    table = TABLES[name]
    assert set(table) == set(texts.LANGUAGES)
    english = table["en"]
    for language, words in table.items():
        assert set(words) == set(english), f"{name}: {language} lacks {set(english) - set(words)}"
        for key, value in words.items():
            assert placeholders(value) == placeholders(english[key]), f"{name}[{language}][{key}]"
            assert all(text.strip() for text in (value if isinstance(value, tuple) else (value,)))


def test_the_emotions_and_the_unsure_face_have_names_and_messages():
    for language in texts.LANGUAGES:
        assert set(texts.DISPLAY_NAME[language]) == set(labels.EMOTIONS)
        assert set(texts.MESSAGES[language]) == {*labels.EMOTIONS, labels.UNSURE}


def test_every_refusal_reason_the_code_raises_has_words():
    import re
    from pathlib import Path

    package = Path(labels.__file__).parent
    raised = {m for path in package.glob("*.py") for m in re.findall(r'ImageError\("(\w+)"', path.read_text())}
    assert raised and raised <= set(texts.REASONS["en"])


def test_the_live_error_note_is_ascii_for_opencvs_own_font():
    assert all(note.isascii() for note in texts.ERROR_NOTE.values())
