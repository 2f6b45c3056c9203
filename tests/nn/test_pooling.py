"""nn.pooling: max/avg pooling gradients to second order, PyTorch parity, ties, errors."""

import numpy as np
import pytest

import numpygrad as npg
from numpygrad.nn.pooling import AvgPool2d, MaxPool2d, avg_pool2d, max_pool2d
from tests.helpers import check_op, compare_torch, torch_or_skip

RNG = np.random.default_rng(0)

MAX_CASES = [
    {"kernel_size": 2},
    {"kernel_size": 3, "stride": 2, "padding": 1},
    {"kernel_size": (2, 3), "stride": 1, "dilation": (2, 1)},
    {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True},
    {"kernel_size": (3, 2), "stride": (1, 2)},
]
AVG_CASES = [
    {"kernel_size": 2},
    {"kernel_size": 3, "stride": 2, "padding": 1},
    {"kernel_size": 3, "stride": 2, "padding": 1, "count_include_pad": False, "ceil_mode": True},
    {"kernel_size": (2, 3), "stride": (1, 2), "ceil_mode": True},
    {"kernel_size": 3, "padding": 1, "divisor_override": 2},
    {"kernel_size": (3, 2), "stride": 1},
]


def distinct(shape):
    """Values with no ties within a window, so the max is differentiable there."""
    return RNG.permutation(np.prod(shape)).reshape(shape) * 0.1 + RNG.uniform(0, 0.01, shape)


@pytest.mark.parametrize("kw", MAX_CASES)
def test_max_pool_gradcheck(kw):
    check_op(lambda x: max_pool2d(x, **kw), distinct((2, 2, 7, 6)))


@pytest.mark.parametrize("kw", AVG_CASES)
def test_avg_pool_gradcheck(kw):
    check_op(lambda x: avg_pool2d(x, **kw), RNG.standard_normal((2, 2, 7, 6)))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("kw", MAX_CASES)
def test_max_pool_matches_torch(kw, dtype):
    t = torch_or_skip()
    x = RNG.standard_normal((2, 3, 7, 6))
    compare_torch(lambda a: max_pool2d(a, **kw), lambda a: t.nn.functional.max_pool2d(a, **kw),
                  x, dtype=dtype)
    out, idx = max_pool2d(npg.array(x.astype(dtype)), return_indices=True, **kw)
    tout, tidx = t.nn.functional.max_pool2d(t.tensor(x.astype(dtype)), return_indices=True,
                                            **kw)
    np.testing.assert_array_equal(idx.data, tidx.numpy())
    assert idx.dtype == np.int64


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("kw", AVG_CASES)
def test_avg_pool_matches_torch(kw, dtype):
    t = torch_or_skip()
    compare_torch(lambda a: avg_pool2d(a, **kw), lambda a: t.nn.functional.avg_pool2d(a, **kw),
                  RNG.standard_normal((2, 3, 7, 6)), dtype=dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_modules_match_torch(dtype):
    t = torch_or_skip()
    x = RNG.standard_normal((2, 3, 8, 8))
    compare_torch(MaxPool2d(3, 2, 1), t.nn.MaxPool2d(3, 2, 1), x, dtype=dtype)
    compare_torch(AvgPool2d(2), t.nn.AvgPool2d(2), x, dtype=dtype)
    compare_torch(AvgPool2d(3, 1, 1, count_include_pad=False),
                  t.nn.AvgPool2d(3, 1, 1, count_include_pad=False), x, dtype=dtype)


def test_ties_send_gradient_to_the_first_maximum():
    x = npg.array(np.ones((1, 1, 2, 2)), requires_grad=True)
    max_pool2d(x, 2).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [[[[1, 0], [0, 0]]]])
    # Overlapping windows that pick the same element accumulate.
    y = npg.array(np.array([[[[0.0, 5.0, 0.0]]]]), requires_grad=True)
    max_pool2d(y, (1, 2), stride=1).sum().backward()
    np.testing.assert_array_equal(y.grad.data, [[[[0, 2, 0]]]])


def test_nan_propagates():
    x = npg.array([[[[1.0, np.nan], [3.0, 2.0]]]])
    assert np.isnan(max_pool2d(x, 2).item())
    # The gradient goes to the window's first NaN, as in PyTorch.
    y = npg.array([[[[1.0, 3.0], [np.nan, np.nan]]]], requires_grad=True)
    out = max_pool2d(y, 2)
    assert np.isnan(out.item())
    out.backward()
    np.testing.assert_array_equal(y.grad.data, [[[[0, 0], [1, 0]]]])


def test_later_first_maximum_gets_the_gradient():
    x = npg.array([[[[2.0, 5.0], [5.0, 1.0]]]], requires_grad=True)
    max_pool2d(x, 2).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [[[[0, 1], [0, 0]]]])


