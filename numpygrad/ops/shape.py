"""Shape operations: reshape, transpose, flatten, moveaxis, flip, roll, squeeze, triu, tril.

Results are views of the input where NumPy can make one (reshape, transpose,
flip); views share the input's version counter, so an in-place change through
a view is detected. Joining, splitting and replicating (concatenate, stack,
split, chunk, repeat, tile, pad) live in :mod:`numpygrad.ops.join`.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from numpygrad._array import Array
from numpygrad.autograd.function import Function

# chunk/repeat/split/tile: Array methods of those names are bound from this
# module's namespace (numpygrad._array_methods); the functions live in join.py.
from numpygrad.ops.join import _axes, _axis, _shape_of, chunk, repeat, split, tile  # noqa: F401

__all__ = ["reshape", "view", "transpose", "permute", "swapaxes", "broadcast_to", "expand",
           "expand_dims", "unsqueeze", "squeeze", "flatten", "moveaxis", "movedim", "flip",
           "roll", "triu", "tril"]


def _shape_arg(shape: tuple[Any, ...]) -> tuple[int, ...]:
    """Accept ``f(2, 3)`` and ``f((2, 3))``, like NumPy methods and PyTorch."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    return tuple(int(s) for s in shape)


class Reshape(Function):
    """Reshape (a view when possible); backward reshapes the gradient back.

    Parameters
    ----------
    shape : tuple of int
        The new shape; one entry may be -1.

    Examples
    --------
    >>> import numpygrad as npg
    >>> from numpygrad import functions as F
    >>> F.Reshape((2, 2))(npg.array([1.0, 2.0, 3.0, 4.0]))
    Array([[1., 2.],
           [3., 4.]])
    """

    save_inputs = False
    is_view = True

    def __init__(self, shape: tuple[int, ...]) -> None:
        self.shape = shape

    def forward(self, x: np.ndarray) -> np.ndarray:
        """Return the raw ndarray reshaped to ``self.shape`` (bad shapes raise).

        Examples
        --------
        >>> import numpy as np
        >>> import numpygrad as npg
        >>> from numpygrad import functions as F
        >>> F.Reshape((3, -1)).forward(np.arange(6)).shape
        (3, 2)
        """
        shape = self.shape
        if shape.count(-1) > 1:
            raise ValueError(f"only one dimension can be inferred, got shape {list(shape)}")
        known = math.prod([s for s in shape if s != -1])
        if any(s < -1 for s in shape) or (
            -1 not in shape and known != x.size
        ) or (-1 in shape and (known == 0 or x.size % known)):
            raise ValueError(f"shape {list(shape)} is invalid for input of size {x.size}")
        return x.reshape(shape)

    def backward(self, grad: Array) -> Array:
        """Reshape ``grad`` back to the input's shape.

        Examples
        --------
        >>> import numpygrad as npg
        >>> from numpygrad import functions as F
        >>> x = npg.array([1.0, 2.0, 3.0, 4.0], requires_grad=True)
        >>> F.Reshape((2, 2))(x).backward(npg.array([[1.0, 2.0], [3.0, 4.0]]))
        >>> x.grad
        Array([1., 2., 3., 4.])
        """
        return reshape(grad, self.inputs[0].shape)

    def backward_data(self, grad: np.ndarray) -> np.ndarray:
        return grad.reshape(self.inputs[0].data.shape)


def reshape(x: Any, *shape: Any) -> Array:
    """Give ``x`` a new shape with the same number of elements.

    Parameters
    ----------
    x : Array
        The input.
    *shape : int or tuple of int
        The new shape, as varargs or one tuple; one entry may be -1.

    Examples
    --------
    >>> import numpygrad as npg
    >>> npg.reshape(npg.arange(6), (2, 3))
    Array([[0, 1, 2],
           [3, 4, 5]])
    >>> npg.arange(4).reshape(1, 4)
    Array([[0, 1, 2, 3]])
    """
    shape_t = _shape_arg(shape)
    if isinstance(x, Array) and x.data.shape == shape_t:
        return x if x._fn is None and not x.requires_grad else Reshape.apply(x, shape=shape_t)
    return Reshape.apply(x, shape=shape_t)


