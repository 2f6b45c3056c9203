"""The samplers of :mod:`numpygrad.random` and their argument checks.

Each sampler draws from ``generator=`` or, by default, the default generator.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from numpygrad._array import Array, asarray
from numpygrad._dtype import get_default_dtype
from numpygrad.random._generator import Generator, _np_generator

# ---------------------------------------------------------------- helpers


def _as_shape(size: Any, name: str = "size") -> tuple[int, ...]:
    if size is None:
        return ()
    if isinstance(size, (int, np.integer)) and not isinstance(size, bool):
        size = (size,)
    if not isinstance(size, (tuple, list)):
        raise TypeError(f"{name} must be an int or a tuple of ints, got {type(size).__name__}")
    for d in size:
        if isinstance(d, bool) or not isinstance(d, (int, np.integer)):
            raise TypeError(f"{name} must contain ints, got {d!r} in {tuple(size)}")
    shape = tuple(int(d) for d in size)
    if any(d < 0 for d in shape):
        raise ValueError(f"negative dimension {min(shape)} in {name} {shape}")
    return shape


def _varargs_shape(size: Sequence[Any]) -> tuple[int, ...]:
    # randn(2, 3) and randn((2, 3)) mean the same thing.
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        return _as_shape(size[0])
    return _as_shape(tuple(size))


def _float_dtype(dtype: Any) -> np.dtype:
    dt = get_default_dtype() if dtype is None else np.dtype(dtype)
    if dt.kind != "f":
        raise TypeError(f"dtype must be a floating dtype, got {dt}")
    return dt


def _int_dtype(dtype: Any) -> np.dtype:
    dt = np.dtype(np.int64 if dtype is None else dtype)
    if dt.kind not in "iu":
        raise TypeError(f"dtype must be an integer dtype, got {dt}")
    return dt


def _wrap(values: np.ndarray, dtype: np.dtype, requires_grad: bool) -> Array:
    # asarray: the samples are freshly allocated, so no defensive copy is needed.
    return asarray(np.asarray(values, dtype=dtype), dtype=dtype, requires_grad=requires_grad)


def _param(value: Any, dtype: np.dtype) -> Any:
    # Scalars stay Python scalars (weak under NEP 50, so float32 stays float32).
    if isinstance(value, Array):
        value = value.data
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    return np.asarray(value, dtype=np.result_type(np.asarray(value).dtype, dtype))


def _out_shape(size: Any, *params: Any) -> tuple[int, ...]:
    shapes = [np.shape(p) for p in params]
    if size is None:
        return np.broadcast_shapes(*shapes)
    shape = _as_shape(size)
    for s in shapes:  # parameters must broadcast *to* size, not widen it
        if len(s) > len(shape) or any(a not in (1, b) for a, b in zip(s[::-1], shape[::-1])):
            raise ValueError(f"a parameter of shape {s} cannot broadcast to size {shape}")
    return shape


# ---------------------------------------------------------------- samplers


def rand(*size: Any, dtype: Any = None, requires_grad: bool = False,
         generator: Generator | None = None) -> Array:
    """Uniform samples on ``[0, 1)`` of the given shape.

    Examples
    --------
    >>> import numpygrad as npg
    >>> x = npg.random.rand(2, 3)
    >>> x.shape, x.dtype
    ((2, 3), dtype('float32'))
    >>> bool(((x.data >= 0) & (x.data < 1)).all())
    True
    """
    shape, dt = _varargs_shape(size), _float_dtype(dtype)
    gen = _np_generator(generator)
    if dt in (np.float32, np.float64):
        values = gen.random(shape, dtype=dt)
    else:  # float16 and friends: draw in float32, keep the [0, 1) promise after rounding
        values = np.minimum(gen.random(shape, dtype=np.float32).astype(dt),
                            np.nextafter(dt.type(1), dt.type(0)))
    return _wrap(values, dt, requires_grad)


def randn(*size: Any, dtype: Any = None, requires_grad: bool = False,
          generator: Generator | None = None) -> Array:
    """Standard normal samples of the given shape.

    Examples
    --------
    >>> import numpygrad as npg
    >>> npg.random.randn((2, 3)).shape
    (2, 3)
    >>> npg.random.randn(4, requires_grad=True).requires_grad
    True
    """
    shape, dt = _varargs_shape(size), _float_dtype(dtype)
    gen = _np_generator(generator)
    work = dt if dt in (np.float32, np.float64) else np.dtype(np.float32)
    return _wrap(gen.standard_normal(shape, dtype=work), dt, requires_grad)


def randint(low: int, high: int | None = None, size: Any = None, *, dtype: Any = None,
            requires_grad: bool = False, generator: Generator | None = None) -> Array:
    """Integers drawn uniformly from ``[low, high)`` (or ``[0, low)`` if ``high`` is None).

    Examples
    --------
    >>> import numpygrad as npg
    >>> x = npg.random.randint(0, 10, (5,))
    >>> x.dtype, x.shape
    (dtype('int64'), (5,))
    >>> bool(((x.data >= 0) & (x.data < 10)).all())
    True
    """
    if high is None:
        low, high = 0, low
    for name, v in (("low", low), ("high", high)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
            raise TypeError(f"randint {name} must be an int, got {v!r}")
    if low >= high:
        raise ValueError(f"randint expects low < high, but got low={low} >= high={high}")
    shape, dt = _as_shape(size), _int_dtype(dtype)
    info = np.iinfo(dt)
    if low < info.min or high - 1 > info.max:
        raise ValueError(f"randint range [{low}, {high}) does not fit in dtype {dt}")
    values = _np_generator(generator).integers(low, high, size=shape, dtype=dt)
    return _wrap(values, dt, requires_grad)


def normal(mean: Any = 0.0, std: Any = 1.0, size: Any = None, *, dtype: Any = None,
           requires_grad: bool = False, generator: Generator | None = None) -> Array:
    """Normal samples with the given ``mean`` and ``std`` (scalars or broadcastable arrays).

    The shape is ``size`` if given, else the broadcast shape of ``mean`` and ``std``.

    Examples
    --------
    >>> import numpygrad as npg
    >>> npg.random.normal(2.0, 0.5, (3, 4)).shape
    (3, 4)
    >>> npg.random.normal(npg.zeros(5), 1.0).shape
    (5,)
    """
    dt = _float_dtype(dtype)
    mean, std = _param(mean, dt), _param(std, dt)
    bad = ~((np.asarray(std) >= 0) & np.isfinite(std))  # also catches NaN and inf
    if bad.any():
        raise ValueError("normal expects a finite std >= 0, but found std "
                         f"{np.asarray(std)[bad].flat[0]}")
    shape = _out_shape(size, mean, std)
    work = dt if dt in (np.float32, np.float64) else np.dtype(np.float32)
    z = _np_generator(generator).standard_normal(shape, dtype=work)
    return _wrap(z * std + mean, dt, requires_grad)


def uniform(low: Any = 0.0, high: Any = 1.0, size: Any = None, *, dtype: Any = None,
            requires_grad: bool = False, generator: Generator | None = None) -> Array:
    """Uniform samples on ``[low, high)`` (scalars or broadcastable arrays).

    Examples
    --------
    >>> import numpygrad as npg
    >>> x = npg.random.uniform(-1.0, 1.0, (100,))
    >>> bool(((x.data >= -1) & (x.data < 1)).all())
    True
    """
    dt = _float_dtype(dtype)
    low, high = _param(low, dt), _param(high, dt)
    # Compare in the target dtype: bounds that round to the same value leave no interval.
    lo, hi = np.broadcast_arrays(np.asarray(low, dtype=dt), np.asarray(high, dtype=dt))
    bad = ~(lo < hi)
    if bad.any():
        raise ValueError(f"uniform expects low < high in {dt}, but got low={lo[bad].flat[0]} "
                         f">= high={hi[bad].flat[0]}")
    if not (np.isfinite(lo).all() and np.isfinite(hi).all()):
        raise ValueError(f"uniform expects finite bounds, got low={low}, high={high}")
    shape = _out_shape(size, low, high)
    u = _np_generator(generator).random(shape, dtype=np.float64)
    values = np.asarray(u * (np.asarray(high, np.float64) - low) + low, dtype=dt)
    # Rounding to the target dtype can land exactly on `high`; keep the interval half-open.
    top = np.nextafter(np.asarray(high, dtype=dt), np.asarray(low, dtype=dt))
    return _wrap(np.where(values >= np.asarray(high, dtype=dt), top, values), dt, requires_grad)


def randperm(n: int, *, dtype: Any = None, requires_grad: bool = False,
             generator: Generator | None = None) -> Array:
    """A random permutation of the integers ``0, ..., n - 1`` (int64 by default).

    Examples
    --------
    >>> import numpygrad as npg
    >>> sorted(npg.random.randperm(5).tolist())
    [0, 1, 2, 3, 4]
    >>> npg.random.randperm(0).shape
    (0,)
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise TypeError(f"randperm n must be an int, got {n!r}")
    if n < 0:
        raise ValueError(f"randperm n must be non-negative, got n={n}")
    dt = _int_dtype(dtype)
    return _wrap(_np_generator(generator).permutation(int(n)), dt, requires_grad)


