"""Statistics: the variance and standard deviation.

They take the reduction arguments of :mod:`numpygrad.ops.reduction` (``axis``/
``keepdims``, or PyTorch's ``dim``/``keepdim``) plus the degrees of freedom
(``ddof``, or PyTorch's ``correction``/``unbiased``). Backward is written with
numpygrad ops, so both can be differentiated twice.
"""

from __future__ import annotations

import builtins
import math
from typing import Any

import numpy as np

from numpygrad._array import Array, _wrap
from numpygrad._dtype import get_default_dtype
from numpygrad.ops.arithmetic import Div
from numpygrad.ops.reduction import Axis, Mean, _quiet, _Reduction, mean, normalize_axis_args

__all__ = ["var", "std"]


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
        d = xf - xf.sum(axis=self.axes, keepdims=True) / builtins.max(n, 1)
        with np.errstate(**_quiet):
            out = (d * d).sum(axis=self.axes, keepdims=self.keepdims) / self.denom
        return out if x.dtype.kind == "f" else out.astype(get_default_dtype())

    def backward(self, grad: Array) -> Array:
        return self._grad_from_var(self._expand(grad))

    def backward_data(self, grad: np.ndarray) -> np.ndarray:
        return self._grad_from_var_data(self._expand_data(grad))

    def _factor(self) -> float:
        """``2 / denom`` of ``d var / dx = 2 (x - mean) / denom`` (nan for denom 0)."""
        return 2.0 / self.denom if self.denom > 0 else math.nan

    def _grad_from_var(self, g: Array) -> Array:
        # The mean is recomputed with numpygrad ops so that the gradient itself can
        # be differentiated.
        (x,) = self.inputs
        return (g * self._factor()) * (x - mean(x, axis=self.axes, keepdims=True))

    def _grad_from_var_data(self, g: np.ndarray) -> np.ndarray:
        """``_grad_from_var`` on raw ndarrays."""
        x = self.inputs[0].data
        m = Mean(self.axes, True).forward(x)  # (the mean as backward computes it)
        return np.asarray((g * self._factor()) * (x - m))  # (0-d: not a NumPy scalar)


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

    def backward_data(self, grad: np.ndarray) -> np.ndarray:
        s = self.output.data
        zero = s == 0
        div = Div().forward  # (quiet as backward's division is, and only there)
        if zero.any():
            gv = np.where(zero, 0.0, div(grad, 2 * np.where(zero, 1.0, s)))
        else:
            gv = div(grad, 2 * s)
        return self._grad_from_var_data(self._expand_data(gv))


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
