"""Piecewise ops: sign, floor, ceil, round (zero gradient), clip and relu.

Kink conventions follow PyTorch: relu'(0) = 0 and clip's gradient is 1 at
both (inclusive) boundaries. These functions are also exported by
:mod:`numpygrad.ops.elementwise`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from numpygrad._array import Array, _wrap
from numpygrad.autograd.function import Function

__all__ = ["sign", "floor", "ceil", "round", "clip", "clamp", "relu"]


class _ZeroGradient(Function):
    """Base of piecewise-constant ops: differentiable, with gradient 0 everywhere."""

    __slots__ = ()  # stores nothing: no per-node __dict__ (see Function)

    save_inputs = False

    def backward(self, grad: Array) -> Array:
        # Zeros, not grad * 0, so an inf or nan upstream gradient stays out.
        return _wrap(np.zeros_like(grad.data))

    def backward_data(self, grad: np.ndarray) -> np.ndarray:
        return np.zeros_like(grad)


def _sign(x: np.ndarray) -> np.ndarray:
    """PyTorch's sign of a raw array: -1, 0 or 1, and 0 at nan (``np.sign(nan)`` is nan).

    Also the derivative of ``abs`` (PyTorch's ``sgn``), hence 0 at nan there too.
    """
    if x.dtype.kind != "f":
        return np.sign(x)
    # An explicit output keeps 0-d results arrays, so the nan fix-up can assign into it.
    out = np.sign(x, out=np.empty_like(x))
    out[np.isnan(x)] = 0
    return out


class Sign(_ZeroGradient):
    """``sign(x)`` with zero gradient; 0 at nan, like PyTorch."""

    __slots__ = ()  # stores nothing: no per-node __dict__ (see Function)

    def forward(self, x: np.ndarray) -> np.ndarray:
        return _sign(x)


def sign(x: Any) -> Array:
    """Elementwise sign (-1, 0 or 1); differentiable with gradient 0.

    Unlike NumPy's ``sign`` (and like PyTorch's) the sign of nan is 0.

    Examples
    --------
    >>> import numpygrad as npg
    >>> npg.sign(npg.array([-2.0, 0.0, 3.0, npg.nan]))
    Array([-1.,  0.,  1.,  0.])
    """
    return Sign.apply(x)


class Floor(_ZeroGradient):
    """``floor(x)`` with zero gradient; integers pass through unchanged."""

    __slots__ = ()  # stores nothing: no per-node __dict__ (see Function)

    def forward(self, x: np.ndarray) -> np.ndarray:
        return np.floor(x) if x.dtype.kind == "f" else x.copy()


def floor(x: Any) -> Array:
    """Elementwise floor; differentiable with gradient 0.

    Examples
    --------
    >>> import numpygrad as npg
    >>> npg.floor(npg.array([-1.5, 1.5]))
    Array([-2.,  1.])
    """
    return Floor.apply(x)


class Ceil(_ZeroGradient):
    """``ceil(x)`` with zero gradient; integers pass through unchanged."""

    __slots__ = ()  # stores nothing: no per-node __dict__ (see Function)

    def forward(self, x: np.ndarray) -> np.ndarray:
        return np.ceil(x) if x.dtype.kind == "f" else x.copy()


def ceil(x: Any) -> Array:
    """Elementwise ceiling; differentiable with gradient 0.

    Examples
    --------
    >>> import numpygrad as npg
    >>> npg.ceil(npg.array([-1.5, 1.5]))
    Array([-1.,  2.])
    """
    return Ceil.apply(x)


class Round(_ZeroGradient):
    """Round half to even to ``decimals`` places, with zero gradient."""

    def __init__(self, decimals: int = 0) -> None:
        self.decimals = decimals

    def forward(self, x: np.ndarray) -> np.ndarray:
        return np.round(x, self.decimals)


def round(x: Any, decimals: int = 0) -> Array:  # noqa: A001 - NumPy's name
    """Round to ``decimals`` places (halves to even); differentiable with gradient 0.

    :meth:`Array.round` is the non-differentiable method; this function keeps
    the graph, like ``torch.round``.

    Examples
    --------
    >>> import numpygrad as npg
    >>> npg.round(npg.array([0.5, 1.5, 2.567]))
    Array([0., 2., 3.])
    >>> npg.round(npg.array([2.567]), decimals=1)
    Array([2.6])
    """
    return Round.apply(x, decimals=decimals)


class Clip(Function):
    """Clip to constant bounds (Python scalars or None); gradient 1 inside ``[lo, hi]``."""

    def __init__(self, lo: float | None, hi: float | None) -> None:
        self.lo = lo
        self.hi = hi

    def forward(self, x: np.ndarray) -> np.ndarray:
        return np.clip(x, self.lo, self.hi)

    def backward(self, grad: Array) -> Array:
        return grad * _wrap(self._inside())

    def backward_data(self, grad: np.ndarray) -> np.ndarray:
        return np.multiply(grad, self._inside())

    def _inside(self) -> np.ndarray:
        """Where the input lies in ``[lo, hi]`` (the gradient's mask)."""
        x, lo, hi = self.inputs[0].data, self.lo, self.hi
        if lo is None:
            return x <= hi
        if hi is None:
            return x >= lo
        return (x >= lo) & (x <= hi)


class ClipArray(Function):
    """Clip to Array bounds; the bounds get the gradient where they were chosen.

    The inputs are ``x`` followed by the bounds that are present. The masks are
    PyTorch's, including ``lo > hi`` (the result is ``hi``, which gets it all).
    """

    def __init__(self, has_lo: bool, has_hi: bool) -> None:
        self.has_lo = has_lo
        self.has_hi = has_hi

    def forward(self, x: np.ndarray, *bounds: np.ndarray) -> np.ndarray:
        lo = bounds[0] if self.has_lo else None
        hi = bounds[-1] if self.has_hi else None
        return np.clip(x, lo, hi)

    def backward(self, grad: Array) -> tuple[Array | None, ...]:
        return tuple(grad * _wrap(m()) if n else None
                     for m, n in zip(self._masks(), self.needs_input_grad))

    def backward_data(self, grad: np.ndarray) -> tuple[np.ndarray | None, ...]:
        return tuple(np.multiply(grad, m()) if n else None
                     for m, n in zip(self._masks(), self.needs_input_grad))

    def _masks(self) -> tuple[Callable[[], np.ndarray], ...]:
        """One mask per input, as functions: built only for the inputs that need a gradient."""
        x = self.inputs[0].data
        lo = self.inputs[1].data if self.has_lo else None
        hi = self.inputs[-1].data if self.has_hi else None
        if lo is None:
            return (lambda: x <= hi, lambda: x > hi)
        if hi is None:
            return (lambda: x >= lo, lambda: x < lo)
        return (lambda: (x >= lo) & (x <= hi), lambda: (x < lo) & (lo < hi),
                lambda: (x > hi) | (hi < lo))


def _scalar(bound: Any) -> bool:
    return bound is None or isinstance(bound, (int, float, np.generic))


def clip(x: Any, min: Any = None, max: Any = None) -> Array:  # noqa: A002 - torch's names
    """Limit values to ``[min, max]``; either bound may be None, a number or an Array.

    The gradient is 1 inside the interval including both boundaries (as in
    PyTorch) and 0 outside; Array bounds receive the gradient of the elements
    they replaced. ``clamp`` is the same function.

    Examples
    --------
    >>> import numpygrad as npg
    >>> x = npg.array([-1.0, 0.0, 0.5, 1.0, 2.0], requires_grad=True)
    >>> y = npg.clip(x, 0.0, 1.0)
    >>> y
    Array([0. , 0. , 0.5, 1. , 1. ], grad_fn=<Clip>)
    >>> y.sum().backward()
    >>> x.grad
    Array([0., 1., 1., 1., 0.])
    """
    if min is None and max is None:
        raise ValueError("clip: at least one of 'min' or 'max' must not be None")
    if _scalar(min) and _scalar(max):
        # NumPy scalars become Python scalars so they cannot promote float32 data.
        lo = min.item() if isinstance(min, np.generic) else min
        hi = max.item() if isinstance(max, np.generic) else max
        return Clip.apply(x, lo=lo, hi=hi)
    bounds = [b for b in (min, max) if b is not None]
    return ClipArray.apply(x, *bounds, has_lo=min is not None, has_hi=max is not None)


clamp = clip


class Relu(Function):
    """``max(x, 0)``; the gradient at 0 is 0. Backward reads the output.

    PyTorch's rule is "0 where x <= 0, else the upstream gradient", which
    passes the gradient at nan. The output is >= 0 or nan, so the mask
    ``output != 0`` is exactly that rule (``output > 0`` would stop it at nan)
    and costs the same.
    """

    __slots__ = ()  # stores nothing: no per-node __dict__ (see Function)

    save_inputs = False
    save_output = True

    def forward(self, x: np.ndarray) -> np.ndarray:
        return np.maximum(x, 0)

    def backward(self, grad: Array) -> Array:
        return grad * _wrap(self.output.data != 0)

    def backward_data(self, grad: np.ndarray) -> np.ndarray:
        return np.multiply(grad, self.output.data != 0)


def relu(x: Any) -> Array:
    """Rectified linear unit ``max(x, 0)``; its gradient at 0 is 0 (PyTorch).

    As in PyTorch, nan maps to nan and passes the upstream gradient (the
    gradient is 0 only where ``x <= 0``).

    Examples
    --------
    >>> import numpygrad as npg
    >>> x = npg.array([-1.0, 0.0, 2.0, npg.nan], requires_grad=True)
    >>> npg.relu(x).sum().backward()
    >>> x.grad
    Array([0., 0., 1., 1.])
    """
    return Relu()._call((x,))  # the node, called directly: a hot function
