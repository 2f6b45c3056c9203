"""numpygrad.nn.utils: gradient clipping (against NumPy and torch) and vector helpers."""

import math

import numpy as np
import pytest

import numpygrad as npg
from numpygrad.nn.module import Parameter
from numpygrad.nn.utils import (
    clip_grad_norm_,
    clip_grad_value_,
    get_total_norm,
    parameters_to_vector,
    vector_to_parameters,
)


def make_params(seed=0, dtype=np.float32, scale=3.0, shapes=((3, 4), (5,), (2, 2, 2))):
    rng = np.random.default_rng(seed)
    params = []
    for shape in shapes:
        p = Parameter(np.zeros(shape, dtype=dtype))
        p.grad = npg.Array((scale * rng.standard_normal(shape)).astype(dtype))
        params.append(p)
    return params


def numpy_norm(grads, p):
    flat = np.concatenate([g.ravel().astype(np.float64) for g in grads])
    if p == math.inf:
        return np.abs(flat).max()
    return (np.abs(flat) ** p).sum() ** (1 / p)


@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, math.inf])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_clip_grad_norm_matches_numpy(norm_type, dtype):
    params = make_params(dtype=dtype)
    before = [p.grad.data.copy() for p in params]
    grad_buffers = [p.grad.data for p in params]
    total = clip_grad_norm_(params, max_norm=1.0, norm_type=norm_type)
    expected = numpy_norm(before, norm_type)
    assert isinstance(total, npg.Array) and total.shape == () and total.dtype == dtype
    assert total.item() == pytest.approx(expected, rel=1e-5)
    coef = 1.0 / (expected + 1e-6)
    for p, g, buf in zip(params, before, grad_buffers):
        assert p.grad.data is buf  # scaled in place
        np.testing.assert_allclose(p.grad.data, g * coef, rtol=1e-5)
    assert numpy_norm([p.grad.data for p in params], norm_type) == pytest.approx(1.0, rel=1e-4)


def test_no_clipping_below_max_norm_and_missing_grads_skipped():
    params = make_params(scale=0.01)
    params.append(Parameter([1.0]))  # no grad
    before = [p.grad.data.copy() for p in params[:-1]]
    total = clip_grad_norm_(iter(params), max_norm=10.0)
    assert total.item() == pytest.approx(numpy_norm(before, 2), rel=1e-5)
    for p, g in zip(params, before):
        assert np.array_equal(p.grad.data, g)
    assert params[-1].grad is None


def test_single_array_and_empty_inputs():
    p = Parameter([0.0, 0.0])
    p.grad = npg.Array(np.array([3.0, 4.0], dtype=np.float32))
    assert clip_grad_norm_(p, 2.5).item() == pytest.approx(5.0)
    np.testing.assert_allclose(p.grad.data, [1.5, 2.0], rtol=1e-5)
    assert clip_grad_norm_([], 1.0).item() == 0.0
    with pytest.warns(UserWarning, match="empty generator"):
        clip_grad_norm_((q for q in []), 1.0)
    with pytest.raises(ValueError, match="max_norm must be non-negative"):
        clip_grad_norm_([p], -1.0)


@pytest.mark.parametrize("bad,label", [(np.nan, "nan"), (np.inf, "inf")])
def test_non_finite_norm(bad, label):
    params = make_params()
    params[1].grad.data[0] = bad
    with pytest.raises(RuntimeError, match=rf"order 2.0 .* is non-finite \({label}\)"):
        clip_grad_norm_(params, 1.0, error_if_nonfinite=True)
    total = clip_grad_norm_(params, 1.0)  # like torch: no error, gradients poisoned
    assert not np.isfinite(total.item())
    assert np.isnan(params[0].grad.data).all() or not params[0].grad.data.any()


def test_get_total_norm_mixed_dtypes():
    total = get_total_norm([np.array([3.0], dtype=np.float32), np.array([4.0])])
    assert total.item() == 5.0 and total.dtype == np.float64


def test_clip_grad_value():
    params = make_params()
    before = [p.grad.data.copy() for p in params]
    assert clip_grad_value_(params, 0.5) is None
    for p, g in zip(params, before):
        assert np.array_equal(p.grad.data, np.clip(g, -0.5, 0.5))
        assert p.grad.dtype == np.float32
    with pytest.raises(ValueError, match="clip_value must be non-negative"):
        clip_grad_value_(params, -1)


def test_vector_round_trip():
    params = make_params()
    for i, p in enumerate(params):
        p.data[...] = i
    vec = parameters_to_vector(params)
    assert vec.shape == (12 + 5 + 8,) and not vec.requires_grad
    vec.data[...] = np.arange(vec.size)
    buf = params[0].data
    vector_to_parameters(vec, params)
    assert params[0].data is buf
    assert params[1].data.tolist() == list(range(12, 17))
    assert np.array_equal(parameters_to_vector(params).data, vec.data)
    with pytest.raises(ValueError, match="25 elements but the parameters hold 12"):
        vector_to_parameters(vec, params[:1])
    with pytest.raises(ValueError, match="1-D"):
        vector_to_parameters(np.zeros((5, 5)), params)


@pytest.mark.parametrize("norm_type", [2.0, 1.0, 0.5, math.inf])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("max_norm", [0.5, 1e6])
def test_clip_grad_norm_matches_torch(norm_type, dtype, max_norm):
    torch = pytest.importorskip("torch")
    ours = make_params(seed=3, dtype=dtype)
    theirs = []
    for p in ours:
        t = torch.zeros(p.shape, dtype=getattr(torch, np.dtype(dtype).name), requires_grad=True)
        t.grad = torch.from_numpy(p.grad.data.copy())
        theirs.append(t)
    total = clip_grad_norm_(ours, max_norm, norm_type)
    t_total = torch.nn.utils.clip_grad_norm_(theirs, max_norm, norm_type)
    rtol = 1e-5 if dtype == np.float32 else 1e-12
    assert total.item() == pytest.approx(t_total.item(), rel=rtol)
    assert str(total.dtype) == str(t_total.dtype).removeprefix("torch.")
    for p, t in zip(ours, theirs):
        np.testing.assert_allclose(p.grad.data, t.grad.numpy(), rtol=rtol)


def test_clip_grad_value_matches_torch():
    torch = pytest.importorskip("torch")
    ours = make_params(seed=4)
    theirs = [torch.from_numpy(p.grad.data.copy()) for p in ours]
    ts = []
    for g in theirs:
        t = torch.zeros(g.shape, requires_grad=True)
        t.grad = g
        ts.append(t)
    clip_grad_value_(ours, 1.0)
    torch.nn.utils.clip_grad_value_(ts, 1.0)
    for p, t in zip(ours, ts):
        assert np.array_equal(p.grad.data, t.grad.numpy())
