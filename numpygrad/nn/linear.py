"""Linear layers: the fused affine op ``x @ W.T + b``, ``Linear``, ``Identity`` and ``MLP``."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from numpygrad._array import Array, _shared_ones, _wrap
from numpygrad._blas_info import numpy_blas
from numpygrad._dtype import get_default_dtype
from numpygrad.autograd.function import Function
from numpygrad.nn import init
from numpygrad.nn.module import Module, Parameter
from numpygrad.ops.linalg import matmul
from numpygrad.ops.shape import reshape

__all__ = ["linear", "Linear", "Identity", "MLP"]


def _column_sums(g: np.ndarray) -> np.ndarray:
    """``g.sum(axis=0)`` of a 2-D gradient, as a BLAS product ``ones @ g``.

    For the bias gradient of a batch this is several times faster than NumPy's
    axis-0 reduction. The ones vector is a shared read-only one.
    """
    if g.dtype.kind != "f" or g.dtype.itemsize < 4:
        return g.sum(axis=0)
    return _shared_ones(g.shape[:1], g.dtype).dot(g)


_FLOAT32 = np.dtype(np.float32)
#: Whether products may run in the orientation OpenBLAS computes faster (see
#: _batch_product). Measured on OpenBLAS, the BLAS of NumPy's wheels; with any
#: other library the products keep the textbook orientation.
_REORIENT = "openblas" in str(numpy_blas().get("name", "")).lower()


#: Products with at least this many elements in their result run through
#: ``np.matmul`` rather than ``np.dot``: ``np.dot`` zero-fills its result before the
#: BLAS call, one more single-threaded pass over it. For the 256x784 weight gradient
#: of MNIST's first layer that pass costs 15-65 us of a 160-460 us product (more
#: with BLAS threads, which it leaves idle); below about 64K elements it is
#: smaller than ``np.matmul``'s extra call overhead (about 3 us).
_MATMUL_FROM = 1 << 16


def _product(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a @ b`` of two matrices, by whichever of ``np.dot`` and ``np.matmul`` is faster.

    Examples
    --------
    >>> import numpy as np
    >>> from numpygrad.nn.linear import _product
    >>> _product(np.ones((2, 3)), np.ones((3, 4)))
    array([[3., 3., 3., 3.],
           [3., 3., 3., 3.]])
    """
    if a.shape[0] * b.shape[1] >= _MATMUL_FROM:
        return np.matmul(a, b)
    # The ndarray.dot method has the least call overhead (np.dot adds a Python
    # dispatch step, np.matmul the ufunc machinery).
    return a.dot(b)


def _transposed_product(a: np.ndarray, b: np.ndarray, rows: int, cols: int) -> np.ndarray:
    """``(a @ b).T`` as a fresh Fortran-ordered ``(rows, cols)`` array of ``a``'s dtype.

    The product is written straight into the transpose of the result (a C-ordered
    view), so the result owns its memory like any other op's.
    """
    out = np.empty((rows, cols), a.dtype, order="F")
    if rows * cols >= _MATMUL_FROM:  # see _product
        np.matmul(a, b, out=out.T)
    else:
        np.dot(a, b, out=out.T)
    return out


def _batch_product(x: np.ndarray, w: np.ndarray, internal: bool) -> np.ndarray:
    """``x @ w.T`` for a batch of vectors ``x`` (2-D), in the faster orientation.

    OpenBLAS's float32 kernel runs ``w @ x.T`` much faster than ``x @ w.T`` when
    the batch has fewer rows than the layer has outputs: 784->256 at batch 32
    takes 123 against 191 us on one core, 1024->1024 at batch 32 617 against 975.
    That product comes out transposed (Fortran-ordered). ``internal=True`` is for
    a caller that keeps the result to itself (``LinearStack``'s hidden
    activations), which takes it as it is whenever the batch is no larger than
    the width. An op's output is the user's, who may ``view`` it as PyTorch allows
    on a contiguous result: it is copied to C order, which pays off only for a
    batch at most an eighth of the width and a product of a million
    multiply-adds or more (measured; see the benchmarks page).
    """
    rows, width = x.shape[0], w.shape[0]
    if _REORIENT and x.dtype is _FLOAT32 and w.dtype is _FLOAT32:
        if internal and rows <= width:
            return _transposed_product(w, x.T, rows, width)
        if 8 * rows <= width and rows * width * x.shape[1] >= 1 << 20:
            return np.ascontiguousarray(_transposed_product(w, x.T, rows, width))
    return _product(x, w.T)


