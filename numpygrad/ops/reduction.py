"""Reductions: sum, mean, var, std, prod, max/min, logsumexp, cumsum, cumprod.

Every reduction takes NumPy's ``axis``/``keepdims`` (PyTorch's ``dim``/``keepdim``
are aliases); an axis may be negative or a tuple (``()`` reduces nothing), and
one out of range raises NumPy's ``AxisError``, an ``IndexError`` naming the axis
and ``ndim``. Backward is written with numpygrad ops so every op here can be
differentiated twice; in first-order mode some use plain NumPy for speed.
"""

from __future__ import annotations

import builtins
import math
from typing import Any

import numpy as np
from numpy.lib.array_utils import normalize_axis_index, normalize_axis_tuple

from numpygrad._array import Array, _wrap
from numpygrad._dtype import get_default_dtype
from numpygrad.autograd.function import Function
from numpygrad.autograd.grad_mode import _grad_enabled

__all__ = ["sum", "mean", "var", "std", "prod", "max", "min", "amax", "amin", "logsumexp",
           "cumsum", "cumprod"]

_quiet = {"divide": "ignore", "invalid": "ignore", "over": "ignore", "under": "ignore"}
Axis = int | tuple[int, ...] | None


def normalize_axis_args(
    axis: Any, keepdims: bool | None, dim: Any, keepdim: bool | None
) -> tuple[int | tuple[int, ...] | None, bool]:
    """Merge NumPy's and PyTorch's spellings of the reduction arguments."""
    if dim is not None:
        if axis is not None:
            raise TypeError("give either axis or dim, not both")
        axis = dim
    if keepdim is not None:
        if keepdims is not None:
            raise TypeError("give either keepdims or keepdim, not both")
        keepdims = keepdim
    if isinstance(axis, list):
        axis = tuple(axis)
    elif isinstance(axis, bool):  # torch's old positional `var(x, True)` means unbiased
        raise TypeError("axis must be an int or a tuple of ints, got a bool")
    return axis, bool(keepdims)


def _axes(axis: Axis, ndim: int) -> tuple[int, ...]:
    """Sorted non-negative axes (None = all); AxisError (an IndexError) when out of range."""
    return tuple(range(ndim)) if axis is None else tuple(sorted(normalize_axis_tuple(axis, ndim)))


def _keep_shape(shape: tuple[int, ...], axis: Axis) -> tuple[int, ...]:
    """``shape`` with the (already validated) reduced axes set to 1."""
    nd = len(shape) or 1
    if axis is None:
        return (1,) * len(shape)
    axes = (axis % nd,) if isinstance(axis, (int, np.integer)) else tuple(a % nd for a in axis)
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


def expand_reduced(grad: Array, in_shape: tuple[int, ...], axis: Any, keepdims: bool) -> Array:
    """Reshape a reduced gradient so it broadcasts against the input's shape."""
    from numpygrad.ops.shape import reshape

    if keepdims:
        return grad
    shape = _keep_shape(in_shape, axis)
    return grad if grad.shape == shape else reshape(grad, shape)


def _spread(grad: Array, shape: tuple[int, ...], axis: Any, keepdims: bool,
            scale: float = 1.0) -> Array:
    """``scale * grad`` broadcast back to the input's ``shape`` (backward of sum and mean)."""
    if not _grad_enabled.get():  # first order, the training hot path: one NumPy view
        g = grad.data if keepdims else grad.data.reshape(_keep_shape(shape, axis))
        return _wrap(np.broadcast_to(g if scale == 1.0 else g * scale, shape))
    from numpygrad.ops.shape import broadcast_to

    g = expand_reduced(grad, shape, axis, keepdims)
    g = g if scale == 1.0 else g * scale
    return g if g.shape == shape else broadcast_to(g, shape)


def _layout(shape: tuple[int, ...], axes: tuple[int, ...]) -> tuple[Any, ...]:
    """(perm, permuted shape, (..., n) shape, inverse perm): reduced axes last, flattened."""
    perm = tuple(i for i in range(len(shape)) if i not in axes) + axes
    shape_t = tuple(shape[i] for i in perm)
    lead = shape_t[: len(shape) - len(axes)]
    return perm, shape_t, lead + (math.prod(shape_t[len(lead):]),), tuple(np.argsort(perm))


