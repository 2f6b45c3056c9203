"""Elementwise math: exp, log, sqrt, square, abs, where, maximum, logaddexp, ...

Each op is a node class with ``forward`` and ``backward`` side by side and its
public function beside it. Backward formulas use numpygrad operations so that
``create_graph=True`` can differentiate them again.

To keep files short, the trigonometric functions and the sigmoid live in
:mod:`numpygrad.ops.trig` and the piecewise ops (sign, floor, ceil, round,
clip, relu) in :mod:`numpygrad.ops.piecewise`; they are re-exported here, so
this module's namespace is the whole elementwise family.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from numpygrad._array import Array, _wrap
from numpygrad._dtype import as_floating
from numpygrad._quiet import quiet
from numpygrad.autograd.function import Function, lift

__all__ = [
    "exp", "log", "log1p", "expm1", "sqrt", "square", "reciprocal", "abs", "where",
    "maximum", "minimum", "logaddexp",
    "sign", "floor", "ceil", "round", "clip", "clamp", "relu",
    "sin", "cos", "tan", "tanh", "sigmoid",
]

# log, sqrt, reciprocal and log1p meet poles on purpose (inf and nan are the
# correct IEEE results, as in PyTorch), so only those silence the warnings.


class Exp(Function):
    """``exp(x)``; backward reuses the output.

    Examples
    --------
    >>> import numpygrad as npg
    >>> from numpygrad import functions as F
    >>> F.Exp()(npg.array([0.0, 1.0]))
    Array([1.      , 2.718282])
    """

    __slots__ = ()  # stores nothing: no per-node __dict__ (see Function)

    save_inputs = False
    save_output = True

    @quiet(over="ignore", under="ignore")  # exp(89) is inf in float32
    def forward(self, x: np.ndarray) -> np.ndarray:
        """Return ``exp(x)`` of the raw ndarray (integers give the default float dtype).

        Examples
        --------
        >>> import numpy as np
        >>> import numpygrad as npg
        >>> from numpygrad import functions as F
        >>> F.Exp().forward(np.array([0.0, 1.0]))
        array([1.        , 2.71828183])
        """
        return np.exp(as_floating(x))

    def backward(self, grad: Array) -> Array:
        """Return ``grad * exp(x)``, read from the saved output.

        Examples
        --------
        >>> import numpygrad as npg
        >>> from numpygrad import functions as F
        >>> x = npg.array([0.0, 1.0], requires_grad=True)
        >>> F.Exp()(x).sum().backward()
        >>> x.grad
        Array([1.      , 2.718282])
        """
        return grad * self.output

    def backward_data(self, grad: np.ndarray) -> np.ndarray:
        return grad * self.output.data


def exp(x: Any) -> Array:
    """Elementwise exponential.

    Examples
    --------
    >>> import numpygrad as npg
    >>> npg.exp(npg.array([0.0, 1.0]))
    Array([1.      , 2.718282])
    """
    return Exp()._call((x,))  # the node, called directly: a hot function


class Expm1(Function):
    """``exp(x) - 1``, accurate near 0; backward reuses the output."""

    __slots__ = ()  # stores nothing: no per-node __dict__ (see Function)

    save_inputs = False
    save_output = True

    @quiet(over="ignore")
    def forward(self, x: np.ndarray) -> np.ndarray:
        return np.expm1(as_floating(x))

    def backward(self, grad: Array) -> Array:
        return grad * (self.output + 1)

    def backward_data(self, grad: np.ndarray) -> np.ndarray:
        return grad * (self.output.data + 1)


def expm1(x: Any) -> Array:
    """Elementwise ``exp(x) - 1``, accurate for small ``x``.

    Examples
    --------
    >>> import numpygrad as npg
    >>> npg.expm1(npg.array([0.0, 1e-10], dtype="float64"))
    Array([0.e+00, 1.e-10], dtype=float64)
    """
    return Expm1.apply(x)


class Log(Function):
    """Natural logarithm; ``log(0) = -inf`` and ``log(-1) = nan`` silently.

    Examples
    --------
    >>> import numpygrad as npg
    >>> from numpygrad import functions as F
    >>> F.Log()(npg.array([1.0, 0.0]))
    Array([  0., -inf])
    """

    __slots__ = ()  # stores nothing: no per-node __dict__ (see Function)

    @quiet(all="ignore")
    def forward(self, x: np.ndarray) -> np.ndarray:
        """Return ``log(x)`` of the raw ndarray.

        Examples
        --------
        >>> import numpy as np
        >>> import numpygrad as npg
        >>> from numpygrad import functions as F
        >>> F.Log().forward(np.array([1.0, np.e]))
        array([0., 1.])
        """
        return np.log(as_floating(x))

    def backward(self, grad: Array) -> Array:
        """Return ``grad / x``.

        Examples
        --------
        >>> import numpygrad as npg
        >>> from numpygrad import functions as F
        >>> x = npg.array([1.0, 4.0], requires_grad=True)
        >>> F.Log()(x).sum().backward()
        >>> x.grad
        Array([1.  , 0.25])
        """
        return grad / self.inputs[0]

    @quiet(all="ignore")  # as Div: a zero input gives inf or nan silently
    def backward_data(self, grad: np.ndarray) -> np.ndarray:
        return grad / self.inputs[0].data


def log(x: Any) -> Array:
    """Elementwise natural logarithm.

    Examples
    --------
    >>> import numpygrad as npg
    >>> npg.log(npg.array([1.0, 0.0]))
    Array([  0., -inf])
    """
    return Log()._call((x,))  # the node, called directly: a hot function


class Log1p(Function):
    """``log(1 + x)``, accurate near 0; ``log1p(-1) = -inf`` silently."""

    __slots__ = ()  # stores nothing: no per-node __dict__ (see Function)

    @quiet(all="ignore")
    def forward(self, x: np.ndarray) -> np.ndarray:
        return np.log1p(as_floating(x))

    def backward(self, grad: Array) -> Array:
        return grad / (self.inputs[0] + 1)

    @quiet(all="ignore")  # as Div: x = -1 gives inf silently (x + 1 cannot warn)
    def backward_data(self, grad: np.ndarray) -> np.ndarray:
        return grad / (self.inputs[0].data + 1)


def log1p(x: Any) -> Array:
    """Elementwise ``log(1 + x)``, accurate for small ``x``.

    Examples
    --------
    >>> import numpygrad as npg
    >>> npg.log1p(npg.array([-1.0, 0.0]))
    Array([-inf,   0.])
    """
    return Log1p.apply(x)


class Sqrt(Function):
    """Square root; backward reuses the output.

    Examples
    --------
    >>> import numpygrad as npg
    >>> from numpygrad import functions as F
    >>> F.Sqrt()(npg.array([4.0, 9.0]))
    Array([2., 3.])
    """

    __slots__ = ()  # stores nothing: no per-node __dict__ (see Function)

    save_inputs = False
    save_output = True

    @quiet(all="ignore")
    def forward(self, x: np.ndarray) -> np.ndarray:
        """Return ``sqrt(x)`` of the raw ndarray (nan for negatives, silently).

        Examples
        --------
        >>> import numpy as np
        >>> import numpygrad as npg
        >>> from numpygrad import functions as F
        >>> F.Sqrt().forward(np.array([4.0, 9.0]))
        array([2., 3.])
        """
        return np.sqrt(as_floating(x))

    def backward(self, grad: Array) -> Array:
        """Return ``grad / (2 * sqrt(x))``, read from the saved output.

        Examples
        --------
        >>> import numpygrad as npg
        >>> from numpygrad import functions as F
        >>> x = npg.array([1.0, 4.0], requires_grad=True)
        >>> F.Sqrt()(x).sum().backward()
        >>> x.grad
        Array([0.5 , 0.25])
        """
        return grad / (2 * self.output)

    @quiet(all="ignore")  # as Div: sqrt(0) = 0 gives inf silently
    def backward_data(self, grad: np.ndarray) -> np.ndarray:
        out = self.output.data
        return grad / (out + out)


def sqrt(x: Any) -> Array:
    """Elementwise square root.

    Examples
    --------
    >>> import numpygrad as npg
    >>> npg.sqrt(npg.array([4.0, 9.0]))
    Array([2., 3.])
    """
    return Sqrt.apply(x)


class Square(Function):
    """``x * x``."""

    __slots__ = ()  # stores nothing: no per-node __dict__ (see Function)

    def forward(self, x: np.ndarray) -> np.ndarray:
        return x * x

    def backward(self, grad: Array) -> Array:
        return grad * (2 * self.inputs[0])

    def backward_data(self, grad: np.ndarray) -> np.ndarray:
        x = self.inputs[0].data
        return grad * (x + x)


def square(x: Any) -> Array:
    """Elementwise square.

    Examples
    --------
    >>> import numpygrad as npg
    >>> npg.square(npg.array([-2.0, 3.0]))
    Array([4., 9.])
    """
    return Square.apply(x)


class Reciprocal(Function):
    """``1 / x``; ``1 / 0 = inf`` silently. Backward reuses the output."""

    __slots__ = ()  # stores nothing: no per-node __dict__ (see Function)

    save_inputs = False
    save_output = True

    @quiet(divide="ignore")
    def forward(self, x: np.ndarray) -> np.ndarray:
        return 1 / as_floating(x)

    def backward(self, grad: Array) -> Array:
        out = self.output
        return -grad * (out * out)

    def backward_data(self, grad: np.ndarray) -> np.ndarray:
        o = self.output.data
        return np.negative(grad) * (o * o)


def reciprocal(x: Any) -> Array:
    """Elementwise ``1 / x``.

    Examples
    --------
    >>> import numpygrad as npg
    >>> npg.reciprocal(npg.array([2.0, 0.0]))
    Array([0.5, inf])
    """
    return Reciprocal.apply(x)


class Abs(Function):
    """``|x|``; the gradient is ``sign(x)``: 0 at 0 and at nan (PyTorch's ``sgn``)."""

    __slots__ = ()  # stores nothing: no per-node __dict__ (see Function)

    def forward(self, x: np.ndarray) -> np.ndarray:
        return np.abs(x)

    def backward(self, grad: Array) -> Array:
        # sign(x) is piecewise constant, so a constant keeps create_graph exact.
        # PyTorch's sign, not np.sign: the gradient at nan is 0, not nan.
        return grad * _wrap(_sign(self.inputs[0].data))

    def backward_data(self, grad: np.ndarray) -> np.ndarray:
        return grad * _sign(self.inputs[0].data)


def abs(x: Any) -> Array:  # noqa: A001 - NumPy's name
    """Elementwise absolute value; its gradient at 0 (and at nan) is 0, as in PyTorch.

    Examples
    --------
    >>> import numpygrad as npg
    >>> npg.abs(npg.array([-2.0, 0.0, 3.0]))
    Array([2., 0., 3.])
    """
    return Abs.apply(x)


class Where(Function):
    """``where(condition, a, b)``; the condition gets no gradient."""

    __slots__ = ()  # stores nothing: no per-node __dict__ (see Function)

    def forward(self, cond: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return np.where(cond, a, b)

    def backward(self, grad: Array) -> tuple[None, Array | None, Array | None]:
        cond = self.inputs[0]
        # A 0-d zero (not grad * 0) so an inf in grad cannot turn into nan.
        zero = _wrap(np.zeros((), dtype=grad.data.dtype))
        return (
            None,
            where(cond, grad, zero) if self.needs_input_grad[1] else None,
            where(cond, zero, grad) if self.needs_input_grad[2] else None,
        )

    def backward_data(self, grad: np.ndarray) -> tuple[None, np.ndarray | None, np.ndarray | None]:
        cond = self.inputs[0].data
        zero = np.zeros((), dtype=grad.dtype)
        return (
            None,
            np.where(cond, grad, zero) if self.needs_input_grad[1] else None,
            np.where(cond, zero, grad) if self.needs_input_grad[2] else None,
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
        condition = _wrap(np.asarray(condition, dtype=bool))
    elif condition.data.dtype != np.bool_:
        condition = _wrap(condition.data.astype(bool))
    # Lift a and b against each other so Python scalars adopt the Array's dtype.
    a, b = lift((a, b))
    return Where.apply(condition, a, b)


def _share(loses: np.ndarray, ties: np.ndarray, dtype: Any) -> np.ndarray:
    """One operand's share of the gradient of maximum / minimum (PyTorch's rule).

    0 where the operand lost, 0.5 at ties, 1 elsewhere: where it won, and also
    where either operand is nan (then the result is nan and, as in PyTorch,
    both operands get the full gradient).
    """
    share = np.asarray(np.logical_not(loses), dtype=dtype)  # an array even for 0-d inputs
    share[ties] = 0.5
    return share


class Maximum(Function):
    """Elementwise maximum; ties split the gradient evenly (PyTorch).

    Where an input is nan the result is nan and both inputs get the gradient.
    """

    __slots__ = ()  # stores nothing: no per-node __dict__ (see Function)

    def forward(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return np.maximum(a, b)

    def backward(self, grad: Array) -> tuple[Array | None, Array | None]:
        # The shares are piecewise constant: constants keep create_graph exact.
        a, b = self.inputs[0].data, self.inputs[1].data
        ties, dtype = a == b, grad.data.dtype
        return (
            grad * _wrap(_share(a < b, ties, dtype)) if self.needs_input_grad[0] else None,
            grad * _wrap(_share(a > b, ties, dtype)) if self.needs_input_grad[1] else None,
        )

    def backward_data(self, grad: np.ndarray) -> tuple[np.ndarray | None, np.ndarray | None]:
        a, b = self.inputs[0].data, self.inputs[1].data
        ties, dtype = a == b, grad.dtype
        return (
            grad * _share(a < b, ties, dtype) if self.needs_input_grad[0] else None,
            grad * _share(a > b, ties, dtype) if self.needs_input_grad[1] else None,
        )


def maximum(a: Any, b: Any) -> Array:
    """Elementwise maximum; at ties each input gets half the gradient.

    A nan in either input makes the result nan (NumPy and PyTorch agree) and,
    as in PyTorch, gives both inputs the full gradient there.

    Examples
    --------
    >>> import numpygrad as npg
    >>> npg.maximum(npg.array([1.0, 5.0]), 3.0)
    Array([3., 5.])
    """
    return Maximum.apply(a, b)


class Minimum(Function):
    """Elementwise minimum; ties split the gradient evenly (PyTorch).

    Where an input is nan the result is nan and both inputs get the gradient.
    """

    __slots__ = ()  # stores nothing: no per-node __dict__ (see Function)

    def forward(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return np.minimum(a, b)

    def backward(self, grad: Array) -> tuple[Array | None, Array | None]:
        # The shares are piecewise constant: constants keep create_graph exact.
        a, b = self.inputs[0].data, self.inputs[1].data
        ties, dtype = a == b, grad.data.dtype
        return (
            grad * _wrap(_share(a > b, ties, dtype)) if self.needs_input_grad[0] else None,
            grad * _wrap(_share(a < b, ties, dtype)) if self.needs_input_grad[1] else None,
        )

    def backward_data(self, grad: np.ndarray) -> tuple[np.ndarray | None, np.ndarray | None]:
        a, b = self.inputs[0].data, self.inputs[1].data
        ties, dtype = a == b, grad.dtype
        return (
            grad * _share(a > b, ties, dtype) if self.needs_input_grad[0] else None,
            grad * _share(a < b, ties, dtype) if self.needs_input_grad[1] else None,
        )


def minimum(a: Any, b: Any) -> Array:
    """Elementwise minimum; at ties each input gets half the gradient.

    A nan in either input makes the result nan (NumPy and PyTorch agree) and,
    as in PyTorch, gives both inputs the full gradient there.

    Examples
    --------
    >>> import numpygrad as npg
    >>> npg.minimum(npg.array([1.0, 5.0]), 3.0)
    Array([1., 3.])
    """
    return Minimum.apply(a, b)


class LogAddExp(Function):
    """``log(exp(a) + exp(b))`` without overflow; NumPy's ``logaddexp`` is stable."""

    __slots__ = ()  # stores nothing: no per-node __dict__ (see Function)

    def forward(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return np.logaddexp(as_floating(a), as_floating(b))

    def backward(self, grad: Array) -> tuple[Array | None, Array | None]:
        # d/da = exp(a - out) = sigmoid(a - b): bounded, so large inputs stay finite.
        a, b = self.inputs
        d = a - b
        return (
            grad * sigmoid(d) if self.needs_input_grad[0] else None,
            grad * sigmoid(-d) if self.needs_input_grad[1] else None,
        )

    def backward_data(self, grad: np.ndarray) -> tuple[np.ndarray | None, np.ndarray | None]:
        d = self.inputs[0].data - self.inputs[1].data
        sig = Sigmoid().forward  # sigmoid's own formula (overflow silenced), unrecorded
        return (
            grad * sig(d) if self.needs_input_grad[0] else None,
            grad * sig(-d) if self.needs_input_grad[1] else None,
        )


def logaddexp(a: Any, b: Any) -> Array:
    """Elementwise ``log(exp(a) + exp(b))``, stable for large inputs.

    Examples
    --------
    >>> import numpygrad as npg
    >>> npg.logaddexp(npg.array([1e4, 0.0]), npg.array([1e4, 0.0]))
    Array([1.0000693e+04, 6.9314718e-01])
    """
    return LogAddExp.apply(a, b)


# These ops live in their own modules (files stay short) but belong to this
# module's namespace: numpygrad.<name>, Array methods and older imports use it.
from numpygrad.ops.piecewise import _sign, ceil, clamp, clip, floor, relu, round, sign  # noqa: E402
from numpygrad.ops.trig import Sigmoid, cos, sigmoid, sin, tan, tanh  # noqa: E402
