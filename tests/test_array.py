"""The Array: construction, dtype rules, attributes, Python protocols and NumPy interop."""

from __future__ import annotations

import copy
import operator
import pickle

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import numpygrad as npg
from tests.helpers import shapes

DTYPES = [np.float16, np.float32, np.float64, np.int8, np.int16, np.int32, np.int64,
          np.uint8, np.bool_]


@pytest.fixture
def float64_default():
    npg.set_default_dtype(np.float64)
    yield
    npg.set_default_dtype(np.float32)


# -- construction -------------------------------------------------------------------------
class TestConstruction:
    @pytest.mark.parametrize("value, dtype", [(1.5, np.float32), (3, np.int64), (True, np.bool_),
                                              ([1.0, 2.0], np.float32), ([[1, 2]], np.int64),
                                              ([True, False], np.bool_), ([], np.float32)])
    def test_python_data_dtypes(self, value, dtype):
        a = npg.array(value)
        assert a.dtype == dtype
        np.testing.assert_array_equal(a.data, np.asarray(value, dtype=dtype))
        assert type(a.data) is np.ndarray

    def test_python_float_follows_the_default_dtype(self, float64_default):
        assert npg.array(1.5).dtype == np.float64
        assert npg.array([[1.0]]).dtype == np.float64
        assert npg.array([1, 2]).dtype == np.int64  # ints are unaffected

    def test_float_and_double_are_fixed_dtypes_like_torch(self, float64_default):
        # torch.Tensor.float() is float32 whatever the default dtype; so is Module.float().
        x = npg.array([1.0, 2.0], requires_grad=True)  # float64 here
        y = x.float()
        assert y.dtype == np.float32 and npg.array([1, 2]).float().dtype == np.float32
        assert y.double().dtype == np.float64
        y.sum().backward()
        assert x.grad.dtype == np.float64
        np.testing.assert_array_equal(x.grad.data, [1.0, 1.0])

    @given(hnp.arrays(st.sampled_from(DTYPES), shapes()))
    def test_ndarrays_keep_dtype_and_are_copied(self, nd):
        a = npg.array(nd)
        assert a.dtype == nd.dtype and a.shape == nd.shape
        np.testing.assert_array_equal(a.data, nd)
        assert not np.shares_memory(a.data, nd) or nd.size == 0
        b = npg.Array(a)
        assert b.dtype == nd.dtype and b.data is not a.data

    @given(hnp.arrays(st.sampled_from(DTYPES), shapes(min_side=1)))
    def test_asarray_shares_memory(self, nd):
        a = npg.asarray(nd)
        assert a.data is nd
        assert npg.asarray(a) is a
        c = npg.asarray(a, dtype=np.float64)
        assert c.dtype == np.float64
        assert (c is a) == (nd.dtype == np.float64)

    def test_numpy_scalars_keep_dtype(self):
        assert npg.array(np.float64(1.5)).dtype == np.float64
        assert npg.array(np.int8(3)).dtype == np.int8

    def test_explicit_dtype(self):
        a = npg.array([1, 2], dtype=np.float64)
        assert a.dtype == np.float64
        assert npg.array(np.zeros(2, np.float32), dtype="float16").dtype == np.float16

    def test_requires_grad_with_integer_data_becomes_default_float(self, float64_default):
        a = npg.array([1, 2, 3], requires_grad=True)
        assert a.dtype == np.float64 and a.requires_grad
        assert npg.array(np.arange(3, dtype=np.int8), requires_grad=True).dtype == np.float64
        assert npg.array([True], requires_grad=True).dtype == np.float64

    def test_requires_grad_with_integer_data_float32(self):
        a = npg.array([1, 2, 3], requires_grad=True)
        assert a.dtype == np.float32
        np.testing.assert_array_equal(a.data, [1.0, 2.0, 3.0])

    @pytest.mark.parametrize("dtype", [np.int64, np.int32, np.bool_, np.complex128])
    def test_explicit_non_float_dtype_with_requires_grad_raises(self, dtype):
        with pytest.raises(TypeError, match="floating point"):
            npg.array([1, 2], dtype=dtype, requires_grad=True)

    def test_requires_grad_on_integer_array_raises(self):
        a = npg.array([1, 2])
        with pytest.raises(TypeError, match="floating point"):
            a.requires_grad_()
        with pytest.raises(TypeError, match="floating point"):
            a.requires_grad = True
        assert not a.requires_grad

    @pytest.mark.parametrize("ragged", [[[1, 2], [3]], [1, [2, 3]], [[1.0], [2.0, 3.0]]])
    def test_ragged_lists_raise_value_error(self, ragged):
        with pytest.raises(ValueError, match="ragged"):
            npg.array(ragged)

    @pytest.mark.parametrize("bad", ["abc", b"abc", ["a", "b"], [None], {"a": 1}, object()])
    def test_non_numeric_data_raises_type_error(self, bad):
        with pytest.raises(TypeError):
            npg.array(bad)

    def test_variable_requires_grad_by_default(self):
        v = npg.Variable([1.0, 2.0])
        assert v.requires_grad and v.is_leaf and isinstance(v, npg.Array)
        assert not npg.Variable([1.0], requires_grad=False).requires_grad


