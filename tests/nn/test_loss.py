"""Losses: values and gradients against PyTorch, stability, target validation."""

from __future__ import annotations

import numpy as np
import pytest

import numpygrad as npg
import numpygrad.nn.functional as F
from numpygrad import nn
from tests.helpers import check_op, torch_or_skip

RNG = np.random.default_rng(0)
LOGITS = RNG.standard_normal((6, 4))
TARGETS = np.array([0, 3, 1, -100, 2, 3])
WEIGHT = RNG.random(4) + 0.5
CE_CASES = [
    {}, {"weight": WEIGHT}, {"label_smoothing": 0.2}, {"weight": WEIGHT, "label_smoothing": 0.3},
    {"reduction": "sum"}, {"reduction": "none"}, {"reduction": "sum", "weight": WEIGHT},
    {"ignore_index": 3, "targets": np.array([0, 3, 1, 2, 2, 3])},
]


def _torch_kwargs(torch, kw):
    return {k: (torch.tensor(v) if k == "weight" else v) for k, v in kw.items()}


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("kw", CE_CASES)
def test_cross_entropy_matches_torch(kw, dtype):
    torch = torch_or_skip()
    tol = 1e-10 if dtype == np.float64 else 1e-5
    kw = dict(kw)
    targets = kw.pop("targets", TARGETS)
    x = npg.array(LOGITS.astype(dtype), requires_grad=True)
    kwn = {k: (v.astype(dtype) if k == "weight" else v) for k, v in kw.items()}
    loss = F.cross_entropy(x, targets, **kwn)
    xt = torch.tensor(LOGITS.astype(dtype), requires_grad=True)
    lt = torch.nn.functional.cross_entropy(xt, torch.tensor(targets),
                                           **_torch_kwargs(torch, kwn))
    assert loss.dtype == dtype and loss.shape == tuple(lt.shape)
    np.testing.assert_allclose(loss.data, lt.detach().numpy(), rtol=tol, atol=tol)
    g = RNG.standard_normal(loss.shape).astype(dtype)
    loss.backward(g)
    lt.backward(torch.tensor(g))
    np.testing.assert_allclose(x.grad.data, xt.grad.numpy(), rtol=tol, atol=tol)


@pytest.mark.parametrize("kw", [{}, {"weight": WEIGHT}, {"reduction": "none"},
                                {"reduction": "sum"}])
def test_nll_loss_matches_torch(kw):
    torch = torch_or_skip()
    logp = F.log_softmax(npg.array(LOGITS), axis=1)
    x = npg.array(logp.data, requires_grad=True)
    loss = F.nll_loss(x, TARGETS, **kw)
    xt = torch.tensor(logp.data, requires_grad=True)
    lt = torch.nn.functional.nll_loss(xt, torch.tensor(TARGETS), **_torch_kwargs(torch, kw))
    np.testing.assert_allclose(loss.data, lt.detach().numpy(), rtol=1e-10)
    g = RNG.standard_normal(loss.shape)
    loss.backward(g)
    lt.backward(torch.tensor(g))
    np.testing.assert_allclose(x.grad.data, xt.grad.numpy(), rtol=1e-10)


