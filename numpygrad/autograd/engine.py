"""The backward pass: topological order, accumulation, broadcast reduction.

Everything generic about gradients lives here and nowhere else: seeding the
root, walking the graph in reverse topological order with a heap
(no recursion, so 100 000-op chains work), reducing gradients of broadcast
operands to their shapes, casting them to their input's dtype, accumulating
them, checking the version counter, and releasing the graph afterwards.

Pending gradients are keyed by graph position: the node that produced an array
(its ``grad_fn``) or, for a leaf, the array itself. Both hash by identity. Nodes
run in decreasing order of their sequence number (the order they were recorded
in), which is a reverse topological order, from a heap: the pass touches only
nodes that receive a gradient.
"""

from __future__ import annotations

from collections.abc import Sequence
from heapq import heappop, heappush
from typing import Any

import numpy as np

from numpygrad._array import Array, _linked_node, _shared_ones, _watched, _wrap, asarray
from numpygrad.autograd.function import Function
from numpygrad.autograd.grad_mode import _grad_enabled

__all__ = ["backward", "grad"]

_SECOND_BACKWARD = (
    "Trying to backward through the graph a second time (or directly access saved "
    "values after they have already been freed). Saved intermediate values of the graph "
    "are freed when you call .backward() or numpygrad.grad(). Specify retain_graph=True "
    "if you need to backward through the graph a second time."
)


def _sum_to_shape(
    g: Array, shape: tuple[int, ...], out_shape: tuple[int, ...], node: Function, index: int
) -> Array:
    """Sum a gradient over the axes along which its input was broadcast.

    Only axes that exist in the op's output (``out_shape``, right-aligned) may
    be summed away: a gradient with dimensions the output does not have, or
    merely the right number of elements, comes from a wrong backward and is
    refused instead of being summed or reshaped silently (pytorch#65244).
    """
    gshape = g.shape  # (an ndarray in first order, an Array with create_graph)
    if gshape == shape:
        return g
    nlead = len(gshape) - len(shape)
    off = len(out_shape) - len(gshape)
    if nlead >= 0 and off >= 0:
        axes = []
        ok = True
        for i, m in enumerate(gshape):
            n = shape[i - nlead] if i >= nlead else None
            if n == m:
                continue
            if (n is None or n == 1) and out_shape[off + i] == m:
                axes.append(i)
            else:
                ok = False
                break
        if ok:
            # (np.asarray: an ndarray's full sum is a NumPy scalar)
            summed = g.sum(axis=tuple(axes), keepdims=False).reshape(shape)
            return np.asarray(summed) if type(g) is np.ndarray else summed
    raise RuntimeError(
        f"Function {type(node).__name__} returned an invalid gradient at index {index} - "
        f"got shape {gshape} but expected shape compatible with {shape}"
    )


def _version_error(node: Function, k: int | None, x: Array, expected: int) -> RuntimeError:
    what = f"input {k}" if k is not None else "the output"
    return RuntimeError(
        "one of the arrays needed for gradient computation has been modified by an in-place "
        f"operation: {what} of {type(node).__name__}, an array of shape {x.shape} and dtype "
        f"{x.dtype}, is at version {x._vc[0]}; expected version {expected} instead."
    )


