"""2-D convolution: ``conv2d`` and the ``Conv2d`` layer.

How it is vectorised
--------------------
Forward pads the input once, takes every receptive field as a strided view
(``as_strided``: no copy), lays the windows out as a matrix (im2col, the one
copy; its column order depends on the shapes, see ``_images_last``) and does
ONE batched matrix product over the groups. Backward is two
more products: the weight gradient multiplies the output gradient with the
saved columns, and the input gradient multiplies it with the weight and folds
the columns back (col2im). The weight's rows are ordered by kernel offset for
that product, so each offset's columns come out as one contiguous block. The
fold loops over the ``kh * kw`` kernel offsets only: for a fixed offset the
positions it touches are distinct, so a strided ``+=`` needs no ``np.add.at``.
Nothing loops over the batch or over pixels.

The large temporaries (columns, products, the fold's accumulator) come from a
scratch pool and go back to it after use (see :mod:`numpygrad.nn._scratch`):
allocated anew each step, glibc can hand them back to the OS and fault them in
again every step.

Differentiable to any order
---------------------------
Convolution is bilinear. With ``F(x, w)`` the convolution, ``T(gy, w)`` its
input gradient and ``G(x, gy)`` its weight gradient, each one's backward is
made of the other two (``T``'s gradients are ``F(gx', w)`` and ``G(gx', gy)``;
``G``'s are ``T(gy, gw')`` and ``F(x, gw')``), so ``create_graph=True`` works
through any number of backward passes.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import as_strided

from numpygrad._array import Array
from numpygrad._dtype import get_default_dtype
from numpygrad.autograd.function import Function
from numpygrad.nn import init
from numpygrad.nn._scratch import SCRATCH
from numpygrad.nn.module import Module, Parameter

__all__ = ["conv2d", "Conv2d"]


def _pair(value: Any, name: str) -> tuple[int, int]:
    v = tuple(value) if isinstance(value, (tuple, list)) else (value, value)
    if len(v) != 2 or not all(isinstance(a, (int, np.integer)) and not isinstance(a, bool)
                              for a in v):
        raise TypeError(f"{name} must be an int or a pair of ints, got {value!r}")
    return int(v[0]), int(v[1])


def _check_dims(shape: tuple[int, ...]) -> None:
    """Module constructors: a negative size is an error (PyTorch's wording)."""
    for d in shape:
        if d < 0:
            raise ValueError(f"Trying to create tensor with negative dimension {d}: "
                             f"{list(shape)}")


class ConvGeometry:
    """Everything about one convolution call except the data.

    ``pads`` is ``((top, bottom), (left, right))``: 'same' padding can be
    asymmetric for even kernels (the extra row/column goes bottom/right, as in
    PyTorch).
    """

    __slots__ = ("stride", "dilation", "pads", "groups", "in_hw", "kernel", "out_hw")

    def __init__(self, in_hw: tuple[int, int], kernel: tuple[int, int], stride: tuple[int, int],
                 padding: Any, dilation: tuple[int, int], groups: int) -> None:
        self.stride, self.dilation, self.groups = stride, dilation, groups
        self.in_hw, self.kernel = in_hw, kernel
        span = [d * (k - 1) for d, k in zip(dilation, kernel)]
        if padding == "valid":
            self.pads = ((0, 0), (0, 0))
        elif padding == "same":
            self.pads = tuple((s // 2, s - s // 2) for s in span)
        else:
            ph, pw = padding
            self.pads = ((ph, ph), (pw, pw))
        padded = [n + a + b for n, (a, b) in zip(in_hw, self.pads)]
        if any(p < s + 1 for p, s in zip(padded, span)):
            raise ValueError(
                f"Calculated padded input size per channel: ({padded[0]} x {padded[1]}). "
                f"Kernel size: ({span[0] + 1} x {span[1] + 1}). Kernel size can't be greater "
                "than actual input size")
        self.out_hw = tuple((p - s - 1) // st + 1 for p, s, st in zip(padded, span, stride))


def _windows(x: np.ndarray, g: ConvGeometry) -> np.ndarray:
    """Zero-pad ``x`` (N, C, H, W) and view it as (N, C, OH, OW, kh, kw) windows (no copy)."""
    (pt, pb), (pl, pr) = g.pads
    if pt or pb or pl or pr:
        x = np.pad(x, ((0, 0), (0, 0), (pt, pb), (pl, pr)))
    n, c = x.shape[:2]
    s0, s1, s2, s3 = x.strides
    (sh, sw), (dh, dw) = g.stride, g.dilation
    return as_strided(x, (n, c) + g.out_hw + g.kernel,
                      (s0, s1, s2 * sh, s3 * sw, s2 * dh, s3 * dw), writeable=False)


def _images_last(g: ConvGeometry, c: int, o: int) -> bool:
    """Whether im2col orders its columns (OH, OW, N) rather than (N, OH, OW).

    In the (N, OH, OW) order the copy reads runs of only OW values, one run per
    image, output row and matrix row; NumPy's copy pays about 9 ns per run, so
    small images with many channels cost mostly loop overhead (LeNet's second
    convolution: 689 us). With the images innermost, from a (C, H, W, N) copy of
    the input, a run is OW * N values (204 us there). But then the product comes
    out (O, OH, OW, N), and its transpose to (N, O, OH, OW) gathers with a
    stride, as does the weight gradient's matching copy of the output gradient:
    about 1.3 ns per output value each, several times more once the data
    outgrow the cache. The runs saved grow with the rows of the matrix
    (C/groups * kh * kw), the gathers with O * OW: images last when the first is
    at least half the second (LeNet's second convolution: 150 against 16 * 8;
    its first, 25 against 6 * 24, stays as it is).
    """
    return (c // g.groups) * math.prod(g.kernel) * 2 >= o * g.out_hw[1]


def _im2col(x: np.ndarray, g: ConvGeometry, images_last: bool = False) -> np.ndarray:
    """Windows as matrices: (groups, C/groups*kh*kw, N*OH*OW), the one copy.

    This (K, M) order reads the padded image almost contiguously (for each
    channel and kernel offset, whole rows of every image), several times faster
    than the (M, K) order. The columns are ordered (N, OH, OW), or (OH, OW, N)
    with ``images_last`` (see :func:`_images_last`). The matrix is a scratch
    buffer: give it back to ``SCRATCH`` when done with it.
    """
    n, c = x.shape[:2]
    cg = c // g.groups
    # Explicit sizes: -1 cannot be inferred for an empty batch.
    cols = SCRATCH.take((g.groups, cg * math.prod(g.kernel), n * math.prod(g.out_hw)), x.dtype)
    if images_last:
        # The padded input with the image index innermost, (C, H, W, N): for each
        # channel, kernel offset and output row, the windows' values for all
        # output columns and images are then one run of OW * N values.
        (pt, pb), (pl, pr) = g.pads
        h, w = x.shape[2:]
        xt = np.zeros((c, h + pt + pb, w + pl + pr, n), x.dtype) if pt or pb or pl or pr \
            else np.empty((c, h, w, n), x.dtype)
        np.copyto(xt[:, pt:pt + h, pl:pl + w], x.transpose(1, 2, 3, 0))
        s0, s1, s2, s3 = xt.strides
        (sh, sw), (dh, dw) = g.stride, g.dilation
        win = as_strided(xt, (g.groups, cg) + g.kernel + g.out_hw + (n,),
                         (s0 * cg, s0, s1 * dh, s2 * dw, s1 * sh, s2 * sw, s3), writeable=False)
    else:
        win = _windows(x, g).reshape((n, g.groups, cg) + g.out_hw + g.kernel)
        win = win.transpose(1, 2, 5, 6, 0, 3, 4)
    np.copyto(cols.reshape(win.shape), win)
    return cols


def _bmm(a: np.ndarray, b: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """Per-group matrix product; one group takes the plain 2-D (always BLAS) path."""
    if a.shape[0] == 1:
        if out is None:
            return (a[0] @ b[0])[None]
        np.matmul(a[0], b[0], out=out[0])
        return out
    return np.matmul(a, b, out=out)


def _scratch_product(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``_bmm(a, b)`` into a scratch buffer (give it back to ``SCRATCH`` when done)."""
    out = SCRATCH.take((a.shape[0], a.shape[1], b.shape[2]), np.result_type(a, b))
    return _bmm(a, b, out)


def _weight_matrix(w: np.ndarray, groups: int) -> np.ndarray:
    """Weight (O, C/groups, kh, kw) as (groups, O/groups, C/groups*kh*kw), a view."""
    return w.reshape(groups, w.shape[0] // groups, math.prod(w.shape[1:]))


def _grad_rows(gy: np.ndarray, g: ConvGeometry, images_last: bool = False) -> np.ndarray:
    """Output gradient (N, O, OH, OW) as (groups, O/groups, columns), a scratch buffer.

    The columns are ordered (N, OH, OW), as im2col's, or (OH, OW, N) with ``images_last``.
    """
    n, o = gy.shape[:2]
    hw = math.prod(g.out_hw)
    src = gy.reshape(n, g.groups, o // g.groups, hw)
    src = src.transpose(1, 2, 3, 0) if images_last else src.transpose(1, 2, 0, 3)
    rows = SCRATCH.take((g.groups, o // g.groups, n * hw), gy.dtype)
    np.copyto(rows.reshape(src.shape), src)
    return rows


def _input_grad(gy: np.ndarray, w: np.ndarray, g: ConvGeometry) -> np.ndarray:
    """The gradient (N, C, H, W) of a convolution w.r.t. its input (a transposed conv).

    One product gives every kernel offset's contribution: the weight's rows are
    ordered (offset, input channel), so the columns come out offset-major and each
    offset's block is contiguous. The output gradient's columns are ordered
    (OH, OW, N), image index innermost, so a block is shaped (C/groups, OH, OW, N)
    and the fold accumulates into an (H, W, N) image: for a fixed offset, OW * N
    consecutive values at a time (N at a time with a column stride), where the
    (N, OH, OW) order would give runs of OW only, several times slower for small
    images. Each value is the same sum, in the same order, as with the rows in
    (channel, offset) order and the columns in (N, OH, OW) order.
    """
    (kh, kw), (oh, ow), (sh, sw), (dh, dw) = g.kernel, g.out_hw, g.stride, g.dilation
    (pt, pb), (pl, pr) = g.pads
    h, wd = g.in_hw
    groups, n = g.groups, gy.shape[0]
    og, cg = w.shape[0] // groups, w.shape[1]
    rows = w.reshape(groups, og, cg, kh, kw).transpose(0, 3, 4, 2, 1)
    rows = np.ascontiguousarray(rows).reshape(groups, kh * kw * cg, og)
    gy_cols = _grad_rows(gy, g, images_last=True)
    cols = _scratch_product(rows, gy_cols)
    SCRATCH.give(gy_cols)
    blocks = cols.reshape(groups, kh, kw, cg, oh, ow, n)
    acc = SCRATCH.take((groups, cg, h + pt + pb, wd + pl + pr, n), cols.dtype)
    acc.fill(0)
    for i in range(kh):  # loop over kernel offsets only (kh * kw iterations)
        for j in range(kw):
            r, s = i * dh, j * dw
            acc[:, :, r:r + sh * (oh - 1) + 1:sh, s:s + sw * (ow - 1) + 1:sw] += blocks[:, i, j]
    del blocks
    SCRATCH.give(cols)
    # copy(), not ascontiguousarray: the result must never be a view of the scratch
    # accumulator (for one image and one channel it would be).
    gx = acc[:, :, pt:pt + h, pl:pl + wd].transpose(4, 0, 1, 2, 3).copy()
    SCRATCH.give(acc)
    return gx.reshape(n, groups * cg, h, wd)


def _conv(x: np.ndarray, w: np.ndarray, g: ConvGeometry) -> tuple[np.ndarray, np.ndarray]:
    """The convolution and its im2col matrix (a scratch buffer)."""
    n, o = x.shape[0], w.shape[0]
    images_last = _images_last(g, x.shape[1], o)
    cols = _im2col(x, g, images_last)
    prod = _scratch_product(_weight_matrix(w, g.groups), cols)  # (G, O/G, N*OH*OW)
    # copy(), not ascontiguousarray: for one image the transpose is already contiguous,
    # and the result must not be a view of the scratch product.
    if images_last:
        out = prod.reshape((g.groups, o // g.groups) + g.out_hw + (n,))
        out = out.transpose(4, 0, 1, 2, 3).copy()
    else:
        out = prod.reshape((g.groups, o // g.groups, n) + g.out_hw)
        out = out.transpose(2, 0, 1, 3, 4).copy()
    SCRATCH.give(prod)
    return out.reshape((n, o) + g.out_hw), cols


def _conv_only(x: np.ndarray, w: np.ndarray, g: ConvGeometry) -> np.ndarray:
    """The convolution ``F(x, w)`` alone (its im2col matrix goes back to the pool)."""
    out, cols = _conv(x, w, g)
    SCRATCH.give(cols)
    return out


def _weight_grad(x: np.ndarray, gy: np.ndarray, g: ConvGeometry,
                 cols: np.ndarray | None = None) -> np.ndarray:
    """``G(x, gy)``: the gradient (O, C/groups, kh, kw) of a convolution w.r.t. its weight.

    ``cols`` is the forward's im2col matrix of ``x`` if kept (it goes back to the pool).
    """
    # The columns' order is the forward's (the saved columns are the forward's own).
    images_last = _images_last(g, x.shape[1], gy.shape[1])
    if cols is None:
        cols = _im2col(x, g, images_last)
    # (cols @ rows.T).T, not rows @ cols.T: same product, but OpenBLAS is several
    # times faster with the long M = N*OH*OW axis as the inner dimension this way round.
    rows = _grad_rows(gy, g, images_last)
    gw = _bmm(cols, rows.transpose(0, 2, 1)).transpose(0, 2, 1)
    SCRATCH.give(rows)
    SCRATCH.give(cols)
    return gw.reshape((gy.shape[1], x.shape[1] // g.groups) + g.kernel)


def _bias_grad(gy: np.ndarray) -> np.ndarray:
    """The bias gradient: ``gy`` summed over images and pixels.

    Over images first, then over each channel's contiguous pixels: about 3 times faster
    than one sum over (0, 2, 3) (LeNet: 114 -> 35 us for (64, 6, 24, 24)).
    """
    return gy.sum(axis=0).sum(axis=(1, 2))


class Conv2dOp(Function):
    """``F(x, w) + b``: cross-correlation of (N, C, H, W) with (O, C/groups, kh, kw)."""

    def __init__(self, geom: ConvGeometry) -> None:
        self.geom = geom

    def forward(self, x: np.ndarray, w: np.ndarray, b: np.ndarray | None = None) -> np.ndarray:
        g = self.geom
        if x.shape[1] != w.shape[1] * g.groups:
            raise ValueError(
                f"Given groups={g.groups}, weight of size {list(w.shape)}, expected "
                f"input{list(x.shape)} to have {w.shape[1] * g.groups} channels, but got "
                f"{x.shape[1]} channels instead")
        out, cols = _conv(x, w, g)
        if self.needs_input_grad[1]:
            self.cols = cols  # reused by the weight gradient instead of a second im2col
        else:
            SCRATCH.give(cols)
        if b is not None:
            if b.shape != (w.shape[0],):
                raise ValueError(f"conv2d: bias of shape {b.shape} does not match weight of "
                                 f"shape {w.shape} (expected ({w.shape[0]},))")
            out += b.reshape(-1, 1, 1)
        return out

    def backward(self, grad: Array) -> tuple[Array | None, ...]:
        x, w = self.inputs[0], self.inputs[1]
        need = self.needs_input_grad
        gx = ConvInputGradOp.apply(grad, w, geom=self.geom) if need[0] else None
        gw = None
        if need[1]:
            gw = ConvWeightGradOp.apply(x, grad, geom=self.geom, cols=self._take_cols())
        if len(self.inputs) == 2:
            return gx, gw
        return gx, gw, (_bias_grad(grad) if need[2] else None)

    def backward_data(self, grad: np.ndarray) -> tuple[np.ndarray | None, ...]:
        x, w = self.inputs[0].data, self.inputs[1].data
        need = self.needs_input_grad
        gx = _input_grad(grad, w, self.geom) if need[0] else None
        gw = _weight_grad(x, grad, self.geom, self._take_cols()) if need[1] else None
        if len(self.inputs) == 2:
            return gx, gw
        return gx, gw, (_bias_grad(grad) if need[2] else None)

    def _take_cols(self) -> np.ndarray | None:
        """Hand the saved columns over (a retained graph's next backward recomputes them),
        so they do not outlive this backward pass."""
        cols, self.cols = getattr(self, "cols", None), None
        return cols


class ConvInputGradOp(Function):
    """``T(gy, w)``: the gradient of a convolution w.r.t. its input (a transposed conv)."""

    def __init__(self, geom: ConvGeometry) -> None:
        self.geom = geom

    def forward(self, gy: np.ndarray, w: np.ndarray) -> np.ndarray:
        return _input_grad(gy, w, self.geom)

    def backward(self, grad: Array) -> tuple[Array | None, Array | None]:
        gy, w = self.inputs
        need = self.needs_input_grad
        return (Conv2dOp.apply(grad, w, geom=self.geom) if need[0] else None,
                ConvWeightGradOp.apply(grad, gy, geom=self.geom) if need[1] else None)

    def backward_data(self, grad: np.ndarray) -> tuple[np.ndarray | None, np.ndarray | None]:
        gy, w = self.inputs[0].data, self.inputs[1].data
        need = self.needs_input_grad
        return (_conv_only(grad, w, self.geom) if need[0] else None,
                _weight_grad(grad, gy, self.geom) if need[1] else None)


class ConvWeightGradOp(Function):
    """``G(x, gy)``: the gradient of a convolution w.r.t. its weight."""

    def __init__(self, geom: ConvGeometry, cols: np.ndarray | None = None) -> None:
        self.geom = geom
        self.cols = cols

    def forward(self, x: np.ndarray, gy: np.ndarray) -> np.ndarray:
        cols, self.cols = self.cols, None  # only needed once; do not keep it alive with the graph
        return _weight_grad(x, gy, self.geom, cols)

    def backward(self, grad: Array) -> tuple[Array | None, Array | None]:
        x, gy = self.inputs
        need = self.needs_input_grad
        return (ConvInputGradOp.apply(gy, grad, geom=self.geom) if need[0] else None,
                Conv2dOp.apply(x, grad, geom=self.geom) if need[1] else None)

    def backward_data(self, grad: np.ndarray) -> tuple[np.ndarray | None, np.ndarray | None]:
        x, gy = self.inputs[0].data, self.inputs[1].data
        need = self.needs_input_grad
        return (_input_grad(gy, grad, self.geom) if need[0] else None,
                _conv_only(x, grad, self.geom) if need[1] else None)


def _conv_args(x: Array, weight: Array, stride: Any, padding: Any, dilation: Any,
               groups: int) -> ConvGeometry:
    if x.ndim != 4:
        raise ValueError(f"Expected 3D (unbatched) or 4D (batched) input to conv2d, but got "
                         f"input of size: {list(x.shape)}")
    if weight.ndim != 4:
        raise ValueError(f"conv2d: weight must be 4-D (out_channels, in_channels/groups, kH, "
                         f"kW), got shape {weight.shape}")
    if isinstance(groups, bool) or not isinstance(groups, (int, np.integer)) or groups < 1:
        raise ValueError(f"non-positive groups is not supported, got groups={groups!r}")
    if weight.shape[0] % groups:
        raise ValueError(f"Given groups={groups}, expected weight to be divisible by {groups} "
                         f"at dimension 0, but got weight of size {list(weight.shape)} instead")
    stride, dilation = _pair(stride, "stride"), _pair(dilation, "dilation")
    if min(stride) < 1 or min(dilation) < 1:
        raise ValueError(f"conv2d: stride and dilation must be positive, got stride={stride}, "
                         f"dilation={dilation}")
    if isinstance(padding, str):
        if padding not in ("same", "valid"):
            raise ValueError(f"Invalid padding string {padding!r}, should be one of "
                             "['valid', 'same']")
        if padding == "same" and stride != (1, 1):
            raise ValueError("padding='same' is not supported for strided convolutions")
    else:
        padding = _pair(padding, "padding")
        if min(padding) < 0:
            raise ValueError(f"negative padding is not supported, got padding={padding}")
    return ConvGeometry(x.shape[2:], weight.shape[2:], stride, padding, dilation, int(groups))


def conv2d(input: Any, weight: Any, bias: Any = None, stride: int | tuple[int, int] = 1,
           padding: int | tuple[int, int] | str = 0, dilation: int | tuple[int, int] = 1,
           groups: int = 1) -> Array:
    """2-D cross-correlation, PyTorch's ``F.conv2d``.

    Parameters
    ----------
    input : Array
        Shape ``(N, C, H, W)``, or ``(C, H, W)`` for a single image.
    weight : Array
        Shape ``(O, C / groups, kH, kW)``.
    bias : Array, optional
        Shape ``(O,)``.
    stride, dilation : int or pair of int
        Step between windows and spacing of the kernel taps.
    padding : int, pair of int, 'valid' or 'same'
        Zero padding on each side; 'same' keeps the spatial size (stride 1 only).
    groups : int
        Split the channels into this many independent convolutions.

    Returns
    -------
    Array
        Shape ``(N, O, OH, OW)`` with ``OH = (H + 2 pH - dH (kH - 1) - 1) // sH + 1``.

    Examples
    --------
    >>> import numpygrad as npg
    >>> from numpygrad.nn.conv import conv2d
    >>> x = npg.ones((1, 1, 4, 4))
    >>> conv2d(x, npg.ones((2, 1, 3, 3)), padding=1)[0, 0]
    Array([[4., 6., 6., 4.],
           [6., 9., 9., 6.],
           [6., 9., 9., 6.],
           [4., 6., 6., 4.]])
    >>> conv2d(x, npg.ones((1, 1, 2, 2)), stride=2).shape
    (1, 1, 2, 2)
    """
    from numpygrad.ops.shape import reshape

    x = input if isinstance(input, Array) else Array(input)
    w = weight if isinstance(weight, Array) else Array(weight)
    unbatched = x.ndim == 3
    if unbatched:
        x = reshape(x, (1,) + x.shape)
    g = _conv_args(x, w, stride, padding, dilation, groups)
    out = Conv2dOp.apply(x, w, geom=g) if bias is None else Conv2dOp.apply(x, w, bias, geom=g)
    return reshape(out, out.shape[1:]) if unbatched else out


class Conv2d(Module):
    """2-D convolution layer over ``(N, C, H, W)`` inputs.

    The weight has shape ``(out_channels, in_channels / groups, kH, kW)``. Weight
    and bias are initialised as in PyTorch: ``kaiming_uniform_(a=sqrt(5))``, that
    is ``U(-1/sqrt(fan_in), 1/sqrt(fan_in))`` with ``fan_in = in_channels / groups
    * kH * kW``, for both.

    Parameters
    ----------
    in_channels, out_channels : int
        Channels of the input and of the output.
    kernel_size, stride, padding, dilation, groups
        As in :func:`conv2d`.
    bias : bool
        Whether to learn an additive bias per output channel.
    padding_mode : str
        Only ``'zeros'`` is supported.
    dtype : dtype, optional
        Parameter dtype (the default float dtype otherwise).
    generator : numpygrad.random.Generator, optional
        Source of randomness for the initialisation.

    Notes
    -----
    With glibc, the first call that allocates a scratch buffer sets its trim and mmap
    thresholds for the process (64 MB and 32 MB), so the arrays a training step
    frees are not handed back to the OS and faulted in again at the next step;
    ``NUMPYGRAD_MALLOC_TRIM_THRESHOLD=0`` turns this off. See the benchmarks page
    of the documentation.

    Examples
    --------
    >>> import numpygrad as npg
    >>> from numpygrad.nn.conv import Conv2d
    >>> layer = Conv2d(3, 8, kernel_size=3, padding=1)
    >>> layer.weight.shape, layer.bias.shape
    ((8, 3, 3, 3), (8,))
    >>> layer(npg.ones((2, 3, 5, 5))).shape
    (2, 8, 5, 5)
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int | tuple[int, int],
                 stride: int | tuple[int, int] = 1, padding: int | tuple[int, int] | str = 0,
                 dilation: int | tuple[int, int] = 1, groups: int = 1, bias: bool = True,
                 padding_mode: str = "zeros", dtype: Any = None, generator: Any = None) -> None:
        super().__init__()
        if isinstance(groups, bool) or not isinstance(groups, (int, np.integer)) or groups <= 0:
            raise ValueError(f"groups must be a positive integer, got {groups!r}")
        if in_channels % groups:
            raise ValueError(f"in_channels must be divisible by groups (in_channels="
                             f"{in_channels}, groups={groups})")
        if out_channels % groups:
            raise ValueError(f"out_channels must be divisible by groups (out_channels="
                             f"{out_channels}, groups={groups})")
        if padding_mode != "zeros":
            raise NotImplementedError(f"Conv2d: padding_mode={padding_mode!r} is not "
                                      "supported; only 'zeros' is")
        if isinstance(padding, str):
            if padding not in ("same", "valid"):
                raise ValueError(f"Invalid padding string {padding!r}, should be one of "
                                 "['valid', 'same']")
            if padding == "same" and _pair(stride, "stride") != (1, 1):
                raise ValueError("padding='same' is not supported for strided convolutions")
        else:
            padding = _pair(padding, "padding")
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size = _pair(kernel_size, "kernel_size")
        self.stride, self.dilation = _pair(stride, "stride"), _pair(dilation, "dilation")
        self.padding, self.groups, self.padding_mode = padding, groups, padding_mode
        shape = (out_channels, in_channels // groups) + self.kernel_size
        _check_dims(shape)
        dt = np.dtype(dtype) if dtype is not None else get_default_dtype()
        self.weight = Parameter(np.empty(shape, dtype=dt))
        self.bias = Parameter(np.empty((out_channels,), dtype=dt)) if bias else None
        self.reset_parameters(generator)

    def reset_parameters(self, generator: Any = None) -> None:
        """Re-initialise weight and bias in place, as PyTorch does.

        Both are drawn from ``U(-1/sqrt(fan_in), 1/sqrt(fan_in))`` with
        ``fan_in = in_channels / groups * kH * kW``.

        Parameters
        ----------
        generator : numpygrad.random.Generator, optional
            Source of randomness (the default generator if None).

        Examples
        --------
        >>> import numpygrad as npg
        >>> from numpygrad import nn
        >>> conv = nn.Conv2d(1, 2, kernel_size=2)
        >>> conv.weight.data[...] = 10.0
        >>> conv.reset_parameters(generator=npg.random.Generator(0))
        >>> bool((abs(conv.weight) <= 0.5).all())  # fan_in = 4
        True
        """
        init.kaiming_uniform_(self.weight, a=math.sqrt(5), generator=generator)
        if self.bias is not None:
            fan_in = init._calculate_fan_in_and_fan_out(self.weight)[0]
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
            init.uniform_(self.bias, -bound, bound, generator=generator)

    def forward(self, x: Array) -> Array:
        """Convolve ``x`` with the layer's weight and add the bias.

        Parameters
        ----------
        x : Array
            Shape ``(N, in_channels, H, W)``, or ``(in_channels, H, W)`` for one image.

        Returns
        -------
        Array
            Shape ``(N, out_channels, OH, OW)`` (see :func:`conv2d` for ``OH``, ``OW``).

        Examples
        --------
        >>> import numpygrad as npg
        >>> from numpygrad import nn
        >>> conv = nn.Conv2d(3, 4, kernel_size=3, stride=2)
        >>> conv(npg.ones((2, 3, 9, 9))).shape
        (2, 4, 4, 4)
        >>> conv(npg.ones((3, 9, 9))).shape
        (4, 4, 4)
        """
        return conv2d(x, self.weight, self.bias, self.stride, self.padding, self.dilation,
                      self.groups)

    def extra_repr(self) -> str:
        """Return the layer's settings as shown by ``repr``.

        Examples
        --------
        >>> import numpygrad as npg
        >>> from numpygrad import nn
        >>> nn.Conv2d(3, 8, kernel_size=3, padding=1).extra_repr()
        '3, 8, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1)'
        """
        s = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
             f"stride={self.stride}")
        if self.padding not in ((0, 0), "valid"):
            s += f", padding={self.padding}"
        if self.dilation != (1, 1):
            s += f", dilation={self.dilation}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        return s + ("" if self.bias is not None else ", bias=False")
