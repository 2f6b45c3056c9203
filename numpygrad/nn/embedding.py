"""Embedding lookup tables and one-hot encoding.

The lookup ``weight[indices]`` is a gather; its gradient is a scatter-add
into a zero table (repeated indices accumulate), and the scatter's own
gradient is again a gather, so the pair is differentiable to any order. The
row at ``padding_idx`` never receives a gradient.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from numpygrad._array import Array, _wrap
from numpygrad._dtype import get_default_dtype
from numpygrad.autograd.function import Function
from numpygrad.nn import init
from numpygrad.nn.module import Module, Parameter

__all__ = ["embedding", "one_hot", "Embedding"]


def _indices(indices: Any, num: int) -> np.ndarray:
    """Validate lookup indices: integer dtype and every value in ``[0, num)``."""
    idx = indices.data if isinstance(indices, Array) else np.asarray(indices)
    if idx.dtype.kind not in "iu":
        raise TypeError("Expected tensor for argument #1 'indices' to have one of the following "
                        f"scalar types: Long, Int; but got {idx.dtype} instead (embedding)")
    if idx.size:
        lo, hi = idx.min(), idx.max()
        if lo < 0 or hi >= num:
            bad = lo if lo < 0 else hi
            raise IndexError(f"index out of range in self: index {bad} is out of bounds for an "
                             f"embedding table of size {num}")
    return idx.astype(np.intp, copy=False)


class EmbeddingOp(Function):
    """``weight[indices]``; positions holding ``padding_idx`` pass no gradient."""

    save_inputs = False  # backward needs only the weight's shape, never its values

    def __init__(self, indices: np.ndarray, padding_idx: int | None,
                 zero_padding_rows: bool = False) -> None:
        self.indices, self.padding_idx = indices, padding_idx
        # Set on the gather that differentiates EmbeddingGradOp: there the padding positions
        # are zeros in the forward value as well (they were dropped by the scatter).
        self.zero_padding_rows = zero_padding_rows

    def forward(self, weight: np.ndarray) -> np.ndarray:
        return _gather(weight, self.indices,
                       self.padding_idx if self.zero_padding_rows else None)

    def backward(self, grad: Array) -> Array:
        return EmbeddingGradOp.apply(grad, indices=self.indices, padding_idx=self.padding_idx,
                                     num=self.inputs[0].shape[0])

    def backward_data(self, grad: np.ndarray) -> np.ndarray:
        return _scatter_add(grad, self.indices, self.padding_idx, self.inputs[0].data.shape[0])


class EmbeddingGradOp(Function):
    """Scatter-add rows of ``grad`` (``indices.shape + (dim,)``) into a ``(num, dim)`` table."""

    save_inputs = False

    def __init__(self, indices: np.ndarray, padding_idx: int | None, num: int) -> None:
        self.indices, self.padding_idx, self.num = indices, padding_idx, num

    def forward(self, grad: np.ndarray) -> np.ndarray:
        return _scatter_add(grad, self.indices, self.padding_idx, self.num)

    def backward(self, grad: Array) -> Array:
        return EmbeddingOp.apply(grad, indices=self.indices, padding_idx=self.padding_idx,
                                 zero_padding_rows=True)

    def backward_data(self, grad: np.ndarray) -> np.ndarray:
        return _gather(grad, self.indices, self.padding_idx)


def _gather(table: np.ndarray, indices: np.ndarray, zero_idx: int | None) -> np.ndarray:
    """``table[indices]`` (a new array), with zeros where ``indices == zero_idx``."""
    out = table[indices]
    if zero_idx is not None:
        out[indices == zero_idx] = 0
    return out


def _scatter_add(rows: np.ndarray, indices: np.ndarray, padding_idx: int | None,
                 num: int) -> np.ndarray:
    """Add the rows of ``rows`` (``indices.shape + (dim,)``) into a ``(num, dim)`` zero table
    at ``indices``; the row ``padding_idx`` stays zero."""
    dim = rows.shape[-1]
    flat = indices.ravel()
    rows = rows.reshape(-1, dim)
    out = np.zeros((num, dim), dtype=rows.dtype)
    if flat.size and np.unique(flat).size == flat.size:
        out[flat] = rows  # no repeats: a plain assignment is exact and fastest
    else:
        np.add.at(out, flat, rows)  # repeated indices accumulate
    if padding_idx is not None:
        out[padding_idx] = 0
    return out


def embedding(input: Any, weight: Any, padding_idx: int | None = None) -> Array:
    """Look up rows of ``weight`` (shape ``(num, dim)``) at integer ``input`` indices.

    Returns an array of shape ``input.shape + (dim,)``. Repeated indices
    accumulate their gradients; the row ``padding_idx`` gets none.

    Raises
    ------
    TypeError
        For non-integer indices.
    IndexError
        For an index outside ``[0, num)`` ("index out of range in self").

    Examples
    --------
    >>> import numpygrad as npg
    >>> from numpygrad.nn.embedding import embedding
    >>> w = npg.array([[0.0, 0.0], [1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    >>> embedding(npg.array([[1, 1, 2]]), w)
    Array([[[1., 2.],
            [1., 2.],
            [3., 4.]]], grad_fn=<EmbeddingOp>)
    >>> embedding(npg.array([1, 1, 2]), w).sum().backward()
    >>> w.grad
    Array([[0., 0.],
           [2., 2.],
           [1., 1.]])
    """
    w = weight if isinstance(weight, Array) else Array(weight)
    if w.ndim != 2:
        raise ValueError(f"embedding: weight must be 2-D (num_embeddings, embedding_dim), got "
                         f"shape {w.shape}")
    idx = _indices(input, w.shape[0])
    if padding_idx is not None:
        padding_idx = _padding_index(padding_idx, w.shape[0])
    return EmbeddingOp.apply(w, indices=idx, padding_idx=padding_idx)


def _padding_index(padding_idx: int, num: int) -> int:
    if not -num <= padding_idx < num:
        raise ValueError(f"Padding_idx must be within num_embeddings, got padding_idx="
                         f"{padding_idx} for num_embeddings={num}")
    return padding_idx % num if num else padding_idx


def one_hot(indices: Any, num_classes: int = -1) -> Array:
    """Encode integer class indices as one-hot rows (int64, never differentiable).

    ``num_classes=-1`` uses ``max(indices) + 1``.

    Examples
    --------
    >>> import numpygrad as npg
    >>> from numpygrad.nn.embedding import one_hot
    >>> one_hot(npg.array([0, 2]))
    Array([[1, 0, 0],
           [0, 0, 1]])
    >>> one_hot(npg.array([1]), num_classes=4).dtype
    dtype('int64')
    """
    idx = indices.data if isinstance(indices, Array) else np.asarray(indices)
    if idx.dtype.kind not in "iu":
        raise TypeError(f"one_hot is only applicable to integer index arrays, got dtype "
                        f"{idx.dtype}")
    if num_classes == -1:
        if idx.size == 0:
            raise ValueError("Can not infer total number of classes from empty tensor.")
        num_classes = int(idx.max()) + 1
    if idx.size and idx.min() < 0:
        raise ValueError(f"Class values must be non-negative, got {idx.min()}")
    if idx.size and idx.max() >= num_classes:
        raise ValueError(f"Class values must be smaller than num_classes ({num_classes}), got "
                         f"{idx.max()}")
    out = np.zeros(idx.shape + (num_classes,), dtype=np.int64)
    np.put_along_axis(out, idx[..., None].astype(np.intp), 1, axis=-1)
    return _wrap(out)


class Embedding(Module):
    """A lookup table of ``num_embeddings`` vectors of size ``embedding_dim``.

    The weight is initialised from N(0, 1), as in PyTorch, with the
    ``padding_idx`` row (if any) set to zeros; that row never receives a
    gradient, so it stays fixed during training.

    Parameters
    ----------
    num_embeddings, embedding_dim : int
        Table size.
    padding_idx : int, optional
        A row excluded from gradient updates (negative values count from the end).
    dtype : dtype, optional
        Weight dtype (the default float dtype otherwise).
    generator : numpygrad.random.Generator, optional
        Source of randomness for the initialisation.

    Examples
    --------
    >>> import numpygrad as npg
    >>> from numpygrad.nn.embedding import Embedding
    >>> emb = Embedding(10, 3, padding_idx=0)
    >>> emb(npg.array([[0, 4], [9, 0]])).shape
    (2, 2, 3)
    >>> emb.weight[0].tolist()
    [0.0, 0.0, 0.0]
    """

    def __init__(self, num_embeddings: int, embedding_dim: int, padding_idx: int | None = None,
                 dtype: Any = None, generator: Any = None, _weight: Any = None,
                 _freeze: bool = False) -> None:
        super().__init__()
        shape = (num_embeddings, embedding_dim)
        for d in shape:
            if d < 0:
                raise ValueError(f"Trying to create tensor with negative dimension {d}: "
                                 f"{list(shape)}")
        self.num_embeddings, self.embedding_dim = num_embeddings, embedding_dim
        self.padding_idx = (None if padding_idx is None
                            else _padding_index(padding_idx, num_embeddings))
        dt = np.dtype(dtype) if dtype is not None else get_default_dtype()
        if _weight is None:
            self.weight = Parameter(np.empty(shape, dtype=dt), requires_grad=not _freeze)
            self.reset_parameters(generator)
        else:
            data = _weight.data if isinstance(_weight, Array) else np.asarray(_weight)
            if data.shape != shape:
                raise ValueError(f"Shape of weight {data.shape} does not match num_embeddings "
                                 f"and embedding_dim {shape}")
            self.weight = Parameter(data.copy(), requires_grad=not _freeze)

    def reset_parameters(self, generator: Any = None) -> None:
        """Draw the weight from N(0, 1) in place and zero the padding row.

        Parameters
        ----------
        generator : numpygrad.random.Generator, optional
            Source of randomness (the default generator if None).

        Examples
        --------
        >>> import numpygrad as npg
        >>> from numpygrad import nn
        >>> emb = nn.Embedding(4, 2, padding_idx=1)
        >>> emb.weight.data[...] = 7.0
        >>> emb.reset_parameters(generator=npg.random.Generator(0))
        >>> emb.weight[1].tolist(), bool((emb.weight[0] != 7.0).all())
        ([0.0, 0.0], True)
        """
        init.normal_(self.weight, generator=generator)
        if self.padding_idx is not None:
            self.weight.data[self.padding_idx] = 0

    @classmethod
    def from_pretrained(cls, embeddings: Any, freeze: bool = True,
                        padding_idx: int | None = None) -> Embedding:
        """Build an Embedding from a ``(num, dim)`` array (frozen by default).

        Examples
        --------
        >>> import numpygrad as npg
        >>> from numpygrad.nn.embedding import Embedding
        >>> emb = Embedding.from_pretrained(npg.array([[1.0, 2.0], [3.0, 4.0]]))
        >>> emb(npg.array([1])).tolist(), emb.weight.requires_grad
        ([[3.0, 4.0]], False)
        """
        data = embeddings.data if isinstance(embeddings, Array) else np.asarray(embeddings)
        if data.ndim != 2:
            raise ValueError(f"Embeddings parameter is expected to be 2-dimensional, got shape "
                             f"{data.shape}")
        return cls(data.shape[0], data.shape[1], padding_idx=padding_idx, dtype=data.dtype,
                   _weight=data, _freeze=freeze)

    def forward(self, indices: Any) -> Array:
        """Look up the rows of the table at integer ``indices``.

        Parameters
        ----------
        indices : Array or array_like of int
            Any shape; every value in ``[0, num_embeddings)``.

        Returns
        -------
        Array
            Shape ``indices.shape + (embedding_dim,)``.

        Examples
        --------
        >>> import numpygrad as npg
        >>> from numpygrad import nn
        >>> emb = nn.Embedding.from_pretrained(npg.array([[0.0, 1.0], [2.0, 3.0]]))
        >>> emb(npg.array([1, 0, 1]))
        Array([[2., 3.],
               [0., 1.],
               [2., 3.]])
        >>> nn.Embedding(100, 16)(npg.zeros((8, 20), dtype="int64")).shape
        (8, 20, 16)
        """
        return embedding(indices, self.weight, self.padding_idx)

    def extra_repr(self) -> str:
        """Return the layer's settings as shown by ``repr``.

        Examples
        --------
        >>> import numpygrad as npg
        >>> from numpygrad import nn
        >>> nn.Embedding(10, 3, padding_idx=0).extra_repr()
        '10, 3, padding_idx=0'
        """
        s = f"{self.num_embeddings}, {self.embedding_dim}"
        return s if self.padding_idx is None else s + f", padding_idx={self.padding_idx}"
