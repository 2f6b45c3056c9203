"""The Array: an ndarray plus the autograd bookkeeping.

An :class:`Array` holds its values in ``data`` (a ``numpy.ndarray``). If it was
produced by a differentiable op while grad mode was on and some input required
grad, ``grad_fn`` is the op node and ``parents`` are its inputs; otherwise it
is a leaf (``grad_fn is None``). Arithmetic, indexing and most methods
delegate to the functions in :mod:`numpygrad.ops`.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from typing import Any

import numpy as np

from numpygrad._array_convert import _ArrayConvert
from numpygrad._array_inplace import _ArrayInplace
from numpygrad._dtype import _default_dtype

__all__ = ["Array", "array", "asarray", "Variable"]


class _ArrayMethods:
    """Base holding the op methods installed by :mod:`numpygrad._array_methods`."""

    __slots__ = ()


def _data_from(data: Any, dtype: Any, requires_grad: bool, copy: bool) -> np.ndarray:
    """Build the ndarray behind a new Array, applying numpygrad's dtype rules."""
    if isinstance(data, Array):
        arr = data.data
    elif isinstance(data, np.ndarray):
        arr = data
    elif isinstance(data, np.generic):
        arr = np.asarray(data)
    else:
        if isinstance(data, (str, bytes)):
            raise TypeError(f"cannot build an Array from a {type(data).__name__}: {data!r}")
        try:
            arr = np.asarray(data)
        except ValueError as e:
            raise ValueError(f"cannot build an Array from a ragged nested sequence: {e}") from None
        if dtype is None and arr.dtype == np.float64:
            # Python floats arrive as float64; they take the default float dtype.
            arr = arr.astype(_default_dtype.get())
            copy = False
    if arr.dtype.kind in "OUSV":
        raise TypeError(f"cannot build an Array of dtype {arr.dtype} (numeric data expected)")
    if dtype is not None:
        dt = np.dtype(dtype)
        if dt != arr.dtype:
            arr = arr.astype(dt)
            copy = False
        if requires_grad and dt.kind != "f":
            raise TypeError(
                f"Only arrays of floating point dtype can require gradients, got dtype {dt}"
            )
    elif requires_grad and arr.dtype.kind in "biu":
        arr = arr.astype(_default_dtype.get())
        copy = False
    if requires_grad and arr.dtype.kind != "f":
        raise TypeError(
            f"Only arrays of floating point dtype can require gradients, got dtype {arr.dtype}"
        )
    if copy:
        arr = np.array(arr, copy=True)
    return arr