class _Reduction(Function):
    """Base of the reductions: ``axis``/``keepdims`` options and shape helpers."""

    def __init__(self, axis: Any = None, keepdims: bool = False) -> None:
        self.axis = axis
        self.keepdims = keepdims

    def _count(self, x: np.ndarray) -> int:
        """Validate the axes and return how many elements each output reduces."""
        self.axes = _axes(self.axis, x.ndim)
        return math.prod(x.shape[a] for a in self.axes)

    def _drop(self, out: np.ndarray) -> np.ndarray:
        """Drop the kept (length-1) reduced axes unless ``keepdims``."""
        return out if self.keepdims else out.reshape(np.squeeze(out, self.axes).shape)

    def _expand(self, a: Array) -> Array:
        """A reduced Array (gradient or output) reshaped to broadcast against the input."""
        return expand_reduced(a, self.inputs[0].shape, self.axes, self.keepdims)


class Sum(Function):
    """Sum over axes; backward broadcasts the gradient back.

    Parameters
    ----------
    axis : int or tuple of int, optional
        The axes to reduce (all by default).
    keepdims : bool
        Keep reduced axes with length 1.
    dtype : dtype, optional
        The accumulator and result dtype.

    Examples
    --------
    >>> import numpygrad as npg
    >>> from numpygrad import functions as F
    >>> F.Sum(axis=0)(npg.array([[1.0, 2.0], [3.0, 4.0]]))
    Array([4., 6.])
    """

    save_inputs = False

    def __init__(self, axis: Any = None, keepdims: bool = False, dtype: Any = None) -> None:
        self.axis = axis
        self.keepdims = keepdims
        self.dtype = dtype

    def forward(self, x: np.ndarray) -> np.ndarray:
        """Return ``np.sum`` of the raw ndarray with the node's options.

        Examples
        --------
        >>> import numpy as np
        >>> import numpygrad as npg
        >>> from numpygrad import functions as F
        >>> F.Sum(axis=0).forward(np.ones((2, 3)))
        array([2., 2., 2.])
        """
        return np.sum(x, axis=self.axis, keepdims=self.keepdims, dtype=self.dtype)

    def backward(self, grad: Array) -> Array:
        """Broadcast ``grad`` back to the input's shape.

        Examples
        --------
        >>> import numpygrad as npg
        >>> from numpygrad import functions as F
        >>> x = npg.array([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
        >>> F.Sum(axis=1)(x).backward(npg.array([1.0, 10.0]))
        >>> x.grad
        Array([[ 1.,  1.],
               [10., 10.]])
        """
        return _spread(grad, self.inputs[0].shape, self.axis, self.keepdims)


def sum(  # noqa: A001 - NumPy's name
    x: Any, axis: Axis = None, keepdims: bool | None = None, *, dim: Any = None,
    keepdim: bool | None = None, dtype: Any = None,
) -> Array:
    """Sum of elements over ``axis`` (all axes by default).

    Integer and boolean input sum to int64 (NumPy and PyTorch); float32 stays
    float32. The sum of nothing is 0. NaN in the input gives a NaN result but
    gradient 1 for every element.

    Parameters
    ----------
    x : Array
        The input.
    axis, dim : int or tuple of int, optional
        The axes to reduce (``dim`` is PyTorch's spelling); ``()`` reduces none.
    keepdims, keepdim : bool
        Keep reduced axes with length 1.
    dtype : dtype, optional
        The accumulator and result dtype.

    Examples
    --------
    >>> import numpygrad as npg
    >>> x = npg.array([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    >>> npg.sum(x, axis=0)
    Array([4., 6.], grad_fn=<Sum>)
    >>> x.sum(dim=1, keepdim=True).shape
    (2, 1)
    """
    axis, keepdims = normalize_axis_args(axis, keepdims, dim, keepdim)
    return Sum.apply(x, axis=axis, keepdims=keepdims, dtype=dtype)


