"""Normalisation layers: ``batch_norm``, ``layer_norm``, ``BatchNorm1d/2d``, ``LayerNorm``.

Normalising with batch statistics is one primitive, :class:`NormalizeOp`,
with the classic fused backward ``rstd * (g - mean(g) - xhat * mean(g *
xhat))`` computed from the saved ``xhat`` (one node and a handful of NumPy
passes per layer). Under ``create_graph=True`` the same formula is rebuilt from
numpygrad operations, recomputing the statistics from the input, so second
derivatives flow through the mean and the variance too. Normalising with
running statistics (evaluation) is an affine map built from ordinary ops.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from numpygrad._array import Array, _wrap
from numpygrad._dtype import get_default_dtype
from numpygrad._quiet import quiet
from numpygrad.autograd.function import Function
from numpygrad.autograd.grad_mode import is_grad_enabled
from numpygrad.nn.module import Buffer, Module, Parameter

__all__ = ["batch_norm", "layer_norm", "BatchNorm1d", "BatchNorm2d", "LayerNorm"]


def _check_dims(shape: tuple[int, ...]) -> None:
    for d in shape:
        if d < 0:
            raise ValueError(f"Trying to create tensor with negative dimension {d}: "
                             f"{list(shape)}")


class NormalizeOp(Function):
    """``(x - mean) / sqrt(var + eps) * weight + bias``, statistics over ``axes``.

    ``weight`` and ``bias`` (optional inputs, flagged by ``affine``) are already
    shaped to broadcast against ``x``; the engine sums their gradients back.
    ``mean`` and ``var`` (biased) are kept for the running statistics.
    """

    def __init__(self, axes: tuple[int, ...], eps: float, affine: tuple[bool, bool]) -> None:
        self.axes, self.eps, self.affine = axes, eps, affine

    def forward(self, x: np.ndarray, *affine: np.ndarray) -> np.ndarray:
        count = math.prod([x.shape[a] for a in self.axes])
        with np.errstate(invalid="ignore", divide="ignore"):  # an empty batch gives nan
            self.mean = x.sum(self.axes, keepdims=True) / x.dtype.type(count)
            xc = x - self.mean
            self.var = (xc * xc).sum(self.axes, keepdims=True) / x.dtype.type(count)
            self.rstd = 1 / np.sqrt(self.var + x.dtype.type(self.eps))
        self.count = count
        xhat = xc
        xhat *= self.rstd  # xc is ours: normalise in place
        self.xhat = xhat
        it = iter(affine)
        out = xhat * next(it) if self.affine[0] else xhat.copy()
        if self.affine[1]:
            out += next(it)
        return out

    def backward(self, grad: Array) -> tuple[Array | None, ...]:
        if not is_grad_enabled():  # a direct call: the first-order formula
            return self._backward_unrecorded(grad)
        from numpygrad.ops.reduction import mean

        x = self.inputs[0]
        axes = self.axes
        w = self.inputs[1] if self.affine[0] else None
        need = self.needs_input_grad
        # create_graph: rebuild the statistics from x so they are differentiated too.
        xc = x - mean(x, axes, keepdims=True)
        rstd = (mean(xc * xc, axes, keepdims=True) + self.eps) ** -0.5
        xhat = xc * rstd
        grads: list[Array | None] = [None]
        if need[0]:
            g = grad * w if w is not None else grad
            grads[0] = rstd * (g - mean(g, axes, keepdims=True)
                               - xhat * mean(g * xhat, axes, keepdims=True))
        if self.affine[0]:
            grads.append(grad * xhat if need[1] else None)
        if self.affine[1]:
            grads.append(grad if need[-1] else None)
        return tuple(grads)

    def backward_data(self, grad: np.ndarray) -> tuple[np.ndarray | None, ...]:
        xhat, rstd, axes, count = self.xhat, self.rstd, self.axes, self.count
        need = self.needs_input_grad
        grads: list[np.ndarray | None] = [None]
        if need[0]:
            g = grad * self.inputs[1].data if self.affine[0] else grad
            grads[0] = rstd * (g - _mean(g, axes, count) - xhat * _mean(g * xhat, axes, count))
        if self.affine[0]:
            grads.append(grad * xhat if need[1] else None)
        if self.affine[1]:
            grads.append(grad if need[-1] else None)
        return tuple(grads)


@quiet(divide="ignore", invalid="ignore")  # as the mean op: an empty mean is nan
def _mean(a: np.ndarray, axes: tuple[int, ...], count: int) -> np.ndarray:
    """The mean of ``a`` over ``axes`` of ``count`` elements, keeping the dimensions."""
    return a.sum(axes, keepdims=True) / count


def _as_array(v: Any) -> Array | None:
    return v if v is None or isinstance(v, Array) else Array(v)


def _affine_inputs(weight: Array | None, bias: Array | None,
                   shape: tuple[int, ...]) -> tuple[list[Array], tuple[bool, bool]]:
    from numpygrad.ops.shape import reshape

    inputs = [reshape(p, shape) for p in (weight, bias) if p is not None]
    return inputs, (weight is not None, bias is not None)


def batch_norm(input: Any, running_mean: Array | None, running_var: Array | None,
               weight: Any = None, bias: Any = None, training: bool = False,
               momentum: float = 0.1, eps: float = 1e-5) -> Array:
    """Batch normalisation over the channel axis 1 of ``(N, C, ...)`` input.

    In training mode the batch statistics normalise the input and, when
    given, ``running_mean`` and ``running_var`` are updated in place:
    ``running = (1 - momentum) * running + momentum * batch`` with the unbiased
    batch variance. In evaluation mode the running statistics normalise.

    Examples
    --------
    >>> import numpygrad as npg
    >>> from numpygrad.nn.norm import batch_norm
    >>> x = npg.array([[1.0, 10.0], [3.0, 30.0]], dtype="float64")
    >>> rm, rv = npg.zeros(2, dtype="float64"), npg.ones(2, dtype="float64")
    >>> batch_norm(x, rm, rv, training=True).round(4)
    Array([[-1., -1.],
           [ 1.,  1.]], dtype=float64)
    >>> rm.tolist(), rv.tolist()
    ([0.2, 2.0], [1.1, 20.9])
    """
    x = input if isinstance(input, Array) else Array(input)
    weight, bias = _as_array(weight), _as_array(bias)
    if x.ndim < 2:
        raise ValueError(f"batch_norm: expected input with at least 2 dimensions (N, C, ...), "
                         f"got shape {x.shape}")
    c = x.shape[1]
    for name, v in (("running_mean", running_mean), ("running_var", running_var),
                    ("weight", weight), ("bias", bias)):
        if v is not None and v.shape != (c,):
            raise ValueError(f"batch_norm: {name} should have shape ({c},) for input of shape "
                             f"{x.shape}, got {v.shape}")
    shape = (1, c) + (1,) * (x.ndim - 2)
    if training or running_mean is None or running_var is None:
        if training and x.size // max(c, 1) == 1:
            raise ValueError(f"Expected more than 1 value per channel when training, got "
                             f"input size {list(x.shape)}")
        affine, flags = _affine_inputs(weight, bias, shape)
        node = NormalizeOp(axes=(0,) + tuple(range(2, x.ndim)), eps=eps, affine=flags)
        out = node(x, *affine)
        n = node.count
        if training and running_mean is not None and running_var is not None and n > 0:
            m = running_mean.data.dtype.type(momentum)
            batch_var = node.var.reshape(c) * (n / (n - 1))  # unbiased, like PyTorch
            running_mean.data *= 1 - m
            running_mean.data += m * node.mean.reshape(c)
            running_var.data *= 1 - m
            running_var.data += m * batch_var
        return out
    # Evaluation: an affine map with constant statistics, built from ops (differentiable).
    from numpygrad.ops.shape import reshape

    rstd = 1 / np.sqrt(running_var.data + running_var.dtype.type(eps))
    scale: Any = _wrap(rstd) if weight is None else weight * _wrap(rstd)
    shift = -_wrap(running_mean.data.copy()) * scale
    if bias is not None:
        shift = shift + bias
    return x * reshape(scale, shape) + reshape(shift, shape)


def layer_norm(input: Any, normalized_shape: int | Sequence[int], weight: Any = None,
               bias: Any = None, eps: float = 1e-5) -> Array:
    """Layer normalisation over the trailing ``normalized_shape`` axes.

    Examples
    --------
    >>> import numpygrad as npg
    >>> from numpygrad.nn.norm import layer_norm
    >>> layer_norm(npg.array([[1.0, 3.0], [2.0, 2.0]]), 2)
    Array([[-0.999995,  0.999995],
           [ 0.      ,  0.      ]])
    """
    x = input if isinstance(input, Array) else Array(input)
    shape = (normalized_shape,) if isinstance(normalized_shape, (int, np.integer)) else \
        tuple(normalized_shape)
    shape = tuple(int(s) for s in shape)
    k = len(shape)
    if k == 0 or x.shape[x.ndim - k:] != shape or x.ndim < k:
        raise ValueError(f"Given normalized_shape={list(shape)}, expected input with shape "
                         f"[*, {', '.join(map(str, shape))}], but got input of size"
                         f"{list(x.shape)}")
    weight, bias = _as_array(weight), _as_array(bias)
    for name, v in (("weight", weight), ("bias", bias)):
        if v is not None and v.shape != shape:
            raise ValueError(f"layer_norm: {name} should have shape {shape}, got {v.shape}")
    affine = [p for p in (weight, bias) if p is not None]
    node = NormalizeOp(axes=tuple(range(x.ndim - k, x.ndim)), eps=eps,
                       affine=(weight is not None, bias is not None))
    return node(x, *affine)


class _BatchNorm(Module):
    """Shared parameters, buffers and train/eval logic of the batch-norm layers."""

    _expected = "(N, C, ...)"

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = True, track_running_stats: bool = True,
                 dtype: Any = None) -> None:
        super().__init__()
        _check_dims((num_features,))
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        dt = np.dtype(dtype) if dtype is not None else get_default_dtype()
        if affine:
            self.weight = Parameter(np.ones(num_features, dtype=dt))
            self.bias = Parameter(np.zeros(num_features, dtype=dt))
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if track_running_stats:
            self.running_mean = Buffer(np.zeros(num_features, dtype=dt))
            self.running_var = Buffer(np.ones(num_features, dtype=dt))
            self.num_batches_tracked = Buffer(np.array(0, dtype=np.int64))
        else:
            for name in ("running_mean", "running_var", "num_batches_tracked"):
                self.register_buffer(name, None)

    def reset_running_stats(self) -> None:
        """Zero the running mean and the batch count; set the running variance to 1.

        Examples
        --------
        >>> import numpygrad as npg
        >>> from numpygrad import nn
        >>> bn = nn.BatchNorm1d(2)
        >>> _ = bn(npg.array([[1.0, 10.0], [3.0, 30.0]]))
        >>> bn.running_mean
        Buffer([0.2, 2. ])
        >>> bn.reset_running_stats()
        >>> bn.running_mean, bn.running_var, int(bn.num_batches_tracked.item())
        (Buffer([0., 0.]), Buffer([1., 1.]), 0)
        """
        if self.track_running_stats:
            self.running_mean.data[...] = 0
            self.running_var.data[...] = 1
            self.num_batches_tracked.data[...] = 0

    def reset_parameters(self) -> None:
        """Reset the running statistics, the weight to 1 and the bias to 0.

        Examples
        --------
        >>> import numpygrad as npg
        >>> from numpygrad import nn
        >>> bn = nn.BatchNorm1d(2)
        >>> bn.weight.data[...] = 3.0
        >>> bn.reset_parameters()
        >>> bn.weight.tolist(), bn.bias.tolist()
        ([1.0, 1.0], [0.0, 0.0])
        """
        self.reset_running_stats()
        if self.affine:
            self.weight.data[...] = 1
            self.bias.data[...] = 0

    def _check_input_dim(self, x: Array) -> None:
        raise NotImplementedError

    def forward(self, x: Array) -> Array:
        """Normalise ``x`` per channel (axis 1).

        In training mode the batch statistics normalise ``x`` and update the running
        statistics (when tracked); in evaluation mode the running statistics are used.

        Parameters
        ----------
        x : Array
            ``(N, C)`` or ``(N, C, L)`` for :class:`BatchNorm1d`, ``(N, C, H, W)`` for
            :class:`BatchNorm2d`.

        Returns
        -------
        Array
            Same shape as ``x``.

        Examples
        --------
        >>> import numpygrad as npg
        >>> from numpygrad import nn
        >>> bn = nn.BatchNorm1d(2)
        >>> x = npg.array([[1.0, 10.0], [3.0, 30.0]])
        >>> bn(x).round(3)
        Array([[-1., -1.],
               [ 1.,  1.]])
        >>> bn.running_mean, bn.running_var
        (Buffer([0.2, 2. ]), Buffer([ 1.1, 20.9]))
        >>> bn.eval()(x).shape
        (2, 2)
        """
        x = x if isinstance(x, Array) else Array(x)
        self._check_input_dim(x)
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats:
            self.num_batches_tracked.data[...] += 1
            if self.momentum is None:  # a cumulative moving average
                factor = 1.0 / float(self.num_batches_tracked.data)
        use_batch = self.training or (self.running_mean is None and self.running_var is None)
        keep = not self.training or self.track_running_stats
        return batch_norm(x, self.running_mean if keep else None,
                          self.running_var if keep else None, self.weight, self.bias,
                          use_batch, factor, self.eps)

    def extra_repr(self) -> str:
        """Return the layer's settings as shown by ``repr``.

        Examples
        --------
        >>> import numpygrad as npg
        >>> from numpygrad import nn
        >>> nn.BatchNorm2d(8, momentum=None).extra_repr()
        '8, eps=1e-05, momentum=None, affine=True, track_running_stats=True'
        """
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}, track_running_stats={self.track_running_stats}")


class BatchNorm1d(_BatchNorm):
    """Batch normalisation of ``(N, C)`` or ``(N, C, L)`` input, per channel.

    Training mode normalises with the batch statistics and updates the running
    ones (``momentum=None`` gives a cumulative average); evaluation mode uses the
    running statistics. Weight starts at 1, bias at 0, as in PyTorch.

    Examples
    --------
    >>> import numpygrad as npg
    >>> from numpygrad.nn.norm import BatchNorm1d
    >>> bn = BatchNorm1d(3)
    >>> bn(npg.ones((4, 3))).shape
    (4, 3)
    >>> [name for name, _ in bn.named_buffers()]
    ['running_mean', 'running_var', 'num_batches_tracked']
    """

    def _check_input_dim(self, x: Array) -> None:
        if x.ndim not in (2, 3):
            raise ValueError(f"expected 2D or 3D input (got {x.ndim}D input)")


class BatchNorm2d(_BatchNorm):
    """Batch normalisation of ``(N, C, H, W)`` input, per channel.

    Examples
    --------
    >>> import numpygrad as npg
    >>> from numpygrad.nn.norm import BatchNorm2d
    >>> bn = BatchNorm2d(2)
    >>> bn(npg.ones((2, 2, 3, 3))).shape
    (2, 2, 3, 3)
    >>> int(bn.num_batches_tracked.item())
    1
    """

    def _check_input_dim(self, x: Array) -> None:
        if x.ndim != 4:
            raise ValueError(f"expected 4D input (got {x.ndim}D input)")


class LayerNorm(Module):
    """Layer normalisation over the trailing ``normalized_shape`` axes.

    Parameters
    ----------
    normalized_shape : int or sequence of int
        The trailing shape to normalise over.
    eps : float
        Added to the variance.
    elementwise_affine : bool
        Learn a weight (initially 1) and, with ``bias=True``, a bias (initially 0).

    Examples
    --------
    >>> import numpygrad as npg
    >>> from numpygrad.nn.norm import LayerNorm
    >>> ln = LayerNorm(4)
    >>> ln.weight.shape
    (4,)
    >>> float(ln(npg.arange(8.0).reshape(2, 4)).mean().item())
    0.0
    """

    def __init__(self, normalized_shape: int | Sequence[int], eps: float = 1e-5,
                 elementwise_affine: bool = True, bias: bool = True, dtype: Any = None) -> None:
        super().__init__()
        shape = (normalized_shape,) if isinstance(normalized_shape, (int, np.integer)) else \
            tuple(normalized_shape)
        self.normalized_shape = tuple(int(s) for s in shape)
        _check_dims(self.normalized_shape)
        self.eps, self.elementwise_affine = eps, elementwise_affine
        dt = np.dtype(dtype) if dtype is not None else get_default_dtype()
        if elementwise_affine:
            self.weight = Parameter(np.ones(self.normalized_shape, dtype=dt))
            if bias:
                self.bias = Parameter(np.zeros(self.normalized_shape, dtype=dt))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)

    def reset_parameters(self) -> None:
        """Set the weight to 1 and the bias to 0 (when present).

        Examples
        --------
        >>> import numpygrad as npg
        >>> from numpygrad import nn
        >>> ln = nn.LayerNorm(3)
        >>> ln.bias.data[...] = 5.0
        >>> ln.reset_parameters()
        >>> ln.weight.tolist(), ln.bias.tolist()
        ([1.0, 1.0, 1.0], [0.0, 0.0, 0.0])
        """
        if self.weight is not None:
            self.weight.data[...] = 1
        if self.bias is not None:
            self.bias.data[...] = 0

    def forward(self, x: Array) -> Array:
        """Normalise ``x`` over its trailing ``normalized_shape`` axes, then scale and shift.

        Parameters
        ----------
        x : Array
            Shape ``(*, *normalized_shape)``.

        Returns
        -------
        Array
            Same shape as ``x``.

        Examples
        --------
        >>> import numpygrad as npg
        >>> from numpygrad import nn
        >>> ln = nn.LayerNorm(2)
        >>> ln(npg.array([[1.0, 3.0], [2.0, 2.0]])).round(3)
        Array([[-1.,  1.],
               [ 0.,  0.]])
        """
        return layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        """Return the layer's settings as shown by ``repr``.

        Examples
        --------
        >>> import numpygrad as npg
        >>> from numpygrad import nn
        >>> nn.LayerNorm((2, 3)).extra_repr()
        '(2, 3), eps=1e-05, elementwise_affine=True'
        """
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}")
