"""Joining, splitting and replicating: concatenate, stack, split, chunk, repeat, tile, pad.

Multi-output operations (``split``, ``chunk``) return lists of Arrays, each
made by its own single-output node (a basic slice of the input, so a view
that shares the input's version counter).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
from numpy.exceptions import AxisError
from numpy.lib.array_utils import normalize_axis_index, normalize_axis_tuple

from numpygrad._array import Array, asarray
from numpygrad.autograd.function import Function
from numpygrad.ops.indexing import IndexAdd, getitem

__all__ = ["concatenate", "cat", "stack", "split", "array_split", "chunk", "repeat", "tile",
           "pad"]


# -- helpers (shared with numpygrad.ops.shape) ------------------------------------------------
def _shape_of(x: Any) -> tuple[int, ...]:
    return x.shape if isinstance(x, Array) else np.shape(x)


def _axis(axis: Any, ndim: int) -> int:
    """Normalise one axis; AxisError is both an IndexError and a ValueError."""
    try:
        return normalize_axis_index(int(axis), ndim)
    except AxisError:
        raise AxisError(
            f"axis {axis} is out of range for an array with {ndim} dimension(s) "
            f"(expected an axis in [{-ndim}, {ndim - 1}])"
        ) from None


def _axes(axis: Any, ndim: int) -> tuple[int, ...]:
    """Normalise an int or a sequence of axes (duplicates raise ValueError)."""
    try:
        return normalize_axis_tuple(axis, ndim)
    except AxisError:
        raise AxisError(
            f"axis {axis} is out of range for an array with {ndim} dimension(s) "
            f"(expected axes in [{-ndim}, {ndim - 1}])"
        ) from None


def _along(axis: int, index: Any) -> tuple[Any, ...]:
    """An indexing key that applies ``index`` to ``axis`` and keeps the others whole."""
    return (slice(None),) * axis + (index,)


def _array_list(arrays: Iterable[Any], name: str) -> list[Array]:
    if isinstance(arrays, (Array, np.ndarray)):
        raise TypeError(f"{name}() expects a sequence of arrays, got a single array")
    xs = [a if isinstance(a, Array) else asarray(a) for a in arrays]
    if not xs:
        raise ValueError(f"{name}() expected a non-empty list of arrays")
    return xs


# -- concatenate, stack -----------------------------------------------------------------------
class Concatenate(Function):
    """Join arrays along an existing axis; backward slices the gradient apart."""

    save_inputs = False

    def __init__(self, axis: int) -> None:
        self.axis = axis

    def forward(self, *xs: np.ndarray) -> np.ndarray:
        first = xs[0].shape
        for i, x in enumerate(xs):
            if x.ndim == 0:
                raise ValueError(f"zero-dimensional arrays cannot be concatenated (array {i})")
            if x.ndim != len(first):
                raise ValueError(
                    f"all arrays must have the same number of dimensions, but array 0 has shape "
                    f"{first} and array {i} has shape {x.shape}"
                )
        ax = _axis(self.axis, len(first))
        for i, x in enumerate(xs):
            for d, (m, n) in enumerate(zip(first, x.shape)):
                if d != ax and m != n:
                    raise ValueError(
                        f"Sizes of arrays must match except in dimension {ax}. Expected size "
                        f"{m} but got size {n} for array number {i} in the list (shapes "
                        f"{first} and {x.shape})"
                    )
        self.axis = ax
        self.sizes = [x.shape[ax] for x in xs]
        return np.concatenate(xs, axis=ax)

    def backward(self, grad: Array) -> tuple[Array | None, ...]:
        grads: list[Array | None] = []
        start = 0
        for need, n in zip(self.needs_input_grad, self.sizes):
            grads.append(getitem(grad, _along(self.axis, slice(start, start + n)))
                         if need else None)
            start += n
        return tuple(grads)

    def backward_data(self, grad: np.ndarray) -> tuple[np.ndarray | None, ...]:
        grads: list[np.ndarray | None] = []
        start = 0
        for need, n in zip(self.needs_input_grad, self.sizes):
            grads.append(grad[_along(self.axis, slice(start, start + n))] if need else None)
            start += n
        return tuple(grads)


def concatenate(arrays: Iterable[Any], axis: int | None = 0, *, dim: int | None = None) -> Array:
    """Join arrays along an existing axis (``np.concatenate``, ``torch.cat``).

    Parameters
    ----------
    arrays : sequence of Array
        Arrays with equal shapes except along ``axis``; dtypes are promoted.
    axis : int or None
        The axis to join along; ``None`` flattens the arrays first.
    dim : int, optional
        PyTorch's name for ``axis``.

    Examples
    --------
    >>> import numpygrad as npg
    >>> npg.concatenate([npg.zeros((1, 2)), npg.ones((2, 2))]).shape
    (3, 2)
    >>> npg.concatenate([npg.array([1, 2]), npg.array([3])])
    Array([1, 2, 3])
    """
    if dim is not None:
        axis = dim
    xs = _array_list(arrays, "concatenate")
    if axis is None:
        xs = [x.reshape(-1) for x in xs]
        axis = 0
    return Concatenate.apply(*xs, axis=axis)


def cat(tensors: Iterable[Any], dim: int = 0) -> Array:
    """PyTorch's name for :func:`concatenate`.

    Examples
    --------
    >>> import numpygrad as npg
    >>> npg.cat([npg.zeros((2, 1)), npg.zeros((2, 3))], dim=1).shape
    (2, 4)
    """
    return concatenate(tensors, axis=dim)


class Stack(Function):
    """Join equal-shaped arrays along a new axis; backward indexes the gradient apart."""

    save_inputs = False

    def __init__(self, axis: int) -> None:
        self.axis = axis

    def forward(self, *xs: np.ndarray) -> np.ndarray:
        first = xs[0].shape
        for i, x in enumerate(xs):
            if x.shape != first:
                raise ValueError(
                    f"stack expects each array to be equal size, but got {first} at entry 0 "
                    f"and {x.shape} at entry {i}"
                )
        self.axis = _axis(self.axis, len(first) + 1)
        return np.stack(xs, axis=self.axis)

    def backward(self, grad: Array) -> tuple[Array | None, ...]:
        return tuple(getitem(grad, _along(self.axis, k)) if need else None
                     for k, need in enumerate(self.needs_input_grad))

    def backward_data(self, grad: np.ndarray) -> tuple[np.ndarray | None, ...]:
        # (the Ellipsis keeps a 0-d piece an array, not a NumPy scalar)
        return tuple(grad[(*_along(self.axis, k), ...)] if need else None
                     for k, need in enumerate(self.needs_input_grad))


def stack(arrays: Iterable[Any], axis: int = 0, *, dim: int | None = None) -> Array:
    """Join arrays of equal shape along a new axis (``np.stack``, ``torch.stack``).

    Examples
    --------
    >>> import numpygrad as npg
    >>> npg.stack([npg.zeros(3), npg.ones(3)]).shape
    (2, 3)
    >>> npg.stack([npg.zeros(3), npg.ones(3)], axis=-1).shape
    (3, 2)
    """
    if dim is not None:
        axis = dim
    return Stack.apply(*_array_list(arrays, "stack"), axis=axis)


# -- split, chunk -----------------------------------------------------------------------------
def _pieces(x: Array, axis: int, bounds: list[int]) -> list[Array]:
    return [getitem(x, _along(axis, slice(a, b))) for a, b in zip(bounds[:-1], bounds[1:])]


def split(x: Any, indices_or_sections: int | Iterable[int], axis: int = 0, *,
          dim: int | None = None) -> list[Array]:
    """Split into a list of views along ``axis`` (NumPy's ``np.split`` semantics).

    An int ``N`` gives ``N`` equal pieces (a ValueError if the axis length is
    not divisible); a sequence of indices gives the cut points. PyTorch's
    ``torch.split(x, size)`` takes a piece *size* instead: use :func:`chunk`
    or ``split(x, range(size, n, size))``.

    Examples
    --------
    >>> import numpygrad as npg
    >>> [p.tolist() for p in npg.split(npg.arange(6), 3)]
    [[0, 1], [2, 3], [4, 5]]
    >>> [p.tolist() for p in npg.split(npg.arange(6), [1, 4])]
    [[0], [1, 2, 3], [4, 5]]
    """
    if dim is not None:
        axis = dim
    x = x if isinstance(x, Array) else asarray(x)
    ax = _axis(axis, x.ndim)
    n = x.shape[ax]
    if np.ndim(indices_or_sections) == 0:
        sections = int(indices_or_sections)
        if sections <= 0:
            raise ValueError(f"split: the number of sections must be positive, got {sections}")
        if n % sections:
            raise ValueError(
                f"array split does not result in an equal division: axis {axis} of length {n} "
                f"into {sections} sections (shape {x.shape}); use array_split or chunk"
            )
        bounds = list(range(0, n + 1, n // sections)) if n else [0] * (sections + 1)
    else:
        bounds = [0, *(int(i) for i in indices_or_sections), n]
    return _pieces(x, ax, bounds)


def array_split(x: Any, indices_or_sections: int | Iterable[int], axis: int = 0) -> list[Array]:
    """Like :func:`split`, but ``N`` sections need not divide the axis (``np.array_split``).

    The first ``n % N`` pieces get one extra element.

    Examples
    --------
    >>> import numpygrad as npg
    >>> [p.tolist() for p in npg.array_split(npg.arange(5), 3)]
    [[0, 1], [2, 3], [4]]
    """
    x = x if isinstance(x, Array) else asarray(x)
    ax = _axis(axis, x.ndim)
    if np.ndim(indices_or_sections) != 0:
        return split(x, indices_or_sections, axis=ax)
    sections = int(indices_or_sections)
    if sections <= 0:
        raise ValueError(f"array_split: the number of sections must be positive, got {sections}")
    q, r = divmod(x.shape[ax], sections)
    sizes = [q + 1] * r + [q] * (sections - r)
    return _pieces(x, ax, [0, *np.cumsum(sizes).tolist()])


def chunk(x: Any, chunks: int, dim: int = 0) -> list[Array]:
    """Split into ``chunks`` pieces of ``ceil(n / chunks)`` elements (``torch.chunk``).

    The last piece may be smaller and, as in PyTorch, fewer than ``chunks``
    pieces come back when the length does not allow more.

    Examples
    --------
    >>> import numpygrad as npg
    >>> [p.tolist() for p in npg.chunk(npg.arange(5), 3)]
    [[0, 1], [2, 3], [4]]
    >>> len(npg.chunk(npg.arange(5), 4))
    3
    """
    x = x if isinstance(x, Array) else asarray(x)
    chunks = int(chunks)
    if chunks <= 0:
        raise ValueError(f"chunk expects `chunks` to be greater than 0, got {chunks}")
    ax = _axis(dim, x.ndim)
    n = x.shape[ax]
    if n == 0:
        return _pieces(x, ax, [0] * (chunks + 1))  # PyTorch: `chunks` empty pieces
    size = -(-n // chunks)
    return _pieces(x, ax, [*range(0, n, size), n])


# -- repeat, tile -----------------------------------------------------------------------------
class Repeat(Function):
    """``np.repeat``; backward sums each group of copies back into its element."""

    save_inputs = False

    def __init__(self, repeats: Any, axis: int) -> None:
        self.repeats = repeats  # an int, or a 1-D int ndarray (one count per element)
        self.axis = axis

    def forward(self, x: np.ndarray) -> np.ndarray:
        return np.repeat(x, self.repeats, self.axis)

    def backward(self, grad: Array) -> Array:
        shape, ax = self.inputs[0].shape, self.axis
        if isinstance(self.repeats, int):
            return grad.reshape(self._split_shape(shape)).sum(axis=ax + 1)
        return IndexAdd.apply(grad, key=self._owners(shape), shape=shape, dtype=grad.dtype)

    def backward_data(self, grad: np.ndarray) -> np.ndarray:
        shape = self.inputs[0].data.shape
        if isinstance(self.repeats, int):
            return grad.reshape(self._split_shape(shape)).sum(axis=self.axis + 1)
        return IndexAdd(self._owners(shape), shape, grad.dtype).forward(grad)

    def _split_shape(self, shape: tuple[int, ...]) -> tuple[int, ...]:
        """The output's shape with the repeated axis split in (elements, copies).

        Copies of one element are adjacent (an int ``repeats``): summing the
        copies axis gives the gradient.
        """
        ax = self.axis
        return shape[:ax] + (shape[ax], self.repeats) + shape[ax + 1:]

    def _owners(self, shape: tuple[int, ...]) -> tuple[Any, ...]:
        """An index that picks, for each output position, the element it copies."""
        owner = np.repeat(np.arange(shape[self.axis]), self.repeats)
        return _along(self.axis, owner)


def repeat(x: Any, repeats: Any, axis: int | None = None) -> Array:
    """Repeat each element ``repeats`` times along ``axis`` (``np.repeat``).

    PyTorch's ``Tensor.repeat(*sizes)`` repeats the *whole* array and is
    :func:`tile` here; ``torch.repeat_interleave`` is this function.

    Parameters
    ----------
    x : Array
        The input.
    repeats : int or sequence of int
        The number of copies: one for all elements, or one per element along ``axis``.
    axis : int, optional
        The axis to repeat along; ``None`` flattens the input first.

    Examples
    --------
    >>> import numpygrad as npg
    >>> npg.repeat(npg.array([1, 2]), 2)
    Array([1, 1, 2, 2])
    >>> npg.repeat(npg.array([[1, 2], [3, 4]]), [1, 2], axis=0)
    Array([[1, 2],
           [3, 4],
           [3, 4]])
    """
    x = x if isinstance(x, Array) else asarray(x)
    if axis is None:
        x, axis = x.reshape(-1), 0
    ax = _axis(axis, x.ndim)
    reps = np.asarray(repeats.data if isinstance(repeats, Array) else repeats)
    if reps.size and reps.dtype.kind not in "iu":
        raise TypeError(f"repeats must be integers, got dtype {reps.dtype}")
    if np.any(reps < 0):
        raise ValueError(f"repeats may not contain negative values, got {repeats}")
    if reps.size == 1:
        return Repeat.apply(x, repeats=int(reps.reshape(())), axis=ax)
    if reps.ndim != 1 or reps.shape[0] != x.shape[ax]:
        raise ValueError(
            f"repeats of shape {reps.shape} does not match the length {x.shape[ax]} of axis "
            f"{axis} of an array of shape {x.shape}"
        )
    return Repeat.apply(x, repeats=reps.astype(np.intp), axis=ax)


class Tile(Function):
    """``np.tile``; backward sums the gradient over the copies."""

    save_inputs = False

    def __init__(self, reps: tuple[int, ...]) -> None:
        self.reps = reps

    def forward(self, x: np.ndarray) -> np.ndarray:
        return np.tile(x, self.reps)

    def backward(self, grad: Array) -> Array:
        return self._sum_copies(grad)

    def backward_data(self, grad: np.ndarray) -> np.ndarray:
        return self._sum_copies(grad)

    def _sum_copies(self, grad: Any) -> Any:
        """Sum the copies in ``grad``: an Array (recorded) or an ndarray (first order),
        which have the same ``reshape`` and ``sum``."""
        shape = self.inputs[0].data.shape
        d = max(len(shape), len(self.reps))
        if d == 0:
            return grad  # both the input and ``reps`` are 0-d: nothing is tiled
        sizes = (1,) * (d - len(shape)) + shape
        reps = (1,) * (d - len(self.reps)) + self.reps
        # Output axis k holds reps[k] copies of sizes[k] elements: split it and sum the copies.
        split_shape = tuple(v for pair in zip(reps, sizes) for v in pair)
        return grad.reshape(split_shape).sum(axis=tuple(range(0, 2 * d, 2))).reshape(shape)


def tile(x: Any, reps: int | Iterable[int]) -> Array:
    """Repeat the whole array ``reps[k]`` times along axis ``k`` (``np.tile``).

    This is PyTorch's ``Tensor.repeat(*sizes)``. When ``reps`` is longer than
    ``x.ndim`` new leading axes are added; when shorter it is padded with 1s.

    Examples
    --------
    >>> import numpygrad as npg
    >>> npg.tile(npg.array([1, 2]), 2)
    Array([1, 2, 1, 2])
    >>> npg.tile(npg.array([1, 2]), (2, 1))
    Array([[1, 2],
           [1, 2]])
    """
    reps_t = tuple(int(r) for r in ((reps,) if np.ndim(reps) == 0 else reps))
    if any(r < 0 for r in reps_t):
        raise ValueError(f"tile: reps may not be negative, got {reps_t}")
    return Tile.apply(x, reps=reps_t)


# -- pad ----------------------------------------------------------------------------------------
_PAD_MODES = ("constant", "edge", "reflect", "symmetric", "wrap")


class Pad(Function):
    """Constant padding; backward slices the gradient of the original region."""

    save_inputs = False

    def __init__(self, pad_width: np.ndarray, constant_values: Any) -> None:
        self.pad_width = pad_width
        self.constant_values = constant_values

    def forward(self, x: np.ndarray) -> np.ndarray:
        if x.ndim == 0:
            return x.copy()  # nothing to pad (np.pad itself fails on 0-d input)
        return np.pad(x, self.pad_width, mode="constant", constant_values=self.constant_values)

    def backward(self, grad: Array) -> Array:
        return getitem(grad, self._region(self.inputs[0].shape))

    def backward_data(self, grad: np.ndarray) -> np.ndarray:
        # (the Ellipsis keeps a 0-d input's gradient an array, not a NumPy scalar)
        return grad[(*self._region(self.inputs[0].data.shape), ...)]

    def _region(self, shape: tuple[int, ...]) -> tuple[slice, ...]:
        """The index of the original (unpadded) region in the output."""
        return tuple(slice(b, b + n) for b, n in zip(self.pad_width[:, 0].tolist(), shape))


def pad(x: Any, pad_width: Any, mode: str = "constant", constant_values: Any = 0) -> Array:
    """Pad an array (``np.pad`` semantics).

    ``pad_width`` is ``n``, ``(before, after)`` or one ``(before, after)`` pair
    per axis, in axis order. PyTorch's ``F.pad`` lists pairs from the *last*
    axis backwards: ``F.pad(x, (1, 2))`` is ``pad(x, [(0, 0)] * (x.ndim - 1) + [(1, 2)])``.
    The modes ``'constant'``, ``'edge'``, ``'reflect'``, ``'symmetric'`` and
    ``'wrap'`` are differentiable in ``x``; ``constant_values`` is a plain
    number (it gets no gradient).

    Examples
    --------
    >>> import numpygrad as npg
    >>> npg.pad(npg.array([1.0, 2.0]), (1, 2))
    Array([0., 1., 2., 0., 0.])
    >>> npg.pad(npg.array([1, 2, 3]), 2, mode="reflect")
    Array([3, 2, 1, 2, 3, 2, 1])
    """
    x = x if isinstance(x, Array) else asarray(x)
    if mode not in _PAD_MODES:
        raise ValueError(f"pad: mode {mode!r} is not supported; use one of {_PAD_MODES}")
    pw = np.asarray(pad_width)
    if pw.size and pw.dtype.kind not in "iu":
        raise TypeError(f"pad: pad_width must be integers, got {pad_width!r}")
    try:
        pw = np.broadcast_to(pw.astype(np.intp), (x.ndim, 2))
    except ValueError:
        raise ValueError(
            f"pad: pad_width of shape {pw.shape} cannot be broadcast to ({x.ndim}, 2) for an "
            f"array of shape {x.shape}"
        ) from None
    if np.any(pw < 0):
        raise ValueError(f"pad: pad_width may not be negative, got {pad_width!r}")
    if mode == "constant":
        cv = constant_values.data if isinstance(constant_values, Array) else constant_values
        return Pad.apply(x, pad_width=pw, constant_values=cv)
    if x.ndim == 0:
        return Pad.apply(x, pad_width=pw, constant_values=0)
    # The other modes copy elements of x: pad a map of flat positions the same way and
    # gather with it, so the gradient scatters back through getitem (repeats accumulate).
    positions = np.pad(np.arange(x.size).reshape(x.shape), pw, mode=mode)
    return getitem(x.reshape(-1), positions)
