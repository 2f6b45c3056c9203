"""Shared helpers for the optimizer tests: fixed problems, trajectories, round trips."""

from __future__ import annotations

import numpy as np

import numpygrad as npg

SHAPES = [(3, 4), (4,), ()]


def initial_params(dtype=np.float64, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.normal(size=s).astype(dtype) for s in SHAPES]


def problem_grads(values, step):
    """Gradients of a fixed non-quadratic objective, computed in NumPy.

    f(x) = sum(c * (x - t)**2 + 0.5 * log(cosh(3 x)) / 3) per parameter, with a
    step-dependent perturbation so that the gradient sequence is not smooth.
    Every third step the last parameter gets no gradient (None).
    """
    grads = []
    for i, x in enumerate(values):
        c = 1.0 + 0.5 * i
        wiggle = 0.05 * np.sin(step + np.arange(x.size).reshape(x.shape))
        g = 2 * c * (x - 0.3 * (i + 1)) + 0.5 * np.tanh(3 * x) + wiggle
        grads.append(g.astype(x.dtype))
    if step % 3 == 2:
        grads[-1] = None
    return grads


def npg_trajectory(cls, kwargs, steps=25, dtype=np.float64, init=None):
    params = [npg.Array(x.copy(), requires_grad=True) for x in (init or initial_params(dtype))]
    opt = cls(params, **kwargs)
    out = []
    for step in range(steps):
        for p, g in zip(params, problem_grads([p.data for p in params], step)):
            p.grad = None if g is None else npg.Array(g)
        opt.step()
        out.append([p.data.copy() for p in params])
    return out


def torch_trajectory(cls, kwargs, steps=25, dtype=np.float64, init=None):
    import torch

    params = [torch.tensor(x.copy(), requires_grad=True) for x in (init or initial_params(dtype))]
    opt = cls(params, **kwargs)
    out = []
    for step in range(steps):
        values = [p.detach().numpy() for p in params]
        for p, g in zip(params, problem_grads(values, step)):
            p.grad = None if g is None else torch.tensor(g)
        opt.step()
        out.append([p.detach().numpy().copy() for p in params])
    return out


def assert_trajectories_close(ours, theirs, rtol, atol=0.0):
    assert len(ours) == len(theirs)
    for step, (a, b) in enumerate(zip(ours, theirs)):
        for i, (x, y) in enumerate(zip(a, b)):
            assert x.dtype == y.dtype, (step, i, x.dtype, y.dtype)
            np.testing.assert_allclose(x, y, rtol=rtol, atol=atol,
                                       err_msg=f"step {step}, parameter {i}")


def resume_matches(cls, kwargs, total=10, split=5, through=None):
    """10 straight steps == split steps + state_dict + fresh objects + the rest, bit for bit.

    ``through`` optionally transforms the state dict (e.g. a save/load round trip).
    """
    straight = npg_trajectory(cls, kwargs, steps=total)[-1]

    params = [npg.Array(x.copy(), requires_grad=True) for x in initial_params()]
    opt = cls(params, **kwargs)

    def run(steps, params, opt):
        for step in steps:
            for p, g in zip(params, problem_grads([p.data for p in params], step)):
                p.grad = None if g is None else npg.Array(g)
            opt.step()

    run(range(split), params, opt)
    saved_params = [p.data.copy() for p in params]
    sd = opt.state_dict()
    if through is not None:
        sd = through(sd)
    # Mutating the live optimizer after saving must not leak into the checkpoint.
    run(range(split, split + 2), params, opt)
    fresh = [npg.Array(x, requires_grad=True) for x in saved_params]
    fresh_opt = cls(fresh, **{**kwargs, "lr": 12345.0})  # the loaded lr must win
    fresh_opt.load_state_dict(sd)
    run(range(split, total), fresh, fresh_opt)
    return all(np.array_equal(a, b.data) for a, b in zip(straight, fresh))


def blocked_and_whole_updates_agree(make_opt, shape, steps=3, seed=0):
    """Update one C-contiguous parameter (taken in blocks when large enough) and an
    F-ordered copy (always whole) alike; elementwise maths, so both must agree exactly.

    Returns the two optimizers and the two parameters, (blocked, whole).
    """
    rng = np.random.default_rng(seed)
    values = rng.standard_normal(shape).astype(np.float32)
    blocked = npg.array(values, requires_grad=True)           # C-contiguous: blocks
    whole = npg.array(values.T, requires_grad=True)           # F-ordered copy: whole
    assert blocked.data.flags.c_contiguous and not whole.data.flags.c_contiguous
    opts = [make_opt(blocked), make_opt(whole)]
    for _ in range(steps):
        g = rng.standard_normal(shape).astype(np.float32)
        blocked.grad, whole.grad = npg.array(g), npg.array(g.T)
        for opt in opts:
            opt.step()
        np.testing.assert_array_equal(blocked.data, whole.data.T)
        np.testing.assert_array_equal(blocked.grad.data, g)  # the gradient is untouched
    return opts, (blocked, whole)
