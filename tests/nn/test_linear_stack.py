"""LinearStack: a run of Linear (+ ReLU) layers as one node, and Sequential's use of it."""

from __future__ import annotations

import copy

import numpy as np
import pytest

import numpygrad as npg
from numpygrad import nn
from numpygrad.nn.linear import AffineRelu
from numpygrad.nn.linear_stack import LinearStack
from tests.helpers import check_op, torch_or_skip
from tests.nn.test_linear import _unfused  # the layers one module at a time

LAYOUTS = {
    "two layers, ReLU between": [(True, True), (True, False)],
    "no biases": [(False, True), (False, False)],
    "ReLU after the last": [(True, True), (True, True)],
    "no ReLU": [(True, False), (False, False)],
    "three layers, mixed": [(True, True), (False, True), (True, False)],
}


def _params(layout, sizes, rng):
    params = []
    for (has_bias, _), (a, b) in zip(layout, zip(sizes[:-1], sizes[1:])):
        params.append(rng.standard_normal((b, a)))
        if has_bias:
            params.append(rng.standard_normal(b))
    return params


@pytest.mark.parametrize("name", list(LAYOUTS))
def test_gradients_and_second_order(name):
    layout = LAYOUTS[name]
    rng = np.random.default_rng(3)
    sizes = [3, 4, 5, 2][: len(layout) + 1]
    x = rng.standard_normal((6, 3))
    check_op(lambda *a: LinearStack.apply(*a, layout=layout), x, *_params(layout, sizes, rng))


def _mlp(sizes, bias=True, dtype=np.float32, seed=0):
    npg.random.manual_seed(seed)
    return nn.MLP(sizes, bias=bias, dtype=dtype)


@pytest.mark.parametrize("bias", [True, False])
def test_sequential_runs_an_mlp_as_one_node_with_identical_results(bias):
    mlp = _mlp([20, 16, 12, 10], bias=bias)
    # More rows than any layer is wide: every product is x @ W.T, as per layer.
    x = npg.random.randn(24, 20).astype(np.float32).requires_grad_()
    out = mlp(x)
    assert isinstance(out.grad_fn, LinearStack)
    assert out.grad_fn.next_functions == (None,) * len(out.grad_fn.inputs)
    out.backward(np.linspace(-1, 1, out.size, dtype=np.float32).reshape(out.shape))
    fused = [p.grad.data.copy() for p in mlp.parameters()] + [x.grad.data.copy()]
    mlp.zero_grad()
    x.grad = None
    ref = _unfused(list(mlp.layers), x)
    assert isinstance(ref.grad_fn, npg.Function) and not isinstance(ref.grad_fn, LinearStack)
    np.testing.assert_array_equal(out.data, ref.data)
    ref.backward(np.linspace(-1, 1, ref.size, dtype=np.float32).reshape(ref.shape))
    # The same NumPy operations in the same order: equal bit for bit.
    for got, p in zip(fused, [*mlp.parameters(), x]):
        np.testing.assert_array_equal(got, p.grad.data)
        assert got.dtype == np.float32


