"""Comparisons, logic, predicates and integer arithmetic: results without gradient.

These functions never record a node, never fail on inputs that require grad,
and return Arrays with ``grad_fn is None`` (they are not differentiable).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from numpygrad._array import Array, _wrap
from numpygrad.autograd.function import lift

__all__ = [
    "equal", "not_equal", "less", "less_equal", "greater", "greater_equal",
    "logical_and", "logical_or", "logical_xor", "logical_not",
    "isnan", "isinf", "isfinite", "isclose", "allclose", "array_equal",
    "floor_divide", "remainder", "bitwise_and", "bitwise_or", "bitwise_xor",
    "argmax", "argmin", "all", "any", "sort", "argsort", "nonzero",
]


def _binary(ufunc: np.ufunc, a: Any, b: Any) -> Array:
    x, y = lift((a, b))
    return _wrap(np.asarray(ufunc(x.data, y.data)))


def _unary(ufunc: np.ufunc, a: Any) -> Array:
    (x,) = lift((a,))
    return _wrap(np.asarray(ufunc(x.data)))


def equal(a: Any, b: Any) -> Array:
    """Elementwise ``a == b`` as a boolean Array (no gradient).

    Examples
    --------
    >>> import numpygrad as npg
    >>> npg.equal(npg.array([1.0, 2.0], requires_grad=True), 2.0)
    Array([False,  True])
    """
    return _binary(np.equal, a, b)


def not_equal(a: Any, b: Any) -> Array:
    """Elementwise ``a != b`` (no gradient).

    Examples
    --------
    >>> import numpygrad as npg
    >>> npg.not_equal(npg.array([1, 2]), 2)
    Array([ True, False])
    """
    return _binary(np.not_equal, a, b)


def less(a: Any, b: Any) -> Array:
    """Elementwise ``a < b`` (no gradient).

    Examples
    --------
    >>> import numpygrad as npg
    >>> npg.less(npg.array([1.0, 3.0]), 2.0)
    Array([ True, False])
    """
    return _binary(np.less, a, b)


def less_equal(a: Any, b: Any) -> Array:
    """Elementwise ``a <= b`` (no gradient).

    Examples
    --------
    >>> import numpygrad as npg
    >>> npg.less_equal(npg.array([2.0, 3.0]), 2.0)
    Array([ True, False])
    """
    return _binary(np.less_equal, a, b)


def greater(a: Any, b: Any) -> Array:
    """Elementwise ``a > b`` (no gradient).

    Examples
    --------
    >>> import numpygrad as npg
    >>> x = npg.array([-1.0, 2.0], requires_grad=True)
    >>> m = x > 0
    >>> m, m.grad_fn
    (Array([False,  True]), None)
    """
    return _binary(np.greater, a, b)


def greater_equal(a: Any, b: Any) -> Array:
    """Elementwise ``a >= b`` (no gradient).

    Examples
    --------
    >>> import numpygrad as npg
    >>> npg.greater_equal(npg.array([2.0, 1.0]), 2.0)
    Array([ True, False])
    """
    return _binary(np.greater_equal, a, b)


def logical_and(a: Any, b: Any) -> Array:
    """Elementwise logical and (no gradient).

    Examples
    --------
    >>> import numpygrad as npg
    >>> npg.logical_and(npg.array([True, True]), npg.array([True, False]))
    Array([ True, False])
    """
    return _binary(np.logical_and, a, b)


def logical_or(a: Any, b: Any) -> Array:
    """Elementwise logical or (no gradient).

    Examples
    --------
    >>> import numpygrad as npg
    >>> npg.logical_or(npg.array([True, False]), False)
    Array([ True, False])
    """
    return _binary(np.logical_or, a, b)


def logical_xor(a: Any, b: Any) -> Array:
    """Elementwise logical exclusive or (no gradient).

    Examples
    --------
    >>> import numpygrad as npg
    >>> npg.logical_xor(npg.array([True, False]), True)
    Array([False,  True])
    """
    return _binary(np.logical_xor, a, b)


def logical_not(a: Any) -> Array:
    """Elementwise logical not (no gradient).

    Examples
    --------
    >>> import numpygrad as npg
    >>> npg.logical_not(npg.array([True, False]))
    Array([False,  True])
    """
    return _unary(np.logical_not, a)


def isnan(a: Any) -> Array:
    """Elementwise test for NaN (no gradient).

    Examples
    --------
    >>> import numpygrad as npg
    >>> npg.isnan(npg.array([1.0, float("nan")]))
    Array([False,  True])
    """
    return _unary(np.isnan, a)


def isinf(a: Any) -> Array:
    """Elementwise test for positive or negative infinity (no gradient).

    Examples
    --------
    >>> import numpygrad as npg
    >>> npg.isinf(npg.array([1.0, float("inf")]))
    Array([False,  True])
    """
    return _unary(np.isinf, a)


def isfinite(a: Any) -> Array:
    """Elementwise test for finiteness (no gradient).

    Examples
    --------
    >>> import numpygrad as npg
    >>> npg.isfinite(npg.array([1.0, float("inf")]))
    Array([ True, False])
    """
    return _unary(np.isfinite, a)


def isclose(a: Any, b: Any, rtol: float = 1e-05, atol: float = 1e-08,
            equal_nan: bool = False) -> Array:
    """Elementwise closeness test, like ``np.isclose`` (no gradient).

    Examples
    --------
    >>> import numpygrad as npg
    >>> npg.isclose(npg.array([1.0, 2.0]), 1.0)
    Array([ True, False])
    """
    x, y = lift((a, b))
    return _wrap(np.asarray(np.isclose(x.data, y.data, rtol=rtol, atol=atol, equal_nan=equal_nan)))


def allclose(a: Any, b: Any, rtol: float = 1e-05, atol: float = 1e-08,
             equal_nan: bool = False) -> bool:
    """Whether all elements are close, like ``np.allclose``.

    Examples
    --------
    >>> import numpygrad as npg
    >>> npg.allclose(npg.array([1.0, 2.0]), [1.0, 2.0 + 1e-9])
    True
    """
    x, y = lift((a, b))
    return bool(np.allclose(x.data, y.data, rtol=rtol, atol=atol, equal_nan=equal_nan))


def array_equal(a: Any, b: Any) -> bool:
    """Whether both arrays have the same shape and elements.

    Examples
    --------
    >>> import numpygrad as npg
    >>> npg.array_equal(npg.array([1, 2]), [1, 2])
    True
    """
    x, y = lift((a, b))
    return bool(np.array_equal(x.data, y.data))


def _check_int_zero(x: Array, y: Array, name: str) -> None:
    if x.data.dtype.kind in "iub" and y.data.dtype.kind in "iub" and np.any(y.data == 0):
        raise ZeroDivisionError(f"integer {name} by zero")


def floor_divide(a: Any, b: Any) -> Array:
    """Elementwise floor division ``a // b`` (no gradient).

    Integer division by zero raises ``ZeroDivisionError`` instead of NumPy's
    warning and a silent 0.

    Examples
    --------
    >>> import numpygrad as npg
    >>> npg.floor_divide(npg.array([7, -7]), 2)
    Array([ 3, -4])
    """
    x, y = lift((a, b))
    _check_int_zero(x, y, "division")
    with np.errstate(divide="ignore", invalid="ignore"):
        return _wrap(np.asarray(np.floor_divide(x.data, y.data)))


def remainder(a: Any, b: Any) -> Array:
    """Elementwise remainder ``a % b`` with the sign of ``b`` (no gradient).

    Examples
    --------
    >>> import numpygrad as npg
    >>> npg.remainder(npg.array([7, -7]), 3)
    Array([1, 2])
    """
    x, y = lift((a, b))
    _check_int_zero(x, y, "modulo")
    with np.errstate(divide="ignore", invalid="ignore"):
        return _wrap(np.asarray(np.remainder(x.data, y.data)))


def bitwise_and(a: Any, b: Any) -> Array:
    """Elementwise ``a & b`` for integer and boolean arrays (no gradient).

    Examples
    --------
    >>> import numpygrad as npg
    >>> npg.bitwise_and(npg.array([True, True]), npg.array([True, False]))
    Array([ True, False])
    """
    return _binary(np.bitwise_and, a, b)


def bitwise_or(a: Any, b: Any) -> Array:
    """Elementwise ``a | b`` for integer and boolean arrays (no gradient).

    Examples
    --------
    >>> import numpygrad as npg
    >>> npg.bitwise_or(npg.array([1, 2]), 1)
    Array([1, 3])
    """
    return _binary(np.bitwise_or, a, b)


def bitwise_xor(a: Any, b: Any) -> Array:
    """Elementwise ``a ^ b`` for integer and boolean arrays (no gradient).

    Examples
    --------
    >>> import numpygrad as npg
    >>> npg.bitwise_xor(npg.array([1, 2]), 3)
    Array([2, 1])
    """
    return _binary(np.bitwise_xor, a, b)


def _axis(axis: Any, dim: Any) -> Any:
    if dim is not None:
        if axis is not None:
            raise TypeError("give either axis or dim, not both")
        return dim
    return axis


def _keep(keepdims: Any, keepdim: Any) -> bool:
    return bool(keepdim if keepdim is not None else keepdims)


def argmax(x: Any, axis: int | None = None, keepdims: bool = False, *, dim: Any = None,
           keepdim: Any = None) -> Array:
    """Indices of the maxima along ``axis`` (flattened by default); no gradient.

    NaN counts as the maximum. An empty array without an axis raises.

    Examples
    --------
    >>> import numpygrad as npg
    >>> npg.argmax(npg.array([[1.0, 3.0], [4.0, 2.0]]), dim=1)
    Array([1, 0])
    """
    (a,) = lift((x,))
    axis = _axis(axis, dim)
    if a.data.size == 0 and axis is None:
        raise ValueError("argmax of an empty array: specify the reduction axis")
    return _wrap(np.asarray(np.argmax(a.data, axis=axis, keepdims=_keep(keepdims, keepdim))))


def argmin(x: Any, axis: int | None = None, keepdims: bool = False, *, dim: Any = None,
           keepdim: Any = None) -> Array:
    """Indices of the minima along ``axis`` (flattened by default); no gradient.

    Examples
    --------
    >>> import numpygrad as npg
    >>> npg.argmin(npg.array([3.0, 1.0, 2.0]))
    Array(1)
    """
    (a,) = lift((x,))
    axis = _axis(axis, dim)
    if a.data.size == 0 and axis is None:
        raise ValueError("argmin of an empty array: specify the reduction axis")
    return _wrap(np.asarray(np.argmin(a.data, axis=axis, keepdims=_keep(keepdims, keepdim))))


def all(x: Any, axis: Any = None, keepdims: bool = False, *, dim: Any = None,  # noqa: A001
        keepdim: Any = None) -> Array:
    """Whether all elements (along ``axis``) are true; a boolean Array, no gradient.

    Examples
    --------
    >>> import numpygrad as npg
    >>> npg.all(npg.array([1.0, 0.0]) > -1)
    Array(True)
    """
    (a,) = lift((x,))
    return _wrap(np.asarray(np.all(a.data, axis=_axis(axis, dim),
                                   keepdims=_keep(keepdims, keepdim))))


def any(x: Any, axis: Any = None, keepdims: bool = False, *, dim: Any = None,  # noqa: A001
        keepdim: Any = None) -> Array:
    """Whether any element (along ``axis``) is true; a boolean Array, no gradient.

    Examples
    --------
    >>> import numpygrad as npg
    >>> npg.any(npg.array([1.0, 0.0]) > 0.5)
    Array(True)
    """
    (a,) = lift((x,))
    return _wrap(np.asarray(np.any(a.data, axis=_axis(axis, dim),
                                   keepdims=_keep(keepdims, keepdim))))


def sort(x: Any, axis: int = -1, descending: bool = False, *, dim: Any = None) -> Array:
    """A sorted copy along ``axis`` (NaN last); the input is untouched, no gradient.

    Unlike ``ndarray.sort`` this returns the result instead of sorting in place.

    Examples
    --------
    >>> import numpygrad as npg
    >>> npg.sort(npg.array([3.0, 1.0, 2.0]))
    Array([1., 2., 3.])
    """
    (a,) = lift((x,))
    out = np.sort(a.data, axis=dim if dim is not None else axis)
    if descending:
        out = np.flip(out, axis=dim if dim is not None else axis).copy()
    return _wrap(out)


def argsort(x: Any, axis: int = -1, descending: bool = False, *, dim: Any = None) -> Array:
    """Indices that sort ``x`` along ``axis`` (stable); no gradient.

    Examples
    --------
    >>> import numpygrad as npg
    >>> npg.argsort(npg.array([3.0, 1.0, 2.0]))
    Array([1, 2, 0])
    """
    (a,) = lift((x,))
    ax = dim if dim is not None else axis
    if descending:
        return _wrap(np.argsort(-a.data if a.data.dtype.kind != "b" else ~a.data, axis=ax,
                                kind="stable"))
    return _wrap(np.argsort(a.data, axis=ax, kind="stable"))


def nonzero(x: Any, as_tuple: bool = False) -> Any:
    """Indices of the non-zero elements; no gradient.

    Returns an ``(n, ndim)`` int64 Array like PyTorch, or a tuple of 1-D
    index Arrays like NumPy with ``as_tuple=True``.

    Examples
    --------
    >>> import numpygrad as npg
    >>> npg.nonzero(npg.array([0.0, 2.0, 3.0]))
    Array([[1],
           [2]])
    >>> npg.nonzero(npg.array([0.0, 2.0]), as_tuple=True)
    (Array([1]),)
    """
    (a,) = lift((x,))
    idx = np.nonzero(a.data)
    if as_tuple:
        return tuple(_wrap(i) for i in idx)
    return _wrap(np.stack(idx, axis=-1) if idx else np.zeros((0, 0), dtype=np.int64))


def round_(x: Any, decimals: int = 0) -> Array:
    """Round to ``decimals`` places (halves to even, like NumPy); no gradient.

    This is the :meth:`Array.round` method, which the numpygrad documents list
    among the non-differentiable methods. :func:`numpygrad.round` is the
    differentiable function (with zero gradient).

    Examples
    --------
    >>> import numpygrad as npg
    >>> x = npg.array([1.25, 2.5], requires_grad=True)
    >>> x.round(), x.round().grad_fn
    (Array([1., 2.]), None)
    """
    (a,) = lift((x,))
    return _wrap(np.round(a.data, decimals))
