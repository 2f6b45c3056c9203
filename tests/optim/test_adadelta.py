"""Adadelta: hand-computed steps, torch trajectories, resume, validation."""

import numpy as np
import pytest
from optim_testutils import (
    assert_trajectories_close,
    npg_trajectory,
    resume_matches,
    torch_trajectory,
)

import numpygrad as npg
from numpygrad.optim import Adadelta

CONFIGS = [
    {},
    {"lr": 0.5, "rho": 0.5},
    {"lr": 1.0, "weight_decay": 0.1},
    {"lr": 1.0, "maximize": True, "eps": 1e-3},
    {"lr": 2.0, "rho": 0.95, "weight_decay": 0.05, "maximize": True},
]


def test_adadelta_by_hand():
    w = npg.Array(np.array([0.0]), requires_grad=True)
    w.grad = npg.Array(np.array([2.0]))
    Adadelta([w], lr=1.0, rho=0.5, eps=0.25).step()
    # v = 2, std = sqrt(2.25) = 1.5, delta = sqrt(0.25) / 1.5 * 2 = 2/3
    np.testing.assert_allclose(w.data, [-2.0 / 3.0], rtol=1e-15)


@pytest.mark.parametrize("cfg", CONFIGS, ids=str)
def test_trajectory_matches_torch_float64(cfg):
    torch = pytest.importorskip("torch")
    ours = npg_trajectory(Adadelta, cfg)
    theirs = torch_trajectory(torch.optim.Adadelta, {**cfg, "foreach": False})
    assert_trajectories_close(ours, theirs, rtol=1e-10, atol=1e-13)


def test_trajectory_matches_torch_float32():
    torch = pytest.importorskip("torch")
    ours = npg_trajectory(Adadelta, CONFIGS[4], dtype=np.float32)
    theirs = torch_trajectory(torch.optim.Adadelta, {**CONFIGS[4], "foreach": False},
                              dtype=np.float32)
    assert_trajectories_close(ours, theirs, rtol=1e-4, atol=1e-5)


def test_resume_is_bit_identical():
    assert resume_matches(Adadelta, CONFIGS[4])


@pytest.mark.parametrize("kwargs, match", [
    ({"lr": -0.1}, "Invalid learning rate: -0.1"),
    ({"rho": 1.5}, "Invalid rho value: 1.5"),
    ({"rho": -0.5}, "Invalid rho value: -0.5"),
    ({"eps": -1}, "Invalid epsilon value: -1"),
    ({"weight_decay": -1}, "Invalid weight_decay value: -1"),
])
def test_invalid_hyperparameters(kwargs, match):
    with pytest.raises(ValueError, match=match):
        Adadelta([npg.zeros(2, requires_grad=True)], **kwargs)