class Array(_ArrayConvert, _ArrayInplace, _ArrayMethods):
    """An n-dimensional array that can record operations for autograd.

    Parameters
    ----------
    data : array_like
        Python scalars, (nested) lists, ndarrays or Arrays. Python floats take
        the default float dtype (float32); ndarrays keep their dtype.
    dtype : dtype, optional
        Cast the data to this dtype.
    requires_grad : bool
        Whether backward should accumulate a gradient into ``.grad``. Integer
        data given without ``dtype`` is converted to the default float dtype.

    Attributes
    ----------
    data : numpy.ndarray
        The values.

    Notes
    -----
    NumPy interoperability: ``np.asarray(x)`` gives the data (untracked).
    NumPy ufuncs called on an Array dispatch to the numpygrad function of the
    same name, so ``ndarray + x``, ``ndarray < x`` and ``np.exp(x)`` return
    tracked Arrays. A ufunc numpygrad lacks, a ufunc method
    (``np.add.reduce``) or extra keywords raise ``TypeError``; ``out=``
    ndarrays compute on the raw data without a graph (as ``nd += x`` does).
    Other NumPy functions (``np.where``, ``np.concatenate``) see only the
    data: use the numpygrad functions of the same name to stay tracked.

    In-place operators (``+=``, ``x[i] = v``, ``fill_``) on an array in a graph
    are recorded like their out-of-place forms. They raise on a leaf that
    requires grad and on a view of an array in a graph (outside ``no_grad``);
    a saved array changed in place behind autograd's back makes backward
    raise (the version counter).

    Examples
    --------
    >>> import numpygrad as npg
    >>> a = npg.Array([2.0], requires_grad=True)
    >>> b = npg.Array([3.0], requires_grad=True)
    >>> d = a * b + a
    >>> d.grad_fn, d.parents[1] is a
    (<Add>, True)
    >>> d.backward()
    >>> a.grad, b.grad
    (Array([4.]), Array([2.]))
    """

    # Instance attributes: ``data`` and ``_vc`` (the version counter, a one-item
    # list shared with views). The others have class-level defaults and are set
    # on an instance only when they differ, so wrapping a result -- once per op
    # and per gradient -- writes two attributes, not eight.
    # ``_base``: the Array whose memory this one views (set by view ops such as
    # reshape, transpose and basic indexing), so in-place writes through a view
    # of an array in a graph can be refused instead of corrupting gradients.
    _grad: Array | None = None
    _requires_grad: bool = False
    _fn: Any = None  # the node that produced this array (see the grad_fn property)
    _retains_grad: bool = False
    _hooks: dict[int, Any] | None = None
    _watching: Any = None  # while counted in _watched: the finalizer that uncounts it
    _base: Array | None = None
    # Make NumPy defer to our reflected operators (ndarray + Array -> Array).
    __array_priority__ = 1000

    def __init__(self, data: Any, dtype: Any = None, requires_grad: bool = False) -> None:
        self.data = _data_from(data, dtype, requires_grad, copy=True)
        self._grad = None
        self._requires_grad = bool(requires_grad)
        self._fn = None
        self._vc = [0]
        self._retains_grad = False
        self._hooks = None
        self._base = None

    # -- autograd attributes -----------------------------------------------------------
    @property
    def requires_grad(self) -> bool:
        """Whether gradients flow to this array.

        Setting it calls :meth:`requires_grad_` (floating dtypes only; a
        non-leaf cannot be set to False).

        Examples
        --------
        >>> import numpygrad as npg
        >>> x = npg.zeros(2)
        >>> x.requires_grad
        False
        >>> x.requires_grad = True
        >>> (x * 2).requires_grad
        True
        """
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, flag: bool) -> None:
        self.requires_grad_(flag)

    def requires_grad_(self, requires_grad: bool = True) -> Array:
        """Set ``requires_grad`` in place on a leaf and return ``self``.

        Examples
        --------
        >>> import numpygrad as npg
        >>> x = npg.zeros(2).requires_grad_()
        >>> x.requires_grad
        True
        """
        flag = bool(requires_grad)
        if self._fn is not None and not flag:
            raise RuntimeError(
                "you can only change requires_grad flags of leaf arrays. If you want to use a "
                "computed array in a subgraph that doesn't require differentiation use "
                "var_no_grad = var.detach()."
            )
        if flag and self.data.dtype.kind != "f":
            raise TypeError(
                "only arrays of floating point dtype can require gradients, "
                f"got dtype {self.data.dtype}"
            )
        self._requires_grad = flag
        return self

    @property
    def grad(self) -> Array | None:
        """The accumulated gradient (an Array of this array's shape), or None.

        Assigning checks the shape and dtype; assign None to clear it.

        Examples
        --------
        >>> import numpygrad as npg
        >>> x = npg.array([1.0, 2.0], requires_grad=True)
        >>> x.grad is None
        True
        >>> (x * x).sum().backward()
        >>> x.grad
        Array([2., 4.])
        >>> x.grad = None
        """
        return self._grad

    @grad.setter
    def grad(self, value: Any) -> None:
        if value is None:
            self._grad = None
            return
        # An ndarray keeps its dtype so a mismatch raises below (casting it
        # silently hid float64 gradients assigned to float32 parameters).
        if isinstance(value, np.ndarray):
            g = Array(value)
        else:
            g = value if isinstance(value, Array) else Array(value, dtype=self.data.dtype)
        if g.data.shape != self.data.shape:
            raise ValueError(
                f"attempting to assign a gradient of shape {g.shape} to an array of shape "
                f"{self.shape}. Please ensure that the gradient and the array are the same shape"
            )
        if g.data.dtype != self.data.dtype:
            raise TypeError(
                f"attempting to assign a gradient with dtype {g.dtype} to an array of dtype "
                f"{self.dtype}"
            )
        self._grad = g

    @property
    def is_leaf(self) -> bool:
        """True when the array was not produced by a recorded op.

        Examples
        --------
        >>> import numpygrad as npg
        >>> x = npg.array(1.0, requires_grad=True)
        >>> x.is_leaf, (x * 2).is_leaf
        (True, False)
        """
        return self._fn is None

    @property
    def parents(self) -> tuple[Array, ...]:
        """The input arrays of the op that produced this array (empty for leaves).

        Examples
        --------
        >>> import numpygrad as npg
        >>> a = npg.array(2.0, requires_grad=True)
        >>> y = a * 3.0
        >>> y.parents[0] is a, a.parents
        (True, ())
        """
        return tuple(self.grad_fn.inputs) if self.grad_fn is not None else ()

    @property
    def grad_fn(self) -> Any:
        """The op node that produced this array; None for a leaf.

        Examples
        --------
        >>> import numpygrad as npg
        >>> x = npg.array(2.0, requires_grad=True)
        >>> (x * 3).grad_fn, x.grad_fn is None
        (<Mul>, True)
        """
        return _linked_node(self)

    @grad_fn.setter
    def grad_fn(self, fn: Any) -> None:
        self._fn = fn

    @property
    def creator(self) -> Any:
        """The op node that produced this array (PyGrad's name for ``grad_fn``).

        Examples
        --------
        >>> import numpygrad as npg
        >>> x = npg.array(2.0, requires_grad=True)
        >>> y = npg.exp(x)
        >>> y.creator, y.creator is y.grad_fn
        (<Exp>, True)
        """
        return self.grad_fn

    @property
    def retains_grad(self) -> bool:
        """Whether this non-leaf array keeps its gradient after backward.

        Set by :meth:`retain_grad`.

        Examples
        --------
        >>> import numpygrad as npg
        >>> x = npg.array(2.0, requires_grad=True)
        >>> y = x * x
        >>> y.retains_grad
        False
        >>> y.retain_grad()
        >>> y.retains_grad
        True
        """
        return self._retains_grad

    @property
    def _version(self) -> int:
        """How many in-place changes the data has seen (shared with its views)."""
        return self._vc[0]

    def retain_grad(self) -> None:
        """Keep this intermediate array's gradient in ``.grad`` during backward.

        Examples
        --------
        >>> import numpygrad as npg
        >>> x = npg.array(3.0, requires_grad=True)
        >>> y = x * x
        >>> y.retain_grad()
        >>> (y * 2).backward()
        >>> y.grad
        Array(2.)
        """
        if self.grad_fn is not None:
            self._retains_grad = True
            _watch(self)

    def register_hook(self, hook: Callable[[Array], Array | None]) -> _HookHandle:
        """Call ``hook(grad)`` when this array's gradient is computed.

        The hook may return a new gradient to use instead. Returns a handle
        whose ``remove()`` unregisters it.

        Examples
        --------
        >>> import numpygrad as npg
        >>> x = npg.array([1.0, 2.0], requires_grad=True)
        >>> h = x.register_hook(lambda g: g * 10)
        >>> (x * 1).sum().backward()
        >>> x.grad
        Array([10., 10.])
        >>> h.remove()
        """
        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on an array that doesn't require gradient")
        if self._hooks is None:
            self._hooks = {}
        handle = _HookHandle(self)
        self._hooks[handle.id] = hook
        if self._fn is not None:
            # A leaf's hooks run wherever its gradient is stored; only an array with a
            # node makes the engine look at the outputs of the nodes it runs.
            _watch(self)
        return handle

    def backward(
        self,
        gradient: Any = None,
        retain_graph: bool | None = None,
        create_graph: bool = False,
        retain_grad: bool = False,
    ) -> None:
        """Compute the gradient of this array w.r.t. the graph's leaves.

        Gradients are accumulated into the ``.grad`` of every leaf that
        requires grad; intermediate arrays keep none unless they called
        :meth:`retain_grad` or ``retain_grad=True`` is given.

        Parameters
        ----------
        gradient : Array or ndarray, optional
            The gradient of the output, of its shape. May be omitted only for
            single-element outputs (it is then 1).
        retain_graph : bool, optional
            Keep the graph so backward can be called through it again.
        create_graph : bool
            Record the backward pass for higher-order derivatives.
        retain_grad : bool
            Keep the gradients of all intermediate arrays.

        Examples
        --------
        >>> import numpygrad as npg
        >>> x = npg.array(3.0, requires_grad=True)
        >>> y = x * x
        >>> y.backward()
        >>> x.grad
        Array(6.)
        """
        if gradient is None and retain_graph is None and not create_graph and not retain_grad:
            _engine._backward_loss(self)
            return
        _engine.backward(self, None if gradient is None else [gradient], retain_graph,
                         create_graph, retain_grad)

    def detach(self) -> Array:
        """Return a new leaf sharing this data (and version counter), without grad.

        Examples
        --------
        >>> import numpygrad as npg
        >>> x = npg.array([1.0], requires_grad=True)
        >>> d = (x * 2).detach()
        >>> d.requires_grad, d.grad_fn
        (False, None)
        """
        out = _wrap(self.data)
        out._vc = self._vc
        return out

    def detach_(self) -> Array:
        """Detach this array from its graph in place and return it.

        It becomes a leaf that does not require grad; unlike :meth:`detach`
        no new array is made.

        Examples
        --------
        >>> import numpygrad as npg
        >>> x = npg.array([1.0], requires_grad=True)
        >>> y = x * 2
        >>> y.detach_() is y
        True
        >>> y.requires_grad, y.grad_fn
        (False, None)
        """
        self._fn = None
        self._requires_grad = False
        return self

    # -- operators -----------------------------------------------------------------------
    # The arithmetic operators create their node and call it directly (what
    # ``Function.apply`` does, minus its argument packing): they are the most
    # frequent calls in a graph of small operations.
    def __add__(self, other: Any) -> Array:
        return _ew.Add()._call((self, other))

    def __radd__(self, other: Any) -> Array:
        return _ew.Add()._call((other, self))

    def __sub__(self, other: Any) -> Array:
        return _ew.Sub()._call((self, other))

    def __rsub__(self, other: Any) -> Array:
        return _ew.Sub()._call((other, self))

    def __mul__(self, other: Any) -> Array:
        return _ew.Mul()._call((self, other))

    def __rmul__(self, other: Any) -> Array:
        return _ew.Mul()._call((other, self))

    def __truediv__(self, other: Any) -> Array:
        return _ew.Div()._call((self, other))

    def __rtruediv__(self, other: Any) -> Array:
        return _ew.Div()._call((other, self))

    def __pow__(self, other: Any) -> Array:
        return _ew.power(self, other)

    def __rpow__(self, other: Any) -> Array:
        return _ew.power(other, self)

    def __matmul__(self, other: Any) -> Array:
        return _la.matmul(self, other)

    def __rmatmul__(self, other: Any) -> Array:
        return _la.matmul(other, self)

    def __neg__(self) -> Array:
        return _ew.negative(self)

    def __pos__(self) -> Array:
        return self

    def __abs__(self) -> Array:
        # abs lives in ops.elementwise (``_ew`` here is ops.arithmetic).
        from numpygrad.ops.elementwise import abs as _abs

        return _abs(self)

    def __floordiv__(self, other: Any) -> Array:
        return _cmp.floor_divide(self, other)

    def __rfloordiv__(self, other: Any) -> Array:
        return _cmp.floor_divide(other, self)

    def __mod__(self, other: Any) -> Array:
        return _cmp.remainder(self, other)

    def __rmod__(self, other: Any) -> Array:
        return _cmp.remainder(other, self)

    # Defining __eq__ would otherwise leave Arrays unhashable.
    __hash__ = object.__hash__

    def __eq__(self, other: Any) -> Array:  # type: ignore[override]
        return _cmp.equal(self, other)

    def __ne__(self, other: Any) -> Array:  # type: ignore[override]
        return _cmp.not_equal(self, other)

    def __lt__(self, other: Any) -> Array:
        return _cmp.less(self, other)

    def __le__(self, other: Any) -> Array:
        return _cmp.less_equal(self, other)

    def __gt__(self, other: Any) -> Array:
        return _cmp.greater(self, other)

    def __ge__(self, other: Any) -> Array:
        return _cmp.greater_equal(self, other)

    def __invert__(self) -> Array:
        return _cmp.logical_not(self) if self.data.dtype == np.bool_ else _wrap(~self.data)

    def __and__(self, other: Any) -> Array:
        return _cmp.bitwise_and(self, other)

    def __or__(self, other: Any) -> Array:
        return _cmp.bitwise_or(self, other)

    def __xor__(self, other: Any) -> Array:
        return _cmp.bitwise_xor(self, other)

    def __getitem__(self, key: Any) -> Array:
        return _idx.getitem(self, key)


