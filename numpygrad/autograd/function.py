"""The base class of every differentiable operation (a node of the graph).

An op is a :class:`Function` subclass with ``forward`` and ``backward`` side by
side. ``forward`` receives raw ``numpy.ndarray`` inputs and returns one
ndarray; ``backward`` receives the gradient of the output as an
:class:`~numpygrad.Array` and returns one gradient (or ``None``) per input,
written with numpygrad operations. The engine runs ``backward`` without
recording unless ``create_graph=True``, in which case the very same code
records a graph of its own and can be differentiated again.
"""

from __future__ import annotations

import itertools
import math
import weakref
from typing import Any

import numpy as np

from numpygrad._array import Array, _linked_node, _wrap, asarray
from numpygrad._dtype import FLOATING_DTYPE_CLASSES as _FLOATING
from numpygrad._dtype import scalar_dtype
from numpygrad.autograd.grad_mode import _grad_enabled

__all__ = ["Function"]

_NO_GRAD = tuple((False,) * n for n in range(8))
_ONE_GRAD = (True,)
_sequence = itertools.count()
_new = Array.__new__


class Function:
    """A differentiable operation; each call creates one node of the graph.

    Subclass it to define a custom op. Options (an axis, a flag) are
    constructor arguments stored on the node, never inputs. ``forward`` may
    store what ``backward`` needs as attributes of ``self``; they live in the
    node's ``__dict__``, which the engine clears once backward has run (unless
    ``retain_graph``), so a finished graph holds no saved arrays. An op that
    stores nothing may declare ``__slots__ = ()``: its nodes then have no
    ``__dict__`` at all, which saves the engine creating and clearing an empty
    one per node (the built-in arithmetic and elementwise ops do this). Values
    kept in slots of a subclass's own are not cleared.

    Attributes
    ----------
    inputs : tuple of Array
        The input arrays (Python scalars and ndarrays are lifted to Arrays).
    needs_input_grad : tuple of bool
        Which inputs need a gradient; set before ``forward`` runs.
    save_inputs, save_output : bool
        Class flags: whether ``backward`` reads the inputs' or the output's
        data. Those arrays are guarded by the version counter, so an in-place
        change between forward and backward raises instead of giving a wrong
        gradient.

    Examples
    --------
    A custom op, ``y = x ** 3``:

    >>> import numpygrad as npg
    >>> class Cube(npg.Function):
    ...     def forward(self, x):
    ...         return x ** 3
    ...     def backward(self, grad):
    ...         (x,) = self.inputs
    ...         return grad * 3 * x * x
    >>> x = npg.array(2.0, requires_grad=True)
    >>> y = Cube.apply(x)
    >>> y.backward()
    >>> x.grad
    Array(12.)

    Calling an instance records that very object as the node (PyGrad style):

    >>> cube = Cube()
    >>> z = cube(x)
    >>> z.grad_fn is cube, cube.inputs[0] is x
    (True, True)
    """

    # No "__dict__" here: a subclass gets one automatically, for what its forward
    # stores. An op that stores nothing declares ``__slots__ = ()`` and has none,
    # which spares the engine creating and clearing an empty dict per node.
    __slots__ = (
        "inputs",
        "_out_ref",  # weak reference to the output; unset until needed (see _call)
        "needs_input_grad",
        "_edges",
        "_versions",
        "_seq",
        "_released",  # True once the engine has freed the node's saved values
        "__weakref__",
    )

    #: Whether instances have a ``__dict__`` of saved values for the engine to free
    #: after backward (set for each subclass, from its layout).
    _keeps_values: bool = False
    #: The output's version when recorded (always 0: outputs are fresh arrays;
    #: an in-place op that takes over a node's output moves it on).
    _out_version: int = 0

    save_inputs: bool = True
    save_output: bool = False
    #: Set on ops whose result may be a view of input 0 (reshape, transpose,
    #: basic indexing): the result then shares the input's version counter.
    #: Read when the subclass is created, like the other class flags.
    is_view: bool = False
    #: Whether calls keep a weak reference to the output (set for each subclass:
    #: ``save_output``, or a ``__dict__`` a custom op's backward may read it from).
    _links_output: bool = False

    # No __init__ here: object's C-level one is faster on the hot path; ops with
    # options define their own.

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._keeps_values = cls.__dictoffset__ != 0
        # Read once here rather than per call: each class flag read on the hot path
        # costs about 20 ns (Python 3.11 does not specialise class-attribute loads).
        cls._links_output = cls.save_output or cls._keeps_values
        # Only ops that may return a view pay for the check that links the view to
        # its base (``is_view`` is read when the class is created).
        if "_call" not in cls.__dict__:
            cls._call = Function._call_view if cls.is_view else Function._call
        # A subclass that redefines ``backward`` alone (a custom gradient for a built-in
        # op) must have it used in first order too, not its parent's backward_data.
        if "backward" in cls.__dict__ and "backward_data" not in cls.__dict__:
            cls.backward_data = Function.backward_data

    # -- the two methods an op defines ------------------------------------------------
    def forward(self, *inputs: np.ndarray) -> np.ndarray:
        """Compute the result from raw ndarrays. Subclasses must override it.

        Parameters
        ----------
        *inputs : numpy.ndarray
            The data of the call's arguments, in order.

        Returns
        -------
        numpy.ndarray
            The result (wrapped in an Array by the call).

        Examples
        --------
        >>> import numpy as np
        >>> import numpygrad as npg
        >>> class Double(npg.Function):
        ...     def forward(self, x):
        ...         return 2 * x
        ...     def backward(self, grad):
        ...         return 2 * grad
        >>> Double().forward(np.array([1.0, 2.0]))
        array([2., 4.])
        """
        raise NotImplementedError(f"{type(self).__name__} does not define forward()")

    def backward(self, grad: Array) -> Any:
        """Return the gradient for each input, given the output's gradient.

        Subclasses must override it.

        Parameters
        ----------
        grad : Array
            The gradient of the output, of the output's shape.

        Returns
        -------
        Array, None or tuple
            One gradient per input (a bare Array for a single input); None for
            an input that needs no gradient (see ``needs_input_grad``). The
            engine sums gradients over broadcast axes.

        Examples
        --------
        >>> import numpygrad as npg
        >>> class Double(npg.Function):
        ...     def forward(self, x):
        ...         return 2 * x
        ...     def backward(self, grad):
        ...         return 2 * grad
        >>> x = npg.array([1.0, 2.0], requires_grad=True)
        >>> Double.apply(x).sum().backward()
        >>> x.grad
        Array([2., 2.])
        """
        raise NotImplementedError(f"{type(self).__name__} does not define backward()")

    def backward_data(self, grad: np.ndarray) -> Any:
        """First-order ``backward`` on raw ndarrays; an op may override it for speed.

        A plain ``backward()`` (no ``create_graph``) calls this method instead of
        :meth:`backward`, with the output's gradient as a ``numpy.ndarray``.
        This default wraps it in an Array and calls :meth:`backward`, so a
        custom op needs nothing more. The built-in ops override it with the same
        formula written on ndarrays: a first-order pass then makes no Array per
        gradient, which matters for ops on small arrays. ``backward`` stays the
        definition that ``create_graph=True`` records, and the two must agree.

        Parameters
        ----------
        grad : numpy.ndarray
            The gradient of the output, of the output's shape. Read-only in
            general (it may be the engine's shared seed or another op's memory):
            never write into it.

        Returns
        -------
        ndarray, Array, None or tuple
            One gradient per input, as :meth:`backward` returns them; ndarrays
            and Arrays are both accepted.

        Examples
        --------
        ``x ** 2`` with both formulas; the second derivative goes through ``backward``:

        >>> import numpygrad as npg
        >>> class Sq(npg.Function):
        ...     def forward(self, x):
        ...         return x * x
        ...     def backward(self, grad):  # numpygrad ops: recorded with create_graph
        ...         return grad * 2 * self.inputs[0]
        ...     def backward_data(self, grad):  # NumPy on .data: a plain backward()
        ...         return grad * 2 * self.inputs[0].data
        >>> x = npg.array([1.0, 3.0], requires_grad=True)
        >>> Sq.apply(x).sum().backward()
        >>> x.grad
        Array([2., 6.])
        >>> (g,) = npg.grad(Sq.apply(x).sum(), x, create_graph=True)
        >>> npg.grad(g.sum(), x)
        (Array([2., 2.]),)
        """
        return self.backward(_wrap(grad))

    def _backward_unrecorded(self, grad: Array) -> Any:
        """``backward_data``'s gradients as Arrays: for an op whose ``backward`` cannot
        run its recorded formula with grad mode off (or need not), when it is called
        directly outside the engine. ``backward_data`` must not call ``backward`` then."""
        grads = self.backward_data(grad.data)
        if isinstance(grads, tuple):
            return tuple(None if g is None else _wrap(np.asarray(g)) for g in grads)
        return _wrap(np.asarray(grads))

    # -- calling ----------------------------------------------------------------------
    @classmethod
    def apply(cls, *args: Any, **options: Any) -> Array:
        """Create a node with ``options`` and call it on ``args``.

        Examples
        --------
        >>> import numpygrad as npg
        >>> from numpygrad.ops.elementwise import Exp
        >>> Exp.apply(npg.array(0.0))
        Array(1.)
        """
        node = cls(**options) if options else cls()
        return node._call(args)

    def __call__(self, *args: Any) -> Array:
        if hasattr(self, "_edges"):
            raise RuntimeError(
                f"this {type(self).__name__} object already recorded a call; "
                "Function objects are single-use, create a new one for each call"
            )
        out = self._call(args)
        _linked_node(out)  # a PyGrad-style object is inspected: it knows its output
        return out

    def _call(self, args: tuple[Any, ...]) -> Array:
        # The hot path of every op, unrolled for one and two inputs (nearly all
        # calls): every bytecode here is paid once per op in a training step.
        n = len(args)
        if n == 2:
            x0, x1 = args
            if (type(x0) is not Array or type(x1) is not Array) and not (
                    isinstance(x0, Array) and isinstance(x1, Array)):
                args = lift(args)
                x0, x1 = args
            r0, r1 = x0._requires_grad, x1._requires_grad
            if (r0 or r1) and _grad_enabled.get():
                self.needs_input_grad = (r0, r1)
                data = self.forward(x0.data, x1.data)
                if type(data) is not np.ndarray:
                    data = np.asarray(data)
                out = _new(Array)  # _wrap, inlined: this is every binary op's path
                out.data = data
                out._vc = [0]
                if type(data.dtype) in _FLOATING:  # (floating or complex: see _dtype)
                    self.inputs = args
                    # A weak reference to the output only where backward reads it, or
                    # for a custom op (which may read self.output): for a lean op it
                    # costs about 6% of a chain of small ops (see _linked_node).
                    if self._links_output:
                        self._out_ref = weakref.ref(out)
                    # Edges remember which node produced each input *at this moment*,
                    # so an in-place op that later gives an input a new grad_fn
                    # cannot reroute gradients that belong to the old value.
                    f0, f1 = x0._fn, x1._fn
                    self._edges = (x0 if f0 is None else f0, x1 if f1 is None else f1)
                    if self.save_inputs:
                        self._versions = (x0._vc[0], x1._vc[0])
                    # Recording order: a node is numbered after its inputs' nodes, so
                    # decreasing numbers are a reverse topological order (the engine's).
                    self._seq = next(_sequence)
                    self._released = False
                    out._requires_grad = True
                    out._fn = self
            else:
                self.needs_input_grad = _NO_GRAD[2]
                data = self.forward(x0.data, x1.data)
                if type(data) is not np.ndarray:
                    data = np.asarray(data)
                out = _wrap(data)
        elif n == 1:
            x0 = args[0]
            if not isinstance(x0, Array):
                args = lift(args)
                x0 = args[0]
            if x0._requires_grad and _grad_enabled.get():
                self.needs_input_grad = _ONE_GRAD
                data = self.forward(x0.data)
                if type(data) is not np.ndarray:
                    data = np.asarray(data)
                out = _new(Array)  # _wrap, inlined
                out.data = data
                out._vc = [0]
                if type(data.dtype) in _FLOATING:  # (floating or complex: see _dtype)
                    self.inputs = args
                    if self._links_output:
                        self._out_ref = weakref.ref(out)
                    f0 = x0._fn
                    self._edges = (x0 if f0 is None else f0,)
                    if self.save_inputs:
                        self._versions = (x0._vc[0],)
                    self._seq = next(_sequence)
                    self._released = False
                    out._requires_grad = True
                    out._fn = self
            else:
                self.needs_input_grad = _NO_GRAD[1]
                data = self.forward(x0.data)
                if type(data) is not np.ndarray:
                    data = np.asarray(data)
                out = _wrap(data)
        else:
            for x in args:
                if not isinstance(x, Array):
                    args = lift(args)
                    break
            out = self._call_many(args)
        return out

    def _call_view(self, args: tuple[Any, ...]) -> Array:
        """``_call`` for an op whose result may be a view of input 0 (``is_view``)."""
        out = Function._call(self, args)
        x0 = args[0] if args else None
        data = out.data
        if (isinstance(x0, Array) and data.base is not None
                and np.may_share_memory(data, x0.data)):
            out._vc = x0._vc
            out._base = x0  # lets in-place ops on the view be refused (Array._base)
        return out

    def _call_many(self, inputs: tuple[Array, ...]) -> Array:
        """``_call`` for any number of inputs (none, or three and more).

        Three inputs (a linear layer with bias, ``where``) are unrolled: list
        comprehensions cost a function call each.
        """
        if len(inputs) == 3:
            x0, x1, x2 = inputs
            r0, r1, r2 = x0._requires_grad, x1._requires_grad, x2._requires_grad
            record = (r0 or r1 or r2) and _grad_enabled.get()
            self.needs_input_grad = (r0, r1, r2) if record else _NO_GRAD[3]
            data = self.forward(x0.data, x1.data, x2.data)
        else:
            record = False
            if _grad_enabled.get():
                for x in inputs:
                    if x._requires_grad:
                        record = True
                        break
            n = len(inputs)
            self.needs_input_grad = (tuple([x._requires_grad for x in inputs]) if record
                                     else _NO_GRAD[n] if n < len(_NO_GRAD) else (False,) * n)
            data = self.forward(*[x.data for x in inputs])
        if type(data) is not np.ndarray:
            data = np.asarray(data)
        out = _wrap(data)
        if record and type(data.dtype) in _FLOATING:
            self.inputs = inputs
            if self._links_output:
                self._out_ref = weakref.ref(out)
            if len(inputs) == 3:
                f0, f1, f2 = x0._fn, x1._fn, x2._fn
                self._edges = (x0 if f0 is None else f0, x1 if f1 is None else f1,
                               x2 if f2 is None else f2)
                if self.save_inputs:
                    self._versions = (x0._vc[0], x1._vc[0], x2._vc[0])
            else:
                self._edges = tuple([x if x._fn is None else x._fn for x in inputs])
                if self.save_inputs:
                    self._versions = tuple([x._vc[0] for x in inputs])
            self._seq = next(_sequence)
            self._released = False
            out._requires_grad = True
            out._fn = self
        return out

    # -- helpers for backward -----------------------------------------------------------
    @property
    def output(self) -> Array:
        """The output array (alive while the engine runs this node's backward).

        Raises ``RuntimeError`` once the output no longer exists.

        Examples
        --------
        >>> import numpygrad as npg
        >>> x = npg.array(1.0, requires_grad=True)
        >>> y = npg.exp(x)
        >>> y.grad_fn.output is y
        True
        """
        # (``_output_ref`` inlined for the common case: backward of tanh, exp, relu...
        # reads this once per node, and their calls always set the reference.)
        try:
            out = self._out_ref()
        except AttributeError:  # a lean node (see outputs)
            out = self._output_ref()()
        if out is None:
            raise RuntimeError(f"the output of {type(self).__name__} no longer exists")
        return out

    @property
    def outputs(self) -> list[weakref.ref]:
        """Weak references to the output array (one), as in PyGrad.

        Weak, so the graph holds no cycles: an output keeps its node alive, never
        the other way round. The lean ops (``Mul``, ``Add``, ...) record the
        reference only once the node is reached through its output (``grad_fn``,
        ``creator``) or a consumer (``next_functions``): a weak reference per op
        costs about 6% of a chain of small ops.

        Examples
        --------
        >>> import numpygrad as npg
        >>> x = npg.array(1.0, requires_grad=True)
        >>> y = x * 2
        >>> y.grad_fn.outputs[0]() is y
        True
        """
        return [self._output_ref()]

    @outputs.setter
    def outputs(self, refs: list[weakref.ref]) -> None:
        (self._out_ref,) = refs

    def _output_ref(self) -> weakref.ref:
        ref = getattr(self, "_out_ref", None)
        if ref is None:
            # Unreachable through the public API: every way to reach a node (the
            # array's grad_fn or creator, a consumer's next_functions, calling a
            # Function object) links it to its output first.
            raise RuntimeError(f"this {type(self).__name__} node was not linked to its output")
        return ref

    @property
    def next_functions(self) -> tuple[Any, ...]:
        """The nodes that produced the inputs (``None`` for leaves), like PyTorch.

        Examples
        --------
        >>> import numpygrad as npg
        >>> x = npg.array(2.0, requires_grad=True)
        >>> y = npg.exp(x * 3.0)
        >>> y.grad_fn.next_functions
        (<Mul>,)
        >>> y.grad_fn.next_functions[0].next_functions
        (None, None)
        """
        result = []
        for k, e in enumerate(self._edges):
            if not isinstance(e, Function):
                result.append(None)
                continue
            if not hasattr(e, "_out_ref"):
                # A lean producer's output is this node's input (an in-place op on it
                # would have linked the producer to the old value already).
                e._out_ref = weakref.ref(self.inputs[k])
            result.append(e)
        return tuple(result)

    def __repr__(self) -> str:
        return f"<{type(self).__name__}>"


