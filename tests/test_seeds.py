"""Acceptance tests: every example of the three seed documents, with the values they state.

Seed 000 is PyGrad's "Autograd" page, seed 001 numpygrad's "How Autograd Works",
seed 004 Loupe's "Algorithmic differentiation" (see shared/design/ANCHORS.md §2).
"""

from __future__ import annotations

import gc
import weakref

import numpy as np
import pytest

import numpygrad as npg
from numpygrad import Variable
from numpygrad import functions as F


def values(a: npg.Array) -> np.ndarray:
    assert isinstance(a, npg.Array), type(a)
    return a.data


# -- Seed 000: PyGrad ----------------------------------------------------------------------
class TestPyGradVariable:
    def test_scalar_addition(self):
        a = Variable(5)
        b = Variable(3)
        c = a + b
        assert c.item() == 8
        assert isinstance(c, npg.Array)
        # A Variable's repr names the class and the value (PyGrad prints Variable(5)).
        assert repr(a).startswith("Variable(5")

    def test_matrix_addition(self):
        m1 = Variable([[1, 2], [3, 4]])
        m2 = Variable([[1, 1], [1, 1]])
        np.testing.assert_array_equal(values(m1 + m2), [[2, 3], [4, 5]])
        # Multi-line repr of a matrix, as the seed shows.
        assert "\n" in repr(m1 + m2)

    def test_broadcast_reshape_transpose_matmul(self):
        a = Variable(5)
        m1 = Variable([[1, 2], [3, 4]])
        m3 = a + m1
        # The seed prints [[4 5] [6 7]]: a typo, since 5 + [[1,2],[3,4]] is [[6,7],[8,9]].
        np.testing.assert_array_equal(values(m3), [[6, 7], [8, 9]])
        r = m3.reshape(1, 4)
        assert r.shape == (1, 4)
        np.testing.assert_array_equal(values(r), [[6, 7, 8, 9]])
        np.testing.assert_array_equal(values(m1.T), [[1, 3], [2, 4]])
        np.testing.assert_array_equal(values(m1 @ m1), [[7, 10], [15, 22]])

    def test_square_function_object_is_the_creator(self):
        x = Variable(2)
        square = F.Square()
        y = square(x)
        assert y.creator is square
        assert y.grad_fn is square
        assert len(square.inputs) == 1 and square.inputs[0] is x
        np.testing.assert_array_equal(values(square.inputs[0]), 2)
        # outputs holds weak references: alive while y is, "empty" once y is gone.
        assert isinstance(square.outputs, list) and len(square.outputs) == 1
        assert isinstance(square.outputs[0], weakref.ref)
        assert square.outputs[0]() is y
        assert values(y) == 4
        del y
        assert square.outputs[0]() is None

    def test_non_unary_function_has_two_inputs(self):
        a, b = Variable(2.0), Variable(3.0)
        add = F.Add()
        c = add(a, b)
        assert len(add.inputs) == 2
        assert add.inputs[0] is a and add.inputs[1] is b
        assert c.creator is add and c.item() == 5

    def test_data_and_grad_attributes(self):
        x = Variable(1)
        assert isinstance(x.data, np.ndarray)
        assert x.data.shape == () and x.data == 1
        assert x.grad is None

    def test_backward_populates_grad_as_an_array(self):
        x = Variable(3)
        y = x * x
        y.backward()
        # PyGrad's grad is itself a Variable-like object, not a bare ndarray.
        assert isinstance(x.grad, npg.Array)
        assert x.grad.item() == 6
        assert x.grad.shape == ()

    def test_backward_walks_the_whole_chain(self):
        calls = []

        class Spy(npg.Function):
            def __init__(self, tag):
                super().__init__()
                self.tag = tag

            def forward(self, x):
                return x * 2.0

            def backward(self, grad):
                calls.append(self.tag)
                return grad * 2.0

        x = Variable(1.0)
        y = x
        for k in range(5):
            y = Spy.apply(y, tag=k)
        y.backward()
        assert calls == [4, 3, 2, 1, 0]
        assert x.grad.item() == 32

    def test_weak_references_let_the_graph_die_without_gc(self):
        gc.disable()
        try:
            x = Variable(3.0)
            square = F.Square()
            y = square(x)
            z = y + y
            node_ref = weakref.ref(square)
            y_ref, z_ref = weakref.ref(y), weakref.ref(z)
            del square, y, z
            # Reference counting alone frees outputs and nodes: no cycles.
            assert y_ref() is None and z_ref() is None and node_ref() is None
        finally:
            gc.enable()

    def test_intermediate_grads_are_not_retained(self):
        x = Variable(3)
        y = x * x
        z = y + y
        z.backward()
        assert y.grad is None
        assert z.grad is None
        assert x.grad.item() == 12

    def test_retain_grad_keeps_intermediate_grads(self):
        # The seed calls z.backward(retain_grad=True) after a plain z.backward(); on
        # the same graph that is a backward through a released graph. Use a fresh one.
        x = Variable(3)
        y = x * x
        z = y + y
        z.backward(retain_grad=True)
        assert z.grad.item() == 1
        assert y.grad.item() == 2
        assert x.grad.item() == 12

    def test_retain_grad_on_a_released_graph_raises(self):
        x = Variable(3)
        y = x * x
        z = y + y
        z.backward()
        with pytest.raises(RuntimeError, match="retain_graph=True"):
            z.backward(retain_grad=True)
        # The failed call did not double-count.
        assert x.grad.item() == 12