def _run(
    roots: Sequence[Array],
    root_grads: Sequence[Array],
    retain_graph: bool,
    create_graph: bool,
    retain_all: bool,
    targets: Sequence[Array] | None,
) -> dict[int, Array]:
    """Propagate ``root_grads`` from ``roots`` through the graph.

    With ``targets=None`` gradients are accumulated into the ``.grad`` of leaves
    that require grad (and of arrays that retain theirs). Otherwise nothing is
    stored and the gradients reaching ``targets`` are returned, keyed by ``id``.
    """
    # First order carries gradients as raw ndarrays, handed to each node's
    # ``backward_data``: no Array is made per gradient (about 8% of a chain of small
    # ops). With ``create_graph`` they are Arrays, for ``backward`` to record on.
    raw = not create_graph
    gtype = np.ndarray if raw else Array
    if raw:
        root_grads = [g.data for g in root_grads]
    # key -> (gradient, owned). An owned gradient's memory is referenced by
    # nobody but the engine, so it can become a leaf's .grad without a copy.
    pending: dict[Any, tuple[Any, bool]] = {}
    # The nodes holding a pending gradient, by decreasing sequence number. A node
    # is recorded after the nodes of its inputs, so every consumer of a node has a
    # larger number: when a node is popped, all gradients it will receive have
    # arrived. No dependency-counting pass over the graph is needed.
    heap: list[tuple[int, Function]] = []
    # A chain needs no heap: a node whose gradient is complete while nothing else
    # is pending runs next directly (see the single-gradient path below).
    # Its gradient travels in locals, not through ``pending``.
    direct: Function | None = None
    direct_g: Any = None
    direct_owned = False
    if len(roots) == 1 and roots[0]._fn is not None:
        # One root with a node (a loss): that node runs first, with the seed.
        direct, direct_g = roots[0]._fn, root_grads[0]
    else:
        for r, g in zip(roots, root_grads):
            fn = r.grad_fn
            key = fn if fn is not None else r
            if key in pending:
                pending[key] = (pending[key][0] + g, True)
            else:
                pending[key] = (g, False)
                if fn is not None:
                    heappush(heap, (-fn._seq, fn))
    target_keys: dict[Any, Array] = {}
    if targets is not None:
        for t in targets:
            target_keys[t.grad_fn if t.grad_fn is not None else t] = t
    found: dict[int, Array] = {}
    store_outputs = targets is None
    # Whether a node's output must be looked at for hooks, retain_grad or targets.
    watch = retain_all or bool(target_keys) or _watched[0]
    if watch and direct is not None:
        # A lean root node learns its output, which no consumer's input can give:
        # the root's hooks and retain_grad need it.
        _linked_node(roots[0])
    # Then the outputs of lean nodes (which keep no reference to them) are found
    # as their consumers' inputs, as the gradients are handed over.
    outputs_of: dict[Function, Array] = {}

    while heap or direct is not None:
        if direct is not None:
            node, g, g_owned, direct = direct, direct_g, direct_owned, None
        else:
            node = heappop(heap)[1]
            g, g_owned = pending.pop(node)
        if node._released:
            raise RuntimeError(_SECOND_BACKWARD)
        if watch:
            try:
                out = node._out_ref()
            except AttributeError:  # a lean node: its output was seen as a consumer's input
                out = outputs_of.get(node)
            if out is not None:
                # (Hooks and retain_grad set ``_watched``: without ``watch`` there are none.)
                if out._hooks:
                    g, g_owned = _run_hooks(out, g, g_owned, raw)
                if store_outputs and (retain_all or out._retains_grad):
                    _store_grad(out, g, g_owned, create_graph)
                    g_owned = False
                if node.save_output and out._vc[0] != node._out_version:
                    raise _version_error(node, None, out, node._out_version)
            if target_keys and node in target_keys:
                found[id(target_keys[node])] = g
        elif node.save_output:  # (tanh, exp, relu...) the output's version, alone
            try:
                out = node._out_ref()
            except AttributeError:
                out = None
            if out is not None and out._vc[0] != node._out_version:
                raise _version_error(node, None, out, node._out_version)
        inputs = node.inputs
        if node.save_inputs:
            versions = node._versions
            if len(versions) == 2:  # the binary ops, unrolled
                if inputs[0]._vc[0] != versions[0]:
                    raise _version_error(node, 0, inputs[0], versions[0])
                if inputs[1]._vc[0] != versions[1]:
                    raise _version_error(node, 1, inputs[1], versions[1])
            else:
                for k, v in enumerate(versions):
                    if inputs[k]._vc[0] != v:
                        raise _version_error(node, k, inputs[k], v)
        grads = node.backward_data(g) if raw else node.backward(g)
        edges = node._edges
        needs = node.needs_input_grad
        if not retain_graph:
            if node._keeps_values:
                node.__dict__.clear()
            node._released = True
        gdata = g if raw else g.data
        k = -1
        if type(grads) is gtype or type(grads) is Array:  # (Array: see backward_data)
            if len(edges) == 1:
                k = 0
        elif type(grads) is tuple and len(grads) == 2 and len(edges) == 2:
            # Two inputs, only one of which takes a gradient (``h * w`` with a constant
            # ``w``): the single-gradient path below.
            if grads[1] is None or not needs[1]:
                k, grads = 0, grads[0]
            elif grads[0] is None or not needs[0]:
                k, grads = 1, grads[1]
        if k >= 0:
            # One gradient to hand on (most ops): the loop further below, unrolled.
            if grads is None or not needs[k]:
                continue
            gi = grads if type(grads) is gtype else _convert(grads, raw)
            xd = inputs[k].data
            gd = gi if raw else gi.data
            gi_owned = gd.base is None and gd is not gdata
            if gd.shape != xd.shape:
                gi = _sum_to_shape(gi, xd.shape, gdata.shape, node, k)
                gd = gi if raw else gi.data
                gi_owned = gi_owned or gd.base is None
            # (``is not`` first: the dtypes are nearly always the same object, and
            # that test is a third of the cost of ``!=``.)
            if gd.dtype is not xd.dtype and gd.dtype != xd.dtype:
                gi = gi.astype(xd.dtype) if not create_graph else _cast(gi, xd.dtype)
                gi_owned = True
            key = edges[k]
            if watch:
                _note_output(outputs_of, key, inputs[k])
            # (A chain's gradients travel in locals, leaving ``pending`` empty.)
            prev = pending.get(key) if pending else None
            if prev is None:
                gi_owned = gi_owned or (gi is g and g_owned)
                if isinstance(key, Function):
                    if heap:
                        pending[key] = (gi, gi_owned)
                        heappush(heap, (-key._seq, key))
                    else:
                        # Nothing else pending: every consumer of ``key`` (all numbered
                        # higher) has run, so its gradient is complete.
                        direct, direct_g, direct_owned = key, gi, gi_owned
                else:
                    pending[key] = (gi, gi_owned)
            else:
                pending[key] = (_add(prev[0], gi), True)
            continue
        if type(grads) is not tuple:
            grads = tuple(grads) if isinstance(grads, (list, tuple)) else (grads,)
        if len(grads) != len(edges):
            raise RuntimeError(
                f"function {type(node).__name__} returned an incorrect number of gradients "
                f"(expected {len(edges)}, got {len(grads)})"
            )
        seen: list[int] | None = [] if len(grads) > 1 else None
        # ``g`` can be handed on by ownership to one input only: Add returns
        # the same gradient for both inputs, and two leaves must not share it.
        g_transferable = g_owned
        for k, gi in enumerate(grads):
            if gi is None or not needs[k]:
                continue
            xd = inputs[k].data
            if type(gi) is not gtype:
                gi = _convert(gi, raw)
            gd = gi if raw else gi.data
            # Owned: a fresh buffer, not a view, not g's own buffer (Add passes g
            # on; ``grad.detach()`` wraps the same ndarray), not returned twice.
            gi_owned = gd.base is None and gd is not gdata
            if seen is not None:
                gi_owned = gi_owned and id(gd) not in seen
                seen.append(id(gd))
            if gd.shape != xd.shape:
                gi = _sum_to_shape(gi, xd.shape, gdata.shape, node, k)
                gd = gi if raw else gi.data
                gi_owned = gi_owned or gd.base is None
            if gd.dtype != xd.dtype:
                gi = gi.astype(xd.dtype) if not create_graph else _cast(gi, xd.dtype)
                gi_owned = True
            key = edges[k]
            if watch:
                _note_output(outputs_of, key, inputs[k])
            prev = pending.get(key)
            if prev is None:
                if not gi_owned and gi is g and g_transferable:
                    gi_owned, g_transferable = True, False
                pending[key] = (gi, gi_owned)
                if isinstance(key, Function):
                    heappush(heap, (-key._seq, key))
            else:
                pending[key] = (_add(prev[0], gi), True)

    # What is left in `pending` are the leaves (and roots that are leaves).
    for key, (g, g_owned) in pending.items():
        leaf = key
        if leaf._hooks:
            g, g_owned = _run_hooks(leaf, g, g_owned, raw)
        if targets is not None:
            if key in target_keys:
                found[id(target_keys[key])] = g
            continue
        if leaf._requires_grad:
            _store_grad(leaf, g, g_owned, create_graph)
    if raw:
        for k in found:
            found[k] = _wrap(found[k])
    return found