def _affine(x: np.ndarray, w: np.ndarray, b: np.ndarray | None,
            internal: bool = False) -> np.ndarray:
    """``x @ w.T + b`` with PyTorch's shape errors; the bias is added in place.

    ``internal=True`` lets the result of a batch of vectors be Fortran-ordered
    (see :func:`_batch_product`).
    """
    if x.ndim == 2 and w.ndim == 2 and x.shape[1] == w.shape[1]:
        out = _batch_product(x, w, internal)
    else:
        if w.ndim != 2 or x.ndim == 0 or x.shape[-1] != w.shape[1]:
            rows = int(np.prod(x.shape[:-1])) if x.ndim else 1
            raise ValueError(
                f"linear: shapes cannot be multiplied ({rows}x{x.shape[-1] if x.ndim else 0} "
                f"and {w.shape[1] if w.ndim == 2 else w.shape}x{w.shape[0]}): input has shape "
                f"{x.shape}, weight has shape {w.shape}"
            )
        out = np.matmul(x, w.T)
    if b is not None:
        if b.ndim != 1 or b.shape[0] != w.shape[0]:
            raise ValueError(f"linear: bias of shape {b.shape} does not match weight "
                             f"{w.shape}")
        out += b
    return out


class Affine(Function):
    """``x @ weight.T + bias`` in one node (PyTorch's ``F.linear``).

    One node instead of three (transpose, matmul, add) keeps the training
    step's Python overhead small; the bias is added in place into the product,
    which this op allocated itself.

    Examples
    --------
    >>> import numpygrad as npg
    >>> from numpygrad.nn.linear import Affine
    >>> Affine.apply(npg.ones((1, 2)), npg.ones((3, 2)), npg.zeros(3))
    Array([[2., 2., 2.]])
    """

    __slots__ = ()  # stores nothing: no per-node __dict__ (see Function)

    def forward(self, x: np.ndarray, w: np.ndarray, b: np.ndarray | None = None) -> np.ndarray:
        return _affine(x, w, b)

    def backward(self, grad: Array) -> tuple[Array | None, ...]:
        return _affine_backward(self, grad)

    def backward_data(self, grad: np.ndarray) -> tuple[Any, ...]:
        return _affine_backward_data(self, grad)


class AffineRelu(Function):
    """``relu(x @ weight.T + bias)`` in one node: a linear layer and its ReLU.

    :class:`~numpygrad.nn.Sequential` uses it for a ``Linear`` followed by a
    ``ReLU`` (when neither has hooks), so an MLP's hidden layer costs one node.
    The rectification is done in place in the product's buffer; backward
    masks the gradient with the output's sign, as ReLU's backward does, then
    proceeds as :class:`Affine`'s. The results are the same as the two ops'.

    Examples
    --------
    >>> import numpygrad as npg
    >>> from numpygrad.nn.linear import AffineRelu
    >>> x = npg.array([[1.0, -1.0]])
    >>> w = npg.array([[1.0, 0.0], [0.0, 1.0]], requires_grad=True)
    >>> y = AffineRelu.apply(x, w)
    >>> y
    Array([[1., 0.]], grad_fn=<AffineRelu>)
    >>> y.sum().backward()
    >>> w.grad  # no gradient through the rectified unit
    Array([[ 1., -1.],
           [ 0.,  0.]])
    """

    __slots__ = ()  # stores nothing: no per-node __dict__ (see Function)

    save_output = True

    def forward(self, x: np.ndarray, w: np.ndarray, b: np.ndarray | None = None) -> np.ndarray:
        out = _affine(x, w, b)
        return np.maximum(out, 0, out=out)

    def backward(self, grad: Array) -> tuple[Array | None, ...]:
        # PyTorch's rule: no gradient where the output is <= 0. A ReLU output is
        # >= 0 or NaN, so that is ``!= 0``, which lets NaN's gradient through.
        return _affine_backward(self, grad * _wrap(self.output.data != 0))

    def backward_data(self, grad: np.ndarray) -> tuple[Any, ...]:
        return _affine_backward_data(self, np.multiply(grad, self.output.data != 0))


def _affine_backward_data(node: Function, g: np.ndarray) -> tuple[Any, ...]:
    """First order: the gradients of ``x @ w.T + b`` given the output's gradient ``g``."""
    x, w = node.inputs[0].data, node.inputs[1].data
    need = node.needs_input_grad
    if g.ndim != 2 or x.ndim != 2:
        return _affine_backward(node, _wrap(g))  # (grad mode is off: nothing is recorded)
    # A batch of vectors (the training hot path): the three products straight on
    # the raw data, as a hand-written step would do.
    gx = _product(g, w) if need[0] else None
    gw = _product(g.T, x) if need[1] else None
    if len(need) == 2:
        return gx, gw
    return gx, gw, (_column_sums(g) if need[2] else None)


