import numpy as np
import pytest

from emotion_app.labels import EMOTIONS
from emotion_app.overlay import AssetError, Painter
from emotion_app.predictor import to_predictions


@pytest.fixture(scope="module")
def painter():
    return Painter()


def one_hot(emotion: str) -> np.ndarray:
    row = np.full(7, 0.01, np.float32)
    row[EMOTIONS.index(emotion)] = 0.94
    return row[None]


def test_draws_on_a_copy(painter):
    image = np.full((200, 300, 3), 30, np.uint8)
    predictions = to_predictions([(100, 60, 80, 80)], one_hot("happy"))
    out = painter.draw(image, predictions)
    assert out.shape == image.shape and (image == 30).all()
    assert (out != 30).any(axis=2).sum() > 500


def test_emoji_is_alpha_blended(painter):
    image = np.zeros((200, 300, 3), np.uint8)
    out = painter.draw(image, to_predictions([(40, 60, 90, 90)], one_hot("happy")), show_confidence=False)
    emoji_area = out[60:90, 135:165]
    # The happy emoji is yellow (high red and green in BGR), blended onto black.
    assert emoji_area[..., 2].max() > 200 and emoji_area[..., 1].max() > 150


@pytest.mark.parametrize("size", [(12, 12), (60, 80), (3000, 4000)])
def test_any_image_size_and_faces_at_the_edge(painter, size):
    image = np.zeros((*size, 3), np.uint8)
    h, w = size
    boxes = [(0, 0, max(1, w // 2), max(1, h // 2)), (w - max(1, w // 3), h - max(1, h // 3), w // 3, h // 3)]
    out = painter.draw(image, to_predictions(boxes, np.vstack([one_hot("sad"), one_hot("fear")])), language="fr")
    assert out.shape == image.shape


def test_french_labels_render(painter):
    patch = painter.label("dégoût 87%", 20, "disgust")
    assert patch.shape[2] == 4 and patch.shape[1] > 60


def test_missing_emoji_is_a_clear_error(tmp_path):
    with pytest.raises(AssetError, match="angry.png"):
        Painter(emoji_dir=tmp_path)


def test_patch_caches_stay_bounded(painter):
    from emotion_app.overlay import CACHE_LIMIT

    for percent in range(101):
        for size in range(12, 30):
            painter.label(f"happy {percent}%", size, "happy")
    assert len(painter._labels) <= CACHE_LIMIT


def emoji_spots(painter, monkeypatch, shape, boxes):
    spots = []
    original = painter._emoji_spot

    def record(*args):
        spots.append(original(*args))
        return spots[-1]

    monkeypatch.setattr(painter, "_emoji_spot", record)
    rows = np.vstack([one_hot("happy")] * len(boxes))
    painter.draw(np.zeros((*shape, 3), np.uint8), to_predictions(boxes, rows))
    return spots


def overlap(a, b):
    across = max(0, min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0]))
    return across * max(0, min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1]))


def test_emoji_never_covers_another_face_when_there_is_room(painter, monkeypatch):
    """On a collage, one face's emoji once landed on the next face."""
    boxes = [(100, 100, 90, 90), (205, 100, 90, 90), (100, 205, 90, 90), (205, 205, 90, 90)]
    spots = emoji_spots(painter, monkeypatch, (480, 640), boxes)
    size = 30
    placed = [(x, y, size, size) for x, y in spots]
    assert all(overlap(spot, box) == 0 for spot in placed for box in boxes)
    assert all(overlap(a, b) == 0 for i, a in enumerate(placed) for b in placed[i + 1:])


def test_emoji_of_a_face_filling_the_photo_sits_at_the_top_not_on_the_mouth(painter, monkeypatch):
    (spot,) = emoji_spots(painter, monkeypatch, (300, 300), [(0, 0, 300, 300)])
    assert spot[1] == 0  # the old spot was inside the bottom right corner, over the mouth


def placed_patches(painter, monkeypatch, shape, boxes, **draw_options):
    """(x, y, w, h) of every patch blended: labels (wider than tall) and emoji (square)."""
    import emotion_app.overlay as overlay

    patches, original = [], overlay._blend

    def record(canvas, bgra, x, y):
        patches.append((x, y, bgra.shape[1], bgra.shape[0]))
        original(canvas, bgra, x, y)

    monkeypatch.setattr(overlay, "_blend", record)
    rows = np.vstack([one_hot("happy")] * len(boxes))
    painter.draw(np.zeros((*shape, 3), np.uint8), to_predictions(boxes, rows), **draw_options)
    return patches


@pytest.mark.parametrize("top", [2, 300])
def test_an_emoji_never_covers_a_label(painter, monkeypatch, top):
    """A row of faces at the top of a group photo: the labels go inside the boxes, and each
    emoji once landed on its own label's text ("2. happy 😀00%")."""
    boxes = [(20 + 160 * i, top, 72, 72) for i in range(8)]
    patches = placed_patches(painter, monkeypatch, (640, 1280), boxes, numbered=True)
    labels, emojis = [p for p in patches if p[2] != p[3]], [p for p in patches if p[2] == p[3]]
    assert len(labels) == len(emojis) == len(boxes)
    assert all(overlap(emoji, label) == 0 for emoji in emojis for label in labels)


def test_numbers_only_labels_are_big_enough_for_a_projector(painter, monkeypatch):
    """In the presentation view the panels carry each face's emotion in large type, so the picture
    needs only the face's number, big: "2. happy 100%" on an 80-px face of a 1280x720 photo was 16
    px tall, 10 px once the page had shrunk the picture onto a projected screen."""
    boxes = [(155, 200, 80, 80), (597, 62, 65, 66)]
    full = placed_patches(painter, monkeypatch, (720, 1280), boxes, numbered=True)[:2]  # the labels come first
    monkeypatch.undo()
    short = placed_patches(painter, monkeypatch, (720, 1280), boxes, numbered=True, numbers_only=True)[:2]
    assert all(s[3] >= 2 * f[3] for s, f in zip(short, full, strict=True))  # twice as tall at least
    assert all(s[2] < f[2] for s, f in zip(short, full, strict=True))  # and narrower: neighbours stay clear
