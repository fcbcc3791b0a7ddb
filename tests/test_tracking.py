"""Faces keep their number through a video."""

from emotion_app.tracking import FaceNumbers


def crossing(steps: int = 30, fps: float = 10.0):
    """Two 80-px faces walking towards each other on one line, past each other, and on: one of them
    hidden behind the other while they overlap, as a detector sees it."""
    for step in range(steps):
        t = step / fps
        a, b = 40 + 15 * step, 480 - 15 * step
        boxes = [(a, 100, 80, 80), (b, 100, 80, 80)]
        if abs(a - b) < 60:
            boxes = boxes[:1]  # b behind a
        yield t, boxes, (a, b)


def test_two_faces_that_swap_sides_keep_two_numbers():
    numbers, seen = FaceNumbers(), {}
    for t, boxes, (a, _) in crossing():
        for box, number in zip(boxes, numbers.assign(boxes, t), strict=True):
            seen.setdefault(number, set()).add("a" if box[0] == a else "b")
    assert seen == {1: {"a"}, 2: {"b"}}


def test_a_face_that_leaves_and_comes_back_within_a_second_keeps_its_number():
    numbers = FaceNumbers()
    assert numbers.assign([(100, 100, 80, 80), (400, 100, 80, 80)], 0.0) == [1, 2]
    assert numbers.assign([(400, 100, 80, 80)], 0.5) == [2]  # face 1 turned away
    assert numbers.assign([(110, 105, 80, 80), (400, 100, 80, 80)], 0.9) == [1, 2]  # back within a second
    assert numbers.assign([(400, 100, 80, 80)], 1.5) == [2]
    assert numbers.assign([(400, 100, 80, 80)], 2.0) == [2]
    assert numbers.assign([(100, 100, 80, 80), (400, 100, 80, 80)], 2.7) == [3, 2]  # gone 1.8 s: a new person


def test_a_new_person_gets_a_new_number_and_order_does_not_matter():
    numbers = FaceNumbers()
    assert numbers.assign([(100, 100, 80, 80)], 0.0) == [1]
    assert numbers.assign([(300, 100, 80, 80), (104, 100, 80, 80)], 0.1) == [2, 1]
    assert numbers.assign([(108, 100, 80, 80), (300, 100, 80, 80)], 0.2) == [1, 2]
    assert numbers.assign([(108, 100, 200, 200)], 0.3) == [3]  # far larger: someone else, close to the camera
