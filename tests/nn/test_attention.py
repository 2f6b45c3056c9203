"""nn.attention: MultiheadAttention against torch (loaded weights, masks), gradients, init."""

import math

import numpy as np
import pytest

import numpygrad as npg
from numpygrad.nn.attention import MultiheadAttention
from numpygrad.random import Generator
from tests.helpers import check_op, torch_or_skip

RNG = np.random.default_rng(0)
E, H, L, S, N = 8, 2, 4, 5, 3
TOL = {np.float32: dict(rtol=2e-4, atol=2e-5), np.float64: dict(rtol=1e-9, atol=1e-11)}


def pair(dtype, **kw):
    """A torch MultiheadAttention and ours with the torch weights loaded."""
    t = torch_or_skip()
    t.manual_seed(0)
    tm = t.nn.MultiheadAttention(E, H, dtype=t.float32 if dtype == np.float32 else t.float64,
                                 **kw)
    with t.no_grad():  # non-zero biases so they are tested too
        for name, p in tm.named_parameters():
            if "bias" in name:
                p.uniform_(-0.5, 0.5)
    m = MultiheadAttention(E, H, dtype=dtype, **kw)
    state = {k: v.detach().numpy() for k, v in tm.state_dict().items()}
    assert list(m.state_dict()) == list(state)
    m.load_state_dict(state)
    return m, tm


def run_both(m, tm, q, k, v, dtype, self_attention=False, **kw):
    """Compare outputs, weights and gradients of inputs and parameters."""
    t = torch_or_skip()
    if self_attention:
        xs = [npg.array(q.astype(dtype), requires_grad=True)] * 3
        ts = [t.tensor(q.astype(dtype), requires_grad=True)] * 3
    else:
        xs = [npg.array(a.astype(dtype), requires_grad=True) for a in (q, k, v)]
        ts = [t.tensor(a.astype(dtype), requires_grad=True) for a in (q, k, v)]
    tkw = {name: (t.tensor(val) if isinstance(val, np.ndarray) else val)
           for name, val in kw.items()}
    out, w = m(*xs, **kw)
    tout, tw = tm(*ts, **tkw)
    assert out.dtype == dtype
    np.testing.assert_allclose(out.data, tout.detach().numpy(), **TOL[dtype])
    if tw is None:
        assert w is None
        loss, tloss = (out * out).sum(), (tout * tout).sum()
    else:
        np.testing.assert_allclose(w.data, tw.detach().numpy(), **TOL[dtype])
        up = RNG.standard_normal(w.shape).astype(dtype)
        loss = (out * out).sum() + (w * up).sum()
        tloss = (tout * tout).sum() + (tw * t.tensor(up)).sum()
    loss.backward()
    tloss.backward()
    for x, tx in zip(xs[:1] if self_attention else xs, ts[:1] if self_attention else ts):
        np.testing.assert_allclose(x.grad.data, tx.grad.numpy(), **TOL[dtype])
    tparams = dict(tm.named_parameters())
    for name, p in m.named_parameters():
        np.testing.assert_allclose(p.grad.data, tparams[name].grad.numpy(), **TOL[dtype])


def qkv(batch_first=False, kdim=E, vdim=E):
    shape = (lambda s, d: (N, s, d)) if batch_first else (lambda s, d: (s, N, d))
    return RNG.standard_normal(shape(L, E)), RNG.standard_normal(shape(S, kdim)), \
        RNG.standard_normal(shape(S, vdim))


def masks():
    am = RNG.random((L, S)) < 0.3
    am[:, 0] = False  # keep one key per query so no row is fully masked
    kpm = RNG.random((N, S)) < 0.3
    kpm[:, 1] = False
    return am, kpm


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("batch_first", [False, True])
def test_matches_torch_with_masks(dtype, batch_first):
    m, tm = pair(dtype, batch_first=batch_first)
    q, k, v = qkv(batch_first)
    am, kpm = masks()
    run_both(m, tm, q, k, v, dtype)
    run_both(m, tm, q, k, v, dtype, attn_mask=am, key_padding_mask=kpm)
    float_mask = RNG.standard_normal((L, S)).astype(dtype)
    run_both(m, tm, q, k, v, dtype, attn_mask=float_mask, average_attn_weights=False)
    run_both(m, tm, q, k, v, dtype, attn_mask=RNG.random((N * H, L, S)) < 0.2, need_weights=False)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_self_attention_and_variants_match_torch(dtype):
    m, tm = pair(dtype, batch_first=True)
    q, _, _ = qkv(True)
    run_both(m, tm, q, q, q, dtype, self_attention=True)
    m, tm = pair(dtype, kdim=6, vdim=7)
    run_both(m, tm, *qkv(kdim=6, vdim=7), dtype=dtype)
    m, tm = pair(dtype, bias=False)
    run_both(m, tm, *qkv(), dtype=dtype, key_padding_mask=masks()[1])


