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


@pytest.mark.parametrize("xshape", [(4, 3), (3,), (2, 5, 3), (0, 3)])
@pytest.mark.parametrize("bias", [True, False])
def test_affine_relu_gradients(xshape, bias):
    from numpygrad.nn.linear import AffineRelu

    rng = np.random.default_rng(1)
    x = rng.standard_normal(xshape)
    w = rng.standard_normal((4, 3))
    b = rng.standard_normal(4)
    if bias:
        check_op(lambda x, w, b: AffineRelu.apply(x, w, b), x, w, b)
    else:
        check_op(lambda x, w: AffineRelu.apply(x, w), x, w)


def _unfused(layers, x):
    """Run the layers of a Sequential one module at a time (no fusion)."""
    for m in layers:
        x = m(x)
    return x


@pytest.mark.parametrize("bias", [True, False])
def test_sequential_fuses_linear_relu_with_same_results(bias):
    from numpygrad.nn.linear import AffineRelu

    npg.random.manual_seed(0)
    net = nn.Sequential(nn.Linear(5, 7, bias=bias), nn.ReLU(), nn.Tanh(),
                        nn.Linear(7, 3, bias=bias), nn.ReLU(), nn.Tanh())
    x = npg.random.randn(6, 5)
    fused = net(x)
    assert isinstance(fused.grad_fn.next_functions[0], AffineRelu)
    fused.sum().backward()
    grads = [p.grad.data.copy() for p in net.parameters()]
    net.zero_grad()
    plain = _unfused(list(net), x)
    assert type(plain.grad_fn.next_functions[0]).__name__ == "Relu"
    np.testing.assert_array_equal(fused.data, plain.data)
    plain.sum().backward()
    for g, p in zip(grads, net.parameters()):
        np.testing.assert_allclose(g, p.grad.data, rtol=1e-6, atol=1e-7)


def test_sequential_does_not_fuse_around_hooks():
    net = nn.Sequential(nn.Linear(3, 4), nn.ReLU())
    seen = []
    net[1].register_forward_hook(lambda m, args, out: seen.append(out.shape))
    out = net(npg.ones((2, 3)))
    assert seen == [(2, 4)] and type(out.grad_fn).__name__ == "Relu"
    net2 = nn.Sequential(nn.Linear(3, 4), nn.ReLU())
    net2[0].register_forward_pre_hook(lambda m, args: seen.append("pre"))
    net2(npg.ones((2, 3)))
    assert seen[-1] == "pre"


def test_mlp_second_order_through_fused_layers():
    """The fused node is differentiable twice, like the two ops it replaces."""
    npg.random.manual_seed(1)
    mlp = nn.MLP([3, 5, 2], dtype=np.float64)
    x = npg.random.randn(4, 3).astype(np.float64).requires_grad_()
    (gx,) = npg.grad(mlp(x).pow(2).sum(), x, create_graph=True)
    gx.sum().backward()
    ref = nn.MLP([3, 5, 2], dtype=np.float64)
    ref.load_state_dict(mlp.state_dict())
    x2 = npg.array(x.data, requires_grad=True)
    (gx2,) = npg.grad(_unfused(list(ref.layers), x2).pow(2).sum(), x2, create_graph=True)
    gx2.sum().backward()
    np.testing.assert_allclose(gx.data, gx2.data, rtol=1e-12)
    for p, q in zip(mlp.parameters(), ref.parameters()):
        np.testing.assert_allclose(p.grad.data, q.grad.data, rtol=1e-12)


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_bias_gradient_is_the_batch_sum(dtype):
    from numpygrad.nn.linear import _column_sums

    g = np.random.default_rng(0).standard_normal((33, 7)).astype(dtype)
    got = _column_sums(g)
    assert got.dtype == dtype and got.shape == (7,)
    np.testing.assert_allclose(got, g.astype(np.float64).sum(axis=0),
                               rtol=1e-2 if dtype == np.float16 else 1e-5)


