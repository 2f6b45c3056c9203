"""The default floating dtype and the dtype rules for new arrays."""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

import numpy as np

__all__ = ["get_default_dtype", "set_default_dtype"]

# np.dtype objects are immutable, so sharing the default value is safe.
_default_dtype: ContextVar[np.dtype] = ContextVar(
    "numpygrad_default_dtype", default=np.dtype(np.float32)  # noqa: B039
)


def get_default_dtype() -> np.dtype:
    """Return the dtype given to Python float data (``float32`` unless changed).

    Examples
    --------
    >>> import numpygrad as npg
    >>> npg.get_default_dtype()
    dtype('float32')
    >>> npg.array([1.0, 2.0]).dtype
    dtype('float32')
    """
    return _default_dtype.get()


def set_default_dtype(dtype: Any) -> None:
    """Set the dtype given to Python float data; it must be a floating dtype.

    The setting belongs to the current context (thread), like grad mode.

    Examples
    --------
    >>> import numpy as np
    >>> import numpygrad as npg
    >>> npg.set_default_dtype(np.float64)
    >>> npg.array([1.0]).dtype
    dtype('float64')
    >>> npg.set_default_dtype(np.float32)
    """
    dt = np.dtype(dtype)
    if dt.kind != "f":
        raise TypeError(f"the default dtype must be a floating dtype, got {dt}")
    _default_dtype.set(dt)


def is_floating(dtype: np.dtype) -> bool:
    """Whether arrays of ``dtype`` can require gradients."""
    return dtype.kind == "f"


#: The classes of the floating and complex dtypes (NumPy >= 1.25 gives each dtype a
#: class of its own). ``type(a.dtype) in FLOATING_DTYPE_CLASSES`` is an identity
#: lookup, about a third faster than ``a.dtype.kind in "fc"``, which builds the
#: kind's string each time: it is on every op's path.
FLOATING_DTYPE_CLASSES = frozenset(type(np.dtype(c)) for c in "efdgFDG")


def as_floating(x: np.ndarray) -> np.ndarray:
    """``x`` itself if floating or complex; integer and boolean data in the default float dtype.

    What the ops that only make sense in floating point (``exp``, ``tanh``,
    ``softmax``, ``inv``, ...) do with integer input: PyTorch's rule.

    Examples
    --------
    >>> import numpy as np
    >>> from numpygrad._dtype import as_floating
    >>> as_floating(np.array([1, 2])).dtype
    dtype('float32')
    >>> x = np.array([1.0], dtype=np.float64)
    >>> as_floating(x) is x
    True
    """
    return x if type(x.dtype) in FLOATING_DTYPE_CLASSES else x.astype(_default_dtype.get())


def scalar_dtype(value: Any, like: np.dtype | None) -> np.dtype:
    """The dtype a Python scalar takes when it meets an array of dtype ``like``.

    Python scalars are weak: they adopt the array's dtype when their kind fits
    (so ``float32_array * 2.5`` stays float32). A float meeting an integer or
    boolean array takes the default float dtype, as in PyTorch.
    """
    if isinstance(value, bool):
        return like if like is not None else np.dtype(bool)
    if isinstance(value, int):
        if like is not None and like.kind in "iuf":
            return like
        return np.dtype(np.int64)
    if isinstance(value, float):
        if like is not None and like.kind == "f":
            return like
        return _default_dtype.get()
    if isinstance(value, complex):
        return np.dtype(np.complex128)
    raise TypeError(f"unsupported scalar type {type(value).__name__}")