@pytest.mark.parametrize("reorient", [True, False])
@pytest.mark.parametrize("relu_last", [False, True])
def test_small_float32_batch_takes_hidden_products_transposed(relu_last, reorient, monkeypatch):
    # 8 rows, layers 16 and 12 wide: the hidden products run as W @ x.T (faster in
    # OpenBLAS's float32 kernel), leaving those activations Fortran-ordered. With
    # another BLAS (_REORIENT False) every product runs x @ W.T.
    import numpygrad.nn.linear as linear_module

    monkeypatch.setattr(linear_module, "_REORIENT", reorient)
    sizes = [20, 16, 12, 10]
    mlp = _mlp(sizes, seed=4)
    if relu_last:
        mlp.layers.append(nn.ReLU())
    x = npg.random.randn(8, 20).astype(np.float32).requires_grad_()
    out = mlp(x)
    node = out.grad_fn
    assert isinstance(node, LinearStack)
    assert [h.flags.f_contiguous and not h.flags.c_contiguous for h in node.hidden] == \
        [reorient] * 2
    # The output is the user's: C order, its own memory, like any op's result.
    assert out.data.flags.c_contiguous and out.data.base is None
    upstream = np.linspace(-1, 1, out.size, dtype=np.float32).reshape(out.shape)
    out.backward(upstream)
    grads = [p.grad.data for p in mlp.parameters()] + [x.grad.data]
    assert all(g.dtype == np.float32 and g.flags.c_contiguous for g in grads)

    # The same in float64, per layer, as the reference: equal to float32 rounding.
    ref_mlp = copy.deepcopy(mlp).double()
    ref_mlp.zero_grad()
    xr = npg.array(x.data.astype(np.float64), requires_grad=True)
    ref = _unfused(list(ref_mlp.layers), xr)
    np.testing.assert_allclose(out.data, ref.data, rtol=1e-5, atol=1e-6)
    ref.backward(upstream.astype(np.float64))
    for got, want in zip(grads, [p.grad.data for p in ref_mlp.parameters()] + [xr.grad.data]):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def test_input_gradient_is_computed_only_when_needed():
    mlp = _mlp([5, 4, 3])
    x = npg.random.randn(2, 5)
    mlp(x).sum().backward()
    assert x.grad is None
    assert all(p.grad is not None for p in mlp.parameters())


def test_frozen_lower_layers_get_no_gradient():
    mlp = _mlp([5, 4, 3, 2])
    for p in mlp.layers[0].parameters():
        p.requires_grad_(False)
    x = npg.random.randn(3, 5)
    mlp(x).sum().backward()
    ref = _mlp([5, 4, 3, 2])
    for p in ref.layers[0].parameters():
        p.requires_grad_(False)
    _unfused(list(ref.layers), x).sum().backward()
    assert mlp.layers[0].weight.grad is None and mlp.layers[0].bias.grad is None
    for p, q in zip(mlp.parameters(), ref.parameters()):
        if q.grad is not None:
            np.testing.assert_array_equal(p.grad.data, q.grad.data)


def test_nothing_requires_grad_records_nothing():
    mlp = _mlp([5, 4, 3])
    mlp.requires_grad_(False)
    out = mlp(npg.random.randn(2, 5))
    assert out.grad_fn is None and not out.requires_grad
    with npg.no_grad():
        assert _mlp([5, 4, 3])(npg.random.randn(2, 5)).grad_fn is None


def test_a_layer_used_twice_accumulates_both_gradients():
    npg.random.manual_seed(0)
    layer = nn.Linear(4, 4)
    net = nn.Sequential(layer, nn.ReLU(), layer)
    x = npg.random.randn(3, 4)
    out = net(x)
    assert isinstance(out.grad_fn, LinearStack)
    out.sum().backward()
    fused = layer.weight.grad.data.copy(), layer.bias.grad.data.copy()
    net.zero_grad()
    _unfused(list(net), x).sum().backward()
    np.testing.assert_allclose(fused[0], layer.weight.grad.data, rtol=1e-6)
    np.testing.assert_allclose(fused[1], layer.bias.grad.data, rtol=1e-6)


@pytest.mark.parametrize("first, second", [(np.float64, np.float32),
                                           (np.float32, np.float64)])
def test_mixed_dtypes_match_the_layers_run_one_by_one(first, second):
    npg.random.manual_seed(0)
    net = nn.Sequential(nn.Linear(4, 5, dtype=first), nn.ReLU(),
                        nn.Linear(5, 3, dtype=second))
    x = npg.random.randn(6, 4).astype(np.float32).requires_grad_()
    out = net(x)
    assert isinstance(out.grad_fn, LinearStack)
    out.sum().backward()
    fused = [p.grad.data.copy() for p in net.parameters()] + [x.grad.data.copy()]
    net.zero_grad()
    x.grad = None
    ref = _unfused(list(net), x)
    np.testing.assert_array_equal(out.data, ref.data)
    ref.sum().backward()
    for got, p in zip(fused, [*net.parameters(), x]):
        assert got.dtype == p.dtype
        np.testing.assert_array_equal(got, p.grad.data)