class Mean(_Reduction):
    """Arithmetic mean; the mean of an empty selection is nan (no warning).

    Parameters
    ----------
    axis : int or tuple of int, optional
        The axes to reduce (all by default).
    keepdims : bool
        Keep reduced axes with length 1.

    Examples
    --------
    >>> import numpygrad as npg
    >>> from numpygrad import functions as F
    >>> F.Mean(axis=1)(npg.array([[1.0, 3.0], [2.0, 6.0]]))
    Array([2., 4.])
    """

    save_inputs = False

    def forward(self, x: np.ndarray) -> np.ndarray:
        """Return the mean of the raw ndarray; integers give the default float dtype.

        Examples
        --------
        >>> import numpy as np
        >>> import numpygrad as npg
        >>> from numpygrad import functions as F
        >>> F.Mean(axis=1).forward(np.array([[1, 3], [2, 6]]))
        array([2., 4.], dtype=float32)
        """
        if x.dtype.kind in "fc":
            s = np.sum(x, axis=self.axis, keepdims=self.keepdims)
        else:  # accumulate integers exactly in float64, then give the default float dtype
            s = np.sum(x, axis=self.axis, keepdims=self.keepdims, dtype=np.float64)
        count = x.size // s.size if s.size else 0  # reduced elements per output element
        self.scale = 1.0 / count if count else 1.0
        with np.errstate(divide="ignore", invalid="ignore"):  # 0 / 0 = nan on purpose
            out = s / count
        return out if x.dtype.kind in "fc" else out.astype(get_default_dtype())

    def backward(self, grad: Array) -> Array:
        """Broadcast ``grad`` back to the input's shape, divided by the count.

        Examples
        --------
        >>> import numpygrad as npg
        >>> from numpygrad import functions as F
        >>> x = npg.array([1.0, 2.0, 6.0, 7.0], requires_grad=True)
        >>> F.Mean()(x).backward()
        >>> x.grad
        Array([0.25, 0.25, 0.25, 0.25])
        """
        return _spread(grad, self.inputs[0].shape, self.axis, self.keepdims, self.scale)


def mean(x: Any, axis: Axis = None, keepdims: bool | None = None, *, dim: Any = None,
         keepdim: bool | None = None) -> Array:
    """Arithmetic mean over ``axis`` (all axes by default).

    Integer input gives the default float dtype. The mean of nothing is nan,
    without a warning.

    Examples
    --------
    >>> import numpygrad as npg
    >>> npg.mean(npg.array([[1.0, 2.0], [3.0, 5.0]]), axis=1)
    Array([1.5, 4. ])
    >>> npg.mean(npg.zeros(0))
    Array(nan)
    """
    axis, keepdims = normalize_axis_args(axis, keepdims, dim, keepdim)
    return Mean.apply(x, axis=axis, keepdims=keepdims)


class Var(_Reduction):
    """Variance with ``ddof`` (two-pass: mean first, then squared deviations)."""

    def __init__(self, axis: Any = None, keepdims: bool = False, ddof: float = 0) -> None:
        super().__init__(axis, keepdims)
        self.ddof = ddof

    def forward(self, x: np.ndarray) -> np.ndarray:
        n = self._count(x)
        # NumPy's rule: a non-positive number of degrees of freedom divides by 0 (inf or nan).
        self.denom = builtins.max(n - self.ddof, 0)
        xf = x if x.dtype.kind == "f" else x.astype(np.float64)
        d = xf - np.sum(xf, axis=self.axes, keepdims=True) / builtins.max(n, 1)
        with np.errstate(**_quiet):
            out = np.sum(d * d, axis=self.axes, keepdims=self.keepdims) / self.denom
        return out if x.dtype.kind == "f" else out.astype(get_default_dtype())

    def backward(self, grad: Array) -> Array:
        return self._grad_from_var(self._expand(grad))

    def _grad_from_var(self, g: Array) -> Array:
        # d var / dx = 2 (x - mean) / denom; the mean is recomputed with numpygrad ops
        # so that the gradient itself can be differentiated.
        (x,) = self.inputs
        factor = 2.0 / self.denom if self.denom > 0 else math.nan
        return (g * factor) * (x - mean(x, axis=self.axes, keepdims=True))


class Std(Var):
    """Standard deviation; its gradient is 0 (not nan) where it is 0 (PyTorch)."""

    save_output = True

    def forward(self, x: np.ndarray) -> np.ndarray:
        with np.errstate(invalid="ignore"):
            return np.sqrt(super().forward(x))

    def backward(self, grad: Array) -> Array:
        from numpygrad.ops.elementwise import where

        s = self.output
        zero = s.data == 0
        if zero.any():  # "double where" so neither branch produces inf or nan
            z = _wrap(zero)
            gv = where(z, 0.0, grad / (2 * where(z, 1.0, s)))
        else:
            gv = grad / (2 * s)
        return self._grad_from_var(self._expand(gv))