def permutation(x: Any, *, generator: Generator | None = None) -> Array:
    """Permute ``range(x)`` if ``x`` is an int, else a copy of ``x`` shuffled along axis 0.

    Examples
    --------
    >>> import numpygrad as npg
    >>> sorted(npg.random.permutation(4).tolist())
    [0, 1, 2, 3]
    >>> npg.random.permutation(npg.arange(6).reshape(3, 2)).shape
    (3, 2)
    """
    if isinstance(x, (int, np.integer)) and not isinstance(x, bool):
        return randperm(x, generator=generator)
    data = x.data if isinstance(x, Array) else np.asarray(x)
    if data.ndim == 0:
        raise ValueError("permutation expects an int or an array with at least one dimension, "
                         "got a 0-d array")
    return asarray(_np_generator(generator).permutation(data))


def bernoulli(p: Any, size: Any = None, *, dtype: Any = None, requires_grad: bool = False,
              generator: Generator | None = None) -> Array:
    """Samples of 1 with probability ``p`` and 0 otherwise (``p`` scalar or array).

    The shape is ``size`` if given (``p`` broadcasts to it), else the shape of ``p``.

    Examples
    --------
    >>> import numpygrad as npg
    >>> npg.random.bernoulli(0.5, (2, 3)).shape
    (2, 3)
    >>> npg.random.bernoulli(npg.array([0.0, 1.0])).tolist()
    [0.0, 1.0]
    """
    dt = _float_dtype(dtype)
    probs = np.asarray(p.data if isinstance(p, Array) else p, dtype=np.float64)
    bad = ~((probs >= 0) & (probs <= 1))
    if bad.any():
        raise ValueError(f"bernoulli expects 0 <= p <= 1, but got p={probs[bad].flat[0]}")
    shape = _out_shape(size, probs)
    return _wrap(_np_generator(generator).random(shape) < probs, dt, requires_grad)


