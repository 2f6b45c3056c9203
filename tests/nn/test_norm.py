"""nn.norm: batch/layer norm gradients to second order, running statistics, PyTorch parity."""

import numpy as np
import pytest

import numpygrad as npg
from numpygrad.nn.norm import BatchNorm1d, BatchNorm2d, LayerNorm, batch_norm, layer_norm
from tests.helpers import check_op, compare_torch, torch_or_skip

RNG = np.random.default_rng(0)
TOL = {np.float32: dict(rtol=1e-4, atol=1e-5), np.float64: dict(rtol=1e-10, atol=1e-12)}


def test_batch_norm_train_gradcheck():
    x, w, b = RNG.standard_normal((4, 3, 2, 2)), RNG.standard_normal(3), RNG.standard_normal(3)
    check_op(lambda x, w, b: batch_norm(x, None, None, w, b, training=True), x, w, b)
    check_op(lambda x: batch_norm(x, None, None, training=True), RNG.standard_normal((5, 2)))
    check_op(lambda x, b: batch_norm(x, None, None, bias=b, training=True),
             RNG.standard_normal((3, 2, 4)), RNG.standard_normal(2))


def test_batch_norm_eval_gradcheck():
    rm, rv = npg.array(RNG.standard_normal(3)), npg.array(RNG.uniform(0.5, 2, 3))
    x, w, b = RNG.standard_normal((4, 3, 2)), RNG.standard_normal(3), RNG.standard_normal(3)
    check_op(lambda x, w, b: batch_norm(x, rm, rv, w, b, training=False), x, w, b)


def test_layer_norm_gradcheck():
    x = RNG.standard_normal((3, 2, 4))
    check_op(lambda x, w, b: layer_norm(x, 4, w, b), x, RNG.standard_normal(4),
             RNG.standard_normal(4))
    check_op(lambda x, w: layer_norm(x, (2, 4), w), x, RNG.standard_normal((2, 4)))
    check_op(lambda x: layer_norm(x, [3, 2, 4]), x)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_functionals_match_torch(dtype):
    t = torch_or_skip()
    F = t.nn.functional
    x, w, b = RNG.standard_normal((6, 3, 4)), RNG.standard_normal(3), RNG.standard_normal(3)
    compare_torch(lambda x, w, b: batch_norm(x, None, None, w, b, training=True),
                  lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True),
                  x, w, b, dtype=dtype)
    rm, rv = RNG.standard_normal(3).astype(dtype), RNG.uniform(0.5, 2, 3).astype(dtype)
    compare_torch(lambda x, w, b: batch_norm(x, npg.array(rm), npg.array(rv), w, b),
                  lambda x, w, b: F.batch_norm(x, t.tensor(rm), t.tensor(rv), w, b),
                  x, w, b, dtype=dtype)
    w2, b2 = RNG.standard_normal((3, 4)), RNG.standard_normal((3, 4))
    compare_torch(lambda x, w, b: layer_norm(x, (3, 4), w, b, eps=1e-3),
                  lambda x, w, b: F.layer_norm(x, (3, 4), w, b, eps=1e-3), x, w2, b2,
                  dtype=dtype)


def _load(module, tmodule, dtype):
    state = {k: v.detach().numpy() for k, v in tmodule.state_dict().items()}
    assert list(module.state_dict()) == list(state)
    module.load_state_dict({k: v.astype(dtype) if v.dtype.kind == "f" else v
                            for k, v in state.items()})


def _step(module, tmodule, x, dtype):
    """One forward/backward on both; compare output, input grad and parameter grads."""
    t = torch_or_skip()
    xa, xt = npg.array(x.astype(dtype), requires_grad=True), t.tensor(x.astype(dtype),
                                                                       requires_grad=True)
    out, tout = module(xa), tmodule(xt)
    np.testing.assert_allclose(out.data, tout.detach().numpy(), **TOL[dtype])
    up = RNG.standard_normal(out.shape).astype(dtype)
    out.backward(up)
    tout.backward(t.tensor(up))
    np.testing.assert_allclose(xa.grad.data, xt.grad.numpy(), **TOL[dtype])
    tp = dict(tmodule.named_parameters())
    for name, p in module.named_parameters():
        np.testing.assert_allclose(p.grad.data, tp[name].grad.numpy(), **TOL[dtype])
        p.grad, tp[name].grad = None, None
    for name, buf in module.named_buffers():
        np.testing.assert_allclose(buf.data, tmodule.get_buffer(name).numpy(), **TOL[dtype])


