"""Batching: :func:`default_collate` and :class:`DataLoader`."""

from __future__ import annotations

import numbers
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np

from numpygrad._array import Array, asarray
from numpygrad._dtype import get_default_dtype
from numpygrad.random import Generator, _np_generator

__all__ = ["default_collate", "DataLoader"]


def _stack(arrays: list[np.ndarray]) -> Array:
    first = arrays[0].shape
    for i, a in enumerate(arrays):
        if a.shape != first:
            raise ValueError("default_collate: stack expects each sample to have the same "
                             f"shape, but got {first} at entry 0 and {a.shape} at entry {i}")
    return asarray(np.stack(arrays))  # np.stack allocates: no second copy


def default_collate(batch: Sequence[Any]) -> Any:
    """Stack a list of samples into a batch, keeping the sample's structure.

    Arrays and ndarrays are stacked along a new first axis (dtype kept); Python
    floats become the default float dtype, ints int64, bools bool; tuples,
    lists and dicts are collated field by field; strings are returned as a list.

    Raises
    ------
    ValueError
        If samples differ in shape (both shapes and entry indices are named), in
        length, or in dict keys, or if the batch is empty.
    TypeError
        If a sample has an unsupported type.

    Examples
    --------
    >>> import numpy as np
    >>> import numpygrad as npg
    >>> x, y = npg.data.default_collate([(np.zeros(3, np.float32), 1), (np.ones(3, np.float32), 2)])
    >>> x.shape, x.dtype, y.tolist(), y.dtype
    ((2, 3), dtype('float32'), [1, 2], dtype('int64'))
    >>> npg.data.default_collate([{"a": 0.5}, {"a": 1.5}])["a"].dtype
    dtype('float32')
    """
    batch = list(batch)
    if not batch:
        raise ValueError("default_collate: cannot collate an empty batch")
    elem = batch[0]
    if isinstance(elem, (Array, np.ndarray, np.generic)):
        if not all(isinstance(b, (Array, np.ndarray, np.generic)) for b in batch):
            raise TypeError(_mixed(batch))
        return _stack([b.data if isinstance(b, Array) else np.asarray(b) for b in batch])
    if isinstance(elem, (str, bytes)):
        return list(batch)
    if isinstance(elem, numbers.Number):
        if not all(isinstance(b, numbers.Number) for b in batch):
            raise TypeError(_mixed(batch))
        if all(isinstance(b, bool) for b in batch):
            return asarray(np.array(batch, dtype=bool))
        if all(isinstance(b, numbers.Integral) for b in batch):
            return asarray(np.array(batch, dtype=np.int64))
        if all(isinstance(b, numbers.Real) for b in batch):
            return asarray(np.array(batch, dtype=get_default_dtype()))
        return asarray(np.array(batch))
    if isinstance(elem, Mapping):
        keys = list(elem)
        for i, b in enumerate(batch):
            if not isinstance(b, Mapping) or list(b) != keys:
                got = list(b) if isinstance(b, Mapping) else type(b).__name__
                raise ValueError(f"default_collate: sample {i} has keys {got}, "
                                 f"but sample 0 has keys {keys}")
        return {k: default_collate([b[k] for b in batch]) for k in keys}
    if isinstance(elem, (tuple, list)):
        for i, b in enumerate(batch):
            if not isinstance(b, (tuple, list)) or len(b) != len(elem):
                got = len(b) if isinstance(b, (tuple, list)) else type(b).__name__
                raise ValueError(f"default_collate: each sample must have the same length, "
                                 f"but got {len(elem)} at entry 0 and {got} at entry {i}")
        fields = [default_collate(list(group)) for group in zip(*batch)]
        if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # namedtuple
            return type(elem)(*fields)
        return tuple(fields) if isinstance(elem, tuple) else fields
    raise TypeError("default_collate: samples must be Arrays, ndarrays, numbers, strings, "
                    f"dicts, tuples or lists; found {type(elem).__name__}")


def _mixed(batch: list[Any]) -> str:
    kinds = sorted({type(b).__name__ for b in batch})
    return f"default_collate: samples mix incompatible types {kinds}"


def _check_batch_size(batch_size: Any) -> int:
    if (isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer))
            or batch_size <= 0):
        raise ValueError("batch_size should be a positive integer value, "
                         f"but got batch_size={batch_size}")
    return int(batch_size)


