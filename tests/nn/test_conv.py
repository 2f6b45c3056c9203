"""nn.conv: conv2d gradients to second order, PyTorch parity, Conv2d init, errors."""

import math

import numpy as np
import pytest

import numpygrad as npg
from numpygrad.nn import conv as conv_module
from numpygrad.nn.conv import Conv2d, conv2d
from numpygrad.random import Generator
from tests.helpers import check_op, compare_torch, torch_or_skip

RNG = np.random.default_rng(0)

# (input shape, weight shape, keyword arguments)
CASES = [
    ((2, 3, 5, 5), (4, 3, 3, 3), {}),
    ((2, 3, 6, 5), (4, 3, 3, 2), {"stride": 2, "padding": 1}),
    ((1, 2, 7, 7), (3, 2, 3, 3), {"dilation": 2, "padding": (2, 1)}),
    ((2, 4, 5, 6), (6, 2, 3, 3), {"groups": 2, "stride": (1, 2), "padding": 1}),
    ((1, 4, 5, 5), (4, 1, 2, 2), {"groups": 4, "padding": "same"}),  # depthwise, even kernel
    ((2, 2, 4, 5), (3, 2, 2, 3), {"padding": "valid", "stride": (2, 1), "dilation": (1, 2)}),
    ((1, 2, 3, 3), (2, 2, 1, 1), {}),
]


def _values(xs, ws, bias=True):
    vals = [RNG.standard_normal(xs), RNG.standard_normal(ws)]
    if bias:
        vals.append(RNG.standard_normal(ws[0]))
    return vals


@pytest.mark.parametrize("xs,ws,kw", CASES)
def test_gradcheck_and_gradgradcheck(xs, ws, kw):
    check_op(lambda x, w, b: conv2d(x, w, b, **kw), *_values(xs, ws))


def test_gradcheck_without_bias_and_unbatched():
    check_op(lambda x, w: conv2d(x, w, stride=2, padding=1), *_values((2, 5, 5), (3, 2, 3, 3),
                                                                       bias=False))


def test_third_order():
    # Each backward is made of the other conv ops, so any order works.
    x = npg.array(RNG.standard_normal((1, 2, 4, 4)), requires_grad=True)
    w = npg.array(RNG.standard_normal((2, 2, 3, 3)), requires_grad=True)
    (gx,) = npg.grad(conv2d(x, w, padding=1).pow(2).sum(), [x], create_graph=True)
    (gw,) = npg.grad((gx * gx).sum(), [w], create_graph=True)
    (gxx,) = npg.grad(gw.sum(), [x])
    assert gxx.shape == x.shape and np.isfinite(gxx.data).all()


def _reference_conv(x, w, kw):
    """Float64 cross-correlation summed kernel offset by kernel offset (no im2col)."""
    opts = {"stride": 1, "padding": 0, "dilation": 1, "groups": 1, **kw}
    g = conv_module._conv_args(npg.asarray(x), npg.asarray(w), **opts)
    xp = np.pad(x, ((0, 0), (0, 0)) + g.pads)
    (sh, sw), (dh, dw), (oh, ow) = g.stride, g.dilation, g.out_hw
    o, cg, kh, kwd = w.shape
    og = o // g.groups
    out = np.zeros((x.shape[0], o, oh, ow))
    for k in range(g.groups):
        xs, wk = xp[:, k * cg:(k + 1) * cg], w[k * og:(k + 1) * og]
        for i in range(kh):
            for j in range(kwd):
                patch = xs[:, :, i * dh:i * dh + sh * (oh - 1) + 1:sh,
                           j * dw:j * dw + sw * (ow - 1) + 1:sw]
                out[:, k * og:(k + 1) * og] += np.einsum("nchw,oc->nohw", patch, wk[:, :, i, j])
    return out


@pytest.mark.parametrize("images_last", [False, True])
@pytest.mark.parametrize("xs,ws,kw", CASES)
def test_both_column_orders(xs, ws, kw, images_last, monkeypatch):
    """im2col's (N, OH, OW) and (OH, OW, N) column orders give the same convolution."""
    monkeypatch.setattr(conv_module, "_images_last", lambda g, c, o: images_last)
    x, w, b = _values(xs, ws)
    out = conv2d(npg.array(x), npg.array(w), npg.array(b), **kw)
    expected = _reference_conv(x, w, kw) + b.reshape(-1, 1, 1)
    np.testing.assert_allclose(out.data, expected, rtol=1e-12, atol=1e-12)
    check_op(lambda x, w, b: conv2d(x, w, b, **kw), x, w, b)


def test_column_order_choice():
    """Images last where short rows dominate the copy (LeNet's second layer), not its first."""
    def geometry(hw, k):
        return conv_module.ConvGeometry(hw, (k, k), (1, 1), (0, 0), (1, 1), 1)
    assert conv_module._images_last(geometry((12, 12), 5), 6, 16)
    assert not conv_module._images_last(geometry((28, 28), 5), 1, 6)