def _note_output(outputs_of: dict[Function, Array], key: Any, x: Array) -> None:
    """Remember ``x``, a consumer's input, as the output of node ``key``.

    Only for a node that keeps no reference of its own: an in-place op links the
    node whose output it overwrote to the old value's stand-in (``_become``).
    """
    if isinstance(key, Function) and not hasattr(key, "_out_ref"):
        outputs_of[key] = x


def _add(a: Any, b: Any) -> Any:
    """``a + b`` for two gradients of one array: ndarrays in first order (no node
    is needed for a sum), Arrays with ``create_graph`` (recorded)."""
    total = a + b
    # (two 0-d ndarrays add up to a NumPy scalar)
    return np.asarray(total) if isinstance(total, np.generic) else total


def _convert(g: Any, raw: bool) -> Any:
    """A gradient a backward returned, as the pass carries it: an ndarray if ``raw``
    (first order), else an Array. Takes Arrays and their subclasses, ndarrays and
    their subclasses, NumPy and Python scalars."""
    if raw:
        d = g.data if isinstance(g, Array) else g
        return d if type(d) is np.ndarray else np.asarray(d)
    return g if isinstance(g, Array) else asarray(g)


def _run_hooks(arr: Array, g: Any, g_owned: bool, raw: bool) -> tuple[Any, bool]:
    """Call ``arr``'s hooks in order, each on the previous one's result.

    Hooks see Arrays; a first-order pass wraps its raw gradient for them.
    """
    ga = _wrap(g) if raw else g
    for hook in list(arr._hooks.values()):
        new = hook(ga)
        if new is not None:
            ga = new if isinstance(new, Array) else asarray(new)
            g_owned = False
    return (_convert(ga, True) if raw else ga), g_owned


