"""Creation functions: shapes, dtypes, requires_grad and argument errors."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import numpygrad as npg
from tests.helpers import shapes


@pytest.fixture
def float64_default():
    npg.set_default_dtype(np.float64)
    yield
    npg.set_default_dtype(np.float32)


@pytest.mark.parametrize("fn, fill", [(npg.zeros, 0.0), (npg.ones, 1.0)])
@given(shape=shapes())
def test_zeros_ones_shapes(fn, fill, shape):
    for a in (fn(*shape), fn(shape), fn(list(shape))):
        assert a.shape == shape and a.dtype == np.float32
        assert not a.requires_grad and a.is_leaf
        np.testing.assert_array_equal(a.data, np.full(shape, fill))


@pytest.mark.parametrize("fn", [npg.zeros, npg.ones, npg.empty])
def test_dtype_and_requires_grad(fn):
    a = fn(2, 3, dtype=np.float64, requires_grad=True)
    assert a.dtype == np.float64 and a.requires_grad and a.is_leaf and a.grad is None
    assert fn(2, dtype=np.int32).dtype == np.int32
    with pytest.raises(TypeError, match="floating point"):
        fn(2, dtype=np.int64, requires_grad=True)


def test_creation_follows_the_default_dtype(float64_default):
    for a in (npg.zeros(2), npg.ones(2), npg.empty(2), npg.eye(2), npg.full((2,), 1.5),
              npg.arange(0.0, 1.0, 0.5), npg.linspace(0, 1, 3)):
        assert a.dtype == np.float64


@pytest.mark.parametrize("fn", [npg.zeros, npg.ones, npg.empty])
def test_negative_dimension_raises(fn):
    with pytest.raises(ValueError, match="negative dimension -1"):
        fn(2, -1)


@pytest.mark.parametrize("bad", [2.5, "3", None, True])
def test_non_integer_shape_raises(bad):
    with pytest.raises(TypeError, match="integers"):
        npg.zeros(bad)


def test_numpy_integer_shapes_are_accepted():
    assert npg.ones(np.int64(2), np.int32(3)).shape == (2, 3)


def test_full():
    a = npg.full((2, 2), 7.0)
    assert a.dtype == np.float32
    np.testing.assert_array_equal(a.data, 7.0)
    assert npg.full(3, 2).dtype == np.int64 and npg.full(3, 2).shape == (3,)
    assert npg.full((1,), True).dtype == np.bool_
    assert npg.full((2,), npg.array(3.0)).tolist() == [3.0, 3.0]
    g = npg.full((2,), 0.5, requires_grad=True)
    assert g.requires_grad
    with pytest.raises(ValueError, match="negative dimension"):
        npg.full((-2,), 1.0)


def test_eye():
    np.testing.assert_array_equal(npg.eye(3).data, np.eye(3))
    np.testing.assert_array_equal(npg.eye(2, 3, k=1).data, np.eye(2, 3, k=1))
    assert npg.eye(2, dtype=np.float64, requires_grad=True).requires_grad
    with pytest.raises(ValueError, match="negative dimension"):
        npg.eye(-1)


def test_arange():
    a = npg.arange(4)
    assert a.dtype == np.int64 and a.tolist() == [0, 1, 2, 3]
    assert npg.arange(1, 7, 2).tolist() == [1, 3, 5]
    f = npg.arange(0, 1, 0.25)
    assert f.dtype == np.float32
    np.testing.assert_allclose(f.data, [0, 0.25, 0.5, 0.75])
    assert npg.arange(3, dtype=np.float64, requires_grad=True).requires_grad
    with pytest.raises(ValueError, match="step"):
        npg.arange(0, 3, 0)
    with pytest.raises(TypeError, match="floating point"):
        npg.arange(3, requires_grad=True)  # int64, like torch


def test_linspace():
    a = npg.linspace(0, 1, 5)
    assert a.dtype == np.float32
    np.testing.assert_allclose(a.data, [0, 0.25, 0.5, 0.75, 1.0])
    np.testing.assert_allclose(npg.linspace(0, 1, 4, endpoint=False).data, [0, 0.25, 0.5, 0.75])
    assert npg.linspace(0, 1, 0).shape == (0,)
    with pytest.raises(ValueError, match="-1"):
        npg.linspace(0, 1, -1)


@pytest.mark.parametrize("fn, fill", [(npg.zeros_like, 0), (npg.ones_like, 1),
                                      (lambda x, **k: npg.full_like(x, 5, **k), 5)])
@given(shape=shapes(), dtype=st.sampled_from([np.float32, np.float64, np.int32, np.int64]))
def test_like_functions(fn, fill, shape, dtype):
    x = npg.array(np.zeros(shape, dtype=dtype))
    a = fn(x)
    assert a.shape == shape and a.dtype == dtype and not a.requires_grad
    np.testing.assert_array_equal(a.data, fill)
    assert not np.shares_memory(a.data, x.data) or a.size == 0
    b = fn(x, dtype=np.float64, requires_grad=True)
    assert b.dtype == np.float64 and b.requires_grad and b.is_leaf


def test_like_functions_accept_ndarrays_and_do_not_copy_grad():
    x = npg.array([[1.0, 2.0]], requires_grad=True)
    z = npg.zeros_like(x)
    assert not z.requires_grad and z.grad_fn is None and z.shape == (1, 2)
    assert npg.ones_like(np.zeros((2, 2), np.int8)).dtype == np.int8
    assert npg.empty_like(x).shape == (1, 2)
    with pytest.raises(TypeError, match="floating point"):
        npg.zeros_like(np.zeros(2, np.int64), requires_grad=True)
