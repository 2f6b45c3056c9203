"""The Function API: custom ops, apply with options, PyGrad-style calls, single use,
needs_input_grad, lifting of arguments, functions.Square and Variable."""

from __future__ import annotations

import weakref

import numpy as np
import pytest

import numpygrad as npg
from numpygrad import functions as F
from numpygrad.testing import gradcheck, gradgradcheck


class Scale(npg.Function):
    """``x * factor``; the option is a constructor argument stored on the node."""

    def __init__(self, factor: float = 2.0):
        super().__init__()
        self.factor = factor

    def forward(self, x):
        return x * self.factor

    def backward(self, grad):
        return grad * self.factor


class Cube(npg.Function):
    def forward(self, x):
        return x**3

    def backward(self, grad):
        (x,) = self.inputs
        return grad * 3 * x * x


class MulAdd(npg.Function):
    """``a * b + c`` recording which inputs needed a gradient."""

    def forward(self, a, b, c):
        self.seen = self.needs_input_grad
        self.mask = a > 0  # saved state lives on the node
        return a * b + c

    def backward(self, grad):
        a, b, c = self.inputs
        return (grad * b if self.needs_input_grad[0] else None,
                grad * a if self.needs_input_grad[1] else None,
                grad if self.needs_input_grad[2] else None)


def leaf(v):
    return npg.array(np.asarray(v, dtype=np.float64), requires_grad=True)


def test_custom_function_values_and_gradients():
    x = leaf([1.0, 2.0])
    y = Cube.apply(x)
    np.testing.assert_array_equal(y.data, [1.0, 8.0])
    assert isinstance(y.grad_fn, Cube) and y.parents[0] is x
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.data, [3.0, 12.0])
    assert gradcheck(Cube.apply, [leaf([0.5, -1.5])])
    assert gradgradcheck(Cube.apply, [leaf([0.5, -1.5])])


def test_apply_with_options():
    x = leaf([1.0, 2.0])
    y = Scale.apply(x, factor=3.0)
    assert y.grad_fn.factor == 3.0
    np.testing.assert_array_equal(y.data, [3.0, 6.0])
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.data, [3.0, 3.0])
    assert Scale.apply(x).grad_fn.factor == 2.0  # constructor default


def test_object_call_records_that_object():
    x = leaf([1.0, 2.0])
    node = Scale(factor=5.0)
    y = node(x)
    assert y.grad_fn is node and y.creator is node
    assert node.inputs == (x,) and node.inputs[0] is x
    assert node.outputs[0]() is y and node.output is y
    assert node.next_functions == (None,)
    z = Scale()(y)
    assert z.grad_fn.next_functions == (node,)
    del y, z
    assert node.outputs[0]() is None  # a weak reference


def test_function_objects_are_single_use():
    x = leaf([1.0])
    node = Scale()
    node(x)
    with pytest.raises(RuntimeError, match="single-use"):
        node(x)


def test_needs_input_grad():
    a, b = leaf([1.0]), npg.array([2.0], dtype=np.float64)
    c = leaf([3.0])
    y = MulAdd.apply(a, b, c)
    assert y.grad_fn.seen == (True, False, True)
    y.sum().backward()
    assert a.grad.item() == 2.0 and b.grad is None and c.grad.item() == 1.0
    node = MulAdd()
    with npg.no_grad():
        out = node(a, b, c)
    assert node.seen == (False, False, False) and out.grad_fn is None
    assert not hasattr(node, "inputs")  # nothing recorded


def test_no_input_requires_grad_records_nothing():
    y = Cube.apply(npg.array([2.0]))
    assert y.grad_fn is None and not y.requires_grad


def test_forward_receives_ndarrays_and_scalars_are_lifted():
    seen = {}

    class Probe(npg.Function):
        def forward(self, a, b, c):
            seen["types"] = (type(a), type(b), type(c))
            seen["dtypes"] = (a.dtype, b.dtype, c.dtype)
            return a + b + c

        def backward(self, grad):
            return grad, grad, grad

    x = npg.array([1.0, 2.0], requires_grad=True)  # float32
    y = Probe.apply(x, 2.5, np.array([1.0, 1.0], np.float32))
    assert seen["types"] == (np.ndarray,) * 3
    assert seen["dtypes"] == (np.float32,) * 3  # Python scalars adopt x's dtype
    assert all(isinstance(p, npg.Array) for p in y.parents)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.data, [1.0, 1.0])


