"""Linear algebra: matmul (1-D, 2-D, batched, broadcast) and friends."""

from __future__ import annotations

from typing import Any

import numpy as np

from numpygrad._array import Array
from numpygrad.autograd.function import Function

__all__ = ["matmul"]


def _fmt(shape: tuple[int, ...]) -> str:
    return "x".join(str(s) for s in shape)


def _check_matmul(a: np.ndarray, b: np.ndarray) -> None:
    if a.ndim == 0 or b.ndim == 0:
        raise ValueError(
            f"both arguments to matmul need to be at least 1D, but they are {a.ndim}D and "
            f"{b.ndim}D"
        )
    ka = a.shape[-1]
    kb = b.shape[0] if b.ndim == 1 else b.shape[-2]
    if ka != kb:
        if a.ndim == 1 and b.ndim == 1:
            raise ValueError(
                f"inconsistent array size, expected array [{ka}] and src [{kb}] to have the "
                f"same number of elements, but got {ka} and {kb} elements respectively"
            )
        raise ValueError(
            f"matmul: shapes cannot be multiplied ({_fmt(a.shape)} and {_fmt(b.shape)}): "
            f"{ka} != {kb}"
        )
    try:
        np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    except ValueError:
        raise ValueError(
            f"matmul: batch dimensions of {a.shape} and {b.shape} cannot be broadcast"
        ) from None


class Matmul(Function):
    """Matrix product with NumPy's ``matmul`` semantics."""

    def forward(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        if a.ndim == 0 or b.ndim == 0 or a.shape[-1] != (b.shape[0] if b.ndim == 1 else
                                                         b.shape[-2]):
            _check_matmul(a, b)
        try:
            return np.matmul(a, b)
        except ValueError:
            _check_matmul(a, b)
            raise

    def backward(self, grad: Array) -> tuple[Array | None, Array | None]:
        from numpygrad.ops.shape import expand_dims, reshape, swapaxes

        a, b = self.inputs
        need_a, need_b = self.needs_input_grad
        ga = gb = None
        if a.ndim == 1 and b.ndim == 1:
            return (grad * b if need_a else None), (grad * a if need_b else None)
        if a.ndim == 1:
            # (k,) @ (..., k, n): treat a as a (1, k) matrix.
            g2 = expand_dims(grad, -2)
            if need_a:
                ga = reshape(matmul(g2, swapaxes(b, -1, -2)), grad.shape[:-1] + (a.shape[0],))
            if need_b:
                gb = matmul(reshape(a, (a.shape[0], 1)), g2)
            return ga, gb
        if b.ndim == 1:
            # (..., m, k) @ (k,): treat b as a (k, 1) matrix.
            g2 = expand_dims(grad, -1)
            if need_a:
                ga = matmul(g2, reshape(b, (1, b.shape[0])))
            if need_b:
                gb = reshape(matmul(swapaxes(a, -1, -2), g2), grad.shape[:-1] + (b.shape[0],))
            return ga, gb
        if need_a:
            ga = matmul(grad, swapaxes(b, -1, -2))
        if need_b:
            gb = matmul(swapaxes(a, -1, -2), grad)
        return ga, gb


def matmul(a: Any, b: Any) -> Array:
    """Matrix product ``a @ b`` with NumPy's rules for 1-D and batched operands.

    Mismatched inner dimensions raise ``ValueError`` naming both shapes.

    Examples
    --------
    >>> import numpygrad as npg
    >>> a = npg.array([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    >>> b = npg.array([1.0, 1.0])
    >>> (a @ b).sum().backward()
    >>> a.grad
    Array([[1., 1.],
           [1., 1.]])
    """
    return Matmul.apply(a, b)