def view(x: Any, *shape: Any) -> Array:
    """Like :func:`reshape` but refuses to copy: the result must be a view.

    Examples
    --------
    >>> import numpygrad as npg
    >>> npg.view(npg.zeros((2, 3)), -1).shape
    (6,)
    """
    out = reshape(x, *shape)
    base = x.data if isinstance(x, Array) else x
    if out.data.size and not np.shares_memory(out.data, base):
        raise ValueError(
            f"view size is not compatible with input array's size and stride (shape "
            f"{np.shape(base)} to {_shape_arg(shape)}); use .reshape(...) instead"
        )
    return out


class Transpose(Function):
    """Permute axes (a view); backward applies the inverse permutation.

    Parameters
    ----------
    axes : tuple of int or None
        The permutation; None reverses the axes.

    Examples
    --------
    >>> import numpygrad as npg
    >>> from numpygrad import functions as F
    >>> F.Transpose((1, 0))(npg.array([[1.0, 2.0], [3.0, 4.0]]))
    Array([[1., 3.],
           [2., 4.]])
    """

    save_inputs = False
    is_view = True

    def __init__(self, axes: tuple[int, ...] | None) -> None:
        self.axes = axes

    def forward(self, x: np.ndarray) -> np.ndarray:
        """Return the raw ndarray with its axes permuted (bad axes raise).

        Examples
        --------
        >>> import numpy as np
        >>> import numpygrad as npg
        >>> from numpygrad import functions as F
        >>> F.Transpose(None).forward(np.zeros((2, 3, 4))).shape
        (4, 3, 2)
        """
        axes = self.axes
        if axes is not None:
            if len(axes) != x.ndim:
                raise ValueError(
                    f"permute: number of axes {len(axes)} doesn't match the array's "
                    f"{x.ndim} dimensions"
                )
            norm = [a + x.ndim if a < 0 else a for a in axes]
            if len(set(norm)) != len(norm):
                raise ValueError(f"permute(): duplicate dims are not allowed, got {axes}")
        return x.transpose(axes)  # the method: np.transpose adds a Python wrapper

    def backward(self, grad: Array) -> Array:
        """Permute ``grad`` back with the inverse permutation.

        Examples
        --------
        >>> import numpygrad as npg
        >>> from numpygrad import functions as F
        >>> x = npg.zeros((2, 3), requires_grad=True)
        >>> F.Transpose((1, 0))(x).backward(npg.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]))
        >>> x.grad
        Array([[1., 3., 5.],
               [2., 4., 6.]])
        """
        inverse = self._inverse()
        return transpose(grad) if inverse is None else transpose(grad, inverse)

    def backward_data(self, grad: np.ndarray) -> np.ndarray:
        return grad.transpose(self._inverse())

    def _inverse(self) -> tuple[int, ...] | None:
        """The inverse permutation (None: the reversal, its own inverse)."""
        if self.axes is None:
            return None
        ndim = len(self.axes)
        return tuple(int(i) for i in np.argsort([a % ndim for a in self.axes]))


def transpose(x: Any, *axes: Any) -> Array:
    """Permute the axes of ``x``; with no axes, reverse them (NumPy).

    PyTorch's two-axis form ``transpose(x, 0, 1)`` swaps those two axes when
    ``x`` has more than two dimensions... and NumPy's permutation form
    ``transpose(x, (1, 0, 2))`` is accepted too.

    Examples
    --------
    >>> import numpygrad as npg
    >>> npg.transpose(npg.zeros((2, 3, 4))).shape
    (4, 3, 2)
    >>> npg.transpose(npg.zeros((2, 3, 4)), (1, 0, 2)).shape
    (3, 2, 4)
    >>> npg.transpose(npg.zeros((2, 3, 4)), 0, 2).shape
    (4, 3, 2)
    """
    if len(axes) == 0 or (len(axes) == 1 and axes[0] is None):
        return Transpose.apply(x, axes=None)
    if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
        return Transpose.apply(x, axes=tuple(int(a) for a in axes[0]))
    ndim = x.ndim if isinstance(x, Array) else np.ndim(x)
    if len(axes) == 2 and ndim != 2:
        return swapaxes(x, axes[0], axes[1])
    return Transpose.apply(x, axes=tuple(int(a) for a in axes))


