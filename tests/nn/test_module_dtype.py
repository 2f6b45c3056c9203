"""Module dtype conversion: to, float, double, half, type and cpu."""

import numpy as np
import pytest

import numpygrad as npg
from numpygrad import nn, optim
from numpygrad.nn.module import Buffer, Module, Parameter


class Net(Module):
    """Members in every place discovery looks: own, submodules, plain lists and dicts."""

    def __init__(self):
        super().__init__()
        self.scale = Parameter(np.ones(3, dtype=np.float32))
        self.fc = nn.Linear(2, 3)
        self.blocks = [nn.Linear(3, 3), nn.BatchNorm1d(3)]
        self.heads = {"cls": nn.Linear(3, 2)}
        self.register_buffer("cache", npg.zeros(3), persistent=False)
        self.steps = Buffer(np.zeros((), dtype=np.int64))
        self.ids = Parameter(np.arange(3), requires_grad=False)  # an integer parameter

    def forward(self, x):
        x = self.blocks[1](self.blocks[0](self.fc(x) * self.scale))
        return self.heads["cls"](x)


def _float_members(module):
    return [a for a in (*module.parameters(), *module.buffers()) if a.dtype.kind == "f"]


# ------------------------------------------------------------------ what is cast
@pytest.mark.parametrize("method, dtype", [("double", np.float64), ("half", np.float16),
                                           ("float", np.float32)])
def test_every_floating_parameter_and_buffer_is_cast_integers_are_not(method, dtype):
    net = Net().double() if method == "float" else Net()
    assert getattr(net, method)() is net
    floats = _float_members(net)
    assert len(floats) == 12  # scale, 3 x (weight, bias), bn weight/bias/mean/var, cache
    assert all(a.dtype == dtype for a in floats)
    assert net.blocks[1].num_batches_tracked.dtype == np.int64
    assert net.steps.dtype == np.int64 and net.ids.dtype == np.int64
    assert net.ids.tolist() == [0, 1, 2]


def test_values_are_kept_and_buffers_stay_buffers():
    net = Net()
    before = {name: a.data.copy() for name, a in net.named_buffers()}
    before.update((name, p.data.copy()) for name, p in net.named_parameters())
    net.double()
    for name, a in [*net.named_parameters(), *net.named_buffers()]:
        np.testing.assert_array_equal(a.data, before[name])
    assert type(net.steps) is Buffer and type(net.blocks[1].running_mean) is Buffer
    assert list(net.state_dict()) == list(Net().state_dict())  # cache still non-persistent
    assert all(p.requires_grad for p in net.parameters() if p.dtype.kind == "f")


def test_type_casts_like_to_and_keeps_integer_buffers():
    bn = nn.BatchNorm1d(2)
    assert bn.type("float64") is bn
    assert bn.weight.dtype == bn.running_var.dtype == np.float64
    assert bn.num_batches_tracked.dtype == np.int64


def test_float_is_float32_whatever_the_default_dtype():
    layer = nn.Linear(2, 2, dtype=np.float16)
    npg.set_default_dtype(np.float64)
    try:
        layer.float()
    finally:
        npg.set_default_dtype(np.float32)
    assert layer.weight.dtype == np.float32


# ------------------------------------------------------------------ to() forms
@pytest.mark.parametrize("args, kwargs", [
    ((np.float64,), {}),
    ((np.dtype("float64"),), {}),
    (("float64",), {}),
    ((), {"dtype": np.float64}),
    (("cpu", np.float64), {}),
    ((np.float64, "cpu"), {}),
    (("cpu",), {"dtype": "float64", "non_blocking": True}),
    ((), {"device": "cpu", "dtype": np.float64}),
    ((npg.zeros(1, dtype="float64"),), {}),
])
def test_to_accepts_pytorchs_forms(args, kwargs):
    layer = nn.Linear(2, 2)
    assert layer.to(*args, **kwargs) is layer
    assert layer.weight.dtype == layer.bias.dtype == np.float64


@pytest.mark.parametrize("args, kwargs", [(("cpu",), {}), ((), {"device": "cpu"}),
                                          (("cpu:0",), {}), ((None,), {}), ((), {})])
def test_to_a_device_alone_changes_nothing(args, kwargs):
    layer = nn.Linear(2, 2)
    weight = layer.weight.data
    assert layer.to(*args, **kwargs) is layer
    assert layer.weight.data is weight and layer.weight._version == 0
    assert layer.cpu() is layer and layer.weight.data is weight


def test_casting_to_the_current_dtype_is_a_no_op():
    layer = nn.Linear(2, 2)
    weight = layer.weight.data
    layer.float()
    assert layer.weight.data is weight and layer.weight._version == 0


