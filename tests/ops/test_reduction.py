"""Tests for numpygrad.ops.reduction: gradients, conventions, edge cases, PyTorch parity."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import numpygrad as npg
from numpygrad.testing import gradgradcheck
from tests.helpers import arrays, check_op, compare_torch, leaf, shapes, torch_or_skip


# -- strategies ---------------------------------------------------------------------------
@st.composite
def reduce_case(draw, min_side=0, max_side=4):
    """(shape, axis, keepdims, kwargs): int, negative and tuple axes, both spellings."""
    shape = draw(shapes(max_side=max_side, min_side=min_side))
    nd = len(shape)
    kind = draw(st.sampled_from(["none", "int", "tuple"])) if nd else draw(
        st.sampled_from(["none", "tuple"]))
    if kind == "none":
        axis = None
    elif kind == "int":
        axis = draw(st.integers(-nd, nd - 1))
    else:
        axes = draw(st.lists(st.integers(0, nd - 1), unique=True, max_size=nd)) if nd else []
        axis = tuple(a - nd if draw(st.booleans()) else a for a in axes)
    keepdims = draw(st.booleans())
    kwargs = ({"dim": axis, "keepdim": keepdims} if draw(st.booleans())
              else {"axis": axis, "keepdims": keepdims})
    return shape, axis, keepdims, kwargs


def reduced_count(shape, axis):
    axes = range(len(shape)) if axis is None else np.atleast_1d(axis)
    return math.prod(shape[a] for a in axes)


def distinct(shape):
    """Values without ties, at least 0.1 apart (so gradcheck never flips a max)."""
    ints = hnp.arrays(np.int64, shape, elements=st.integers(-300, 300), unique=True)
    return ints.map(lambda a: np.asarray(a / 10.0))


@st.composite
def scan_case(draw, max_side=4):
    shape = draw(shapes(max_side=max_side))
    axis = draw(st.none() | st.integers(-max(len(shape), 1), max(len(shape), 1) - 1))
    return shape, axis


# -- gradients over hypothesis shapes (gradcheck + gradgradcheck + invariants) -------------
@given(st.data())
def test_sum_mean_grad(data):
    shape, axis, keepdims, kw = data.draw(reduce_case())
    x = data.draw(arrays(shape))
    for fn, ref in [(npg.sum, np.sum), (npg.mean, np.mean)]:
        check_op(lambda v, fn=fn: fn(v, **kw), x)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # NumPy warns on the empty mean; we must not
            expected = ref(x, axis=axis, keepdims=keepdims)
        np.testing.assert_allclose(fn(x, **kw).data, expected, rtol=1e-12)


@given(st.data(), st.sampled_from([0, 1]))
def test_var_std_grad(data, ddof):
    shape, axis, keepdims, kw = data.draw(reduce_case())
    if reduced_count(shape, axis) - ddof <= 0 and math.prod(shape):
        return  # nan by definition; checked exactly below
    x = data.draw(distinct(shape))  # std has a kink where a slice is constant
    for fn, ref in [(npg.var, np.var), (npg.std, np.std)]:
        check_op(lambda v, fn=fn: fn(v, ddof=ddof, **kw), x)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            expected = ref(x, axis=axis, keepdims=keepdims, ddof=ddof)
        np.testing.assert_allclose(fn(x, ddof=ddof, **kw).data, expected, rtol=1e-9, atol=1e-12)


@given(st.data())
def test_prod_grad(data):
    shape, axis, keepdims, kw = data.draw(reduce_case(max_side=3))
    x = data.draw(arrays(shape, low=-1.5, high=1.5, avoid=(0,)))  # zeros: exact tests
    check_op(lambda v: npg.prod(v, **kw), x)
    np.testing.assert_allclose(npg.prod(x, **kw).data, np.prod(x, axis=axis, keepdims=keepdims),
                               rtol=1e-12)


@given(st.data(), st.sampled_from(["max", "min", "amax", "amin"]))
def test_max_min_grad(data, name):
    shape, axis, keepdims, kw = data.draw(reduce_case(min_side=1))
    x = data.draw(distinct(shape))
    fn = getattr(npg, name)
    check_op(lambda v: fn(v, **kw), x)
    ref = np.max if name in ("max", "amax") else np.min
    np.testing.assert_array_equal(fn(x, **kw).data, ref(x, axis=axis, keepdims=keepdims))


@given(st.data())
def test_logsumexp_grad(data):
    shape, axis, keepdims, kw = data.draw(reduce_case())
    x = data.draw(arrays(shape, low=-10, high=10))
    check_op(lambda v: npg.logsumexp(v, **kw), x)
    with np.errstate(divide="ignore"):
        expected = np.log(np.sum(np.exp(x), axis=axis, keepdims=keepdims))
    np.testing.assert_allclose(npg.logsumexp(x, **kw).data, expected, rtol=1e-12, atol=1e-12)


@given(st.data())
def test_cumsum_cumprod_grad(data):
    shape, axis = data.draw(scan_case())
    x = data.draw(arrays(shape, low=-1.5, high=1.5, avoid=(0,)))
    for fn, ref in [(npg.cumsum, np.cumsum), (npg.cumprod, np.cumprod)]:
        check_op(lambda v, fn=fn: fn(v, axis=axis), x)
        np.testing.assert_allclose(fn(x, dim=axis).data, ref(x, axis=axis), rtol=1e-12)


# -- exact values: ties, zeros, NaN, empty -------------------------------------------------
def grad_of(fn, values, upstream=None, dtype=np.float64):
    x = leaf(values, dtype)
    out = fn(x)
    out.backward(upstream)
    return out, x.grad.data


def test_full_max_ties_split_evenly():
    np.testing.assert_array_equal(grad_of(npg.max, [1.0, 3.0, 3.0])[1], [0, 0.5, 0.5])
    np.testing.assert_array_equal(grad_of(npg.min, [1.0, 1.0, 1.0, 3.0])[1], [1 / 3] * 3 + [0])


def test_max_with_axis_ties_split_evenly():
    out, g = grad_of(lambda v: v.amax(1), [[1.0, 3.0, 3.0], [2.0, 2.0, 1.0]], np.ones(2))
    np.testing.assert_array_equal(g, [[0, 0.5, 0.5], [0.5, 0.5, 0]])
    _, g = grad_of(lambda v: npg.amin(v, axis=(0, 1)), [[1.0, 2.0], [1.0, 1.0]])
    np.testing.assert_array_equal(g, [[1 / 3, 0], [1 / 3, 1 / 3]])


def test_max_propagates_nan_and_gives_it_the_gradient():
    out, g = grad_of(npg.max, [1.0, np.nan, 3.0])
    assert np.isnan(out.item())
    np.testing.assert_array_equal(g, [0, 1, 0])


def test_prod_with_zeros_exact():
    np.testing.assert_array_equal(grad_of(npg.prod, [2.0, 0.0, 3.0])[1], [0, 6, 0])
    np.testing.assert_array_equal(grad_of(npg.prod, [0.0, 2.0, 0.0])[1], [0, 0, 0])
    out, g = grad_of(lambda v: v.prod(axis=1), [[2.0, 0.0, 3.0], [1.0, 2.0, 3.0]], np.ones(2))
    np.testing.assert_array_equal(out.data, [0, 6])
    np.testing.assert_array_equal(g, [[0, 6, 0], [6, 3, 2]])
    assert npg.prod(npg.zeros((0, 2)), axis=0).tolist() == [1.0, 1.0]


@pytest.mark.parametrize("values", [[2.0, 0.0, 3.0], [0.0, 2.0, 0.0], [[0.0, 1.5], [2.0, -1.0]]])
def test_second_order_at_zeros(values):
    for fn in (npg.prod, lambda v: npg.prod(v, axis=0), lambda v: npg.cumprod(v, axis=-1)):
        assert gradgradcheck(fn, [leaf(values)])


def test_cumprod_with_zeros_matches_torch_values():
    _, g = grad_of(npg.cumprod, [2.0, 0.0, 3.0, 0.0, 5.0], np.arange(1.0, 6.0))
    np.testing.assert_array_equal(g, [1, 22, 0, 0, 0])
    for dt in (np.float64, np.float32):
        compare_torch(lambda v: npg.cumprod(v, axis=1), lambda v: v.cumprod(1),
                      [[2.0, 0.0, 3.0, 0.0, 5.0], [0.0, 1.0, 2.0, 3.0, 4.0]], dtype=dt)


def test_std_of_constant_has_zero_gradient():
    out, g = grad_of(npg.std, [2.0, 2.0, 2.0])
    assert out.item() == 0
    np.testing.assert_array_equal(g, [0, 0, 0])
    x = leaf([[1.0, 1.0], [1.0, 2.0]])  # the second derivative must not be nan either
    (gx,) = npg.grad(npg.std(x, axis=1).sum(), x, create_graph=True)
    (ggx,) = npg.grad((gx * gx).sum(), x)
    assert np.isfinite(ggx.data).all() and gx.data[0].tolist() == [0, 0]


def test_var_degenerate_is_nan_without_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out, g = grad_of(lambda v: npg.var(v, ddof=1), [2.0])
        assert np.isnan(out.item()) and np.isnan(g).all()
        assert np.isnan(npg.std(npg.array([2.0]), correction=1).item())
        assert np.isnan(npg.var(npg.zeros(0)).item())
        assert np.isinf(npg.var(npg.array([2.0, 3.0]), ddof=3).item())


def test_var_ddof_spellings():
    x = npg.array([1.0, 2.0, 4.0], dtype=np.float64)
    ref0, ref1 = np.var(x.data), np.var(x.data, ddof=1)
    assert npg.var(x).item() == pytest.approx(ref0)
    for kw in ({"ddof": 1}, {"correction": 1}, {"unbiased": True}):
        assert x.var(**kw).item() == pytest.approx(ref1)
        assert x.std(**kw).item() == pytest.approx(math.sqrt(ref1))
    assert x.var(unbiased=False).item() == pytest.approx(ref0)
    with pytest.raises(TypeError, match="only one of"):
        npg.var(x, ddof=1, correction=1)
    with pytest.raises(TypeError, match="bool"):
        npg.var(x, True)


def test_empty_reductions():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert npg.sum(npg.zeros(0)).item() == 0
        assert np.isnan(npg.mean(npg.zeros((0, 3))).item())
        assert np.isnan(npg.mean(npg.zeros((0, 3)), axis=0).data).all()
        assert npg.mean(npg.zeros((3, 0)), axis=0).shape == (0,)
        assert npg.logsumexp(npg.zeros(0)).item() == -np.inf
        x = leaf(np.zeros((0, 3)))
        npg.mean(x, axis=0).backward(np.ones(3))
        assert x.grad.shape == (0, 3)
    for fn in (npg.max, npg.min):
        with pytest.raises(ValueError, match=r"\(0, 3\)"):
            fn(npg.zeros((0, 3)))
        with pytest.raises(ValueError, match=r"\(0, 3\)"):
            fn(npg.zeros((0, 3)), axis=0)
        assert fn(npg.zeros((0, 3)), axis=1).shape == (0,)
        assert fn(npg.zeros((0, 3)), axis=1, keepdims=True).shape == (0, 1)


def test_sum_nan_grad_is_one():
    out, g = grad_of(npg.sum, [np.nan, 1.0])
    assert np.isnan(out.item())
    np.testing.assert_array_equal(g, [1, 1])


@pytest.mark.parametrize("name", ["sum", "mean", "var", "std", "prod", "max", "min",
                                  "logsumexp", "cumsum", "cumprod"])
def test_axis_out_of_range(name):
    fn = getattr(npg, name)
    with pytest.raises(IndexError, match=r"axis 2 .*dimension 2"):
        fn(npg.zeros((2, 3)), axis=2)
    with pytest.raises(IndexError, match=r"axis -3 .*dimension 2"):
        fn(npg.zeros((2, 3)), dim=-3)
    with pytest.raises(TypeError, match="either axis or dim"):
        fn(npg.zeros((2, 3)), axis=0, dim=0)


def test_dtype_rules():
    i32 = npg.array(np.array([[1, 2], [3, 4]], dtype=np.int32))
    f32 = npg.array(np.ones((2, 2), dtype=np.float32))
    assert npg.sum(i32).dtype == np.int64 and npg.sum(i32).item() == 10
    assert npg.sum(npg.array(np.array([True, True]))).dtype == np.int64
    assert npg.cumsum(i32).dtype == np.int64 and npg.prod(i32).dtype == np.int64
    assert npg.max(i32).dtype == np.int32
    for fn in (npg.mean, npg.var, npg.std, npg.logsumexp):
        assert fn(i32).dtype == np.float32
        assert fn(f32, axis=0).dtype == np.float32
        assert fn(npg.array(np.ones(2))).dtype == np.float64
    assert npg.mean(npg.array(np.array([2**53 + 1, 2**53 + 1]))).item() == 2.0**53
    for fn in (npg.sum, npg.prod, npg.max, npg.cumsum, npg.cumprod):
        assert fn(f32).dtype == np.float32


def test_logsumexp_reference_values():
    # RELIABILITY 2.1: float32 rounding gives 0.4998939; float64 gives exactly 0.5.
    out, g = grad_of(npg.logsumexp, [1e4, 1e4], dtype=np.float32)
    assert out.item() == pytest.approx(10000.6934, abs=1e-3)
    np.testing.assert_allclose(g, [0.4998939, 0.4998939], rtol=1e-6)
    out, g = grad_of(npg.logsumexp, [1e4, 1e4])  # torch: 10000.69314718056, 0.49999999999991
    assert out.item() == pytest.approx(10000.693147, abs=1e-6)
    np.testing.assert_allclose(g, [0.5, 0.5], rtol=1e-12)
    out, g = grad_of(npg.logsumexp, [-np.inf, -np.inf])
    assert out.item() == -np.inf and np.isnan(g).all()
    out, g = grad_of(npg.logsumexp, [np.inf, 1.0])
    assert out.item() == np.inf
    np.testing.assert_array_equal(g, [np.nan, 0])
    out, g = grad_of(lambda v: npg.logsumexp(v, dim=1), [[1e4, 0, -1e4], [-np.inf] * 3],
                     np.ones(2))
    np.testing.assert_array_equal(out.data, [1e4, -np.inf])
    np.testing.assert_array_equal(g[0], [1, 0, 0])


def test_cumsum_flattens_and_handles_0d():
    x = npg.array([[1.0, 2.0], [3.0, 4.0]])
    assert npg.cumsum(x).tolist() == [1, 3, 6, 10]
    assert x.cumsum(axis=0).tolist() == [[1, 2], [4, 6]]
    assert npg.cumprod(npg.array(3.0)).shape == (1,)
    assert npg.cumsum(npg.array(3.0), axis=0).tolist() == [3.0]
    with pytest.raises(TypeError, match="one int"):
        npg.cumsum(x, axis=(0, 1))


def test_methods_and_aliases():
    x = npg.array([[1.0, 5.0], [3.0, 2.0]])
    assert x.max(dim=1, keepdim=True).shape == (2, 1)
    assert x.amin(axis=0).tolist() == [1.0, 2.0]
    assert x.logsumexp(-1).shape == (2,)
    assert x.sum(axis=[0, 1]).item() == 11
    assert x.var(dim=(0, 1)).item() == pytest.approx(np.var(x.data))
    assert npg.sum(x, axis=()).shape == (2, 2)


# -- PyTorch parity (float64 and float32) --------------------------------------------------
TORCH_CASES = {
    "sum": (lambda v: npg.sum(v, axis=(0, 2), keepdims=True), lambda v: v.sum((0, 2), True)),
    "mean": (lambda v: npg.mean(v, dim=-1), lambda v: v.mean(-1)),
    "var": (lambda v: npg.var(v, axis=1, correction=1), lambda v: v.var(1)),
    "std": (lambda v: npg.std(v, axis=(0, 1), ddof=0), lambda v: v.std((0, 1), correction=0)),
    "prod": (lambda v: npg.prod(v, axis=1), lambda v: v.prod(1)),
    "amax": (lambda v: npg.amax(v, axis=(1, 2)), lambda v: v.amax((1, 2))),
    "amin": (lambda v: npg.amin(v, axis=0, keepdims=True), lambda v: v.amin(0, True)),
    "logsumexp": (lambda v: npg.logsumexp(v, axis=(0, 2)), lambda v: v.logsumexp((0, 2))),
    "cumsum": (lambda v: npg.cumsum(v, axis=1), lambda v: v.cumsum(1)),
    "cumprod": (lambda v: npg.cumprod(v, dim=-1), lambda v: v.cumprod(-1)),
}


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", sorted(TORCH_CASES))
def test_matches_torch(name, dtype):
    torch_or_skip()
    ours, theirs = TORCH_CASES[name]
    values = np.random.default_rng(1).permutation(24).reshape(2, 3, 4) / 8.0 - 1.4
    compare_torch(ours, theirs, values, dtype=dtype)
    compare_torch(lambda v: v.max(), lambda v: v.max(), [1.0, 3.0, 3.0], dtype=dtype)


# -- the broadcast view of a reduced gradient (sum's and mean's backward) -------------------
@given(st.data())
def test_broadcast_view_equals_numpys(data):
    from numpygrad.ops.reduction import _broadcast_view

    shape = data.draw(shapes(max_side=4, min_side=0))
    small = tuple(data.draw(st.sampled_from([1, n])) for n in shape)
    a = data.draw(arrays(small))
    if data.draw(st.booleans()) and a.ndim:
        a = np.asfortranarray(a)
    view = _broadcast_view(a, shape)
    ref = np.broadcast_to(a, shape)
    assert view.shape == ref.shape and view.dtype == ref.dtype
    np.testing.assert_array_equal(view, ref)
    assert not view.flags.writeable
    assert np.shares_memory(view, a) or a.size == 0 or view.size == 0


def test_broadcast_view_of_a_strided_array_falls_back():
    from numpygrad.ops.reduction import _broadcast_view

    a = np.arange(12.0).reshape(3, 4)[:, ::2][:, :1]  # not contiguous: no buffer to lend
    view = _broadcast_view(a, (3, 5))
    np.testing.assert_array_equal(view, np.broadcast_to(a, (3, 5)))
    assert not view.flags.writeable


@pytest.mark.parametrize("small, shape", [((2, 3), (3, 3)), ((2,), (3,)), ((0,), (2,))])
def test_broadcast_view_refuses_what_numpy_refuses(small, shape):
    from numpygrad.ops.reduction import _broadcast_view

    with pytest.raises(ValueError, match="broadcast"):
        _broadcast_view(np.ones(small), shape)


def test_sum_gradient_is_read_only_view_until_stored():
    # The gradient of x.sum() is a broadcast view; the engine copies it into .grad,
    # so the leaf's gradient is writable and owns its memory.
    x = npg.array(np.ones((3, 4), np.float32), requires_grad=True)
    (x * 2.0).sum().backward()
    assert x.grad.data.flags.writeable and x.grad.data.base is None
    np.testing.assert_array_equal(x.grad.data, np.full((3, 4), 2.0, np.float32))
    x.grad = None
    x.mean().backward()
    np.testing.assert_array_equal(x.grad.data, np.full((3, 4), 1 / 12, np.float32))
    assert x.grad.data.flags.writeable


@pytest.mark.parametrize("shape", [(), (1,), (0, 3), (2, 0), (3, 1, 2)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", ["sum", "mean"])
def test_full_reduction_gradient_shapes_and_dtypes(shape, dtype, name):
    # The full reduction's gradient is broadcast from a 0-d array (or, for mean, from
    # a NumPy scalar after the scaling): every shape and dtype must come back intact.
    x = npg.array(np.ones(shape, dtype), requires_grad=True)
    getattr(x, name)().backward()
    g = x.grad.data
    assert type(g) is np.ndarray and g.shape == shape and g.dtype == dtype
    assert g.flags.writeable
    size = int(np.prod(shape))
    if size:
        expected = 1.0 if name == "sum" else 1.0 / size
        np.testing.assert_allclose(g, np.full(shape, expected, dtype), rtol=1e-6)
