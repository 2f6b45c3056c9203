"""Elementwise math: exp, log, sqrt, abs, sign, where, maximum, minimum, ...

Each op is a node class with ``forward`` and ``backward`` side by side and its
public function beside it. Backward formulas use numpygrad operations so that
``create_graph=True`` can differentiate them again.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from numpygrad._array import Array
from numpygrad.autograd.function import Function

__all__ = ["exp", "log", "sqrt", "abs", "sign", "where", "maximum", "minimum"]

_quiet = {"divide": "ignore", "invalid": "ignore", "over": "ignore", "under": "ignore"}


class Exp(Function):
    """``exp(x)``; backward reuses the output."""

    save_inputs = False
    save_output = True

    def forward(self, x: np.ndarray) -> np.ndarray:
        with np.errstate(over="ignore", under="ignore"):
            return np.exp(x)

    def backward(self, grad: Array) -> Array:
        return grad * self.output


def exp(x: Any) -> Array:
    """Elementwise exponential.

    Examples
    --------
    >>> import numpygrad as npg
    >>> npg.exp(npg.array([0.0, 1.0]))
    Array([1.      , 2.718282])
    """
    return Exp.apply(x)


class Log(Function):
    """Natural logarithm; ``log(0) = -inf`` and ``log(-1) = nan`` silently."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        with np.errstate(**_quiet):
            return np.log(x)

    def backward(self, grad: Array) -> Array:
        return grad / self.inputs[0]


def log(x: Any) -> Array:
    """Elementwise natural logarithm.

    Examples
    --------
    >>> import numpygrad as npg
    >>> npg.log(npg.array([1.0, 0.0]))
    Array([  0., -inf])
    """
    return Log.apply(x)


class Sqrt(Function):
    """Square root; backward reuses the output."""

    save_inputs = False
    save_output = True

    def forward(self, x: np.ndarray) -> np.ndarray:
        with np.errstate(**_quiet):
            return np.sqrt(x)

    def backward(self, grad: Array) -> Array:
        return grad / (2 * self.output)


def sqrt(x: Any) -> Array:
    """Elementwise square root.

    Examples
    --------
    >>> import numpygrad as npg
    >>> npg.sqrt(npg.array([4.0, 9.0]))
    Array([2., 3.])
    """
    return Sqrt.apply(x)


class Abs(Function):
    """``|x|``; the gradient at 0 is 0 (PyTorch's convention)."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        return np.abs(x)

    def backward(self, grad: Array) -> Array:
        return grad * sign(self.inputs[0])


def abs(x: Any) -> Array:  # noqa: A001 - NumPy's name
    """Elementwise absolute value; its gradient at 0 is 0.

    Examples
    --------
    >>> import numpygrad as npg
    >>> npg.abs(npg.array([-2.0, 0.0, 3.0]))
    Array([2., 0., 3.])
    """
    return Abs.apply(x)


class Sign(Function):
    """``sign(x)`` with zero gradient everywhere."""

    save_inputs = False

    def forward(self, x: np.ndarray) -> np.ndarray:
        return np.sign(x)

    def backward(self, grad: Array) -> Array:
        return grad * 0


def sign(x: Any) -> Array:
    """Elementwise sign (-1, 0 or 1); differentiable with gradient 0.

    Examples
    --------
    >>> import numpygrad as npg
    >>> npg.sign(npg.array([-2.0, 0.0, 3.0]))
    Array([-1.,  0.,  1.])
    """
    return Sign.apply(x)


class Where(Function):
    """``where(condition, a, b)``; the condition gets no gradient."""

    save_inputs = True

    def forward(self, cond: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return np.where(cond, a, b)

    def backward(self, grad: Array) -> tuple[None, Array | None, Array | None]:
        cond = self.inputs[0]
        zero = grad * 0
        return (
            None,
            where(cond, grad, zero) if self.needs_input_grad[1] else None,
            where(cond, zero, grad) if self.needs_input_grad[2] else None,
        )


def where(condition: Any, a: Any, b: Any) -> Array:
    """Choose elements from ``a`` where ``condition`` holds and from ``b`` elsewhere.

    Gradients flow to ``a`` and ``b`` through the elements they contributed.
    Note the "where trap": a masked branch that is ``inf`` or ``nan`` still
    poisons the gradient (``0 * inf = nan``); sanitise its input first.

    Examples
    --------
    >>> import numpygrad as npg
    >>> x = npg.array([-1.0, 2.0], requires_grad=True)
    >>> y = npg.where(x > 0, x, 0.0)
    >>> y.sum().backward()
    >>> x.grad
    Array([0., 1.])
    """
    if not isinstance(condition, Array):
        condition = Array(np.asarray(condition, dtype=bool))
    elif condition.data.dtype != np.bool_:
        condition = Array(condition.data.astype(bool))
    # Lift a and b against each other so Python scalars adopt the Array's dtype.
    if not isinstance(a, Array) and isinstance(b, Array):
        return Where.apply(condition, Array(np.asarray(a, dtype=b.dtype)), b)
    return Where.apply(condition, a, b)


class Maximum(Function):
    """Elementwise maximum; ties split the gradient evenly (PyTorch)."""

    def forward(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return np.maximum(a, b)

    def backward(self, grad: Array) -> tuple[Array | None, Array | None]:
        a, b = self.inputs
        share = (a > b) + (a == b) * 0.5
        share = Array(share.data.astype(grad.dtype))
        return (
            grad * share if self.needs_input_grad[0] else None,
            grad * (1 - share) if self.needs_input_grad[1] else None,
        )


def maximum(a: Any, b: Any) -> Array:
    """Elementwise maximum; at ties each input gets half the gradient.

    Examples
    --------
    >>> import numpygrad as npg
    >>> npg.maximum(npg.array([1.0, 5.0]), 3.0)
    Array([3., 5.])
    """
    return Maximum.apply(a, b)


class Minimum(Function):
    """Elementwise minimum; ties split the gradient evenly (PyTorch)."""

    def forward(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return np.minimum(a, b)

    def backward(self, grad: Array) -> tuple[Array | None, Array | None]:
        a, b = self.inputs
        share = (a < b) + (a == b) * 0.5
        share = Array(share.data.astype(grad.dtype))
        return (
            grad * share if self.needs_input_grad[0] else None,
            grad * (1 - share) if self.needs_input_grad[1] else None,
        )


def minimum(a: Any, b: Any) -> Array:
    """Elementwise minimum; at ties each input gets half the gradient.

    Examples
    --------
    >>> import numpygrad as npg
    >>> npg.minimum(npg.array([1.0, 5.0]), 3.0)
    Array([1., 3.])
    """
    return Minimum.apply(a, b)
