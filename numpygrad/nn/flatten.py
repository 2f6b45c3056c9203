"""Shape layers: ``Flatten`` and ``Unflatten`` (views when possible, differentiable)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from numpygrad._array import Array
from numpygrad.nn.module import Module
from numpygrad.ops.shape import flatten, reshape

__all__ = ["Flatten", "Unflatten"]


class Flatten(Module):
    """Merge the axes ``start_dim..end_dim`` into one (by default all but the batch axis).

    Examples
    --------
    >>> import numpygrad as npg
    >>> from numpygrad.nn.flatten import Flatten
    >>> Flatten()(npg.zeros((2, 3, 4, 5))).shape
    (2, 60)
    >>> Flatten(0, 1)(npg.zeros((2, 3, 4))).shape
    (6, 4)
    """

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, x: Array) -> Array:
        """Merge the axes ``start_dim..end_dim`` of ``x`` into one (a view when possible).

        Examples
        --------
        >>> import numpygrad as npg
        >>> from numpygrad import nn
        >>> nn.Flatten()(npg.zeros((8, 1, 28, 28))).shape
        (8, 784)
        >>> nn.Flatten(start_dim=0)(npg.zeros((2, 3))).shape
        (6,)
        """
        return flatten(x, self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        """Return the layer's settings as shown by ``repr``.

        Examples
        --------
        >>> import numpygrad as npg
        >>> from numpygrad import nn
        >>> nn.Flatten().extra_repr()
        'start_dim=1, end_dim=-1'
        """
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    """Split axis ``dim`` into ``unflattened_size`` (one entry may be -1).

    Raises
    ------
    ValueError
        When the sizes do not multiply up to the length of ``dim``.

    Examples
    --------
    >>> import numpygrad as npg
    >>> from numpygrad.nn.flatten import Unflatten
    >>> Unflatten(1, (2, 5))(npg.zeros((3, 10))).shape
    (3, 2, 5)
    >>> Unflatten(-1, (-1, 2))(npg.zeros((3, 10))).shape
    (3, 5, 2)
    """

    def __init__(self, dim: int, unflattened_size: Sequence[int]) -> None:
        super().__init__()
        if isinstance(unflattened_size, int) or not all(
                isinstance(s, int) for s in unflattened_size):
            raise TypeError(f"unflattened_size must be a tuple of ints, got {unflattened_size!r}")
        self.dim, self.unflattened_size = dim, tuple(unflattened_size)

    def forward(self, x: Array) -> Array:
        """Split axis ``dim`` of ``x`` into ``unflattened_size`` (a view when possible).

        Raises
        ------
        ValueError
            When ``dim`` is out of range or the sizes do not multiply up to its length.

        Examples
        --------
        >>> import numpygrad as npg
        >>> from numpygrad import nn
        >>> nn.Unflatten(1, (1, 28, 28))(npg.zeros((8, 784))).shape
        (8, 1, 28, 28)
        >>> nn.Unflatten(0, (3, 3))(npg.zeros(8))  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        ValueError: unflatten: Provided sizes [3, 3] don't multiply up to the size of dim 0 ...
        """
        x = x if isinstance(x, Array) else Array(x)
        if not -x.ndim <= self.dim < x.ndim:
            raise ValueError(f"Unflatten: dim {self.dim} is out of range for an array with "
                             f"{x.ndim} dimensions")
        dim = self.dim % x.ndim
        sizes: Any = list(self.unflattened_size)
        n = x.shape[dim]
        known = math.prod(s for s in sizes if s != -1)
        if sizes.count(-1) > 1 or (-1 in sizes and (known == 0 or n % known)) or (
                -1 not in sizes and known != n):
            raise ValueError(f"unflatten: Provided sizes {sizes} don't multiply up to the size "
                             f"of dim {self.dim} ({n}) in the input tensor")
        if -1 in sizes:
            sizes[sizes.index(-1)] = n // known
        return reshape(x, x.shape[:dim] + tuple(sizes) + x.shape[dim + 1:])

    def extra_repr(self) -> str:
        """Return the layer's settings as shown by ``repr``.

        Examples
        --------
        >>> import numpygrad as npg
        >>> from numpygrad import nn
        >>> nn.Unflatten(1, (2, 5)).extra_repr()
        'dim=1, unflattened_size=(2, 5)'
        """
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"
