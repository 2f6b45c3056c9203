"""In-place operations and the version counter (RELIABILITY §1.2, §1.6, §3 items 18-20)."""

from __future__ import annotations

import gc
import weakref

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import numpygrad as npg
from tests.helpers import arrays

VERSION_MSG = "modified by an in-place operation"


def leaf(v, requires_grad=True):
    return npg.array(np.asarray(v, dtype=np.float64), requires_grad=requires_grad)


# -- leaves -----------------------------------------------------------------------------------
INPLACE = {
    "iadd": lambda a: a.__iadd__(1.0),
    "isub": lambda a: a.__isub__(1.0),
    "imul": lambda a: a.__imul__(2.0),
    "itruediv": lambda a: a.__itruediv__(2.0),
    "ipow": lambda a: a.__ipow__(2.0),
    "setitem": lambda a: a.__setitem__(0, 5.0),
    "fill_": lambda a: a.fill_(3.0),
    "zero_": lambda a: a.zero_(),
}


@pytest.mark.parametrize("name", INPLACE)
def test_inplace_on_a_leaf_that_requires_grad_raises(name):
    x = leaf([1.0, 2.0])
    with pytest.raises(RuntimeError, match="leaf Array that requires grad.*in-place"):
        INPLACE[name](x)
    np.testing.assert_array_equal(x.data, [1.0, 2.0])
    assert x._version == 0


@pytest.mark.parametrize("name", INPLACE)
def test_inplace_on_a_leaf_is_allowed_under_no_grad(name):
    x = leaf([1.0, 2.0])
    with npg.no_grad():
        r = INPLACE[name](x)
    assert r is None or r is x
    assert x.is_leaf and x.requires_grad and x.grad_fn is None
    assert x._version >= 1
    expected = leaf([1.0, 2.0], requires_grad=False)
    INPLACE[name](expected)
    np.testing.assert_array_equal(x.data, expected.data)


def test_augmented_assignment_keeps_the_object():
    x = leaf([1.0, 2.0])
    before = x
    with npg.no_grad():
        x += 1
        x *= 2
    assert x is before
    np.testing.assert_array_equal(x.data, [4.0, 6.0])


def test_version_counts_every_inplace_change():
    x = npg.array([1.0, 2.0])
    assert x._version == 0
    x += 1
    x[0] = 5.0
    assert x._version == 2
    x.data[1] = 9.0  # writes through .data are untracked, like torch's .data
    assert x._version == 2


# -- non-leaves: history is recorded -----------------------------------------------------
def _inplace_chain(x, w, v):
    y = x * 2.0
    y += w
    y *= w
    y -= x
    y /= w
    y **= 2.0
    y[1] = v * 3.0
    return (y * y).sum()


def _outplace_chain(x, w, v):
    y = x * 2.0
    y = y + w
    y = y * w
    y = y - x
    y = y / w
    y = y**2.0
    y = npg.setitem(y, 1, v * 3.0)
    return (y * y).sum()


@given(xs=arrays(shape=(3,)), ws=arrays(shape=(3,), avoid=(0.0,), margin=0.1),
       vs=st.floats(-2, 2))
def test_inplace_on_non_leaf_matches_out_of_place(xs, ws, vs):
    grads = []
    for chain in (_inplace_chain, _outplace_chain):
        x, w, v = leaf(xs), leaf(ws), leaf(vs)
        loss = chain(x, w, v)
        loss.backward()
        grads.append((loss.item(), x.grad.data, w.grad.data, v.grad.data))
    (l1, *g1), (l2, *g2) = grads
    assert l1 == pytest.approx(l2, rel=1e-12, abs=1e-12)
    for a, b in zip(g1, g2):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-10)


def test_inplace_records_history():
    x = leaf([1.0, 2.0])
    y = x * 2
    old_fn = y.grad_fn
    y += 1
    assert y.grad_fn is not old_fn and type(y.grad_fn).__name__ == "Add"
    assert not y.is_leaf and y.requires_grad
    assert y.parents[0] is not y  # the node's input is the value before the write


def test_scalar_inplace_on_non_leaf_needs_no_snapshot_error():
    # Mul saves its inputs, so y *= 3 used to report its own write as a version error.
    x = leaf([1.0, 2.0])
    y = x * 2
    y *= 3
    y /= 2
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.data, [3.0, 3.0])


def test_self_multiplication_in_place():
    x = leaf([1.0, 2.0])
    y = x * 3
    y *= y  # y_new = (3x)^2, d/dx = 18x
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.data, [18.0, 36.0])


def test_inplace_after_exp_uses_the_old_output():
    v = np.array([0.5, -1.0])
    x = leaf(v)
    y = x.exp()  # Exp's backward reads its output
    y += 1
    y *= 2
    y.sum().backward()
    np.testing.assert_allclose(x.grad.data, 2 * np.exp(v), rtol=1e-12)


