"""Indexing: ``x[key]``, ``setitem``, ``take_along_axis``/``gather``, ``masked_fill``.

Gradients of advanced indexing with repeated indices accumulate (a scatter-add),
so ``x[[0, 0]].sum()`` gives ``x.grad[0] == 2``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from numpygrad._array import Array, _wrap, asarray
from numpygrad.autograd.function import Function

__all__ = ["getitem", "setitem", "index_add", "take_along_axis", "gather", "masked_fill"]


#: Index parts that need no conversion or check (``x[3]``, ``x[:, 2:5]``, ``x[..., None]``).
_PLAIN = (int, slice, type(None), type(Ellipsis))


def normalize_key(key: Any) -> Any:
    """Replace Arrays inside an index by their ndarrays and check index dtypes."""
    if type(key) in _PLAIN:
        return key
    if isinstance(key, tuple):
        for k in key:
            if type(k) not in _PLAIN:
                return tuple([_key_part(k) for k in key])
        return key
    return _key_part(key)


def _key_part(k: Any) -> Any:
    if isinstance(k, Array):
        k = k.data
    if isinstance(k, np.ndarray) and k.dtype.kind not in "biu":
        raise IndexError(
            f"arrays used as indices must be of integer or boolean type, got dtype {k.dtype}"
        )
    if isinstance(k, float):
        raise IndexError(f"only integers, slices, ellipsis, None and integer or boolean arrays "
                         f"are valid indices, got float {k}")
    return k


def _is_basic(key: Any) -> bool:
    """Whether the index selects without advanced (array) indexing."""
    parts = key if isinstance(key, tuple) else (key,)
    for k in parts:
        if isinstance(k, (np.ndarray, list)) or (
            isinstance(k, np.generic) and k.dtype == np.bool_
        ) or isinstance(k, bool):
            return False
    return True


def _is_masks(key: Any) -> bool:
    """Whether the index is basic apart from boolean arrays (no position repeats)."""
    parts = key if isinstance(key, tuple) else (key,)
    for k in parts:
        if isinstance(k, np.ndarray):
            if k.dtype != np.bool_:
                return False
        elif not _is_basic(k):
            return False
    return True


def _scatter_rows(out: np.ndarray, key: Any, values: np.ndarray) -> bool:
    """``np.add.at(out, idx, values)`` for one integer array on axis 0, when heavily repeated.

    This is the gradient of an embedding lookup or ``x[idx]``. NumPy 2's
    ``np.add.at`` is fast in general (measured: 1-D, or rows with few
    repeats), but when many indices hit few rows (a small vocabulary, say 50
    rows of 128 gathered 4096 times) sorting and ``np.add.reduceat`` is 2-3x
    faster (the same sums, up to rounding). Returns False when the
    key or the sizes are of another kind (the caller uses ``np.add.at``).
    """
    if isinstance(key, tuple):
        # (idx, :, ...) selects the same positions as idx alone.
        parts = list(key)
        while parts and (parts[-1] is Ellipsis or (
                isinstance(parts[-1], slice) and parts[-1] == slice(None))):
            parts.pop()
        if len(parts) != 1:
            return False
        key = parts[0]
    if not isinstance(key, np.ndarray) or key.dtype.kind not in "iu" or out.ndim < 2:
        return False
    n, width = out.shape[0], int(np.prod(out.shape[1:]))
    # Thresholds from measurements: below them np.add.at is as fast or faster.
    if key.size < 16 * n or width < 16 or out.dtype.kind != "f":
        return False
    idx = key.reshape(-1).astype(np.intp, copy=False)
    if idx.min() < -n or idx.max() >= n:
        return False  # np.add.at raises the IndexError with the offending index
    idx = np.where(idx < 0, idx + n, idx)
    vals = np.broadcast_to(values, key.shape + out.shape[1:]).reshape(idx.size, width)
    order = np.argsort(idx, kind="stable")
    idx = idx[order]
    starts = np.flatnonzero(np.concatenate(([True], idx[1:] != idx[:-1])))
    out.reshape(n, width)[idx[starts]] = np.add.reduceat(vals[order], starts, axis=0)
    return True


def _index(x: np.ndarray, key: Any) -> np.ndarray:
    try:
        return x[key]
    except IndexError as e:
        if x.ndim == 0:
            raise IndexError(
                f"invalid index of a 0-d array ({e}); use .item() to get the value"
            ) from None
        raise IndexError(f"{e} (array of shape {x.shape})") from None


class GetItem(Function):
    """``x[key]``; backward scatters the gradient into zeros of the input's shape."""

    save_inputs = False
    is_view = True

    def __init__(self, key: Any) -> None:
        self.key = key

    def forward(self, x: np.ndarray) -> np.ndarray:
        out = _index(x, self.key)
        return out

    def backward(self, grad: Array) -> Array:
        x = self.inputs[0]
        return IndexAdd.apply(grad, key=self.key, shape=x.shape, dtype=x.dtype)

    def backward_data(self, grad: np.ndarray) -> np.ndarray:
        x = self.inputs[0].data
        return IndexAdd(self.key, x.shape, x.dtype).forward(grad)  # (the op's formula, unrecorded)