def permute(x: Any, *dims: Any) -> Array:
    """Permute axes (PyTorch's name): ``permute(x, 2, 0, 1)`` or with a tuple.

    Examples
    --------
    >>> import numpygrad as npg
    >>> npg.permute(npg.zeros((2, 3, 4)), 2, 0, 1).shape
    (4, 2, 3)
    """
    dims_t = _shape_arg(dims)
    return Transpose.apply(x, axes=dims_t)


def swapaxes(x: Any, axis1: int, axis2: int) -> Array:
    """Interchange two axes.

    Examples
    --------
    >>> import numpygrad as npg
    >>> npg.swapaxes(npg.zeros((2, 3, 4)), 0, -1).shape
    (4, 3, 2)
    """
    ndim = x.ndim if isinstance(x, Array) else np.ndim(x)
    for a in (axis1, axis2):
        if not -ndim <= a < max(ndim, 1):
            raise np.exceptions.AxisError(a, ndim)
    perm = list(range(ndim))
    perm[axis1], perm[axis2] = perm[axis2], perm[axis1]
    return Transpose.apply(x, axes=tuple(perm))


class BroadcastTo(Function):
    """Broadcast to a shape (a read-only view); the engine sums the gradient back."""

    save_inputs = False
    is_view = True

    def __init__(self, shape: tuple[int, ...]) -> None:
        self.shape = shape

    def forward(self, x: np.ndarray) -> np.ndarray:
        try:
            return np.broadcast_to(x, self.shape)
        except ValueError:
            raise ValueError(
                f"cannot broadcast an array of shape {x.shape} to shape {self.shape}"
            ) from None

    def backward(self, grad: Array) -> Array:
        return grad

    def backward_data(self, grad: np.ndarray) -> np.ndarray:
        return grad  # (the engine sums it over the broadcast axes)


def broadcast_to(x: Any, *shape: Any) -> Array:
    """Broadcast ``x`` to ``shape`` (NumPy); the result is a read-only view.

    Examples
    --------
    >>> import numpygrad as npg
    >>> npg.broadcast_to(npg.array([1.0, 2.0]), (2, 2))
    Array([[1., 2.],
           [1., 2.]])
    """
    return BroadcastTo.apply(x, shape=_shape_arg(shape))


def expand(x: Any, *shape: Any) -> Array:
    """PyTorch's ``expand``: like :func:`broadcast_to`, -1 keeps a dimension.

    Examples
    --------
    >>> import numpygrad as npg
    >>> npg.expand(npg.zeros((3, 1)), -1, 4).shape
    (3, 4)
    """
    target = list(_shape_arg(shape))
    xs = x.shape if isinstance(x, Array) else np.shape(x)
    offset = len(target) - len(xs)
    for i, s in enumerate(target):
        if s == -1:
            if i < offset:
                raise ValueError("expand: -1 is not allowed in a new leading dimension")
            target[i] = xs[i - offset]
    return BroadcastTo.apply(x, shape=tuple(target))


def expand_dims(x: Any, axis: int | tuple[int, ...]) -> Array:
    """Insert a new axis of length 1 at ``axis``.

    Examples
    --------
    >>> import numpygrad as npg
    >>> npg.expand_dims(npg.zeros(3), 0).shape
    (1, 3)
    """
    xs = x.shape if isinstance(x, Array) else np.shape(x)
    return reshape(x, np.expand_dims(np.broadcast_to(np.False_, xs), axis).shape)


def unsqueeze(x: Any, dim: int) -> Array:
    """PyTorch's name for :func:`expand_dims`.

    Examples
    --------
    >>> import numpygrad as npg
    >>> npg.unsqueeze(npg.zeros(3), -1).shape
    (3, 1)
    """
    return expand_dims(x, dim)


