"""Linear, the fused affine op, Identity and MLP."""

from __future__ import annotations

import math

import numpy as np
import pytest

import numpygrad as npg
import numpygrad.nn.functional as F
from numpygrad import nn
from tests.helpers import check_op, torch_or_skip


@pytest.mark.parametrize("xshape", [(4, 3), (3,), (2, 5, 3), (0, 3)])
@pytest.mark.parametrize("bias", [True, False])
def test_linear_gradients(xshape, bias):
    rng = np.random.default_rng(0)
    x = rng.standard_normal(xshape)
    w = rng.standard_normal((2, 3))
    b = rng.standard_normal(2)
    if bias:
        check_op(lambda x, w, b: F.linear(x, w, b), x, w, b)
    else:
        check_op(lambda x, w: F.linear(x, w), x, w)


def test_linear_matches_numpy():
    layer = nn.Linear(3, 2)
    x = npg.random.randn(5, 3)
    expected = x.data @ layer.weight.data.T + layer.bias.data
    np.testing.assert_allclose(layer(x).data, expected, rtol=1e-6)
    assert layer(x).dtype == np.float32


def test_linear_init_bounds_and_flags():
    layer = nn.Linear(100, 50)
    bound = 1 / math.sqrt(100)
    assert layer.weight.shape == (50, 100) and layer.bias.shape == (50,)
    assert np.abs(layer.weight.data).max() <= bound
    assert np.abs(layer.bias.data).max() <= bound
    # Uniform on [-b, b] has std b / sqrt(3).
    assert abs(layer.weight.data.std() - bound / math.sqrt(3)) < 0.1 * bound
    assert nn.Linear(3, 2, bias=False).bias is None
    assert [n for n, _ in nn.Linear(3, 2, bias=False).named_parameters()] == ["weight"]
    assert nn.Linear(3, 2, dtype=np.float64).weight.dtype == np.float64


def test_linear_seeded_init_is_reproducible():
    npg.random.manual_seed(3)
    a = nn.Linear(4, 4).weight.data.copy()
    npg.random.manual_seed(3)
    np.testing.assert_array_equal(nn.Linear(4, 4).weight.data, a)
    g = npg.random.Generator(5)
    c = nn.Linear(4, 4, generator=g).weight.data
    assert not np.array_equal(a, c)


def test_linear_errors_name_shapes():
    layer = nn.Linear(4, 3)
    with pytest.raises(ValueError, match=r"2x5 and 4x3"):
        layer(npg.ones((2, 5)))
    with pytest.raises(ValueError, match="non-negative"):
        nn.Linear(-1, 3)


def test_linear_empty_batch():
    out = nn.Linear(3, 2)(npg.zeros((0, 3)))
    assert out.shape == (0, 2)


def test_linear_against_torch():
    torch = torch_or_skip()
    layer = nn.Linear(3, 4, dtype=np.float64)
    t = torch.nn.Linear(3, 4).double()
    with torch.no_grad():
        t.weight.copy_(torch.tensor(layer.weight.data))
        t.bias.copy_(torch.tensor(layer.bias.data))
    x = np.random.default_rng(1).standard_normal((2, 6, 3))
    xa = npg.array(x, requires_grad=True)
    xt = torch.tensor(x, requires_grad=True)
    g = np.random.default_rng(2).standard_normal((2, 6, 4))
    layer(xa).backward(g)
    t(xt).backward(torch.tensor(g))
    np.testing.assert_allclose(xa.grad.data, xt.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(layer.weight.grad.data, t.weight.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(layer.bias.grad.data, t.bias.grad.numpy(), rtol=1e-12)


def test_identity_and_mlp():
    x = npg.ones((2, 4))
    assert nn.Identity(5, foo=1)(x) is x
    mlp = nn.MLP([4, 8, 8, 3])
    assert mlp(x).shape == (2, 3)
    assert len(list(mlp.parameters())) == 6
    tanh_mlp = nn.MLP([4, 3, 2], activation=npg.tanh)
    assert tanh_mlp(x).shape == (2, 2)
    with pytest.raises(ValueError, match="at least"):
        nn.MLP([4])
