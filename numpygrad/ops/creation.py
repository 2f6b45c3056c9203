"""Creation functions: zeros, ones, full, empty, eye, arange, linspace and ``*_like``.

Every function takes ``dtype=`` and ``requires_grad=``. Floating results use the
default float dtype unless told otherwise.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from numpygrad._array import Array, _wrap
from numpygrad._dtype import _default_dtype

__all__ = ["zeros", "ones", "full", "empty", "eye", "arange", "linspace",
           "zeros_like", "ones_like", "full_like", "empty_like"]


def _shape(shape: tuple[Any, ...]) -> tuple[int, ...]:
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    out = []
    for s in shape:
        if isinstance(s, bool) or not isinstance(s, (int, np.integer)):
            raise TypeError(f"shape entries must be integers, got {s!r} in {shape}")
        if s < 0:
            raise ValueError(
                f"Trying to create an array with negative dimension {s}: {list(shape)}"
            )
        out.append(int(s))
    return tuple(out)


def _finish(data: np.ndarray, requires_grad: bool) -> Array:
    if requires_grad and data.dtype.kind != "f":
        raise TypeError(
            f"Only arrays of floating point dtype can require gradients, got dtype {data.dtype}"
        )
    out = _wrap(data)
    out._requires_grad = bool(requires_grad)
    return out


def _float(dtype: Any) -> np.dtype:
    return _default_dtype.get() if dtype is None else np.dtype(dtype)


def zeros(*shape: Any, dtype: Any = None, requires_grad: bool = False) -> Array:
    """An array of zeros; the shape is given as varargs or a tuple.

    Examples
    --------
    >>> import numpygrad as npg
    >>> npg.zeros(2, 3).shape
    (2, 3)
    >>> npg.zeros((2,), requires_grad=True)
    Array([0., 0.], requires_grad=True)
    """
    return _finish(np.zeros(_shape(shape), dtype=_float(dtype)), requires_grad)


def ones(*shape: Any, dtype: Any = None, requires_grad: bool = False) -> Array:
    """An array of ones.

    Examples
    --------
    >>> import numpygrad as npg
    >>> npg.ones(3)
    Array([1., 1., 1.])
    """
    return _finish(np.ones(_shape(shape), dtype=_float(dtype)), requires_grad)


def empty(*shape: Any, dtype: Any = None, requires_grad: bool = False) -> Array:
    """An uninitialised array (its values are arbitrary).

    Examples
    --------
    >>> import numpygrad as npg
    >>> npg.empty(2, 2).shape
    (2, 2)
    """
    return _finish(np.empty(_shape(shape), dtype=_float(dtype)), requires_grad)


def _fill_dtype(value: Any, dtype: Any) -> np.dtype:
    if dtype is not None:
        return np.dtype(dtype)
    if isinstance(value, bool):
        return np.dtype(bool)
    if isinstance(value, int):
        return np.dtype(np.int64)
    if isinstance(value, float):
        return _default_dtype.get()
    return np.asarray(value).dtype


def full(shape: Any, fill_value: Any, dtype: Any = None, requires_grad: bool = False) -> Array:
    """An array of ``shape`` filled with ``fill_value``.

    A Python float gives the default float dtype, an int int64, a bool bool.

    Examples
    --------
    >>> import numpygrad as npg
    >>> npg.full((2,), 7.0)
    Array([7., 7.])
    >>> npg.full(2, 3).dtype
    dtype('int64')
    """
    shape_t = _shape((shape,) if not isinstance(shape, (tuple, list)) else (tuple(shape),))
    if isinstance(fill_value, Array):
        fill_value = fill_value.item()
    return _finish(np.full(shape_t, fill_value, dtype=_fill_dtype(fill_value, dtype)),
                   requires_grad)


def eye(n: int, m: int | None = None, k: int = 0, dtype: Any = None,
        requires_grad: bool = False) -> Array:
    """A 2-D array with ones on the ``k``-th diagonal and zeros elsewhere.

    Examples
    --------
    >>> import numpygrad as npg
    >>> npg.eye(2)
    Array([[1., 0.],
           [0., 1.]])
    """
    _shape((n,) if m is None else (n, m))
    return _finish(np.eye(n, m, k=k, dtype=_float(dtype)), requires_grad)


def arange(start: Any, stop: Any = None, step: Any = 1, dtype: Any = None,
           requires_grad: bool = False) -> Array:
    """Evenly spaced values in ``[start, stop)``, like ``np.arange``.

    Integer arguments give int64; a float argument gives the default float dtype.

    Examples
    --------
    >>> import numpygrad as npg
    >>> npg.arange(4)
    Array([0, 1, 2, 3])
    >>> npg.arange(0, 1, 0.25)
    Array([0.  , 0.25, 0.5 , 0.75])
    """
    if stop is None:
        start, stop = 0, start
    if step == 0:
        raise ValueError("arange: step must be nonzero")
    if dtype is None:
        is_int = all(isinstance(v, (int, np.integer)) and not isinstance(v, bool)
                     for v in (start, stop, step))
        dtype = np.int64 if is_int else _default_dtype.get()
    return _finish(np.arange(start, stop, step, dtype=dtype), requires_grad)


def linspace(start: float, stop: float, num: int = 50, endpoint: bool = True, dtype: Any = None,
             requires_grad: bool = False) -> Array:
    """``num`` evenly spaced values from ``start`` to ``stop``.

    Examples
    --------
    >>> import numpygrad as npg
    >>> npg.linspace(0, 1, 5)
    Array([0.  , 0.25, 0.5 , 0.75, 1.  ])
    """
    if num < 0:
        raise ValueError(f"linspace: number of samples, {num}, must be non-negative")
    return _finish(np.linspace(start, stop, num, endpoint=endpoint, dtype=_float(dtype)),
                   requires_grad)


def _like_dtype(x: Any, dtype: Any) -> np.dtype:
    return np.dtype(dtype) if dtype is not None else np.asarray(x).dtype


def zeros_like(x: Any, dtype: Any = None, requires_grad: bool = False) -> Array:
    """Zeros with the shape and dtype of ``x``.

    Examples
    --------
    >>> import numpygrad as npg
    >>> npg.zeros_like(npg.array([1, 2]))
    Array([0, 0])
    """
    return _finish(np.zeros(np.shape(x), dtype=_like_dtype(x, dtype)), requires_grad)


def ones_like(x: Any, dtype: Any = None, requires_grad: bool = False) -> Array:
    """Ones with the shape and dtype of ``x``.

    Examples
    --------
    >>> import numpygrad as npg
    >>> npg.ones_like(npg.array([[1.0, 2.0]]))
    Array([[1., 1.]])
    """
    return _finish(np.ones(np.shape(x), dtype=_like_dtype(x, dtype)), requires_grad)


def full_like(x: Any, fill_value: Any, dtype: Any = None, requires_grad: bool = False) -> Array:
    """An array with the shape and dtype of ``x`` filled with ``fill_value``.

    Examples
    --------
    >>> import numpygrad as npg
    >>> npg.full_like(npg.zeros(2), 5.0)
    Array([5., 5.])
    """
    return _finish(np.full(np.shape(x), fill_value, dtype=_like_dtype(x, dtype)), requires_grad)


def empty_like(x: Any, dtype: Any = None, requires_grad: bool = False) -> Array:
    """An uninitialised array with the shape and dtype of ``x``.

    Examples
    --------
    >>> import numpygrad as npg
    >>> npg.empty_like(npg.zeros((2, 3))).shape
    (2, 3)
    """
    return _finish(np.empty(np.shape(x), dtype=_like_dtype(x, dtype)), requires_grad)