def test_three_dimensional_input_keeps_the_pairs():
    mlp = _mlp([4, 3, 2])
    out = mlp(npg.random.randn(2, 5, 4))
    assert out.shape == (2, 5, 2)
    assert not isinstance(out.grad_fn, LinearStack)
    assert isinstance(out.grad_fn.next_functions[0], AffineRelu)


def test_hooks_split_the_run_and_see_their_module():
    npg.random.manual_seed(0)
    net = nn.Sequential(nn.Linear(4, 5), nn.ReLU(), nn.Linear(5, 5), nn.ReLU(),
                        nn.Linear(5, 2))
    seen = []
    net[3].register_forward_hook(lambda m, args, out: seen.append(out.shape))
    x = npg.random.randn(3, 4)
    out = net(x)
    assert seen == [(3, 5)]
    # Linear + ReLU fused, Linear and its hooked ReLU one by one, the last Linear alone.
    assert not isinstance(out.grad_fn, LinearStack)
    np.testing.assert_allclose(out.data, _unfused(list(net), x).data, rtol=1e-6)


def test_output_changed_in_place_is_caught_when_backward_reads_it():
    mlp = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2), nn.ReLU())
    out = mlp(npg.random.randn(2, 3))
    with npg.no_grad():
        out += 1  # not recorded: only the version counter can tell
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        out.sum().backward()


def test_parameter_changed_before_backward_is_caught():
    mlp = _mlp([3, 4, 2])
    loss = mlp(npg.random.randn(2, 3)).sum()
    opt = npg.optim.SGD(mlp.parameters(), lr=0.1)
    for p in mlp.parameters():
        p.grad = npg.ones_like(p)
    opt.step()
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        loss.backward()


def test_retain_graph_and_second_backward():
    mlp = _mlp([3, 4, 2])
    loss = mlp(npg.random.randn(2, 3)).sum()
    loss.backward(retain_graph=True)
    first = mlp.layers[0].weight.grad.data.copy()
    loss.backward()
    np.testing.assert_allclose(mlp.layers[0].weight.grad.data, 2 * first, rtol=1e-6)
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        loss.backward()


def test_second_order_matches_the_layers_run_one_by_one():
    mlp = _mlp([3, 5, 4, 2], dtype=np.float64, seed=2)
    x = npg.random.randn(4, 3).astype(np.float64).requires_grad_()
    out = mlp(x)
    assert isinstance(out.grad_fn, LinearStack)
    params = list(mlp.parameters())
    grads = npg.grad(out.pow(3).sum(), [x, *params], create_graph=True)
    sum(g.pow(2).sum() for g in grads).backward()
    fused = [p.grad.data.copy() for p in [x, *params]]
    ref_x = npg.array(x.data, requires_grad=True)
    ref = _mlp([3, 5, 4, 2], dtype=np.float64, seed=2)
    rparams = list(ref.parameters())
    rgrads = npg.grad(_unfused(list(ref.layers), ref_x).pow(3).sum(), [ref_x, *rparams],
                      create_graph=True)
    sum(g.pow(2).sum() for g in rgrads).backward()
    for g, rg in zip(grads, rgrads):
        np.testing.assert_allclose(g.data, rg.data, rtol=1e-12)
    for got, p in zip(fused, [ref_x, *rparams]):
        np.testing.assert_allclose(got, p.grad.data, rtol=1e-10)


def test_empty_batch():
    mlp = _mlp([3, 4, 2])
    x = npg.zeros((0, 3), requires_grad=True)
    out = mlp(x)
    assert out.shape == (0, 2) and isinstance(out.grad_fn, LinearStack)
    out.sum().backward()
    assert x.grad.shape == (0, 3)
    assert (mlp.layers[0].weight.grad.data == 0).all()