def squeeze(x: Any, axis: int | tuple[int, ...] | None = None, *, dim: Any = None) -> Array:
    """Remove axes of length 1 (all of them, or those in ``axis``/``dim``).

    Examples
    --------
    >>> import numpygrad as npg
    >>> npg.squeeze(npg.zeros((1, 3, 1))).shape
    (3,)
    >>> npg.squeeze(npg.zeros((1, 3, 1)), axis=0).shape
    (3, 1)
    """
    if dim is not None:
        axis = dim
    xs = x.shape if isinstance(x, Array) else np.shape(x)
    try:
        target = np.squeeze(np.broadcast_to(np.False_, xs), axis).shape
    except ValueError:
        raise ValueError(
            f"cannot squeeze axis {axis} of an array of shape {xs}: its length is not 1"
        ) from None
    return reshape(x, target)


# -- flatten, moveaxis ----------------------------------------------------------------------
def flatten(x: Any, start_dim: int = 0, end_dim: int = -1) -> Array:
    """Merge the axes ``start_dim..end_dim`` (inclusive) into one (PyTorch's signature).

    With the defaults the result is 1-D, as NumPy's ``ndarray.flatten()``; a
    0-d array becomes shape ``(1,)``. Unlike NumPy's method (always a copy),
    the result is a view when possible, as in PyTorch.

    Parameters
    ----------
    x : Array
        The input.
    start_dim, end_dim : int
        The first and last axis to merge; negative values count from the end.

    Examples
    --------
    >>> import numpygrad as npg
    >>> npg.flatten(npg.zeros((2, 3, 4))).shape
    (24,)
    >>> npg.zeros((2, 3, 4)).flatten(1).shape
    (2, 12)
    """
    xs = _shape_of(x)
    if len(xs) == 0:
        # PyTorch accepts 0 and -1 on a 0-d input and returns shape (1,).
        _axis(start_dim, 1)
        _axis(end_dim, 1)
        return reshape(x, (1,))
    s, e = _axis(start_dim, len(xs)), _axis(end_dim, len(xs))
    if s > e:
        raise ValueError(
            f"flatten(): start_dim ({start_dim}) cannot come after end_dim ({end_dim}) "
            f"for an array of shape {xs}"
        )
    return reshape(x, xs[:s] + (int(np.prod(xs[s:e + 1])),) + xs[e + 1:])