def _ddof(ddof: float | None, correction: float | None, unbiased: bool | None) -> float:
    given = [k for k, v in (("ddof", ddof), ("correction", correction), ("unbiased", unbiased))
             if v is not None]
    if len(given) > 1:
        raise TypeError(f"give only one of ddof, correction and unbiased, got {given}")
    if unbiased is not None:
        return 1 if unbiased else 0
    return ddof if ddof is not None else correction if correction is not None else 0


def var(
    x: Any, axis: Axis = None, keepdims: bool | None = None, *, ddof: float | None = None,
    correction: float | None = None, unbiased: bool | None = None, dim: Any = None,
    keepdim: bool | None = None,
) -> Array:
    """Variance over ``axis``: ``sum((x - mean)**2) / (N - ddof)``.

    The default is NumPy's population variance, ``ddof=0``; PyTorch's
    ``Tensor.var()`` defaults to ``correction=1``, so pass that to match it.
    When ``N - ddof <= 0`` the result is nan or inf, without a warning.
    Integer input gives the default float dtype.

    Parameters
    ----------
    x : Array
        The input.
    axis, dim : int or tuple of int, optional
        The axes to reduce (all by default).
    keepdims, keepdim : bool
        Keep reduced axes with length 1.
    ddof, correction : float, optional
        Delta degrees of freedom (NumPy's and PyTorch's names); default 0.
    unbiased : bool, optional
        PyTorch's older spelling: True means ``ddof=1``.

    Examples
    --------
    >>> import numpygrad as npg
    >>> x = npg.array([1.0, 2.0, 3.0, 4.0])
    >>> npg.var(x), x.var(correction=1)
    (Array(1.25), Array(1.6666666))
    """
    axis, keepdims = normalize_axis_args(axis, keepdims, dim, keepdim)
    return Var.apply(x, axis=axis, keepdims=keepdims, ddof=_ddof(ddof, correction, unbiased))


def std(
    x: Any, axis: Axis = None, keepdims: bool | None = None, *, ddof: float | None = None,
    correction: float | None = None, unbiased: bool | None = None, dim: Any = None,
    keepdim: bool | None = None,
) -> Array:
    """Standard deviation, ``sqrt(var(x, ...))``; same arguments as :func:`var`.

    The default is NumPy's ``ddof=0``; PyTorch's default is ``correction=1``.
    Where the result is 0 (a constant input) the gradient is 0, not nan.

    Examples
    --------
    >>> import numpygrad as npg
    >>> x = npg.array([2.0, 2.0, 2.0], requires_grad=True)
    >>> y = npg.std(x)
    >>> y.backward()
    >>> y, x.grad
    (Array(0., grad_fn=<Std>), Array([0., 0., 0.]))
    """
    axis, keepdims = normalize_axis_args(axis, keepdims, dim, keepdim)
    return Std.apply(x, axis=axis, keepdims=keepdims, ddof=_ddof(ddof, correction, unbiased))


def _others_np(x: np.ndarray, axes: tuple[int, ...]) -> np.ndarray:
    """For each element, the product of the other elements of its slice (no division)."""
    perm, shape_t, flat, inv = _layout(x.shape, axes)
    xl = x.transpose(perm).reshape(flat)
    one = np.ones(flat[:-1] + (1,), dtype=x.dtype)
    with np.errstate(**_quiet):
        before = np.cumprod(np.concatenate([one, xl[..., :-1]], axis=-1), axis=-1)
        after = np.cumprod(np.concatenate([one, xl[..., :0:-1]], axis=-1), axis=-1)[..., ::-1]
        return (before * after).reshape(shape_t).transpose(inv)