class _HookHandle:
    """Returned by :meth:`Array.register_hook`; ``remove()`` unregisters the hook."""

    _next_id = 0

    def __init__(self, arr: Array) -> None:
        import weakref

        self._ref = weakref.ref(arr)
        self.id = _HookHandle._next_id
        _HookHandle._next_id += 1

    def remove(self) -> None:
        """Unregister the hook."""
        arr = self._ref()
        if arr is not None and arr._hooks is not None:
            arr._hooks.pop(self.id, None)
            if not arr._hooks and not arr._retains_grad:
                _unwatch(arr)


#: How many arrays that have a node now have a hook or retain their gradient. While
#: none does, the engine need not look at the output of every node it runs (that
#: costs about a fifth of a chain of small ops). An array stops counting when its
#: last hook is removed or when it is freed, so one ``retain_grad()`` while
#: debugging does not slow every later backward pass of the process.
_watched = [0]
# The count must never drop below the truth (hooks would be skipped). Reentrant: a
# finalizer may run, on a freed array, inside _watch's own allocation.
_watch_lock = threading.RLock()


def _watch(arr: Array) -> None:
    """Count ``arr`` among the watched arrays (once), until it is unwatched or freed."""
    with _watch_lock:
        if arr._watching is None:
            _watched[0] += 1
            token = weakref.finalize(arr, _forget_one)
            token.atexit = False  # nothing to uncount when the interpreter ends
            arr._watching = token


