"""Keep freed heap memory mapped, so a training step does not fault it in again (glibc).

A define-by-run step allocates its activations and gradients fresh and frees
them all when the graph goes: for a LeNet step at batch 64, about 4 MB. When
they are freed together at the top of glibc's heap, glibc hands the memory back
to the OS (its trim threshold is twice the largest block it ever served with
``mmap``, here under 2 MB), and the next step faults it in again, page by page:
1059 page faults per step, which made a LeNet step 10-25% slower in a process of
its own (the convolution's scratch buffers, :mod:`numpygrad.nn._scratch`, were
the first answer; this covers the results and gradients, which cannot be
pooled). Hand-written NumPy avoids it by allocating every buffer once.

:func:`keep_freed_memory` asks glibc to keep up to 64 MB of free memory at the
top of its heap (``mallopt(M_TRIM_THRESHOLD)``), and to serve blocks up to 32 MB
from the heap (``M_MMAP_THRESHOLD``, the most glibc's own adaptive threshold
reaches; setting either option stops that adaptation, and a threshold left at
its 128 KB start would serve every larger block with ``mmap``, faulting it in
anew each time). The convolution and pooling layers call it the first time
they allocate a scratch buffer. It changes nothing:

- on other C libraries (macOS, Windows, musl);
- when the user configured glibc's allocator already (any ``MALLOC_*_``
  variable, or ``glibc.malloc`` in ``GLIBC_TUNABLES``);
- when ``NUMPYGRAD_MALLOC_TRIM_THRESHOLD`` is ``0``. Any other value is the number
  of bytes to keep instead of 64 MB.

What it costs: up to that much freed memory stays resident after the step that
used it. Blocks of 32 MB and more are still returned to the OS as soon as they
are freed.
"""

from __future__ import annotations

import ctypes
import os
import threading

__all__ = ["keep_freed_memory", "DEFAULT_TRIM_THRESHOLD", "MMAP_THRESHOLD"]

#: The free memory glibc may keep at the top of the heap once applied: 64 MB.
DEFAULT_TRIM_THRESHOLD = 64 << 20
#: Blocks from this size up are served by ``mmap`` (glibc's own upper limit, 32 MB).
MMAP_THRESHOLD = 32 << 20
_ENV = "NUMPYGRAD_MALLOC_TRIM_THRESHOLD"
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # glibc's malloc.h

_lock = threading.Lock()
_result: int | None = None  # the trim threshold applied (0: none), once decided


def _requested_threshold(environ: dict[str, str] | os._Environ) -> int:
    """The trim threshold to apply: 0 when the user configured malloc or turned it off."""
    value = environ.get(_ENV)
    if value is not None:
        try:
            threshold = int(value)
        except ValueError:
            raise ValueError(
                f"{_ENV} must be a whole number of bytes (0 turns it off), got {value!r}"
            ) from None
        if not 0 <= threshold < 1 << 31:  # mallopt takes a C int
            raise ValueError(f"{_ENV} must be from 0 to 2**31 - 1 bytes, got {threshold}")
        return threshold
    if any(k.startswith("MALLOC_") and k.endswith("_") for k in environ):
        return 0  # the user tuned glibc's allocator: leave it as they set it
    if "glibc.malloc." in environ.get("GLIBC_TUNABLES", ""):
        return 0
    return DEFAULT_TRIM_THRESHOLD


def _glibc_mallopt() -> object | None:
    """glibc's ``mallopt``, or None on any other C library."""
    try:
        libc = ctypes.CDLL(None)
    except (OSError, TypeError):  # Windows: no C library to open by None
        return None
    # Only glibc has gnu_get_libc_version (musl and macOS's libc have none).
    if not hasattr(libc, "gnu_get_libc_version") or not hasattr(libc, "mallopt"):
        return None
    return libc.mallopt


def keep_freed_memory() -> int:
    """Ask glibc, once per process, to keep freed memory at the top of its heap.

    Returns
    -------
    int
        The number of free bytes glibc now keeps (``M_TRIM_THRESHOLD``), or 0
        where nothing was changed (not glibc, the allocator configured by the
        user, or turned off with ``NUMPYGRAD_MALLOC_TRIM_THRESHOLD=0``).

    Examples
    --------
    >>> from numpygrad._malloc import keep_freed_memory
    >>> keep_freed_memory() >= 0
    True
    """
    global _result
    with _lock:
        if _result is None:
            threshold = _requested_threshold(os.environ)
            mallopt = _glibc_mallopt() if threshold else None
            _result = 0
            # (mallopt returns 1 on success.)
            if (mallopt is not None and mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD) == 1
                    and mallopt(_M_TRIM_THRESHOLD, threshold) == 1):
                _result = threshold
        return _result