def test_bad_calls_raise_clear_errors():
    w = npg.ones((4, 3), requires_grad=True)
    with pytest.raises(TypeError, match="takes 3 inputs"):
        LinearStack.apply(npg.ones((2, 3)), w, layout=[(False, True), (False, False)])
    with pytest.raises(ValueError, match="2-D batch"):
        LinearStack.apply(npg.ones(3), w, layout=[(False, False)])
    with pytest.raises(ValueError, match="at least one layer"):
        LinearStack(layout=[])
    with pytest.raises(ValueError, match=r"pair \(has_bias, relu\), got \(True,\)"):
        LinearStack(layout=[(True,)])
    node = LinearStack(layout=([True, False], [False, True]))  # lists inside are fine
    assert node.plan[0] == ((True, False), (False, True))
    mlp = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(5, 2))
    with pytest.raises(ValueError, match=r"shapes cannot be multiplied \(2x4 and 5x2\)"):
        mlp(npg.ones((2, 3)))


def test_matches_torch():
    torch = torch_or_skip()
    mlp = _mlp([6, 5, 4, 3], dtype=np.float64)
    tnet = torch.nn.Sequential(torch.nn.Linear(6, 5), torch.nn.ReLU(), torch.nn.Linear(5, 4),
                               torch.nn.ReLU(), torch.nn.Linear(4, 3)).double()
    with torch.no_grad():
        for p, q in zip(tnet.parameters(), mlp.parameters()):
            p.copy_(torch.from_numpy(q.data))
    x = np.random.default_rng(0).standard_normal((7, 6))
    xt = torch.tensor(x, requires_grad=True)
    xn = npg.array(x, requires_grad=True)
    tnet(xt).pow(2).sum().backward()
    mlp(xn).pow(2).sum().backward()
    np.testing.assert_allclose(xn.grad.data, xt.grad.numpy(), rtol=1e-12)
    for p, q in zip(tnet.parameters(), mlp.parameters()):
        np.testing.assert_allclose(q.grad.data, p.grad.numpy(), rtol=1e-12, atol=1e-14)


def test_create_graph_with_mixed_dtypes_matches_the_layers_run_one_by_one():
    def net_and_input():
        npg.random.manual_seed(4)
        net = nn.Sequential(nn.Linear(4, 5, dtype=np.float32), nn.ReLU(),
                            nn.Linear(5, 3, dtype=np.float64))
        return net, npg.array(np.linspace(-1, 1, 12).reshape(3, 4), dtype=np.float32,
                              requires_grad=True)

    net, x = net_and_input()
    out = net(x)
    assert isinstance(out.grad_fn, LinearStack)
    grads = npg.grad(out.pow(2).sum(), [x, *net.parameters()], create_graph=True)
    ref, rx = net_and_input()
    rgrads = npg.grad(_unfused(list(ref), rx).pow(2).sum(), [rx, *ref.parameters()],
                      create_graph=True)
    for g, rg in zip(grads, rgrads):
        assert g.dtype == rg.dtype and g.requires_grad
        np.testing.assert_array_equal(g.data, rg.data)


def test_docstring_examples_run():
    # Not exported from numpygrad.nn, so the Sphinx doctest build does not see it.
    import doctest

    from numpygrad.nn import linear_stack

    result = doctest.testmod(linear_stack)
    assert result.attempted >= 5 and result.failed == 0


def test_a_forward_replaced_on_the_instance_is_called():
    npg.random.manual_seed(0)
    net = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    calls = []
    plain_forward = net[2].forward
    net[2].forward = lambda x: calls.append(x.shape) or plain_forward(x) * 2
    x = npg.random.randn(5, 3)
    out = net(x)
    assert calls == [(5, 4)]
    np.testing.assert_allclose(out.data, 2 * net[2].weight.data.dot(
        np.maximum(net[0](x).data, 0).T).T + 2 * net[2].bias.data, rtol=1e-6)
