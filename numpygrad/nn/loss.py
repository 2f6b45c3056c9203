"""Loss functions and their module forms.

``cross_entropy``, ``nll_loss``, ``binary_cross_entropy`` and
``binary_cross_entropy_with_logits`` are primitives with their own stable
forward and backward (logits of +-1e4 give finite values and gradients, no
warnings). The regression losses are compositions of differentiable ops.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from numpygrad._array import Array, _wrap
from numpygrad._quiet import quiet
from numpygrad.autograd.function import Function
from numpygrad.autograd.grad_mode import is_grad_enabled
from numpygrad.ops.arithmetic import Div
from numpygrad.ops.shape import moveaxis, reshape
from numpygrad.ops.trig import Sigmoid

__all__ = [
    "cross_entropy", "nll_loss", "mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss",
    "binary_cross_entropy", "binary_cross_entropy_with_logits",
]

_REDUCTIONS = ("none", "mean", "sum")


def _check_reduction(reduction: str) -> None:
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{reduction} is not a valid value for reduction "
                         f"(expected one of {', '.join(_REDUCTIONS)})")


def _raw(x: Any) -> np.ndarray:
    return x.data if isinstance(x, Array) else np.asarray(x)


def _reduce(losses: Array, reduction: str) -> Array:
    if reduction == "none":
        return losses
    return losses.sum() if reduction == "sum" else losses.mean()


def _scale(reduction: str, denom: float) -> float:
    """The factor a reduced class loss applies to each row (nan for 0/0, like torch)."""
    if reduction != "mean":
        return 1.0
    return 1.0 / denom if denom else np.nan


class _ClassLoss(Function):
    """Shared backward of the class losses: ``grad_logits = rows * (coef * p - target)``.

    ``forward`` of each subclass sets ``row_coef`` (M, 1), ``target_term`` (M, C)
    and ``scale`` (the reduction's 1/denominator); ``p`` is the softmax of the
    logits (cross-entropy) or absent (NLL, whose input is already log-probs).
    """

    save_inputs = False

    def __init__(self, reduction: str) -> None:
        self.reduction = reduction

    def _rows(self, grad: Array) -> Array:
        if self.reduction == "none":
            return reshape(grad, (-1, 1))
        return grad * self.scale


class WeightedCrossEntropy(_ClassLoss):
    """Softmax cross-entropy with class weights, label smoothing, probability targets or
    ignored rows, on (M, C) logits with per-row target coefficients."""

    def __init__(self, reduction: str, row_coef: np.ndarray, target_term: np.ndarray,
                 target_index: np.ndarray | None, weight_t: np.ndarray | None,
                 denom: float) -> None:
        self.reduction = reduction
        self.row_coef = row_coef
        self.target_term = target_term
        self.target_index = target_index
        self.weight_t = weight_t
        self.scale = _scale(reduction, denom)

    def forward(self, x: np.ndarray) -> np.ndarray:
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            m = x.max(axis=1, keepdims=True) if x.shape[1] else np.zeros((x.shape[0], 1), x.dtype)
            shifted = x - m
            e = np.exp(shifted)
            s = e.sum(axis=1, keepdims=True)
            # row_coef is the row sum of target_term, so the max cancels:
            # loss = row_coef * log(s) - sum(target_term * (x - m)). Working with
            # the shifted logits keeps float32 precise at logits of 1e4.
            log_s = np.log(s)
            if self.target_index is not None:
                # Gather the target logit instead of a dense product, so a -inf
                # logit on another class gives 0 and not 0 * -inf = nan.
                picked = np.take_along_axis(shifted, self.target_index[:, None], axis=1)
                losses = self.row_coef * log_s - np.where(self.weight_t == 0, 0,
                                                          self.weight_t * picked)
            else:
                dense = np.where(self.target_term == 0, 0, self.target_term * shifted)
                losses = self.row_coef * log_s - dense.sum(axis=1, keepdims=True)
            losses = losses[:, 0]
            if self.needs_input_grad[0]:
                self.dlogits = (e / s) * self.row_coef - self.target_term
            if self.reduction == "none":
                return losses
            total = losses.sum()
            return np.asarray(total if self.reduction == "sum" else total * self.scale)

    def backward(self, grad: Array) -> Array:
        if is_grad_enabled():
            # create_graph: the same formula, built from differentiable ops.
            from numpygrad.ops.activation import softmax

            d = softmax(self.inputs[0], axis=1) * _wrap(self.row_coef) - _wrap(self.target_term)
            return d * self._rows(grad)
        return self._backward_unrecorded(grad)  # a direct call: the first-order formula

    def backward_data(self, grad: np.ndarray) -> np.ndarray:
        rows = grad.reshape(-1, 1) if self.reduction == "none" else grad * self.scale
        return self.dlogits * rows


class CrossEntropy(_ClassLoss):
    """Cross-entropy for plain class indices: no weights, smoothing or ignored rows.

    The common training case gets its own node because it needs far less work
    than the general one (no dense target matrix): the gradient w.r.t. the
    logits is ``softmax - onehot``, computed in place in forward's buffer.
    """

    def __init__(self, reduction: str, target_index: np.ndarray) -> None:
        self.reduction = reduction
        self.target_index = target_index
        self.scale = _scale(reduction, float(len(target_index)))

    @quiet(invalid="ignore", divide="ignore", over="ignore")
    def forward(self, x: np.ndarray) -> np.ndarray:
        m, c = x.shape
        # A reduction along short rows runs NumPy's inner loop once per row (a (128, 10)
        # row maximum takes 14 us). For many rows of few classes the work is done in a
        # (c, m) copy instead, where each reduction along the first axis is c - 1 vector
        # operations over the batch (2.6 us, the copy 1.7 us). Forward + backward, one
        # core: 36 -> 25 us at (128, 10), 355 -> 89 us at (2048, 10); with 16 rows, or
        # 1000 classes, the copy loses.
        transposed = 32 <= m and c <= 128 and c <= m
        # A fresh C-ordered buffer of the shifted logits, and the flat positions of
        # the target logits in it (the ufuncs' own reduce methods: .max()/.sum()
        # add a Python layer each).
        if transposed:
            axis = 0
            buf = np.array(x.T, order="C")
            np.subtract(buf, np.maximum.reduce(buf, axis=0, keepdims=True), out=buf)
            at = self.target_index * m + np.arange(m)
        else:
            axis = 1
            buf = np.subtract(x, np.maximum.reduce(x, axis=1, keepdims=True), order="C")
            at = np.arange(0, m * c, c) + self.target_index
        flat = buf.reshape(-1)
        picked = flat[at]
        np.exp(buf, out=buf)
        s = np.add.reduce(buf, axis=axis, keepdims=True)
        losses = np.log(s).reshape(-1) - picked
        if self.needs_input_grad[0]:
            np.divide(buf, s, out=buf)
            flat[at] -= 1
            # backward returns it C-ordered
            self.dlogits = buf.T if transposed else buf
        if self.reduction == "none":
            return losses
        total = np.add.reduce(losses)
        return np.asarray(total if self.reduction == "sum" else total * self.scale)

    def backward(self, grad: Array) -> Array:
        if is_grad_enabled():
            # create_graph: the same formula from differentiable ops.
            from numpygrad.ops.activation import softmax

            x = self.inputs[0]
            onehot = np.zeros(x.shape, dtype=x.dtype)
            onehot[np.arange(x.shape[0]), self.target_index] = 1
            return (softmax(x, axis=1) - _wrap(onehot)) * self._rows(grad)
        return self._backward_unrecorded(grad)  # a direct call: the first-order formula

    def backward_data(self, grad: np.ndarray) -> np.ndarray:
        # (order="C": the gradient may have been computed transposed, see forward)
        if self.reduction == "none":
            return np.multiply(self.dlogits, grad[:, None], order="C")
        return np.multiply(self.dlogits, grad * self.scale, order="C")


class NLL(_ClassLoss):
    """Negative log-likelihood on (M, C) log-probabilities."""

    def __init__(self, reduction: str, target_index: np.ndarray, weight_t: np.ndarray,
                 target_term: np.ndarray, denom: float) -> None:
        self.reduction = reduction
        self.target_index = target_index
        self.weight_t = weight_t
        self.target_term = target_term
        self.scale = _scale(reduction, denom)

    def forward(self, x: np.ndarray) -> np.ndarray:
        picked = np.take_along_axis(x, self.target_index[:, None], axis=1)
        losses = -np.where(self.weight_t == 0, 0, self.weight_t * picked)[:, 0]
        if self.reduction == "none":
            return losses
        total = losses.sum()
        with np.errstate(invalid="ignore"):
            return np.asarray(total if self.reduction == "sum" else total * self.scale)

    def backward(self, grad: Array) -> Array:
        return -_wrap(self.target_term) * self._rows(grad)

    def backward_data(self, grad: np.ndarray) -> np.ndarray:
        rows = grad.reshape(-1, 1) if self.reduction == "none" else grad * self.scale
        return np.negative(self.target_term) * rows


def _flatten_classes(x: Array, target: Any, name: str) -> tuple[Array, np.ndarray, tuple]:
    """Bring (N, C, d1, ...) logits to (M, C) and the target to (M,) or (M, C)."""
    t = _raw(target)
    shape = x.data.shape
    if len(shape) == 0:
        raise ValueError(f"{name}: input must have at least 1 dimension, got a 0-d array")
    if len(shape) == 1:
        c = shape[0]
        return reshape(x, (1, c)), t.reshape((1, c) if t.shape == shape else (1,)), ()
    n, c = shape[0], shape[1]
    probs = t.dtype.kind == "f" and t.shape == shape
    if not probs and t.shape != (n,) + shape[2:]:
        if t.shape[:1] != (n,):
            raise ValueError(f"Expected input batch_size ({n}) to match target batch_size "
                             f"({t.shape[0] if t.ndim else 'a 0-d target'}).")
        raise ValueError(f"{name}: target of shape {t.shape} does not match input of shape "
                         f"{shape} (expected {(n,) + shape[2:]})")
    spatial = shape[2:]
    if spatial:
        x = reshape(moveaxis(x, 1, -1), (-1, c))
        t = np.moveaxis(t, 1, -1).reshape(-1, c) if probs else t.reshape(-1)
    return x, t, (n,) + spatial


def _class_targets(t: np.ndarray, c: int, ignore_index: int, name: str) -> tuple[np.ndarray, ...]:
    if t.dtype.kind not in "iu":
        raise TypeError(f"{name}: expected integer class indices (or float probabilities of the "
                        f"input's shape) as target, got dtype {t.dtype} with shape {t.shape}")
    ignored = t == ignore_index
    valid = t[~ignored]
    if valid.size and (valid.min() < 0 or valid.max() >= c):
        bad = valid[(valid < 0) | (valid >= c)][0]
        raise IndexError(f"Target {bad} is out of bounds (number of classes is {c}).")
    safe = np.where(ignored, 0, t).astype(np.intp)
    return ignored, safe


#: Integer dtype -> the unsigned dtype of its size (for a one-pass range check).
_UNSIGNED = {np.dtype(f"{k}{n}"): np.dtype(f"u{n}") for k in "iu" for n in (1, 2, 4, 8)}


def _all_classes_in_range(t: np.ndarray, c: int) -> bool:
    """Whether ``t`` holds integers, at least one, all in ``0 <= t < c``.

    One pass: viewed as unsigned, negative indices are huge.
    """
    unsigned = _UNSIGNED.get(t.dtype)
    return (unsigned is not None and t.size > 0
            and bool(np.maximum.reduce(t.view(unsigned), axis=None) < c))


def cross_entropy(input: Array, target: Any, weight: Any = None, ignore_index: int = -100,
                  reduction: str = "mean", label_smoothing: float = 0.0) -> Array:
    """Softmax cross-entropy between logits and class targets, as in PyTorch.

    Parameters
    ----------
    input : Array
        Logits of shape ``(N, C)``, ``(C,)`` or ``(N, C, d1, ...)``.
    target : array_like
        Integer class indices of shape ``(N,)`` (or ``(N, d1, ...)``), or float
        class probabilities of the input's shape.
    weight : array_like, optional
        A weight per class, shape ``(C,)``.
    ignore_index : int
        Targets equal to this are skipped (index targets only).
    reduction : {'mean', 'sum', 'none'}
        ``'mean'`` divides by the summed weights of the non-ignored targets.
    label_smoothing : float
        Mix the targets with the uniform distribution, in ``[0, 1]``.

    Examples
    --------
    >>> import numpygrad as npg
    >>> import numpygrad.nn.functional as F
    >>> logits = npg.array([[1e4, 0.0, -1e4]], requires_grad=True)
    >>> F.cross_entropy(logits, npg.array([2]))
    Array(20000., grad_fn=<CrossEntropy>)
    """
    # The training case first, with the fewest checks that fully cover it:
    # (N, C) logits, N integer class indices, no weights, smoothing or ignoring.
    t = target.data if type(target) is Array else target
    if (type(input) is Array and type(t) is np.ndarray and weight is None
            and not label_smoothing and ignore_index < 0
            and (reduction == "mean" or reduction == "sum")):
        x_shape = input.data.shape
        if (len(x_shape) == 2 and t.shape == x_shape[:1]
                and _all_classes_in_range(t, x_shape[1])):
            # _call: a fresh node needs none of __call__'s checks for reused nodes.
            return CrossEntropy(reduction, t.astype(np.intp, copy=False))._call((input,))
    _check_reduction(reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"label_smoothing must be between 0.0 and 1.0, got {label_smoothing}")
    if not isinstance(input, Array):
        input = Array(input)
    x, t, out_shape = _flatten_classes(input, target, "cross_entropy")
    m, c = x.data.shape
    dt = x.data.dtype
    w = None if weight is None else _raw(weight).astype(dt)
    if w is not None and w.shape != (c,):
        raise ValueError(f"cross_entropy: weight of shape {w.shape} for {c} classes")
    eps = float(label_smoothing)
    if t.dtype.kind == "f" and t.shape == x.shape:
        # Class probabilities: loss_i = sum_c w_c y'_ic (lse_i - x_ic); mean divides by M.
        y = t.astype(dt) * (1 - eps) + eps / c
        target_term = y * w if w is not None else y
        row_coef = target_term.sum(axis=1, keepdims=True)
        node = WeightedCrossEntropy(reduction, row_coef, target_term, None, None, float(m))
    elif (w is None and not eps and not 0 <= ignore_index < c
          and _all_classes_in_range(t, c)):
        # Plain in-range class indices (so none equals a negative ignore_index).
        node = CrossEntropy(reduction, t.astype(np.intp, copy=False))
    else:
        ignored, safe = _class_targets(t, c, ignore_index, "cross_entropy")
        w_t = (w[safe] if w is not None else np.ones(m, dtype=dt))
        w_t = np.where(ignored, 0, w_t).astype(dt)[:, None]
        target_term = np.zeros((m, c), dtype=dt)
        target_term[np.arange(m), safe] = w_t[:, 0] * (1 - eps)
        row_coef = w_t * (1 - eps)
        if eps:
            wc = w if w is not None else np.ones(c, dtype=dt)
            keep = (~ignored)[:, None].astype(dt)
            target_term += keep * (eps / c) * wc
            row_coef = row_coef + keep * (eps / c) * wc.sum()
            node = WeightedCrossEntropy(reduction, row_coef, target_term, None, None,
                                float(w_t.sum()))
        else:
            node = WeightedCrossEntropy(reduction, row_coef, target_term, safe, w_t,
                                        float(w_t.sum()))
    out = node(x)
    if reduction == "none" and out_shape:
        out = out.reshape(out_shape)
    elif reduction == "none" and input.ndim == 1:
        out = out.reshape(())
    return out


def nll_loss(input: Array, target: Any, weight: Any = None, ignore_index: int = -100,
             reduction: str = "mean") -> Array:
    """Negative log-likelihood of log-probabilities (use after ``log_softmax``).

    Examples
    --------
    >>> import numpygrad as npg
    >>> import numpygrad.nn.functional as F
    >>> logp = npg.log(npg.array([[0.25, 0.75]]))
    >>> round(F.nll_loss(logp, npg.array([1])).item(), 6)
    0.287682
    """
    _check_reduction(reduction)
    if not isinstance(input, Array):
        input = Array(input)
    x, t, out_shape = _flatten_classes(input, target, "nll_loss")
    m, c = x.shape
    if t.dtype.kind == "f":
        raise TypeError(f"nll_loss: expected integer class indices, got dtype {t.dtype}")
    ignored, safe = _class_targets(t, c, ignore_index, "nll_loss")
    dt = x.dtype
    w = None if weight is None else _raw(weight).astype(dt)
    if w is not None and w.shape != (c,):
        raise ValueError(f"nll_loss: weight of shape {w.shape} for {c} classes")
    w_t = (w[safe] if w is not None else np.ones(m, dtype=dt))
    w_t = np.where(ignored, 0, w_t).astype(dt)[:, None]
    target_term = np.zeros((m, c), dtype=dt)
    target_term[np.arange(m), safe] = w_t[:, 0]
    out = NLL(reduction, safe, w_t, target_term, float(w_t.sum()))(x)
    if reduction == "none" and out_shape:
        out = out.reshape(out_shape)
    elif reduction == "none" and input.ndim == 1:
        out = out.reshape(())
    return out


def _pair(input: Any, target: Any, name: str) -> tuple[Array, Array]:
    x = input if isinstance(input, Array) else Array(input)
    y = target if isinstance(target, Array) else Array(np.asarray(target, dtype=x.dtype))
    if x.shape != y.shape:
        raise ValueError(
            f"{name}: target size {y.shape} is different from the input size {x.shape}; "
            "this would broadcast and likely give incorrect results"
        )
    return x, y


def mse_loss(input: Array, target: Any, reduction: str = "mean") -> Array:
    """Mean squared error; input and target must have the same shape.

    Examples
    --------
    >>> import numpygrad as npg
    >>> import numpygrad.nn.functional as F
    >>> F.mse_loss(npg.array([1.0, 2.0]), npg.array([1.0, 4.0]))
    Array(2.)
    """
    _check_reduction(reduction)
    x, y = _pair(input, target, "mse_loss")
    d = x - y
    return _reduce(d * d, reduction)


def l1_loss(input: Array, target: Any, reduction: str = "mean") -> Array:
    """Mean absolute error; input and target must have the same shape.

    Examples
    --------
    >>> import numpygrad as npg
    >>> import numpygrad.nn.functional as F
    >>> F.l1_loss(npg.array([1.0, 2.0]), npg.array([2.0, 4.0]))
    Array(1.5)
    """
    from numpygrad.ops.elementwise import abs as _abs

    _check_reduction(reduction)
    x, y = _pair(input, target, "l1_loss")
    return _reduce(_abs(x - y), reduction)


def smooth_l1_loss(input: Array, target: Any, reduction: str = "mean",
                   beta: float = 1.0) -> Array:
    """Smooth L1: ``0.5 d**2 / beta`` where ``|d| < beta``, else ``|d| - 0.5 beta``.

    Examples
    --------
    >>> import numpygrad as npg
    >>> import numpygrad.nn.functional as F
    >>> F.smooth_l1_loss(npg.array([0.5, 3.0]), npg.array([0.0, 0.0]), reduction="none")
    Array([0.125, 2.5  ])
    """
    from numpygrad.ops.elementwise import abs as _abs

    _check_reduction(reduction)
    if beta < 0:
        raise ValueError(f"smooth_l1_loss does not support negative values for beta, got {beta}")
    x, y = _pair(input, target, "smooth_l1_loss")
    if beta == 0:
        return _reduce(_abs(x - y), reduction)
    # Smooth L1 with beta is the Huber loss with delta = beta, divided by beta.
    return _reduce(_huber_terms(x - y, beta) / beta, reduction)


def huber_loss(input: Array, target: Any, reduction: str = "mean", delta: float = 1.0) -> Array:
    """Huber loss: ``0.5 d**2`` where ``|d| < delta``, else ``delta (|d| - 0.5 delta)``.

    Examples
    --------
    >>> import numpygrad as npg
    >>> import numpygrad.nn.functional as F
    >>> F.huber_loss(npg.array([0.5, 3.0]), npg.array([0.0, 0.0]), reduction="none")
    Array([0.125, 2.5  ])
    """
    _check_reduction(reduction)
    if delta <= 0:
        raise ValueError(f"huber_loss: delta must be positive, got {delta}")
    x, y = _pair(input, target, "huber_loss")
    return _reduce(_huber_terms(x - y, delta), reduction)


def _huber_terms(d: Array, delta: float) -> Array:
    """Elementwise ``0.5 d**2`` where ``|d| < delta``, else ``delta (|d| - 0.5 delta)``."""
    from numpygrad.ops.elementwise import abs as _abs
    from numpygrad.ops.elementwise import where

    a = _abs(d)
    return where(a < delta, 0.5 * d * d, delta * (a - 0.5 * delta))


class BinaryCrossEntropy(Function):
    """BCE on probabilities; logs clamped at -100 like PyTorch, gradient kept finite."""

    def __init__(self, weight: np.ndarray | None) -> None:
        self.weight = weight

    def forward(self, p: np.ndarray, y: np.ndarray) -> np.ndarray:
        if p.size and (np.nanmin(p) < 0 or np.nanmax(p) > 1):
            raise ValueError("binary_cross_entropy: all elements of input should be between 0 "
                             f"and 1, got values in [{np.nanmin(p)}, {np.nanmax(p)}]")
        with np.errstate(divide="ignore"):
            logp = np.maximum(np.log(p), -100)
            log1mp = np.maximum(np.log1p(-p), -100)
        out = -(y * logp + (1 - y) * log1mp)
        return out * self.weight if self.weight is not None else out

    def backward(self, grad: Array) -> tuple[Array | None, Array | None]:
        from numpygrad.ops.elementwise import log, maximum

        p, y = self.inputs
        g = grad * _wrap(self.weight) if self.weight is not None else grad
        gp = g * (p - y) / maximum(p * (1 - p), 1e-12) if self.needs_input_grad[0] else None
        gy = None
        if self.needs_input_grad[1]:
            gy = g * (maximum(log(1 - p), -100) - maximum(log(p), -100))
        return gp, gy

    def backward_data(self, grad: np.ndarray) -> tuple[np.ndarray | None, np.ndarray | None]:
        p, y = self.inputs[0].data, self.inputs[1].data
        g = grad * self.weight if self.weight is not None else grad
        gp = gy = None
        if self.needs_input_grad[0]:
            gp = np.asarray(Div().forward(g * (p - y), np.maximum(p * (1 - p), 1e-12)))
        if self.needs_input_grad[1]:
            gy = np.asarray(g * _clamped_log_ratio(p))
        return gp, gy



@quiet(all="ignore")  # as Log
def _clamped_log_ratio(p: np.ndarray) -> np.ndarray:
    """``max(log(1 - p), -100) - max(log(p), -100)``, BCE's derivative w.r.t. the target."""
    return np.maximum(np.log(1 - p), -100) - np.maximum(np.log(p), -100)


def binary_cross_entropy(input: Array, target: Any, weight: Any = None,
                         reduction: str = "mean") -> Array:
    """Binary cross-entropy between probabilities ``input`` and ``target``.

    Log terms are clamped at -100 as in PyTorch, so ``p = 0`` gives 100, not inf.

    Examples
    --------
    >>> import numpygrad as npg
    >>> import numpygrad.nn.functional as F
    >>> F.binary_cross_entropy(npg.array([0.0, 0.5]), npg.array([1.0, 1.0]), reduction="none")
    Array([100.       ,   0.6931472])
    """
    _check_reduction(reduction)
    x, y = _pair(input, target, "binary_cross_entropy")
    w = None if weight is None else np.broadcast_to(_raw(weight).astype(x.dtype), x.shape)
    return _reduce(BinaryCrossEntropy(w)(x, y), reduction)


class BCEWithLogits(Function):
    """``(1 - y) x + c * softplus(-x)`` with ``c = 1 + (pos_weight - 1) y``, stable."""

    def __init__(self, weight: np.ndarray | None, pos_weight: np.ndarray | None) -> None:
        self.weight = weight
        self.pos_weight = pos_weight

    def forward(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        softplus_neg = np.log1p(np.exp(-np.abs(x))) + np.maximum(-x, 0)
        c = 1 + (self.pos_weight - 1) * y if self.pos_weight is not None else 1
        out = (1 - y) * x + c * softplus_neg
        return out * self.weight if self.weight is not None else out

    def backward(self, grad: Array) -> tuple[Array | None, Array | None]:
        from numpygrad.ops.elementwise import abs as _abs
        from numpygrad.ops.elementwise import exp as _exp
        from numpygrad.ops.elementwise import log1p, maximum, sigmoid

        x, y = self.inputs
        g = grad * _wrap(self.weight) if self.weight is not None else grad
        pw = _wrap(self.pos_weight) if self.pos_weight is not None else None
        c = 1 + (pw - 1) * y if pw is not None else 1
        gx = g * ((1 - y) - c * (1 - sigmoid(x))) if self.needs_input_grad[0] else None
        gy = None
        if self.needs_input_grad[1]:
            softplus_neg = log1p(_exp(-_abs(x))) + maximum(-x, 0)
            gy = g * (-x + ((pw - 1) * softplus_neg if pw is not None else 0))
        return gx, gy

    def backward_data(self, grad: np.ndarray) -> tuple[np.ndarray | None, np.ndarray | None]:
        x, y = self.inputs[0].data, self.inputs[1].data
        g = grad * self.weight if self.weight is not None else grad
        pw = self.pos_weight
        gx = gy = None
        if self.needs_input_grad[0]:
            c = 1 + (pw - 1) * y if pw is not None else 1
            gx = np.asarray(g * ((1 - y) - c * (1 - Sigmoid().forward(x))))
        if self.needs_input_grad[1]:
            shift = (pw - 1) * _softplus_neg(x) if pw is not None else 0
            gy = np.asarray(g * (-x + shift))
        return gx, gy



@quiet(under="ignore")  # as the exp op
def _softplus_neg(x: np.ndarray) -> np.ndarray:
    """``softplus(-x)``, stably."""
    return np.log1p(np.exp(-np.abs(x))) + np.maximum(-x, 0)


def binary_cross_entropy_with_logits(input: Array, target: Any, weight: Any = None,
                                     reduction: str = "mean", pos_weight: Any = None) -> Array:
    """Sigmoid + binary cross-entropy in one stable step (logits of +-1e4 are fine).

    Examples
    --------
    >>> import numpygrad as npg
    >>> import numpygrad.nn.functional as F
    >>> x = npg.array([-1e4, 0.0, 1e4])
    >>> F.binary_cross_entropy_with_logits(x, npg.ones(3), reduction="none")
    Array([1.000000e+04, 6.931472e-01, 0.000000e+00])
    """
    _check_reduction(reduction)
    x, y = _pair(input, target, "binary_cross_entropy_with_logits")
    w = None if weight is None else np.broadcast_to(_raw(weight).astype(x.dtype), x.shape)
    pw = None if pos_weight is None else _raw(pos_weight).astype(x.dtype)
    return _reduce(BCEWithLogits(w, pw)(x, y), reduction)
