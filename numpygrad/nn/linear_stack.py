"""A run of linear layers, each optionally followed by a ReLU, as one node of the graph.

:class:`~numpygrad.nn.Sequential` hands such a run (two layers or more, none with
hooks, on a batch of vectors) to :class:`LinearStack`, so an MLP records one node
where it would record one per layer. What that saves is Python work: each node
costs a recording in the forward pass, a visit in the engine and a dispatch in
the backward pass, and inside a training step, between matrix products that
push the interpreter's data out of the caches, that work costs several times
what it costs in a tight loop (see the benchmarks page).

The arithmetic is the layers' own, in the same order, with one exception: on a
float32 batch no larger than a hidden layer's width, that layer's product runs
the other way round, as ``(W @ x.T).T``, which OpenBLAS's float32 kernel computes
much faster (for MNIST's 784->256 layer at batch 32, 123 against 191 us on one
core). Its sums are then rounded in another order, so the results agree with the
per-layer ones to float32 rounding; everywhere else they are equal bit for bit.
The hidden activations come out Fortran-ordered from that product; they never
leave the node, and the output is computed the usual way round, C-ordered.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

import numpy as np

from numpygrad._array import Array
from numpygrad.autograd.function import Function
from numpygrad.autograd.grad_mode import _grad_enabled
from numpygrad.nn.linear import (
    _FLOAT32,
    Affine,
    AffineRelu,
    _affine,
    _column_sums,
    _product,
    _transposed_product,
)
from numpygrad.ops.arithmetic import Cast

__all__ = ["LinearStack"]


class LinearStack(Function):
    """``Linear`` layers, each optionally followed by a ``ReLU``, as one node.

    The inputs are ``x`` (a 2-D batch of vectors), then each layer's weight and,
    if it has one, its bias. With ``create_graph=True`` the backward pass runs
    the layers again as recorded ops (``Affine`` / ``AffineRelu`` nodes) and
    differentiates those, so higher-order gradients are those of the layers.

    Parameters
    ----------
    layout : sequence of (bool, bool)
        For each layer: whether it has a bias, whether a ReLU follows it.

    Examples
    --------
    >>> import numpygrad as npg
    >>> from numpygrad.nn.linear_stack import LinearStack
    >>> x = npg.array([[1.0, -2.0]])
    >>> w1 = npg.array([[1.0, 0.0], [0.0, 1.0]], requires_grad=True)
    >>> w2 = npg.array([[1.0, 1.0]], requires_grad=True)
    >>> y = LinearStack.apply(x, w1, w2, layout=[(False, True), (False, False)])
    >>> y
    Array([[1.]], grad_fn=<LinearStack>)
    >>> y.sum().backward()
    >>> w1.grad
    Array([[ 1., -2.],
           [ 0.,  0.]])
    >>> w2.grad
    Array([[1., 0.]])
    """

    def __init__(self, layout: Sequence[tuple[bool, bool]]) -> None:
        # One node per training step: the layout's bookkeeping is computed once per
        # layout (Sequential passes the same tuple every step).
        try:
            self.plan = _plan(layout)
        except TypeError:  # a list, or lists inside it: not hashable
            self.plan = _plan(tuple(tuple(item) for item in layout))
        if self.plan[0][-1][1]:
            # A ReLU after the last layer makes backward read the output: guard it
            # with the version counter, as AffineRelu does.
            self.save_output = True

    def forward(self, x: np.ndarray, *params: np.ndarray) -> np.ndarray:
        """Run the layers on the raw ndarrays; keep the hidden activations for backward.

        Examples
        --------
        >>> import numpy as np
        >>> from numpygrad.nn.linear_stack import LinearStack
        >>> node = LinearStack([(True, True), (False, False)])
        >>> node.forward(np.ones((1, 2)), np.eye(2), np.array([-3.0, 1.0]), np.ones((1, 2)))
        array([[2.]])
        """
        layout, starts, n_inputs = self.plan
        if len(params) + 1 != n_inputs:
            raise TypeError(f"LinearStack with layout {layout} takes {n_inputs} "
                            f"inputs (x, then weights and biases), got {len(params) + 1}")
        if x.ndim != 2:
            raise ValueError(f"LinearStack: x must be a 2-D batch of vectors, got shape {x.shape}")
        hidden = []
        h = x
        last = len(layout) - 1
        for k, ((has_bias, relu), j) in enumerate(zip(layout, starts)):
            # Hidden activations stay inside this node, so their layout is free
            # (the faster product may leave them Fortran-ordered); the output is
            # the user's and keeps C order.
            h = _affine(h, params[j - 1], params[j] if has_bias else None, internal=k < last)
            if relu:
                np.maximum(h, 0, out=h)  # in place: _affine's result is a fresh array
            hidden.append(h)
        # The last activation is the output (an Array the caller holds); only the
        # hidden ones are kept here, and nobody else can reach them.
        self.hidden = hidden[:-1]
        return h

    def backward(self, grad: Array) -> tuple[Array | None, ...]:
        """The gradients of x, weights and biases, layer by layer from the last.

        A first-order pass runs :meth:`backward_data` on raw ndarrays; this method
        records the layers again as nodes (``create_graph=True``), so the
        gradients can be differentiated in turn.

        Examples
        --------
        >>> import numpygrad as npg
        >>> from numpygrad.nn.linear_stack import LinearStack
        >>> x = npg.array([[2.0]], requires_grad=True)
        >>> w1 = npg.array([[3.0]], requires_grad=True)
        >>> w2 = npg.array([[4.0]], requires_grad=True)
        >>> LinearStack.apply(x, w1, w2, layout=[(False, False), (False, False)]).backward()
        >>> x.grad, w1.grad, w2.grad
        (Array([[12.]]), Array([[8.]]), Array([[6.]]))
        """
        if not _grad_enabled.get():  # a direct call, outside the engine: first order
            return self._backward_unrecorded(grad)
        return self._recorded_backward(grad)

    def backward_data(self, grad: np.ndarray) -> tuple[np.ndarray | None, ...]:
        inputs, need = self.inputs, self.needs_input_grad
        layout, starts, _ = self.plan
        result: list[np.ndarray | None] = [None] * len(inputs)
        # Below this input index nothing needs a gradient: stop propagating there.
        lowest = need.index(True)
        last = len(layout) - 1
        g = grad
        for k in range(last, -1, -1):
            has_bias, relu = layout[k]
            if relu:
                # ``!= 0``: ReLU's rule, as in AffineRelu (a NaN passes its gradient on).
                if k < last:
                    # g is the input gradient this loop computed for the layer above:
                    # nobody else holds it, so it is masked in place.
                    g = np.multiply(g, self.hidden[k] != 0, out=g)
                else:
                    g = np.multiply(g, self.output.data != 0)
            a_prev = inputs[0].data if k == 0 else self.hidden[k - 1]
            j = starts[k]
            if need[j]:
                result[j] = _product(g.T, a_prev)
            if has_bias and need[j + 1]:
                result[j + 1] = _column_sums(g)
            if lowest >= j:
                break
            w = inputs[j].data
            if k and a_prev.flags.f_contiguous and g.dtype is _FLOAT32 and w.dtype is _FLOAT32:
                # Give the gradient the hidden activation's Fortran order, so the ReLU
                # mask below multiplies two arrays of one layout: a mixed-layout multiply
                # costs a third more, which outweighs what this product may cost extra
                # (at batch 128: 118 against 125 us for product and mask; at batch 32
                # the product itself is faster).
                gx = _transposed_product(w.T, g.T, g.shape[0], w.shape[1])
            else:
                gx = _product(g, w)
            if k == 0:
                result[0] = gx
                break
            # The engine casts a gradient to its array's dtype between two nodes;
            # do the same between two layers (they differ only with mixed dtypes).
            g = gx if gx.dtype == a_prev.dtype else gx.astype(a_prev.dtype)
        return tuple(result)

    def _recorded_backward(self, grad: Array) -> tuple[Array | None, ...]:
        """``create_graph``: the layers again as recorded nodes, then their backward formulas.

        The gradients of the upper layers depend on the lower layers' parameters
        through the hidden activations, so those must be recorded arrays for the
        gradients to be differentiable in turn.
        """
        inputs = self.inputs
        layout, starts, _ = self.plan
        outs = []
        h = inputs[0]
        for (has_bias, relu), j in zip(layout, starts):
            op = AffineRelu if relu else Affine
            h = op.apply(h, inputs[j], inputs[j + 1]) if has_bias else op.apply(h, inputs[j])
            outs.append(h)  # keeps each output alive: AffineRelu's backward reads it
        result: list[Any] = [None] * len(inputs)
        g = grad
        for k in range(len(outs) - 1, -1, -1):
            node = outs[k].grad_fn
            if node is None:
                break  # no input of this layer or below requires grad
            grads = node.backward(g)
            j = starts[k]
            result[j] = grads[1]
            if layout[k][0]:
                result[j + 1] = grads[2]
            gx = grads[0]
            if k == 0:
                result[0] = gx
            elif gx is None:
                break
            else:
                below = outs[k - 1]
                g = gx if gx.dtype == below.dtype else Cast.apply(gx, dtype=below.dtype)
        return tuple(result)


@functools.lru_cache(maxsize=128)
def _plan(layout: tuple[tuple[bool, bool], ...]) -> tuple[tuple[tuple[bool, bool], ...],
                                                         tuple[int, ...], int]:
    """``(layout, starts, n_inputs)``: the layout as bools, where each layer's weight
    sits among the inputs (``x`` is input 0), and how many inputs there are."""
    if not layout:
        raise ValueError("LinearStack needs at least one layer")
    for item in layout:
        if len(item) != 2:
            raise ValueError(f"LinearStack: each layer is described by a pair (has_bias, "
                             f"relu), got {item!r} in layout {layout!r}")
    layout = tuple((bool(has_bias), bool(relu)) for has_bias, relu in layout)
    starts, j = [], 1
    for has_bias, _ in layout:
        starts.append(j)
        j += 2 if has_bias else 1
    return layout, tuple(starts), j