class Prod(_Reduction):
    """Product over axes; the gradient is exact with zeros."""

    save_output = True

    def forward(self, x: np.ndarray) -> np.ndarray:
        self._count(x)
        with np.errstate(over="ignore", under="ignore", invalid="ignore"):
            return np.prod(x, axis=self.axes, keepdims=self.keepdims)

    def backward(self, grad: Array) -> Array:
        from numpygrad.ops.elementwise import where
        from numpygrad.ops.shape import reshape, transpose

        (x,) = self.inputs
        g = self._expand(grad)
        if x.size == 0:
            return _wrap(np.zeros(x.shape, x.dtype))
        if not _grad_enabled.get():  # first order: exact products of the others, O(n)
            return g * _wrap(_others_np(x.data, self.axes))
        if not (x.data == 0).any():  # differentiable and cheap away from zeros
            return g * (self._expand(self.output) / x)
        # create_graph with zeros: row k of an (n, n) matrix holds the slice with x_k
        # replaced by 1, so "product of the others" is a differentiable prod (O(n^2)).
        perm, shape_t, flat, inv = _layout(x.shape, self.axes)
        n = flat[-1]
        rows = reshape(transpose(x, perm), flat[:-1] + (1, n))
        others = prod(where(_wrap(np.eye(n, dtype=bool)), 1.0, rows), axis=-1)
        return g * transpose(reshape(others, shape_t), inv)


def prod(x: Any, axis: Axis = None, keepdims: bool | None = None, *, dim: Any = None,
         keepdim: bool | None = None) -> Array:
    """Product of elements over ``axis`` (all axes by default); the product of nothing is 1.

    The gradient of each element is the product of the others in its slice,
    computed without division: exact with one zero (only that position gets a
    gradient) or several (all zero). Twice differentiable everywhere; at zeros
    the second derivative costs O(n^2) memory per slice of length n.

    Examples
    --------
    >>> import numpygrad as npg
    >>> x = npg.array([2.0, 0.0, 3.0], requires_grad=True)
    >>> npg.prod(x).backward()
    >>> x.grad
    Array([0., 6., 0.])
    """
    axis, keepdims = normalize_axis_args(axis, keepdims, dim, keepdim)
    return Prod.apply(x, axis=axis, keepdims=keepdims)


class Max(_Reduction):
    """Maximum over axes; tied maxima (and NaNs) share the gradient evenly."""

    save_output = True
    reduce = staticmethod(np.max)

    def forward(self, x: np.ndarray) -> np.ndarray:
        if self._count(x) == 0:
            shape = _keep_shape(x.shape, self.axes)
            name = self.reduce.__name__
            if self.axis is None:
                raise ValueError(f"{name}() of an empty array of shape {x.shape}: there is no "
                                 "identity; specify a reduction axis of non-zero length")
            if math.prod(shape):
                raise ValueError(f"{name}() over axis {self.axis} of an array of shape "
                                 f"{x.shape}: the axis is empty and there is no identity")
            return self._drop(np.empty(shape, dtype=x.dtype))  # nothing to reduce into
        return self.reduce(x, axis=self.axes, keepdims=self.keepdims)

    def backward(self, grad: Array) -> Array:
        x = self.inputs[0].data
        out = self._expand(self.output).data
        hit = (x == out) | (np.isnan(x) & np.isnan(out))
        share = hit / np.sum(hit, axis=self.axes, keepdims=True)
        return self._expand(grad) * _wrap(share.astype(grad.dtype, copy=False))


class Min(Max):
    """Minimum over axes; tied minima (and NaNs) share the gradient evenly."""

    reduce = staticmethod(np.min)


def max(x: Any, axis: Axis = None, keepdims: bool | None = None, *, dim: Any = None,  # noqa: A001
        keepdim: bool | None = None) -> Array:
    """Maximum over ``axis`` (all axes by default), like ``np.max``; alias ``amax``.

    Tied maxima split the gradient evenly, with or without an axis (PyTorch's
    ``amax``); NaN propagates and takes the gradient. Only the values are
    returned: PyTorch's ``max(dim)`` also returns indices, use
    :func:`numpygrad.argmax` for those. An empty reduction raises ValueError.

    Examples
    --------
    >>> import numpygrad as npg
    >>> x = npg.array([1.0, 3.0, 3.0], requires_grad=True)
    >>> npg.max(x).backward()
    >>> x.grad
    Array([0. , 0.5, 0.5])
    """
    axis, keepdims = normalize_axis_args(axis, keepdims, dim, keepdim)
    return Max.apply(x, axis=axis, keepdims=keepdims)


def min(x: Any, axis: Axis = None, keepdims: bool | None = None, *, dim: Any = None,  # noqa: A001
        keepdim: bool | None = None) -> Array:
    """Minimum over ``axis`` (all axes by default), like ``np.min``; alias ``amin``.

    The mirror image of :func:`max`: ties split the gradient evenly, NaN
    propagates, an empty reduction raises ValueError.

    Examples
    --------
    >>> import numpygrad as npg
    >>> npg.min(npg.array([[4.0, 1.0], [2.0, 3.0]]), dim=1)
    Array([1., 2.])
    """
    axis, keepdims = normalize_axis_args(axis, keepdims, dim, keepdim)
    return Min.apply(x, axis=axis, keepdims=keepdims)