def _affine_backward(node: Function, grad: Array) -> tuple[Array | None, ...]:
    """The gradients of ``x @ w.T + b`` w.r.t. the node's inputs, given ``grad``
    (numpygrad ops: recorded with ``create_graph``)."""
    x, w = node.inputs[0], node.inputs[1]
    need = node.needs_input_grad
    gx = matmul(grad, w) if need[0] else None
    gw = None
    if need[1]:
        g2 = grad if grad.ndim == 2 else reshape(grad, (-1, w.shape[0]))
        x2 = x if x.ndim == 2 else reshape(x, (-1, w.shape[1]))
        gw = matmul(g2.T, x2)
    if len(node.inputs) == 2:
        return gx, gw
    gb = None
    if need[2]:
        gb = grad.sum(axis=tuple(range(grad.ndim - 1))) if grad.ndim > 1 else grad
    return gx, gw, gb


def linear(x: Any, weight: Any, bias: Any = None) -> Array:
    """Apply the affine map ``x @ weight.T + bias`` (weight of shape ``(out, in)``).

    Parameters
    ----------
    x : Array
        Input of shape ``(..., in_features)``.
    weight : Array
        Shape ``(out_features, in_features)``, as in PyTorch.
    bias : Array, optional
        Shape ``(out_features,)``.

    Examples
    --------
    >>> import numpygrad as npg
    >>> import numpygrad.nn.functional as F
    >>> F.linear(npg.ones((2, 3)), npg.ones((4, 3)), npg.zeros(4)).shape
    (2, 4)
    """
    if bias is None:
        return Affine.apply(x, weight)
    return Affine.apply(x, weight, bias)


def _check_features(**sizes: int) -> None:
    for name, n in sizes.items():
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
            raise ValueError(f"{name} must be a non-negative integer, got {n!r}")


class Linear(Module):
    """Fully connected layer ``y = x @ W.T + b``.

    The weight has shape ``(out_features, in_features)`` and, like the bias,
    is initialised from ``U(-1/sqrt(in_features), 1/sqrt(in_features))`` as in
    PyTorch.

    Parameters
    ----------
    in_features, out_features : int
        Sizes of each input and output sample.
    bias : bool
        Whether to learn an additive bias.
    dtype : dtype, optional
        Parameter dtype (the default float dtype otherwise).
    generator : numpygrad.random.Generator, optional
        Source of randomness for the initialisation.

    Examples
    --------
    >>> import numpygrad as npg
    >>> from numpygrad import nn
    >>> layer = nn.Linear(3, 2)
    >>> layer.weight.shape, layer.bias.shape
    ((2, 3), (2,))
    >>> layer(npg.ones((5, 3))).shape
    (5, 2)
    >>> nn.Linear(3, 2, bias=False).bias is None
    True
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True,
                 dtype: Any = None, generator: Any = None) -> None:
        super().__init__()
        _check_features(in_features=in_features, out_features=out_features)
        self.in_features = in_features
        self.out_features = out_features
        dt = np.dtype(dtype) if dtype is not None else get_default_dtype()
        self.weight = Parameter(np.empty((out_features, in_features), dtype=dt))
        self.bias = Parameter(np.empty((out_features,), dtype=dt)) if bias else None
        self.reset_parameters(generator)

    def reset_parameters(self, generator: Any = None) -> None:
        """Re-initialise weight and bias in place, as PyTorch does.

        Both are drawn from ``U(-1/sqrt(in_features), 1/sqrt(in_features))`` (the weight
        through ``kaiming_uniform_(a=sqrt(5))``).

        Parameters
        ----------
        generator : numpygrad.random.Generator, optional
            Source of randomness (the default generator if None).

        Examples
        --------
        >>> import numpygrad as npg
        >>> from numpygrad import nn
        >>> layer = nn.Linear(4, 2)
        >>> layer.weight.data[...] = 10.0
        >>> layer.reset_parameters(generator=npg.random.Generator(0))
        >>> bool((abs(layer.weight) <= 0.5).all())  # 1 / sqrt(4)
        True
        """
        init.kaiming_uniform_(self.weight, a=math.sqrt(5), generator=generator)
        if self.bias is not None:
            bound = 1 / math.sqrt(self.in_features) if self.in_features > 0 else 0
            init.uniform_(self.bias, -bound, bound, generator=generator)

    def forward(self, x: Array) -> Array:
        """Apply ``x @ weight.T + bias``.

        Parameters
        ----------
        x : Array
            Input of shape ``(..., in_features)``.

        Returns
        -------
        Array
            Shape ``(..., out_features)``.

        Examples
        --------
        >>> import numpygrad as npg
        >>> from numpygrad import nn
        >>> layer = nn.Linear(3, 2)
        >>> layer(npg.ones((4, 5, 3))).shape
        (4, 5, 2)
        >>> layer.weight.data[...] = 1.0
        >>> layer.bias.data[...] = 0.5
        >>> layer(npg.ones(3)).tolist()
        [3.5, 3.5]
        """
        if self.bias is None:
            return Affine.apply(x, self.weight)
        return Affine.apply(x, self.weight, self.bias)

    def _forward_relu(self, x: Array) -> Array:
        """``relu(self(x))`` as one node (what Sequential runs for Linear + ReLU)."""
        if self.bias is None:
            return AffineRelu.apply(x, self.weight)
        return AffineRelu.apply(x, self.weight, self.bias)

    def extra_repr(self) -> str:
        """Return the layer's settings as shown by ``repr``.

        Examples
        --------
        >>> import numpygrad as npg
        >>> from numpygrad import nn
        >>> nn.Linear(3, 2, bias=False).extra_repr()
        'in_features=3, out_features=2, bias=False'
        """
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")


class Identity(Module):
    """Return the input unchanged (a placeholder layer).

    Examples
    --------
    >>> import numpygrad as npg
    >>> from numpygrad import nn
    >>> x = npg.ones(2)
    >>> nn.Identity()(x) is x
    True
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()

    def forward(self, x: Any) -> Any:
        """Return ``x`` itself.

        Examples
        --------
        >>> import numpygrad as npg
        >>> from numpygrad import nn
        >>> x = npg.arange(3.0)
        >>> nn.Identity()(x).tolist()
        [0.0, 1.0, 2.0]
        """
        return x


