"""Large temporaries that one call hands on to the next: the convolution's buffers.

A convolution step allocates the same few megabytes of internal temporaries
every time: the im2col columns, the product before its transpose, the input
gradient's columns and fold accumulator. Allocated fresh, they cost more than
the allocation: when they are freed together at the top of glibc's heap, glibc
gives the memory back to the OS, and the next step faults it in again page by
page. Whether that happens depends on the process's allocation history; when
it does, it costs about 2400 page faults and a third of a LeNet step's time.

So convolution and max pooling take these buffers from :data:`SCRATCH` and give
each one back when done with it. Only arrays that never leave the op's code
go through the pool; results and gradients are always fresh arrays.
"""

from __future__ import annotations

import threading

import numpy as np

from numpygrad._malloc import keep_freed_memory

__all__ = ["ScratchPool", "SCRATCH"]


class ScratchPool:
    """A free list of uninitialised arrays, the least recently given back dropped first.

    Parameters
    ----------
    max_entries : int
        How many free arrays the pool keeps; giving back one more drops the
        least recently given one. A network's steady state needs a few per
        convolution layer, some of the same shape.
    min_bytes : int
        Smaller arrays are not kept: ``np.empty`` is cheap for them and they
        are not what glibc returns to the OS.

    Notes
    -----
    A caller must not use an array after giving it back, and must give back
    only arrays no one else refers to (no views of it may outlive the call).
    An array that is never given back is simply garbage collected.

    Examples
    --------
    >>> import numpy as np
    >>> from numpygrad.nn._scratch import ScratchPool
    >>> pool = ScratchPool(min_bytes=0)
    >>> a = pool.take((2, 3), np.float32)
    >>> pool.give(a)
    >>> pool.take((2, 3), np.float32) is a  # the same memory, handed on
    True
    >>> pool.take((2, 3), np.float32) is a  # taken: a new array
    False
    """

    def __init__(self, max_entries: int = 16, min_bytes: int = 1 << 16) -> None:
        self.max_entries = max_entries
        self.min_bytes = min_bytes
        self._free: list[np.ndarray] = []  # most recently given back last
        # take and give run from any thread; the lock keeps a buffer from being
        # handed to two callers and the LRU order consistent.
        self._lock = threading.Lock()

    def take(self, shape: tuple[int, ...], dtype: np.dtype | type) -> np.ndarray:
        """A C-contiguous array of ``shape`` and ``dtype`` with arbitrary contents.

        Examples
        --------
        >>> import numpy as np
        >>> from numpygrad.nn._scratch import ScratchPool
        >>> ScratchPool().take((4, 5), np.float64).shape
        (4, 5)
        """
        shape, dtype = tuple(shape), np.dtype(dtype)
        free = self._free
        with self._lock:
            for i in range(len(free) - 1, -1, -1):
                buf = free[i]
                if buf.shape == shape and buf.dtype == dtype:
                    del free[i]
                    return buf
        # A process that needs scratch buffers frees megabytes of results and gradients
        # every step too: keep glibc from handing them back to the OS (see _malloc).
        keep_freed_memory()
        return np.empty(shape, dtype)

    def give(self, array: np.ndarray) -> None:
        """Give back an array from :meth:`take` that the caller no longer uses.

        Examples
        --------
        >>> import numpy as np
        >>> from numpygrad.nn._scratch import ScratchPool
        >>> pool = ScratchPool(max_entries=2, min_bytes=0)
        >>> a, b, c = (pool.take((2,), np.float32) for _ in range(3))
        >>> pool.give(a); pool.give(b); pool.give(c)  # keeps two: b and c
        >>> [pool.take((2,), np.float32) is x for x in (c, b)]
        [True, True]
        """
        if array.nbytes < self.min_bytes or not array.flags.c_contiguous:
            return
        with self._lock:
            self._free.append(array)
            if len(self._free) > self.max_entries:
                del self._free[0]

    def clear(self) -> None:
        """Drop every free array (their memory goes back to the allocator).

        Examples
        --------
        >>> import numpy as np
        >>> from numpygrad.nn._scratch import ScratchPool
        >>> pool = ScratchPool(min_bytes=0)
        >>> a = pool.take((2,), np.float32)
        >>> pool.give(a); pool.clear()
        >>> pool.take((2,), np.float32) is a
        False
        """
        with self._lock:
            self._free.clear()


#: The pool convolution and pooling share: one bound on the memory kept for all layers.
SCRATCH = ScratchPool()