def lift(args: tuple[Any, ...]) -> tuple[Array, ...]:
    """Turn the arguments of an op into Arrays.

    Python scalars are weak: they take the dtype of the first Array argument
    when their kind fits, so float32 stays float32. NumPy scalars are weak in
    the same way beside an Array (so ``x / np.sqrt(d)`` keeps a float32 ``x``
    float32) and keep their own dtype when no Array is involved; NumPy arrays,
    0-d ones included, always keep their dtype.
    """
    if len(args) == 2:  # an Array and a Python number (``x * 2.0``, ``1 - x``): most calls
        x, y = args
        tx, ty = type(x), type(y)
        if tx is Array and (ty is float or ty is int):
            return x, _scalar_array(y, x.data.dtype)
        if ty is Array and (tx is float or tx is int):
            return _scalar_array(x, y.data.dtype), y
    like = None
    for a in args:
        if isinstance(a, Array):
            like = a.data.dtype
            break
    out = []
    for a in args:
        if isinstance(a, Array):
            out.append(a)
        elif type(a) is float or type(a) is int or type(a) is bool:
            out.append(_scalar_array(a, like))
        elif isinstance(a, np.generic) and like is not None and a.dtype.kind in "biuf":
            # A NumPy scalar beside an Array is weak like a Python scalar, so
            # float32 * np.float64(2) stays float32 (PyTorch's rule for 0-d operands);
            # alone, it keeps its own dtype (asarray below).
            out.append(_scalar_array(a.item(), like))
        else:
            out.append(asarray(a))
    return tuple(out)


