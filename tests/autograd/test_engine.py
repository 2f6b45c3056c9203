"""The backward engine: seeding, accumulation, graph release, hooks, aliasing, broadcasting,
deep graphs and memory (RELIABILITY §1.3, §1.4, §1.6 and §3 items 14-17, 21-25, 28)."""

from __future__ import annotations

import gc
import weakref

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import numpygrad as npg
from numpygrad._array import _wrap
from tests.helpers import arrays, broadcastable_pair


def leaf(values, dtype=np.float64):
    return npg.array(np.asarray(values, dtype=dtype), requires_grad=True)


# -- seeding the root ------------------------------------------------------------------------
class TestSeed:
    def test_implicit_gradient_only_for_single_element_outputs(self):
        x = leaf([1.0, 2.0])
        with pytest.raises(RuntimeError, match=r"implicitly created only for scalar.*\(2,\)"):
            (x * 2).backward()
        assert x.grad is None
        for shape in [(), (1,), (1, 1)]:
            y = leaf(np.full(shape, 3.0))
            (y * y).backward()
            np.testing.assert_array_equal(y.grad.data, np.full(shape, 6.0))

    def test_implicit_seed_never_becomes_a_stored_gradient(self):
        # The implicit 1 is one shared read-only array: whatever keeps the root's
        # gradient (a leaf root, retain_grad, grad()) gets its own writeable copy.
        x = leaf(2.0)
        x.backward()
        x.backward()
        assert x.grad.item() == 2.0 and x.grad.data.flags.writeable
        y = x * 3.0
        y.retain_grad()
        y.backward()
        assert y.grad.item() == 1.0 and y.grad.data.flags.writeable
        (gx,) = npg.grad(x, x)
        assert gx.item() == 1.0 and gx.data.flags.writeable
        gx.data[...] = 5.0
        x.grad = None
        (x * 1.0).backward()
        assert x.grad.item() == 1.0  # the seed is still 1

    @pytest.mark.parametrize("call", ["method", "method_retain_false", "function"])
    def test_default_backward_matches_the_general_entry(self, call):
        # ``y.backward()`` with no arguments takes a shorter entry into the engine;
        # hooks on the loss, retained gradients and leaf accumulation behave alike.
        x = leaf([1.0, -2.0, 3.0])
        x.grad = npg.array([10.0, 10.0, 10.0], dtype=np.float64)
        h = npg.tanh(x * 2.0)
        h.retain_grad()
        loss = (h * h).sum()
        loss.register_hook(lambda g: g * 3.0)
        {"method": lambda: loss.backward(),
         "method_retain_false": lambda: loss.backward(retain_graph=False),
         "function": lambda: npg.autograd.backward(loss)}[call]()
        t = np.tanh(np.array([2.0, -4.0, 6.0]))
        np.testing.assert_allclose(h.grad.data, 3.0 * 2 * t)
        np.testing.assert_allclose(x.grad.data, 10.0 + 3.0 * 2 * t * (1 - t * t) * 2.0)
        with pytest.raises(RuntimeError, match="backward through the graph a second time"):
            loss.backward()

    @pytest.mark.parametrize("kind", ["array", "ndarray", "list"])
    def test_explicit_gradient(self, kind):
        x = leaf([1.0, 2.0, 3.0])
        up = [0.5, -1.0, 2.0]
        g = {"array": npg.array(up, dtype=np.float64), "ndarray": np.array(up),
             "list": up}[kind]
        (x * 3).backward(g)
        np.testing.assert_array_equal(x.grad.data, np.array(up) * 3)

    def test_wrong_shape_gradient_raises_with_both_shapes(self):
        x = leaf([1.0, 2.0, 3.0])
        with pytest.raises(RuntimeError, match=r"Mismatch in shape.*\(2,\).*\(3,\)"):
            (x * 2).backward(np.ones(2))
        with pytest.raises(RuntimeError, match="Mismatch in shape"):
            (x * 2).backward(np.ones((1, 3)))

    def test_integer_gradient_is_cast(self):
        x = leaf([1.0, 2.0], dtype=np.float32)
        (x * 2).backward(np.array([1, 3]))
        assert x.grad.dtype == np.float32
        np.testing.assert_array_equal(x.grad.data, [2.0, 6.0])

    def test_backward_of_an_array_without_grad_raises(self):
        with pytest.raises(RuntimeError, match="does not require grad"):
            npg.array([1.0]).backward()
        x = leaf([1.0])
        with npg.no_grad():
            y = x * 2
        assert not y.requires_grad and y.grad_fn is None
        with pytest.raises(RuntimeError, match="does not require grad"):
            y.backward()

    def test_backward_of_a_leaf(self):
        x = leaf([1.0, 2.0])
        up = np.array([3.0, 4.0])
        x.backward(up)
        np.testing.assert_array_equal(x.grad.data, up)
        assert not np.shares_memory(x.grad.data, up)