def _store_grad(arr: Array, g: Any, g_owned: bool, create_graph: bool) -> None:
    """Accumulate ``g`` into ``arr.grad`` without aliasing memory we do not own.

    ``g`` is an Array with ``create_graph``, else an ndarray (the first-order pass).
    """
    if create_graph:
        if arr._grad is None:
            # Keep the graph but never share memory with the caller's gradient
            # or another array's .grad (Add hands the same gradient to both).
            arr._grad = g if g_owned else _copy(g)
        else:
            arr._grad = arr._grad + g
    elif arr._grad is None:
        if g_owned and g.flags.writeable:
            arr._grad = _wrap(g)
        else:
            # (order "K": the gradient keeps the parameter's layout. The method is
            # faster than np.array(..., copy=True) on a small array.)
            arr._grad = _wrap(g.copy(order="K"))
    else:
        arr._grad = arr._grad + _wrap(g)


def _copy(g: Array) -> Array:
    from numpygrad.ops.arithmetic import positive_copy

    return positive_copy(g)


def _cast(g: Array, dtype: np.dtype) -> Array:
    from numpygrad.ops.arithmetic import Cast

    return Cast.apply(g, dtype=dtype)


def _seed_grads(
    outputs: Sequence[Array], grad_outputs: Sequence[Any] | None, create_graph: bool
) -> list[Array]:
    seeds = []
    for k, out in enumerate(outputs):
        g = None if grad_outputs is None else grad_outputs[k]
        if g is None:
            if out.data.size != 1:
                raise _implicit_error(k, out)
            # The implicit 1 is shared and read-only; _store_grad copies a gradient it
            # does not own, so it never becomes anybody's .grad.
            seeds.append(_wrap(_shared_ones(out.data.shape, out.data.dtype)))
            continue
        if not isinstance(g, Array):
            g = asarray(g)
        if g.data.shape != out.data.shape:
            raise RuntimeError(
                f"Mismatch in shape: gradient {k} has a shape of {g.shape} and output {k} "
                f"has a shape of {out.shape}"
            )
        if g.data.dtype != out.data.dtype:
            g = _wrap(g.data.astype(out.data.dtype))
        elif not create_graph and g._fn is not None:
            g = g.detach()
        seeds.append(g)
    return seeds


def _no_grad_error(k: int) -> RuntimeError:
    return RuntimeError(
        f"element {k} of tensors does not require grad and does not have a grad_fn")


def _implicit_error(k: int, out: Array) -> RuntimeError:
    return RuntimeError(
        "grad can be implicitly created only for scalar outputs; "
        f"output {k} has shape {out.shape}, pass a gradient of that shape"
    )


def _backward_loss(root: Array) -> None:
    """``root.backward()`` with every argument left at its default (a training step's call).

    What :func:`backward` does for that case, without its argument handling:
    inside a training step, between matrix products that push the interpreter's
    data out of the caches, every line of it costs several times its usual time.
    """
    if not root._requires_grad:
        raise _no_grad_error(0)
    data = root.data
    if data.size != 1:
        raise _implicit_error(0, root)
    # The implicit 1 is shared and read-only (see _seed_grads).
    seed = _wrap(_shared_ones(data.shape, data.dtype))
    token = _grad_enabled.set(False)
    try:
        _run((root,), (seed,), False, False, False, None)
    finally:
        _grad_enabled.reset(token)


def _as_list(x: Any) -> list[Any]:
    if isinstance(x, Array):
        return [x]
    return list(x)


