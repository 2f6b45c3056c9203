"""NumPy's own BLAS, for the two vector updates NumPy has no single pass for.

An optimizer's inner loop is made of ``y += a * x`` (SGD's step) and
``y = a * x + b * y`` (moving averages: momentum, Adam's moments). NumPy needs
two or three passes and a scratch array for each; BLAS has them as one pass,
``axpy`` and ``axpby``, and PyTorch's optimizers use the same fused form
(``param.add_(grad, alpha=-lr)``). On a large parameter one pass instead of
three is most of the update's time, and OpenBLAS spreads ``axpy`` over its
threads where NumPy's ufuncs use one core.

The BLAS is the one NumPy itself loaded: no new dependency. It is found only
where its calling convention is known from its name (the ``scipy-openblas``
builds shipped in NumPy's wheels, whose symbols carry their integer width),
and checked on known values before first use. Anywhere else (NumPy on Apple's
Accelerate, MKL, a distribution's BLAS) :func:`axpy` and :func:`axpby` return
False and the caller runs its NumPy passes: same formula, and a result that
can differ only in the last bit (BLAS kernels may fuse the multiply-add).

Set the environment variable ``NUMPYGRAD_BLAS=0`` to always use the NumPy
passes.

Examples
--------
>>> import numpy as np
>>> from numpygrad.optim import _blas
>>> y = np.ones(20000, np.float32)
>>> x = np.full(20000, 2.0, np.float32)
>>> done = _blas.axpy(0.5, x, y)   # False where no usable BLAS was found
>>> if not done:
...     y += np.float32(0.5) * x
>>> float(y[0]), float(y[-1])
(2.0, 2.0)
"""

from __future__ import annotations

import ctypes
import glob
import os
import threading
from collections.abc import Callable

import numpy as np

from numpygrad._blas_info import numpy_blas

__all__ = ["axpy", "axpby", "available"]

#: Below this many elements a BLAS call's fixed cost outweighs the NumPy passes it
#: saves: a call through ctypes costs about 3 us whatever the size. Measured on
#: float32, one thread: axpy beats NumPy's two passes from about 12 000 elements,
#: axpby its three from about 4 000; one threshold keeps the rule simple.
MIN_SIZE = 16384

_Pair = tuple[Callable[..., None], Callable[..., None]]  # (axpy, axpby) of one dtype
_Kernels = dict[np.dtype, _Pair]
_kernels: _Kernels | None = None
_loaded = False
_lock = threading.Lock()


def _library_files() -> list[str]:
    """OpenBLAS libraries bundled with NumPy's wheels (Linux, macOS, Windows layouts)."""
    pkg = os.path.dirname(np.__file__)
    found: list[str] = []
    for folder in (os.path.join(pkg, os.pardir, "numpy.libs"), os.path.join(pkg, ".dylibs")):
        found += sorted(glob.glob(os.path.join(folder, "*openblas*")))
    return found


def _symbol_names() -> tuple[str, str] | None:
    """The prefix and suffix of the ``cblas_*`` symbols, from NumPy's build record.

    Only scipy-openblas is accepted: its symbols are named ``scipy_cblas_saxpy``
    (32-bit integers) or ``scipy_cblas_saxpy64_`` (64-bit), so the integer
    width, which ctypes cannot check, follows from the name.
    """
    blas = numpy_blas()
    if blas.get("name") != "scipy-openblas" or not blas.get("found"):
        return None
    ilp64 = "USE64BITINT" in str(blas.get("openblas configuration", ""))
    return "scipy_", "64_" if ilp64 else ""


def _bind(lib: ctypes.CDLL, prefix: str, suffix: str) -> _Kernels:
    integer = ctypes.c_int64 if suffix == "64_" else ctypes.c_int32
    kernels: _Kernels = {}
    for code, dtype, real in (("s", np.float32, ctypes.c_float),
                              ("d", np.float64, ctypes.c_double)):
        axpy_fn = getattr(lib, f"{prefix}cblas_{code}axpy{suffix}")
        axpy_fn.argtypes = [integer, real, ctypes.c_void_p, integer, ctypes.c_void_p, integer]
        axpy_fn.restype = None
        axpby_fn = getattr(lib, f"{prefix}cblas_{code}axpby{suffix}")
        axpby_fn.argtypes = [integer, real, ctypes.c_void_p, integer, real, ctypes.c_void_p,
                             integer]
        axpby_fn.restype = None
        kernels[np.dtype(dtype)] = (axpy_fn, axpby_fn)
    return kernels


