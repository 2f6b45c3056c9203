"""Scans: the cumulative sum and product along one axis.

``axis=None`` flattens first, as in NumPy (PyTorch's ``dim`` is an alias). Both
gradients are exact, also with zeros in a product, and differentiable again.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.lib.array_utils import normalize_axis_index

from numpygrad._array import Array, _wrap
from numpygrad._quiet import quiet
from numpygrad.autograd.function import Function
from numpygrad.ops.reduction import _quiet, normalize_axis_args
from numpygrad.ops.reduction import sum as sum_

__all__ = ["cumsum", "cumprod"]


def _axis_arg(x: Any, axis: Any, dim: Any) -> tuple[Array, int]:
    """Lift ``x`` and pick the scan axis; None flattens (NumPy), 0-d acts as 1-d."""
    from numpygrad.autograd.function import lift
    from numpygrad.ops.shape import reshape

    axis, _ = normalize_axis_args(axis, None, dim, None)
    (x,) = lift((x,))
    if axis is None or x.ndim == 0:
        x = reshape(x, -1)
        axis = 0 if axis is None else axis
    if not isinstance(axis, (int, np.integer)) or isinstance(axis, bool):
        raise TypeError(f"the axis of a scan must be one int, got {axis!r}")
    return x, normalize_axis_index(int(axis), x.ndim)


class Cumsum(Function):
    """Cumulative sum along one axis (or from the end when ``reverse``)."""

    save_inputs = False

    def __init__(self, axis: int, reverse: bool = False) -> None:
        self.axis = axis
        self.reverse = reverse

    def forward(self, x: np.ndarray) -> np.ndarray:
        if self.reverse:
            return np.flip(np.cumsum(np.flip(x, self.axis), axis=self.axis), self.axis)
        return np.cumsum(x, axis=self.axis)

    def backward(self, grad: Array) -> Array:
        return Cumsum.apply(grad, axis=self.axis, reverse=not self.reverse)

    def backward_data(self, grad: np.ndarray) -> np.ndarray:
        return Cumsum(self.axis, not self.reverse).forward(grad)


def cumsum(x: Any, axis: int | None = None, *, dim: int | None = None) -> Array:
    """Cumulative sum along ``axis``; ``axis=None`` flattens first, as in NumPy.

    Integer input accumulates in int64. The gradient is the reversed
    cumulative sum of the upstream gradient.

    Examples
    --------
    >>> import numpygrad as npg
    >>> npg.cumsum(npg.array([[1.0, 2.0], [3.0, 4.0]]), dim=1)
    Array([[1., 3.],
           [3., 7.]])
    >>> npg.cumsum(npg.array([[1, 2], [3, 4]]))
    Array([ 1,  3,  6, 10])
    """
    x, axis = _axis_arg(x, axis, dim)
    return Cumsum.apply(x, axis=axis)


def _cumprod_grad_np(x: np.ndarray, y: np.ndarray, g: np.ndarray, axis: int) -> np.ndarray:
    """First-order gradient of ``y = cumprod(x)`` in O(n), exact with zeros (PyTorch's way)."""
    xl, gl = np.moveaxis(x, axis, -1), np.moveaxis(g, axis, -1)
    rcs = np.cumsum((gl * np.moveaxis(y, axis, -1))[..., ::-1], axis=-1)[..., ::-1]
    zero = xl == 0
    if not zero.any():
        return np.moveaxis(rcs / xl, -1, axis)
    # Only inputs up to the first zero z of a slice get a gradient. Before z the
    # usual sum(g * y) / x is safe; at z it is sum_{i>=z} g_i * cumprod(x with x_z = 1)_i.
    n = xl.shape[-1]
    idx = np.arange(n)
    z = np.where(zero.any(-1, keepdims=True), np.argmax(zero, -1, keepdims=True), n)
    out = np.where(idx < z, rcs / np.where(idx < z, xl, 1), 0)
    y1 = np.cumprod(np.where(idx == z, 1, xl), axis=-1)
    at_z = np.sum(np.where(idx >= z, gl * y1, 0), axis=-1, keepdims=True)
    return np.moveaxis(np.where(idx == z, at_z, out), -1, axis)


class Cumprod(Function):
    """Cumulative product along one axis; the gradient is exact with zeros."""

    save_output = True

    def __init__(self, axis: int) -> None:
        self.axis = axis

    def forward(self, x: np.ndarray) -> np.ndarray:
        with np.errstate(**_quiet):
            return np.cumprod(x, axis=self.axis)

    def backward(self, grad: Array) -> Array:
        from numpygrad.ops.elementwise import where
        from numpygrad.ops.shape import reshape, swapaxes

        (x,) = self.inputs
        if not (x.data == 0).any():  # differentiable and cheap away from zeros
            return Cumsum.apply(grad * self.output, axis=self.axis, reverse=True) / x
        # create_graph with zeros, O(n^2): row k is the slice with x_k replaced by 1,
        # so grad_k = sum_{i>=k} g_i * cumprod(row k)_i, all differentiable.
        xl, gl = swapaxes(x, self.axis, -1), swapaxes(grad, self.axis, -1)
        n = xl.shape[-1]
        rows = where(_wrap(np.eye(n, dtype=bool)), 1.0, reshape(xl, xl.shape[:-1] + (1, n)))
        terms = cumprod(rows, axis=-1) * reshape(gl, gl.shape[:-1] + (1, n))
        gk = sum_(where(_wrap(np.triu(np.ones((n, n), dtype=bool))), terms, 0.0), axis=-1)
        return swapaxes(gk, self.axis, -1)

    @quiet(**_quiet)
    def backward_data(self, grad: np.ndarray) -> np.ndarray:
        return _cumprod_grad_np(self.inputs[0].data, self.output.data, grad, self.axis)


def cumprod(x: Any, axis: int | None = None, *, dim: int | None = None) -> Array:
    """Cumulative product along ``axis``; ``axis=None`` flattens first, as in NumPy.

    The gradient is computed without dividing by zero: exact when the input
    has zeros (only entries up to the first zero of a slice get a gradient).
    It is twice differentiable; at zeros the second derivative costs O(n^2)
    memory per slice of length n.

    Examples
    --------
    >>> import numpygrad as npg
    >>> x = npg.array([2.0, 0.0, 3.0], requires_grad=True)
    >>> y = npg.cumprod(x)
    >>> y.sum().backward()
    >>> y, x.grad
    (Array([2., 0., 0.], grad_fn=<Cumprod>), Array([1., 8., 0.]))
    """
    x, axis = _axis_arg(x, axis, dim)
    return Cumprod.apply(x, axis=axis)
