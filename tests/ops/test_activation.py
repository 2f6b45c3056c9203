"""softmax and log_softmax: gradients, stability at large logits (RELIABILITY 2.1), torch."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import numpygrad as npg
from numpygrad.ops.activation import log_softmax, softmax
from numpygrad.testing import assert_allclose
from tests.helpers import arrays, check_op, compare_torch, leaf, shapes, torch

OPS = {"softmax": softmax, "log_softmax": log_softmax}


@st.composite
def logits_and_axis(draw, min_dims=1):
    x = draw(arrays(shape=shapes(min_dims=min_dims, max_side=3), low=-5, high=5))
    axis = draw(st.integers(-max(x.ndim, 1), max(x.ndim, 1) - 1))
    return x, axis


@pytest.mark.parametrize("name", OPS)
@given(case=logits_and_axis(min_dims=0))
def test_gradients(name, case):
    x, axis = case
    fn = OPS[name]
    check_op(lambda v: fn(v, axis=axis), x)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", OPS)
@given(case=logits_and_axis(min_dims=0))
def test_against_torch(name, dtype, case):
    x, axis = case
    compare_torch(lambda v: OPS[name](v, dim=axis),
                  lambda t: getattr(torch, name)(t, dim=axis), x, dtype=dtype)


@pytest.mark.parametrize("name", OPS)
def test_third_derivative_matches_torch(name):
    t = pytest.importorskip("torch")
    v = np.array([[0.3, -1.0, 2.0], [0.5, 0.5, -0.2]])
    w = np.array([[1.0, -2.0, 0.5], [0.3, 0.7, -1.1]])  # weights so no derivative vanishes
    x = leaf(v)
    (g1,) = npg.grad((OPS[name](x, axis=1) * w).sum(), x, create_graph=True)
    (g2,) = npg.grad((g1 * g1).sum(), x, create_graph=True)
    (g3,) = npg.grad((g2 * w).sum(), x)
    tx, tw = t.tensor(v, requires_grad=True), t.tensor(w)
    (h1,) = t.autograd.grad((getattr(t, name)(tx, dim=1) * tw).sum(), tx, create_graph=True)
    (h2,) = t.autograd.grad((h1 * h1).sum(), tx, create_graph=True)
    (h3,) = t.autograd.grad((h2 * tw).sum(), tx)
    np.testing.assert_allclose(g3.data, h3.numpy(), rtol=1e-9, atol=1e-12)


# -- RELIABILITY 2.1, float32, with RuntimeWarnings as errors ----------------------------
def test_log_softmax_large_logits():
    x = npg.array([1e4, 0.0, -1e4], requires_grad=True)
    y = log_softmax(x)
    y.sum().backward()
    assert y.dtype == np.float32
    np.testing.assert_array_equal(y.data, [0, -1e4, -2e4])
    np.testing.assert_array_equal(x.grad.data, [-2, 1, 1])
    x = npg.array([1e4, 0.0], dtype=np.float64, requires_grad=True)
    y = log_softmax(x)
    y.sum().backward()
    np.testing.assert_array_equal(y.data, [0, -1e4])
    np.testing.assert_array_equal(x.grad.data, [-1, 1])


def test_softmax_large_logits():
    x = npg.array([1e4, 0.0], requires_grad=True)
    y = softmax(x)
    y[0].backward()
    np.testing.assert_array_equal(y.data, [1, 0])
    np.testing.assert_array_equal(x.grad.data, [0, 0])
    x = npg.array([1e4, 1e4], requires_grad=True)
    y = softmax(x)
    y[0].backward()
    np.testing.assert_array_equal(y.data, [0.5, 0.5])
    np.testing.assert_array_equal(x.grad.data, [0.25, -0.25])


def test_naive_composition_is_what_the_primitive_avoids():
    x = npg.array([1e4, 0.0, -1e4])
    assert np.isneginf(npg.log(softmax(x)).data[1:]).all()
    assert np.isfinite(log_softmax(x).data).all()


def test_non_finite_logits_give_torch_values_without_warnings():
    rows = npg.array([[-np.inf, -np.inf], [np.inf, 1.0], [-np.inf, 1.0], [np.nan, 1.0]],
                     requires_grad=True)
    s, ls = softmax(rows), log_softmax(rows)
    assert np.isnan(s.data[:2]).all() and np.isnan(ls.data[:2]).all()
    np.testing.assert_array_equal(s.data[2], [0, 1])
    np.testing.assert_array_equal(ls.data[2], [-np.inf, 0])
    assert np.isnan(s.data[3]).all()
    x = npg.array([-np.inf, 1.0], requires_grad=True)
    log_softmax(x).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [1, -1])


# -- shapes, axes, dtypes ----------------------------------------------------------------
def test_axis_and_dim_spellings():
    v = np.array([[1.0, 2.0, 3.0], [1.0, 1.0, 1.0]])
    x = npg.array(v)
    for fn in OPS.values():
        assert_allclose(fn(x), fn(x, axis=1))
        assert_allclose(fn(x, 0), fn(x, dim=0))
        assert_allclose(fn(x, dim=-2), fn(x, axis=0))
    assert_allclose(softmax(x, axis=0).data.sum(axis=0), [1, 1, 1], rtol=1e-6)
    assert_allclose(x.softmax(1), softmax(x, 1))
    assert_allclose(x.log_softmax(dim=1), log_softmax(x, 1))
    with pytest.raises(TypeError):
        softmax(x, axis=0, dim=1)
    with pytest.raises(TypeError):
        softmax(x, axis=None)


def test_zero_d_and_empty():
    x = npg.array(3.0, requires_grad=True)
    y = softmax(x)
    y.backward()
    assert y.item() == 1.0 and x.grad.item() == 0.0 and x.grad.shape == ()
    assert log_softmax(npg.array(3.0), dim=0).item() == 0.0
    with pytest.raises(IndexError):
        softmax(npg.array(3.0), axis=1)
    assert softmax(npg.zeros((0, 3))).shape == (0, 3)
    e = npg.zeros((3, 0), requires_grad=True)
    log_softmax(e, axis=1).sum().backward()
    assert e.grad.shape == (3, 0)
    assert softmax(npg.zeros((0, 3)), axis=0).shape == (0, 3)


@pytest.mark.parametrize("fn", list(OPS.values()))
def test_dtypes(fn):
    assert fn(npg.array(np.ones(3, np.float32))).dtype == np.float32
    assert fn(npg.array(np.ones(3, np.float64))).dtype == np.float64
    assert fn(npg.array([1, 2, 3])).dtype == np.float32  # integers take the default float


def test_no_graph_without_grad():
    x = npg.array([1.0, 2.0])
    assert softmax(x).grad_fn is None
    x.requires_grad_()
    with npg.no_grad():
        assert log_softmax(x).grad_fn is None
    assert log_softmax(x).grad_fn is not None
