"""Dropout: zero random elements during training and rescale the rest."""

from __future__ import annotations

from typing import Any

import numpy as np

from numpygrad._array import Array, _wrap
from numpygrad.autograd.function import Function
from numpygrad.nn.module import Module
from numpygrad.random import _np_generator

__all__ = ["dropout", "Dropout"]


def _check_p(p: Any) -> float:
    if isinstance(p, bool) or not isinstance(p, (int, float, np.floating, np.integer)):
        raise TypeError(f"dropout probability must be a number, got {type(p).__name__}")
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    return float(p)


class DropoutOp(Function):
    """Multiply by a fixed mask of ``0`` and ``1 / (1 - p)`` (drawn before the call)."""

    save_inputs = False

    def __init__(self, mask: np.ndarray) -> None:
        self.mask = mask

    def forward(self, x: np.ndarray) -> np.ndarray:
        return x * self.mask

    def backward(self, grad: Array) -> Array:
        # The mask is a constant, so this is also the create_graph formula.
        return grad * _wrap(self.mask)

    def backward_data(self, grad: np.ndarray) -> np.ndarray:
        return np.asarray(grad * self.mask)  # (asarray: 0-d arrays multiply to a NumPy scalar)


def dropout(input: Any, p: float = 0.5, training: bool = True, generator: Any = None,
            inplace: bool = False) -> Array:
    """Zero each element with probability ``p`` and scale the others by ``1 / (1 - p)``.

    Outside training (or with ``p = 0``) the input itself is returned. With
    ``p = 1`` every element becomes 0 (``x * 0``, so NaN stays NaN as in
    PyTorch). The mask comes from ``generator`` (the default generator if
    None), so one seed reproduces the masks. ``inplace`` is accepted for
    PyTorch compatibility; the result is always a new array.

    Raises
    ------
    ValueError
        If ``p`` is outside ``[0, 1]``.

    Examples
    --------
    >>> import numpygrad as npg
    >>> from numpygrad.nn.dropout import dropout
    >>> x = npg.ones(8)
    >>> y = dropout(x, 0.5, generator=npg.random.Generator(0))
    >>> sorted(set(y.tolist())) == [0.0, 2.0]
    True
    >>> dropout(x, 0.5, training=False) is x
    True
    """
    p = _check_p(p)
    x = input if isinstance(input, Array) else Array(input)
    if not training or p == 0.0:
        return x
    dt = x.dtype if x.dtype.kind == "f" else np.dtype(np.float64)
    rng = _np_generator(generator)
    u = rng.random(x.shape, dtype=dt.type if dt in (np.float32, np.float64) else np.float64)
    scale = dt.type(1.0 / (1.0 - p)) if p < 1.0 else dt.type(0)
    mask = (u >= p).astype(dt) * scale
    return DropoutOp.apply(x, mask=mask)


class Dropout(Module):
    """Randomly zero elements with probability ``p`` in training mode.

    Kept elements are scaled by ``1 / (1 - p)`` so the expected value is
    unchanged; in evaluation mode the layer returns its input.

    Parameters
    ----------
    p : float
        Probability of zeroing an element, in ``[0, 1]``.
    inplace : bool
        Accepted for PyTorch compatibility (the result is always a new array).
    generator : numpygrad.random.Generator, optional
        Source of the masks (the default generator if None).

    Examples
    --------
    >>> import numpygrad as npg
    >>> from numpygrad.nn.dropout import Dropout
    >>> layer = Dropout(0.25)
    >>> x = npg.ones((2, 3))
    >>> layer.eval()(x) is x
    True
    >>> Dropout(1.5)
    Traceback (most recent call last):
    ...
    ValueError: dropout probability has to be between 0 and 1, but got 1.5
    """

    def __init__(self, p: float = 0.5, inplace: bool = False, generator: Any = None) -> None:
        super().__init__()
        self.p = _check_p(p)
        self.inplace = inplace
        self.generator = generator

    def forward(self, x: Array) -> Array:
        """Apply :func:`dropout` with the layer's ``p`` in training mode; identity otherwise.

        Examples
        --------
        >>> import numpygrad as npg
        >>> from numpygrad import nn
        >>> _ = npg.random.manual_seed(0)
        >>> layer = nn.Dropout(0.5)
        >>> y = layer(npg.ones((4, 4)))
        >>> y.shape, sorted(set(y.flatten().tolist())) == [0.0, 2.0]
        ((4, 4), True)
        >>> x = npg.ones(3)
        >>> layer.eval()(x) is x
        True
        """
        return dropout(x, self.p, self.training, self.generator)

    def extra_repr(self) -> str:
        """Return the layer's settings as shown by ``repr``.

        Examples
        --------
        >>> import numpygrad as npg
        >>> from numpygrad import nn
        >>> nn.Dropout(0.25).extra_repr()
        'p=0.25, inplace=False'
        """
        return f"p={self.p}, inplace={self.inplace}"
