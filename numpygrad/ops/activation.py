"""Softmax and log-softmax: primitive ops with their own stable backward.

Both subtract the maximum along the axis before exponentiating, so logits
of any magnitude give finite results (``log_softmax([1e4, 0, -1e4])`` is
``[0, -1e4, -2e4]``), where the naive compositions give inf and nan. Their
backward formulas are written with numpygrad ops on the saved output, so
they can be differentiated again.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from numpygrad._array import Array
from numpygrad._dtype import as_floating
from numpygrad._quiet import quiet
from numpygrad.autograd.function import Function
from numpygrad.ops.elementwise import exp
from numpygrad.ops.reduction import Sum

__all__ = ["softmax", "log_softmax"]

# Only non-finite logits (a row of -inf, a +inf) meet inf - inf; the result is
# nan as in PyTorch, without a warning.
_quiet = {"invalid": "ignore", "over": "ignore", "under": "ignore"}


def _resolve_axis(x: Any, axis: int | None, dim: int | None) -> int | None:
    if dim is not None:
        if axis is not None and axis != -1:
            raise TypeError("give either axis or dim, not both")
        axis = dim
    if axis is None:
        raise TypeError("softmax needs an axis (an int), got None")
    ndim = x.ndim if isinstance(x, (Array, np.ndarray)) else np.ndim(x)
    if ndim == 0:
        if axis not in (0, -1):
            raise IndexError(f"axis {axis} is out of bounds for a 0-d array")
        return None  # reduce over the single element
    return axis


class Softmax(Function):
    """``exp(x - max) / sum(exp(x - max))`` along ``axis``.

    Backward: ``s * (g - sum(g * s))``, from the saved output ``s``.
    """

    save_inputs = False
    save_output = True

    def __init__(self, axis: int | None = -1) -> None:
        self.axis = axis

    def forward(self, x: np.ndarray) -> np.ndarray:
        x = as_floating(x)
        if x.size == 0:  # max of an empty axis raises; the result is empty anyway
            return x.copy()
        with np.errstate(**_quiet):
            # An explicit output keeps 0-d results arrays for the in-place steps.
            e = np.subtract(x, x.max(axis=self.axis, keepdims=True), out=np.empty_like(x))
            np.exp(e, out=e)
            e /= e.sum(axis=self.axis, keepdims=True)
        return e

    def backward(self, grad: Array) -> Array:
        s = self.output
        gs = grad * s
        return gs - s * Sum.apply(gs, axis=self.axis, keepdims=True)

    def backward_data(self, grad: np.ndarray) -> np.ndarray:
        s = self.output.data
        gs = grad * s
        return gs - s * np.add.reduce(gs, axis=self.axis, keepdims=True)


def softmax(x: Any, axis: int | None = -1, *, dim: int | None = None) -> Array:
    """Softmax along ``axis`` (``dim`` is PyTorch's spelling), stable for any logits.

    Parameters
    ----------
    x : Array
        The logits.
    axis, dim : int
        The axis that sums to 1 (the last one by default).

    Examples
    --------
    >>> import numpygrad as npg
    >>> npg.softmax(npg.array([[1e4, 0.0], [1e4, 1e4]]), dim=1)
    Array([[1. , 0. ],
           [0.5, 0.5]])
    """
    return Softmax.apply(x, axis=_resolve_axis(x, axis, dim))


class LogSoftmax(Function):
    """``x - max - log(sum(exp(x - max)))`` along ``axis``.

    Backward: ``g - exp(out) * sum(g)``, from the saved output.
    """

    save_inputs = False
    save_output = True

    def __init__(self, axis: int | None = -1) -> None:
        self.axis = axis

    def forward(self, x: np.ndarray) -> np.ndarray:
        x = as_floating(x)
        if x.size == 0:
            return x.copy()
        with np.errstate(**_quiet):
            shifted = np.subtract(x, x.max(axis=self.axis, keepdims=True),
                                  out=np.empty_like(x))
            e = np.exp(shifted)
            shifted -= np.log(e.sum(axis=self.axis, keepdims=True))
        return shifted

    def backward(self, grad: Array) -> Array:
        return grad - exp(self.output) * Sum.apply(grad, axis=self.axis, keepdims=True)

    @quiet(**_quiet)  # exp(self.output) runs quietly through Exp in backward
    def backward_data(self, grad: np.ndarray) -> np.ndarray:
        e = np.exp(self.output.data)
        return grad - e * np.add.reduce(grad, axis=self.axis, keepdims=True)


def log_softmax(x: Any, axis: int | None = -1, *, dim: int | None = None) -> Array:
    """Logarithm of the softmax along ``axis``, computed stably in one op.

    Prefer it to ``log(softmax(x))``, which gives ``-inf`` (and nan
    gradients) once a probability underflows.

    Parameters
    ----------
    x : Array
        The logits.
    axis, dim : int
        The normalised axis (the last one by default).

    Examples
    --------
    >>> import numpygrad as npg
    >>> x = npg.array([1e4, 0.0, -1e4], requires_grad=True)
    >>> y = npg.log_softmax(x)
    >>> y
    Array([     0., -10000., -20000.], grad_fn=<LogSoftmax>)
    >>> y.sum().backward()
    >>> x.grad
    Array([-2.,  1.,  1.])
    """
    return LogSoftmax.apply(x, axis=_resolve_axis(x, axis, dim))
