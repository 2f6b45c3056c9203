"""NumPy-style attributes, conversions, copies and casts of the Array.

:class:`_ArrayConvert` is a mixin base of :class:`numpygrad._array.Array`: the
shape and dtype attributes, conversion to Python and NumPy values (``item``,
``__array__``, ``__array_ufunc__``), the Python protocols (``len``, iteration,
``repr``, ``copy``) and the dtype casts.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from numpygrad._dtype import _default_dtype


class _ArrayConvert:
    """Mixin of :class:`~numpygrad._array.Array`: attributes, conversions, copies and casts."""

    __slots__ = ()

    # -- NumPy-like attributes --------------------------------------------------------
    @property
    def shape(self) -> tuple[int, ...]:
        """The shape, a tuple of ints.

        Examples
        --------
        >>> import numpygrad as npg
        >>> npg.zeros((2, 3)).shape
        (2, 3)
        """
        return self.data.shape

    @property
    def ndim(self) -> int:
        """The number of dimensions.

        Examples
        --------
        >>> import numpygrad as npg
        >>> npg.zeros((2, 3)).ndim
        2
        """
        return self.data.ndim

    @property
    def size(self) -> int:
        """The number of elements.

        Examples
        --------
        >>> import numpygrad as npg
        >>> npg.zeros((2, 3)).size
        6
        """
        return self.data.size

    @property
    def dtype(self) -> np.dtype:
        """The NumPy dtype of the data.

        Examples
        --------
        >>> import numpygrad as npg
        >>> npg.array([1.0]).dtype, npg.array([1]).dtype
        (dtype('float32'), dtype('int64'))
        """
        return self.data.dtype

    @property
    def itemsize(self) -> int:
        """Bytes per element.

        Examples
        --------
        >>> import numpygrad as npg
        >>> npg.zeros(3).itemsize, npg.zeros(3, dtype="float64").itemsize
        (4, 8)
        """
        return self.data.itemsize

    @property
    def nbytes(self) -> int:
        """Bytes of the whole array.

        Examples
        --------
        >>> import numpygrad as npg
        >>> npg.zeros((2, 3)).nbytes
        24
        """
        return self.data.nbytes

    @property
    def T(self) -> Array:
        """The array with its axes reversed (differentiable).

        Examples
        --------
        >>> import numpygrad as npg
        >>> npg.array([[1.0, 2.0]], requires_grad=True).T
        Array([[1.],
               [2.]], grad_fn=<Transpose>)
        """
        return _shape.transpose(self)

    @property
    def mT(self) -> Array:
        """The array with its last two axes swapped (differentiable).

        Examples
        --------
        >>> import numpygrad as npg
        >>> npg.zeros((4, 2, 3)).mT.shape
        (4, 3, 2)
        """
        return _shape.swapaxes(self, -1, -2)

    def numel(self) -> int:
        """The number of elements (PyTorch's name for ``size``).

        Examples
        --------
        >>> import numpygrad as npg
        >>> npg.zeros((2, 3)).numel()
        6
        """
        return self.data.size

    def dim(self) -> int:
        """The number of dimensions (PyTorch's name for ``ndim``).

        Examples
        --------
        >>> import numpygrad as npg
        >>> npg.zeros((2, 3)).dim()
        2
        """
        return self.data.ndim

    def item(self) -> Any:
        """Return the single element as a Python number.

        Examples
        --------
        >>> import numpygrad as npg
        >>> npg.array([2.5]).item()
        2.5
        """
        if self.data.size != 1:
            raise ValueError(
                f"an Array with {self.data.size} elements cannot be converted to a Python scalar"
            )
        return self.data.item()

    def tolist(self) -> Any:
        """Return the data as (nested) Python lists.

        Examples
        --------
        >>> import numpygrad as npg
        >>> npg.array([[1, 2]]).tolist()
        [[1, 2]]
        """
        return self.data.tolist()

    def numpy(self) -> np.ndarray:
        """Return the data as an ndarray (shared, not copied), like ``torch.Tensor.numpy``.

        Examples
        --------
        >>> import numpygrad as npg
        >>> npg.array([1, 2]).numpy()
        array([1, 2])
        """
        return self.data

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> np.ndarray:
        if dtype is not None and np.dtype(dtype) != self.data.dtype:
            return self.data.astype(dtype)
        if copy:
            return self.data.copy()
        return self.data

    # NumPy 2 does not honour __array_priority__ for every ufunc path, and
    # without this ``np.exp(x)`` silently returned an untracked ndarray.
    _UFUNC_NAMES = {"absolute": "abs", "true_divide": "divide", "mod": "remainder"}

    def __array_ufunc__(self, ufunc: np.ufunc, method: str, *inputs: Any, **kwargs: Any) -> Any:
        out = kwargs.pop("out", None)
        if out is not None:
            # ``nd += x`` / ``np.add(a, x, out=nd)``: the result lands in the
            # caller's ndarray, so compute on raw data (no graph, like ``.data``).
            if any(isinstance(o, Array) for o in out):
                raise TypeError(
                    f"np.{ufunc.__name__} cannot write into an Array through out=; "
                    "use the in-place operators (x += y) or write into x.data"
                )
            raw = [a.data if isinstance(a, Array) else a for a in inputs]
            return getattr(ufunc, method)(*raw, out=out, **kwargs)
        name = Array._UFUNC_NAMES.get(ufunc.__name__, ufunc.__name__)
        import numpygrad

        fn = getattr(numpygrad, name, None)
        if method != "__call__" or kwargs or not callable(fn):
            what = f"np.{ufunc.__name__}" + ("" if method == "__call__" else f".{method}")
            extra = f" with keywords {sorted(kwargs)}" if kwargs else ""
            raise TypeError(
                f"{what}{extra} is not supported on numpygrad Arrays; use a numpygrad "
                "function, or np.asarray(x) for an untracked ndarray"
            )
        return fn(*inputs)

    def __len__(self) -> int:
        if self.data.ndim == 0:
            raise TypeError("len() of a 0-d array")
        return self.data.shape[0]

    def __iter__(self) -> Iterator[Array]:
        # Not a generator itself: ``iter()`` of a 0-d array must raise at once,
        # not on the first ``next()``.
        if self.data.ndim == 0:
            raise TypeError("iteration over a 0-d array")
        return (self[i] for i in range(self.data.shape[0]))

    def __bool__(self) -> bool:
        if self.data.size != 1:
            raise RuntimeError(
                f"Boolean value of an Array with {self.data.size} elements is ambiguous; "
                "use .any() or .all()"
            )
        return bool(self.data)

    def __float__(self) -> float:
        if self.data.size != 1:
            raise ValueError("only one element arrays can be converted to Python scalars")
        return float(self.data.reshape(()))

    def __int__(self) -> int:
        if self.data.size != 1:
            raise ValueError("only one element arrays can be converted to Python scalars")
        return int(self.data.reshape(()))

    def __index__(self) -> int:
        if self.data.ndim != 0 or self.data.dtype.kind not in "iub":
            raise TypeError("only 0-d integer arrays can be converted to an index")
        return int(self.data)

    def __repr__(self) -> str:
        name = type(self).__name__
        body = np.array2string(self.data, separator=", ", prefix=name + "(")
        extras = []
        dt = self.data.dtype
        if dt != _default_dtype.get() and dt != np.int64 and dt != np.bool_:
            extras.append(f"dtype={dt}")
        if self.data.size == 0:
            extras.insert(0, f"shape={self.data.shape}")
        if self._requires_grad and self._fn is None:
            extras.append("requires_grad=True")
        if self.grad_fn is not None:
            extras.append(f"grad_fn={self.grad_fn!r}")
        return f"{name}({', '.join([body, *extras])})"

    def __str__(self) -> str:
        return self.__repr__()

    def __format__(self, spec: str) -> str:
        if self.data.ndim == 0:
            return format(self.data.item(), spec)
        return format(str(self), spec)

    def __copy__(self) -> Array:
        # A copy is a new leaf with its own data; it keeps the subclass
        # (copy.copy of a Parameter is a Parameter), like __deepcopy__.
        new = _wrap(self.data.copy())
        new.__class__ = type(self)
        new._requires_grad = self._requires_grad and self._fn is None
        new.__dict__.update(_extra_attributes(self))
        return new

    def view_as(self, other: Any) -> Array:
        """Reshape to ``other``'s shape without copying (PyTorch's ``view_as``).

        Examples
        --------
        >>> import numpygrad as npg
        >>> npg.arange(6).view_as(npg.zeros((2, 3))).shape
        (2, 3)
        """
        return _shape.view(self, np.shape(other))

    def __deepcopy__(self, memo: dict[int, Any]) -> Array:
        new = type(self).__new__(type(self))
        new.data = self.data.copy()
        new._grad = None if self._grad is None else _wrap(self._grad.data.copy())
        new._requires_grad = self._requires_grad if self._fn is None else False
        new._fn = None
        new._vc = [0]
        new._retains_grad = False
        new._hooks = None
        new._base = None
        extra = _extra_attributes(self)
        if extra:
            import copy

            new.__dict__.update(copy.deepcopy(extra, memo))
        memo[id(self)] = new
        return new

    def __reduce__(self) -> Any:
        raise TypeError("Arrays are not picklable; use numpygrad.save() to store them")

    # -- dtype and copies (not differentiable, as the numpygrad docs promise) --------
    def astype(self, dtype: Any) -> Array:
        """Return a copy cast to ``dtype``; the result carries no ``grad_fn``.

        Examples
        --------
        >>> import numpygrad as npg
        >>> npg.array([1.7, -1.2]).astype("int64")
        Array([ 1, -1])
        """
        return _wrap(self.data.astype(dtype))

    def copy(self) -> Array:
        """Return a differentiable copy (PyTorch's ``clone``).

        The copy has its own memory; gradients flow back to ``self``.

        Examples
        --------
        >>> import numpygrad as npg
        >>> x = npg.array([1.0, 2.0], requires_grad=True)
        >>> y = x.copy()
        >>> y
        Array([1., 2.], grad_fn=<Copy>)
        >>> y.sum().backward()
        >>> x.grad
        Array([1., 1.])
        """
        return _ew.positive_copy(self)

    clone = copy

    def float(self) -> Array:
        """Cast to float32 (differentiable for float input).

        Always float32, as ``torch.Tensor.float`` and :meth:`Module.float
        <numpygrad.nn.Module.float>`, whatever :func:`~numpygrad.set_default_dtype` says.

        Examples
        --------
        >>> import numpygrad as npg
        >>> npg.array([1, 2]).float()
        Array([1., 2.])
        """
        return _ew.cast(self, np.float32)

    def double(self) -> Array:
        """Cast to float64 (differentiable for float input).

        Examples
        --------
        >>> import numpygrad as npg
        >>> npg.array([1.0]).double().dtype
        dtype('float64')
        """
        return _ew.cast(self, np.float64)

    def long(self) -> Array:
        """Cast to int64 (no gradient).

        Examples
        --------
        >>> import numpygrad as npg
        >>> npg.array([1.7, -1.2]).long()
        Array([ 1, -1])
        """
        return _wrap(self.data.astype(np.int64))

    def to(self, dtype: Any) -> Array:
        """Cast to ``dtype``: differentiable between float dtypes, like ``torch.Tensor.to``.

        Examples
        --------
        >>> import numpygrad as npg
        >>> x = npg.array([1.0, 2.0], requires_grad=True)
        >>> y = x.to("float64")
        >>> y.dtype
        dtype('float64')
        >>> y.sum().backward()
        >>> x.grad
        Array([1., 1.])
        """
        return _ew.cast(self, dtype)


def _bind() -> None:
    """Import what the methods use; called by :mod:`numpygrad._array` once Array exists.

    The ops modules import ``Array`` from ``numpygrad._array``, which imports this
    module first, so they cannot be imported at the top here.
    """
    global Array, _wrap, _ew, _shape
    from numpygrad._array import Array, _wrap
    from numpygrad.ops import arithmetic as _ew
    from numpygrad.ops import shape as _shape


_CORE_ATTRIBUTES = frozenset(
    ("data", "_grad", "_requires_grad", "_fn", "_vc", "_retains_grad", "_hooks", "_base",
     "_watching")
)


def _extra_attributes(arr: Any) -> dict[str, Any]:
    """The attributes a subclass (or a user) set on ``arr``: what a copy carries over."""
    return {k: v for k, v in arr.__dict__.items() if k not in _CORE_ATTRIBUTES}
