"""Gradient clipping and flat-vector helpers (``torch.nn.utils``).

All functions work on ``p.grad.data`` / ``p.data`` in place with NumPy, so they record no graph.
"""

from __future__ import annotations

import types
import warnings
from collections.abc import Iterable

import numpy as np

from numpygrad._array import Array

__all__ = ["clip_grad_norm_", "clip_grad_value_", "get_total_norm", "parameters_to_vector",
           "vector_to_parameters"]

ArrayOrArrays = Array | Iterable[Array]


def _as_list(parameters: ArrayOrArrays) -> list[Array]:
    if isinstance(parameters, Array):
        return [parameters]
    is_generator = isinstance(parameters, types.GeneratorType)
    params = list(parameters)
    if is_generator and not params:
        # An exhausted generator (e.g. model.parameters() reused) is almost always a bug.
        warnings.warn("`parameters` is an empty generator, no gradient clipping will occur.",
                      stacklevel=3)
    return params


def _vector_norm(values: np.ndarray, norm_type: float) -> np.ndarray:
    if values.size == 0:
        return np.zeros((), dtype=values.dtype)
    return np.linalg.vector_norm(values, ord=norm_type)


def get_total_norm(tensors: ArrayOrArrays, norm_type: float = 2.0,
                   error_if_nonfinite: bool = False) -> Array:
    """Norm of all ``tensors`` together, as if they were concatenated into one vector.

    Parameters
    ----------
    tensors : Array or iterable of Array
        The arrays (typically gradients) to measure.
    norm_type : float, default 2.0
        Order of the p-norm; ``float('inf')`` gives the largest absolute value.
    error_if_nonfinite : bool, default False
        Raise RuntimeError if the norm is nan or inf.

    Returns
    -------
    Array
        A 0-d array in the tensors' (promoted) dtype.

    Examples
    --------
    >>> import numpygrad as npg
    >>> from numpygrad import nn
    >>> nn.utils.get_total_norm([npg.array([3.0]), npg.array([4.0])]).item()
    5.0
    """
    arrays = [t.data if isinstance(t, Array) else np.asarray(t) for t in _as_list(tensors)]
    norm_type = float(norm_type)
    if not arrays:
        return Array(0.0)
    dtype = np.result_type(*arrays)
    # Per-array norms in their own dtype (no float64 copy of big gradients), combined in
    # float64 and reported in the arrays' dtype, like torch.
    norms = np.array([_vector_norm(a.ravel(), norm_type) for a in arrays], dtype=np.float64)
    total = _vector_norm(norms, norm_type)
    if error_if_nonfinite and not np.isfinite(total):
        raise RuntimeError(
            f"The total norm of order {norm_type} for gradients from `parameters` is "
            f"non-finite ({float(total)}), so it cannot be clipped. To disable this error and "
            "scale the gradients by the non-finite norm anyway, set `error_if_nonfinite=False`"
        )
    return Array(np.asarray(total, dtype=dtype))


def clip_grad_norm_(parameters: ArrayOrArrays, max_norm: float, norm_type: float = 2.0,
                    error_if_nonfinite: bool = False) -> Array:
    """Scale gradients in place so their total norm is at most ``max_norm``.

    The norm is taken over all gradients together; each is multiplied by
    ``min(1, max_norm / (total_norm + 1e-6))`` (PyTorch's formula). Parameters without a
    gradient are skipped.

    Parameters
    ----------
    parameters : Array or iterable of Array
        Typically ``model.parameters()``.
    max_norm : float
        Largest allowed total norm (non-negative).
    norm_type : float, default 2.0
        Order of the p-norm; ``float('inf')`` for the max norm.
    error_if_nonfinite : bool, default False
        Raise RuntimeError (naming the norm) instead of scaling by a nan/inf norm.

    Returns
    -------
    Array
        The total norm before clipping (0-d, in the gradients' dtype).

    Examples
    --------
    >>> import numpygrad as npg
    >>> from numpygrad import nn
    >>> p = nn.Parameter([0.0, 0.0])
    >>> p.grad = npg.array([3.0, 4.0])
    >>> nn.utils.clip_grad_norm_([p], max_norm=1.0).item()
    5.0
    >>> [round(g, 4) for g in p.grad.tolist()]
    [0.6, 0.8]
    """
    max_norm = float(max_norm)
    if not max_norm >= 0:
        raise ValueError(f"max_norm must be non-negative, got {max_norm}")
    params = _as_list(parameters)
    grads = [p.grad.data for p in params if p.grad is not None]
    total = get_total_norm(grads, norm_type, error_if_nonfinite)
    coef = max_norm / (float(total.item()) + 1e-6)
    # coef >= 1 would multiply by exactly 1.0, so skip it; a nan coef fails the test and
    # poisons the gradients, as in PyTorch (inf * 0 -> nan is expected, not warned about).
    if not coef >= 1.0:
        with np.errstate(invalid="ignore"):
            for g in grads:
                g *= coef
    return total


def clip_grad_value_(parameters: ArrayOrArrays, clip_value: float) -> None:
    """Clamp every gradient element into ``[-clip_value, clip_value]``, in place.

    Examples
    --------
    >>> import numpygrad as npg
    >>> from numpygrad import nn
    >>> p = nn.Parameter([0.0, 0.0])
    >>> p.grad = npg.array([-3.0, 0.5])
    >>> nn.utils.clip_grad_value_([p], 1.0)
    >>> p.grad.tolist()
    [-1.0, 0.5]
    """
    clip_value = float(clip_value)
    if not clip_value >= 0:
        raise ValueError(f"clip_value must be non-negative, got {clip_value}")
    for p in _as_list(parameters):
        if p.grad is not None:
            np.clip(p.grad.data, -clip_value, clip_value, out=p.grad.data)


def parameters_to_vector(parameters: Iterable[Array]) -> Array:
    """Concatenate the flattened parameters into one new 1-D Array (a copy, no graph).

    Examples
    --------
    >>> import numpygrad as npg
    >>> from numpygrad import nn
    >>> nn.utils.parameters_to_vector([npg.ones((2, 2)), npg.zeros(1)]).tolist()
    [1.0, 1.0, 1.0, 1.0, 0.0]
    """
    arrays = [p.data.ravel() for p in _as_list(parameters)]
    if not arrays:
        raise ValueError("parameters_to_vector expects at least one parameter")
    return Array(np.concatenate(arrays))


def vector_to_parameters(vec: Array | np.ndarray, parameters: Iterable[Array]) -> None:
    """Copy consecutive slices of the 1-D ``vec`` into each parameter's data, in place.

    Examples
    --------
    >>> import numpygrad as npg
    >>> from numpygrad import nn
    >>> a, b = nn.Parameter(npg.zeros((2, 2))), nn.Parameter(npg.zeros(1))
    >>> nn.utils.vector_to_parameters(npg.arange(5.0), [a, b])
    >>> a.tolist(), b.tolist()
    ([[0.0, 1.0], [2.0, 3.0]], [4.0])
    """
    values = vec.data if isinstance(vec, Array) else np.asarray(vec)
    if values.ndim != 1:
        raise ValueError(f"expected vec to be 1-D, got shape {values.shape}")
    params = _as_list(parameters)
    needed = sum(p.data.size for p in params)
    if values.size != needed:
        raise ValueError(f"vec has {values.size} elements but the parameters hold {needed}")
    offset = 0
    for p in params:
        n = p.data.size
        p.data[...] = values[offset:offset + n].reshape(p.data.shape)
        offset += n