def moveaxis(x: Any, source: int | tuple[int, ...], destination: int | tuple[int, ...]) -> Array:
    """Move axes to new positions, keeping the order of the others (a view).

    Examples
    --------
    >>> import numpygrad as npg
    >>> npg.moveaxis(npg.zeros((2, 3, 4)), 0, -1).shape
    (3, 4, 2)
    >>> npg.moveaxis(npg.zeros((2, 3, 4)), (0, 1), (-1, -2)).shape
    (4, 3, 2)
    """
    ndim = len(_shape_of(x))
    src, dst = _axes(source, ndim), _axes(destination, ndim)
    if len(src) != len(dst):
        raise ValueError(
            f"moveaxis: source {source} and destination {destination} must have the same "
            "number of elements"
        )
    order = [n for n in range(ndim) if n not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return Transpose.apply(x, axes=tuple(order))


def movedim(x: Any, source: int | tuple[int, ...], destination: int | tuple[int, ...]) -> Array:
    """PyTorch's name for :func:`moveaxis`.

    Examples
    --------
    >>> import numpygrad as npg
    >>> npg.movedim(npg.zeros((2, 3, 4)), 1, 0).shape
    (3, 2, 4)
    """
    return moveaxis(x, source, destination)


# -- flip, roll -----------------------------------------------------------------------------
class Flip(Function):
    """Reverse the order of elements along axes (a view); backward flips the gradient."""

    save_inputs = False
    is_view = True

    def __init__(self, axis: tuple[int, ...]) -> None:
        self.axis = axis

    def forward(self, x: np.ndarray) -> np.ndarray:
        return np.flip(x, self.axis)

    def backward(self, grad: Array) -> Array:
        return Flip.apply(grad, axis=self.axis)

    def backward_data(self, grad: np.ndarray) -> np.ndarray:
        # (no axes: the identity; np.flip would make a 0-d gradient a NumPy scalar)
        return self.forward(grad) if self.axis else grad


def flip(x: Any, axis: int | tuple[int, ...] | None = None, *, dims: Any = None) -> Array:
    """Reverse the order of elements along ``axis`` (all axes when ``None``, as NumPy).

    PyTorch's ``torch.flip(x, dims)`` is ``flip(x, dims)``. The result is a
    view with negative strides.

    Examples
    --------
    >>> import numpygrad as npg
    >>> npg.flip(npg.arange(3))
    Array([2, 1, 0])
    >>> npg.flip(npg.arange(4).reshape(2, 2), dims=1)
    Array([[1, 0],
           [3, 2]])
    """
    if dims is not None:
        axis = dims
    ndim = len(_shape_of(x))
    axes = tuple(range(ndim)) if axis is None else _axes(axis, ndim)
    return Flip.apply(x, axis=axes)


class Roll(Function):
    """Roll elements along axes with wrap-around; backward rolls the gradient back."""

    save_inputs = False

    def __init__(self, shift: Any, axis: Any) -> None:
        self.shift = shift
        self.axis = axis

    def forward(self, x: np.ndarray) -> np.ndarray:
        return np.roll(x, self.shift, self.axis)

    def backward(self, grad: Array) -> Array:
        return Roll.apply(grad, shift=-np.asarray(self.shift), axis=self.axis)

    def backward_data(self, grad: np.ndarray) -> np.ndarray:
        return np.roll(grad, -np.asarray(self.shift), self.axis)


def roll(x: Any, shift: int | tuple[int, ...], axis: int | tuple[int, ...] | None = None, *,
         dims: Any = None) -> Array:
    """Roll elements along ``axis``; those shifted past the end come back at the start.

    With ``axis=None`` the array is rolled as if flattened (NumPy and PyTorch).
    ``shift`` and ``axis`` may be tuples of equal length.

    Examples
    --------
    >>> import numpygrad as npg
    >>> npg.roll(npg.arange(5), 2)
    Array([3, 4, 0, 1, 2])
    >>> npg.roll(npg.arange(6).reshape(2, 3), -1, axis=1)
    Array([[1, 2, 0],
           [4, 5, 3]])
    """
    if dims is not None:
        axis = dims
    ndim = len(_shape_of(x))
    if axis is None:
        if np.ndim(shift) != 0:
            raise ValueError(f"roll: with axis=None the shift must be an int, got {shift}")
    else:
        ax = (axis,) if np.ndim(axis) == 0 else tuple(axis)
        for a in ax:
            _axis(a, ndim)
        if np.ndim(shift) != 0 and np.ndim(axis) != 0 and len(shift) != len(ax):
            raise ValueError(f"roll: shift {shift} and axis {axis} must have the same length")
    return Roll.apply(x, shift=np.asarray(shift, dtype=np.intp), axis=axis)


# -- triangles ----------------------------------------------------------------------------------
class Triu(Function):
    """Upper (``lower=False``) or lower triangle of the last two axes; linear, so backward
    applies the same mask to the gradient."""

    save_inputs = False

    def __init__(self, k: int, lower: bool) -> None:
        self.k = k
        self.lower = lower

    def forward(self, x: np.ndarray) -> np.ndarray:
        if x.ndim < 2:
            name = "tril" if self.lower else "triu"
            raise ValueError(f"{name}: input must have at least 2 dimensions, got shape {x.shape}")
        return np.tril(x, self.k) if self.lower else np.triu(x, self.k)

    def backward(self, grad: Array) -> Array:
        return Triu.apply(grad, k=self.k, lower=self.lower)

    def backward_data(self, grad: np.ndarray) -> np.ndarray:
        return self.forward(grad)  # (linear: the same mask)


def triu(x: Any, k: int = 0) -> Array:
    """Zero the elements below the ``k``-th diagonal of the last two axes.

    Examples
    --------
    >>> import numpygrad as npg
    >>> npg.triu(npg.ones((3, 3)))
    Array([[1., 1., 1.],
           [0., 1., 1.],
           [0., 0., 1.]])
    """
    return Triu.apply(x, k=int(k), lower=False)


def tril(x: Any, k: int = 0) -> Array:
    """Zero the elements above the ``k``-th diagonal of the last two axes.

    Examples
    --------
    >>> import numpygrad as npg
    >>> npg.tril(npg.ones((2, 3)), k=-1)
    Array([[0., 0., 0.],
           [1., 0., 0.]])
    """
    return Triu.apply(x, k=int(k), lower=True)