@pytest.mark.parametrize("kw", [{"kernel_size": 2}, {"kernel_size": 3, "stride": 2},
                                {"kernel_size": 3, "stride": 1, "padding": 1}])
def test_ties_match_torch(kw):
    t = torch_or_skip()
    # Small integers: many windows hold their maximum more than once.
    x = np.random.default_rng(4).integers(0, 3, (2, 3, 7, 7)).astype(np.float64)
    ours = npg.array(x, requires_grad=True)
    max_pool2d(ours, **kw).sum().backward()
    theirs = t.tensor(x, requires_grad=True)
    t.nn.functional.max_pool2d(theirs, **kw).sum().backward()
    np.testing.assert_array_equal(ours.grad.data, theirs.grad.numpy())


def test_unbatched_input():
    x = npg.array(RNG.standard_normal((3, 6, 6)), requires_grad=True)
    out = max_pool2d(x, 2)
    assert out.shape == (3, 3, 3)
    out.sum().backward()
    assert x.grad.data.sum() == 27
    assert avg_pool2d(x, 3).shape == (3, 2, 2)


def test_shapes_and_dtype():
    x = npg.ones((2, 3, 28, 28))
    assert MaxPool2d(2)(x).shape == (2, 3, 14, 14)
    assert MaxPool2d(3, 2, ceil_mode=True)(x).shape == (2, 3, 14, 14)
    assert MaxPool2d(3, 2)(x).shape == (2, 3, 13, 13)
    assert AvgPool2d(2)(x).dtype == np.float32
    assert max_pool2d(npg.ones((2, 3, 5, 5), dtype=np.float64), 2).dtype == np.float64


def test_third_order_avg_pool():
    x = npg.array(RNG.standard_normal((1, 1, 4, 4)), requires_grad=True)
    (g,) = npg.grad(avg_pool2d(x, 2, 1).pow(3).sum(), [x], create_graph=True)
    (gg,) = npg.grad(g.pow(2).sum(), [x], create_graph=True)
    (ggg,) = npg.grad(gg.sum(), [x])
    assert np.isfinite(ggg.data).all()


def test_errors():
    x = npg.ones((1, 1, 4, 4))
    with pytest.raises(ValueError, match="pad should be at most half of effective kernel size"):
        max_pool2d(x, 2, padding=2)
    with pytest.raises(ValueError, match="pad should be at most half"):
        avg_pool2d(x, 3, padding=2)
    with pytest.raises(ValueError, match="output size is too small"):
        max_pool2d(x, 5)
    with pytest.raises(ValueError, match="expected 3D or 4D"):
        max_pool2d(npg.ones((4, 4)), 2)
    with pytest.raises(ValueError, match="must be positive"):
        avg_pool2d(x, 0)
    with pytest.raises(ValueError, match="divisor must be not zero"):
        avg_pool2d(x, 2, divisor_override=0)


@pytest.mark.parametrize("kw", [{"kernel_size": 2, "padding": 1, "dilation": 2},
                                {"kernel_size": 3, "padding": 1, "stride": 2},
                                {"kernel_size": 2, "padding": 1}])
def test_all_minus_inf_windows_never_pick_padding(kw):
    t = torch_or_skip()
    x = np.full((1, 1, 4, 4), -np.inf)
    x[0, 0, 0, 0] = 1.0
    compare_torch(lambda a: max_pool2d(a, **kw), lambda a: t.nn.functional.max_pool2d(a, **kw),
                  x)


@pytest.mark.parametrize("kernel", [1, 2])
def test_max_pool_result_is_not_a_view_of_its_scratch_windows(kernel):
    # The windows go through the scratch pool (numpygrad.nn._scratch); with one
    # offset per window the maximum must still be a fresh array.
    x = npg.array(RNG.standard_normal((2, 3, 120, 120)))
    out = max_pool2d(x, kernel)
    kept = out.data.copy()
    out2 = max_pool2d(npg.array(RNG.standard_normal(x.shape)), kernel)  # takes the buffer back
    np.testing.assert_array_equal(out.data, kept)
    assert not np.shares_memory(out.data, out2.data)


@pytest.mark.parametrize("size", [16, 17])
def test_large_windows_find_their_maximum(size):
    # 256 offsets fit the small offset counter, 289 take the wide one.
    x = RNG.standard_normal((2, 3, size, size))
    x[0, 0, -1, -1] = 10.0  # the maximum at the very last offset
    out, idx = max_pool2d(npg.array(x), size, return_indices=True)
    flat = x.reshape(2, 3, -1)
    np.testing.assert_array_equal(out.data[..., 0, 0], flat.max(axis=-1))
    np.testing.assert_array_equal(idx.data[..., 0, 0], flat.argmax(axis=-1))