def test_cross_entropy_probability_targets_and_spatial():
    torch = torch_or_skip()
    probs = RNG.random((6, 4))
    probs /= probs.sum(axis=1, keepdims=True)
    for kw in [{}, {"label_smoothing": 0.1}, {"weight": WEIGHT}]:
        x = npg.array(LOGITS, requires_grad=True)
        loss = F.cross_entropy(x, probs, **kw)
        xt = torch.tensor(LOGITS, requires_grad=True)
        lt = torch.nn.functional.cross_entropy(xt, torch.tensor(probs), **_torch_kwargs(torch,
                                                                                         kw))
        loss.backward()
        lt.backward()
        np.testing.assert_allclose(loss.data, lt.detach().numpy(), rtol=1e-10)
        np.testing.assert_allclose(x.grad.data, xt.grad.numpy(), rtol=1e-10)
    # (N, C, d) logits with (N, d) targets.
    z = RNG.standard_normal((2, 4, 3))
    t = RNG.integers(0, 4, (2, 3))
    x = npg.array(z, requires_grad=True)
    loss = F.cross_entropy(x, t, reduction="none")
    xt = torch.tensor(z, requires_grad=True)
    lt = torch.nn.functional.cross_entropy(xt, torch.tensor(t), reduction="none")
    assert loss.shape == (2, 3)
    np.testing.assert_allclose(loss.data, lt.detach().numpy(), rtol=1e-10)
    loss.sum().backward()
    lt.sum().backward()
    np.testing.assert_allclose(x.grad.data, xt.grad.numpy(), rtol=1e-10)


def test_class_losses_are_twice_differentiable():
    t = np.array([0, 2, 1])
    check_op(lambda x: F.cross_entropy(x, t), RNG.standard_normal((3, 3)))
    check_op(lambda x: F.cross_entropy(x, t, label_smoothing=0.1, weight=WEIGHT[:3]),
             RNG.standard_normal((3, 3)))
    check_op(lambda x: F.cross_entropy(x, t, reduction="none"), RNG.standard_normal((3, 3)))
    check_op(lambda x: F.nll_loss(x, t), RNG.standard_normal((3, 3)))


def test_cross_entropy_stability_float32():
    x = npg.array([[1e4, 0.0, -1e4]], requires_grad=True)
    for t, expected in [(0, 0.0), (1, 1e4), (2, 2e4)]:
        loss = F.cross_entropy(x, npg.array([t]))
        assert loss.item() == pytest.approx(expected)
    loss.backward()
    np.testing.assert_allclose(x.grad.data, [[1.0, 0.0, -1.0]], atol=1e-6)
    same = F.cross_entropy(npg.array([[1e4, 1e4, 1e4]]), [0])
    assert same.item() == pytest.approx(np.log(3), rel=1e-6)


def test_cross_entropy_special_values():
    inf = np.inf
    assert F.cross_entropy(npg.array([[0.0, -inf]]), [0]).item() == 0.0
    assert F.cross_entropy(npg.array([[-inf, 0.0]]), [0]).item() == inf
    assert np.isnan(F.cross_entropy(npg.array([[-inf, -inf]]), [0]).item())
    assert np.isnan(F.cross_entropy(npg.array([[np.nan, 0.0]]), [1]).item())
    empty = npg.zeros((0, 3))
    assert np.isnan(F.cross_entropy(empty, np.zeros(0, dtype=np.int64)).item())
    assert F.cross_entropy(empty, np.zeros(0, dtype=np.int64), reduction="sum").item() == 0.0
    all_ignored = F.cross_entropy(npg.zeros((2, 3)), [-100, -100])
    assert np.isnan(all_ignored.item())


def test_cross_entropy_validates_targets():
    x = npg.zeros((2, 3))
    with pytest.raises(IndexError, match="Target 5 is out of bounds"):
        F.cross_entropy(x, [0, 5])
    with pytest.raises(IndexError, match="Target -1 is out of bounds"):
        F.cross_entropy(x, [0, -1])
    with pytest.raises(ValueError, match=r"input batch_size \(2\) to match target "
                                         r"batch_size \(3\)"):
        F.cross_entropy(x, [0, 1, 2])
    with pytest.raises(TypeError, match="integer class indices"):
        F.cross_entropy(x, np.array([0.0, 1.0]))
    with pytest.raises(ValueError, match="avg is not a valid value for reduction"):
        F.cross_entropy(x, [0, 1], reduction="avg")
    with pytest.raises(ValueError, match="label_smoothing"):
        F.cross_entropy(x, [0, 1], label_smoothing=1.5)
    with pytest.raises(IndexError, match="out of bounds"):
        F.nll_loss(x, [3, 0])