@pytest.mark.filterwarnings("ignore:Using padding='same'")
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("xs,ws,kw", CASES)
def test_matches_torch(xs, ws, kw, dtype):
    t = torch_or_skip()
    compare_torch(lambda x, w, b: conv2d(x, w, b, **kw),
                  lambda x, w, b: t.nn.functional.conv2d(x, w, b, **kw),
                  *_values(xs, ws), dtype=dtype)


def load_from_torch(module, tmodule, dtype):
    module.load_state_dict({k: v.detach().numpy().astype(dtype)
                            for k, v in tmodule.state_dict().items()})


def module_vs_torch(module, tmodule, x, dtype):
    """Forward values and gradients of the input and every parameter against torch."""
    t = torch_or_skip()
    tol = {np.float32: dict(rtol=1e-4, atol=1e-5), np.float64: dict(rtol=1e-10, atol=1e-12)}
    tol = tol[np.dtype(dtype).type]
    xa = npg.array(x.astype(dtype), requires_grad=True)
    xt = t.tensor(x.astype(dtype), requires_grad=True)
    out, tout = module(xa), tmodule(xt)
    assert out.dtype == dtype
    np.testing.assert_allclose(out.data, tout.detach().numpy(), **tol)
    up = RNG.standard_normal(out.shape).astype(dtype)
    out.backward(up)
    tout.backward(t.tensor(up))
    np.testing.assert_allclose(xa.grad.data, xt.grad.numpy(), **tol)
    tparams = dict(tmodule.named_parameters())
    for name, p in module.named_parameters():
        np.testing.assert_allclose(p.grad.data, tparams[name].grad.numpy(), **tol)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("kw", [{}, {"stride": 2, "padding": 1, "bias": False},
                                {"groups": 2, "dilation": 2, "padding": "same"}])
def test_module_matches_torch(kw, dtype):
    t = torch_or_skip()
    tdt = t.float32 if dtype == np.float32 else t.float64
    tmod = t.nn.Conv2d(4, 6, 3, dtype=tdt, **kw)
    mod = Conv2d(4, 6, 3, dtype=dtype, **kw)
    load_from_torch(mod, tmod, dtype)
    assert [n for n, _ in mod.named_parameters()] == [n for n, _ in tmod.named_parameters()]
    module_vs_torch(mod, tmod, RNG.standard_normal((2, 4, 7, 6)), dtype)


def test_default_init_statistics():
    layer = Conv2d(16, 32, (3, 5), generator=Generator(0))
    fan_in = 16 * 3 * 5
    bound = 1 / math.sqrt(fan_in)  # kaiming_uniform_(a=sqrt(5)) gives exactly this
    w, b = layer.weight.data, layer.bias.data
    assert w.shape == (32, 16, 3, 5) and w.dtype == np.float32 and b.shape == (32,)
    assert np.abs(w).max() <= bound and np.abs(b).max() <= bound
    assert abs(w.std() - bound / math.sqrt(3)) < 0.03 * bound  # std of U(-b, b)
    assert abs(w.mean()) < 0.03 * bound
    assert np.abs(w).max() > 0.95 * bound
    # Grouped: fan_in counts the channels of one group.
    grouped = Conv2d(8, 4, 3, groups=4, generator=Generator(1))
    assert grouped.weight.shape == (4, 2, 3, 3)
    assert np.abs(grouped.weight.data).max() <= 1 / math.sqrt(2 * 9)


def test_init_reproducible_with_generator():
    a = Conv2d(3, 4, 3, generator=Generator(7))
    b = Conv2d(3, 4, 3, generator=Generator(7))
    np.testing.assert_array_equal(a.weight.data, b.weight.data)
    np.testing.assert_array_equal(a.bias.data, b.bias.data)


def test_output_shapes_and_dtype():
    x = npg.ones((2, 3, 9, 8), dtype=np.float64)
    w = npg.ones((5, 3, 3, 3), dtype=np.float64)
    assert conv2d(x, w, stride=2).shape == (2, 5, 4, 3)
    assert conv2d(x, w, padding="same").shape == (2, 5, 9, 8)
    assert conv2d(x, w, dilation=(2, 3), padding=(2, 3)).shape == (2, 5, 9, 8)
    assert conv2d(x, w).dtype == np.float64
    empty = npg.ones((0, 3, 5, 5), requires_grad=True)
    out = conv2d(empty, npg.ones((2, 3, 3, 3), requires_grad=True))
    assert out.shape == (0, 2, 3, 3)
    out.sum().backward()
    assert empty.grad.shape == empty.shape


def test_channel_mismatch_names_shapes():
    with pytest.raises(ValueError, match=r"weight of size \[8, 3, 3, 3\], expected "
                                         r"input\[2, 4, 5, 5\] to have 3 channels, but got 4"):
        conv2d(npg.ones((2, 4, 5, 5)), npg.ones((8, 3, 3, 3)))
    with pytest.raises(ValueError, match="to have 3 channels, but got 4"):
        Conv2d(3, 8, 3)(npg.ones((2, 4, 5, 5)))