def choice(a: Any, size: Any = None, replace: bool = True, p: Any = None, *,
           generator: Generator | None = None) -> Array:
    """Sample from ``range(a)`` (int ``a``) or from the entries of a 1-D array.

    Parameters
    ----------
    a : int or array_like
        Population: ``range(a)`` or a 1-D array.
    size : int or tuple of ints, optional
        Output shape; ``None`` gives a 0-d result.
    replace : bool
        Sample with replacement.
    p : array_like, optional
        Probabilities (non-negative, summing to 1), one per population entry.

    Examples
    --------
    >>> import numpygrad as npg
    >>> npg.random.choice(5, 3, replace=False).shape
    (3,)
    >>> npg.random.choice([10, 20], 4, p=[0.0, 1.0]).tolist()
    [20, 20, 20, 20]
    """
    if isinstance(a, (int, np.integer)) and not isinstance(a, bool):
        if a <= 0:
            raise ValueError(f"choice expects a positive population size, got a={a}")
        n, pop = int(a), None
    else:
        pop = a.data if isinstance(a, Array) else np.asarray(a)
        if pop.ndim != 1 or pop.size == 0:
            raise ValueError(f"choice expects a non-empty 1-D population, got shape {pop.shape}")
        n = pop.shape[0]
    shape = _as_shape(size)
    k = int(np.prod(shape, dtype=np.int64))
    if not replace and k > n:
        raise ValueError(f"cannot take {k} samples without replacement from a population of {n}")
    if p is not None:
        p = np.asarray(p.data if isinstance(p, Array) else p, dtype=np.float64)
        if p.shape != (n,):
            raise ValueError(f"choice p must have shape ({n},), got {p.shape}")
        if not ((p >= 0) & (p <= 1)).all() or not np.isclose(p.sum(), 1.0, atol=1e-8):
            raise ValueError(f"choice p must be probabilities in [0, 1] summing to 1, got {p}")
        if not replace and np.count_nonzero(p) < k:
            raise ValueError(f"cannot take {k} samples without replacement: only "
                             f"{np.count_nonzero(p)} entries of p are non-zero")
    idx = _np_generator(generator).choice(n, size=shape, replace=replace, p=p)
    if pop is None:
        return asarray(np.asarray(idx, dtype=np.int64))
    return asarray(pop[idx])