# ------------------------------------------------------------------ identity, grads, sharing
def test_parameters_keep_their_identity_and_an_earlier_optimizer_updates_them():
    net = nn.MLP([4, 8, 3])
    params = list(net.parameters())
    opt = optim.SGD(net.parameters(), lr=0.1)
    net.double()
    assert all(a is b for a, b in zip(net.parameters(), params, strict=True))
    before = [p.data.copy() for p in params]
    net(npg.ones((2, 4), dtype="float64")).sum().backward()
    opt.step()
    for p, old in zip(params, before, strict=True):
        assert p.dtype == np.float64
        np.testing.assert_allclose(p.data, old - 0.1 * p.grad.data, rtol=0, atol=1e-15)


def test_existing_gradient_is_cast_in_place():
    layer = nn.Linear(2, 2)
    layer(npg.ones((3, 2))).sum().backward()
    grad = layer.weight.grad
    values = grad.data.copy()
    layer.double()
    assert layer.weight.grad is grad and grad.dtype == np.float64
    np.testing.assert_array_equal(grad.data, values)
    layer(npg.ones((3, 2), dtype="float64")).sum().backward()  # accumulates in float64
    assert layer.weight.grad.dtype == np.float64
    np.testing.assert_array_equal(layer.weight.grad.data, 2 * values)


def test_shared_parameter_is_converted_once():
    net = nn.Sequential(nn.Linear(2, 2), nn.Linear(2, 2))
    net[1].weight = net[0].weight
    net.double()
    assert net[1].weight is net[0].weight and net[0].weight.dtype == np.float64
    assert net[0].weight._version == 1  # a second conversion would bump it again


def test_graph_recorded_before_the_cast_refuses_backward():
    layer = nn.Linear(2, 1)
    loss = layer(npg.ones((1, 2))).sum()
    layer.double()
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        loss.backward()


# ------------------------------------------------------------------ errors
@pytest.mark.parametrize("dtype", ["int64", np.int32, np.dtype(bool), "uint8"])
def test_to_a_non_floating_dtype_raises_like_pytorch(dtype):
    layer = nn.Linear(2, 2)
    name = np.dtype(dtype).name
    with pytest.raises(TypeError, match="nn.Module.to only accepts floating point or complex "
                                        f"dtypes, but got desired dtype={name}"):
        layer.to(dtype)
    with pytest.raises(TypeError, match=f"desired dtype={name}"):
        layer.to(npg.zeros(1).astype(dtype))
    with pytest.raises(TypeError, match=f"Module.type.*floating dtype, got {name}"):
        layer.type(dtype)
    assert layer.weight.dtype == np.float32


def test_complex_dtype_raises():
    with pytest.raises(TypeError, match="complex parameters cannot require gradients.*complex64"):
        nn.Linear(2, 2).to("complex64")


@pytest.mark.parametrize("device", ["cuda", "cuda:0", "mps", "cpu:1"])
def test_other_devices_raise_naming_the_device(device):
    layer = nn.Linear(2, 2)
    with pytest.raises(ValueError, match=f"CPU only, got device '{device}'"):
        layer.to(device)
    with pytest.raises(ValueError, match=f"got device '{device}'"):
        layer.to(device=device, dtype=np.float64)
    assert layer.weight.dtype == np.float32  # nothing was cast


@pytest.mark.parametrize("args, kwargs, message", [
    ((np.float64, np.float32), {}, "two dtypes: float64 and float32"),
    ((np.float64,), {"dtype": np.float32}, "two dtypes"),
    (("cpu", "cpu"), {}, "two devices"),
    (("cpu", np.float64, True), {}, "at most 2 positional"),
    ((3,), {}, "expected a device, a dtype or an Array, got int 3"),
    ((), {"memory_format": None}, "unexpected keyword argument 'memory_format'"),
])
def test_malformed_to_arguments_raise(args, kwargs, message):
    with pytest.raises(TypeError, match=message):
        nn.Linear(2, 2).to(*args, **kwargs)


# ------------------------------------------------------------------ training after a cast
def _reference_step(weights, x, target, lr):
    """One SGD step of Linear/ReLU layers on MSE in float64 NumPy, by hand.

    ``weights`` is a list of (W, b); a ReLU follows every layer but the last. Returns the
    gradients and the updated weights.
    """
    acts, h = [x], x
    for k, (w, b) in enumerate(weights):
        h = h @ w.T + b
        if k < len(weights) - 1:
            h = np.maximum(h, 0)
        acts.append(h)
    g = 2 * (h - target) / h.size
    grads = []
    for k in range(len(weights) - 1, -1, -1):
        w, _ = weights[k]
        grads.append((g.T @ acts[k], g.sum(axis=0)))
        g = g @ w
        if k:
            g = g * (acts[k] > 0)
    grads.reverse()
    new = [(w - lr * gw, b - lr * gb) for (w, b), (gw, gb) in zip(weights, grads, strict=True)]
    return grads, new