# -- attributes -----------------------------------------------------------------------------
class TestAttributes:
    def test_leaf_attributes(self):
        x = npg.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
        assert isinstance(x.data, np.ndarray)
        assert x.grad is None and x.requires_grad and x.grad_fn is None
        assert x.parents == () and x.is_leaf
        assert x.shape == (2, 3) and x.ndim == 2 and x.size == 6 and x.dtype == np.float32
        assert len(x) == 2

    def test_non_leaf_attributes(self):
        x = npg.array([1.0, 2.0], requires_grad=True)
        y = x * 3
        assert y.requires_grad and not y.is_leaf
        assert y.grad_fn is not None and y.parents[0] is x
        assert y.grad is None

    def test_transpose_attribute_is_differentiable(self):
        x = npg.array([[1.0, 2.0, 3.0]], requires_grad=True)
        t = x.T
        assert t.shape == (3, 1) and t.grad_fn is not None
        (t * npg.array([[1.0], [2.0], [3.0]])).sum().backward()
        np.testing.assert_array_equal(x.grad.data, [[1.0, 2.0, 3.0]])

    def test_item_tolist_numpy(self):
        x = npg.array([[2.5]])
        assert x.item() == 2.5 and isinstance(x.item(), float)
        assert npg.array([[1, 2]]).tolist() == [[1, 2]]
        assert x.numpy() is x.data
        with pytest.raises(ValueError, match="3 elements"):
            npg.array([1.0, 2.0, 3.0]).item()

    def test_np_asarray_gives_the_data(self):
        x = npg.array([1.0, 2.0], requires_grad=True)
        nd = np.asarray(x)
        assert type(nd) is np.ndarray and np.shares_memory(nd, x.data)
        assert np.asarray(x, dtype=np.float64).dtype == np.float64
        np.testing.assert_array_equal(np.array(x), [1.0, 2.0])

    @given(shapes(min_dims=1, min_side=0, max_side=4))
    def test_len_and_iteration(self, shape):
        x = npg.array(np.arange(int(np.prod(shape)), dtype=np.float64).reshape(shape),
                      requires_grad=True)
        rows = list(x)
        assert len(x) == shape[0] == len(rows)
        for k, r in enumerate(rows):
            np.testing.assert_array_equal(r.data, x.data[k])
        if rows:  # iteration is differentiable
            sum(r.sum() for r in rows).backward()
            np.testing.assert_array_equal(x.grad.data, np.ones(shape))

    def test_len_and_iter_of_0d_raise(self):
        x = npg.array(1.0)
        with pytest.raises(TypeError, match="0-d"):
            len(x)
        with pytest.raises(TypeError, match="0-d"):
            iter(x)  # at once, not on the first next()

    def test_hash_by_identity(self):
        a = npg.array([1.0, 2.0], requires_grad=True)
        b = npg.array([1.0, 2.0], requires_grad=True)
        assert hash(a) != hash(b) or a is b
        s = {a, b, a}
        assert len(s) == 2
        d = {a: "a", b: "b"}
        assert d[a] == "a" and d[b] == "b"

    def test_bool(self):
        with pytest.raises(RuntimeError, match="ambiguous"):
            bool(npg.array([1.0, 2.0]))
        with pytest.raises(RuntimeError, match="ambiguous"):
            if npg.array([1.0, 2.0]) < 3:  # the bug this protects against
                pass
        with pytest.raises(RuntimeError, match="ambiguous"):
            bool(npg.array([]))
        assert bool(npg.array([3.0])) is True
        assert bool(npg.array(0.0)) is False
        assert bool(npg.array([[1.0]]) > 0) is True

    def test_scalar_conversions(self):
        with pytest.raises(ValueError, match="one element"):
            float(npg.array([1.0, 2.0]))
        with pytest.raises(ValueError, match="one element"):
            int(npg.array([1, 2]))
        assert float(npg.array([[2.5]])) == 2.5
        assert int(npg.array(7.9)) == 7
        assert list(range(10))[npg.array(3)] == 3
        with pytest.raises(TypeError):
            list(range(10))[npg.array(3.0)]

    def test_repr(self):
        x = npg.array([1.0, 2.0], requires_grad=True)
        assert repr(x) == "Array([1., 2.], requires_grad=True)"
        y = x * 2
        assert "grad_fn=<Mul>" in repr(y) and "requires_grad" not in repr(y)
        assert repr(npg.array([1.0], dtype=np.float64)) == "Array([1.], dtype=float64)"
        assert "shape=(0, 3)" in repr(npg.zeros(0, 3))
        assert f"{npg.array(2.5):.2f}" == "2.50"

    def test_requires_grad_flags(self):
        x = npg.array([1.0])
        x.requires_grad = True
        assert x.requires_grad
        assert x.requires_grad_(False) is x and not x.requires_grad
        y = npg.array([1.0], requires_grad=True) * 2
        with pytest.raises(RuntimeError, match="detach"):
            y.requires_grad_(False)

    def test_detach(self):
        x = npg.array([1.0, 2.0], requires_grad=True)
        d = (x * 2).detach()
        assert not d.requires_grad and d.grad_fn is None and d.is_leaf
        e = x.detach()
        assert np.shares_memory(e.data, x.data)

    def test_astype_drops_the_graph(self):
        x = npg.array([1.7, -1.2], requires_grad=True)
        i = x.astype(np.int64)
        assert i.dtype == np.int64 and not i.requires_grad and i.grad_fn is None
        np.testing.assert_array_equal(i.data, [1, -1])

    def test_copy_and_deepcopy(self):
        x = npg.array([1.0, 2.0], requires_grad=True)
        c = copy.copy(x)
        assert c.requires_grad and c.is_leaf and not np.shares_memory(c.data, x.data)
        (x * 2).sum().backward()
        d = copy.deepcopy(x)
        assert d.requires_grad and d.is_leaf
        np.testing.assert_array_equal(d.grad.data, [2.0, 2.0])
        assert not np.shares_memory(d.grad.data, x.grad.data)
        y = x * 2
        assert copy.deepcopy(y).grad_fn is None  # never copies the graph

    def test_pickle_is_refused(self):
        with pytest.raises(TypeError, match="save"):
            pickle.dumps(npg.array([1.0]))