# -- accumulation, release, retain ---------------------------------------------------------
class TestAccumulation:
    def test_two_backward_calls_on_fresh_graphs_accumulate(self):
        x = leaf(1.0)
        (x * 3).backward()
        (x * 4).backward()
        assert x.grad.item() == 7.0

    def test_setting_grad_to_none_resets(self):
        x = leaf(1.0)
        (x * 3).backward()
        x.grad = None
        (x * 4).backward()
        assert x.grad.item() == 4.0

    def test_grad_setter(self):
        x = leaf([1.0, 2.0], dtype=np.float32)
        x.grad = np.array([1.0, 1.0], dtype=np.float32)
        assert isinstance(x.grad, npg.Array)
        x.grad = npg.array([2.0, 2.0])
        (x * 1).sum().backward()
        np.testing.assert_array_equal(x.grad.data, [3.0, 3.0])
        with pytest.raises(ValueError, match=r"\(3,\).*\(2,\)"):
            x.grad = np.ones(3, dtype=np.float32)
        with pytest.raises(TypeError, match="float64.*float32"):
            x.grad = np.ones(2, dtype=np.float64)
        with pytest.raises(TypeError, match="float64.*float32"):
            x.grad = npg.ones(2, dtype=np.float64)

    def test_grad_setter_copies_an_ndarray(self):
        x = leaf([1.0, 2.0])
        g = np.ones(2)
        x.grad = g
        assert not np.shares_memory(x.grad.data, g)

    def test_non_leaf_grad_is_none_unless_retained(self):
        x = leaf(2.0)
        y = x * x
        z = y * 3
        w = y * 3
        z.backward()
        assert y.grad is None and z.grad is None
        y2 = x * x
        y2.retain_grad()
        assert y2.retains_grad
        (y2 * 3).backward()
        assert y2.grad.item() == 3.0
        del w

    def test_backward_retain_grad_switch(self):
        x = leaf(3.0)
        y = x * x
        z = y + y
        z.backward(retain_grad=True)
        assert (z.grad.item(), y.grad.item(), x.grad.item()) == (1.0, 2.0, 12.0)

    @pytest.mark.parametrize("make", [lambda a: 3 * a * a, lambda a: (a + 1).sum(),
                                      lambda a: a.sum(), lambda a: (a * 2).exp().sum()])
    def test_second_backward_raises_and_does_not_double_count(self, make):
        a = leaf([2.0])
        c = make(a)
        c.backward()
        first = a.grad.data.copy()
        with pytest.raises(RuntimeError, match="second time.*retain_graph=True"):
            c.backward()
        np.testing.assert_array_equal(a.grad.data, first)

    def test_retain_graph_doubles_exactly(self):
        a = leaf(2.0)
        c = 3 * a * a
        c.backward(retain_graph=True)
        assert a.grad.item() == 12.0
        c.backward()
        assert a.grad.item() == 24.0  # micrograd and npg HEAD gave 36 and 48
        with pytest.raises(RuntimeError, match="retain_graph"):
            c.backward()

    def test_intermediates_not_reset_between_retained_calls(self):
        x = leaf(3.0)
        y = x * x
        y.retain_grad()
        z = y * 2
        z.backward(retain_graph=True)
        z.backward()
        assert y.grad.item() == 4.0 and x.grad.item() == 24.0

    def test_fan_out(self):
        x = leaf(1.0)
        (x + x).backward()
        assert x.grad.item() == 2.0
        a = leaf(1.0)
        b = a + a
        c = b + b
        c.backward()
        assert a.grad.item() == 4.0  # micrograd issue #2

    def test_leaf_not_on_the_path_keeps_none(self):
        p, q = leaf(1.0), leaf(1.0)
        r = q * 5  # q is in another graph
        (p * 2).backward()
        assert q.grad is None and p.grad.item() == 2.0
        del r

    def test_leaf_without_requires_grad_gets_nothing(self):
        x, c = leaf([1.0]), npg.array([2.0], dtype=np.float64)
        (x * c).sum().backward()
        assert c.grad is None

    def test_no_grad_results(self):
        x = leaf([1.0, 2.0])
        with npg.no_grad():
            y = (x * 2).exp() + x
        assert not y.requires_grad and y.grad_fn is None and y.is_leaf

    def test_multiple_roots(self):
        x = leaf([1.0, 2.0])
        y1, y2 = (x * 2).sum(), (x * x).sum()
        npg.autograd.backward([y1, y2])
        np.testing.assert_array_equal(x.grad.data, [4.0, 6.0])

    def test_zero_d_gradients_are_0d_arrays(self):
        x = leaf(3.0)
        (x * x).backward()
        assert type(x.grad.data) is np.ndarray and x.grad.shape == ()
        s = leaf(2.0)
        (s * npg.array([1.0, 2.0], dtype=np.float64)).sum().backward()
        assert type(s.grad.data) is np.ndarray and s.grad.item() == 3.0