def _sgd_step(model, x, target, lr):
    opt = optim.SGD(model.parameters(), lr=lr)
    opt.zero_grad()
    out = model(x)
    nn.functional.mse_loss(out, target).backward()
    opt.step()
    return out


def _linear_layers(model):
    return [m for m in model.modules() if isinstance(m, nn.Linear)]


@pytest.mark.parametrize("batch_shape", [(5,), (2, 5)])  # 3-D input: per-layer path
def test_sequential_trains_in_float64_after_double_then_float32_again(batch_shape):
    npg.manual_seed(0)
    net = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 8), nn.ReLU(), nn.Linear(8, 3))
    rng = np.random.default_rng(0)
    x = rng.standard_normal((*batch_shape, 4))
    target = rng.standard_normal((*batch_shape, 3))
    assert net.double() is net
    weights = [(m.weight.data.copy(), m.bias.data.copy()) for m in _linear_layers(net)]
    out = _sgd_step(net, npg.asarray(x), npg.asarray(target), lr=0.1)
    assert out.dtype == np.float64
    grads, new = _reference_step([(w, b) for w, b in weights], x.reshape(-1, 4),
                                 target.reshape(-1, 3), lr=0.1)
    for m, (gw, gb), (w, b) in zip(_linear_layers(net), grads, new, strict=True):
        assert m.weight.grad.dtype == m.bias.grad.dtype == np.float64
        np.testing.assert_allclose(m.weight.grad.data, gw, rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(m.bias.grad.data, gb, rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(m.weight.data, w, rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(m.bias.data, b, rtol=1e-12, atol=1e-14)

    assert net.float() is net
    weights = [(m.weight.data.astype(np.float64), m.bias.data.astype(np.float64))
               for m in _linear_layers(net)]
    out = _sgd_step(net, npg.asarray(x.astype(np.float32)),
                    npg.asarray(target.astype(np.float32)), lr=0.1)
    assert out.dtype == np.float32
    _, new = _reference_step(weights, x.reshape(-1, 4), target.reshape(-1, 3), lr=0.1)
    for m, (w, b) in zip(_linear_layers(net), new, strict=True):
        assert m.weight.dtype == m.weight.grad.dtype == np.float32
        np.testing.assert_allclose(m.weight.data, w, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(m.bias.data, b, rtol=1e-5, atol=1e-6)


def test_mlp_after_double_matches_torch_float64_then_float32_again():
    torch = pytest.importorskip("torch")
    npg.manual_seed(1)
    mlp = nn.MLP([4, 8, 3])
    ours = _linear_layers(mlp)
    ref = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(),
                              torch.nn.Linear(8, 3)).double()
    tref = [ref[0], ref[2]]
    with torch.no_grad():
        for t, m in zip(tref, ours, strict=True):  # torch gets our float32 values, exactly
            t.weight.copy_(torch.from_numpy(m.weight.data.astype(np.float64)))
            t.bias.copy_(torch.from_numpy(m.bias.data.astype(np.float64)))
    rng = np.random.default_rng(1)
    x, target = rng.standard_normal((6, 4)), rng.standard_normal((6, 3))

    mlp.double()
    out = _sgd_step(mlp, npg.asarray(x), npg.asarray(target), lr=0.05)
    topt = torch.optim.SGD(ref.parameters(), lr=0.05)
    tout = ref(torch.from_numpy(x))
    torch.nn.functional.mse_loss(tout, torch.from_numpy(target)).backward()
    topt.step()
    assert out.dtype == np.float64
    np.testing.assert_allclose(out.data, tout.detach().numpy(), rtol=1e-12, atol=1e-14)
    for t, m in zip(tref, ours, strict=True):
        assert m.weight.grad.dtype == np.float64
        np.testing.assert_allclose(m.weight.grad.data, t.weight.grad.numpy(),
                                   rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(m.bias.grad.data, t.bias.grad.numpy(), rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(m.weight.data, t.weight.detach().numpy(),
                                   rtol=1e-12, atol=1e-14)

    mlp.float()
    ref.float()
    out = _sgd_step(mlp, npg.asarray(x.astype(np.float32)),
                    npg.asarray(target.astype(np.float32)), lr=0.05)
    tout = ref(torch.from_numpy(x.astype(np.float32)))
    assert out.dtype == np.float32
    assert all(p.dtype == p.grad.dtype == np.float32 for p in mlp.parameters())
    np.testing.assert_allclose(out.data, tout.detach().numpy(), rtol=1e-5, atol=1e-6)
