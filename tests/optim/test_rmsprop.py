"""RMSprop: hand-computed steps, torch trajectories, resume, validation."""

import numpy as np
import pytest
from optim_testutils import (
    assert_trajectories_close,
    npg_trajectory,
    resume_matches,
    torch_trajectory,
)

import numpygrad as npg
from numpygrad.optim import RMSprop

CONFIGS = [
    {"lr": 0.01},
    {"lr": 0.01, "alpha": 0.3},  # lerp weight >= 0.5 branch when centered
    {"lr": 0.01, "centered": True},
    {"lr": 0.01, "centered": True, "alpha": 0.3},
    {"lr": 0.01, "momentum": 0.9},
    {"lr": 0.01, "momentum": 0.9, "centered": True, "weight_decay": 0.1},
    {"lr": 0.01, "weight_decay": 0.1, "maximize": True},
    {"lr": 0.01, "momentum": 0.5, "maximize": True, "eps": 1e-3},
]


def test_first_step_by_hand():
    w = npg.Array(np.array([1.0, -2.0]), requires_grad=True)
    w.grad = npg.Array(np.array([0.5, 0.5]))
    RMSprop([w], lr=0.01, alpha=0.75, eps=0.0).step()
    # v = 0.25 * 0.25 -> sqrt(v) = 0.25 -> update 0.01 * 0.5 / 0.25 = 0.02
    np.testing.assert_allclose(w.data, [0.98, -2.02], rtol=1e-14)


def test_centered_momentum_by_hand():
    w = npg.Array(np.array([0.0]), requires_grad=True)
    opt = RMSprop([w], lr=0.1, alpha=0.5, eps=0.0, centered=True, momentum=0.5)
    w.grad = npg.Array(np.array([2.0]))
    opt.step()  # v = 2, gbar = 1, denom = sqrt(2 - 1) = 1, buf = 2, w = -0.2
    np.testing.assert_allclose(w.data, [-0.2], rtol=1e-14)
    w.grad = npg.Array(np.array([2.0]))
    opt.step()  # v = 3, gbar = 1.5, denom = sqrt(0.75), buf = 1 + 2/sqrt(.75)
    np.testing.assert_allclose(w.data, [-0.2 - 0.1 * (1 + 2 / np.sqrt(0.75))], rtol=1e-14)


@pytest.mark.parametrize("cfg", CONFIGS, ids=str)
def test_trajectory_matches_torch_float64(cfg):
    torch = pytest.importorskip("torch")
    ours = npg_trajectory(RMSprop, cfg)
    theirs = torch_trajectory(torch.optim.RMSprop, {**cfg, "foreach": False})
    assert_trajectories_close(ours, theirs, rtol=1e-10, atol=1e-13)


@pytest.mark.parametrize("cfg", [CONFIGS[5], CONFIGS[7]], ids=str)
def test_trajectory_matches_torch_float32(cfg):
    torch = pytest.importorskip("torch")
    ours = npg_trajectory(RMSprop, cfg, dtype=np.float32)
    theirs = torch_trajectory(torch.optim.RMSprop, {**cfg, "foreach": False}, dtype=np.float32)
    assert_trajectories_close(ours, theirs, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("cfg", [CONFIGS[0], CONFIGS[5]], ids=str)
def test_resume_is_bit_identical(cfg):
    assert resume_matches(RMSprop, cfg)


@pytest.mark.parametrize("kwargs, match", [
    ({"lr": -0.1}, "Invalid learning rate: -0.1"),
    ({"eps": -1}, "Invalid epsilon value: -1"),
    ({"momentum": -1}, "Invalid momentum value: -1"),
    ({"weight_decay": -1}, "Invalid weight_decay value: -1"),
    ({"alpha": -1}, "Invalid alpha value: -1"),
])
def test_invalid_hyperparameters(kwargs, match):
    with pytest.raises(ValueError, match=match):
        RMSprop([npg.zeros(2, requires_grad=True)], **kwargs)