def test_unbatched_and_causal_match_torch():
    m, tm = pair(np.float64)
    q, k, v = (a[:, 0] for a in qkv())
    run_both(m, tm, q, k, v, np.float64, key_padding_mask=masks()[1][0])
    x = RNG.standard_normal((L, N, E))
    causal = np.triu(np.ones((L, L), dtype=bool), 1)
    out1, w1 = m(npg.array(x), npg.array(x), npg.array(x), attn_mask=causal)
    out2, w2 = m(npg.array(x), npg.array(x), npg.array(x), is_causal=True)
    np.testing.assert_array_equal(out1.data, out2.data)
    assert np.all(w2.data[:, np.triu_indices(L, 1)[0], np.triu_indices(L, 1)[1]] == 0)


def test_gradcheck_small():
    m = MultiheadAttention(4, 2, dtype=np.float64, generator=Generator(0))
    m.in_proj_bias.data[:] = RNG.uniform(-0.5, 0.5, 12)
    am = np.array([[False, True, False], [False, False, True]])
    check_op(lambda q, k, v: m(q, k, v, attn_mask=am)[0], RNG.standard_normal((2, 1, 4)),
             RNG.standard_normal((3, 1, 4)), RNG.standard_normal((3, 1, 4)))


def test_init_like_torch():
    m = MultiheadAttention(16, 4, generator=Generator(0))
    names = [n for n, _ in m.named_parameters()]
    assert names == ["in_proj_weight", "in_proj_bias", "out_proj.weight", "out_proj.bias"]
    assert m.in_proj_weight.shape == (48, 16) and m.in_proj_bias.shape == (48,)
    bound = math.sqrt(6 / (16 + 48))  # xavier_uniform_ on the packed (3E, E) matrix
    assert np.abs(m.in_proj_weight.data).max() <= bound
    assert np.abs(m.in_proj_weight.data).max() > 0.9 * bound
    assert not m.in_proj_bias.data.any() and not m.out_proj.bias.data.any()
    assert np.abs(m.out_proj.weight.data).max() <= 1 / math.sqrt(16)
    other = MultiheadAttention(16, 4, generator=Generator(0))
    np.testing.assert_array_equal(m.in_proj_weight.data, other.in_proj_weight.data)


def test_dropout_on_weights_in_training_only():
    x = npg.array(RNG.standard_normal((L, N, E)))
    m = MultiheadAttention(E, H, dropout=0.5, generator=Generator(1))
    out_train, w_train = m(x, x, x, average_attn_weights=False)
    assert np.any(w_train.data == 0)
    m.eval()
    _, w_eval = m(x, x, x, average_attn_weights=False)
    assert np.all(w_eval.data > 0)
    np.testing.assert_allclose(w_eval.data.sum(-1), 1, rtol=1e-6)


def test_errors():
    with pytest.raises(ValueError, match="embed_dim must be divisible by num_heads"):
        MultiheadAttention(10, 3)
    with pytest.raises(ValueError, match="negative dimension"):
        MultiheadAttention(-4, 2)
    with pytest.raises(ValueError, match="dropout probability"):
        MultiheadAttention(4, 2, dropout=1.5)
    m = MultiheadAttention(E, H)
    q, k, v = (npg.array(a.astype(np.float32)) for a in qkv())
    with pytest.raises(ValueError, match="The shape of the 2D attn_mask is"):
        m(q, k, v, attn_mask=np.zeros((L, L), dtype=bool))
    with pytest.raises(ValueError, match="key_padding_mask of shape"):
        m(q, k, v, key_padding_mask=np.zeros((N, L), dtype=bool))
    with pytest.raises(ValueError, match="was expecting embedding dimension of 8, but got 6"):
        m(npg.ones((L, N, 6)), k, v)
    with pytest.raises(TypeError, match="only bool and floating types of attn_mask"):
        m(q, k, v, attn_mask=np.zeros((L, S), dtype=np.int64))