amax = max
amin = min


class LogSumExp(_Reduction):
    """``log(sum(exp(x)))`` computed stably; the gradient is the softmax."""

    save_output = True

    def forward(self, x: np.ndarray) -> np.ndarray:
        if x.dtype.kind not in "fc":
            x = x.astype(get_default_dtype())
        if self._count(x) == 0:
            m = np.zeros(_keep_shape(x.shape, self.axes), dtype=x.dtype)  # log(0) = -inf
        else:
            m = np.max(x, axis=self.axes, keepdims=True)
            # Shifting by an infinite max would give inf - inf; rows of -inf give -inf.
            m = np.where(np.isfinite(m), m, 0)
        with np.errstate(divide="ignore", under="ignore", over="ignore"):
            out = np.log(np.sum(np.exp(x - m), axis=self.axes, keepdims=True)) + m
        return self._drop(out)

    def backward(self, grad: Array) -> Array:
        from numpygrad.ops.elementwise import exp, where

        (x,) = self.inputs
        g, out = self._expand(grad), self._expand(self.output)
        # inf - inf (a row of -inf, or +inf entries) has softmax nan, as in PyTorch;
        # sanitise both operands so the subtraction itself stays quiet.
        bad = np.isinf(out.data) & (x.data == out.data)
        if not bad.any():
            return g * exp(x - out)
        b = _wrap(bad)
        return g * where(b, math.nan, exp(where(b, 0.0, x) - where(b, 0.0, out)))


def logsumexp(x: Any, axis: Axis = None, keepdims: bool | None = None, *, dim: Any = None,
              keepdim: bool | None = None) -> Array:
    """``log(sum(exp(x)))`` over ``axis`` without overflow (all axes by default).

    The max is subtracted first, so huge inputs are fine; a slice of ``-inf``
    (or an empty one) gives ``-inf`` without a warning. The gradient is the
    softmax, and it is differentiable again.

    Examples
    --------
    >>> import numpygrad as npg
    >>> x = npg.array([10000.0, 10000.0], dtype="float64", requires_grad=True)
    >>> y = npg.logsumexp(x)
    >>> y.backward()
    >>> round(y.item(), 6), x.grad
    (10000.693147, Array([0.5, 0.5], dtype=float64))
    """
    axis, keepdims = normalize_axis_args(axis, keepdims, dim, keepdim)
    return LogSumExp.apply(x, axis=axis, keepdims=keepdims)


def _axis_arg(x: Any, axis: Any, dim: Any) -> tuple[Array, int]:
    """Lift ``x`` and pick the scan axis; None flattens (NumPy), 0-d acts as 1-d."""
    from numpygrad.autograd.function import lift
    from numpygrad.ops.shape import reshape

    axis, _ = normalize_axis_args(axis, None, dim, None)
    (x,) = lift((x,))
    if axis is None or x.ndim == 0:
        x = reshape(x, -1)
        axis = 0 if axis is None else axis
    if not isinstance(axis, (int, np.integer)) or isinstance(axis, bool):
        raise TypeError(f"the axis of a scan must be one int, got {axis!r}")
    return x, normalize_axis_index(int(axis), x.ndim)


class Cumsum(Function):
    """Cumulative sum along one axis (or from the end when ``reverse``)."""

    save_inputs = False

    def __init__(self, axis: int, reverse: bool = False) -> None:
        self.axis = axis
        self.reverse = reverse

    def forward(self, x: np.ndarray) -> np.ndarray:
        if self.reverse:
            return np.flip(np.cumsum(np.flip(x, self.axis), axis=self.axis), self.axis)
        return np.cumsum(x, axis=self.axis)

    def backward(self, grad: Array) -> Array:
        return Cumsum.apply(grad, axis=self.axis, reverse=not self.reverse)