def test_retain_grad_before_inplace_is_counted_once():
    x = leaf([1.0, 2.0])
    y = x * 2
    y.retain_grad()
    y += 1
    (y * 3).sum().backward()
    np.testing.assert_array_equal(y.grad.data, [3.0, 3.0])
    np.testing.assert_array_equal(x.grad.data, [6.0, 6.0])


def test_inplace_with_a_grad_value_on_a_plain_array():
    w = npg.array([1.0, 1.0], dtype=np.float64)
    x = leaf([2.0, 3.0])
    w += x * x
    assert w.requires_grad and not w.is_leaf
    w.sum().backward()
    np.testing.assert_array_equal(x.grad.data, [4.0, 6.0])


def test_fill_on_non_leaf_is_recorded():
    x = leaf([1.0, 2.0])
    v = leaf(5.0)
    y = x * 2
    y.fill_(v)
    np.testing.assert_array_equal(y.data, [5.0, 5.0])
    (y * npg.array([1.0, 3.0], dtype=np.float64)).sum().backward()
    assert x.grad is None or not np.any(x.grad.data)
    assert v.grad.item() == 4.0


def test_inplace_shape_mismatch_raises():
    x = leaf([1.0, 2.0])
    y = x * 2
    with pytest.raises(ValueError, match=r"\(2,\).*\(2, 2\)"):
        y += npg.ones(2, 2, dtype=np.float64)


# -- views ------------------------------------------------------------------------------------
VIEWS = {
    "slice": lambda a: a[0:1],
    "reshape": lambda a: a.reshape(2, 1),
    "transpose": lambda a: a.reshape(1, 2).T,
}


@pytest.mark.parametrize("view", VIEWS)
def test_inplace_on_a_view_of_a_leaf_raises(view):
    x = leaf([1.0, 2.0])
    v = VIEWS[view](x)
    with pytest.raises(RuntimeError, match="view of a leaf"):
        v += 1
    with pytest.raises(RuntimeError, match="view of a leaf"):
        v[0] = 7.0
    np.testing.assert_array_equal(x.data, [1.0, 2.0])
    with npg.no_grad():
        v += 1  # allowed, like an optimizer step
    assert x.data[0] == 2.0 and x.is_leaf


def test_view_made_under_no_grad_cannot_change_a_leaf_with_grad_on():
    x = leaf([1.0, 2.0])
    with npg.no_grad():
        v = x[0:1]
    with pytest.raises(RuntimeError, match="view of a leaf"):
        v += 1


@pytest.mark.parametrize("view", VIEWS)
def test_inplace_on_a_view_of_a_non_leaf_raises(view):
    x = leaf([1.0, 2.0])
    y = x * 1
    v = VIEWS[view](y)
    with pytest.raises(RuntimeError, match="view"):
        v *= 3  # the base's graph would not know: its gradients would be wrong
    np.testing.assert_array_equal(y.data, [1.0, 2.0])


def test_view_of_a_plain_array_with_a_grad_value_raises():
    base = npg.zeros(3, dtype=np.float64)
    v = base[0:2]
    with pytest.raises(RuntimeError, match="view"):
        v += leaf([1.0, 2.0])


def test_inplace_on_views_without_grad_is_plain_numpy():
    base = npg.zeros(3)
    v = base[1:]
    v += 1
    np.testing.assert_array_equal(base.data, [0.0, 1.0, 1.0])
    assert base._version == 1  # the view shares the counter


# -- the version check at backward time -------------------------------------------------
def test_mutating_a_saved_input_raises():
    x = leaf([1.0, 2.0])
    w = npg.array([3.0, 4.0], dtype=np.float64)
    y = x * w  # Mul saves w
    w += 1
    with pytest.raises(RuntimeError,
                       match=VERSION_MSG + r".*Mul.*\(2,\).*version 1; expected version 0"):
        y.sum().backward()


def test_setitem_on_a_saved_input_raises():
    x = leaf([1.0, 2.0])
    w = npg.array([3.0, 4.0], dtype=np.float64)
    y = x * w
    w[0] = 7.0
    with pytest.raises(RuntimeError, match=VERSION_MSG):
        y.sum().backward()


@pytest.mark.parametrize("mutate", ["no_grad", "detach"])
def test_mutating_a_saved_output_raises(mutate):
    x = leaf([1.0, 2.0])
    y = x.exp()  # Exp saves its output
    z = (y + 2).sum()  # Add and Sum save nothing: only Exp can notice
    if mutate == "no_grad":
        with npg.no_grad():
            y += 1
    else:
        y.detach().zero_()  # detach shares the version counter
    with pytest.raises(RuntimeError, match=VERSION_MSG + ".*output of Exp"):
        z.backward()


