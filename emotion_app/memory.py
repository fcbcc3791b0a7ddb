"""Giving freed memory back to the system, so a server's memory falls once its sessions end, and keeping
what a detection frees for the next.

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


def _glibc(name: str, *argtypes):
    """glibc's function ``name`` (returning an int), or None where the C library has none (macOS, musl,
    Windows)."""
    try:
        function = getattr(ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6"), name)
    except (OSError, AttributeError):
        return None
    function.argtypes, function.restype = list(argtypes), ctypes.c_int
    return function


MALLOC_TRIM = _glibc("malloc_trim", ctypes.c_size_t)

# mallopt's parameters (malloc.h): arrays up to MMAP_THRESHOLD come from the arenas, which keep up to
# TRIM_THRESHOLD of free memory at their top between calls
M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3
MMAP_THRESHOLD, TRIM_THRESHOLD = 8 << 20, 32 << 20
MALLOPT = _glibc("mallopt", ctypes.c_int, ctypes.c_int)


def keep_working_memory() -> bool:
    """Let the allocator keep the few MB a detection frees for the next one; False where it cannot.

    NOTE: glibc sizes both thresholds from the blocks freed so far. A 1280x720 photo's arrays of a few MB,
    made anew on the detector's threads at each call, came back as fresh pages to fault in: 25.6 ms a
    photo path in a loop, 23.0 with these fixed thresholds (six processes each, alternating; 640x480
    unchanged; ``benchmarks/pipeline.py``'s alternating rounds showed no change). And once a 64-MP photo
    had been freed, arrays up to 32 MB stayed in the arenas: with arrays over 8 MB mapped on their own,
    the photo page's server under 4 sessions of such uploads peaked at 754 MB instead of 1348
    (``benchmarks/load_photo.py --memory``). The server's trimmer (``start_trimming``) still returns what
    the arenas keep.
    """
    if MALLOPT is None:
        return False
    return bool(MALLOPT(M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(MALLOPT(M_TRIM_THRESHOLD, TRIM_THRESHOLD))


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
