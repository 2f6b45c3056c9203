"""Arithmetic: add, subtract, multiply, divide, negative, power, casts and copies.

Each op is a node class with ``forward`` (raw ndarrays in, one ndarray out)
and ``backward`` (the output's gradient in, one gradient per input out,
written with numpygrad operations so it can be differentiated again). The
engine sums gradients of broadcast operands back to their shapes.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from numpygrad._array import Array, _wrap
from numpygrad._quiet import quiet
from numpygrad.autograd.function import Function

__all__ = ["add", "subtract", "multiply", "divide", "negative", "power", "cast", "positive_copy"]

# Division, log and fractional powers meet poles on purpose (inf and nan are
# the correct IEEE results, as in PyTorch), so those ops silence the warnings.


def _float_dtype(a: np.ndarray, b: np.ndarray) -> np.dtype | None:
    """The result dtype when an integer or bool operand meets a float one.

    PyTorch's rule: the float operand's dtype, whatever the integer width.
    NumPy would give float64 for int64 with float32, so ``int_array + 1.5``
    (the scalar lifted to the default float dtype) came out float64.
    """
    ka, kb = a.dtype.kind, b.dtype.kind
    if ka == "f" and kb in "biu":
        return a.dtype
    if kb == "f" and ka in "biu":
        return b.dtype
    return None


class Add(Function):
    """``a + b`` with NumPy broadcasting.

    Examples
    --------
    >>> import numpygrad as npg
    >>> from numpygrad import functions as F
    >>> add = F.Add()
    >>> y = add(npg.array([1.0, 2.0], requires_grad=True), 3.0)
    >>> y, y.grad_fn is add
    (Array([4., 5.], grad_fn=<Add>), True)
    """

    __slots__ = ()  # stores nothing: no per-node __dict__ (see Function)

    save_inputs = False

    def forward(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Return ``a + b`` computed on the raw ndarrays.

        Examples
        --------
        >>> import numpy as np
        >>> import numpygrad as npg
        >>> from numpygrad import functions as F
        >>> F.Add().forward(np.array([1.0, 2.0]), np.array([3.0, 4.0]))
        array([4., 6.])
        """
        if a.dtype is b.dtype:  # the common case needs no promotion rule
            return np.add(a, b)
        return np.add(a, b, dtype=_float_dtype(a, b))

    def backward(self, grad: Array) -> tuple[Array, Array]:
        """Pass ``grad`` unchanged to both inputs.

        The engine sums it over broadcast axes to each input's shape.

        Examples
        --------
        >>> import numpygrad as npg
        >>> from numpygrad import functions as F
        >>> a = npg.array([1.0, 2.0], requires_grad=True)
        >>> b = npg.array(3.0, requires_grad=True)
        >>> F.Add()(a, b).sum().backward()
        >>> a.grad, b.grad
        (Array([1., 1.]), Array(2.))
        """
        return grad, grad

    def backward_data(self, grad: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return grad, grad


def add(a: Any, b: Any) -> Array:
    """Elementwise ``a + b`` with NumPy broadcasting.

    Examples
    --------
    >>> import numpygrad as npg
    >>> npg.add(npg.array([1.0, 2.0]), 1.5)
    Array([2.5, 3.5])
    """
    return Add.apply(a, b)


class Sub(Function):
    """``a - b`` with NumPy broadcasting.

    Examples
    --------
    >>> import numpygrad as npg
    >>> from numpygrad import functions as F
    >>> F.Sub()(npg.array([1.0, 2.0]), 3.0)
    Array([-2., -1.])
    """

    __slots__ = ()  # stores nothing: no per-node __dict__ (see Function)

    save_inputs = False

    def forward(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Return ``a - b`` computed on the raw ndarrays.

        Examples
        --------
        >>> import numpy as np
        >>> import numpygrad as npg
        >>> from numpygrad import functions as F
        >>> F.Sub().forward(np.array([1.0, 2.0]), np.array([3.0, 5.0]))
        array([-2., -3.])
        """
        if a.dtype is b.dtype:  # the common case needs no promotion rule
            return np.subtract(a, b)
        return np.subtract(a, b, dtype=_float_dtype(a, b))

    def backward(self, grad: Array) -> tuple[Array | None, Array | None]:
        """Return ``grad`` for ``a`` and ``-grad`` for ``b`` (None if not needed).

        Examples
        --------
        >>> import numpygrad as npg
        >>> from numpygrad import functions as F
        >>> a = npg.array([1.0, 2.0], requires_grad=True)
        >>> b = npg.array([3.0, 4.0], requires_grad=True)
        >>> F.Sub()(a, b).sum().backward()
        >>> a.grad, b.grad
        (Array([1., 1.]), Array([-1., -1.]))
        """
        return grad, (-grad if self.needs_input_grad[1] else None)

    def backward_data(self, grad: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        return grad, (np.negative(grad) if self.needs_input_grad[1] else None)


def subtract(a: Any, b: Any) -> Array:
    """Elementwise ``a - b`` with NumPy broadcasting.

    Examples
    --------
    >>> import numpygrad as npg
    >>> npg.subtract(3.0, npg.array([1.0, 2.0]))
    Array([2., 1.])
    """
    return Sub.apply(a, b)


class Mul(Function):
    """``a * b`` with NumPy broadcasting.

    Examples
    --------
    >>> import numpygrad as npg
    >>> from numpygrad import functions as F
    >>> F.Mul()(npg.array([1.0, 2.0]), 3.0)
    Array([3., 6.])
    """

    __slots__ = ()  # stores nothing: no per-node __dict__ (see Function)

    def forward(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Return ``a * b`` computed on the raw ndarrays.

        Examples
        --------
        >>> import numpy as np
        >>> import numpygrad as npg
        >>> from numpygrad import functions as F
        >>> F.Mul().forward(np.array([1.0, 2.0]), np.array([3.0, 4.0]))
        array([3., 8.])
        """
        if a.dtype is b.dtype:  # the common case needs no promotion rule
            return np.multiply(a, b)
        return np.multiply(a, b, dtype=_float_dtype(a, b))

    def backward(self, grad: Array) -> tuple[Array | None, Array | None]:
        """Return ``grad * b`` and ``grad * a`` (None for an input that needs none).

        Examples
        --------
        >>> import numpygrad as npg
        >>> from numpygrad import functions as F
        >>> a = npg.array([1.0, 2.0], requires_grad=True)
        >>> b = npg.array([3.0, 4.0], requires_grad=True)
        >>> F.Mul()(a, b).sum().backward()
        >>> a.grad, b.grad
        (Array([3., 4.]), Array([1., 2.]))
        """
        a, b = self.inputs
        return (
            grad * b if self.needs_input_grad[0] else None,
            grad * a if self.needs_input_grad[1] else None,
        )

    def backward_data(self, grad: np.ndarray) -> tuple[np.ndarray | None, np.ndarray | None]:
        a, b = self.inputs
        if a is b and self.needs_input_grad[0]:
            # x * x: both gradients go to one place, so hand on their sum as input 0's
            # alone; that spares the engine its two-gradient path. ``g * (a + a)``
            # equals ``g * a + g * a`` (doubling is exact) except where ``g * a`` is
            # subnormal, where it rounds once instead of twice.
            ad = a.data
            return grad * (ad + ad), None
        return (
            grad * b.data if self.needs_input_grad[0] else None,
            grad * a.data if self.needs_input_grad[1] else None,
        )


def multiply(a: Any, b: Any) -> Array:
    """Elementwise ``a * b`` with NumPy broadcasting.

    Examples
    --------
    >>> import numpygrad as npg
    >>> x = npg.array([1.0, 2.0], requires_grad=True)
    >>> y = npg.multiply(x, x)
    >>> y.sum().backward()
    >>> x.grad
    Array([2., 4.])
    """
    return Mul.apply(a, b)


class Div(Function):
    """``a / b`` (true division; integer inputs give the default float dtype).

    Examples
    --------
    >>> import numpygrad as npg
    >>> from numpygrad import functions as F
    >>> F.Div()(npg.array([1, 3]), 2)
    Array([0.5, 1.5])
    """

    __slots__ = ()  # stores nothing: no per-node __dict__ (see Function)

    @quiet(all="ignore")
    def forward(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Return ``a / b`` computed on the raw ndarrays (division by 0 is silent).

        Examples
        --------
        >>> import numpy as np
        >>> import numpygrad as npg
        >>> from numpygrad import functions as F
        >>> F.Div().forward(np.array([1.0, 2.0]), np.array([4.0, 0.0]))
        array([0.25,  inf])
        """
        out = np.divide(a, b, dtype=_float_dtype(a, b))
        if a.dtype.kind in "biu" and b.dtype.kind in "biu":
            from numpygrad._dtype import get_default_dtype

            out = out.astype(get_default_dtype())
        return out

    def backward(self, grad: Array) -> tuple[Array | None, Array | None]:
        """Return ``grad / b`` and ``-grad * a / b**2`` (None for an input that needs none).

        Examples
        --------
        >>> import numpygrad as npg
        >>> from numpygrad import functions as F
        >>> a = npg.array([1.0, 2.0], requires_grad=True)
        >>> b = npg.array([2.0, 4.0], requires_grad=True)
        >>> F.Div()(a, b).sum().backward()
        >>> a.grad, b.grad
        (Array([0.5 , 0.25]), Array([-0.25 , -0.125]))
        """
        a, b = self.inputs
        ga = grad / b if self.needs_input_grad[0] else None
        # (g / b) * (a / b) rather than g * a / (b * b): b * b underflows to 0 for
        # |b| < 1e-154 and would turn finite gradients into inf.
        gb = (-grad / b) * (a / b) if self.needs_input_grad[1] else None
        return ga, gb

    @quiet(all="ignore")  # as forward: a zero divisor gives inf or nan silently
    def backward_data(self, grad: np.ndarray) -> tuple[np.ndarray | None, np.ndarray | None]:
        a, b = self.inputs
        bd = b.data
        ga = grad / bd if self.needs_input_grad[0] else None
        gb = (-grad / bd) * (a.data / bd) if self.needs_input_grad[1] else None
        return ga, gb




def divide(a: Any, b: Any) -> Array:
    """Elementwise true division ``a / b``.

    Division by zero gives ``inf`` or ``nan`` silently, as in PyTorch.

    Examples
    --------
    >>> import numpygrad as npg
    >>> npg.divide(npg.array([1.0, 0.0]), 0.0)
    Array([inf, nan])
    """
    return Div.apply(a, b)


class Neg(Function):
    """``-a``.

    Examples
    --------
    >>> import numpygrad as npg
    >>> from numpygrad import functions as F
    >>> F.Neg()(npg.array([1.0, -2.0]))
    Array([-1.,  2.])
    """

    __slots__ = ()  # stores nothing: no per-node __dict__ (see Function)

    save_inputs = False

    def forward(self, a: np.ndarray) -> np.ndarray:
        """Return ``-a`` computed on the raw ndarray.

        Examples
        --------
        >>> import numpy as np
        >>> import numpygrad as npg
        >>> from numpygrad import functions as F
        >>> F.Neg().forward(np.array([1.0, -2.0]))
        array([-1.,  2.])
        """
        return -a

    def backward(self, grad: Array) -> Array:
        """Return ``-grad``.

        Examples
        --------
        >>> import numpygrad as npg
        >>> from numpygrad import functions as F
        >>> x = npg.array([1.0, 2.0], requires_grad=True)
        >>> F.Neg()(x).sum().backward()
        >>> x.grad
        Array([-1., -1.])
        """
        return -grad

    def backward_data(self, grad: np.ndarray) -> np.ndarray:
        return np.negative(grad)




def negative(a: Any) -> Array:
    """Elementwise ``-a``.

    Examples
    --------
    >>> import numpygrad as npg
    >>> npg.negative(npg.array([1.0, -2.0]))
    Array([-1.,  2.])
    """
    return Neg.apply(a)


class Pow(Function):
    """``a ** b``; both arguments are differentiable.

    Conventions (PyTorch's): the derivative w.r.t. the base is 0 wherever the
    exponent is 0 (also at base 0); the derivative w.r.t. the exponent is
    ``a**b * log(a)`` (nan for a negative base) except that it is 0 where the
    base is 0 and the exponent is >= 0. At base 0 with a negative exponent it
    stays ``inf * log(0) = -inf`` (nan for a nan exponent), as in PyTorch.

    ``power`` gives a Python-number exponent of -0.5 to :class:`PowRsqrt`
    instead (PyTorch's ``rsqrt``); NumPy already computes ``x ** 0.5`` as
    ``sqrt``, as PyTorch does.

    Examples
    --------
    >>> import numpygrad as npg
    >>> from numpygrad import functions as F
    >>> F.Pow()(npg.array([2.0, 3.0]), 2.0)
    Array([4., 9.])
    """

    __slots__ = ()  # stores nothing: no per-node __dict__ (see Function)

    @quiet(all="ignore")
    def forward(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Return ``a ** b`` computed on the raw ndarrays.

        Integers to negative integer powers raise ``ValueError``.

        Examples
        --------
        >>> import numpy as np
        >>> import numpygrad as npg
        >>> from numpygrad import functions as F
        >>> F.Pow().forward(np.array([2.0, 3.0]), np.array(2.0))
        array([4., 9.])
        """
        if a.dtype.kind in "iu" and b.dtype.kind in "iu" and np.any(b < 0):
            raise ValueError("Integers to negative integer powers are not allowed")
        return np.power(a, b, dtype=_float_dtype(a, b))

    def backward(self, grad: Array) -> tuple[Array | None, Array | None]:
        """Return ``grad * b * a**(b-1)`` and ``grad * a**b * log(a)``.

        An input that needs no gradient gets None.

        Examples
        --------
        >>> import numpygrad as npg
        >>> from numpygrad import functions as F
        >>> a = npg.array([2.0, 3.0], requires_grad=True)
        >>> b = npg.array([2.0, 0.0], requires_grad=True)
        >>> F.Pow()(a, b).sum().backward()
        >>> a.grad
        Array([4., 0.])
        >>> b.grad
        Array([2.7725887, 1.0986123])
        """
        from numpygrad.ops.elementwise import log, where

        a, b = self.inputs
        ga = gb = None
        if self.needs_input_grad[0]:
            if b.ndim == 0 and not b.requires_grad:
                e = b.data.item()
                # Exponent 0: zeros, not grad * 0, so an inf or nan upstream gradient stays
                # out (PyTorch's zeros_like).
                ga = grad * (e * a ** (e - 1)) if e != 0 else _wrap(np.zeros_like(grad.data))
            else:
                # Where b == 0 use b = 1 inside the unused branch: 0 * 0**-1 would be
                # 0 * inf = nan (and a warning) even though where() discards it.
                bs = where(b == 0, 1, b)
                ga = grad * where(b == 0, 0, bs * a ** (bs - 1))
        if self.needs_input_grad[1]:
            # PyTorch zeroes the gradient only where a == 0 and b >= 0; at a == 0 with
            # b < 0 it is inf * log(0) = -inf, and nan for b = nan (0**nan is nan). The
            # safe base keeps log(0) out of the discarded branch (create_graph would
            # differentiate it: 0 * inf = nan).
            zero = _wrap((a.data == 0) & (b.data >= 0))
            with np.errstate(invalid="ignore"):  # inf**-inf * log(inf) = 0 * inf: nan, silently
                gb = grad * where(zero, 0, a**b * log(where(zero, 1, a)))
        return ga, gb

    def backward_data(self, grad: np.ndarray) -> tuple[Any, Any]:
        a, b = self.inputs
        bd = b.data
        if self.needs_input_grad[1] or bd.ndim != 0:
            return self.backward(_wrap(grad))  # backward's formula, unrecorded
        # A constant scalar exponent (``x ** 2``): backward's first branch on ndarrays.
        e = bd.item()
        if e == 0:
            return np.zeros_like(grad), None
        ad = a.data
        # (as ``a ** (e - 1)`` computes it: rsqrt for -0.5, see PowRsqrt)
        pw = Pow._power_data(ad, e - 1)
        return grad * (e * pw), None

    @staticmethod
    @quiet(all="ignore")
    def _power_data(a: np.ndarray, e: float) -> np.ndarray:
        """``a ** e`` for a Python-number exponent, as ``power`` computes it."""
        if isinstance(e, float) and e == -0.5 and a.dtype.kind == "f":
            return 1 / np.sqrt(a)
        b = np.asarray(e, dtype=a.dtype if a.dtype.kind == "f" else None)
        return np.power(a, b, dtype=_float_dtype(a, b))


class PowRsqrt(Pow):
    """``a ** -0.5`` for a Python-number exponent, computed as PyTorch does: ``1 / sqrt(a)``.

    PyTorch's ``pow`` with the scalar exponent -0.5 runs ``rsqrt``: nan at -inf
    and -inf at -0.0, where C's ``pow`` (NumPy's) gives 0 and +inf, and the two
    can differ in the last bit elsewhere. The gradient of ``x ** 0.5``,
    ``0.5 * x ** -0.5``, comes here too. The backward is :class:`Pow`'s.

    Examples
    --------
    >>> import numpygrad as npg
    >>> npg.array([4.0, -0.0, -npg.inf]) ** -0.5
    Array([ 0.5, -inf,  nan])
    """

    __slots__ = ()  # stores nothing: no per-node __dict__ (see Function)

    @quiet(divide="ignore", invalid="ignore")
    def forward(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        if a.dtype.kind != "f":  # integers: pow promotes them first
            return super().forward(a, b)
        return 1 / np.sqrt(a)


def power(a: Any, b: Any) -> Array:
    """Elementwise ``a ** b``; both the base and the exponent are differentiable.

    Examples
    --------
    >>> import numpygrad as npg
    >>> x = npg.array([1.0, 2.0, 3.0], requires_grad=True)
    >>> (x ** 2).sum().backward()
    >>> x.grad
    Array([2., 4., 6.])
    """
    # Only a Python number, as in PyTorch (whose tensor exponents always use pow); the
    # type test comes first, so x ** 2 pays a single cheap check.
    if isinstance(b, float) and b == -0.5:
        return PowRsqrt.apply(a, b)
    return Pow.apply(a, b)


class Cast(Function):
    """Convert to another dtype; the gradient is cast back to the input's dtype."""

    save_inputs = False

    def __init__(self, dtype: Any) -> None:
        self.dtype = np.dtype(dtype)

    def forward(self, a: np.ndarray) -> np.ndarray:
        return a.astype(self.dtype)

    def backward(self, grad: Array) -> Array:
        # The engine casts the gradient to the input's dtype.
        return grad

    def backward_data(self, grad: np.ndarray) -> np.ndarray:
        return grad


def cast(a: Any, dtype: Any) -> Array:
    """Cast to ``dtype``, differentiably between floating dtypes.

    Unlike :meth:`Array.astype` (which never carries a gradient, as the
    numpygrad documents promise), this keeps the graph, like ``Tensor.to``.

    Examples
    --------
    >>> import numpygrad as npg
    >>> x = npg.array([1.5], requires_grad=True)
    >>> y = npg.cast(x, "float64")
    >>> y.dtype, y.requires_grad
    (dtype('float64'), True)
    """
    if isinstance(a, Array) and a.data.dtype == np.dtype(dtype):
        return a
    return Cast.apply(a, dtype=dtype)


class Copy(Function):
    """A differentiable copy (PyTorch's ``clone``)."""

    __slots__ = ()  # stores nothing: no per-node __dict__ (see Function)

    save_inputs = False

    def forward(self, a: np.ndarray) -> np.ndarray:
        return a.copy()

    def backward(self, grad: Array) -> Array:
        return grad

    def backward_data(self, grad: np.ndarray) -> np.ndarray:
        return grad


def positive_copy(a: Any) -> Array:
    """Return a differentiable copy of ``a`` with its own memory.

    Examples
    --------
    >>> import numpygrad as npg
    >>> x = npg.array([1.0], requires_grad=True)
    >>> npg.copy(x).grad_fn
    <Copy>
    """
    return Copy.apply(a)