@pytest.mark.parametrize("view", ["reshape", "transpose", "slice"])
def test_mutating_a_view_of_a_saved_input_raises(view):
    x = leaf([1.0, 2.0])
    w = npg.array([[3.0, 4.0]], dtype=np.float64)
    y = x * w
    v = {"reshape": lambda: w.reshape(2), "transpose": lambda: w.T,
         "slice": lambda: w[:, 1:]}[view]()
    v += 1
    with pytest.raises(RuntimeError, match=VERSION_MSG):
        y.sum().backward()


class _Reversed(npg.Function):
    """A custom op returning a view of its input, declared with ``is_view``."""

    save_inputs = False
    is_view = True

    def forward(self, x):
        return x[::-1]

    def backward(self, grad):
        return grad[::-1]


class _ReversedCopy(_Reversed):
    """The same op, returning a copy: not a view, whatever the flag says."""

    def forward(self, x):
        return x[::-1].copy()


def test_mutating_a_view_made_by_a_custom_view_op_raises():
    x = leaf([1.0, 2.0])
    w = npg.array([3.0, 4.0], dtype=np.float64)
    y = x * w
    v = _Reversed.apply(w)
    assert v._vc is w._vc and v._base is w
    v += 1
    with pytest.raises(RuntimeError, match=VERSION_MSG + ".*input 1 of Mul"):
        y.sum().backward()
    # Recorded in a graph, the view is linked just the same.
    r = _Reversed.apply(x)
    assert r._vc is x._vc and r.grad_fn is not None


def test_a_custom_view_op_returning_a_copy_is_not_linked():
    w = npg.array([3.0, 4.0], dtype=np.float64)
    c = _ReversedCopy.apply(w)
    assert c._vc is not w._vc and c._base is None


def test_fancy_index_copy_does_not_count():
    x = leaf([1.0, 2.0])
    w = npg.array([3.0, 4.0], dtype=np.float64)
    y = x * w
    c = w[[0, 1]]
    c += 1
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.data, [3.0, 4.0])


def test_no_error_when_mutated_before_the_op():
    x = leaf([1.0, 2.0])
    w = npg.array([3.0, 4.0], dtype=np.float64)
    w += 1
    (x * w).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [4.0, 5.0])


def test_no_error_when_mutated_after_backward():
    x = leaf([1.0, 2.0])
    w = npg.array([3.0, 4.0], dtype=np.float64)
    (x * w).sum().backward()
    w += 1
    np.testing.assert_array_equal(x.grad.data, [3.0, 4.0])


def test_no_error_when_the_graph_was_built_under_no_grad():
    x = leaf([1.0, 2.0])
    w = npg.array([3.0, 4.0], dtype=np.float64)
    with npg.no_grad():
        y = x * w  # nothing saved
    w += 1
    (x * w).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [4.0, 5.0])
    assert not y.requires_grad


def test_no_error_for_an_unrelated_graph():
    x = leaf([1.0, 2.0])
    w = npg.array([3.0, 4.0], dtype=np.float64)
    other = npg.array([1.0, 1.0], dtype=np.float64)
    y = x * w
    unrelated = x * other
    other += 1
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.data, [3.0, 4.0])
    del unrelated


def test_no_error_when_an_unsaved_input_changes():
    x = leaf([1.0, 2.0])
    w = npg.array([3.0, 4.0], dtype=np.float64)
    y = x + w  # Add saves nothing
    w += 1
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.data, [1.0, 1.0])


def test_optimizer_step_between_retained_backwards_raises():
    p = leaf([1.0, 2.0])
    x = npg.array([3.0, 4.0], dtype=np.float64)
    loss = ((p * x) * p).sum()  # the second Mul saves p
    loss.backward(retain_graph=True)
    with npg.no_grad():
        p -= 0.1 * p.grad
    with pytest.raises(RuntimeError, match=VERSION_MSG):
        loss.backward()


def test_detach_shares_the_version_counter():
    x = leaf([1.0, 2.0])
    d = x.detach()
    d += 1
    assert x._version == 1 == d._version
    np.testing.assert_array_equal(x.data, [2.0, 3.0])


def test_inplace_leaves_no_reference_cycle():
    # Before the value-before-the-write stand-in, the node recorded by ``y += 1``
    # held y as its input while y held the node: a cycle only the GC could free.
    gc.collect()
    gc.disable()
    try:
        x = leaf([1.0, 2.0])
        y = x * 2
        y += 1
        y *= 3
        refs = [weakref.ref(y), weakref.ref(y.grad_fn), weakref.ref(y.parents[0])]
        del y
        assert all(r() is None for r in refs)
    finally:
        gc.enable()
