"""Linear algebra: matmul (1-D, 2-D, batched, broadcast), dot, outer and norm.

The index contractions (einsum, tensordot, diagonal, trace) live in
:mod:`numpygrad.ops.einsum` and are re-exported here; inv, det and solve live
in :mod:`numpygrad.linalg`, as in NumPy.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.lib.array_utils import normalize_axis_tuple

from numpygrad._array import Array, _wrap
from numpygrad._dtype import get_default_dtype
from numpygrad.autograd.function import Function, lift
from numpygrad.autograd.grad_mode import is_grad_enabled
from numpygrad.ops.einsum import diagonal, einsum, tensordot, trace

__all__ = ["matmul", "dot", "outer", "einsum", "tensordot", "trace", "diagonal", "norm"]

_quiet = {"divide": "ignore", "invalid": "ignore", "over": "ignore", "under": "ignore"}


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
    """Matrix product with NumPy's ``matmul`` semantics.

    Examples
    --------
    >>> import numpygrad as npg
    >>> from numpygrad import functions as F
    >>> F.MatMul()(npg.array([[1.0, 2.0], [3.0, 4.0]]), npg.array([1.0, 1.0]))
    Array([3., 7.])
    """

    __slots__ = ()  # stores nothing: no per-node __dict__ (see Function)

    def forward(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Return ``a @ b`` of the raw ndarrays; mismatched shapes raise ``ValueError``.

        Examples
        --------
        >>> import numpy as np
        >>> import numpygrad as npg
        >>> from numpygrad import functions as F
        >>> F.MatMul().forward(np.eye(2), np.array([1.0, 2.0]))
        array([1., 2.])
        """
        if a.ndim == 0 or b.ndim == 0 or a.shape[-1] != (b.shape[0] if b.ndim == 1 else
                                                         b.shape[-2]):
            _check_matmul(a, b)
        try:
            return np.matmul(a, b)
        except ValueError:
            _check_matmul(a, b)
            raise

    def backward(self, grad: Array) -> tuple[Array | None, Array | None]:
        """Return ``grad @ b^T`` and ``a^T @ grad`` (1-d operands as in ``matmul``).

        Examples
        --------
        >>> import numpygrad as npg
        >>> from numpygrad import functions as F
        >>> a = npg.array([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
        >>> b = npg.array([1.0, 2.0], requires_grad=True)
        >>> F.MatMul()(a, b).sum().backward()
        >>> a.grad
        Array([[1., 2.],
               [1., 2.]])
        >>> b.grad
        Array([4., 6.])
        """
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

    def backward_data(self, grad: np.ndarray) -> tuple[Any, Any]:
        a, b = self.inputs[0].data, self.inputs[1].data
        if a.ndim < 2 or b.ndim < 2:
            return self.backward(_wrap(grad))  # 1-d operands: backward's formula, unrecorded
        need_a, need_b = self.needs_input_grad
        return (np.matmul(grad, np.swapaxes(b, -1, -2)) if need_a else None,
                np.matmul(np.swapaxes(a, -1, -2), grad) if need_b else None)


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


def dot(a: Any, b: Any) -> Array:
    """Dot product with NumPy's ``dot`` semantics.

    0-d operands multiply; 1-D with 1-D is the inner product; 2-D with 2-D
    and anything with a 1-D ``b`` (or a 1-D ``a``) is :func:`matmul`; N-D with
    M-D (M >= 2) sums the last axis of ``a`` against the second-to-last of
    ``b``, so the batch axes of both are kept (unlike ``matmul``, which
    broadcasts them). PyTorch's ``dot`` accepts 1-D operands only.

    Examples
    --------
    >>> import numpygrad as npg
    >>> npg.dot(npg.array([1.0, 2.0]), npg.array([3.0, 4.0]))
    Array(11.)
    >>> npg.dot(npg.ones((2, 3, 4)), npg.ones((5, 4, 6))).shape
    (2, 3, 5, 6)
    """
    from numpygrad.ops.arithmetic import multiply

    a, b = lift((a, b))
    if a.ndim == 0 or b.ndim == 0:
        return multiply(a, b)
    if a.ndim == 1 or b.ndim == 1 or (a.ndim == 2 and b.ndim == 2):
        return matmul(a, b)
    return tensordot(a, b, ([-1], [-2]))


def outer(a: Any, b: Any) -> Array:
    """Outer product ``a[i] * b[j]``; inputs are flattened first, as in NumPy.

    Examples
    --------
    >>> import numpygrad as npg
    >>> npg.outer(npg.array([1.0, 2.0]), npg.array([1.0, 10.0, 100.0]))
    Array([[  1.,  10., 100.],
           [  2.,  20., 200.]])
    """
    from numpygrad.ops.shape import reshape

    a, b = lift((a, b))
    return reshape(a, (a.size, 1)) * reshape(b, (1, b.size))