def test_errors():
    x, w = npg.ones((1, 2, 4, 4)), npg.ones((2, 2, 5, 5))
    with pytest.raises(ValueError, match=r"Kernel size can't be greater than actual input size"):
        conv2d(x, w)
    with pytest.raises(ValueError, match="Expected 3D \\(unbatched\\) or 4D"):
        conv2d(npg.ones((4, 4)), w)
    with pytest.raises(ValueError, match="not supported for strided convolutions"):
        conv2d(x, npg.ones((2, 2, 3, 3)), stride=2, padding="same")
    with pytest.raises(ValueError, match="Invalid padding string 'full'"):
        Conv2d(2, 2, 3, padding="full")
    with pytest.raises(ValueError, match="in_channels must be divisible by groups"):
        Conv2d(3, 4, 3, groups=2)
    with pytest.raises(ValueError, match="out_channels must be divisible by groups"):
        Conv2d(4, 3, 3, groups=2)
    with pytest.raises(ValueError, match="groups must be a positive integer"):
        Conv2d(4, 4, 3, groups=0)
    with pytest.raises(ValueError, match="negative dimension -1"):
        Conv2d(3, -1, 3)
    with pytest.raises(NotImplementedError, match="padding_mode='reflect'"):
        Conv2d(3, 3, 3, padding_mode="reflect")
    with pytest.raises(ValueError, match="bias of shape"):
        conv2d(x, npg.ones((2, 2, 3, 3)), npg.ones(3))


def test_repr():
    assert repr(Conv2d(3, 8, 3, padding=1, bias=False)).startswith(
        "Conv2d(3, 8, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1), bias=False")


def test_larger_layer_runs_and_trains():
    # A realistic size through forward and backward (vectorised: well under a second).
    layer = Conv2d(8, 16, 3, padding=1, generator=Generator(0))
    x = npg.array(RNG.standard_normal((16, 8, 28, 28)).astype(np.float32), requires_grad=True)
    layer(x).pow(2).mean().backward()
    assert layer.weight.grad.shape == layer.weight.shape
    assert x.grad.shape == x.shape


# The convolution's large temporaries go through a scratch pool (numpygrad.nn._scratch);
# these shapes are large enough for the pool to keep them (>= 64 KiB).
@pytest.mark.parametrize("kw", [{}, {"groups": 2}, {"padding": 1, "stride": 2}])
def test_results_are_not_views_of_scratch_buffers(kw):
    # One image and one channel per group: the transposes before the final copies are
    # already contiguous, so a view of a scratch buffer would slip through unnoticed.
    from numpygrad.nn.conv import _conv_args, _input_grad

    c = 2 if kw.get("groups") else 1
    x = npg.array(RNG.standard_normal((1, c, 100, 100)))
    w = npg.array(RNG.standard_normal((c, 1, 3, 3)))
    out = conv2d(x, w, **kw)
    geom = _conv_args(x, w, kw.get("stride", 1), kw.get("padding", 0), 1, kw.get("groups", 1))
    gx = _input_grad(np.ones(out.shape), w.data, geom)
    kept = out.data.copy(), gx.copy()
    # Same shapes again: these calls take the buffers the first ones gave back.
    out2 = conv2d(npg.array(RNG.standard_normal(x.shape)), w, **kw)
    gx2 = _input_grad(RNG.standard_normal(out.shape), w.data, geom)
    for before, now in zip(kept, (out.data, gx)):
        np.testing.assert_array_equal(before, now)
    assert not np.shares_memory(out.data, out2.data) and not np.shares_memory(gx, gx2)


def test_two_forwards_before_backward_keep_their_own_columns():
    # Siamese use: the same layer on two inputs, one backward; each node's saved
    # columns must stay its own until its weight gradient is taken.
    layer = Conv2d(2, 3, 3, dtype=np.float64, generator=Generator(0))
    xa, xb = RNG.standard_normal((2, 2, 60, 60)), RNG.standard_normal((2, 2, 60, 60))
    (layer(npg.array(xa)).sum() + 2 * layer(npg.array(xb)).sum()).backward()
    both = layer.weight.grad.data.copy()
    layer.zero_grad()
    layer(npg.array(xa)).sum().backward()
    ga = layer.weight.grad.data.copy()
    layer.zero_grad()
    (2 * layer(npg.array(xb)).sum()).backward()
    np.testing.assert_allclose(both, ga + layer.weight.grad.data, rtol=1e-12)


def test_repeated_backward_over_one_graph_recomputes_columns():
    # retain_graph: the first backward gives the forward's columns back to the pool;
    # the second one must not read them (it takes its own).
    x = npg.array(RNG.standard_normal((2, 2, 60, 60)))
    w = npg.array(RNG.standard_normal((3, 2, 3, 3)), requires_grad=True)
    loss = conv2d(x, w).pow(2).sum()
    loss.backward(retain_graph=True)
    first = w.grad.data.copy()
    conv2d(npg.array(RNG.standard_normal((2, 2, 60, 60))), w).sum()  # reuses the buffers
    loss.backward()
    np.testing.assert_allclose(w.grad.data, 2 * first, rtol=1e-12)
