"""Adagrad: hand-computed steps, torch trajectories, resume, validation."""

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
from numpygrad.optim import Adagrad

CONFIGS = [
    {"lr": 0.1},
    {"lr": 0.1, "lr_decay": 0.05},
    {"lr": 0.1, "initial_accumulator_value": 0.5},
    {"lr": 0.1, "weight_decay": 0.1, "maximize": True},
    {"lr": 0.1, "lr_decay": 0.01, "weight_decay": 0.1, "eps": 1e-3},
]


def test_adagrad_by_hand():
    w = npg.Array(np.array([1.0, -2.0]), requires_grad=True)
    opt = Adagrad([w], lr=0.5, lr_decay=1.0, eps=0.0, initial_accumulator_value=0.0)
    w.grad = npg.Array(np.array([0.5, -4.0]))
    opt.step()  # sum = g**2, update = lr * sign(g)
    np.testing.assert_allclose(w.data, [0.5, -1.5], rtol=1e-15)
    w.grad = npg.Array(np.array([0.5, -4.0]))
    opt.step()  # clr = 0.5 / 2, sum = 2 g**2 -> update 0.25 / sqrt(2)
    np.testing.assert_allclose(w.data, [0.5 - 0.25 / np.sqrt(2), -1.5 + 0.25 / np.sqrt(2)],
                               rtol=1e-14)


def test_adagrad_initial_accumulator():
    w = npg.Array(np.array([0.0]), requires_grad=True)
    w.grad = npg.Array(np.array([3.0]))
    Adagrad([w], lr=1.0, initial_accumulator_value=16.0, eps=0.0).step()
    np.testing.assert_allclose(w.data, [-3.0 / 5.0], rtol=1e-15)


@pytest.mark.parametrize("cfg", CONFIGS, ids=str)
def test_trajectory_matches_torch_float64(cfg):
    torch = pytest.importorskip("torch")
    ours = npg_trajectory(Adagrad, cfg)
    theirs = torch_trajectory(torch.optim.Adagrad, {**cfg, "foreach": False})
    assert_trajectories_close(ours, theirs, rtol=1e-10, atol=1e-13)


def test_trajectory_matches_torch_float32():
    torch = pytest.importorskip("torch")
    ours = npg_trajectory(Adagrad, CONFIGS[4], dtype=np.float32)
    theirs = torch_trajectory(torch.optim.Adagrad, {**CONFIGS[4], "foreach": False},
                              dtype=np.float32)
    assert_trajectories_close(ours, theirs, rtol=1e-4, atol=1e-5)


def test_resume_is_bit_identical():
    assert resume_matches(Adagrad, CONFIGS[4])


def test_state_is_created_lazily():
    w = npg.Array(np.ones(2), requires_grad=True)
    opt = Adagrad([w], initial_accumulator_value=0.5)
    assert not opt.state
    w.grad = npg.zeros_like(w)
    opt.step()
    np.testing.assert_array_equal(opt.state[w]["sum"], [0.5, 0.5])


@pytest.mark.parametrize("kwargs, match", [
    ({"lr": -0.1}, "Invalid learning rate: -0.1"),
    ({"lr_decay": -1}, "Invalid lr_decay value: -1"),
    ({"weight_decay": -1}, "Invalid weight_decay value: -1"),
    ({"initial_accumulator_value": -1}, "Invalid initial_accumulator_value value: -1"),
    ({"eps": -1}, "Invalid epsilon value: -1"),
])
def test_invalid_hyperparameters(kwargs, match):
    with pytest.raises(ValueError, match=match):
        Adagrad([npg.zeros(2, requires_grad=True)], **kwargs)


@pytest.mark.parametrize("options", [{}, {"weight_decay": 0.1, "lr_decay": 0.01}])
def test_large_parameter_updated_in_blocks_matches_whole_array_update(options, numpy_passes):
    """Above four blocks' worth of elements a contiguous parameter is updated
    blockwise (a non-contiguous one whole): the same values and accumulators."""
    from numpygrad.optim.optimizer import _BLOCK

    shape = (4, _BLOCK + 7)
    assert shape[0] * shape[1] > 4 * _BLOCK
    opts, (blocked, whole) = blocked_and_whole_updates_agree(
        lambda p: Adagrad([p], lr=0.01, **options), shape)
    np.testing.assert_array_equal(opts[0].state[blocked]["sum"],
                                  opts[1].state[whole]["sum"].T)