# -- hooks ------------------------------------------------------------------------------------
class TestHooks:
    def test_hook_modifies_grad_and_can_be_removed(self):
        x = leaf([1.0, 2.0])
        seen = []
        h = x.register_hook(lambda g: (seen.append(g.data.copy()), g * 10)[1])
        (x * 1).sum().backward()
        np.testing.assert_array_equal(x.grad.data, [10.0, 10.0])
        np.testing.assert_array_equal(seen[0], [1.0, 1.0])
        h.remove()
        x.grad = None
        (x * 1).sum().backward()
        np.testing.assert_array_equal(x.grad.data, [1.0, 1.0])

    def test_hook_returning_none_keeps_grad(self):
        x = leaf([1.0, 2.0])
        x.register_hook(lambda g: None)
        (x * 3).sum().backward()
        np.testing.assert_array_equal(x.grad.data, [3.0, 3.0])

    def test_hook_on_non_leaf_changes_upstream(self):
        x = leaf([1.0, 2.0])
        y = x * 2
        y.register_hook(lambda g: g * 10)
        y.sum().backward()
        np.testing.assert_array_equal(x.grad.data, [20.0, 20.0])

    def test_hook_needs_requires_grad(self):
        with pytest.raises(RuntimeError, match="doesn't require gradient"):
            npg.array([1.0]).register_hook(lambda g: g)


