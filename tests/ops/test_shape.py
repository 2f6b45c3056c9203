"""Tests for numpygrad.ops.shape: gradients, NumPy/PyTorch parity, views, errors."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import numpygrad as npg
from tests.helpers import arrays, check_op, compare_torch, leaf, shapes, torch_or_skip

# Small shapes keep gradgradcheck (quadratic in the size) fast.
small = shapes(max_dims=3, max_side=3)


@st.composite
def array_and_axis(draw, min_dims=1, allow_none=False):
    """(values, axis) with a valid, possibly negative axis (or None)."""
    x = draw(arrays(shapes(min_dims=min_dims, max_dims=3, max_side=3)))
    if x.ndim == 0 or (allow_none and draw(st.booleans())):
        return x, None
    return x, draw(st.integers(-x.ndim, x.ndim - 1))


# -- reshape family (used by the engine and other ops) ----------------------------------------
@given(arrays(small), st.data())
def test_reshape_gradients(x, data):
    target = data.draw(st.permutations(x.shape)) if x.ndim else ()
    check_op(lambda a: npg.reshape(a, tuple(target)), x)
    check_op(lambda a: npg.reshape(a, -1), x)


def test_reshape_errors():
    x = npg.arange(6.0)
    with pytest.raises(ValueError, match=r"shape \[4, 4\] is invalid for input of size 6"):
        x.reshape(4, 4)
    with pytest.raises(ValueError, match="only one dimension can be inferred"):
        x.reshape(-1, -1)
    with pytest.raises(ValueError, match="reshape"):
        npg.view(npg.zeros((2, 3)).T, -1)


@given(arrays(small), st.data())
def test_transpose_and_permute(x, data):
    perm = tuple(data.draw(st.permutations(range(x.ndim))))
    check_op(lambda a: npg.transpose(a, perm), x)
    check_op(lambda a: npg.transpose(a), x)
    np.testing.assert_array_equal(npg.permute(npg.array(x), *perm).data, np.transpose(x, perm))


def test_permute_duplicate_axes_raise():
    with pytest.raises(ValueError, match="duplicate dims"):
        npg.permute(npg.zeros((2, 3)), 0, 0)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_permute_matches_torch(dtype):
    x = np.random.default_rng(0).standard_normal((2, 3, 4))
    compare_torch(lambda a: npg.permute(a, 2, 0, 1), lambda t: t.permute(2, 0, 1), x, dtype=dtype)


def test_squeeze_unsqueeze_expand_dims():
    x = leaf(np.ones((1, 3, 1)))
    assert npg.squeeze(x).shape == (3,)
    assert npg.squeeze(x, axis=-1).shape == (1, 3)
    assert npg.unsqueeze(npg.squeeze(x), 0).shape == (1, 3)
    with pytest.raises(ValueError, match="length is not 1"):
        npg.squeeze(x, axis=1)
    check_op(lambda a: npg.expand_dims(a, (0, -1)), np.ones((2, 3)))


# -- flatten, moveaxis --------------------------------------------------------------------------
@given(arrays(small), st.data())
def test_flatten(x, data):
    nd = max(x.ndim, 1)
    s = data.draw(st.integers(-nd, nd - 1))
    e = data.draw(st.integers(-nd, nd - 1))
    if s % nd > e % nd:
        with pytest.raises(ValueError, match="start_dim"):
            npg.flatten(npg.array(x), s, e)
        return
    out = npg.flatten(npg.array(x), s, e)
    if x.ndim:
        expected = x.shape[:s % nd] + (int(np.prod(x.shape[s % nd:e % nd + 1])),) \
            + x.shape[e % nd + 1:]
    else:
        expected = (1,)
    assert out.shape == expected
    np.testing.assert_array_equal(out.data.ravel(), x.ravel())
    check_op(lambda a: npg.flatten(a, s, e), x)


def test_flatten_defaults_match_numpy():
    x = np.arange(24.0).reshape(2, 3, 4)
    np.testing.assert_array_equal(npg.array(x).flatten().data, x.flatten())
    assert npg.array(3.0).flatten().shape == (1,)
    with pytest.raises(IndexError, match="out of range"):
        npg.flatten(npg.zeros((2, 3)), 2)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("args", [(), (1,), (0, 1), (-2, -1)])
def test_flatten_matches_torch(dtype, args):
    x = np.random.default_rng(1).standard_normal((2, 3, 4))
    compare_torch(lambda a: npg.flatten(a, *args), lambda t: t.flatten(*args), x, dtype=dtype)


@given(arrays(shapes(min_dims=1, max_dims=3, max_side=3)), st.data())
def test_moveaxis(x, data):
    nd = x.ndim
    k = data.draw(st.integers(1, nd))
    src = data.draw(st.permutations(range(-nd, 0)).map(lambda p: p[:k]))
    dst = data.draw(st.permutations(range(nd)).map(lambda p: p[:k]))
    out = npg.moveaxis(npg.array(x), src, dst)
    np.testing.assert_array_equal(out.data, np.moveaxis(x, src, dst))
    check_op(lambda a: npg.moveaxis(a, src, dst), x)


def test_moveaxis_errors_and_alias():
    x = npg.zeros((2, 3, 4))
    assert npg.movedim(x, 0, -1).shape == (3, 4, 2)
    assert x.moveaxis(-1, 0).shape == (4, 2, 3)
    with pytest.raises(ValueError, match="same number"):
        npg.moveaxis(x, (0, 1), 2)
    with pytest.raises(IndexError, match="out of range"):
        npg.moveaxis(x, 3, 0)


# -- flip, roll ---------------------------------------------------------------------------------
@given(arrays(small), st.data())
def test_flip(x, data):
    axis = None
    if x.ndim and data.draw(st.booleans()):
        axis = tuple(data.draw(st.lists(st.integers(-x.ndim, x.ndim - 1), min_size=1,
                                        max_size=x.ndim, unique_by=lambda a: a % x.ndim)))
    np.testing.assert_array_equal(npg.flip(npg.array(x), axis).data, np.flip(x, axis))
    check_op(lambda a: npg.flip(a, axis), x)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("dims", [(0,), (-1,), (0, 2)])
def test_flip_matches_torch(dtype, dims):
    x = np.random.default_rng(2).standard_normal((2, 3, 4))
    compare_torch(lambda a: npg.flip(a, dims=dims), lambda t: t.flip(dims), x, dtype=dtype)


@given(array_and_axis(min_dims=0, allow_none=True), st.integers(-7, 7))
def test_roll(xa, shift):
    x, axis = xa
    np.testing.assert_array_equal(npg.roll(npg.array(x), shift, axis).data,
                                  np.roll(x, shift, axis))
    check_op(lambda a: npg.roll(a, shift, axis), x)


def test_roll_tuple_shifts():
    x = np.arange(24.0).reshape(2, 3, 4)
    out = npg.roll(npg.array(x), (1, -2), (0, 2))
    np.testing.assert_array_equal(out.data, np.roll(x, (1, -2), (0, 2)))
    check_op(lambda a: npg.roll(a, (1, -2), (0, 2)), x)
    with pytest.raises(ValueError, match="same length"):
        npg.roll(npg.array(x), (1, 2), (0, 1, 2))
    with pytest.raises(ValueError, match="must be an int"):
        npg.roll(npg.array(x), (1, 2))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("shift, axis", [(1, 0), (-2, 2), ((1, 2), (0, 1)), (5, None)])
def test_roll_matches_torch(dtype, shift, axis):
    x = np.random.default_rng(3).standard_normal((2, 3, 4))
    compare_torch(lambda a: npg.roll(a, shift, axis), lambda t: t.roll(shift, axis), x,
                  dtype=dtype)


# -- triangles ----------------------------------------------------------------------------------
@given(arrays(shapes(min_dims=2, max_dims=3, max_side=3)), st.integers(-3, 3),
       st.booleans())
def test_triu_tril(x, k, lower):
    fn, ref = (npg.tril, np.tril) if lower else (npg.triu, np.triu)
    np.testing.assert_array_equal(fn(npg.array(x), k).data, ref(x, k))
    check_op(lambda a: fn(a, k), x)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("k", [-1, 0, 2])
def test_triu_tril_match_torch(dtype, k):
    x = np.random.default_rng(4).standard_normal((2, 3, 4))
    compare_torch(lambda a: npg.triu(a, k), lambda t: t.triu(k), x, dtype=dtype)
    compare_torch(lambda a: npg.tril(a, k), lambda t: t.tril(k), x, dtype=dtype)


def test_triu_needs_two_dims():
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        npg.triu(npg.zeros(3))
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        npg.tril(npg.array(1.0))


# -- views share the version counter ------------------------------------------------------------
@pytest.mark.parametrize("make_view", [
    lambda y: y.reshape(-1),
    lambda y: y.T,
    lambda y: npg.flip(y),
    lambda y: npg.flatten(y),
    lambda y: npg.moveaxis(y, 0, -1),
    lambda y: npg.expand_dims(y, 0),
])
def test_inplace_through_a_view_invalidates_saved_output(make_view):
    x = leaf(np.ones((2, 3)))
    y = x.exp()  # exp saves its output for backward
    v = make_view(y)
    assert v._version == y._version == 0
    with npg.no_grad():
        v += 1  # allowed without grad mode; the shared counter records it
    assert y._version == 1
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        y.sum().backward()


@pytest.mark.parametrize("write", ["iadd", "setitem"])
def test_inplace_through_a_view_with_grad_mode_raises(write):
    # Refused either at the write (the core refuses in-place ops on views of arrays
    # in a graph) or at backward (the version check): never a silently wrong gradient.
    x = leaf(np.ones(3))
    y = x.exp()
    v = y.reshape(-1)
    with pytest.raises(RuntimeError):
        if write == "iadd":
            v += 1
        else:
            v[0] = 5.0
        y.sum().backward()


def test_view_setitem_under_no_grad_writes_through():
    x = leaf(np.ones(3))
    y = x.exp()
    v = y.reshape(-1)
    with npg.no_grad():
        v[0] = 5.0
    assert y.data[0] == 5.0  # the write went through the view
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        y.sum().backward()


def test_views_do_not_alias_gradients():
    x = leaf(np.arange(6.0).reshape(2, 3))
    up = np.random.default_rng(0).standard_normal((3, 2))
    npg.flip(x.T, 0).backward(up)
    np.testing.assert_array_equal(x.grad.data, np.flip(up, 0).T)
    assert not np.shares_memory(x.grad.data, up)


def test_torch_available_or_skipped():
    # compare_torch skips without torch; make that visible in one place.
    torch_or_skip()