BN_CASES = [
    (BatchNorm1d, "BatchNorm1d", (8, 3), {}),
    (BatchNorm1d, "BatchNorm1d", (4, 3, 5), {"momentum": 0.3}),
    (BatchNorm1d, "BatchNorm1d", (4, 3, 5), {"momentum": None}),
    (BatchNorm2d, "BatchNorm2d", (4, 3, 3, 2), {}),
    (BatchNorm2d, "BatchNorm2d", (4, 3, 3, 2), {"affine": False, "eps": 1e-3}),
    (BatchNorm2d, "BatchNorm2d", (4, 3, 3, 2), {"track_running_stats": False}),
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("cls,tname,shape,kw", BN_CASES)
def test_batch_norm_modules_match_torch_over_steps(cls, tname, shape, kw, dtype):
    t = torch_or_skip()
    tmod = getattr(t.nn, tname)(3, dtype=t.float32 if dtype == np.float32 else t.float64, **kw)
    mod = cls(3, dtype=dtype, **kw)
    if kw.get("affine", True):
        with t.no_grad():
            tmod.weight.uniform_(0.5, 1.5)
            tmod.bias.uniform_(-1, 1)
    _load(mod, tmod, dtype)
    for _ in range(3):  # training steps update the running statistics
        _step(mod, tmod, RNG.standard_normal(shape) * 2 + 1, dtype)
    if kw.get("track_running_stats", True):
        assert int(mod.num_batches_tracked.item()) == 3
        assert mod.num_batches_tracked.dtype == np.int64
    mod.eval()
    tmod.eval()
    for _ in range(2):  # evaluation uses (and keeps) the running statistics
        _step(mod, tmod, RNG.standard_normal(shape), dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape,kw", [(4, {}), ((3, 4), {"eps": 1e-3}),
                                      ((4,), {"elementwise_affine": False}),
                                      (4, {"bias": False})])
def test_layer_norm_module_matches_torch(shape, kw, dtype):
    t = torch_or_skip()
    tmod = t.nn.LayerNorm(shape, dtype=t.float32 if dtype == np.float32 else t.float64, **kw)
    mod = LayerNorm(shape, dtype=dtype, **kw)
    with t.no_grad():
        for p in tmod.parameters():
            p.uniform_(-1, 1)
    _load(mod, tmod, dtype)
    _step(mod, tmod, RNG.standard_normal((2, 3, 4)), dtype)


def test_running_statistics_formula():
    bn = BatchNorm1d(2, momentum=0.5, dtype=np.float64)
    x = np.array([[1.0, 10.0], [3.0, 30.0], [5.0, 20.0]])
    bn(npg.array(x))
    np.testing.assert_allclose(bn.running_mean.data, 0.5 * x.mean(0))
    np.testing.assert_allclose(bn.running_var.data, 0.5 + 0.5 * x.var(0, ddof=1))
    bn.reset_running_stats()
    assert bn.running_mean.tolist() == [0, 0] and int(bn.num_batches_tracked.item()) == 0


def test_eval_output_is_affine_in_running_stats():
    bn = BatchNorm2d(2).eval()
    x = npg.array(RNG.standard_normal((1, 2, 2, 2)).astype(np.float32))
    np.testing.assert_allclose(bn(x).data, x.data / np.sqrt(1 + 1e-5), rtol=1e-6)
    assert int(bn.num_batches_tracked.item()) == 0


def test_no_running_stats_buffers():
    bn = BatchNorm1d(3, track_running_stats=False, affine=False)
    assert bn.running_mean is None and list(bn.state_dict()) == []
    assert list(bn.parameters()) == []
    out = bn.eval()(npg.array(RNG.standard_normal((4, 3))))  # batch statistics even in eval
    np.testing.assert_allclose(out.data.mean(0), 0, atol=1e-6)


def test_errors():
    with pytest.raises(ValueError, match="Expected more than 1 value per channel when training"):
        BatchNorm1d(3)(npg.ones((1, 3)))
    with pytest.raises(ValueError, match=r"expected 2D or 3D input \(got 4D input\)"):
        BatchNorm1d(3)(npg.ones((2, 3, 4, 5)))
    with pytest.raises(ValueError, match=r"expected 4D input \(got 2D input\)"):
        BatchNorm2d(3)(npg.ones((2, 3)))
    with pytest.raises(ValueError, match=r"expected input with shape \[\*, 4\], but got input "
                                         r"of size\[2, 3\]"):
        layer_norm(npg.ones((2, 3)), 4)
    with pytest.raises(ValueError, match="running_mean should have shape"):
        batch_norm(npg.ones((2, 3)), npg.zeros(4), npg.ones(3))
    with pytest.raises(ValueError, match="negative dimension -1"):
        BatchNorm1d(-1)
    with pytest.raises(ValueError, match="negative dimension -2"):
        LayerNorm((3, -2))


def test_empty_batch_gives_empty_output():
    out = batch_norm(npg.ones((0, 3)), None, None, training=True)
    assert out.shape == (0, 3)


def test_second_order_through_statistics():
    # create_graph recomputes the statistics with ops, so d2/dx2 includes their dependence.
    x = npg.array(RNG.standard_normal((4, 3)), requires_grad=True)
    (g,) = npg.grad(layer_norm(x, 3).pow(3).sum(), [x], create_graph=True)
    (gg,) = npg.grad(g.pow(2).sum(), [x])
    assert gg.shape == x.shape and np.isfinite(gg.data).all()