@pytest.mark.parametrize("reorient", [True, False])
@pytest.mark.parametrize("rows, fused", [(4, False), (4, True), (0, False), (100, False)])
def test_small_float32_batch_product_orientation(rows, fused, reorient, monkeypatch):
    # 4 rows into 512 outputs (a million multiply-adds): the product runs as
    # (W @ x.T).T, OpenBLAS's faster orientation, then is copied to C order;
    # 100 rows (more than an eighth of the width) and the empty batch run x @ W.T.
    import numpygrad.nn.linear as linear_module

    monkeypatch.setattr(linear_module, "_REORIENT", reorient)
    calls = []
    real = linear_module._transposed_product
    monkeypatch.setattr(linear_module, "_transposed_product",
                        lambda *a: calls.append(a[2:]) or real(*a))
    rng = np.random.default_rng(5)
    x = npg.array(rng.standard_normal((rows, 512)).astype(np.float32), requires_grad=True)
    layer = nn.Linear(512, 512, dtype=np.float32)
    # Linear then ReLU as two nodes, or as one AffineRelu node.
    out = F.relu(layer(x)) if not fused else linear_module.AffineRelu.apply(
        x, layer.weight, layer.bias)
    assert calls == ([(rows, 512)] if reorient and rows == 4 else [])
    # The output is the user's: C order and its own memory, so view() works as in PyTorch.
    assert out.data.flags.c_contiguous and out.dtype == np.float32
    assert npg.view(out, -1).shape == (rows * 512,)
    w64, b64, x64 = (a.data.astype(np.float64) for a in (layer.weight, layer.bias, x))
    want = np.maximum(x64 @ w64.T + b64, 0)
    np.testing.assert_allclose(out.data, want, rtol=1e-5, atol=1e-5)
    out.sum().backward()
    mask = (want > 0).astype(np.float64)
    np.testing.assert_allclose(layer.weight.grad.data, mask.T @ x64, rtol=1e-5, atol=1e-4)
    np.testing.assert_allclose(x.grad.data, mask @ w64, rtol=1e-5, atol=1e-4)


@pytest.mark.parametrize("matmul_from", [0, 1 << 62], ids=["np.matmul", "np.dot"])
@pytest.mark.parametrize("model", ["linear", "affine_relu", "stack"])
def test_products_by_dot_or_matmul_agree_with_float64(model, matmul_from, monkeypatch):
    # Products with large results run through np.matmul (np.dot zero-fills its
    # result first), small ones through np.dot: force each way through every call
    # site (forward, transposed forward, weight and input gradients).
    import numpygrad.nn.linear as linear_module
    from numpygrad.nn.linear import AffineRelu

    monkeypatch.setattr(linear_module, "_MATMUL_FROM", matmul_from)
    npg.random.manual_seed(3)
    layers = [nn.Linear(24, 16), nn.ReLU(), nn.Linear(16, 32), nn.ReLU(), nn.Linear(32, 5)]
    x = npg.random.randn(8, 24).astype(np.float32).requires_grad_()
    if model == "linear":
        layers = layers[:1]
        out = layers[0](x)
    elif model == "affine_relu":
        layers = layers[:1]
        out = AffineRelu.apply(x, layers[0].weight, layers[0].bias)
    else:
        out = nn.Sequential(*layers)(x)
    upstream = np.linspace(-1, 1, out.size, dtype=np.float32).reshape(out.shape)
    out.backward(upstream)
    params = [p for m in layers for p in m.parameters()]

    # float64 reference, written out in NumPy.
    h, acts = x.data.astype(np.float64), []
    linears = [m for m in layers if isinstance(m, nn.Linear)]
    for k, m in enumerate(linears):
        acts.append(h)
        h = h @ m.weight.data.astype(np.float64).T + m.bias.data
        if model == "affine_relu" or k < len(linears) - 1:
            h = np.maximum(h, 0)
    np.testing.assert_allclose(out.data, h, rtol=1e-5, atol=1e-5)
    g = upstream.astype(np.float64)
    want = []
    for k in range(len(linears) - 1, -1, -1):
        if model == "affine_relu" or k < len(linears) - 1:
            out_k = h if k == len(linears) - 1 else acts[k + 1]
            g = g * (out_k > 0)
        w = linears[k].weight.data.astype(np.float64)
        want = [g.T @ acts[k], g.sum(axis=0)] + want
        g = g @ w
    for p, w in zip(params, want):
        assert p.grad.dtype == np.float32
        np.testing.assert_allclose(p.grad.data, w, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(x.grad.data, g, rtol=1e-5, atol=1e-5)