def getitem(x: Any, key: Any) -> Array:
    """``x[key]`` with NumPy semantics (basic, advanced, boolean, mixed).

    Examples
    --------
    >>> import numpygrad as npg
    >>> x = npg.array([1.0, 2.0, 3.0], requires_grad=True)
    >>> x[[0, 0, 2]].sum().backward()
    >>> x.grad
    Array([2., 0., 1.])
    """
    return GetItem.apply(x, key=normalize_key(key))


class IndexAdd(Function):
    """Scatter-add ``values`` into zeros of ``shape`` at ``key`` (repeats accumulate)."""

    save_inputs = False

    def __init__(self, key: Any, shape: tuple[int, ...], dtype: Any) -> None:
        self.key = key
        self.shape = shape
        self.dtype = dtype

    def forward(self, values: np.ndarray) -> np.ndarray:
        out = np.zeros(self.shape, dtype=self.dtype)
        key = self.key
        if _is_basic(key) or _is_masks(key):
            out[key] = values  # no position is selected twice: plain assignment
        elif not _scatter_rows(out, key, values):
            np.add.at(out, key, values)
        return out

    def backward(self, grad: Array) -> Array:
        return getitem(grad, self.key)

    def backward_data(self, grad: np.ndarray) -> np.ndarray:
        return np.asarray(grad[self.key])  # (an array where a single element is picked)


def index_add(values: Any, key: Any, shape: tuple[int, ...]) -> Array:
    """Zeros of ``shape`` with ``values`` added at ``key``; repeated indices accumulate.

    Examples
    --------
    >>> import numpygrad as npg
    >>> npg.index_add(npg.array([1.0, 2.0]), [0, 0], (3,))
    Array([3., 0., 0.])
    """
    v = values if isinstance(values, Array) else Array(values)
    return IndexAdd.apply(v, key=normalize_key(key), shape=tuple(shape), dtype=v.dtype)


class SetItem(Function):
    """Out-of-place ``x[key] = value``; gradients go to both ``x`` and ``value``."""

    save_inputs = False

    def __init__(self, key: Any) -> None:
        self.key = key

    def forward(self, x: np.ndarray, value: np.ndarray) -> np.ndarray:
        out = x.copy()
        try:
            out[self.key] = value
        except IndexError as e:
            raise IndexError(f"{e} (array of shape {x.shape})") from None
        except ValueError as e:
            raise ValueError(
                f"cannot assign a value of shape {value.shape} to the selection "
                f"{_index(x, self.key).shape} of an array of shape {x.shape}: {e}"
            ) from None
        return out

    def backward(self, grad: Array) -> tuple[Array | None, Array | None]:
        gx = setitem(grad, self.key, 0) if self.needs_input_grad[0] else None
        gv = None
        if self.needs_input_grad[1]:
            gv = _unbroadcast(getitem(grad, self.key), self.inputs[1].shape)
        return gx, gv

    def backward_data(self, grad: np.ndarray) -> tuple[np.ndarray | None, np.ndarray | None]:
        gx = None
        if self.needs_input_grad[0]:
            gx = grad.copy()
            gx[self.key] = 0
        gv = None
        if self.needs_input_grad[1]:
            gv = _unbroadcast_data(np.asarray(grad[self.key]), self.inputs[1].data.shape)
        return gx, gv


def _unbroadcast(g: Array, shape: tuple[int, ...]) -> Array:
    """Sum ``g`` down to ``shape``, the shape it was broadcast from.

    The engine only sums axes of an op's *output*; a value broadcast into a
    selection has the selection's shape instead, so SetItem reduces it here.
    """
    if g.shape == shape:
        return g
    return g.sum(axis=_broadcast_axes(g.shape, shape)).reshape(shape)