def cumsum(x: Any, axis: int | None = None, *, dim: int | None = None) -> Array:
    """Cumulative sum along ``axis``; ``axis=None`` flattens first, as in NumPy.

    Integer input accumulates in int64. The gradient is the reversed
    cumulative sum of the upstream gradient.

    Examples
    --------
    >>> import numpygrad as npg
    >>> npg.cumsum(npg.array([[1.0, 2.0], [3.0, 4.0]]), dim=1)
    Array([[1., 3.],
           [3., 7.]])
    >>> npg.cumsum(npg.array([[1, 2], [3, 4]]))
    Array([ 1,  3,  6, 10])
    """
    x, axis = _axis_arg(x, axis, dim)
    return Cumsum.apply(x, axis=axis)


def _cumprod_grad_np(x: np.ndarray, y: np.ndarray, g: np.ndarray, axis: int) -> np.ndarray:
    """First-order gradient of ``y = cumprod(x)`` in O(n), exact with zeros (PyTorch's way)."""
    xl, gl = np.moveaxis(x, axis, -1), np.moveaxis(g, axis, -1)
    rcs = np.cumsum((gl * np.moveaxis(y, axis, -1))[..., ::-1], axis=-1)[..., ::-1]
    zero = xl == 0
    if not zero.any():
        return np.moveaxis(rcs / xl, -1, axis)
    # Only inputs up to the first zero z of a slice get a gradient. Before z the
    # usual sum(g * y) / x is safe; at z it is sum_{i>=z} g_i * cumprod(x with x_z = 1)_i.
    n = xl.shape[-1]
    idx = np.arange(n)
    z = np.where(zero.any(-1, keepdims=True), np.argmax(zero, -1, keepdims=True), n)
    out = np.where(idx < z, rcs / np.where(idx < z, xl, 1), 0)
    y1 = np.cumprod(np.where(idx == z, 1, xl), axis=-1)
    at_z = np.sum(np.where(idx >= z, gl * y1, 0), axis=-1, keepdims=True)
    return np.moveaxis(np.where(idx == z, at_z, out), -1, axis)


class Cumprod(Function):
    """Cumulative product along one axis; the gradient is exact with zeros."""

    save_output = True

    def __init__(self, axis: int) -> None:
        self.axis = axis

    def forward(self, x: np.ndarray) -> np.ndarray:
        with np.errstate(**_quiet):
            return np.cumprod(x, axis=self.axis)

    def backward(self, grad: Array) -> Array:
        from numpygrad.ops.elementwise import where
        from numpygrad.ops.shape import reshape, swapaxes

        (x,) = self.inputs
        if not _grad_enabled.get():
            with np.errstate(**_quiet):
                return _wrap(_cumprod_grad_np(x.data, self.output.data, grad.data,
                                                  self.axis))
        if not (x.data == 0).any():  # differentiable and cheap away from zeros
            return Cumsum.apply(grad * self.output, axis=self.axis, reverse=True) / x
        # create_graph with zeros, O(n^2): row k is the slice with x_k replaced by 1,
        # so grad_k = sum_{i>=k} g_i * cumprod(row k)_i, all differentiable.
        xl, gl = swapaxes(x, self.axis, -1), swapaxes(grad, self.axis, -1)
        n = xl.shape[-1]
        rows = where(_wrap(np.eye(n, dtype=bool)), 1.0, reshape(xl, xl.shape[:-1] + (1, n)))
        terms = cumprod(rows, axis=-1) * reshape(gl, gl.shape[:-1] + (1, n))
        gk = sum(where(_wrap(np.triu(np.ones((n, n), dtype=bool))), terms, 0.0), axis=-1)
        return swapaxes(gk, self.axis, -1)


def cumprod(x: Any, axis: int | None = None, *, dim: int | None = None) -> Array:
    """Cumulative product along ``axis``; ``axis=None`` flattens first, as in NumPy.

    The gradient is computed without dividing by zero: exact when the input
    has zeros (only entries up to the first zero of a slice get a gradient).
    It is twice differentiable; at zeros the second derivative costs O(n^2)
    memory per slice of length n.

    Examples
    --------
    >>> import numpygrad as npg
    >>> x = npg.array([2.0, 0.0, 3.0], requires_grad=True)
    >>> y = npg.cumprod(x)
    >>> y.sum().backward()
    >>> y, x.grad
    (Array([2., 0., 0.], grad_fn=<Cumprod>), Array([1., 8., 0.]))
    """
    x, axis = _axis_arg(x, axis, dim)
    return Cumprod.apply(x, axis=axis)