class VectorNorm(Function):
    """The vector ``p``-norm over ``axis`` (a tuple; several axes are flattened).

    ``p`` = inf / -inf take the largest / smallest ``|x|`` (ties share the
    gradient evenly, as in PyTorch); ``p`` = 0 counts nonzeros (gradient 0).
    Where the norm is 0 the gradient is 0, never NaN (PyTorch's convention).
    """

    save_output = True

    def __init__(self, p: float, axis: tuple[int, ...], keepdims: bool) -> None:
        self.p, self.axis, self.keepdims = p, axis, keepdims

    def forward(self, x: np.ndarray) -> np.ndarray:
        if x.dtype.kind not in "fc":
            x = x.astype(get_default_dtype())
        p, ax = self.p, self.axis
        with np.errstate(**_quiet):
            if p == 2:
                out = np.sqrt(np.sum(x * x, axis=ax, keepdims=True))
            elif p == np.inf:
                out = np.max(np.abs(x), axis=ax, keepdims=True)
            elif p == -np.inf:
                out = np.min(np.abs(x), axis=ax, keepdims=True)
            elif p == 0:
                out = np.sum(x != 0, axis=ax, keepdims=True).astype(x.dtype)
            elif p == 1:
                out = np.sum(np.abs(x), axis=ax, keepdims=True)
            else:
                out = np.sum(np.abs(x) ** p, axis=ax, keepdims=True) ** (1.0 / p)
        self.kshape = out.shape
        return out if self.keepdims else np.squeeze(out, axis=ax)

    def backward(self, grad: Array) -> Array:
        from numpygrad.ops.elementwise import abs as abs_
        from numpygrad.ops.elementwise import sign, where
        from numpygrad.ops.shape import broadcast_to, reshape

        (x,) = self.inputs
        p = self.p
        g = reshape(grad, self.kshape)
        n = reshape(self.output, self.kshape)
        if p == 2:
            # x / ||x|| with the zero vector mapped to 0: x is 0 there anyway.
            return g * x / where(n == 0, 1.0, n)
        if p == 1:
            return g * sign(x)
        if p == 0:
            return broadcast_to(g, x.shape) * 0
        if p in (np.inf, -np.inf):
            return g * sign(x) * _wrap(self._share(x.data, n.data))
        # General p: sign(x) |x|^(p-1) * ||x||^(1-p), sanitised ("double where")
        # so zero entries and a zero norm give 0 instead of inf * 0.
        zero_x = x.data == 0
        t = where(zero_x, 0.0, sign(x) * where(zero_x, 1.0, abs_(x)) ** (p - 1))
        zero_n = n.data == 0
        return t * where(zero_n, 0.0, g / where(zero_n, 1.0, n) ** (p - 1))

    def backward_data(self, grad: np.ndarray) -> np.ndarray:
        from numpygrad.ops.arithmetic import Div, Pow
        from numpygrad.ops.piecewise import _sign

        x = self.inputs[0].data
        p = self.p
        g = grad.reshape(self.kshape)
        n = self.output.data.reshape(self.kshape)
        # (Div's and Pow's forward: quiet where backward's ops are, and only there;
        # asarray: 0-d products are NumPy scalars)
        div, power = Div().forward, Pow._power_data
        if p == 2:
            return np.asarray(div(g * x, np.where(n == 0, 1.0, n)))
        if p == 1:
            return np.asarray(g * _sign(x))
        if p == 0:
            return np.asarray(np.broadcast_to(g, x.shape) * 0)
        if p in (np.inf, -np.inf):
            return np.asarray(g * _sign(x) * self._share(x, n))
        zero_x = x == 0
        t = np.where(zero_x, 0.0, _sign(x) * power(np.where(zero_x, 1.0, np.abs(x)), p - 1))
        zero_n = n == 0
        scaled = div(g, power(np.where(zero_n, 1.0, n), p - 1))
        return np.asarray(t * np.where(zero_n, 0.0, scaled))

    def _share(self, x: np.ndarray, n: np.ndarray) -> np.ndarray:
        """inf-norms: each element's share of its slice's gradient (ties share it evenly)."""
        a = np.abs(x)
        mask = (a == n) | np.isnan(a)
        return (mask / np.sum(mask, axis=self.axis, keepdims=True)).astype(x.dtype)


