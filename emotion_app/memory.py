"""Giving freed memory back to the system, so a server's memory falls once its sessions end.

Why: each Streamlit session runs in its own thread, and glibc's allocator gives each thread its own
heap ("arena"). A decoded photo or video frame freed there stays in that arena, counted in the
server's resident memory, until something asks for it back: under load the server grew by gigabytes
and kept them after every tab had closed (``benchmarks/load_photo.py --memory``). ``malloc_trim``
returns the free pages of every arena to the system.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import threading

TRIM_EVERY_SECONDS = 20.0

_trimmer: threading.Thread | None = None
_lock = threading.Lock()


def _malloc_trim():
    """glibc's ``malloc_trim``, or None where the C library has none (macOS, musl, Windows)."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        trim = libc.malloc_trim
    except (OSError, AttributeError):
        return None
    trim.argtypes, trim.restype = [ctypes.c_size_t], ctypes.c_int
    return trim


MALLOC_TRIM = _malloc_trim()


def release_free_memory() -> bool:
    """Give the allocator's free pages back to the system; False where that is not possible."""
    if MALLOC_TRIM is None:
        return False
    MALLOC_TRIM(0)
    return True


def start_trimming(every: float = TRIM_EVERY_SECONDS) -> bool:
    """Release free memory every ``every`` seconds from a daemon thread, once per process (later
    calls do nothing): what sessions that ended freed goes back to the system within that time."""
    global _trimmer
    if MALLOC_TRIM is None:
        return False
    with _lock:
        if _trimmer is None:
            stop = threading.Event()

            def trim_forever() -> None:
                while not stop.wait(every):
                    try:
                        release_free_memory()
                    except Exception:  # never let housekeeping take the server down
                        logging.getLogger(__name__).exception("malloc_trim failed")

            _trimmer = threading.Thread(target=trim_forever, name="memory trimmer", daemon=True)
            _trimmer.start()
    return True
