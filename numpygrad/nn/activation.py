"""Activation functions and their module forms.

``leaky_relu``, ``elu``, ``gelu``, ``silu`` and ``softplus`` are nodes of their
own (one node per call keeps the training step cheap); each backward is
written with numpygrad operations, so ``create_graph=True`` differentiates
them again. ``relu``, ``sigmoid``, ``tanh``, ``softmax`` and ``log_softmax`` are
re-exported from :mod:`numpygrad.ops`.

NumPy has no ``erf``, which the exact GELU needs: :func:`_erf` implements
W. J. Cody's rational Chebyshev approximations (Math. Comp. 23, 1969), the
algorithm behind SPECFUN's ``CALERF``, accurate to about 1e-16 in float64.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from numpygrad._array import Array, _wrap
from numpygrad._quiet import quiet
from numpygrad.autograd.function import Function
from numpygrad.autograd.grad_mode import is_grad_enabled
from numpygrad.nn._erf import _erf
from numpygrad.nn.module import Module
from numpygrad.ops.activation import log_softmax, softmax
from numpygrad.ops.elementwise import Exp, exp, relu, sigmoid, tanh, where

__all__ = [
    "relu", "leaky_relu", "elu", "gelu", "silu", "softplus", "sigmoid", "tanh", "softmax",
    "log_softmax", "ReLU", "LeakyReLU", "ELU", "GELU", "SiLU", "Softplus", "Sigmoid", "Tanh",
    "Softmax", "LogSoftmax",
]

_SQRT2 = math.sqrt(2.0)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_GELU_K = math.sqrt(2.0 / math.pi)
_GELU_C = 0.044715


def _normal_cdf(x: np.ndarray) -> np.ndarray:
    """Phi(x) = (1 + erf(x / sqrt 2)) / 2, computed in float64, in the input's dtype."""
    return (0.5 * (1.0 + _erf(x / _SQRT2))).astype(x.dtype, copy=False)


def _normal_pdf(x: Array) -> Array:
    """phi(x) of an Array, differentiably."""
    return exp(x * x * -0.5) * _INV_SQRT_2PI


def _gelu_slope(x: np.ndarray, cdf: np.ndarray) -> np.ndarray:
    """GELU's derivative ``Phi(x) + x phi(x)`` of raw arrays, in the input's dtype.

    At +-inf this is inf * 0 = nan, PyTorch's value, and silent like PyTorch.
    """
    with np.errstate(under="ignore", over="ignore", invalid="ignore"):
        pdf = np.exp(-0.5 * x * x) * _INV_SQRT_2PI
        return (cdf + x * pdf).astype(x.dtype, copy=False)


class NormalCdfOp(Function):
    """The standard normal CDF; a node so GELU's gradient is differentiable again."""

    __slots__ = ()  # stores nothing: no per-node __dict__ (see Function)

    save_inputs = True

    def forward(self, x: np.ndarray) -> np.ndarray:
        return _normal_cdf(x)

    def backward(self, grad: Array) -> Array:
        return grad * _normal_pdf(self.inputs[0])

    def backward_data(self, grad: np.ndarray) -> np.ndarray:
        x = self.inputs[0].data
        return np.asarray(grad * (Exp().forward(x * x * -0.5) * _INV_SQRT_2PI))


class LeakyReluOp(Function):
    """``x`` where ``x > 0``, else ``negative_slope * x`` (slope at 0, like PyTorch)."""

    def __init__(self, negative_slope: float) -> None:
        self.negative_slope = negative_slope

    def forward(self, x: np.ndarray) -> np.ndarray:
        self.positive = x > 0
        return np.where(self.positive, x, x * x.dtype.type(self.negative_slope))

    def backward(self, grad: Array) -> Array:
        # The derivative is piecewise constant: a constant factor, fine for create_graph too.
        dt = self.inputs[0].dtype
        return grad * _wrap(np.where(self.positive, dt.type(1), dt.type(self.negative_slope)))

    def backward_data(self, grad: np.ndarray) -> np.ndarray:
        dt = self.inputs[0].data.dtype
        return np.asarray(grad * np.where(self.positive, dt.type(1),
                                          dt.type(self.negative_slope)))


