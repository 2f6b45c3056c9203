"""Trigonometric and hyperbolic functions and the logistic sigmoid.

Also exported by :mod:`numpygrad.ops.elementwise`. Backward formulas use
numpygrad operations (``sin`` differentiates to ``cos`` and so on), so every
order of derivative works with ``create_graph=True``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from numpygrad._array import Array
from numpygrad._dtype import as_floating
from numpygrad._quiet import quiet
from numpygrad.autograd.function import Function

__all__ = ["sin", "cos", "tan", "tanh", "sigmoid"]


class Sin(Function):
    """``sin(x)``; backward is ``cos(x)``."""

    __slots__ = ()  # stores nothing: no per-node __dict__ (see Function)

    @quiet(invalid="ignore")  # sin(+-inf) is nan, silently as in PyTorch
    def forward(self, x: np.ndarray) -> np.ndarray:
        return np.sin(as_floating(x))

    def backward(self, grad: Array) -> Array:
        return grad * cos(self.inputs[0])

    def backward_data(self, grad: np.ndarray) -> np.ndarray:
        # Cos's forward: cos(+-inf) is nan silently, while the product may still warn.
        return grad * Cos().forward(self.inputs[0].data)


def sin(x: Any) -> Array:
    """Elementwise sine (radians).

    Examples
    --------
    >>> import numpygrad as npg
    >>> npg.sin(npg.array([0.0, npg.pi / 2]))
    Array([0., 1.])
    """
    return Sin.apply(x)


class Cos(Function):
    """``cos(x)``; backward is ``-sin(x)``."""

    __slots__ = ()  # stores nothing: no per-node __dict__ (see Function)

    @quiet(invalid="ignore")  # cos(+-inf) is nan, silently as in PyTorch
    def forward(self, x: np.ndarray) -> np.ndarray:
        return np.cos(as_floating(x))

    def backward(self, grad: Array) -> Array:
        return -grad * sin(self.inputs[0])

    def backward_data(self, grad: np.ndarray) -> np.ndarray:
        # Sin's forward: sin(+-inf) is nan silently, while the product may still warn.
        return np.negative(grad) * Sin().forward(self.inputs[0].data)


def cos(x: Any) -> Array:
    """Elementwise cosine (radians).

    Examples
    --------
    >>> import numpygrad as npg
    >>> npg.cos(npg.array([0.0, npg.pi]))
    Array([ 1., -1.])
    """
    return Cos.apply(x)


class Tan(Function):
    """``tan(x)``; backward ``1 + tan(x)**2`` reuses the output."""

    __slots__ = ()  # stores nothing: no per-node __dict__ (see Function)

    save_inputs = False
    save_output = True

    @quiet(invalid="ignore")  # tan(+-inf) is nan, silently as in PyTorch
    def forward(self, x: np.ndarray) -> np.ndarray:
        return np.tan(as_floating(x))

    def backward(self, grad: Array) -> Array:
        out = self.output
        return grad * (out * out + 1)

    def backward_data(self, grad: np.ndarray) -> np.ndarray:
        o = self.output.data
        return grad * (o * o + 1)


def tan(x: Any) -> Array:
    """Elementwise tangent (radians).

    Examples
    --------
    >>> import numpygrad as npg
    >>> npg.tan(npg.array([0.0, npg.pi / 4]))
    Array([0., 1.])
    """
    return Tan.apply(x)


class Tanh(Function):
    """``tanh(x)`` (NumPy's, stable at any magnitude); backward ``1 - tanh**2``."""

    __slots__ = ()  # stores nothing: no per-node __dict__ (see Function)

    save_inputs = False
    save_output = True

    def forward(self, x: np.ndarray) -> np.ndarray:
        return np.tanh(as_floating(x))

    def backward(self, grad: Array) -> Array:
        out = self.output
        return grad * (1 - out * out)

    def backward_data(self, grad: np.ndarray) -> np.ndarray:
        o = self.output.data
        return grad * (1 - o * o)


def tanh(x: Any) -> Array:
    """Elementwise hyperbolic tangent.

    Examples
    --------
    >>> import numpygrad as npg
    >>> npg.tanh(npg.array([-1e4, 0.0, 1e4]))
    Array([-1.,  0.,  1.])
    """
    return Tanh()._call((x,))  # the node, called directly: a hot function


class Sigmoid(Function):
    """``1 / (1 + exp(-x))``; backward ``s * (1 - s)`` reuses the output.

    For ``x`` below about -88 (float32) ``exp(-x)`` overflows to inf and
    ``1 / (1 + inf)`` is exactly the limit 0, which is PyTorch's value too; so
    the overflow is silenced rather than avoided. This is faster than the
    two-branch formula (4 passes instead of 7) and as accurate: there is no
    cancellation on either side. The gradient ``s * (1 - s)`` is 0, never nan,
    at the extremes.
    """

    __slots__ = ()  # stores nothing: no per-node __dict__ (see Function)

    save_inputs = False
    save_output = True

    @quiet(over="ignore")
    def forward(self, x: np.ndarray) -> np.ndarray:
        x = as_floating(x)
        # An explicit output keeps 0-d results arrays, so the in-place steps work.
        out = np.negative(x, out=np.empty_like(x))
        np.exp(out, out=out)
        out += 1
        return np.reciprocal(out, out=out)

    def backward(self, grad: Array) -> Array:
        s = self.output
        return grad * (s * (1 - s))

    def backward_data(self, grad: np.ndarray) -> np.ndarray:
        o = self.output.data
        return grad * (o * (1 - o))


def sigmoid(x: Any) -> Array:
    """Logistic sigmoid ``1 / (1 + exp(-x))``, stable for large ``|x|``.

    Examples
    --------
    >>> import numpygrad as npg
    >>> x = npg.array([-1e4, 0.0, 1e4], requires_grad=True)
    >>> y = npg.sigmoid(x)
    >>> y
    Array([0. , 0.5, 1. ], grad_fn=<Sigmoid>)
    >>> y.sum().backward()
    >>> x.grad
    Array([0.  , 0.25, 0.  ])
    """
    return Sigmoid()._call((x,))  # the node, called directly: a hot function