def _unwatch(arr: Array) -> None:
    """Stop counting ``arr`` (its last hook was removed and it retains no gradient)."""
    with _watch_lock:
        token, arr._watching = arr._watching, None
        if token is not None and token.detach() is not None:
            _watched[0] -= 1


def _forget_one() -> None:
    """A watched array was freed."""
    with _watch_lock:
        _watched[0] -= 1


_ONES: dict[tuple[tuple[int, ...], np.dtype], np.ndarray] = {}


def _shared_ones(shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
    """A read-only array of ones, allocated once per shape and dtype (internal).

    Shared by every caller, so nothing may write into it (NumPy refuses to).
    """
    ones = _ONES.get((shape, dtype))
    if ones is None:
        ones = _ONES[(shape, dtype)] = np.ones(shape, dtype=dtype)
        ones.flags.writeable = False
    return ones


def _linked_node(arr: Array) -> Any:
    """``arr``'s node, after making sure the node holds a weak reference to ``arr``.

    The lean ops (``Mul``, ``Add``, ...) record no reference to their output: a
    weak reference per op costs about 0.3 us, 6% of a chain of small ops. A node
    learns its output when somebody reaches it through the array (``grad_fn``,
    ``creator``) or through a consumer (``next_functions``), which is how users
    inspect ``node.outputs``. The engine finds the outputs it needs for hooks and
    ``retain_grad`` through the consumers' inputs.
    """
    fn = arr._fn
    if fn is not None and not hasattr(fn, "_out_ref"):
        fn._out_ref = weakref.ref(arr)
    return fn


def _wrap(data: np.ndarray) -> Array:
    """Make a leaf Array around ``data`` without copying or checking (internal)."""
    out = Array.__new__(Array)
    out.data = data
    out._vc = [0]
    return out


def array(data: Any, dtype: Any = None, requires_grad: bool = False) -> Array:
    """Create an Array from data, always copying it (like ``np.array``).

    Parameters
    ----------
    data : array_like
        Python scalars, nested lists, ndarrays or Arrays.
    dtype : dtype, optional
        The dtype; by default Python floats give the default float dtype,
        Python ints int64, and ndarrays keep theirs.
    requires_grad : bool
        Whether to accumulate gradients for this array.

    Examples
    --------
    >>> import numpygrad as npg
    >>> npg.array([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    Array([[1., 2.],
           [3., 4.]], requires_grad=True)
    >>> npg.array([1, 2, 3], requires_grad=True).dtype
    dtype('float32')
    """
    return Array(data, dtype=dtype, requires_grad=requires_grad)


def asarray(data: Any, dtype: Any = None, requires_grad: bool = False) -> Array:
    """Convert to an Array, sharing memory with ``data`` when possible.

    An Array argument with no dtype change is returned unchanged.

    Examples
    --------
    >>> import numpy as np
    >>> import numpygrad as npg
    >>> base = np.zeros(3)
    >>> a = npg.asarray(base)
    >>> a.data is base
    True
    """
    if isinstance(data, Array) and (dtype is None or np.dtype(dtype) == data.data.dtype):
        if requires_grad and not data._requires_grad:
            data.requires_grad_(True)
        return data
    out = _wrap(_data_from(data, dtype, requires_grad, copy=False))
    out._requires_grad = bool(requires_grad)
    return out


class Variable(Array):
    """An Array that requires grad by default (PyGrad's ``Variable``).

    Examples
    --------
    >>> import numpygrad as npg
    >>> x = npg.Variable(3)
    >>> y = x * x
    >>> y.backward()
    >>> x.grad
    Array(6.)
    """

    __slots__ = ()

    def __init__(self, data: Any, dtype: Any = None, requires_grad: bool = True) -> None:
        super().__init__(data, dtype=dtype, requires_grad=requires_grad)


# The ops import Array from this module, so they are bound after the class exists.
from numpygrad import _array_convert, _array_inplace  # noqa: E402
from numpygrad._array_methods import install as _install  # noqa: E402
from numpygrad.autograd import engine as _engine  # noqa: E402
from numpygrad.ops import arithmetic as _ew  # noqa: E402
from numpygrad.ops import comparison as _cmp  # noqa: E402
from numpygrad.ops import indexing as _idx  # noqa: E402
from numpygrad.ops import linalg as _la  # noqa: E402

_install(_ArrayMethods)
_array_convert._bind()
_array_inplace._bind()
