"""LBFGS: Rosenbrock against torch.optim.LBFGS, state, validation."""

import numpy as np
import pytest

import numpygrad as npg
from numpygrad.optim import LBFGS


def rosenbrock(x):
    """Value and gradient of the n-dimensional Rosenbrock function, in NumPy."""
    a, b = x[:-1], x[1:]
    f = np.sum(100.0 * (b - a**2) ** 2 + (1.0 - a) ** 2)
    g = np.zeros_like(x)
    g[:-1] = -400.0 * a * (b - a**2) - 2.0 * (1.0 - a)
    g[1:] += 200.0 * (b - a**2)
    return f, g


X0 = np.array([-1.2, 1.0, -0.5, 0.8])


def npg_run(kwargs, steps, x0=X0):
    x = npg.Array(x0.copy(), requires_grad=True)
    opt = LBFGS([x], **kwargs)

    def closure():
        f, g = rosenbrock(x.data)
        x.grad = npg.Array(g)
        return npg.Array(np.array(f))

    traj = []
    for _ in range(steps):
        opt.step(closure)
        traj.append(x.data.copy())
    return traj, opt, x


def torch_run(kwargs, steps, x0=X0):
    import torch

    x = torch.tensor(x0.copy(), requires_grad=True)
    opt = torch.optim.LBFGS([x], **kwargs)

    def closure():
        f, g = rosenbrock(x.detach().numpy())
        x.grad = torch.tensor(g)
        return torch.tensor(f)

    traj = []
    for _ in range(steps):
        opt.step(closure)
        traj.append(x.detach().numpy().copy())
    return traj, opt


def test_minimizes_rosenbrock_with_strong_wolfe():
    traj, opt, x = npg_run({"line_search_fn": "strong_wolfe", "max_iter": 100,
                            "tolerance_grad": 1e-10, "tolerance_change": 1e-14}, steps=3)
    np.testing.assert_allclose(x.data, np.ones(4), atol=1e-6)
    assert opt.state[x]["n_iter"] > 10


def test_fixed_step_without_line_search_decreases_loss():
    _, _, x = npg_run({"lr": 0.1, "max_iter": 50}, steps=2)
    assert rosenbrock(x.data)[0] < rosenbrock(X0)[0]


@pytest.mark.parametrize("kwargs", [
    {"line_search_fn": "strong_wolfe"},
    {"line_search_fn": "strong_wolfe", "history_size": 3, "max_iter": 7},
    {"lr": 0.05, "max_iter": 10},
    {"lr": 0.5, "max_iter": 4, "history_size": 2},
], ids=str)
def test_trajectory_matches_torch(kwargs):
    pytest.importorskip("torch")
    ours, opt, x = npg_run(kwargs, steps=6)
    theirs, topt = torch_run(kwargs, steps=6)
    for step, (a, b) in enumerate(zip(ours, theirs)):
        np.testing.assert_allclose(a, b, rtol=1e-8, atol=1e-10, err_msg=f"step {step}")
    tstate = topt.state[topt._params[0]]
    assert opt.state[x]["n_iter"] == tstate["n_iter"]
    assert opt.state[x]["func_evals"] == tstate["func_evals"]


def test_autograd_closure_and_returned_loss():
    x = npg.Array(np.array([3.0, -1.0]), requires_grad=True)
    opt = LBFGS([x], line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        loss = ((x - 1.0) ** 2).sum()
        loss.backward()
        return loss

    first = opt.step(closure)
    assert float(first.item()) == 8.0
    np.testing.assert_allclose(x.data, [1.0, 1.0], atol=1e-8)


def test_stops_immediately_at_a_stationary_point():
    x = npg.Array(np.ones(4), requires_grad=True)
    opt = LBFGS([x])

    def closure():
        f, g = rosenbrock(x.data)
        x.grad = npg.Array(g)
        return f

    assert opt.step(closure) == 0.0
    np.testing.assert_array_equal(x.data, np.ones(4))


def test_several_parameters_are_flattened_together():
    a = npg.Array(np.array([-1.2]), requires_grad=True)
    b = npg.Array(np.array([[1.0, -0.5], [0.8, 0.3]]), requires_grad=True)
    opt = LBFGS([a, b], line_search_fn="strong_wolfe", max_iter=200,
                tolerance_grad=1e-12, tolerance_change=1e-15)

    def closure():
        x = np.concatenate([a.data.ravel(), b.data.ravel()])
        f, g = rosenbrock(x)
        a.grad, b.grad = npg.Array(g[:1]), npg.Array(g[1:].reshape(2, 2))
        return f

    for _ in range(3):
        opt.step(closure)
    np.testing.assert_allclose(a.data, [1.0], atol=1e-6)
    np.testing.assert_allclose(b.data, np.ones((2, 2)), atol=1e-6)


def test_state_dict_round_trip_continues_identically():
    kwargs = {"line_search_fn": "strong_wolfe", "max_iter": 3}
    straight, _, _ = npg_run(kwargs, steps=4)
    _, opt, x = npg_run(kwargs, steps=2)
    sd = opt.state_dict()
    y = npg.Array(x.data.copy(), requires_grad=True)
    new = LBFGS([y], **kwargs)
    new.load_state_dict(sd)

    def closure():
        f, g = rosenbrock(y.data)
        y.grad = npg.Array(g)
        return f

    new.step(closure)
    new.step(closure)
    assert np.array_equal(y.data, straight[-1])


def test_load_rejects_wrong_sized_history():
    _, opt, _ = npg_run({"max_iter": 3}, steps=1)
    other = LBFGS([npg.Array(np.ones(5), requires_grad=True)])
    with pytest.raises(ValueError, match=r"has shape \(4,\), but the parameters have 5"):
        other.load_state_dict(opt.state_dict())


@pytest.mark.parametrize("kwargs, exc, match", [
    ({"lr": -1.0}, ValueError, "Invalid learning rate: -1.0"),
    ({"max_iter": 0}, ValueError, "Invalid max_iter value: 0"),
    ({"history_size": 0}, ValueError, "Invalid history_size value: 0"),
    ({"line_search_fn": "armijo"}, ValueError, "only 'strong_wolfe' is supported"),
    ({"tolerance_grad": -1.0}, ValueError, "Invalid tolerance_grad value"),
])
def test_invalid_arguments(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        LBFGS([npg.Array(np.ones(2), requires_grad=True)], **kwargs)


def test_single_group_and_closure_required():
    p = npg.Array(np.ones(2), requires_grad=True)
    with pytest.raises(ValueError, match="doesn't support per-parameter options"):
        LBFGS([{"params": [p]}, {"params": [npg.Array(np.ones(1), requires_grad=True)]}])
    with pytest.raises(ValueError, match="requires a closure"):
        LBFGS([p]).step(None)
    with pytest.raises(TypeError, match="share one dtype"):
        LBFGS([p, npg.Array(np.ones(1, dtype=np.float32), requires_grad=True)])