class SvdNorm(Function):
    """Matrix norms from singular values: ord 2 (largest), -2 (smallest), 'nuc' (sum)."""

    def __init__(self, kind: Any, axis: tuple[int, int], keepdims: bool) -> None:
        self.kind, self.axis, self.keepdims = kind, axis, keepdims

    def forward(self, x: np.ndarray) -> np.ndarray:
        xm = np.moveaxis(x, self.axis, (-2, -1))
        if any(self.needs_input_grad):
            self.u, s, self.vh = np.linalg.svd(xm, full_matrices=False)
        else:
            s = np.linalg.svd(xm, compute_uv=False)
        out = s.sum(-1) if self.kind == "nuc" else s[..., 0] if self.kind == 2 else s[..., -1]
        self.kshape = tuple(1 if i in self.axis else n for i, n in enumerate(x.shape))
        return out.reshape(self.kshape) if self.keepdims else out

    def backward(self, grad: Array) -> Array:
        if is_grad_enabled():
            raise RuntimeError(f"norm: the second derivative of the ord={self.kind!r} matrix "
                               "norm (through the SVD) is not implemented")
        return self._backward_unrecorded(grad)

    def backward_data(self, grad: np.ndarray) -> np.ndarray:
        u, vh = self.u, self.vh
        if self.kind == "nuc":
            d = u @ vh
        else:
            k = 0 if self.kind == 2 else -1
            d = u[..., :, k:k + 1 or None] @ vh[..., k:k + 1 or None, :]
        d = np.moveaxis(d, (-2, -1), self.axis).astype(self.inputs[0].data.dtype)
        return grad.reshape(self.kshape) * d


def norm(x: Any, ord: Any = None, axis: Any = None, keepdims: bool | None = None, *,
         dim: Any = None, keepdim: bool | None = None) -> Array:
    """Vector or matrix norm with NumPy's ``np.linalg.norm`` semantics.

    With ``axis=None`` and ``ord=None`` this is the 2-norm of the flattened
    array (Frobenius for a matrix). An int ``axis`` (or a 1-D ``x``) gives a
    vector norm: ``ord`` in {None/2, 1, inf, -inf, 0, any p}. A 2-tuple
    ``axis`` (or a 2-D ``x`` with an ``ord``) gives a matrix norm: ``ord`` in
    {None/'fro', 'nuc', 1, -1, 2, -2, inf, -inf}. ``dim``/``keepdim`` are
    PyTorch's aliases.

    The gradient follows PyTorch: 0 (never NaN) where the norm is 0; ties of
    inf-norms share it evenly. ``ord`` 2, -2 and 'nuc' on matrices go through
    the SVD and support first derivatives only.

    Examples
    --------
    >>> import numpygrad as npg
    >>> x = npg.array([3.0, 4.0], requires_grad=True)
    >>> n = npg.norm(x)
    >>> n.backward()
    >>> n, x.grad
    (Array(5., grad_fn=<VectorNorm>), Array([0.6, 0.8]))
    >>> z = npg.zeros(2, requires_grad=True)
    >>> npg.norm(z).backward()
    >>> z.grad
    Array([0., 0.])
    >>> npg.norm(npg.array([[1.0, -2.0], [3.0, 4.0]]), ord=1)
    Array(6.)
    """
    from numpygrad.ops.elementwise import abs as abs_
    from numpygrad.ops.reduction import normalize_axis_args
    from numpygrad.ops.reduction import sum as sum_
    from numpygrad.ops.shape import reshape

    axis, keepdims = normalize_axis_args(axis, keepdims, dim, keepdim)
    (x,) = lift((x,))
    if axis is None:
        if ord is None or x.ndim == 0:
            if ord in ("fro", "nuc"):
                raise ValueError(f"norm: invalid norm order {ord!r} for vectors")
            p = 2 if ord is None else float(ord)
            return VectorNorm.apply(x, p=p, axis=tuple(range(x.ndim)), keepdims=keepdims)
        if x.ndim > 2:
            raise ValueError(f"norm: improper number of dimensions to norm: an ord={ord!r} "
                             f"norm needs a 1-D or 2-D array or an axis, got shape {x.shape}")
        axis = tuple(range(x.ndim))
    axes = normalize_axis_tuple(axis, x.ndim, "axis")
    if len(axes) == 1:
        if isinstance(ord, str):
            raise ValueError(f"norm: invalid norm order {ord!r} for vectors")
        p = 2.0 if ord is None else float(ord)
        return VectorNorm.apply(x, p=p, axis=axes, keepdims=keepdims)
    if len(axes) != 2:
        raise ValueError(f"norm: improper number of dimensions to norm: axis={axis!r}")
    row, col = axes
    if ord in (None, "fro"):
        return VectorNorm.apply(x, p=2.0, axis=axes, keepdims=keepdims)
    if ord in (2, -2, "nuc"):
        return SvdNorm.apply(x, kind=ord, axis=axes, keepdims=keepdims)
    if ord not in (1, -1, np.inf, -np.inf):
        raise ValueError(f"norm: invalid norm order {ord!r} for matrices")
    # 1: largest column sum of |x|; inf: largest row sum. The sums are >= 0, so
    # an inf-norm over them is their max (and -inf their min).
    summed, over = (row, col) if ord in (1, -1) else (col, row)
    s = sum_(abs_(x), axis=summed, keepdims=True)
    out = VectorNorm.apply(s, p=np.inf if ord > 0 else -np.inf, axis=(over,), keepdims=True)
    if keepdims:
        return out
    return reshape(out, tuple(n for i, n in enumerate(x.shape) if i not in axes))