@pytest.mark.parametrize("dtype", [np.int8, np.int32, np.int64, np.uint8, np.uint64])
@pytest.mark.parametrize("wrap", [np.asarray, npg.asarray])
def test_cross_entropy_index_targets_of_every_integer_dtype(dtype, wrap):
    # Array and ndarray targets take the short path of the training case; its one
    # range check must catch what the general path catches.
    x = npg.array(LOGITS[:3], requires_grad=True)
    ref = F.cross_entropy(npg.array(LOGITS[:3]), [2, 0, 3]).item()
    assert F.cross_entropy(x, wrap(np.array([2, 0, 3], dtype=dtype))).item() == ref
    with pytest.raises(IndexError, match="Target 4 is out of bounds"):
        F.cross_entropy(x, wrap(np.array([2, 4, 3], dtype=dtype)))
    if np.dtype(dtype).kind == "i":
        with pytest.raises(IndexError, match="Target -2 is out of bounds"):
            F.cross_entropy(x, wrap(np.array([2, -2, 3], dtype=dtype)))
        # ignore_index (-100 by default) drops the row from the mean.
        kept = F.cross_entropy(npg.array(LOGITS[:2]), [2, 0]).item()
        got = F.cross_entropy(x, wrap(np.array([2, 0, -100], dtype=dtype))).item()
        assert got == pytest.approx(kept, rel=1e-12)


def test_cross_entropy_accepts_any_integer_dtype_and_1d_input():
    x = npg.array(LOGITS[:2])
    a = F.cross_entropy(x, np.array([1, 2], dtype=np.int32)).item()
    b = F.cross_entropy(x, np.array([1, 2], dtype=np.int64)).item()
    assert a == b
    single = F.cross_entropy(npg.array(LOGITS[0]), np.array(2), reduction="none")
    assert single.shape == ()


@pytest.mark.parametrize("layout", ["fortran", "strided"])
def test_cross_entropy_non_contiguous_logits(layout):
    # The plain-index node finds the target logits by flat position in its own
    # buffer; logits laid out otherwise must give the same loss and gradient.
    base = np.asfortranarray(LOGITS) if layout == "fortran" else np.repeat(LOGITS, 2, axis=1)
    view = base if layout == "fortran" else base[:, ::2]
    targets = np.array([0, 3, 1, 2, 2, 3])
    x = npg.asarray(view).requires_grad_()
    ref = npg.array(np.ascontiguousarray(LOGITS), requires_grad=True)
    loss, loss_ref = F.cross_entropy(x, targets), F.cross_entropy(ref, targets)
    assert loss.item() == loss_ref.item()
    loss.backward()
    loss_ref.backward()
    np.testing.assert_array_equal(x.grad.data, ref.grad.data)
    np.testing.assert_array_equal(view, LOGITS)  # the input is not written to



