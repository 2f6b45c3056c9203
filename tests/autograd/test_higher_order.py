"""Higher-order gradients: create_graph, numpygrad.grad, allow_unused, gradgradcheck."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given

import numpygrad as npg
from numpygrad.testing import gradcheck, gradgradcheck
from tests.helpers import arrays


def leaf(v):
    return npg.array(np.asarray(v, dtype=np.float64), requires_grad=True)


@given(arrays(shape=(3,), low=-3, high=3))
def test_derivatives_of_cube(v):
    x = leaf(v)
    (d1,) = npg.grad((x**3).sum(), x, create_graph=True)
    (d2,) = npg.grad(d1.sum(), x, create_graph=True)
    (d3,) = npg.grad(d2.sum(), x)
    np.testing.assert_allclose(d1.data, 3 * v**2, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(d2.data, 6 * v, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(d3.data, np.full(3, 6.0), rtol=1e-12)
    assert x.grad is None  # grad() never touches .grad


def test_grad_via_backward_create_graph():
    x = leaf(2.0)
    (x**3).backward(create_graph=True)
    assert x.grad.item() == 12.0 and x.grad.requires_grad
    (d2,) = npg.grad(x.grad, x)
    assert d2.item() == 12.0


def test_exp_log_composition_second_derivative():
    # f = exp(2x) * log(x): f'' = 4 e^{2x} log x + 4 e^{2x}/x - e^{2x}/x^2
    v = np.array([0.5, 1.5])
    x = leaf(v)
    (d1,) = npg.grad((npg.exp(2 * x) * npg.log(x)).sum(), x, create_graph=True)
    (d2,) = npg.grad(d1.sum(), x)
    e = np.exp(2 * v)
    np.testing.assert_allclose(d2.data, 4 * e * np.log(v) + 4 * e / v - e / v**2, rtol=1e-12)


def test_mixed_partials():
    # f = x^2 y^3: d2f/dxdy = 6 x y^2
    x, y = leaf(1.5), leaf(-2.0)
    (dx,) = npg.grad(x * x * y**3, x, create_graph=True)
    dxy, dxx = npg.grad(dx, [y, x])
    assert dxy.item() == pytest.approx(6 * 1.5 * 4.0)
    assert dxx.item() == pytest.approx(2 * (-8.0))


def test_unused_input_raises_and_allow_unused_returns_none():
    x, w = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    with pytest.raises(RuntimeError, match="index 1.*not have been used.*allow_unused=True"):
        npg.grad((x * 2).sum(), [x, w])
    gx, gw = npg.grad((x * 2).sum(), [x, w], allow_unused=True)
    np.testing.assert_array_equal(gx.data, [2.0, 2.0])
    assert gw is None


def test_grad_with_respect_to_a_non_leaf():
    x = leaf([1.0, 2.0])
    h = x * 3
    y = (h * h).sum()
    (gh,) = npg.grad(y, h)
    np.testing.assert_array_equal(gh.data, 2 * h.data)
    assert x.grad is None and h.grad is None


def test_grad_outputs_weighting():
    x = leaf([1.0, 2.0])
    (g,) = npg.grad(x * x, x, grad_outputs=np.array([10.0, -1.0]))
    np.testing.assert_array_equal(g.data, [20.0, -4.0])
    with pytest.raises(RuntimeError, match="implicitly created"):
        npg.grad(x * x, x)


def test_grad_input_must_require_grad():
    x = leaf([1.0])
    c = npg.array([1.0])
    with pytest.raises(RuntimeError, match="does not require grad"):
        npg.grad((x * c).sum(), [c])
    with pytest.raises(TypeError, match="Array"):
        npg.grad((x * 2).sum(), [np.ones(1)])


def test_retain_graph_defaults_to_create_graph():
    x = leaf([1.0, 2.0])
    y = ((x * 3) * (x * 3)).sum()
    npg.grad(y, x)
    with pytest.raises(RuntimeError, match="second time"):
        npg.grad(y, x)
    y2 = ((x * 3) * (x * 3)).sum()
    (g1,) = npg.grad(y2, x, create_graph=True)
    (g2,) = npg.grad(y2, x)  # the graph was retained
    np.testing.assert_array_equal(g1.data, g2.data)
    y3 = ((x * 3) * (x * 3)).sum()
    npg.grad(y3, x, retain_graph=True)
    npg.grad(y3, x)


def test_grad_does_not_touch_grad_attributes():
    x = leaf([1.0, 2.0])
    x.grad = np.array([5.0, 5.0])
    h = x * 2
    h.retain_grad()
    (g,) = npg.grad((h * h).sum(), x)
    np.testing.assert_array_equal(x.grad.data, [5.0, 5.0])
    assert h.grad is None
    np.testing.assert_array_equal(g.data, 8 * x.data)


def test_first_order_result_is_detached_without_create_graph():
    x = leaf([1.0, 2.0])
    (g,) = npg.grad((x**3).sum(), x)
    assert not g.requires_grad and g.grad_fn is None


COMPOSITIONS = {
    "mul_add_div": lambda a, b: (a * b + a) / (b * b + 1.0),
    "pow_exp_log": lambda a, b: npg.exp(a * 0.5) * npg.log(b * b + 1.0) + a**3,
    "sqrt_sum_mean": lambda a, b: npg.sqrt(a * a + b * b + 1.0).sum() + (a * b).mean(),
    "matmul": lambda a, b: a.reshape(2, 3) @ b.reshape(3, 2),
    "transpose_getitem": lambda a, b: a.reshape(2, 3).transpose()[1:] * b.reshape(3, 2)[:2],
    "where_maximum": lambda a, b: npg.where(a > 0.2, a * b, b**2) + npg.maximum(a, b),
}


@pytest.mark.parametrize("name", COMPOSITIONS)
def test_gradgradcheck_compositions(name):
    rng = np.random.default_rng(0)
    a = leaf(rng.uniform(0.5, 1.5, 6))
    b = leaf(rng.uniform(-1.5, -0.5, 6))  # a > b everywhere: no maximum ties, no where kink
    assert gradcheck(COMPOSITIONS[name], [a, b])
    assert gradgradcheck(COMPOSITIONS[name], [a, b])


def test_third_order_through_a_composition():
    # f = sum(exp(x) * x): f''' = exp(x) * (x + 3)
    v = np.array([-0.5, 0.25, 1.0])
    x = leaf(v)
    (d1,) = npg.grad((npg.exp(x) * x).sum(), x, create_graph=True)
    (d2,) = npg.grad(d1.sum(), x, create_graph=True)
    (d3,) = npg.grad(d2.sum(), x)
    np.testing.assert_allclose(d3.data, np.exp(v) * (v + 3), rtol=1e-12)


@pytest.mark.parametrize("create_graph", [False, True])
def test_grad_results_never_alias_grad_outputs_or_each_other(create_graph):
    a, b = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    up = np.array([1.0, -1.0])
    ga, gb = npg.grad(a + b, [a, b], grad_outputs=up, create_graph=create_graph)
    assert not np.shares_memory(ga.data, up) and not np.shares_memory(gb.data, up)
    assert not np.shares_memory(ga.data, gb.data)
    np.testing.assert_array_equal(ga.data, up)
    (gx,) = npg.grad(a, a, grad_outputs=up)
    assert not np.shares_memory(gx.data, up)
