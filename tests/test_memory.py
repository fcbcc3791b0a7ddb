"""emotion_app/memory.py: the allocator keeps a detection's working memory between calls."""

from emotion_app import memory, mtcnn_lite


def test_the_allocator_keeps_a_few_mb_between_detections(monkeypatch):
    calls = []
    monkeypatch.setattr(memory, "MALLOPT", lambda parameter, value: calls.append((parameter, value)) or 1)
    assert memory.keep_working_memory()
    assert calls == [(memory.M_MMAP_THRESHOLD, 8 << 20), (memory.M_TRIM_THRESHOLD, 32 << 20)]


def test_without_glibc_nothing_is_changed(monkeypatch):
    monkeypatch.setattr(memory, "MALLOPT", None)
    assert memory.keep_working_memory() is False


def test_glibc_takes_the_thresholds():
    assert memory.MALLOPT is not None  # Linux with glibc: the machines this app is served from
    assert memory.keep_working_memory()


def test_the_detector_sets_them_when_it_is_built(monkeypatch):
    built = []
    monkeypatch.setattr(mtcnn_lite, "keep_working_memory", lambda: built.append(True) or True)
    mtcnn_lite.MtcnnLite()
    assert built == [True]