class DataLoader:
    """Iterate over a dataset in batches, optionally shuffled.

    Parameters
    ----------
    dataset : Dataset
        Any object with ``__len__`` and ``__getitem__``. If it also has
        ``get_batch(indices)`` and no ``collate_fn`` is given, whole batches are
        fetched with that one vectorised call instead of a per-sample loop.
    batch_size : int
        Positive number of samples per batch.
    shuffle : bool
        Draw a fresh permutation for every pass (every ``iter(loader)``).
    drop_last : bool
        Drop the final batch if it is smaller than ``batch_size``.
    collate_fn : callable, optional
        Turns a list of samples into a batch (default :func:`default_collate`).
    generator : Generator, optional
        Source of the shuffling permutations (default generator if None); read at
        the start of each pass, so reseeding between passes takes effect.
    sampler : iterable of int, optional
        Explicit index order, re-iterated every pass; excludes ``shuffle``.

    Examples
    --------
    >>> import numpy as np
    >>> import numpygrad as npg
    >>> ds = npg.data.TensorDataset(np.arange(10, dtype=np.float32), np.arange(10))
    >>> loader = npg.data.DataLoader(ds, batch_size=4)
    >>> len(loader), [yb.tolist() for _, yb in loader]
    (3, [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]])
    >>> g = npg.random.Generator(0)
    >>> shuffled = npg.data.DataLoader(ds, batch_size=5, shuffle=True, generator=g)
    >>> sorted(sum((yb.tolist() for _, yb in shuffled), []))
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]
    """

    def __init__(self, dataset: Any, batch_size: int = 1, shuffle: bool = False,
                 drop_last: bool = False, collate_fn: Callable[[list[Any]], Any] | None = None,
                 generator: Generator | None = None,
                 sampler: Iterable[int] | None = None) -> None:
        self.batch_size = _check_batch_size(batch_size)
        for name, flag in (("shuffle", shuffle), ("drop_last", drop_last)):
            if not isinstance(flag, (bool, np.bool_)):
                raise TypeError(f"{name} must be a bool, got {flag!r}")
        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if collate_fn is not None and not callable(collate_fn):
            raise TypeError(f"collate_fn must be callable, got {type(collate_fn).__name__}")
        _np_generator(generator)  # validate the type now rather than at the first pass
        if not hasattr(dataset, "__len__") or not hasattr(dataset, "__getitem__"):
            raise TypeError("DataLoader needs a dataset with __len__ and __getitem__, got "
                            f"{type(dataset).__name__}")
        self.dataset = dataset
        self.shuffle = bool(shuffle)
        self.drop_last = bool(drop_last)
        self.collate_fn = collate_fn
        self.generator = generator
        self.sampler = sampler

    def _num_samples(self) -> int:
        if self.sampler is not None:
            if not hasattr(self.sampler, "__len__"):
                raise TypeError("len(DataLoader) needs a sampler with __len__")
            return len(self.sampler)
        return len(self.dataset)

    def __len__(self) -> int:
        n, bs = self._num_samples(), self.batch_size
        return n // bs if self.drop_last else -(-n // bs)

    def _order(self) -> np.ndarray:
        if self.sampler is not None:
            return np.fromiter((int(i) for i in self.sampler), dtype=np.int64)
        n = len(self.dataset)
        if self.shuffle:  # n == 0 gives an empty permutation: zero batches, no error
            return _np_generator(self.generator).permutation(n)
        return np.arange(n)

    def __iter__(self) -> Iterator[Any]:
        # A generator: every iter() is an independent pass with its own permutation.
        order = self._order()
        fetch = None if self.collate_fn is not None else getattr(self.dataset, "get_batch", None)
        collate = self.collate_fn or default_collate
        for start in range(0, len(order), self.batch_size):
            chunk = order[start:start + self.batch_size]
            if self.drop_last and len(chunk) < self.batch_size:
                return
            if fetch is not None:
                yield fetch(chunk)
            else:
                yield collate([self.dataset[int(i)] for i in chunk])

    def __repr__(self) -> str:
        return (f"DataLoader(dataset={type(self.dataset).__name__}, batch_size={self.batch_size}"
                f", shuffle={self.shuffle}, drop_last={self.drop_last})")