#: Python scalars already made into 0-d Arrays, by (type, value, dtype; and sign for 0).
#: ``x * 2.0`` would otherwise build the same constant at every call, about a
#: quarter of the call's time on a small array. The cached arrays are read-only.
_SCALARS: dict[tuple[type, Any, Any], Array] = {}
_SCALARS_MAX = 256


def _scalar_array(value: float | int | bool, like: np.dtype | None) -> Array:
    """``value`` as a 0-d Array of the dtype it takes beside an array of dtype ``like``."""
    # Beside a floating array any Python number takes its dtype; otherwise the dtype
    # may depend on the default float dtype, so the key holds the dtype itself.
    dtype = like if like is not None and like.kind == "f" else scalar_dtype(value, like)
    if value:
        key: tuple[Any, ...] = (type(value), value, dtype)
    else:  # 0.0 and -0.0 are equal keys: the sign tells them apart
        key = (type(value), value, dtype, math.copysign(1.0, value))
    arr = _SCALARS.get(key)
    # Reached through a node's inputs, a cached constant could have been made to
    # require grad or changed in place: then it is replaced, not reused.
    if arr is not None and not arr._requires_grad and not arr._vc[0]:
        return arr
    data = np.asarray(value, dtype=dtype)
    arr = _wrap(data)
    if value == value:  # not nan: nan is never equal to itself, so never found again
        data.flags.writeable = False  # also shields it from writes through .data
        if len(_SCALARS) >= _SCALARS_MAX:
            _SCALARS.clear()
        _SCALARS[key] = arr
    return arr
