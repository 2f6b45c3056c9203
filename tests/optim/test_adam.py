"""Adam and AdamW: hand-computed steps, torch trajectories, resume, validation."""

import math

import numpy as np
import pytest
from optim_testutils import (
    assert_trajectories_close,
    blocked_and_whole_updates_agree,
    npg_trajectory,
    resume_matches,
    torch_trajectory,
)

import numpygrad as npg
from numpygrad.optim import Adam, AdamW

ADAM_CONFIGS = [
    {"lr": 0.05},
    {"lr": 0.05, "amsgrad": True},
    {"lr": 0.05, "weight_decay": 0.1},
    {"lr": 0.05, "weight_decay": 0.1, "amsgrad": True, "maximize": True},
    {"lr": 0.05, "maximize": True},
    {"lr": 0.05, "betas": (0.3, 0.6), "eps": 1e-3},  # lerp weight >= 0.5 branch
    {"lr": 0.1, "betas": (0.0, 0.0)},
]
ADAMW_CONFIGS = [
    {"lr": 0.05},
    {"lr": 0.05, "weight_decay": 0.3},
    {"lr": 0.05, "weight_decay": 0.3, "amsgrad": True},
    {"lr": 0.05, "weight_decay": 0.3, "maximize": True},
    {"lr": 0.05, "weight_decay": 0.0, "betas": (0.5, 0.9)},
]


def test_first_step_by_hand():
    w = npg.Array(np.array([1.0, -2.0]), requires_grad=True)
    w.grad = npg.Array(np.array([0.5, -4.0]))
    Adam([w], lr=0.1, eps=0.0).step()
    # m_hat = g, v_hat = g**2 -> the update is lr * sign(g)
    np.testing.assert_allclose(w.data, [0.9, -1.9], rtol=1e-14)


def test_two_steps_by_hand():
    b1, b2, lr, eps = 0.9, 0.999, 0.01, 1e-8
    w = npg.Array(np.array([0.0]), requires_grad=True)
    opt = Adam([w], lr=lr, betas=(b1, b2), eps=eps)
    m = v = 0.0
    x = 0.0
    for t, g in enumerate([1.0, -3.0], start=1):
        w.grad = npg.Array(np.array([g]))
        opt.step()
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        x -= lr / (1 - b1**t) * m / (math.sqrt(v) / math.sqrt(1 - b2**t) + eps)
    np.testing.assert_allclose(w.data, [x], rtol=1e-12)
    assert opt.state[w]["step"] == 2


def test_zero_grad_leaves_param_unchanged_without_nan():
    w = npg.Array(np.array([1.0, 2.0]), requires_grad=True)
    w.grad = npg.zeros_like(w)
    opt = Adam([w], lr=0.1, amsgrad=True)
    opt.step()
    np.testing.assert_array_equal(w.data, [1.0, 2.0])


def test_adamw_decay_by_hand():
    w = npg.Array(np.array([2.0]), requires_grad=True)
    w.grad = npg.Array(np.array([0.0]))
    AdamW([w], lr=0.1, weight_decay=0.5).step()
    np.testing.assert_allclose(w.data, [2.0 * (1 - 0.05)], rtol=1e-15)


def test_adam_and_adamw_differ_with_weight_decay():
    a = npg_trajectory(Adam, {"lr": 0.05, "weight_decay": 0.3}, steps=3)[-1][0]
    b = npg_trajectory(AdamW, {"lr": 0.05, "weight_decay": 0.3}, steps=3)[-1][0]
    assert not np.allclose(a, b)


def test_float32_stays_float32_and_buffers_are_reused():
    w = npg.Array(np.ones((2, 3), dtype=np.float32), requires_grad=True)
    opt = Adam([w], lr=0.1, amsgrad=True)
    data = w.data
    w.grad = npg.Array(np.full((2, 3), 0.5, dtype=np.float32))
    opt.step()
    bufs = {k: v for k, v in opt.state[w].items() if isinstance(v, np.ndarray)}
    opt.step()
    assert w.data is data and w.data.dtype == np.float32
    for k, v in bufs.items():
        assert opt.state[w][k] is v and v.dtype == np.float32
    assert isinstance(opt.state[w]["step"], int)