class TestWatchCount:
    """Only live arrays with a node and a hook (or retain_grad) make the engine watch outputs."""

    @staticmethod
    def count() -> int:
        from numpygrad import _array

        return _array._watched[0]

    def test_leaf_hooks_do_not_count(self):
        before = self.count()
        x = leaf([1.0, 2.0])
        h = x.register_hook(lambda g: g * 2)
        assert self.count() == before
        (x * 3).sum().backward()
        np.testing.assert_array_equal(x.grad.data, [6.0, 6.0])  # the hook still ran
        h.remove()

    def test_a_freed_array_stops_counting(self):
        import gc

        before = self.count()
        x = leaf([1.0, 2.0])
        y = x * 2
        y.retain_grad()
        z = y * 3
        z.register_hook(lambda g: g)
        z.register_hook(lambda g: g)      # a second hook: the array still counts once
        y.retain_grad()                   # and retaining twice too
        assert self.count() == before + 2
        del y, z
        gc.collect()
        assert self.count() == before

    def test_removing_the_last_hook_stops_counting(self):
        before = self.count()
        x = leaf([1.0])
        y = x * 2
        h1, h2 = y.register_hook(lambda g: g), y.register_hook(lambda g: g)
        h1.remove()
        assert self.count() == before + 1
        h2.remove()
        h2.remove()                       # removing twice changes nothing
        assert self.count() == before
        y.retain_grad()                   # retain_grad counts it again...
        h3 = y.register_hook(lambda g: g)
        h3.remove()                       # ...and removing a hook keeps it counted
        assert self.count() == before + 1

    def test_a_live_watched_array_keeps_its_hook_when_another_is_freed(self):
        calls = []
        x = leaf([1.0, 2.0])
        a = x * 2
        a.retain_grad()
        b = x * 5
        b.register_hook(lambda g: calls.append(g.data.copy()))
        del a                              # one watched array less, one still alive
        (b * 3).sum().backward()
        np.testing.assert_array_equal(calls[0], [3.0, 3.0])

    def test_copies_are_not_counted_twice(self):
        import copy

        before = self.count()
        x = leaf([1.0])
        y = x * 2
        y.retain_grad()
        dup = copy.deepcopy(y)
        assert dup._watching is None and self.count() == before + 1
        del y
        assert self.count() == before
        del dup
        assert self.count() == before

    def test_counting_from_many_threads(self):
        import threading

        before = self.count()
        x = leaf([1.0])

        def work():
            for _ in range(200):
                y = x * 2
                y.retain_grad()
                h = (y * 1).register_hook(lambda g: g)
                h.remove()

        threads = [threading.Thread(target=work) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert self.count() == before


# -- memory: aliasing, deep graphs, freeing ------------------------------------------------
class TestMemory:
    def test_grad_never_aliases_the_user_gradient(self):
        for make in (lambda x: x * 1, lambda x: x + 0, lambda x: x.reshape(2), lambda x: x):
            x = leaf([1.0, 2.0])
            up = np.array([1.0, 2.0])
            up_copy = up.copy()
            make(x).backward(up)
            assert not np.shares_memory(x.grad.data, up)
            x.grad.data += 1  # an optimizer writing into .grad must not touch the caller
            np.testing.assert_array_equal(up, up_copy)

    def test_user_array_gradient_is_not_aliased(self):
        x = leaf([1.0, 2.0])
        up = npg.array([1.0, 1.0], dtype=np.float64)
        (x + 0).backward(up)
        assert not np.shares_memory(x.grad.data, up.data)

    @pytest.mark.parametrize("create_graph", [False, True])
    def test_two_leaves_never_share_grad_memory(self, create_graph):
        a, b = leaf([1.0, 2.0]), leaf([3.0, 4.0])
        up = npg.array([1.0, 1.0], dtype=np.float64)
        (a + b).backward(up, create_graph=create_graph)
        assert a.grad is not b.grad
        assert not np.shares_memory(a.grad.data, b.grad.data)
        assert not np.shares_memory(a.grad.data, up.data)
        # Through an owned intermediate gradient, too.
        c, d = leaf([1.0, 2.0]), leaf([3.0, 4.0])
        ((c + d) * 2).sum().backward(create_graph=create_graph)
        assert not np.shares_memory(c.grad.data, d.grad.data)
        np.testing.assert_array_equal(c.grad.data, [2.0, 2.0])

    def test_accumulation_does_not_mutate_a_previous_grad_object(self):
        x = leaf([1.0, 2.0])
        (x * 2).sum().backward()
        first = x.grad
        (x * 3).sum().backward()
        np.testing.assert_array_equal(first.data, [2.0, 2.0])
        np.testing.assert_array_equal(x.grad.data, [5.0, 5.0])

    def test_deep_chain_backward_and_deletion(self):
        # The cyclic GC is off: it only slows the 200 000 allocations down, and
        # the chain must be freed by reference counting anyway.
        gc.disable()
        try:
            x = leaf(1.0)
            y = x + 1.0
            first = weakref.ref(y.grad_fn)  # the node at the far end of the chain
            for _ in range(100_000):
                y = y + 1.0
            y.backward()  # no RecursionError: the topological order is iterative
            assert x.grad.item() == 1.0
            del y  # freed without RecursionError or a C-stack overflow
            assert first() is None
        finally:
            gc.enable()

    def test_graph_freed_without_the_cyclic_gc(self):
        gc.collect()
        gc.disable()
        try:
            x = leaf([1.0, 2.0])
            refs = []
            for _ in range(20):
                h = (x * 2).exp()
                loss = (h * x).sum()
                refs += [weakref.ref(h), weakref.ref(loss), weakref.ref(loss.grad_fn)]
                loss.backward()
                del h, loss
            assert all(r() is None for r in refs)
            y = (x * 3).sum()
            r = weakref.ref(y)
            del y  # also without ever calling backward
            assert r() is None
        finally:
            gc.enable()

    def test_released_graph_keeps_no_saved_values(self):
        class Saving(npg.Function):
            def forward(self, x):
                self.saved = np.exp(x)
                return self.saved

            def backward(self, grad):
                return grad * _wrap(self.saved)

        x = leaf([1.0, 2.0])
        y = Saving.apply(x * 2)
        node = y.grad_fn
        assert set(node.__dict__) == {"saved"}
        y.sum().backward()
        assert node.__dict__ == {} and node._released

    def test_ops_that_store_nothing_have_no_dict_and_are_released(self):
        # Mul, Tanh and Add declare __slots__ = (): no per-node dict to create and
        # clear. A second backward through them still raises.
        x = leaf([1.0, 2.0])
        y = npg.tanh(x * x) + 1.0
        nodes = [y.grad_fn, *y.grad_fn.next_functions[:1]]
        nodes.append(nodes[1].next_functions[0])
        assert [type(n).__name__ for n in nodes] == ["Add", "Tanh", "Mul"]
        for n in nodes:
            assert not hasattr(n, "__dict__") and not type(n)._keeps_values
            with pytest.raises(AttributeError):
                n.saved = 1
        y.sum().backward()
        assert all(n._released for n in nodes)
        with pytest.raises(RuntimeError, match="backward through the graph a second time"):
            y.sum().backward()

    def test_a_subclass_of_a_slotted_op_may_store_values(self):
        from numpygrad.ops.arithmetic import Mul

        class Scaled(Mul):
            def forward(self, a, b):
                self.note = "kept until backward"
                return super().forward(a, b)

        x = leaf([1.0, 2.0])
        y = Scaled.apply(x, x)
        node = y.grad_fn
        assert type(node)._keeps_values and node.note == "kept until backward"
        y.sum().backward()
        assert node.__dict__ == {}
        np.testing.assert_array_equal(x.grad.data, [2.0, 4.0])


# -- custom Function errors and broadcasting -----------------------------------------------
class TestOutputLinks:
    """Lean ops (Mul, Add, ...) keep no reference to their output until one is needed."""

    def test_a_lean_node_is_linked_to_its_output_when_inspected(self):
        x = leaf([1.0, 2.0])
        y = x * 2
        assert not hasattr(y._fn, "_out_ref")   # nothing recorded at the op
        assert y.grad_fn.outputs[0]() is y        # reaching the node links it
        z = (x + 1).exp()                         # Exp reads its output: linked at once
        assert z._fn._out_ref() is z
        producer = z.grad_fn.next_functions[0]    # the Add, reached through its consumer
        assert producer.output is z.grad_fn.inputs[0]

    def test_function_object_called_directly_knows_its_output(self):
        from numpygrad.ops.arithmetic import Mul

        node = Mul()
        y = node(leaf([1.0]), leaf([2.0]))
        assert node.outputs[0]() is y and node.output is y

    def test_hook_and_retained_grad_of_unlinked_lean_outputs(self):
        calls = []
        x = leaf([1.0, 2.0])
        u = x * 3                                 # never inspected: not linked
        u.register_hook(lambda g: calls.append(g.data.copy()))
        v = u + 1
        (v * u).sum().backward(retain_grad=True)
        # d/du of (u + 1) * u = 2u + 1, with u = 3x
        np.testing.assert_array_equal(calls[0], [7.0, 13.0])
        assert len(calls) == 1
        np.testing.assert_array_equal(u.grad.data, [7.0, 13.0])
        np.testing.assert_array_equal(v.grad.data, [3.0, 6.0])
        np.testing.assert_array_equal(x.grad.data, [21.0, 39.0])

    def test_hook_and_retained_grad_of_an_unlinked_lean_root(self):
        # The root has no consumer whose input could stand for it: the engine links
        # it itself when some array has a hook or retains its gradient.
        x = leaf(3.0)
        y = x * 2.0                               # a lean root, never inspected
        assert not hasattr(y._fn, "_out_ref")
        calls = []
        y.register_hook(lambda g: calls.append(float(g.data)))
        y.retain_grad()
        y.backward()
        assert calls == [1.0] and float(y.grad.data) == 1.0 and float(x.grad.data) == 2.0

    def test_backward_of_a_lean_root_leaves_it_unlinked(self):
        from numpygrad import _array

        # (Once any hook was registered in the process the engine watches outputs.)
        was, _array._watched[0] = _array._watched[0], False
        try:
            x = leaf(3.0)
            y = x * 2.0
            y.backward()
            assert not hasattr(y._fn, "_out_ref")     # nobody needed the output
            assert y.grad_fn.outputs[0]() is y        # inspecting still links it
        finally:
            _array._watched[0] = was

    def test_retained_grad_after_an_in_place_op_belongs_to_the_new_value(self):
        a = leaf([1.0, 2.0])
        y = a * 2
        z = y + 1            # consumes the old value of y
        y += 3               # y now holds the new value; the old one lives on in the graph
        ((z * 1).sum() + (y * 5).sum()).backward(retain_grad=True)
        np.testing.assert_array_equal(y.grad.data, [5.0, 5.0])   # not 5 + 6
        np.testing.assert_array_equal(z.grad.data, [1.0, 1.0])
        np.testing.assert_array_equal(a.grad.data, [12.0, 12.0])


class TestGradientChecks:
    def test_wrong_number_of_gradients(self):
        class Bad2(npg.Function):
            def forward(self, x):
                return x * 2

            def backward(self, grad):
                return grad, grad

        with pytest.raises(RuntimeError, match=r"Bad2.*incorrect number.*expected 1, got 2"):
            Bad2.apply(leaf([1.0, 2.0])).sum().backward()

    @pytest.mark.parametrize("gshape", [(5,), (2, 3), (1, 3), (3, 1)])
    def test_wrong_shaped_gradient(self, gshape):
        class BadBackward(npg.Function):
            def forward(self, x):
                return x * 2

            def backward(self, grad):
                return npg.ones(gshape, dtype=np.float64)

        pattern = rf"BadBackward.*index 0.*{gshape[0]}.*\(3,\)"
        with pytest.raises(RuntimeError, match=pattern):
            BadBackward.apply(leaf([1.0, 2.0, 3.0])).sum().backward()

    def test_right_number_of_elements_but_wrong_shape_is_refused(self):
        class Reshaped(npg.Function):
            def forward(self, x):
                return x * 2

            def backward(self, grad):
                return grad.reshape(2, 2)

        with pytest.raises(RuntimeError, match=r"Reshaped.*\(2, 2\).*\(4,\)"):
            Reshaped.apply(leaf([1.0, 2.0, 3.0, 4.0])).sum().backward()

    def test_none_gradient_for_an_input(self):
        class FirstOnly(npg.Function):
            def forward(self, a, b):
                return a + b

            def backward(self, grad):
                return grad, None

        a, b = leaf([1.0]), leaf([2.0])
        FirstOnly.apply(a, b).sum().backward()
        assert a.grad.item() == 1.0 and b.grad is None

    def test_broadcast_scalar_with_vector(self):
        s, v = leaf(2.0), leaf([1.0, 2.0, 3.0])
        (s * v).backward(np.array([1.0, 10.0, 100.0]))
        assert s.grad.shape == () and s.grad.item() == 321.0
        np.testing.assert_array_equal(v.grad.data, [2.0, 20.0, 200.0])

    def test_broadcast_column_with_row(self):
        c = leaf([[1.0], [2.0]])
        r = leaf([[1.0, 2.0, 3.0]])
        (c * r).backward(np.ones((2, 3)))
        np.testing.assert_array_equal(c.grad.data, [[6.0], [6.0]])
        np.testing.assert_array_equal(r.grad.data, [[3.0, 3.0, 3.0]])

    def test_broadcast_leading_axes(self):
        v = leaf([1.0, 2.0, 3.0])
        k = leaf([[1.0, 2.0, 3.0]])
        big = npg.ones(4, 2, 3, dtype=np.float64)
        (v * big + k).backward(np.ones((4, 2, 3)))
        np.testing.assert_array_equal(v.grad.data, [8.0, 8.0, 8.0])
        np.testing.assert_array_equal(k.grad.data, [[8.0, 8.0, 8.0]])

    @given(pair=broadcastable_pair(max_dims=3, max_side=3), data=st.data())
    def test_broadcast_gradients_match_summing(self, pair, data):
        sa, sb = pair
        a = leaf(data.draw(arrays(shape=sa)))
        b = leaf(data.draw(arrays(shape=sb)))
        out = a * b
        up = data.draw(arrays(shape=out.shape))
        out.backward(up)
        # d(sum(up * a * b))/da = sum of up * b over the broadcast axes.
        exp_a = np.broadcast_to(up * b.data, out.shape)
        exp_b = np.broadcast_to(up * a.data, out.shape)
        for x, e in ((a, exp_a), (b, exp_b)):
            assert x.grad.shape == x.shape and x.grad.dtype == x.dtype
            lead = e.ndim - x.ndim
            e = e.sum(axis=tuple(range(lead))) if lead else e
            axes = tuple(i for i, n in enumerate(x.shape) if n == 1 and e.shape[i] != 1)
            e = e.sum(axis=axes, keepdims=True) if axes else e
            np.testing.assert_allclose(x.grad.data, e.reshape(x.shape), rtol=1e-12, atol=1e-12)

    def test_gradient_dtype_follows_the_input(self):
        a = leaf([1.0, 2.0], dtype=np.float32)
        b = leaf([3.0, 4.0], dtype=np.float64)
        (a * b).sum().backward()
        assert a.grad.dtype == np.float32 and b.grad.dtype == np.float64
