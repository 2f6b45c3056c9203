"""Indexing: ``x[key]``, the functional ``setitem`` and their gradients.

Gradients of advanced indexing with repeated indices accumulate (``np.add.at``),
so ``x[[0, 0]].sum()`` gives ``x.grad[0] == 2``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from numpygrad._array import Array
from numpygrad.autograd.function import Function

__all__ = ["getitem", "setitem", "index_add"]


def normalize_key(key: Any) -> Any:
    """Replace Arrays inside an index by their ndarrays and check index dtypes."""
    if isinstance(key, tuple):
        return tuple(_key_part(k) for k in key)
    return _key_part(key)


def _key_part(k: Any) -> Any:
    if isinstance(k, Array):
        k = k.data
    if isinstance(k, np.ndarray) and k.dtype.kind not in "biu":
        raise IndexError(
            f"arrays used as indices must be of integer or boolean type, got dtype {k.dtype}"
        )
    if isinstance(k, float):
        raise IndexError(f"only integers, slices, ellipsis, None and integer or boolean arrays "
                         f"are valid indices, got float {k}")
    return k


def _is_basic(key: Any) -> bool:
    """Whether the index selects without advanced (array) indexing."""
    parts = key if isinstance(key, tuple) else (key,)
    for k in parts:
        if isinstance(k, (np.ndarray, list)) or (
            isinstance(k, np.generic) and k.dtype == np.bool_
        ) or isinstance(k, bool):
            return False
    return True


def _index(x: np.ndarray, key: Any) -> np.ndarray:
    try:
        return x[key]
    except IndexError as e:
        if x.ndim == 0:
            raise IndexError(
                f"invalid index of a 0-d array ({e}); use .item() to get the value"
            ) from None
        raise IndexError(f"{e} (array of shape {x.shape})") from None


class GetItem(Function):
    """``x[key]``; backward scatters the gradient into zeros of the input's shape."""

    save_inputs = False
    is_view = True

    def __init__(self, key: Any) -> None:
        self.key = key

    def forward(self, x: np.ndarray) -> np.ndarray:
        out = _index(x, self.key)
        return out

    def backward(self, grad: Array) -> Array:
        x = self.inputs[0]
        return IndexAdd.apply(grad, key=self.key, shape=x.shape, dtype=x.dtype)


def getitem(x: Any, key: Any) -> Array:
    """``x[key]`` with NumPy semantics (basic, advanced, boolean, mixed).

    Examples
    --------
    >>> import numpygrad as npg
    >>> x = npg.array([1.0, 2.0, 3.0], requires_grad=True)
    >>> x[[0, 0, 2]].sum().backward()
    >>> x.grad
    Array([2., 0., 1.])
    """
    return GetItem.apply(x, key=normalize_key(key))


class IndexAdd(Function):
    """Scatter-add ``values`` into zeros of ``shape`` at ``key`` (repeats accumulate)."""

    save_inputs = False

    def __init__(self, key: Any, shape: tuple[int, ...], dtype: Any) -> None:
        self.key = key
        self.shape = shape
        self.dtype = dtype

    def forward(self, values: np.ndarray) -> np.ndarray:
        out = np.zeros(self.shape, dtype=self.dtype)
        if _is_basic(self.key):
            out[self.key] = values
        else:
            np.add.at(out, self.key, values)
        return out

    def backward(self, grad: Array) -> Array:
        return getitem(grad, self.key)


def index_add(values: Any, key: Any, shape: tuple[int, ...]) -> Array:
    """Zeros of ``shape`` with ``values`` added at ``key``; repeated indices accumulate.

    Examples
    --------
    >>> import numpygrad as npg
    >>> npg.index_add(npg.array([1.0, 2.0]), [0, 0], (3,))
    Array([3., 0., 0.])
    """
    v = values if isinstance(values, Array) else Array(values)
    return IndexAdd.apply(v, key=normalize_key(key), shape=tuple(shape), dtype=v.dtype)


class SetItem(Function):
    """Out-of-place ``x[key] = value``; gradients go to both ``x`` and ``value``."""

    save_inputs = False

    def __init__(self, key: Any) -> None:
        self.key = key

    def forward(self, x: np.ndarray, value: np.ndarray) -> np.ndarray:
        out = x.copy()
        try:
            out[self.key] = value
        except IndexError as e:
            raise IndexError(f"{e} (array of shape {x.shape})") from None
        except ValueError as e:
            raise ValueError(
                f"cannot assign a value of shape {value.shape} to the selection "
                f"{_index(x, self.key).shape} of an array of shape {x.shape}: {e}"
            ) from None
        return out

    def backward(self, grad: Array) -> tuple[Array | None, Array | None]:
        gx = setitem(grad, self.key, 0) if self.needs_input_grad[0] else None
        gv = None
        if self.needs_input_grad[1]:
            gv = getitem(grad, self.key)
        return gx, gv


def setitem(x: Any, key: Any, value: Any) -> Array:
    """Return a copy of ``x`` with ``x[key]`` replaced by ``value`` (differentiable).

    The functional form of ``x[key] = value``: ``x`` itself is not modified.
    The gradient w.r.t. ``x`` is zero at the replaced positions; ``value``
    receives the gradient of the positions it filled (summed where it was
    broadcast).

    Examples
    --------
    >>> import numpygrad as npg
    >>> x = npg.array([1.0, 2.0, 3.0], requires_grad=True)
    >>> v = npg.array(10.0, requires_grad=True)
    >>> y = npg.setitem(x, slice(0, 2), v)
    >>> y
    Array([10., 10.,  3.], grad_fn=<SetItem>)
    >>> (y * npg.array([1.0, 2.0, 3.0])).sum().backward()
    >>> x.grad, v.grad
    (Array([0., 0., 3.]), Array(3.))
    """
    if not isinstance(x, Array):
        x = Array(x)
    if not isinstance(value, Array):
        value = Array(np.asarray(value, dtype=x.dtype))
    return SetItem.apply(x, value, key=normalize_key(key))