# -- NumPy interoperability -------------------------------------------------------------------
class TestNumpyInterop:
    @pytest.mark.parametrize("op", ["add", "sub", "mul", "truediv", "pow"])
    def test_ndarray_op_array_returns_a_tracked_array(self, op):
        nd = np.array([1.0, 2.0, 3.0], dtype=np.float32)
        x = npg.array([0.5, 1.5, 2.5], requires_grad=True)
        fn = getattr(operator, op)
        r = fn(nd, x)
        assert isinstance(r, npg.Array), type(r)
        assert r.requires_grad and r.grad_fn is not None
        np.testing.assert_allclose(r.data, fn(nd, x.data))
        # Calling the ndarray dunder directly also gives an Array (ufunc dispatch).
        assert isinstance(getattr(nd, f"__{op}__")(x), npg.Array)
        r.sum().backward()
        assert x.grad is not None and x.grad.shape == (3,)

    def test_ndarray_matmul_array(self):
        m = np.eye(2, dtype=np.float32) * 3
        x = npg.array([1.0, 2.0], requires_grad=True)
        r = m @ x
        assert isinstance(r, npg.Array) and r.grad_fn is not None
        r.sum().backward()
        np.testing.assert_array_equal(x.grad.data, [3.0, 3.0])

    def test_ndarray_gradient_values(self):
        nd = np.array([2.0, 4.0], dtype=np.float32)
        x = npg.array([1.0, 2.0], requires_grad=True)
        (nd / x).sum().backward()
        np.testing.assert_allclose(x.grad.data, -nd / x.data**2)

    @pytest.mark.parametrize("op", ["lt", "le", "gt", "ge", "eq", "ne"])
    def test_ndarray_compare_array(self, op):
        nd = np.array([1.0, 2.0, 3.0])
        x = npg.array([2.0, 2.0, 2.0], requires_grad=True)
        fn = getattr(operator, op)
        r = fn(nd, x)
        assert isinstance(r, npg.Array) and r.dtype == np.bool_ and r.grad_fn is None
        np.testing.assert_array_equal(r.data, fn(nd, x.data))

    def test_numpy_scalars_with_arrays(self):
        x = npg.array([1.0, 2.0], requires_grad=True)
        for r in (np.float64(2.0) * x, np.float32(2.0) * x, x * np.float64(2.0)):
            assert isinstance(r, npg.Array) and r.dtype == np.float32 and r.requires_grad

    def test_ufunc_dispatches_to_numpygrad(self):
        x = npg.array([0.0, 1.0], requires_grad=True)
        y = np.exp(x)
        assert isinstance(y, npg.Array) and y.grad_fn is not None
        y.sum().backward()
        np.testing.assert_allclose(x.grad.data, np.exp([0.0, 1.0]))
        assert isinstance(np.abs(npg.array([-1.0])), npg.Array)
        assert isinstance(np.maximum(x, 0.5), npg.Array)

    def test_unsupported_ufunc_usage_raises_type_error(self):
        x = npg.array([1.0, 2.0], requires_grad=True)
        with pytest.raises(TypeError, match="spacing"):
            np.spacing(x)
        with pytest.raises(TypeError, match="reduce"):
            np.add.reduce(x)
        with pytest.raises(TypeError, match="where"):
            np.add(x, 1.0, where=np.array([True, False]))
        with pytest.raises(TypeError, match="out="):
            np.add(np.ones(2), np.ones(2), out=(x,))

    def test_out_ndarray_computes_untracked(self):
        x = npg.array([1.0, 2.0], requires_grad=True)
        buf = np.zeros(2, dtype=np.float32)
        r = np.add(x, 1.0, out=buf)
        assert r is buf
        np.testing.assert_array_equal(buf, [2.0, 3.0])
        acc = np.zeros(2, dtype=np.float32)
        acc += x
        np.testing.assert_array_equal(acc, [1.0, 2.0])
        assert type(acc) is np.ndarray

    def test_abs_operator(self):
        x = npg.array([-1.0, 2.0], requires_grad=True)
        y = abs(x)
        np.testing.assert_array_equal(y.data, [1.0, 2.0])
        y.sum().backward()
        np.testing.assert_array_equal(x.grad.data, [-1.0, 1.0])