def _start(
    outputs: Any, grad_outputs: Any, retain_graph: bool | None, create_graph: bool,
    retain_all: bool, targets: Sequence[Array] | None,
) -> tuple[dict[int, Array], list[Array]]:
    """Check and seed the outputs, run the pass with grad mode = ``create_graph``.

    Returns the gradients that reached ``targets`` (by id) and the seeds used.
    """
    outs = _as_list(outputs)
    if grad_outputs is not None and (isinstance(grad_outputs, (Array, np.ndarray))
                                     or not isinstance(grad_outputs, (list, tuple))):
        grad_outputs = [grad_outputs]
    for k, out in enumerate(outs):
        if not out._requires_grad:
            raise _no_grad_error(k)
    seeds = _seed_grads(outs, grad_outputs, create_graph)
    token = _grad_enabled.set(create_graph)
    try:
        found = _run(outs, seeds, create_graph if retain_graph is None else retain_graph,
                     create_graph, retain_all, targets)
    finally:
        _grad_enabled.reset(token)
    return found, seeds


def backward(
    tensors: Array | Sequence[Array],
    grad_tensors: Any = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    retain_grad: bool = False,
) -> None:
    """Accumulate into ``.grad`` the gradients of ``tensors`` w.r.t. graph leaves.

    This is the function behind :meth:`Array.backward`.

    Parameters
    ----------
    tensors : Array or sequence of Array
        The outputs to differentiate.
    grad_tensors : array_like or sequence, optional
        The gradient of each output; may be omitted for single-element outputs.
    retain_graph : bool, optional
        Keep the graph's saved values so backward can run through it again.
        Defaults to ``create_graph``.
    create_graph : bool
        Record the backward pass so the gradients can be differentiated again.
    retain_grad : bool
        Also keep the gradient of every intermediate array (PyGrad's switch).

    Examples
    --------
    >>> import numpygrad as npg
    >>> x = npg.array([1.0, 2.0], requires_grad=True)
    >>> y = (x * x).sum()
    >>> npg.autograd.backward(y)
    >>> x.grad
    Array([2., 4.])
    """
    _start(tensors, grad_tensors, retain_graph, create_graph, retain_grad, None)


def grad(
    outputs: Array | Sequence[Array],
    inputs: Array | Sequence[Array],
    grad_outputs: Any = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    allow_unused: bool = False,
) -> tuple[Array | None, ...]:
    """Return the gradients of ``outputs`` with respect to ``inputs``.

    Unlike :meth:`Array.backward` nothing is accumulated into ``.grad``.

    Parameters
    ----------
    outputs : Array or sequence of Array
        The arrays to differentiate.
    inputs : Array or sequence of Array
        The arrays to differentiate with respect to (leaves or intermediates).
    grad_outputs : array_like or sequence, optional
        The gradient of each output; may be omitted for single-element outputs.
    retain_graph : bool, optional
        Keep the graph for another pass; defaults to ``create_graph``.
    create_graph : bool
        Record the computation so the result can be differentiated again.
    allow_unused : bool
        Return ``None`` for inputs the outputs do not depend on instead of raising.

    Returns
    -------
    tuple of Array or None
        One gradient per input.

    Examples
    --------
    >>> import numpygrad as npg
    >>> x = npg.array(3.0, requires_grad=True)
    >>> y = x ** 3
    >>> (dy,) = npg.grad(y, x, create_graph=True)
    >>> dy
    Array(27., grad_fn=<Mul>)
    >>> (d2y,) = npg.grad(dy, x)
    >>> d2y
    Array(18.)
    """
    ins = _as_list(inputs)
    for k, x in enumerate(ins):
        if not isinstance(x, Array):
            raise TypeError(f"inputs[{k}] must be an Array, got {type(x).__name__}")
        if not x._requires_grad:
            raise RuntimeError(f"input {k} of grad() does not require grad")
    found, seeds = _start(outputs, grad_outputs, retain_graph, create_graph, False, ins)
    result: list[Array | None] = []
    for k, x in enumerate(ins):
        g = found.get(id(x))
        if g is None and not allow_unused:
            raise RuntimeError(
                f"The differentiated array at index {k} appears to not have been used in the "
                "graph. Set allow_unused=True if this is the desired behavior."
            )
        # Results must not share memory with the caller's grad_outputs or with
        # each other (Add hands one gradient to both inputs; an unchanged seed
        # came back as the caller's own ndarray).
        if g is not None:
            shared = any(np.may_share_memory(g.data, o.data)
                         for o in [*seeds, *result] if o is not None)
            if create_graph:
                g = _copy(g) if shared else g
            elif shared or g._fn is not None or g.data.base is not None:
                g = _wrap(np.array(g.data, copy=True))
        result.append(g)
    return tuple(result)