class TestLiftedScalars:
    """``x * 2.0``: the constant 2.0 is made once per value and dtype, then reused."""

    def test_the_same_constant_is_reused_read_only(self):
        x = npg.array([1.0, 2.0], requires_grad=True)
        a, b = x * 2.0, 2.0 * x
        assert a.parents[1] is b.parents[0]
        assert not a.parents[1].data.flags.writeable
        assert (x * 2).parents[1] is not a.parents[1]  # an int is another key
        assert (x.double() * 2.0).parents[1].dtype == np.float64
        zero, minus_zero = (x * 0.0).parents[1], (x * -0.0).parents[1]
        assert zero is (x * 0.0).parents[1] and minus_zero is (x * -0.0).parents[1]
        assert not np.signbit(zero.data) and np.signbit(minus_zero.data)

    @pytest.mark.parametrize("value", [0.0, -0.0, np.nan, np.inf, -np.inf, 1e-45, 3.5])
    def test_values_keep_their_bits(self, value):
        x = npg.array([1.0, -2.0], dtype=np.float64)
        for _ in range(2):  # a second call may take the cached constant
            got = (x * value).data
            np.testing.assert_array_equal(np.signbit(got), np.signbit(x.data * value))
            np.testing.assert_array_equal(got, x.data * value)

    def test_dtype_follows_the_default_dtype(self):
        ints = npg.array([1, 2])
        assert (ints + 1.5).dtype == np.float32
        npg.set_default_dtype(np.float64)
        try:
            assert (ints + 1.5).dtype == np.float64
        finally:
            npg.set_default_dtype(np.float32)
        assert (ints + 1.5).dtype == np.float32

    def test_a_constant_changed_through_a_graph_is_not_reused(self):
        x = npg.array([1.0, 2.0], requires_grad=True)
        const = (x * 3.0).parents[1]
        const.requires_grad_()
        y = x * 3.0
        assert y.parents[1] is not const and not y.parents[1].requires_grad
        y.sum().backward()
        np.testing.assert_array_equal(x.grad.data, [3.0, 3.0])
        with pytest.raises(ValueError, match="read-only"):
            y.parents[1].data[...] = 4.0

    def test_the_cache_is_bounded(self):
        from numpygrad.autograd import function

        x = npg.array([1.0])
        for k in range(1, 3 * function._SCALARS_MAX):
            assert (x * float(k)).item() == k
        assert len(function._SCALARS) <= function._SCALARS_MAX


def test_forward_returning_a_numpy_scalar_gives_a_0d_array():
    class Total(npg.Function):
        def forward(self, x):
            return np.float64(x.sum())

        def backward(self, grad):
            return grad * npg.ones(self.inputs[0].shape, dtype=np.float64)

    x = leaf([1.0, 2.0])
    y = Total.apply(x)
    assert type(y.data) is np.ndarray and y.shape == ()
    y.backward()
    np.testing.assert_array_equal(x.grad.data, [1.0, 1.0])


def test_backward_runs_without_recording_unless_create_graph():
    modes = []

    class Probe(npg.Function):
        def forward(self, x):
            return x * 2

        def backward(self, grad):
            modes.append(npg.is_grad_enabled())
            return grad * 2

    x = leaf([1.0])
    Probe.apply(x).sum().backward()
    Probe.apply(x).sum().backward(create_graph=True)
    assert modes == [False, True]


def test_missing_forward_or_backward():
    class NoBackward(npg.Function):
        def forward(self, x):
            return x

    with pytest.raises(NotImplementedError, match="forward"):
        npg.Function.apply(leaf([1.0]))
    y = NoBackward.apply(leaf([1.0]))
    with pytest.raises(NotImplementedError, match="NoBackward"):
        y.sum().backward()


def test_output_property_after_the_output_died():
    node = Scale()
    node(leaf([1.0]))
    with pytest.raises(RuntimeError, match="no longer exists"):
        _ = node.output


def test_functions_square():
    x = npg.Variable(3.0)
    sq = F.Square()
    y = sq(x)
    assert y.creator is sq and sq.inputs[0] is x and sq.outputs[0]() is y
    assert y.item() == 9.0
    y.backward()
    assert x.grad.item() == 6.0
    assert gradgradcheck(lambda v: F.Square()(v), [leaf([0.3, -2.0])])


def test_functions_module_exposes_op_classes():
    a, b = leaf([2.0]), leaf([3.0])
    assert F.Mul()(a, b).item() == 6.0
    assert F.Add()(a, b).item() == 5.0
    assert F.Exp()(leaf([0.0])).item() == 1.0
    assert F.MatMul()(leaf([[1.0, 2.0]]), leaf([[3.0], [4.0]])).item() == 11.0


def test_variable_requires_grad_by_default():
    v = npg.Variable(2)
    assert v.requires_grad and v.is_leaf and v.dtype == np.float32
    assert isinstance(v, npg.Array)
    w = npg.Variable([1.0], requires_grad=False)
    assert not w.requires_grad


def test_node_keeps_no_reference_to_its_output():
    x = leaf([1.0])
    y = Scale.apply(x)
    node = y.grad_fn
    r = weakref.ref(y)
    del y
    assert r() is None and node.outputs[0]() is None