class MLP(Module):
    """A multilayer perceptron: ``Linear`` layers with an activation between them.

    Parameters
    ----------
    sizes : sequence of int
        Layer widths from input to output, e.g. ``(784, 256, 128, 10)``.
    activation : callable or Module class, optional
        Applied after every layer but the last (default ``nn.ReLU``).
    bias : bool
        Whether the layers have biases.
    dtype, generator
        Passed to each :class:`Linear`.

    Examples
    --------
    >>> import numpygrad as npg
    >>> from numpygrad import nn
    >>> mlp = nn.MLP([4, 8, 3])
    >>> mlp(npg.ones((2, 4))).shape
    (2, 3)
    >>> [name for name, _ in mlp.named_parameters()]
    ['layers.0.weight', 'layers.0.bias', 'layers.2.weight', 'layers.2.bias']
    """

    def __init__(self, sizes: Sequence[int], activation: Callable[..., Any] | None = None,
                 bias: bool = True, dtype: Any = None, generator: Any = None) -> None:
        super().__init__()
        from numpygrad.nn.activation import ReLU
        from numpygrad.nn.containers import Sequential

        sizes = list(sizes)
        if len(sizes) < 2:
            raise ValueError(f"MLP needs at least an input and an output size, got {sizes}")
        act = ReLU if activation is None else activation
        layers: list[Module] = []
        for k, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
            layers.append(Linear(a, b, bias=bias, dtype=dtype, generator=generator))
            if k < len(sizes) - 2:
                layers.append(act() if isinstance(act, type) else _Lambda(act))
        self.sizes = tuple(sizes)
        self.layers = Sequential(*layers)

    def forward(self, x: Array) -> Array:
        """Run the layers in order.

        Parameters
        ----------
        x : Array
            Input of shape ``(..., sizes[0])``.

        Returns
        -------
        Array
            Shape ``(..., sizes[-1])``.

        Examples
        --------
        >>> import numpygrad as npg
        >>> from numpygrad import nn
        >>> mlp = nn.MLP([4, 16, 16, 1], activation=nn.Tanh)
        >>> mlp(npg.ones((8, 4))).shape
        (8, 1)
        """
        return self.layers(x)


class _Lambda(Module):
    """Wrap a plain function as a module (for ``MLP(activation=F.tanh)``)."""

    def __init__(self, fn: Callable[[Array], Array]) -> None:
        super().__init__()
        self.fn = fn

    def forward(self, x: Array) -> Array:
        return self.fn(x)

    def extra_repr(self) -> str:
        return getattr(self.fn, "__name__", repr(self.fn))