def _unbroadcast_data(g: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """``_unbroadcast`` on a raw ndarray."""
    if g.shape == shape:
        return g
    return np.asarray(g.sum(axis=_broadcast_axes(g.shape, shape))).reshape(shape)


def _broadcast_axes(gshape: tuple[int, ...], shape: tuple[int, ...]) -> tuple[int, ...]:
    """The axes of ``gshape`` along which an array of ``shape`` was broadcast to it."""
    lead = len(gshape) - len(shape)
    return tuple(range(lead)) + tuple(
        lead + i for i, n in enumerate(shape) if n == 1 and gshape[lead + i] != 1)


def setitem(x: Any, key: Any, value: Any) -> Array:
    """Return a copy of ``x`` with ``x[key]`` replaced by ``value`` (differentiable).

    The functional form of ``x[key] = value``: ``x`` itself is not modified.
    The gradient w.r.t. ``x`` is zero at the replaced positions; ``value``
    receives the gradient of the positions it filled (summed where it was
    broadcast).

    Examples
    --------
    >>> import numpygrad as npg
    >>> x = npg.array([1.0, 2.0, 3.0], requires_grad=True)
    >>> v = npg.array(10.0, requires_grad=True)
    >>> y = npg.setitem(x, slice(0, 2), v)
    >>> y
    Array([10., 10.,  3.], grad_fn=<SetItem>)
    >>> (y * npg.array([1.0, 2.0, 3.0])).sum().backward()
    >>> x.grad, v.grad
    (Array([0., 0., 3.]), Array(3.))
    """
    if not isinstance(x, Array):
        x = Array(x)
    if not isinstance(value, Array):
        value = Array(np.asarray(value, dtype=x.dtype))
    return SetItem.apply(x, value, key=normalize_key(key))


# -- gathers along an axis --------------------------------------------------------------------
def _int_indices(indices: Any, name: str) -> np.ndarray:
    idx = np.asarray(indices.data if isinstance(indices, Array) else indices)
    if idx.dtype.kind not in "iu":
        raise IndexError(f"{name}: indices must be integers, got dtype {idx.dtype}")
    return idx


def take_along_axis(x: Any, indices: Any, axis: int | None) -> Array:
    """Pick values along ``axis`` at ``indices`` (``np.take_along_axis``).

    ``indices`` has as many dimensions as ``x`` and broadcasts against it in
    the other axes; negative indices count from the end. With ``axis=None``
    ``x`` is flattened and ``indices`` must be 1-D. Repeated indices
    accumulate gradient. See :func:`gather` for PyTorch's variant.

    Examples
    --------
    >>> import numpygrad as npg
    >>> x = npg.array([[10.0, 30.0, 20.0], [60.0, 40.0, 50.0]])
    >>> npg.take_along_axis(x, npg.array([[1], [0]]), axis=1)
    Array([[30.],
           [60.]])
    """
    x = x if isinstance(x, Array) else asarray(x)
    idx = _int_indices(indices, "take_along_axis")
    if axis is None:
        if idx.ndim != 1:
            raise ValueError(f"take_along_axis: with axis=None indices must be 1-D, got "
                             f"shape {idx.shape}")
        return getitem(x.reshape(-1), idx)
    if idx.ndim != x.ndim:
        raise ValueError(
            f"take_along_axis: indices (shape {idx.shape}) and the array (shape {x.shape}) "
            "must have the same number of dimensions"
        )
    ax = np.lib.array_utils.normalize_axis_index(axis, x.ndim)
    return getitem(x, _along_key(x.shape, idx, ax))


def _along_key(shape: tuple[int, ...], idx: np.ndarray, axis: int) -> tuple[np.ndarray, ...]:
    """The advanced-indexing key equivalent to taking ``idx`` along ``axis``."""
    key = []
    for d, n in enumerate(shape):
        if d == axis:
            key.append(idx)
        else:
            # An arange along d broadcast against idx: picks the same position in d.
            view_shape = [1] * len(shape)
            view_shape[d] = n
            key.append(np.arange(n).reshape(view_shape))
    return tuple(key)


def gather(x: Any, dim: int, index: Any) -> Array:
    """PyTorch's ``torch.gather``: ``out[i][j] = x[i][index[i][j]]`` for ``dim=1``.

    ``index`` has as many dimensions as ``x``; the output has ``index``'s
    shape, and along the other axes ``index`` may be smaller than ``x`` (the
    leading part is used) but does not broadcast. Negative or too-large
    indices raise IndexError (unlike :func:`take_along_axis`, which wraps
    negatives as NumPy does).

    Examples
    --------
    >>> import numpygrad as npg
    >>> x = npg.array([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    >>> y = npg.gather(x, 1, npg.array([[0, 0], [1, 0]]))
    >>> y
    Array([[1., 1.],
           [4., 3.]], grad_fn=<GetItem>)
    >>> y.sum().backward()
    >>> x.grad
    Array([[2., 0.],
           [1., 1.]])
    """
    x = x if isinstance(x, Array) else asarray(x)
    idx = _int_indices(index, "gather")
    if idx.ndim != x.ndim:
        raise ValueError(
            f"gather: index (shape {idx.shape}) must have as many dimensions as the array "
            f"(shape {x.shape})"
        )
    if x.ndim == 0:
        return gather(x.reshape(1), 0, idx.reshape(1)).reshape(())
    ax = np.lib.array_utils.normalize_axis_index(dim, x.ndim)
    for d, (m, n) in enumerate(zip(idx.shape, x.shape)):
        if d != ax and m > n:
            raise ValueError(
                f"gather: index of shape {idx.shape} is larger than the array of shape "
                f"{x.shape} in dimension {d} (only dimension {ax} may differ)"
            )
    n = x.shape[ax]
    if idx.size and (idx.min() < 0 or idx.max() >= n):
        bad = idx.min() if idx.min() < 0 else idx.max()
        raise IndexError(f"gather: index {bad} is out of bounds for dimension {ax} with size {n}")
    return getitem(x, _along_key(idx.shape, idx, ax))


# -- masked_fill --------------------------------------------------------------------------------
class MaskedFill(Function):
    """``x`` with ``value`` where ``mask`` holds; the mask is an option, not an input."""

    save_inputs = False

    def __init__(self, mask: np.ndarray) -> None:
        self.mask = mask

    def forward(self, x: np.ndarray, value: np.ndarray) -> np.ndarray:
        return np.where(self.mask, value, x)

    def backward(self, grad: Array) -> tuple[Array | None, Array | None]:
        from numpygrad.ops.elementwise import where

        mask = _wrap(self.mask)
        gx = where(mask, 0, grad) if self.needs_input_grad[0] else None
        # The filled positions all came from the one value: sum their gradients.
        gv = where(mask, grad, 0).sum() if self.needs_input_grad[1] else None
        return gx, gv

    def backward_data(self, grad: np.ndarray) -> tuple[np.ndarray | None, np.ndarray | None]:
        mask = self.mask
        gx = np.where(mask, 0, grad) if self.needs_input_grad[0] else None
        gv = np.asarray(np.where(mask, grad, 0).sum()) if self.needs_input_grad[1] else None
        return gx, gv


def masked_fill(x: Any, mask: Any, value: Any) -> Array:
    """Return ``x`` with ``value`` written where the boolean ``mask`` is True.

    ``mask`` broadcasts against ``x`` (the result has the broadcast shape, as
    in PyTorch). ``value`` is a number or a 0-d Array, cast to ``x``'s dtype;
    a 0-d Array that requires grad receives the sum of the gradient over the
    filled positions. The gradient of ``x`` is 0 where it was filled.

    Examples
    --------
    >>> import numpygrad as npg
    >>> x = npg.array([1.0, 2.0, 3.0], requires_grad=True)
    >>> y = npg.masked_fill(x, x > 1.5, 0.0)
    >>> y
    Array([1., 0., 0.], grad_fn=<MaskedFill>)
    >>> y.sum().backward()
    >>> x.grad
    Array([1., 0., 0.])
    """
    x = x if isinstance(x, Array) else asarray(x)
    m = np.asarray(mask.data if isinstance(mask, Array) else mask)
    if m.dtype != np.bool_:
        raise TypeError(f"masked_fill only supports boolean masks, got a mask of dtype {m.dtype}")
    try:
        np.broadcast_shapes(x.shape, m.shape)
    except ValueError:
        raise ValueError(
            f"masked_fill: the mask of shape {m.shape} does not broadcast with the array of "
            f"shape {x.shape}"
        ) from None
    if isinstance(value, Array):
        if value.ndim != 0:
            raise ValueError(
                f"masked_fill only supports a 0-dimensional value array, got shape {value.shape}"
            )
        if value.dtype != x.dtype:
            from numpygrad.ops.arithmetic import cast

            value = cast(value, x.dtype)
    else:
        value = np.asarray(value).astype(x.dtype)
    return MaskedFill.apply(x, value, mask=m)
