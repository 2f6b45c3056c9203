"""Reductions: sum, mean, prod, max/min, logsumexp.

Every reduction takes NumPy's ``axis``/``keepdims`` (PyTorch's ``dim``/``keepdim``
are aliases); an axis may be negative or a tuple (``()`` reduces nothing), and
one out of range raises NumPy's ``AxisError``, an ``IndexError`` naming the axis
and ``ndim``. Backward is written with numpygrad ops so every op here can be
differentiated twice; in first-order mode some use plain NumPy for speed.

The variance and standard deviation are in :mod:`numpygrad.ops.statistics`, the
cumulative sum and product in :mod:`numpygrad.ops.scan`.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.lib.array_utils import normalize_axis_tuple

from numpygrad._array import Array, _wrap
from numpygrad._dtype import get_default_dtype
from numpygrad._quiet import quiet
from numpygrad.autograd.function import Function

__all__ = ["sum", "mean", "prod", "max", "min", "amax", "amin", "logsumexp"]

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


def _broadcast_view(a: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """``np.broadcast_to(a, shape)`` for a 0-d ``a`` or one with as many axes as ``shape``.

    ``np.broadcast_to`` builds an iterator to check its arguments, about 2 us on
    a small array, more than the rest of a sum's backward. Here the read-only view
    is made straight from ``a``'s memory, with stride 0 along the broadcast axes;
    ``a`` must be contiguous (a reduction's gradient is; a NumPy scalar, which
    scaling a 0-d array gives, is too), else NumPy's function runs, as it does for
    anything but a plain broadcast of length-1 axes.
    """
    strides: tuple[int, ...] | None = None
    if not a.shape:  # a full reduction's scalar: every stride is 0
        strides = (0,) * len(shape)
    elif len(a.shape) == len(shape):
        kept = []
        for m, n, st in zip(a.shape, shape, a.strides):
            if m == n:
                kept.append(st)
            elif m == 1:
                kept.append(0)
            else:
                break
        else:
            strides = tuple(kept)
    if strides is not None:
        try:  # (a non-contiguous array cannot lend its memory as a buffer)
            view = np.ndarray(shape, a.dtype, buffer=a, strides=strides)
        except (ValueError, TypeError, BufferError):
            pass
        else:
            view.flags.writeable = False  # as np.broadcast_to's result
            return view
    return np.broadcast_to(a, shape)


def _spread_data(grad: np.ndarray, shape: tuple[int, ...], axis: Any, keepdims: bool,
                 scale: float = 1.0) -> np.ndarray:
    """``_spread`` on raw data, for first order (the training hot path): one NumPy view."""
    g = grad if scale == 1.0 else grad * scale
    if g.shape and not keepdims:  # (a full reduction's 0-d gradient needs no reshape)
        g = g.reshape(_keep_shape(shape, axis))
    return _broadcast_view(g, shape)


def _spread(grad: Array, shape: tuple[int, ...], axis: Any, keepdims: bool,
            scale: float = 1.0) -> Array:
    """``scale * grad`` broadcast back to the input's ``shape`` (backward of sum and mean)."""
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

    def _expand_data(self, a: np.ndarray) -> np.ndarray:
        """``_expand`` on a raw ndarray."""
        if self.keepdims:
            return a
        return a.reshape(_keep_shape(self.inputs[0].data.shape, self.axes))


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
        return x.sum(axis=self.axis, keepdims=self.keepdims, dtype=self.dtype)

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

    def backward_data(self, grad: np.ndarray) -> np.ndarray:
        return _spread_data(grad, self.inputs[0].data.shape, self.axis, self.keepdims)


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

    @quiet(divide="ignore", invalid="ignore")  # 0 / 0 = nan on purpose (an empty mean)
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
            s = x.sum(axis=self.axis, keepdims=self.keepdims)
        else:  # accumulate integers exactly in float64, then give the default float dtype
            s = x.sum(axis=self.axis, keepdims=self.keepdims, dtype=np.float64)
        count = x.size // s.size if s.size else 0  # reduced elements per output element
        self.scale = 1.0 / count if count else 1.0
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

    def backward_data(self, grad: np.ndarray) -> np.ndarray:
        return _spread_data(grad, self.inputs[0].data.shape, self.axis, self.keepdims,
                            self.scale)


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
        if not (x.data == 0).any():  # differentiable and cheap away from zeros
            return g * (self._expand(self.output) / x)
        # create_graph with zeros: row k of an (n, n) matrix holds the slice with x_k
        # replaced by 1, so "product of the others" is a differentiable prod (O(n^2)).
        perm, shape_t, flat, inv = _layout(x.shape, self.axes)
        n = flat[-1]
        rows = reshape(transpose(x, perm), flat[:-1] + (1, n))
        others = prod(where(_wrap(np.eye(n, dtype=bool)), 1.0, rows), axis=-1)
        return g * transpose(reshape(others, shape_t), inv)

    def backward_data(self, grad: np.ndarray) -> np.ndarray:
        x = self.inputs[0].data
        if x.size == 0:
            return np.zeros(x.shape, x.dtype)
        # Exact products of the others, O(n) (no division, so zeros are fine); asarray:
        # a 0-d product is a NumPy scalar.
        return np.asarray(self._expand_data(grad) * _others_np(x, self.axes))


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
    # The ufunc's own reduce: np.max adds a Python wrapper (about 1.5 us a call).
    reduce = np.maximum.reduce
    name = "max"

    def forward(self, x: np.ndarray) -> np.ndarray:
        if self._count(x) == 0:
            shape = _keep_shape(x.shape, self.axes)
            name = self.name
            if self.axis is None:
                raise ValueError(f"{name}() of an empty array of shape {x.shape}: there is no "
                                 "identity; specify a reduction axis of non-zero length")
            if math.prod(shape):
                raise ValueError(f"{name}() over axis {self.axis} of an array of shape "
                                 f"{x.shape}: the axis is empty and there is no identity")
            return self._drop(np.empty(shape, dtype=x.dtype))  # nothing to reduce into
        return self.reduce(x, axis=self.axes, keepdims=self.keepdims)

    def backward(self, grad: Array) -> Array:
        return self._expand(grad) * _wrap(self._share(grad.dtype))

    def backward_data(self, grad: np.ndarray) -> np.ndarray:
        return np.asarray(self._expand_data(grad) * self._share(grad.dtype))  # (0-d: an array)

    def _share(self, dtype: Any) -> np.ndarray:
        """Each element's share of its slice's gradient: 1 / (number of ties) at the extremum."""
        x = self.inputs[0].data
        out = self._expand_data(self.output.data)
        hit = (x == out) | (np.isnan(x) & np.isnan(out))
        share = hit / hit.sum(axis=self.axes, keepdims=True)
        return share.astype(dtype, copy=False)


class Min(Max):
    """Minimum over axes; tied minima (and NaNs) share the gradient evenly."""

    reduce = np.minimum.reduce
    name = "min"


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
            m = x.max(axis=self.axes, keepdims=True)
            # Shifting by an infinite max would give inf - inf; rows of -inf give -inf.
            m = np.where(np.isfinite(m), m, 0)
        with np.errstate(divide="ignore", under="ignore", over="ignore"):
            out = np.log(np.exp(x - m).sum(axis=self.axes, keepdims=True)) + m
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

    def backward_data(self, grad: np.ndarray) -> np.ndarray:
        from numpygrad.ops.elementwise import Exp

        x = self.inputs[0].data
        g, out = self._expand_data(grad), self._expand_data(self.output.data)
        bad = np.isinf(out) & (x == out)
        # (Exp's forward: quiet where exp is, and only there; asarray: 0-d gives a scalar)
        if not bad.any():
            return np.asarray(g * Exp().forward(x - out))
        e = Exp().forward(np.where(bad, 0.0, x) - np.where(bad, 0.0, out))
        return np.asarray(g * np.where(bad, math.nan, e))


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