def leaky_relu(x: Any, negative_slope: float = 0.01) -> Array:
    """Leaky rectifier: ``x`` for ``x > 0``, ``negative_slope * x`` otherwise.

    Examples
    --------
    >>> import numpygrad as npg
    >>> from numpygrad.nn.activation import leaky_relu
    >>> leaky_relu(npg.array([-2.0, 0.0, 3.0]), 0.1)
    Array([-0.2,  0. ,  3. ])
    """
    return LeakyReluOp.apply(x, negative_slope=float(negative_slope))


class EluOp(Function):
    """``alpha * (exp(x) - 1)`` for ``x <= 0``, ``x`` otherwise."""

    def __init__(self, alpha: float) -> None:
        self.alpha = alpha

    def forward(self, x: np.ndarray) -> np.ndarray:
        with np.errstate(under="ignore"):
            neg = np.expm1(np.minimum(x, 0)) * x.dtype.type(self.alpha)
        return np.where(x > 0, x, neg)

    def backward(self, grad: Array) -> Array:
        x = self.inputs[0]
        # PyTorch's test is x <= 0 (not "not x > 0"): nan takes the linear branch, gradient 1.
        nonpositive = x.data <= 0
        # Double where: exp sees only the non-positive part, so large x cannot overflow.
        safe = where(nonpositive, x, 0)
        return grad * where(nonpositive, exp(safe) * self.alpha, 1)

    def backward_data(self, grad: np.ndarray) -> np.ndarray:
        x = self.inputs[0].data
        nonpositive = x <= 0
        e = Exp().forward(np.where(nonpositive, x, 0))
        return np.asarray(grad * np.where(nonpositive, e * self.alpha, 1))


def elu(x: Any, alpha: float = 1.0) -> Array:
    """Exponential linear unit: ``x`` for ``x > 0``, ``alpha * (exp(x) - 1)`` otherwise.

    At nan the output is nan and, as in PyTorch, the gradient is 1 (the
    exponential branch is taken only where ``x <= 0``).

    Examples
    --------
    >>> import numpygrad as npg
    >>> from numpygrad.nn.activation import elu
    >>> elu(npg.array([-1e4, 0.0, 2.0]))
    Array([-1.,  0.,  2.])
    """
    return EluOp.apply(x, alpha=float(alpha))


class GeluOp(Function):
    """GELU, exact (``x * Phi(x)``) or with PyTorch's tanh approximation."""

    def __init__(self, approximate: str) -> None:
        self.approximate = approximate

    def forward(self, x: np.ndarray) -> np.ndarray:
        # At -inf both forms are -inf * 0 = nan (PyTorch's value, given silently like PyTorch);
        # x^3 may overflow to inf, where tanh is 1 anyway.
        if self.approximate == "tanh":
            with np.errstate(over="ignore", invalid="ignore"):
                self.t = np.tanh(_GELU_K * (x + _GELU_C * x * x * x))
                return 0.5 * x * (1 + self.t)
        self.cdf = _normal_cdf(x)
        with np.errstate(invalid="ignore"):
            return x * self.cdf

    def backward(self, grad: Array) -> Array:
        x = self.inputs[0]
        if self.approximate == "tanh":
            # d/dx = (1 + t)/2 + x (1 - t^2) k (1 + 3 c x^2) / 2; at +-inf x (1 - t^2) is
            # inf * 0 = nan, PyTorch's value, silenced like the overflow of x^2.
            with np.errstate(over="ignore", invalid="ignore"):
                t = tanh((x + x * x * x * _GELU_C) * _GELU_K)
                return grad * ((1 + t) * 0.5 + x * (1 - t * t) * (1 + x * x * (3 * _GELU_C))
                               * (0.5 * _GELU_K))
        # Phi as a node keeps the second derivative.
        with np.errstate(over="ignore", invalid="ignore"):  # +-inf * phi(+-inf): nan
            return grad * (NormalCdfOp.apply(x) + x * _normal_pdf(x))

    def backward_data(self, grad: np.ndarray) -> np.ndarray:
        xd = self.inputs[0].data
        if self.approximate == "tanh":  # (the formula of backward, with forward's t)
            t = self.t
            with np.errstate(over="ignore", invalid="ignore"):
                return grad * ((1 + t) * 0.5 + xd * (1 - t * t)
                               * (1 + xd * xd * (3 * _GELU_C)) * (0.5 * _GELU_K))
        return grad * _gelu_slope(xd, self.cdf)


