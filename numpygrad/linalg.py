"""``numpygrad.linalg``: NumPy's ``numpy.linalg`` namespace, differentiable.

Holds the dense solvers (inv, det, solve) and re-exports the products and
norms that NumPy keeps there. Every function works on stacks of matrices in
the last two axes. Singular matrices raise :class:`LinAlgError` (a subclass
of ``ValueError``) naming the shape.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.lib.array_utils import normalize_axis_tuple

from numpygrad._array import Array
from numpygrad._dtype import as_floating
from numpygrad.autograd.function import Function, lift
from numpygrad.autograd.grad_mode import is_grad_enabled
from numpygrad.ops.einsum import diagonal as _diagonal
from numpygrad.ops.einsum import tensordot
from numpygrad.ops.einsum import trace as _trace
from numpygrad.ops.linalg import VectorNorm, matmul, norm, outer
from numpygrad.ops.shape import reshape, swapaxes

__all__ = ["LinAlgError", "inv", "det", "solve", "norm", "vector_norm", "matrix_norm",
           "matmul", "outer", "tensordot", "trace", "diagonal", "matrix_transpose"]

LinAlgError = np.linalg.LinAlgError


def _check_square(name: str, shape: tuple[int, ...]) -> None:
    if len(shape) < 2 or shape[-1] != shape[-2]:
        raise LinAlgError(f"{name}: expected a square matrix or a stack of square matrices "
                          f"(..., n, n), got shape {shape}")


def matrix_transpose(x: Any) -> Array:
    """Swap the last two axes (``numpy.linalg.matrix_transpose``).

    Examples
    --------
    >>> import numpygrad as npg
    >>> npg.linalg.matrix_transpose(npg.zeros((5, 2, 3))).shape
    (5, 3, 2)
    """
    (x,) = lift((x,))
    if x.ndim < 2:
        raise ValueError(f"matrix_transpose: expected at least 2 dimensions, got shape {x.shape}")
    return swapaxes(x, -1, -2)


class Inv(Function):
    """Matrix inverse; ``d(X^-1) = -X^-T G X^-T`` reuses the output."""

    __slots__ = ()  # stores nothing: no per-node __dict__ (see Function)

    save_inputs = False
    save_output = True

    def forward(self, x: np.ndarray) -> np.ndarray:
        try:
            return np.linalg.inv(as_floating(x))
        except LinAlgError:
            raise LinAlgError(f"inv: the matrix of shape {x.shape} is singular (a batch "
                              "holds at least one singular matrix)" if x.ndim > 2 else
                              f"inv: the matrix of shape {x.shape} is singular") from None

    def backward(self, grad: Array) -> Array:
        yt = matrix_transpose(self.output)
        return -matmul(matmul(yt, grad), yt)

    def backward_data(self, grad: np.ndarray) -> np.ndarray:
        yt = np.swapaxes(self.output.data, -1, -2)
        return np.negative(np.matmul(np.matmul(yt, grad), yt))


def inv(x: Any) -> Array:
    """Inverse of a square matrix or of each matrix in a stack.

    Examples
    --------
    >>> import numpygrad as npg
    >>> x = npg.array([[2.0, 0.0], [0.0, 4.0]], requires_grad=True)
    >>> npg.linalg.inv(x)
    Array([[0.5 , 0.  ],
           [0.  , 0.25]], grad_fn=<Inv>)
    >>> npg.linalg.inv(npg.zeros((2, 2)))
    Traceback (most recent call last):
    ...
    numpy.linalg.LinAlgError: inv: the matrix of shape (2, 2) is singular
    """
    (x,) = lift((x,))
    _check_square("inv", x.shape)
    return Inv.apply(x)


def _det_grad_singular(x: np.ndarray) -> np.ndarray:
    """The cofactor matrix ``adj(x)^T``, the gradient of det, valid for singular x too."""
    u, s, vh = np.linalg.svd(x)
    # prod_{j != i} s_j without dividing by a zero singular value.
    one = np.ones_like(s[..., :1])
    left = np.cumprod(np.concatenate([one, s[..., :-1]], -1), -1)
    right = np.cumprod(np.concatenate([one, s[..., :0:-1]], -1), -1)[..., ::-1]
    sign = np.linalg.det(u) * np.linalg.det(vh)
    return sign[..., None, None] * ((u * (left * right)[..., None, :]) @ vh)


class Det(Function):
    """Determinant; ``d det(X) = det(X) X^-T``."""

    __slots__ = ()  # stores nothing: no per-node __dict__ (see Function)

    save_output = True

    def forward(self, x: np.ndarray) -> np.ndarray:
        return np.linalg.det(as_floating(x))

    def backward(self, grad: Array) -> Array:
        (x,) = self.inputs
        g = reshape(grad * self.output, grad.shape + (1, 1))
        try:
            return g * matrix_transpose(inv(x))
        except LinAlgError:
            if is_grad_enabled():
                raise LinAlgError(f"det: the second derivative at a singular matrix (shape "
                                  f"{x.shape}) is not implemented") from None
        # At a singular matrix det(X) X^-T is undefined but adj(X)^T is not.
        cof = _det_grad_singular(x.data).astype(x.dtype)
        return reshape(grad, grad.shape + (1, 1)) * cof

    def backward_data(self, grad: np.ndarray) -> np.ndarray:
        x = self.inputs[0].data
        try:
            xi = Inv().forward(x)
        except LinAlgError:
            # At a singular matrix: the cofactor matrix, as backward.
            return grad[..., None, None] * _det_grad_singular(x).astype(x.dtype)
        return (grad * self.output.data)[..., None, None] * np.swapaxes(xi, -1, -2)


def det(x: Any) -> Array:
    """Determinant of a square matrix or of each matrix in a stack.

    The gradient is ``det(x) * inv(x).T`` (the cofactor matrix, also at
    singular matrices for first derivatives).

    Examples
    --------
    >>> import numpygrad as npg
    >>> x = npg.array([[2.0, 1.0], [1.0, 3.0]], requires_grad=True)
    >>> d = npg.linalg.det(x)
    >>> d.backward()
    >>> round(d.item(), 4), x.grad
    (5.0, Array([[ 3., -1.],
           [-1.,  2.]]))
    """
    (x,) = lift((x,))
    _check_square("det", x.shape)
    return Det.apply(x)


class Solve(Function):
    """Solve ``a @ x = b``; ``b`` is one vector (1-D) or a stack of matrices."""

    save_output = True

    def __init__(self, vector: bool) -> None:
        self.vector = vector

    def forward(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        try:
            return np.linalg.solve(as_floating(a), as_floating(b))
        except LinAlgError:
            raise LinAlgError(f"solve: the matrix of shape {a.shape} is singular"
                              + (" (a batch holds at least one singular matrix)"
                                 if a.ndim > 2 else "")) from None

    def backward(self, grad: Array) -> tuple[Array | None, Array | None]:
        a, _ = self.inputs
        x = self.output
        # b's gradient solves the transposed system; a's is -gb x^T.
        if self.vector:
            gb = reshape(solve(matrix_transpose(a), reshape(grad, grad.shape + (1,))),
                         grad.shape)
            ga = -(reshape(gb, gb.shape + (1,)) * reshape(x, x.shape[:-1] + (1, x.shape[-1])))
        else:
            gb = solve(matrix_transpose(a), grad)
            ga = -matmul(gb, matrix_transpose(x))
        return (ga if self.needs_input_grad[0] else None,
                gb if self.needs_input_grad[1] else None)

    def backward_data(self, grad: np.ndarray) -> tuple[np.ndarray | None, np.ndarray | None]:
        need_a, need_b = self.needs_input_grad
        at, x = np.swapaxes(self.inputs[0].data, -1, -2), self.output.data
        solve_t = Solve(False).forward  # (the solve backward records: a matrix right side)
        if self.vector:
            gb = solve_t(at, grad[..., None])[..., 0]
            ga = np.negative(gb[..., None] * x[..., None, :]) if need_a else None
        else:
            gb = solve_t(at, grad)
            ga = np.negative(np.matmul(gb, np.swapaxes(x, -1, -2))) if need_a else None
        return ga, (gb if need_b else None)


def solve(a: Any, b: Any) -> Array:
    """Solve the linear system ``a @ x = b`` for ``x`` (NumPy 2 semantics).

    ``a`` has shape ``(..., n, n)``. A 1-D ``b`` of shape ``(n,)`` is one
    right-hand side; otherwise ``b`` is ``(..., n, k)``, a stack of matrices
    whose batch axes broadcast against ``a``'s.

    Examples
    --------
    >>> import numpygrad as npg
    >>> a = npg.array([[3.0, 1.0], [1.0, 2.0]], requires_grad=True)
    >>> b = npg.array([9.0, 8.0], requires_grad=True)
    >>> x = npg.linalg.solve(a, b)
    >>> x
    Array([2., 3.], grad_fn=<Solve>)
    >>> x.sum().backward()
    >>> b.grad
    Array([0.2, 0.4])
    """
    a, b = lift((a, b))
    _check_square("solve", a.shape)
    n = a.shape[-1]
    vector = b.ndim == 1
    if b.ndim == 0 or (b.shape[0] if vector else b.shape[-2]) != n:
        raise ValueError(f"solve: a of shape {a.shape} needs b of shape ({n},) or (..., {n}, k), "
                         f"got {b.shape}")
    if not vector:
        try:
            np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
        except ValueError:
            raise ValueError(f"solve: the batch dimensions of a {a.shape} and b {b.shape} "
                             "cannot be broadcast") from None
    return Solve.apply(a, b, vector=vector)


def vector_norm(x: Any, ord: float = 2, axis: Any = None, keepdims: bool = False) -> Array:
    """Vector ``ord``-norm over ``axis`` (all axes, flattened, when None).

    ``ord`` is any float, ``inf`` or ``-inf``; the gradient is 0 where the
    norm is 0.

    Examples
    --------
    >>> import numpygrad as npg
    >>> npg.linalg.vector_norm(npg.array([[3.0, 0.0], [0.0, -4.0]]))
    Array(5.)
    >>> npg.linalg.vector_norm(npg.array([[3.0, 0.0], [0.0, -4.0]]), ord=1, axis=1)
    Array([3., 4.])
    """
    if isinstance(ord, str):
        raise ValueError(f"vector_norm: invalid norm order {ord!r} for vectors")
    (x,) = lift((x,))
    axes = tuple(range(x.ndim)) if axis is None else normalize_axis_tuple(axis, x.ndim, "axis")
    return VectorNorm.apply(x, p=float(ord), axis=axes, keepdims=bool(keepdims))


def matrix_norm(x: Any, ord: Any = "fro", axis: tuple[int, int] = (-2, -1),
                keepdims: bool = False) -> Array:
    """Matrix norm over two axes (default: the last two); see :func:`norm`.

    Examples
    --------
    >>> import numpygrad as npg
    >>> npg.linalg.matrix_norm(npg.array([[1.0, -2.0], [3.0, 4.0]]), ord=npg.inf)
    Array(7.)
    """
    return norm(x, ord=ord, axis=axis, keepdims=keepdims)


def trace(x: Any, offset: int = 0) -> Array:
    """Trace over the last two axes (``numpy.linalg.trace``).

    Examples
    --------
    >>> import numpygrad as npg
    >>> npg.linalg.trace(npg.ones((4, 3, 3)))
    Array([3., 3., 3., 3.])
    """
    return _trace(x, offset, -2, -1)


def diagonal(x: Any, offset: int = 0) -> Array:
    """Diagonals over the last two axes (``numpy.linalg.diagonal``).

    Examples
    --------
    >>> import numpygrad as npg
    >>> npg.linalg.diagonal(npg.ones((4, 2, 3)), offset=1).shape
    (4, 2)
    """
    return _diagonal(x, offset, -2, -1)
