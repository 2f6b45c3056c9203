"""Tests for numpygrad.ops.indexing: getitem/setitem gradients, scatter-add, gather, masks."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import numpygrad as npg
from numpygrad.ops.indexing import IndexAdd, _scatter_rows
from tests.helpers import arrays, check_op, compare_torch, leaf, shapes

small = shapes(max_dims=3, max_side=3)


# -- getitem ------------------------------------------------------------------------------------
@given(arrays(small), st.data())
def test_getitem_basic(x, data):
    # Slices (negative steps too), integers, Ellipsis and None.
    key = data.draw(hnp.basic_indices(x.shape, allow_newaxis=True, allow_ellipsis=True))
    out = npg.array(x)[key]
    np.testing.assert_array_equal(out.data, x[key])
    check_op(lambda a: a[key], x)


@given(arrays(shapes(min_dims=1, max_dims=3, min_side=1, max_side=3)), st.data())
def test_getitem_integer_arrays(x, data):
    # Integer arrays (negative values and repeats) on one or several leading axes.
    key = data.draw(hnp.integer_array_indices(
        x.shape, result_shape=hnp.array_shapes(min_dims=1, max_dims=2, max_side=4)))
    np.testing.assert_array_equal(npg.array(x)[key].data, x[key])
    check_op(lambda a: a[key], x)
    # The same key as Arrays.
    akey = tuple(npg.array(k) for k in key)
    np.testing.assert_array_equal(npg.array(x)[akey].data, x[key])


@given(arrays(shapes(min_dims=1, max_dims=3, max_side=3)), st.data())
def test_getitem_boolean_mask(x, data):
    k = data.draw(st.integers(1, x.ndim))
    mask = data.draw(hnp.arrays(np.bool_, x.shape[:k]))
    np.testing.assert_array_equal(npg.array(x)[mask].data, x[mask])
    check_op(lambda a: a[mask], x)
    check_op(lambda a: a[npg.array(mask)], x)


@pytest.mark.parametrize("key", [
    (slice(None), [0, 0, 2]),
    ([1, 0, 1], Ellipsis, slice(None, None, -1)),
    (slice(1, None), None, [2, 2]),
    ([[0], [1]], [0, 2]),
    (np.array([True, False]), slice(None), 1),
    (1, [0, 0], slice(None, None, -2)),
])
def test_getitem_mixed_basic_and_advanced(key):
    x = np.random.default_rng(0).standard_normal((2, 3, 4))
    np.testing.assert_array_equal(npg.array(x)[key].data, x[key])
    check_op(lambda a: a[key], x)


def test_repeated_indices_accumulate():
    x = leaf([1.0, 2.0, 3.0])
    x[[0, 0]].sum().backward()
    np.testing.assert_array_equal(x.grad.data, [2.0, 0.0, 0.0])
    x = leaf(np.ones((3, 2)))
    (x[npg.array([2, 0, 2, 2])] * npg.array([[1.0], [2.0], [3.0], [4.0]])).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [[2.0, 2.0], [0.0, 0.0], [8.0, 8.0]])


def test_getitem_on_0d():
    x = leaf(3.0)
    y = x[None]
    assert y.shape == (1,)
    (y * 2).sum().backward()
    assert x.grad.shape == () and x.grad.item() == 2.0
    assert npg.array(3.0)[()].shape == ()
    assert npg.array(3.0)[...].shape == ()
    with pytest.raises(IndexError, match="0-d"):
        npg.array(3.0)[0]


def test_getitem_errors_name_index_axis_and_size():
    x = npg.zeros((2, 3))
    with pytest.raises(IndexError, match="index 5 is out of bounds for axis 1 with size 3"):
        x[:, 5]
    with pytest.raises(IndexError, match="index 2 is out of bounds for axis 0 with size 2"):
        x[[0, 2]]
    with pytest.raises(IndexError, match="index -3 is out of bounds for axis 0 with size 2"):
        x[-3]
    with pytest.raises(IndexError, match="float"):
        x[1.0]
    with pytest.raises(IndexError):
        x[np.float32(1.0)]
    with pytest.raises(IndexError, match="integer or boolean"):
        x[npg.array([0.0, 1.0])]
    with pytest.raises(IndexError, match="too many indices"):
        x[0, 0, 0]


def test_basic_slices_are_views_and_fancy_copies_are_not():
    x = leaf(np.ones(4))
    y = x.exp()
    assert np.shares_memory(y[1:3].data, y.data)
    copy = y[[1, 2]]
    assert not np.shares_memory(copy.data, y.data)
    with npg.no_grad():
        copy += 1  # a copy: y is untouched
    y.sum().backward()
    np.testing.assert_allclose(x.grad.data, np.e)
    x.grad = None
    y = x.exp()
    view = y[1:3]
    with npg.no_grad():
        view += 1  # a view: y changed behind its graph
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        y.sum().backward()


# -- the scatter-add behind every indexing gradient ----------------------------------------------
@given(st.data(), shapes(min_dims=1, max_dims=3, min_side=1, max_side=4),
       st.sampled_from([np.float64, np.float32]))
def test_index_add_matches_np_add_at(data, shape, dtype):
    n = shape[0]
    idx = data.draw(hnp.arrays(np.int64, hnp.array_shapes(min_dims=0, max_dims=2, min_side=0,
                                                          max_side=5),
                               elements=st.integers(-n, n - 1)))
    values = data.draw(hnp.arrays(dtype, idx.shape + shape[1:],
                                  elements=st.floats(-3, 3, width=32)))
    keys = [idx, (idx,), (idx, slice(None)) if len(shape) > 1 else (idx, Ellipsis)]
    if idx.size:  # tolist() loses the shape of an empty array
        keys.append(idx.tolist() if idx.ndim else int(idx))
    expected = np.zeros(shape, dtype)
    np.add.at(expected, idx, values)
    for key in keys:
        out = IndexAdd.apply(npg.array(values), key=key, shape=shape, dtype=np.dtype(dtype))
        assert out.dtype == dtype
        np.testing.assert_allclose(out.data, expected, rtol=1e-6, atol=1e-6)


@given(st.integers(1, 4), st.sampled_from([(16,), (4, 5), (17, 1)]), st.data(),
       st.sampled_from([np.float64, np.float32]))
def test_index_add_sorted_path_matches_np_add_at(n, row, data, dtype):
    # Many indices into few rows take the sort + reduceat path.
    idx = data.draw(hnp.arrays(np.int64, st.sampled_from([(16 * n,), (4, 4 * n + 3)]),
                               elements=st.integers(-n, n - 1)))
    values = data.draw(hnp.arrays(dtype, idx.shape + row, elements=st.floats(-3, 3, width=32)))
    expected = np.zeros((n, *row), dtype)
    np.add.at(expected, idx, values)
    out = np.zeros((n, *row), dtype)
    assert _scatter_rows(out, (idx, Ellipsis), values)
    rtol = 1e-12 if dtype == np.float64 else 1e-5  # summation order may differ
    np.testing.assert_allclose(out, expected, rtol=rtol, atol=rtol)
    x = leaf(np.arange(n * np.prod(row), dtype=float).reshape(n, *row))
    x[idx].backward(values.astype(np.float64))
    expected64 = np.zeros((n, *row))
    np.add.at(expected64, idx, values.astype(np.float64))
    np.testing.assert_allclose(x.grad.data, expected64, rtol=1e-12, atol=1e-12)


def test_index_add_other_keys_and_errors():
    v = npg.array([1.0, 2.0, 3.0])
    np.testing.assert_array_equal(npg.index_add(v, ([0, 0, 1], [1, 1, 0]), (2, 2)).data,
                                  [[0.0, 3.0], [3.0, 0.0]])
    np.testing.assert_array_equal(npg.index_add(v, np.array([True, False, True, True]),
                                                (4,)).data, [1.0, 0.0, 2.0, 3.0])
    with pytest.raises(IndexError, match="out of bounds"):
        npg.index_add(v, [0, 5, 1], (3,))
    with pytest.raises(IndexError, match="out of bounds"):  # on the sorted path's sizes too
        npg.index_add(npg.ones((32, 16)), np.array([0] * 31 + [2]), (2, 16))
    x = leaf(np.ones(2))
    check_op(lambda a: npg.index_add(a, [1, 1], (3,)), np.array([1.0, 2.0]))
    assert x.grad is None


# -- setitem ------------------------------------------------------------------------------------
@given(arrays(shapes(min_dims=1, max_dims=3, max_side=3)), st.data())
def test_functional_setitem_gradients(x, data):
    key = data.draw(hnp.basic_indices(x.shape, allow_ellipsis=True))
    target = x[key].shape
    # The value may broadcast: drop leading axes and squash some to 1.
    vshape = target[data.draw(st.integers(0, len(target))):]
    vshape = tuple(1 if data.draw(st.booleans()) else s for s in vshape)
    v = data.draw(arrays(st.just(vshape)))
    out = npg.setitem(npg.array(x), key, npg.array(v))
    expected = x.copy()
    expected[key] = v
    np.testing.assert_array_equal(out.data, expected)
    check_op(lambda a, b: npg.setitem(a, key, b), x, v)


def test_setitem_broadcast_value_gradient():
    # The selection x[:, 0] has shape (2, 4), which is not a trailing part of the
    # output shape (2, 3, 4): the value's gradient must still be reduced to (1, 4).
    x = np.random.default_rng(0).standard_normal((2, 3, 4))
    check_op(lambda a, b: npg.setitem(a, (slice(None), 0), b), x, np.ones((1, 4)))
    check_op(lambda a, b: npg.setitem(a, (slice(None), 0), b), x, np.ones(4))
    # Advanced indices apart from each other move to the front: the selection is (2, 3).
    check_op(lambda a, b: npg.setitem(a, (0, slice(None), [1, 3]), b), x, np.ones((1, 3)))


def test_functional_setitem_with_masks_and_integer_arrays():
    x = np.arange(6.0).reshape(2, 3)
    mask = x > 2.5
    check_op(lambda a, b: npg.setitem(a, mask, b), x, np.array(7.0))
    check_op(lambda a, b: npg.setitem(a, (slice(None), [0, 2]), b), x, np.array([1.0, 2.0]))
    xa = leaf(x)
    v = leaf(7.0)
    npg.setitem(xa, mask, v).sum().backward()
    np.testing.assert_array_equal(xa.grad.data, ~mask)
    assert v.grad.item() == mask.sum()


def test_inplace_setitem_on_a_non_leaf_with_history():
    x = leaf([1.0, 2.0, 3.0])
    v = leaf(10.0)
    y = x * 2
    y[0] = v
    y[npg.array([False, False, True])] = 0.0
    np.testing.assert_array_equal(y.data, [10.0, 4.0, 0.0])
    (y * npg.array([1.0, 2.0, 3.0])).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [0.0, 4.0, 0.0])
    assert v.grad.item() == 1.0


def test_inplace_setitem_on_leaves():
    x = leaf([1.0, 2.0, 3.0])
    with pytest.raises(RuntimeError, match="leaf"):
        x[0] = 5.0
    with npg.no_grad():
        x[0] = 5.0
    np.testing.assert_array_equal(x.data, [5.0, 2.0, 3.0])
    assert x.is_leaf and x.grad_fn is None
    plain = npg.zeros(3)
    plain[[0, 2]] = npg.array([1.0, 2.0])
    np.testing.assert_array_equal(plain.data, [1.0, 0.0, 2.0])


def test_inplace_setitem_bumps_the_version_of_a_saved_array():
    x = leaf([1.0, 2.0])
    y = x.exp()
    with npg.no_grad():
        y[0] = 0.0
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        y.sum().backward()


def test_setitem_errors():
    with pytest.raises(IndexError, match="out of bounds"):
        npg.setitem(npg.zeros(3), 5, 1.0)
    with pytest.raises(ValueError, match=r"shape \(2,\)"):
        npg.setitem(npg.zeros(3), slice(None), npg.zeros(2))


# -- take_along_axis / gather ------------------------------------------------------------------
@given(arrays(shapes(min_dims=1, max_dims=3, min_side=1, max_side=3)), st.data())
def test_take_along_axis(x, data):
    axis = data.draw(st.integers(-x.ndim, x.ndim - 1))
    n = x.shape[axis]
    # indices broadcast against x in the other axes (size 1 or the same size).
    ishape = tuple(data.draw(st.integers(0, 3)) if d == axis % x.ndim
                   else data.draw(st.sampled_from([1, s])) for d, s in enumerate(x.shape))
    idx = data.draw(hnp.arrays(np.int64, ishape, elements=st.integers(-n, n - 1)))
    out = npg.take_along_axis(npg.array(x), idx, axis)
    np.testing.assert_array_equal(out.data, np.take_along_axis(x, idx, axis))
    check_op(lambda a: npg.take_along_axis(a, idx, axis), x)


def test_take_along_axis_none_and_errors():
    x = np.arange(6.0).reshape(2, 3)
    np.testing.assert_array_equal(npg.take_along_axis(npg.array(x), [5, 0, 5], None).data,
                                  [5.0, 0.0, 5.0])
    with pytest.raises(ValueError, match="same number of dimensions"):
        npg.take_along_axis(npg.array(x), np.array([0]), 1)
    with pytest.raises(IndexError, match="integers"):
        npg.take_along_axis(npg.array(x), np.array([[0.0]]), 1)
    with pytest.raises(IndexError, match="out of bounds"):
        npg.take_along_axis(npg.array(x), np.array([[3]]), 1)


@given(arrays(shapes(min_dims=1, max_dims=3, min_side=1, max_side=3)), st.data())
def test_gather(x, data):
    dim = data.draw(st.integers(-x.ndim, x.ndim - 1))
    n = x.shape[dim]
    # torch: index may be smaller than x in the other axes (no broadcasting).
    ishape = tuple(data.draw(st.integers(0, 3)) if d == dim % x.ndim
                   else data.draw(st.integers(0, s)) for d, s in enumerate(x.shape))
    idx = data.draw(hnp.arrays(np.int64, ishape, elements=st.integers(0, n - 1)))
    out = npg.gather(npg.array(x), dim, idx)
    assert out.shape == idx.shape
    expected = np.take_along_axis(x[tuple(slice(0, s) if d != dim % x.ndim else slice(None)
                                          for d, s in enumerate(idx.shape))], idx, dim)
    np.testing.assert_array_equal(out.data, expected)
    check_op(lambda a: npg.gather(a, dim, idx), x)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_gather_matches_torch(dtype, dim):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    x = rng.standard_normal((3, 4))
    idx = rng.integers(0, x.shape[dim], size=(2, 3))
    compare_torch(lambda a: npg.gather(a, dim, idx),
                  lambda t: torch.gather(t, dim, torch.tensor(idx)), x, dtype=dtype)
    compare_torch(lambda a: a.gather(dim, npg.array(idx)),
                  lambda t: t.gather(dim, torch.tensor(idx)), x, dtype=dtype)


def test_gather_errors_and_0d():
    x = npg.zeros((2, 3))
    with pytest.raises(IndexError, match="index 3 is out of bounds for dimension 1 with size 3"):
        npg.gather(x, 1, np.array([[3]]))
    with pytest.raises(IndexError, match="index -1 is out of bounds"):
        npg.gather(x, 1, np.array([[-1]]))
    with pytest.raises(ValueError, match="as many dimensions"):
        npg.gather(x, 1, np.array([0]))
    with pytest.raises(ValueError, match="larger than the array"):
        npg.gather(x, 1, np.zeros((3, 1), dtype=np.int64))
    with pytest.raises(IndexError, match="integers"):
        npg.gather(x, 1, np.array([[0.5]]))
    s = leaf(2.0)
    out = npg.gather(s, 0, np.array(0))
    out.backward()
    assert out.shape == () and s.grad.item() == 1.0


# -- masked_fill ------------------------------------------------------------------------------
@given(hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=3, max_side=3), st.data())
def test_masked_fill(shapes_, data):
    xshape, mshape = shapes_.input_shapes
    x = data.draw(arrays(st.just(xshape)))
    mask = data.draw(hnp.arrays(np.bool_, mshape))
    value = data.draw(arrays(st.just(())))
    out = npg.masked_fill(npg.array(x), mask, npg.array(value))
    np.testing.assert_array_equal(out.data, np.where(mask, value, x))
    check_op(lambda a, v: npg.masked_fill(a, mask, v), x, value)
    check_op(lambda a: npg.masked_fill(a, npg.array(mask), -1.5), x)


def test_masked_fill_gradients_exact():
    x = leaf([1.0, 2.0, 3.0])
    v = leaf(0.0)
    y = npg.masked_fill(x, npg.array([True, False, True]), v)
    y.backward(np.array([1.0, 2.0, 3.0]))
    np.testing.assert_array_equal(x.grad.data, [0.0, 2.0, 0.0])
    assert v.grad.item() == 4.0


def test_masked_fill_dtypes_and_errors():
    x32 = npg.array(np.ones(2, np.float32))
    assert npg.masked_fill(x32, np.array([True, False]), 2.5).dtype == np.float32
    assert npg.masked_fill(x32, np.array([True, False]), npg.array(2.5, dtype="float64")
                           ).dtype == np.float32
    assert npg.masked_fill(npg.arange(3), np.array([True, False, True]), 9).tolist() == [9, 1, 9]
    with pytest.raises(TypeError, match="boolean masks"):
        npg.masked_fill(npg.zeros(3), np.array([1, 0, 1]), 1.0)
    with pytest.raises(ValueError, match="0-dimensional value"):
        npg.masked_fill(npg.zeros(3), np.array([True, False, True]), npg.zeros(3))
    with pytest.raises(ValueError, match=r"\(2,\).*\(3,\)"):
        npg.masked_fill(npg.zeros(3), np.array([True, False]), 1.0)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_masked_fill_matches_torch(dtype):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(2)
    x = rng.standard_normal((2, 3))
    mask = rng.standard_normal((1, 3)) > 0
    compare_torch(lambda a: npg.masked_fill(a, mask, -2.0),
                  lambda t: t.masked_fill(torch.tensor(mask), -2.0), x, dtype=dtype)
    compare_torch(lambda a, v: a.masked_fill(npg.array(mask), v),
                  lambda t, v: t.masked_fill(torch.tensor(mask), v), x, np.array(0.5),
                  dtype=dtype)