# -- Seed 001: numpygrad "How Autograd Works" ---------------------------------------------
class TestNumpygradAutograd:
    def make(self):
        a = npg.array([2.0], requires_grad=True)
        b = npg.array([3.0], requires_grad=True)
        c = a * b
        d = c + a
        return a, b, c, d

    def test_graph_structure(self):
        a, b, c, d = self.make()
        assert type(c.grad_fn).__name__ == "Mul"
        assert type(d.grad_fn).__name__ == "Add"
        assert d.parents[0] is c and d.parents[1] is a
        assert c.parents[0] is a and c.parents[1] is b
        for leaf in (a, b):
            assert leaf.grad_fn is None and leaf.is_leaf and leaf.parents == ()
        assert not c.is_leaf and not d.is_leaf

    def test_random_arrays_are_leaves(self):
        r = npg.random.randn(3, requires_grad=True)
        assert r.grad_fn is None and r.is_leaf and r.requires_grad

    def test_worked_example(self):
        a, b, c, d = self.make()
        d.backward()
        np.testing.assert_array_equal(values(a.grad), [4.0])
        np.testing.assert_array_equal(values(b.grad), [2.0])
        assert c.grad is None  # intermediate

    def test_reverse_topological_order(self):
        # A diamond: every node's backward must run after all of its consumers'.
        order = []

        class Tag(npg.Function):
            def __init__(self, name):
                super().__init__()
                self.name = name

            def forward(self, *xs):
                return sum(xs[1:], xs[0])

            def backward(self, grad):
                order.append(self.name)
                return (grad,) * len(self.inputs)

        x = npg.array([1.0], requires_grad=True)
        a = Tag.apply(x, name="a")
        b = Tag.apply(a, name="b")
        c = Tag.apply(a, name="c")
        d = Tag.apply(b, c, a, name="d")
        d.backward()
        assert order[0] == "d" and order[-1] == "a"
        assert set(order) == {"a", "b", "c", "d"} and len(order) == 4
        np.testing.assert_array_equal(values(x.grad), [3.0])

    def test_default_seed_and_explicit_gradient(self):
        a, b, c, d = self.make()
        d.backward()  # a single-element output takes the implicit gradient 1
        out = npg.array([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
        result = out * 2
        result.backward(npg.ones_like(result).data)
        np.testing.assert_array_equal(values(out.grad), [[2.0, 2.0], [2.0, 2.0]])
        with pytest.raises(RuntimeError, match="implicitly created only for scalar"):
            (out * 2).backward()

    def test_gradients_accumulate_and_reset_with_none(self):
        a, b, c, d = self.make()
        d.backward()
        a2 = a * b + a  # a fresh graph over the same leaves
        a2.backward()
        np.testing.assert_array_equal(values(a.grad), [8.0])
        np.testing.assert_array_equal(values(b.grad), [4.0])
        a.grad = None
        (a * b + a).backward()
        np.testing.assert_array_equal(values(a.grad), [4.0])

    @pytest.mark.parametrize("method", ["astype", "nonzero", "all", "any", "fill", "sort",
                                        "round"])
    def test_non_differentiable_methods(self, method):
        x = npg.array([3.0, -1.0, 2.0], requires_grad=True)
        before = x.data.copy()
        args = {"astype": ("float64",), "fill": (7.0,)}.get(method, ())
        r = getattr(x, method)(*args)
        outs = r if isinstance(r, tuple) else (r,)
        for o in outs:
            assert isinstance(o, npg.Array)
            assert o.grad_fn is None and not o.requires_grad
        # They return new arrays: fill and sort do not act in place.
        np.testing.assert_array_equal(x.data, before)

    @pytest.mark.parametrize("op", ["__gt__", "__lt__", "__ge__", "__le__", "__eq__", "__ne__"])
    def test_comparisons_do_not_track(self, op):
        x = npg.array([1.0, 2.0, 3.0], requires_grad=True)
        y = npg.array([2.0, 2.0, 2.0], requires_grad=True)
        r = getattr(x, op)(y)
        expected = getattr(x.data, op)(y.data)
        assert r.dtype == np.bool_
        assert r.grad_fn is None and not r.requires_grad
        np.testing.assert_array_equal(r.data, expected)

    def test_broadcast_gradients_take_the_input_shape(self):
        a = npg.array([[1.0], [2.0], [3.0]], requires_grad=True)  # (3, 1)
        b = npg.array([[1.0, 10.0, 100.0, 1000.0]], requires_grad=True)  # (1, 4)
        (a * b).backward(np.ones((3, 4)))
        assert a.grad.shape == (3, 1) and b.grad.shape == (1, 4)
        np.testing.assert_array_equal(values(a.grad), [[1111.0]] * 3)
        np.testing.assert_array_equal(values(b.grad), [[6.0] * 4])


# -- Seed 004: Loupe --------------------------------------------------------------------------
class TestLoupe:
    def make(self):
        x = npg.array([1, 2, 3], requires_grad=True)
        y = npg.array([4, 5, 6], requires_grad=True)
        f = x * y
        z = npg.array(9, requires_grad=True)
        g = f + z
        return x, y, z, f, g

    def test_forward_values(self):
        x, y, z, f, g = self.make()
        np.testing.assert_array_equal(values(g), [13.0, 19.0, 27.0])
        assert g.dtype.kind == "f"  # int data with requires_grad becomes float

    def test_backward_with_an_integer_array_gradient(self):
        x, y, z, f, g = self.make()
        g.backward(npg.array([1, 1, 1]))
        np.testing.assert_array_equal(values(x.grad), [4.0, 5.0, 6.0])
        np.testing.assert_array_equal(values(y.grad), [1.0, 2.0, 3.0])
        assert z.grad.shape == ()
        assert type(z.grad.data) is np.ndarray  # 0-d array, not a NumPy scalar
        assert z.grad.item() == 3.0
        for a in (x, y, z):
            assert a.grad.dtype == a.dtype

    def test_results_accumulate(self):
        x, y, z, f, g = self.make()
        g.backward(npg.array([1, 1, 1]))
        (x * y + z).backward(np.array([1.0, 1.0, 1.0]))
        np.testing.assert_array_equal(values(x.grad), [8.0, 10.0, 12.0])
        assert z.grad.item() == 6.0

    def test_requires_grad_selects_what_accumulates(self):
        x = npg.array([1.0, 2.0], requires_grad=True)
        c = npg.array([3.0, 4.0])  # no gradient wanted
        (x * c).sum().backward()
        np.testing.assert_array_equal(values(x.grad), [3.0, 4.0])
        assert c.grad is None

    def test_requires_grad_propagation(self):
        a = npg.array([1.0], requires_grad=True)
        b = npg.array([2.0])
        assert (a * b).requires_grad and (b * a).requires_grad
        assert (a * b).grad_fn is not None
        none = b * b + 1.0
        assert not none.requires_grad and none.grad_fn is None
        with pytest.raises(RuntimeError, match="does not require grad"):
            none.sum().backward()
