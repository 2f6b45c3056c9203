"""Elementwise ops (elementwise.py, trig.py, piecewise.py): gradients, kinks, stability, dtypes."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import numpygrad as npg
from numpygrad.testing import assert_allclose
from tests.helpers import arrays, broadcastable_pair, check_op, compare_torch, leaf, shapes, torch

SMALL = shapes(max_side=3)
INTS = tuple(range(-3, 4))
HALVES = tuple(k + 0.5 for k in range(-4, 4))


def _t(name):
    """A torch function by name, resolved lazily (tests skip without torch)."""
    return lambda *a, **k: getattr(torch, name)(*a, **k)


# name: (numpygrad fn, torch fn, low, high, points to avoid, margin)
UNARY = {
    "exp": (npg.exp, _t("exp"), -3, 3, (), 0),
    "expm1": (npg.expm1, _t("expm1"), -3, 3, (), 0),
    "log": (npg.log, _t("log"), 0.1, 5, (), 0),
    "log1p": (npg.log1p, _t("log1p"), -0.9, 3, (), 0),
    "sqrt": (npg.sqrt, _t("sqrt"), 0.1, 5, (), 0),
    "square": (npg.square, _t("square"), -3, 3, (), 0),
    "reciprocal": (npg.reciprocal, _t("reciprocal"), -3, 3, (0,), 0.3),
    "abs": (npg.abs, _t("abs"), -3, 3, (0,), 1e-2),
    "sin": (npg.sin, _t("sin"), -4, 4, (), 0),
    "cos": (npg.cos, _t("cos"), -4, 4, (), 0),
    "tan": (npg.tan, _t("tan"), -1.2, 1.2, (), 0),
    "tanh": (npg.tanh, _t("tanh"), -4, 4, (), 0),
    "sigmoid": (npg.sigmoid, _t("sigmoid"), -6, 6, (), 0),
    "relu": (npg.relu, _t("relu"), -3, 3, (0,), 1e-2),
    "sign": (npg.sign, _t("sign"), -3, 3, (0,), 1e-2),
    "floor": (npg.floor, _t("floor"), -3, 3, INTS, 1e-3),
    "ceil": (npg.ceil, _t("ceil"), -3, 3, INTS, 1e-3),
    "round": (npg.round, _t("round"), -3, 3, HALVES, 1e-3),
    "round1": (lambda x: npg.round(x, decimals=1), lambda x: torch.round(x, decimals=1),
               -3, 3, tuple(k / 10 + 0.05 for k in range(-31, 31)), 1e-3),
    "clip": (lambda x: npg.clip(x, -1, 1.5), lambda x: torch.clamp(x, -1, 1.5), -3, 3,
             (-1, 1.5), 1e-2),
    "clip_min": (lambda x: npg.clip(x, min=-0.5), lambda x: torch.clamp(x, min=-0.5), -3, 3,
                 (-0.5,), 1e-2),
    "clamp_max": (lambda x: npg.clamp(x, max=0.5), lambda x: torch.clamp(x, max=0.5), -3, 3,
                  (0.5,), 1e-2),
}


def _values(data, spec, shape=SMALL):
    _, _, low, high, avoid, margin = spec
    return data.draw(arrays(shape=shape, low=low, high=high, avoid=avoid, margin=margin))


@pytest.mark.parametrize("name", UNARY)
@given(data=st.data())
def test_unary_gradients(name, data):
    spec = UNARY[name]
    check_op(spec[0], _values(data, spec))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", UNARY)
@given(data=st.data())
def test_unary_against_torch(name, dtype, data):
    spec = UNARY[name]
    compare_torch(spec[0], spec[1], _values(data, spec), dtype=dtype)


def _apart(data, shape_a, shape_b, offset=0.0071):
    """Two broadcastable arrays whose elements never tie (keeps away from kinks)."""
    a = data.draw(arrays(shape=shape_a))
    # An odd offset makes exact ties between Hypothesis's favourite values impossible.
    b = data.draw(arrays(shape=shape_b)) + offset
    assume(np.all(np.abs(a - b) > 1e-3))
    return a, b


BINARY = {
    "maximum": (npg.maximum, _t("maximum")),
    "minimum": (npg.minimum, _t("minimum")),
    "logaddexp": (npg.logaddexp, _t("logaddexp")),
}


@pytest.mark.parametrize("name", BINARY)
@given(pair=broadcastable_pair(max_side=3), data=st.data())
def test_binary_gradients(name, pair, data):
    check_op(BINARY[name][0], *_apart(data, *pair))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", BINARY)
@given(pair=broadcastable_pair(max_side=3), data=st.data())
def test_binary_against_torch(name, dtype, pair, data):
    compare_torch(*BINARY[name], *_apart(data, *pair), dtype=dtype)


def _triple(max_side=3):
    return hnp.mutually_broadcastable_shapes(num_shapes=3, max_dims=3, max_side=max_side).map(
        lambda r: r.input_shapes)


@given(shapes3=_triple(), data=st.data())
def test_where_gradients_and_torch(shapes3, data):
    sc, sa, sb = shapes3
    cond = data.draw(hnp.arrays(np.bool_, sc))
    a, b = data.draw(arrays(shape=sa)), data.draw(arrays(shape=sb))
    check_op(lambda x, y: npg.where(cond, x, y), a, b)
    for dtype in (np.float64, np.float32):
        compare_torch(lambda x, y: npg.where(cond, x, y),
                      lambda x, y: torch.where(torch.tensor(cond), x, y), a, b, dtype=dtype)


@given(shapes3=_triple(), data=st.data())
def test_clip_array_bounds(shapes3, data):
    sx, slo, shi = shapes3
    x = data.draw(arrays(shape=sx))
    lo = data.draw(arrays(shape=slo, low=-2, high=0)) + 0.0071
    hi = data.draw(arrays(shape=shi, low=0, high=2)) + 0.0133
    full = np.broadcast_arrays(x, lo, hi)
    assume(np.all(np.abs(full[0] - full[1]) > 1e-3) and np.all(np.abs(full[0] - full[2]) > 1e-3))
    check_op(lambda a, b, c: npg.clip(a, b, c), x, lo, hi)
    check_op(lambda a, b: npg.clip(a, min=b), x, lo)
    check_op(lambda a, c: npg.clamp(a, max=c), x, hi)
    if np.broadcast_shapes(sx, slo, shi) == sx:  # torch's clamp backward breaks otherwise
        for dtype in (np.float64, np.float32):
            compare_torch(npg.clip, _t("clamp"), x, lo, hi, dtype=dtype)


def test_clip_array_bound_conventions_match_torch():
    # Inclusive boundaries, lo > hi (hi wins and gets the gradient), lo == hi.
    x = [-1.0, 0.0, 0.5, 1.0, 2.0, 0.5, 3.0, 1.5]
    lo = [0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 2.0, 1.5]
    hi = [1.0, 1.0, 1.0, 1.0, 1.0, 0.0, 1.0, 1.5]
    xs = [leaf(v) for v in (x, lo, hi)]
    y = npg.clip(*xs)
    y.sum().backward()
    assert_allclose(y, [0, 0, 0.5, 1, 1, 0, 1, 1.5])
    assert_allclose(xs[0].grad, [0, 1, 1, 1, 0, 0, 0, 1])
    assert_allclose(xs[1].grad, [1, 0, 0, 0, 0, 0, 0, 0])
    assert_allclose(xs[2].grad, [0, 0, 0, 0, 1, 1, 1, 0])


# -- kinks and ties: exact values ---------------------------------------------------------
def _grad_of(fn, values, dtype=np.float32):
    x = npg.array(np.asarray(values, dtype=dtype), requires_grad=True)
    fn(x).sum().backward()
    return x.grad.data


def test_kink_conventions():
    np.testing.assert_array_equal(_grad_of(npg.relu, [-1.0, 0.0, 2.0]), [0, 0, 1])
    np.testing.assert_array_equal(_grad_of(npg.abs, [-1.0, 0.0, 2.0]), [-1, 0, 1])
    np.testing.assert_array_equal(_grad_of(lambda x: npg.clip(x, 0, 1), [-1, 0, 0.5, 1, 2]),
                                  [0, 1, 1, 1, 0])
    np.testing.assert_array_equal(_grad_of(lambda x: npg.clamp(x, min=0), [-1, 0, 1]), [0, 1, 1])
    np.testing.assert_array_equal(_grad_of(lambda x: npg.clip(x, None, 0), [-1, 0, 1]), [1, 1, 0])
    for fn in (npg.sign, npg.floor, npg.ceil, npg.round):
        np.testing.assert_array_equal(_grad_of(fn, [-1.5, 0.0, 0.5, 2.0]), [0, 0, 0, 0])


def test_zero_gradient_ignores_inf_upstream():
    x = leaf([1.5, -2.5])
    npg.floor(x).backward(np.array([np.inf, np.nan]))
    np.testing.assert_array_equal(x.grad.data, [0, 0])


def test_relu_and_clip_propagate_nan():
    assert np.isnan(npg.relu(npg.array([np.nan])).item())
    assert np.isnan(npg.clip(npg.array([np.nan]), 0, 1).item())


@pytest.mark.parametrize("fn", [npg.maximum, npg.minimum])
def test_ties_split_evenly(fn):
    a, b = leaf([1.0, 2.0, 3.0]), leaf([1.0, 0.0, 5.0])
    fn(a, b).sum().backward()
    big = fn is npg.maximum
    np.testing.assert_array_equal(a.grad.data, [0.5, 1.0 if big else 0.0, 0.0 if big else 1.0])
    np.testing.assert_array_equal(b.grad.data, [0.5, 0.0 if big else 1.0, 1.0 if big else 0.0])
    x = leaf(2.0)  # 0-d with a scalar tie
    fn(x, 2.0).backward()
    assert x.grad.item() == 0.5 and x.grad.shape == ()


def test_clip_requires_a_bound():
    with pytest.raises(ValueError, match="min"):
        npg.clip(npg.array([1.0]))


# -- stability and reference values (RELIABILITY 2.2-2.3), float32 -------------------------
def test_sigmoid_and_tanh_at_large_inputs():
    x = npg.array([-1e4, -100.0, 0.0, 100.0, 1e4], requires_grad=True)
    y = npg.sigmoid(x)
    y.sum().backward()
    assert y.dtype == np.float32
    np.testing.assert_array_equal(y.data, [0, 0, 0.5, 1, 1])
    np.testing.assert_array_equal(x.grad.data, [0, 0, 0.25, 0, 0])
    x = npg.array([-1e4, 0.0, 1e4], requires_grad=True)
    y = npg.tanh(x)
    y.sum().backward()
    np.testing.assert_array_equal(y.data, [-1, 0, 1])
    np.testing.assert_array_equal(x.grad.data, [0, 1, 0])


def test_sigmoid_float64_tail_is_accurate():
    y = npg.sigmoid(npg.array([-30.0, 30.0], dtype=np.float64))
    np.testing.assert_allclose(y.data, [1 / (1 + np.exp(30.0)), 1 / (1 + np.exp(-30.0))],
                               rtol=1e-15)


def test_log_exp_sqrt_reference_values():
    x = npg.array([0.0, -1.0, 1e-45, 1.0], requires_grad=True)
    y = npg.log(x)
    y.sum().backward()
    assert_allclose(y, [-np.inf, np.nan, -103.279, 0], rtol=1e-5)
    np.testing.assert_array_equal(x.grad.data, [np.inf, -1, np.inf, 1])
    x = npg.array([-1.0, 0.0, 1e-10], requires_grad=True)
    y = npg.log1p(x)
    y.sum().backward()
    assert_allclose(y, [-np.inf, 0, 1e-10])
    assert_allclose(x.grad, [np.inf, 1, 1])
    assert_allclose(npg.exp(npg.array([88.0, 89.0, 709.0, -1e4])), [1.6516363e38, np.inf,
                                                                   np.inf, 0], rtol=1e-6)
    assert_allclose(npg.exp(npg.array([709.0, 710.0], dtype=np.float64)), [8.218407461554972e307,
                                                                          np.inf])
    x = npg.array([0.0, -1.0, 4.0], requires_grad=True)
    y = npg.sqrt(x)
    y.sum().backward()
    assert_allclose(y, [0, np.nan, 2])
    assert_allclose(x.grad, [np.inf, np.nan, 0.25])
    x = npg.array([0.0, 2.0], requires_grad=True)
    y = npg.reciprocal(x)
    y.sum().backward()
    assert_allclose(y, [np.inf, 0.5])
    assert_allclose(x.grad, [-np.inf, -0.25])
    assert_allclose(npg.expm1(npg.array([1e-10, 1e3], dtype=np.float64)), [1e-10, np.inf])


def test_logaddexp_large_and_infinite():
    a = npg.array([1e4, -1e4, 0.0], requires_grad=True)
    b = npg.array([1e4, 1e4, -np.inf], requires_grad=True)
    y = npg.logaddexp(a, b)
    y.sum().backward()
    assert_allclose(y, [1e4 + np.log(2), 1e4, 0.0])
    assert_allclose(a.grad, [0.5, 0, 1])
    assert_allclose(b.grad, [0.5, 1, 0])


# -- higher derivatives -------------------------------------------------------------------
THIRD = {
    "sin": npg.sin, "cos": npg.cos, "tan": npg.tan, "tanh": npg.tanh, "sigmoid": npg.sigmoid,
    "exp": npg.exp, "log": npg.log, "sqrt": npg.sqrt, "reciprocal": npg.reciprocal,
    "log1p": npg.log1p, "expm1": npg.expm1,
}


@pytest.mark.parametrize("name", THIRD)
def test_third_derivative_matches_torch(name):
    t = pytest.importorskip("torch")
    v = np.array([0.3, 0.9, 1.2])
    x = leaf(v)
    (g1,) = npg.grad(THIRD[name](x).sum(), x, create_graph=True)
    (g2,) = npg.grad(g1.sum(), x, create_graph=True)
    (g3,) = npg.grad(g2.sum(), x)
    tx = t.tensor(v, requires_grad=True)
    (h1,) = t.autograd.grad(getattr(t, name)(tx).sum(), tx, create_graph=True)
    (h2,) = t.autograd.grad(h1.sum(), tx, create_graph=True)
    (h3,) = t.autograd.grad(h2.sum(), tx)
    np.testing.assert_allclose(g3.data, h3.numpy(), rtol=1e-10)


def test_third_derivative_of_sin_is_minus_cos():
    x = leaf([0.3, -1.2, 2.0])
    (g1,) = npg.grad(npg.sin(x).sum(), x, create_graph=True)
    (g2,) = npg.grad(g1.sum(), x, create_graph=True)
    (g3,) = npg.grad(g2.sum(), x)
    np.testing.assert_allclose(g3.data, -np.cos(x.data), rtol=1e-12)


def test_logaddexp_second_order_mixed():
    check_op(npg.logaddexp, [0.3, -2.0, 5.0], [1.0, 1.0, -4.0])


# -- dtypes, API --------------------------------------------------------------------------
FLOAT_OPS = [npg.exp, npg.expm1, npg.log1p, npg.square, npg.reciprocal, npg.abs, npg.sin,
             npg.cos, npg.tan, npg.tanh, npg.sigmoid, npg.relu, npg.sign, npg.floor, npg.ceil,
             npg.round, npg.sqrt, npg.log, lambda x: npg.clip(x, 0.25, np.float64(0.75)),
             lambda x: npg.maximum(x, 0.5), lambda x: npg.minimum(0.5, x),
             lambda x: npg.logaddexp(x, 1.0), lambda x: npg.where(x > 0.5, x, 0.0),
             lambda x: npg.where(x > 0.5, 1.0, x)]


@pytest.mark.parametrize("fn", FLOAT_OPS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_is_kept_with_python_scalars(fn, dtype):
    x = npg.array(np.array([0.25, 0.5, 0.75], dtype=dtype), requires_grad=True)
    y = fn(x)
    assert y.dtype == dtype
    y.sum().backward()
    assert x.grad.dtype == dtype


@pytest.mark.parametrize("fn", [npg.exp, npg.log1p, npg.sin, npg.tanh, npg.sigmoid,
                                npg.reciprocal, npg.sqrt])
def test_integer_input_gives_default_float(fn):
    assert fn(npg.array([1, 2])).dtype == np.float32


def test_integer_rounding_keeps_integers():
    for fn in (npg.floor, npg.ceil, npg.round, npg.sign):
        y = fn(npg.array([-2, 3]))
        assert y.dtype == np.int64
        np.testing.assert_array_equal(y.data, [-2, 3] if fn is not npg.sign else [-1, 1])


def test_array_methods_and_aliases():
    x = npg.array([-1.0, 0.5, 2.0])
    assert_allclose(x.sigmoid(), npg.sigmoid(x))
    assert_allclose(x.relu(), [0, 0.5, 2])
    assert_allclose(x.clamp(0, 1), [0, 0.5, 1])
    assert_allclose(x.clip(max=0), [-1, 0, 0])
    assert_allclose(x.logaddexp(x), x.data + np.log(2), rtol=1e-6)
    assert_allclose(x.square(), x.data**2)
    assert npg.clamp is npg.clip
    assert x.round().grad_fn is None  # the method is the non-differentiable one
    assert npg.round(npg.array([1.4], requires_grad=True)).grad_fn is not None


def test_no_record_without_grad_and_under_no_grad():
    x = npg.array([0.5, 1.0])
    for fn in (npg.sigmoid, npg.relu, npg.sin, npg.exp):
        assert fn(x).grad_fn is None
    x.requires_grad_()
    with npg.no_grad():
        assert npg.tanh(x).grad_fn is None and not npg.tanh(x).requires_grad


def test_empty_and_zero_d():
    for fn in (npg.sigmoid, npg.relu, npg.tanh, npg.sin, npg.floor,
               lambda v: npg.clip(v, 0, 1), lambda v: npg.maximum(v, 0.0)):
        e = npg.zeros((0, 2), requires_grad=True)
        fn(e).sum().backward()
        assert e.grad.shape == (0, 2)
        z = npg.array(0.3, requires_grad=True)
        fn(z).backward()
        assert z.grad.shape == ()
