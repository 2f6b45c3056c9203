"""PyGrad-style callable Function objects.

Each name is an op node class: create an instance and call it, and that very
object becomes the ``creator`` (``grad_fn``) of the result, with the inputs in
``inputs`` and a weak reference to the output in ``outputs``.

Examples
--------
>>> import numpygrad as npg
>>> from numpygrad import functions as F
>>> x = npg.Variable(2.0)
>>> square = F.Square()
>>> y = square(x)
>>> y.creator is square, square.inputs[0] is x, square.outputs[0]() is y
(True, True, True)
"""

from __future__ import annotations

import numpy as np

from numpygrad._array import Array
from numpygrad.autograd.function import Function
from numpygrad.ops.arithmetic import Add, Div, Mul, Neg, Pow, Sub
from numpygrad.ops.elementwise import Exp, Log, Sqrt
from numpygrad.ops.linalg import Matmul
from numpygrad.ops.reduction import Mean, Sum
from numpygrad.ops.shape import Reshape, Transpose

__all__ = ["Function", "Square", "Add", "Sub", "Mul", "Div", "Neg", "Pow", "Exp", "Log", "Sqrt",
           "MatMul", "Sum", "Mean", "Reshape", "Transpose"]

MatMul = Matmul


class Square(Function):
    """``x ** 2`` as a callable Function object.

    Examples
    --------
    >>> import numpygrad as npg
    >>> from numpygrad import functions as F
    >>> x = npg.Variable(3.0)
    >>> y = F.Square()(x)
    >>> y.backward()
    >>> x.grad
    Array(6.)
    """

    __slots__ = ()  # stores nothing: no per-node __dict__ (see Function)

    def forward(self, x: np.ndarray) -> np.ndarray:
        """Return ``x * x`` computed on the raw ndarray.

        Examples
        --------
        >>> import numpy as np
        >>> import numpygrad as npg
        >>> from numpygrad import functions as F
        >>> F.Square().forward(np.array([2.0, 3.0]))
        array([4., 9.])
        """
        return x * x

    def backward(self, grad: Array) -> Array:
        """Return ``grad * 2 * x``.

        Examples
        --------
        >>> import numpygrad as npg
        >>> from numpygrad import functions as F
        >>> x = npg.array([1.0, 2.0], requires_grad=True)
        >>> F.Square()(x).sum().backward()
        >>> x.grad
        Array([2., 4.])
        """
        (x,) = self.inputs
        return grad * 2 * x

    def backward_data(self, grad: np.ndarray) -> np.ndarray:
        return np.asarray(grad * 2 * self.inputs[0].data)  # (0-d: not a NumPy scalar)