@pytest.mark.parametrize("cfg", ADAM_CONFIGS, ids=str)
def test_adam_trajectory_matches_torch_float64(cfg):
    torch = pytest.importorskip("torch")
    ours = npg_trajectory(Adam, cfg)
    theirs = torch_trajectory(torch.optim.Adam, {**cfg, "foreach": False})
    assert_trajectories_close(ours, theirs, rtol=1e-10, atol=1e-13)


@pytest.mark.parametrize("cfg", ADAMW_CONFIGS, ids=str)
def test_adamw_trajectory_matches_torch_float64(cfg):
    torch = pytest.importorskip("torch")
    ours = npg_trajectory(AdamW, cfg)
    theirs = torch_trajectory(torch.optim.AdamW, {**cfg, "foreach": False})
    assert_trajectories_close(ours, theirs, rtol=1e-10, atol=1e-13)


@pytest.mark.parametrize("cls_name, cfg", [("Adam", ADAM_CONFIGS[3]), ("AdamW", ADAMW_CONFIGS[2])])
def test_trajectory_matches_torch_float32(cls_name, cfg):
    torch = pytest.importorskip("torch")
    ours = npg_trajectory({"Adam": Adam, "AdamW": AdamW}[cls_name], cfg, dtype=np.float32)
    theirs = torch_trajectory(getattr(torch.optim, cls_name), {**cfg, "foreach": False},
                              dtype=np.float32)
    assert_trajectories_close(ours, theirs, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("cls, cfg", [
    (Adam, {"lr": 0.05}),
    (Adam, {"lr": 0.05, "amsgrad": True, "weight_decay": 0.1}),
    (AdamW, {"lr": 0.05, "weight_decay": 0.3}),
], ids=str)
def test_resume_is_bit_identical(cls, cfg):
    assert resume_matches(cls, cfg)


def test_state_dict_layout_matches_torch():
    w = npg.Array(np.ones(2), requires_grad=True)
    b = npg.Array(np.ones(1), requires_grad=True)
    opt = Adam([w, b], lr=0.1)
    w.grad = npg.Array(np.ones(2))
    opt.step()
    sd = opt.state_dict()
    assert list(sd["state"]) == [0]  # b had no gradient: no state
    assert sorted(sd["state"][0]) == ["exp_avg", "exp_avg_sq", "step"]
    assert sd["state"][0]["step"] == 1
    assert sd["param_groups"][0]["params"] == [0, 1]
    assert sd["param_groups"][0]["betas"] == (0.9, 0.999)


@pytest.mark.parametrize("kwargs, match", [
    ({"lr": -0.1}, "Invalid learning rate: -0.1"),
    ({"betas": (1.0, 0.999)}, "Invalid beta parameter at index 0: 1.0"),
    ({"betas": (0.9, -0.1)}, "Invalid beta parameter at index 1: -0.1"),
    ({"eps": -1}, "Invalid epsilon value: -1"),
    ({"weight_decay": -1}, "Invalid weight_decay value: -1"),
])
@pytest.mark.parametrize("cls", [Adam, AdamW])
def test_invalid_hyperparameters(cls, kwargs, match):
    with pytest.raises(ValueError, match=match):
        cls([npg.zeros(2, requires_grad=True)], **kwargs)


def test_betas_must_be_a_pair():
    with pytest.raises(TypeError, match="betas must be a pair"):
        Adam([npg.zeros(2, requires_grad=True)], betas=0.9)


def test_nan_gradient_propagates_like_torch():
    w = npg.Array(np.array([1.0, 2.0]), requires_grad=True)
    w.grad = npg.Array(np.array([np.nan, 1.0]))
    with np.errstate(invalid="ignore"):
        Adam([w], lr=0.1).step()
    assert np.isnan(w.data[0]) and np.isfinite(w.data[1])


@pytest.mark.parametrize("opt_cls, options", [
    (Adam, {}), (Adam, {"amsgrad": True, "weight_decay": 0.1}), (AdamW, {"weight_decay": 0.1}),
])
def test_large_parameters_updated_in_blocks_match_whole_array_update(opt_cls, options,
                                                                    numpy_passes):
    """A large contiguous parameter is updated blockwise; a non-contiguous one whole.
    Elementwise maths does not depend on the order, so both must agree exactly."""
    from numpygrad.optim.optimizer import _BLOCK

    blocked_and_whole_updates_agree(lambda p: opt_cls([p], lr=0.01, **options),
                                    (3, _BLOCK + 7))
