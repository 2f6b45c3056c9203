"""Reductions: sum and mean (more are added beside them).

Every reduction takes NumPy's ``axis``/``keepdims`` and PyTorch's
``dim``/``keepdim`` as aliases.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from numpygrad._array import Array
from numpygrad._dtype import get_default_dtype
from numpygrad.autograd.function import Function

__all__ = ["sum", "mean"]


def normalize_axis_args(
    axis: Any, keepdims: bool | None, dim: Any, keepdim: bool | None
) -> tuple[int | tuple[int, ...] | None, bool]:
    """Merge NumPy's and PyTorch's spellings of the reduction arguments."""
    if dim is not None:
        if axis is not None:
            raise TypeError("give either axis or dim, not both")
        axis = dim
    if keepdim is not None:
        if keepdims is not None:
            raise TypeError("give either keepdims or keepdim, not both")
        keepdims = keepdim
    if isinstance(axis, list):
        axis = tuple(axis)
    return axis, bool(keepdims)


def expand_reduced(grad: Array, in_shape: tuple[int, ...], axis: Any, keepdims: bool) -> Array:
    """Reshape a reduced gradient so it broadcasts against the input's shape."""
    from numpygrad.ops.shape import reshape

    if keepdims or axis is None and grad.ndim == 0:
        return grad if keepdims else reshape(grad, (1,) * len(in_shape))
    axes = range(len(in_shape)) if axis is None else np.atleast_1d(axis)
    axes = {int(a) % max(len(in_shape), 1) for a in axes}
    shape = tuple(1 if i in axes else n for i, n in enumerate(in_shape))
    return reshape(grad, shape)


class Sum(Function):
    """Sum over axes; backward broadcasts the gradient back."""

    save_inputs = False

    def __init__(self, axis: Any = None, keepdims: bool = False, dtype: Any = None) -> None:
        self.axis = axis
        self.keepdims = keepdims
        self.dtype = dtype

    def forward(self, x: np.ndarray) -> np.ndarray:
        return np.sum(x, axis=self.axis, keepdims=self.keepdims, dtype=self.dtype)

    def backward(self, grad: Array) -> Array:
        from numpygrad.ops.shape import broadcast_to

        shape = self.inputs[0].shape
        g = expand_reduced(grad, shape, self.axis, self.keepdims)
        return broadcast_to(g, shape)


def sum(  # noqa: A001 - NumPy's name
    x: Any,
    axis: int | tuple[int, ...] | None = None,
    keepdims: bool | None = None,
    *,
    dim: Any = None,
    keepdim: bool | None = None,
    dtype: Any = None,
) -> Array:
    """Sum of elements over ``axis`` (all axes by default).

    Parameters
    ----------
    x : Array
        The input.
    axis, dim : int or tuple of int, optional
        The axes to reduce (``dim`` is PyTorch's spelling).
    keepdims, keepdim : bool
        Keep reduced axes with length 1.
    dtype : dtype, optional
        The accumulator and result dtype.

    Examples
    --------
    >>> import numpygrad as npg
    >>> x = npg.array([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    >>> npg.sum(x, axis=0)
    Array([4., 6.], grad_fn=<Sum>)
    >>> x.sum(dim=1, keepdim=True).shape
    (2, 1)
    """
    axis, keepdims = normalize_axis_args(axis, keepdims, dim, keepdim)
    return Sum.apply(x, axis=axis, keepdims=keepdims, dtype=dtype)


class Mean(Function):
    """Arithmetic mean; the mean of an empty selection is nan (no warning)."""

    save_inputs = False

    def __init__(self, axis: Any = None, keepdims: bool = False) -> None:
        self.axis = axis
        self.keepdims = keepdims

    def forward(self, x: np.ndarray) -> np.ndarray:
        s = np.sum(x, axis=self.axis, keepdims=self.keepdims)
        self.count = x.size // s.size if s.size else 0
        if s.size == 0:
            self.count = 1
        elif x.size == 0:
            self.count = 0
        if x.dtype.kind in "biu":
            s = s.astype(get_default_dtype())
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.divide(s, self.count, dtype=s.dtype)

    def backward(self, grad: Array) -> Array:
        from numpygrad.ops.shape import broadcast_to

        shape = self.inputs[0].shape
        g = expand_reduced(grad, shape, self.axis, self.keepdims)
        return broadcast_to(g / max(self.count, 1), shape)


def mean(
    x: Any,
    axis: int | tuple[int, ...] | None = None,
    keepdims: bool | None = None,
    *,
    dim: Any = None,
    keepdim: bool | None = None,
) -> Array:
    """Arithmetic mean over ``axis`` (all axes by default).

    Integer input gives the default float dtype. The mean of nothing is nan.

    Examples
    --------
    >>> import numpygrad as npg
    >>> npg.mean(npg.array([[1.0, 2.0], [3.0, 5.0]]), axis=1)
    Array([1.5, 4. ])
    """
    axis, keepdims = normalize_axis_args(axis, keepdims, dim, keepdim)
    return Mean.apply(x, axis=axis, keepdims=keepdims)