def _verified(kernels: _Kernels) -> bool:
    """Run both kernels on small exact cases: a wrong binding must not go unnoticed."""
    for dtype, (axpy_fn, axpby_fn) in kernels.items():
        x = np.arange(1, 6, dtype=dtype)
        y = np.full(5, 10, dtype=dtype)
        axpy_fn(5, 0.5, x.ctypes.data, 1, y.ctypes.data, 1)
        ok = np.array_equal(y, [10.5, 11, 11.5, 12, 12.5])
        # n = 4: the last element must stay as it is.
        axpby_fn(4, 2.0, x.ctypes.data, 1, 0.25, y.ctypes.data, 1)
        if not (ok and np.array_equal(y, [4.625, 6.75, 8.875, 11, 12.5])):
            return False
    return True


def _load() -> _Kernels | None:
    if os.environ.get("NUMPYGRAD_BLAS", "1").strip() == "0":
        return None
    names = _symbol_names()
    if names is None:
        return None
    for path in _library_files():
        try:
            # NumPy has this file loaded already; dlopen hands back the same library.
            kernels = _bind(ctypes.CDLL(path), *names)
        except (OSError, AttributeError):
            continue
        if _verified(kernels):
            return kernels
    return None


def _get() -> _Kernels | None:
    global _kernels, _loaded
    if not _loaded:
        with _lock:
            if not _loaded:
                _kernels = _load()
                _loaded = True
    return _kernels


def available() -> bool:
    """Whether :func:`axpy` and :func:`axpby` can use a BLAS in this process.

    Examples
    --------
    >>> from numpygrad.optim import _blas
    >>> isinstance(_blas.available(), bool)
    True
    """
    return _get() is not None


def _usable(x: np.ndarray, y: np.ndarray) -> _Pair | None:
    """The kernels for ``x`` and ``y``, or None when a BLAS call would not be right."""
    kernels = _get()
    if kernels is None:
        return None
    pair = kernels.get(y.dtype)
    if (pair is None or x.dtype != y.dtype or x.shape != y.shape
            or not (x.flags.c_contiguous and y.flags.c_contiguous and y.flags.writeable)
            or np.may_share_memory(x, y)):
        return None
    return pair


_byte = ctypes.c_char


def _address(a: np.ndarray) -> int:
    """The address of ``a``'s first element (``a`` C-contiguous and not empty).

    Through the buffer protocol for a writeable array: three times faster than
    ``a.ctypes.data``, which builds a helper object on every call.
    """
    if a.flags.writeable:
        try:
            return ctypes.addressof(_byte.from_buffer(a))
        except (TypeError, ValueError, BufferError):  # an exporter that refuses: ask NumPy
            pass
    return a.ctypes.data


def axpy(alpha: float, x: np.ndarray, y: np.ndarray) -> bool:
    """``y += alpha * x`` in one pass; False (``y`` untouched) when the BLAS cannot do it.

    It does it for C-contiguous float32 or float64 arrays of the same shape
    and dtype, at least :data:`MIN_SIZE` elements, not sharing memory, with
    ``alpha != 0`` (BLAS skips the pass then, where NumPy would still turn an
    infinite ``x`` into NaN).

    Examples
    --------
    >>> import numpy as np
    >>> from numpygrad.optim import _blas
    >>> y, x = np.zeros(3), np.ones(3)
    >>> _blas.axpy(2.0, x, y)   # too small to be worth a BLAS call
    False
    >>> y
    array([0., 0., 0.])
    """
    if alpha == 0 or y.size < MIN_SIZE:  # the size first: most calls are for small arrays
        return False
    pair = _usable(x, y)
    if pair is None:
        return False
    pair[0](y.size, alpha, _address(x), 1, _address(y), 1)
    return True


def axpby(alpha: float, x: np.ndarray, beta: float, y: np.ndarray) -> bool:
    """``y = alpha * x + beta * y`` in one pass; False (``y`` untouched) when the BLAS cannot.

    The conditions are :func:`axpy`'s, and ``beta != 0`` as well (BLAS would
    ignore ``y`` then, NaNs included).

    Examples
    --------
    >>> import numpy as np
    >>> from numpygrad.optim import _blas
    >>> m = np.full(20000, 4.0)
    >>> g = np.full(20000, 2.0)
    >>> if not _blas.axpby(0.1, g, 0.9, m):
    ...     m *= 0.9
    ...     m += 0.1 * g
    >>> round(float(m[0]), 12)
    3.8
    """
    if alpha == 0 or beta == 0 or y.size < MIN_SIZE:
        return False
    pair = _usable(x, y)
    if pair is None:
        return False
    pair[1](y.size, alpha, _address(x), 1, beta, _address(y), 1)
    return True
