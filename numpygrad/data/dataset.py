"""Map-style datasets: the base class, in-memory arrays, subsets, concatenation, splits.

A dataset maps an integer index to a sample and knows its length. A dataset may
also offer ``get_batch(indices)``, a vectorised fetch that returns an already
collated batch; :class:`~numpygrad.data.DataLoader` uses it instead of calling
``__getitem__`` once per sample.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from numpygrad._array import Array, asarray
from numpygrad.random import Generator, _np_generator

__all__ = ["Dataset", "TensorDataset", "Subset", "ConcatDataset", "random_split"]


class Dataset:
    """Base class of map-style datasets: override ``__getitem__`` and ``__len__``.

    ``a + b`` concatenates two datasets into a :class:`ConcatDataset`.

    Examples
    --------
    >>> import numpygrad as npg
    >>> class Squares(npg.data.Dataset):
    ...     def __len__(self):
    ...         return 4
    ...     def __getitem__(self, i):
    ...         return i * i
    >>> len(Squares() + Squares()), (Squares() + Squares())[5]
    (8, 1)
    """

    def __getitem__(self, index: int) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must implement __getitem__")

    def __len__(self) -> int:
        raise NotImplementedError(f"{type(self).__name__} must implement __len__")

    def __add__(self, other: Dataset) -> ConcatDataset:
        return ConcatDataset([self, other])


def _check_index(index: Any, n: int, owner: str) -> int:
    if isinstance(index, bool) or not isinstance(index, (int, np.integer)):
        raise TypeError(f"{owner} indices must be integers, got {type(index).__name__}")
    index = int(index)
    if not -n <= index < n:
        raise IndexError(f"index {index} is out of range for {owner} of length {n}")
    return index + n if index < 0 else index


def _as_index_array(indices: Any, n: int, owner: str) -> np.ndarray:
    idx = indices.data if isinstance(indices, Array) else np.asarray(indices)
    if idx.size == 0:
        return np.zeros(0, dtype=np.int64)
    if idx.dtype.kind not in "iu":
        raise TypeError(f"{owner} indices must be integers, got dtype {idx.dtype}")
    # Two reductions (this runs once per batch); the offending index only on failure.
    if np.minimum.reduce(idx, axis=None) < -n or np.maximum.reduce(idx, axis=None) >= n:
        bad = (idx < -n) | (idx >= n)
        raise IndexError(f"index {idx[bad].flat[0]} is out of range for {owner} of length {n}")
    return idx.astype(np.int64, copy=False)


class TensorDataset(Dataset):
    """Samples are rows of in-memory arrays that share their first dimension.

    Parameters
    ----------
    *arrays : Array or array_like
        Arrays with equal length along axis 0; ``dataset[i]`` is the tuple of their
        ``i``-th rows. Python float data takes the default float dtype.

    Examples
    --------
    >>> import numpy as np
    >>> import numpygrad as npg
    >>> ds = npg.data.TensorDataset(np.zeros((5, 2), np.float32), np.arange(5))
    >>> x, y = ds[3]
    >>> x.shape, int(y.item()), len(ds)
    ((2,), 3, 5)
    >>> xb, yb = ds.get_batch([0, 4])
    >>> xb.shape, yb.tolist()
    ((2, 2), [0, 4])
    """

    def __init__(self, *arrays: Any) -> None:
        if not arrays:
            raise ValueError("TensorDataset needs at least one array")
        data = []
        for i, a in enumerate(arrays):
            nd = asarray(a).data  # no copy of ndarray input; lists take npg dtype rules
            if nd.ndim == 0:
                raise ValueError(f"TensorDataset array {i} is 0-d; each array needs a first "
                                 "dimension to index samples")
            data.append(nd)
        lengths = [d.shape[0] for d in data]
        if len(set(lengths)) != 1:
            raise ValueError("TensorDataset arrays must have the same length along axis 0, "
                             f"got lengths {lengths}")
        self.arrays: tuple[np.ndarray, ...] = tuple(data)

    def __len__(self) -> int:
        return self.arrays[0].shape[0]

    def __getitem__(self, index: int) -> tuple[Array, ...]:
        i = _check_index(index, len(self), "TensorDataset")
        # a[i, ...] is a 0-d array even for 1-D data (a[i] would be a NumPy scalar);
        # Array() copies, so editing a sample never edits the dataset.
        return tuple(Array(a[i, ...]) for a in self.arrays)

    def get_batch(self, indices: Any) -> tuple[Array, ...]:
        """Fetch and collate many samples with one fancy index per array.

        Examples
        --------
        >>> import numpy as np
        >>> import numpygrad as npg
        >>> npg.data.TensorDataset(np.arange(10)).get_batch([9, 0])[0].tolist()
        [9, 0]
        """
        idx = _as_index_array(indices, len(self), "TensorDataset")
        return tuple(asarray(a[idx]) for a in self.arrays)  # fancy index already copied


class Subset(Dataset):
    """The samples of ``dataset`` at ``indices``, in that order.

    Offers ``get_batch`` exactly when the parent dataset does.

    Examples
    --------
    >>> import numpy as np
    >>> import numpygrad as npg
    >>> sub = npg.data.Subset(npg.data.TensorDataset(np.arange(10) * 10), [2, 5])
    >>> len(sub), int(sub[1][0].item())
    (2, 50)
    """

    def __init__(self, dataset: Any, indices: Sequence[int] | np.ndarray) -> None:
        self.dataset = dataset
        self.indices = _as_index_array(indices, len(dataset), "Subset parent")
        if self.indices.ndim != 1:
            raise ValueError(f"Subset indices must be 1-D, got shape {self.indices.shape}")

    def __len__(self) -> int:
        return len(self.indices)

    def __getitem__(self, index: int) -> Any:
        return self.dataset[int(self.indices[_check_index(index, len(self), "Subset")])]

    @property
    def get_batch(self) -> Callable[[Any], Any]:
        """Vectorised fetch through the parent's ``get_batch`` (absent if the parent lacks one).

        Examples
        --------
        >>> import numpy as np
        >>> import numpygrad as npg
        >>> sub = npg.data.Subset(npg.data.TensorDataset(np.arange(10)), [7, 8, 9])
        >>> sub.get_batch([0, 2])[0].tolist()
        [7, 9]
        """
        # A property that raises AttributeError makes hasattr(subset, "get_batch") False,
        # so the DataLoader falls back to per-sample collation for such parents.
        parent = getattr(self.dataset, "get_batch", None)
        if parent is None:
            raise AttributeError(f"{type(self.dataset).__name__} has no get_batch, "
                                 "so neither does this Subset")

        def get_batch(indices: Any) -> Any:
            return parent(self.indices[_as_index_array(indices, len(self), "Subset")])

        return get_batch


class ConcatDataset(Dataset):
    """Several datasets end to end.

    Examples
    --------
    >>> import numpy as np
    >>> import numpygrad as npg
    >>> a, b = npg.data.TensorDataset(np.arange(3)), npg.data.TensorDataset(np.arange(2))
    >>> cat = npg.data.ConcatDataset([a, b])
    >>> len(cat), int(cat[3][0].item()), int(cat[-1][0].item())
    (5, 0, 1)
    """

    def __init__(self, datasets: Sequence[Any]) -> None:
        self.datasets = list(datasets)
        if not self.datasets:
            raise ValueError("ConcatDataset needs at least one dataset")
        self.cumulative_sizes: list[int] = []
        total = 0
        for d in self.datasets:
            total += len(d)
            self.cumulative_sizes.append(total)

    def __len__(self) -> int:
        return self.cumulative_sizes[-1]

    def __getitem__(self, index: int) -> Any:
        index = _check_index(index, len(self), "ConcatDataset")
        which = bisect.bisect_right(self.cumulative_sizes, index)
        start = self.cumulative_sizes[which - 1] if which else 0
        return self.datasets[which][index - start]


def random_split(dataset: Any, lengths: Sequence[int | float],
                 generator: Generator | None = None) -> list[Subset]:
    """Split ``dataset`` into non-overlapping random subsets of the given lengths.

    Parameters
    ----------
    dataset : Dataset
        The dataset to split.
    lengths : sequence of int or float
        Integer lengths summing to ``len(dataset)``, or fractions summing to 1. As in
        PyTorch, fractional lengths are floored and the remainder is dealt out one by
        one, round-robin, starting with the first subset.
    generator : Generator, optional
        Source of the permutation (default generator if None).

    Examples
    --------
    >>> import numpy as np
    >>> import numpygrad as npg
    >>> ds = npg.data.TensorDataset(np.arange(10))
    >>> [len(s) for s in npg.data.random_split(ds, [0.5, 0.3, 0.2])]
    [5, 3, 2]
    >>> [len(s) for s in npg.data.random_split(ds, [7, 3])]
    [7, 3]
    """
    n = len(dataset)
    lengths = list(lengths)
    if any(isinstance(x, bool) or not isinstance(x, (int, float, np.integer, np.floating))
           for x in lengths):
        raise TypeError(f"random_split lengths must be ints or fractions, got {lengths}")
    if any(x < 0 for x in lengths):
        raise ValueError(f"random_split lengths must be non-negative, got {lengths}")
    if all(isinstance(x, (int, np.integer)) for x in lengths):
        counts = [int(x) for x in lengths]
    elif math.isclose(sum(lengths), 1.0, abs_tol=1e-9):
        counts = [int(math.floor(n * f)) for f in lengths]
        for i in range(n - sum(counts)):
            counts[i % len(counts)] += 1
    else:
        raise ValueError(f"random_split fractions must sum to 1, got {lengths} "
                         f"(sum {sum(lengths)})")
    if sum(counts) != n:
        raise ValueError(f"Sum of input lengths ({sum(counts)}) does not equal the length "
                         f"of the input dataset ({n})")
    order = _np_generator(generator).permutation(n)
    bounds = np.cumsum([0] + counts)
    return [Subset(dataset, order[lo:hi]) for lo, hi in zip(bounds[:-1], bounds[1:])]