def _cross_entropy_reference(x: np.ndarray, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-row losses and d loss_i / d x_i in float64, written out row by row."""
    losses, grads = [], []
    for row, k in zip(x.astype(np.float64), t):
        m = row.max()
        e = np.exp(row - m)
        losses.append(m + np.log(e.sum()) - row[k])
        g = e / e.sum()
        g[k] -= 1
        grads.append(g)
    return np.array(losses), np.array(grads)


@pytest.mark.parametrize("shape", [(6, 4), (16, 10), (40, 10), (128, 10), (64, 64), (200, 150)])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_cross_entropy_batches_of_every_shape_match_a_row_by_row_reference(shape, reduction,
                                                                           dtype):
    # Batches of many rows and few classes are reduced in a transposed copy, the
    # others row by row: both must give the same losses and a C-ordered gradient.
    rng = np.random.default_rng(sum(shape))
    logits = (rng.standard_normal(shape) * 4).astype(dtype)
    logits[1] = 0.0
    logits[2, :2] = [1e4, -1e4]  # stable at extreme logits
    logits[3, 1:] = -np.inf  # impossible classes
    targets = rng.integers(0, shape[1], shape[0])
    targets[3] = 0
    x = npg.array(logits, requires_grad=True)
    loss = F.cross_entropy(x, targets, reduction=reduction)
    ref_losses, ref_grads = _cross_entropy_reference(logits, targets)
    scale = {"mean": 1 / shape[0], "sum": 1.0, "none": 1.0}[reduction]
    ref = ref_losses if reduction == "none" else ref_losses.sum() * scale
    tol = 2e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(loss.data, ref, rtol=tol, atol=tol)
    seed = rng.standard_normal(loss.shape).astype(dtype)
    loss.backward(seed)
    rows = seed[:, None] if reduction == "none" else seed * scale
    np.testing.assert_allclose(x.grad.data, ref_grads * rows, rtol=tol, atol=tol)
    assert x.grad.data.flags.c_contiguous and x.grad.dtype == dtype


def test_cross_entropy_of_many_rows_keeps_nan_and_infinite_rows_to_themselves():
    logits = np.zeros((40, 10), np.float32)
    logits[0, 0] = np.nan
    logits[1, 1] = np.inf
    logits[2] = -np.inf
    losses = F.cross_entropy(npg.array(logits), np.zeros(40, np.int64), reduction="none")
    assert np.isnan(losses.data[:3]).all()
    np.testing.assert_allclose(losses.data[3:], np.log(10), rtol=1e-6)


REGRESSION = [
    (F.mse_loss, "mse_loss", {}),
    (F.l1_loss, "l1_loss", {}),
    (F.smooth_l1_loss, "smooth_l1_loss", {"beta": 0.5}),
    (F.huber_loss, "huber_loss", {"delta": 0.7}),
]


@pytest.mark.parametrize("fn,name,kw", REGRESSION)
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_regression_losses_match_torch(fn, name, kw, reduction):
    torch = torch_or_skip()
    a, b = RNG.standard_normal((2, 5, 3))
    x = npg.array(a, requires_grad=True)
    loss = fn(x, b, reduction=reduction, **kw)
    xt = torch.tensor(a, requires_grad=True)
    lt = getattr(torch.nn.functional, name)(xt, torch.tensor(b), reduction=reduction, **kw)
    np.testing.assert_allclose(loss.data, lt.detach().numpy(), rtol=1e-10)
    g = RNG.standard_normal(loss.shape)
    loss.backward(g)
    lt.backward(torch.tensor(g))
    np.testing.assert_allclose(x.grad.data, xt.grad.numpy(), rtol=1e-10)


@pytest.mark.parametrize("fn,name,kw", REGRESSION)
def test_regression_losses_gradcheck(fn, name, kw):
    # Differences kept away from the kinks at 0 and at beta/delta.
    a = np.array([0.3, -1.9, 2.4, -0.2])
    b = np.zeros(4)
    check_op(lambda x, y: fn(x, y, **kw), a, b)


def test_regression_losses_reject_shape_mismatch():
    with pytest.raises(ValueError, match=r"\(3,\).*\(3, 1\)"):
        F.mse_loss(npg.zeros((3, 1)), npg.zeros(3))


@pytest.mark.parametrize("kw", [{}, {"weight": np.array([0.5, 2.0, 1.0])},
                                {"reduction": "sum"}, {"reduction": "none"}])
def test_bce_losses_match_torch(kw):
    torch = torch_or_skip()
    logits = np.array([-3.0, 0.2, 2.5])
    y = np.array([1.0, 0.0, 0.3])
    for fn, tfn, inp in [
        (F.binary_cross_entropy_with_logits, torch.nn.functional.binary_cross_entropy_with_logits,
         logits),
        (F.binary_cross_entropy, torch.nn.functional.binary_cross_entropy,
         1 / (1 + np.exp(-logits))),
    ]:
        x = npg.array(inp, requires_grad=True)
        yy = npg.array(y, requires_grad=True)
        loss = fn(x, yy, **kw)
        xt = torch.tensor(inp, requires_grad=True)
        yt = torch.tensor(y, requires_grad=True)
        lt = tfn(xt, yt, **_torch_kwargs(torch, kw))
        np.testing.assert_allclose(loss.data, lt.detach().numpy(), rtol=1e-10)
        g = RNG.standard_normal(loss.shape)
        loss.backward(g)
        lt.backward(torch.tensor(g))
        np.testing.assert_allclose(x.grad.data, xt.grad.numpy(), rtol=1e-9)
        np.testing.assert_allclose(yy.grad.data, yt.grad.numpy(), rtol=1e-9)


def test_bce_with_logits_pos_weight_matches_torch():
    torch = torch_or_skip()
    logits, y, pw = np.array([-2.0, 0.5, 3.0]), np.array([1.0, 0.0, 1.0]), np.array([2.0])
    x = npg.array(logits, requires_grad=True)
    loss = F.binary_cross_entropy_with_logits(x, y, pos_weight=pw)
    xt = torch.tensor(logits, requires_grad=True)
    lt = torch.nn.functional.binary_cross_entropy_with_logits(xt, torch.tensor(y),
                                                              pos_weight=torch.tensor(pw))
    loss.backward()
    lt.backward()
    np.testing.assert_allclose(loss.data, lt.detach().numpy(), rtol=1e-10)
    np.testing.assert_allclose(x.grad.data, xt.grad.numpy(), rtol=1e-10)


def test_bce_stability_tables():
    x = npg.array([-1e4, -100.0, 0.0, 100.0, 1e4], requires_grad=True)
    loss = F.binary_cross_entropy_with_logits(x, npg.ones(5), reduction="none")
    # exp(-100) is subnormal in float32, so only its order of magnitude is meaningful.
    np.testing.assert_allclose(loss.data, [1e4, 100, 0.6931472, 3.92e-44, 0], rtol=1e-5,
                               atol=1e-43)
    loss.sum().backward()
    np.testing.assert_allclose(x.grad.data, [-1, -1, -0.5, 0, 0], atol=1e-6)
    p = npg.array([0.0, 1e-30, 0.5, 1.0], requires_grad=True)
    bce = F.binary_cross_entropy(p, npg.ones(4), reduction="none")
    np.testing.assert_allclose(bce.data, [100, 69.0776, 0.6931472, 0], rtol=1e-5, atol=1e-6)
    bce.sum().backward()
    assert np.all(np.isfinite(p.grad.data))


def test_bce_validates_inputs():
    with pytest.raises(ValueError, match="between 0 and 1"):
        F.binary_cross_entropy(npg.array([1.5]), npg.array([1.0]))
    with pytest.raises(ValueError, match="target size"):
        F.binary_cross_entropy_with_logits(npg.zeros(2), npg.zeros(1))


def test_bce_gradcheck():
    y = np.array([1.0, 0.0, 0.4])
    check_op(lambda x: F.binary_cross_entropy_with_logits(x, y), np.array([-1.5, 0.3, 2.0]))
    check_op(lambda p: F.binary_cross_entropy(p, y), np.array([0.2, 0.6, 0.9]))


def test_loss_modules_delegate():
    x = npg.array(LOGITS[:2])
    t = np.array([1, 2])
    assert nn.CrossEntropyLoss()(x, t).item() == F.cross_entropy(x, t).item()
    assert nn.CrossEntropyLoss(reduction="sum")(x, t).item() == pytest.approx(
        F.cross_entropy(x, t, reduction="sum").item())
    assert "reduction='mean'" in repr(nn.MSELoss())
    with pytest.raises(ValueError, match="not a valid value"):
        nn.L1Loss(reduction="avg")
    for module in [nn.MSELoss(), nn.L1Loss(), nn.SmoothL1Loss(), nn.HuberLoss()]:
        assert module(npg.zeros(3), npg.ones(3)).shape == ()
