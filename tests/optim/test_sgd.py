"""SGD: hand-computed steps, torch trajectories, resume, validation."""

import numpy as np
import pytest
from optim_testutils import (
    assert_trajectories_close,
    npg_trajectory,
    resume_matches,
    torch_trajectory,
)

import numpygrad as npg
from numpygrad.optim import SGD

CONFIGS = [
    {"lr": 0.05},
    {"lr": 0.05, "weight_decay": 0.1},
    {"lr": 0.05, "maximize": True},
    {"lr": 0.05, "maximize": True, "weight_decay": 0.1},
    {"lr": 0.05, "momentum": 0.9},
    {"lr": 0.05, "momentum": 0.9, "dampening": 0.5},
    {"lr": 0.05, "momentum": 0.9, "dampening": 0.5, "weight_decay": 0.1},
    {"lr": 0.05, "momentum": 0.9, "nesterov": True},
    {"lr": 0.05, "momentum": 0.9, "nesterov": True, "weight_decay": 0.1},
    {"lr": 0.05, "momentum": 0.5, "nesterov": True, "maximize": True, "weight_decay": 0.01},
    {"lr": 0.05, "momentum": 0.9, "dampening": 0.1, "maximize": True},
]


def test_plain_step_by_hand():
    w = npg.Array(np.array([1.0, -2.0]), requires_grad=True)
    w.grad = npg.Array(np.array([0.5, 4.0]))
    SGD([w], lr=0.1).step()
    np.testing.assert_array_equal(w.data, [1.0 - 0.1 * 0.5, -2.0 - 0.1 * 4.0])


def test_momentum_dampening_by_hand():
    w = npg.Array(np.array([1.0]), requires_grad=True)
    opt = SGD([w], lr=0.1, momentum=0.5, dampening=0.5)
    w.grad = npg.Array(np.array([2.0]))
    opt.step()  # buf = g = 2 (no dampening on the first step), w = 1 - 0.2
    w.grad = npg.Array(np.array([4.0]))
    opt.step()  # buf = 0.5 * 2 + 0.5 * 4 = 3, w = 0.8 - 0.3
    np.testing.assert_allclose(w.data, [0.5], rtol=1e-15)
    np.testing.assert_allclose(opt.state[w]["momentum_buffer"], [3.0])


def test_nesterov_weight_decay_by_hand():
    w = npg.Array(np.array([2.0]), requires_grad=True)
    opt = SGD([w], lr=0.1, momentum=0.5, nesterov=True, weight_decay=0.5)
    w.grad = npg.Array(np.array([1.0]))
    opt.step()  # g = 1 + 0.5*2 = 2, buf = 2, update g + 0.5*buf = 3 -> w = 1.7
    np.testing.assert_allclose(w.data, [1.7], rtol=1e-15)


def test_maximize_ascends():
    w = npg.Array(np.array([1.0]), requires_grad=True)
    w.grad = npg.Array(np.array([2.0]))
    SGD([w], lr=0.5, maximize=True).step()
    np.testing.assert_array_equal(w.data, [2.0])


def test_grad_is_not_mutated_and_buffer_does_not_alias():
    w = npg.Array(np.array([1.0, 2.0]), requires_grad=True)
    g = np.array([0.5, 0.5])
    w.grad = npg.Array(g.copy())
    opt = SGD([w], lr=0.1, momentum=0.9, weight_decay=0.1, maximize=True)
    opt.step()
    np.testing.assert_array_equal(w.grad.data, g)
    assert not np.shares_memory(opt.state[w]["momentum_buffer"], w.grad.data)


def test_update_is_in_place_and_keeps_dtype():
    w = npg.Array(np.ones(3, dtype=np.float32), requires_grad=True)
    data = w.data
    w.grad = npg.Array(np.ones(3, dtype=np.float32))
    SGD([w], lr=0.1, momentum=0.9, nesterov=True).step()
    assert w.data is data and w.data.dtype == np.float32


@pytest.mark.parametrize("cfg", CONFIGS, ids=str)
def test_trajectory_matches_torch_float64(cfg):
    torch = pytest.importorskip("torch")
    ours = npg_trajectory(SGD, cfg)
    theirs = torch_trajectory(torch.optim.SGD, {**cfg, "foreach": False})
    assert_trajectories_close(ours, theirs, rtol=1e-10, atol=1e-13)


@pytest.mark.parametrize("cfg", CONFIGS[::3], ids=str)
def test_trajectory_matches_torch_float32(cfg):
    torch = pytest.importorskip("torch")
    ours = npg_trajectory(SGD, cfg, dtype=np.float32)
    theirs = torch_trajectory(torch.optim.SGD, {**cfg, "foreach": False}, dtype=np.float32)
    assert_trajectories_close(ours, theirs, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("cfg", [{"lr": 0.05, "momentum": 0.9},
                                 {"lr": 0.05, "momentum": 0.9, "nesterov": True,
                                  "weight_decay": 0.1}], ids=str)
def test_resume_is_bit_identical(cfg):
    assert resume_matches(SGD, cfg)


@pytest.mark.parametrize("kwargs, match", [
    ({"lr": -0.1}, "Invalid learning rate: -0.1"),
    ({"lr": float("nan")}, "Invalid learning rate: nan"),
    ({"lr": 0.1, "momentum": -1}, "Invalid momentum value: -1"),
    ({"lr": 0.1, "weight_decay": -1}, "Invalid weight_decay value: -1"),
    ({"lr": 0.1, "nesterov": True}, "Nesterov momentum requires a momentum and zero dampening"),
    ({"lr": 0.1, "momentum": 0.9, "dampening": 0.1, "nesterov": True},
     "Nesterov momentum requires a momentum and zero dampening"),
])
def test_invalid_hyperparameters(kwargs, match):
    with pytest.raises(ValueError, match=match):
        SGD([npg.zeros(2, requires_grad=True)], **kwargs)


def test_lr_must_be_a_number():
    with pytest.raises(TypeError, match="lr must be a real number"):
        SGD([npg.zeros(2, requires_grad=True)], lr="0.1")


def test_group_hyperparameters_are_validated():
    with pytest.raises(ValueError, match="Invalid learning rate: -1"):
        SGD([{"params": [npg.zeros(2, requires_grad=True)], "lr": -1}], lr=0.1)


@pytest.mark.parametrize("momentum", [0.0, 0.9])
def test_large_parameter_update_is_exact_and_leaves_grad(momentum, numpy_passes):
    """Parameters above the block size are updated blockwise; the result is the same."""
    from numpygrad.optim.optimizer import _BLOCK

    rng = np.random.default_rng(0)
    n = 2 * _BLOCK + 123
    p = npg.array(rng.standard_normal(n).astype(np.float32), requires_grad=True)
    g = rng.standard_normal(n).astype(np.float32)
    p.grad = npg.array(g.copy())
    before = p.data.copy()
    opt = npg.optim.SGD([p], lr=0.1, momentum=momentum)
    opt.step()
    np.testing.assert_array_equal(p.data, before + g * np.float32(-0.1))
    np.testing.assert_array_equal(p.grad.data, g)
    w = npg.array(rng.standard_normal((700, 300)).astype(np.float32).T, requires_grad=True)
    w.grad = npg.array(np.ones((300, 700), np.float32))  # a non-contiguous parameter
    w0 = w.data.copy()
    npg.optim.SGD([w], lr=0.5).step()
    np.testing.assert_array_equal(w.data, w0 - np.float32(0.5))