def gelu(x: Any, approximate: str = "none") -> Array:
    """Gaussian error linear unit ``x * Phi(x)``.

    Parameters
    ----------
    approximate : {'none', 'tanh'}
        ``'none'`` uses the exact normal CDF (an accurate float64 erf);
        ``'tanh'`` uses ``0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))``.

    Examples
    --------
    >>> import numpygrad as npg
    >>> from numpygrad.nn.activation import gelu
    >>> gelu(npg.array([-1.0, 0.0, 1.0]))
    Array([-0.15865526,  0.        ,  0.8413447 ])
    """
    if approximate not in ("none", "tanh"):
        raise ValueError(f"approximate argument must be either none or tanh, got {approximate!r}")
    return GeluOp.apply(x, approximate=approximate)


class SiluOp(Function):
    """``x * sigmoid(x)``."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        with np.errstate(over="ignore", under="ignore", invalid="ignore"):
            # exp(-|x|) never overflows; the two branches give sigmoid(x) without inf/inf.
            e = np.exp(-np.abs(x))
            self.s = np.where(x >= 0, 1 / (1 + e), e / (1 + e))
            # -inf * sigmoid(-inf) = -inf * 0 = nan: PyTorch's value, silent like PyTorch.
            return x * self.s

    def backward(self, grad: Array) -> Array:
        x = self.inputs[0]
        # At +inf x (1 - s) is inf * 0 and at -inf s (1 + x (1 - s)) is 0 * -inf: nan,
        # PyTorch's value, silenced (PyTorch gives no warning).
        with np.errstate(invalid="ignore"):
            s = sigmoid(x)
            return grad * (s * (1 + x * (1 - s)))

    def backward_data(self, grad: np.ndarray) -> np.ndarray:
        xd, s = self.inputs[0].data, self.s  # (backward's formula, with forward's sigmoid)
        with np.errstate(invalid="ignore"):
            return grad * (s * (1 + xd * (1 - s)))


def silu(x: Any) -> Array:
    """Sigmoid linear unit (swish): ``x * sigmoid(x)``.

    Examples
    --------
    >>> import numpygrad as npg
    >>> from numpygrad.nn.activation import silu
    >>> silu(npg.array([-1e4, 0.0, 1e4]))
    Array([   -0.,     0., 10000.])
    """
    return SiluOp.apply(x)


class SoftplusOp(Function):
    """``log(1 + exp(beta x)) / beta``, linear above ``threshold`` like PyTorch."""

    def __init__(self, beta: float, threshold: float) -> None:
        self.beta = beta
        self.threshold = threshold

    def forward(self, x: np.ndarray) -> np.ndarray:
        bx = x * x.dtype.type(self.beta)
        self.linear = bx > self.threshold
        with np.errstate(under="ignore", over="ignore"):
            # log1p(exp(-|z|)) + max(z, 0) is log(1 + exp(z)) without overflow.
            soft = (np.log1p(np.exp(-np.abs(bx))) + np.maximum(bx, 0)) / x.dtype.type(self.beta)
        return np.where(self.linear, x, soft)

    def backward(self, grad: Array) -> Array:
        if is_grad_enabled():  # create_graph: sigmoid as an op, differentiable again
            return grad * where(_wrap(self.linear), 1, sigmoid(self.inputs[0] * self.beta))
        return self._backward_unrecorded(grad)  # a direct call: the first-order formula

    def backward_data(self, grad: np.ndarray) -> np.ndarray:
        return np.asarray(grad * self._slope())

    @quiet(under="ignore")
    def _slope(self) -> np.ndarray:
        """The first-order derivative: ``sigmoid(beta x)``, 1 where linear.

        sigmoid(bx) as z / (1 + z) with z = exp(-|bx|): keeps tiny values such as
        3.8e-44 at bx = -100 in float32 (PyTorch's value) and never overflows.
        """
        x = self.inputs[0].data
        bx = x * x.dtype.type(self.beta)
        z = np.exp(-np.abs(bx))
        s = np.where(bx >= 0, 1 / (1 + z), z / (1 + z))
        return np.where(self.linear, x.dtype.type(1), s)


def softplus(x: Any, beta: float = 1.0, threshold: float = 20.0) -> Array:
    """Smooth rectifier ``log(1 + exp(beta * x)) / beta``; ``x`` where ``beta * x > threshold``.

    Stable for any input: ``softplus(-1e4) = 0`` and ``softplus(1e4) = 1e4``, with
    gradients 0 and 1.

    Examples
    --------
    >>> import numpygrad as npg
    >>> from numpygrad.nn.activation import softplus
    >>> softplus(npg.array([-1e4, 0.0, 1e4]))
    Array([0.000000e+00, 6.931472e-01, 1.000000e+04])
    """
    return SoftplusOp.apply(x, beta=float(beta), threshold=float(threshold))


# --------------------------------------------------------------------------- modules
class _Activation(Module):
    """Shared body of the parameter-free activation modules.

    ``__init__`` stores the options in order (shown by ``repr``, passed to
    ``_fn`` after the input). ``inplace`` is accepted where PyTorch has it; the
    result is always a new array.
    """

    def __init__(self, **options: Any) -> None:
        super().__init__()
        self._options = tuple(options)
        for name, value in options.items():
            setattr(self, name, value)

    def forward(self, x: Array) -> Array:
        """Apply the activation elementwise (always returning a new array).

        Examples
        --------
        >>> import numpygrad as npg
        >>> from numpygrad import nn
        >>> nn.LeakyReLU(0.5)(npg.array([-2.0, 0.0, 3.0])).tolist()
        [-1.0, 0.0, 3.0]
        """
        return type(self)._fn(x, *(getattr(self, n) for n in self._options if n != "inplace"))

    def extra_repr(self) -> str:
        """Return the layer's options as shown by ``repr`` (``inplace`` is left out).

        Examples
        --------
        >>> import numpygrad as npg
        >>> from numpygrad import nn
        >>> nn.ELU(alpha=0.5).extra_repr()
        'alpha=0.5'
        >>> nn.ReLU()
        ReLU()
        """
        return ", ".join(f"{n}={getattr(self, n)!r}" for n in self._options if n != "inplace")


class ReLU(_Activation):
    """Rectified linear unit ``max(x, 0)`` (gradient 0 at 0).

    Examples
    --------
    >>> import numpygrad as npg
    >>> from numpygrad.nn.activation import ReLU
    >>> ReLU()(npg.array([-1.0, 2.0]))
    Array([0., 2.])
    """

    _fn = relu

    def __init__(self, inplace: bool = False) -> None:
        super().__init__(inplace=inplace)


class LeakyReLU(_Activation):
    """Leaky rectifier with slope ``negative_slope`` for negative inputs.

    Examples
    --------
    >>> import numpygrad as npg
    >>> from numpygrad.nn.activation import LeakyReLU
    >>> LeakyReLU(0.2)(npg.array([-1.0, 2.0]))
    Array([-0.2,  2. ])
    """

    _fn = leaky_relu

    def __init__(self, negative_slope: float = 0.01, inplace: bool = False) -> None:
        super().__init__(negative_slope=negative_slope, inplace=inplace)


class ELU(_Activation):
    """Exponential linear unit with scale ``alpha`` for negative inputs.

    Examples
    --------
    >>> import numpygrad as npg
    >>> from numpygrad.nn.activation import ELU
    >>> ELU(alpha=2.0)(npg.array([-1e4, 1.0]))
    Array([-2.,  1.])
    """

    _fn = elu

    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        super().__init__(alpha=alpha, inplace=inplace)


class GELU(_Activation):
    """Gaussian error linear unit, exact (``'none'``) or tanh-approximated (``'tanh'``).

    Examples
    --------
    >>> import numpygrad as npg
    >>> from numpygrad.nn.activation import GELU
    >>> GELU(approximate="tanh")(npg.array([0.0, 10.0]))
    Array([ 0., 10.])
    """

    _fn = gelu

    def __init__(self, approximate: str = "none") -> None:
        if approximate not in ("none", "tanh"):
            raise ValueError(f"approximate argument must be either none or tanh, got "
                             f"{approximate!r}")
        super().__init__(approximate=approximate)


class SiLU(_Activation):
    """Sigmoid linear unit ``x * sigmoid(x)``.

    Examples
    --------
    >>> import numpygrad as npg
    >>> from numpygrad.nn.activation import SiLU
    >>> SiLU()(npg.array([0.0]))
    Array([0.])
    """

    _fn = silu

    def __init__(self, inplace: bool = False) -> None:
        super().__init__(inplace=inplace)


class Softplus(_Activation):
    """Smooth rectifier ``log(1 + exp(beta x)) / beta``, linear above ``threshold``.

    Examples
    --------
    >>> import numpygrad as npg
    >>> from numpygrad.nn.activation import Softplus
    >>> Softplus(beta=2.0)(npg.array([100.0]))
    Array([100.])
    """

    _fn = softplus

    def __init__(self, beta: float = 1.0, threshold: float = 20.0) -> None:
        super().__init__(beta=beta, threshold=threshold)


class Sigmoid(_Activation):
    """Logistic sigmoid ``1 / (1 + exp(-x))``, stable for any input.

    Examples
    --------
    >>> import numpygrad as npg
    >>> from numpygrad.nn.activation import Sigmoid
    >>> Sigmoid()(npg.array([0.0]))
    Array([0.5])
    """

    _fn = sigmoid


class Tanh(_Activation):
    """Hyperbolic tangent.

    Examples
    --------
    >>> import numpygrad as npg
    >>> from numpygrad.nn.activation import Tanh
    >>> Tanh()(npg.array([0.0]))
    Array([0.])
    """

    _fn = tanh


class Softmax(_Activation):
    """Softmax along ``dim``: non-negative values summing to 1.

    ``dim=None`` follows PyTorch's deprecated implicit choice (with its warning).

    Examples
    --------
    >>> import numpygrad as npg
    >>> from numpygrad.nn.activation import Softmax
    >>> Softmax(dim=-1)(npg.array([[0.0, 0.0]]))
    Array([[0.5, 0.5]])
    """

    _fn = softmax

    def __init__(self, dim: int | None = None) -> None:
        super().__init__(dim=dim)

    def forward(self, x: Array) -> Array:
        """Apply the function along ``dim``.

        With ``dim=None`` a :class:`UserWarning` is issued and the axis is chosen as
        PyTorch does (0 for 0-, 1- and 3-D input, else 1).

        Examples
        --------
        >>> import numpygrad as npg
        >>> from numpygrad import nn
        >>> nn.Softmax(dim=1)(npg.zeros((2, 4))).tolist()
        [[0.25, 0.25, 0.25, 0.25], [0.25, 0.25, 0.25, 0.25]]
        >>> nn.LogSoftmax(dim=0)(npg.zeros(2)).round(4)
        Array([-0.6931, -0.6931])
        """
        dim = self.dim
        if dim is None:
            warnings.warn(f"Implicit dimension choice for {type(self)._fn.__name__} has been "
                          "deprecated. Change the call to include dim=X as an argument.",
                          UserWarning, stacklevel=2)
            dim = 0 if x.ndim in (0, 1, 3) else 1
        return type(self)._fn(x, dim)


class LogSoftmax(Softmax):
    """Log of the softmax along ``dim``, computed stably.

    Examples
    --------
    >>> import numpygrad as npg
    >>> from numpygrad.nn.activation import LogSoftmax
    >>> LogSoftmax(dim=1)(npg.array([[1e4, 0.0]]))
    Array([[     0., -10000.]])
    """

    _fn = log_softmax
