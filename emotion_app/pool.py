"""Objects that are not thread-safe (OpenCV cascades, LiteRT interpreters), lent to one thread at a time."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Generic, TypeVar

T = TypeVar("T")


def usable_cores() -> int:
    """The cores this process may run on (its CPU affinity, where the OS says)."""
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)


class Pool(Generic[T]):
    """Lends each caller an object no other thread is using, and keeps it for the next caller.

    NOTE: Streamlit runs every rerun of a page on a new thread, so per-thread copies
    (``threading.local``) were rebuilt on each rerun and piled up until the threads were collected;
    a pool holds only as many copies as were ever in use at once.
    """

    def __init__(self, make: Callable[[], T], first: T | None = None) -> None:
        self._make = make
        self._free: list[T] = [first] if first is not None else []
        self._lock = threading.Lock()
        self.created = len(self._free)

    @contextmanager
    def borrow(self) -> Iterator[T]:
        with self._lock:
            item = self._free.pop() if self._free else None
            if item is None:
                self.created += 1
        if item is None:
            item = self._make()
        try:
            yield item
        finally:
            with self._lock:
                self._free.append(item)
