"""Learning-rate schedulers: sequences against torch, by hand, state dicts, validation."""

import math
import warnings

import numpy as np
import pytest

import numpygrad as npg
from numpygrad.optim import SGD, Adam, lr_scheduler

EPOCHS = 40

CASES = [
    ("StepLR", {"step_size": 3, "gamma": 0.5}),
    ("StepLR", {"step_size": 1}),
    ("MultiStepLR", {"milestones": [2, 5, 5, 11], "gamma": 0.3}),
    ("ExponentialLR", {"gamma": 0.9}),
    ("CosineAnnealingLR", {"T_max": 10}),
    ("CosineAnnealingLR", {"T_max": 7, "eta_min": 0.001}),
    ("LinearLR", {}),
    ("LinearLR", {"start_factor": 0.25, "end_factor": 0.5, "total_iters": 8}),
    ("LinearLR", {"start_factor": 1.0, "end_factor": 0.1, "total_iters": 12}),
    ("LambdaLR", {"lr_lambda": lambda e: 0.95**e + 0.01 * (e % 3)}),
    ("OneCycleLR", {"max_lr": 1.0, "total_steps": EPOCHS + 1}),
    ("OneCycleLR", {"max_lr": [1.0, 0.3], "total_steps": EPOCHS + 1, "anneal_strategy": "linear",
                    "pct_start": 0.25, "div_factor": 10.0}),
    ("OneCycleLR", {"max_lr": 0.5, "epochs": 5, "steps_per_epoch": 9, "three_phase": True}),
]


def make_npg(opt_cls=SGD, **kw):
    params = [npg.zeros(2, requires_grad=True), npg.zeros(1, requires_grad=True)]
    return opt_cls([{"params": [params[0]]}, {"params": [params[1]], "lr": 0.05}], lr=0.1, **kw)


def make_torch(opt_cls_name="SGD", **kw):
    import torch

    params = [torch.zeros(2, requires_grad=True), torch.zeros(1, requires_grad=True)]
    cls = getattr(torch.optim, opt_cls_name)
    return cls([{"params": [params[0]]}, {"params": [params[1]], "lr": 0.05}], lr=0.1, **kw)


def run(sched, opt, epochs=EPOCHS, key="momentum"):
    lrs, moms = [sched.get_last_lr()], []
    for _ in range(epochs):
        opt.step()
        sched.step()
        lrs.append(sched.get_last_lr())
        moms.append([g.get(key) for g in opt.param_groups])
    return lrs, moms


@pytest.mark.parametrize("name, kwargs", CASES, ids=lambda v: str(v)[:60])
def test_sequence_matches_torch(name, kwargs):
    torch = pytest.importorskip("torch")
    ours_opt = make_npg(momentum=0.9)
    ours = run(getattr(lr_scheduler, name)(ours_opt, **kwargs), ours_opt)
    theirs_opt = make_torch(momentum=0.9)
    theirs = run(getattr(torch.optim.lr_scheduler, name)(theirs_opt, **kwargs), theirs_opt)
    np.testing.assert_allclose(np.array(ours[0]), np.array(theirs[0]), rtol=1e-15, atol=0)
    np.testing.assert_allclose(np.array(ours[1], float), np.array(theirs[1], float), rtol=1e-15)


def test_one_cycle_cycles_adam_beta1_like_torch():
    torch = pytest.importorskip("torch")
    kwargs = {"max_lr": 0.01, "total_steps": 30}
    ours_opt = make_npg(Adam)
    ours = run(lr_scheduler.OneCycleLR(ours_opt, **kwargs), ours_opt, epochs=29, key="betas")
    theirs_opt = make_torch("Adam")
    theirs = run(torch.optim.lr_scheduler.OneCycleLR(theirs_opt, **kwargs), theirs_opt,
                 epochs=29, key="betas")
    assert ours == theirs


@pytest.mark.parametrize("name, kwargs", [c for c in CASES if c[0] not in
                                          ("OneCycleLR", "LambdaLR")], ids=lambda v: str(v)[:60])
def test_closed_form_epoch_argument_matches_torch(name, kwargs):
    torch = pytest.importorskip("torch")
    epochs = [3, 7, 1, 15, 15, 30, 0]
    ours_opt, theirs_opt = make_npg(), make_torch()
    ours = getattr(lr_scheduler, name)(ours_opt, **kwargs)
    theirs = getattr(torch.optim.lr_scheduler, name)(theirs_opt, **kwargs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for e in epochs:
            theirs_opt.step()
            ours.step(e)
            theirs.step(e)
            np.testing.assert_allclose(ours.get_last_lr(), theirs.get_last_lr(), rtol=1e-14)


def test_reduce_on_plateau_matches_torch():
    torch = pytest.importorskip("torch")
    metrics = [1.0, 0.9, 0.9, 0.9, 0.95, 0.85, 0.85, 0.85, 0.85, 0.85, 0.7, 0.7, 0.7] * 3
    for kwargs in [{"patience": 1}, {"patience": 2, "factor": 0.5, "cooldown": 2},
                   {"mode": "max", "threshold_mode": "abs", "threshold": 0.01, "patience": 0},
                   {"patience": 0, "min_lr": [0.02, 0.001]}]:
        ours_opt, theirs_opt = make_npg(), make_torch()
        ours = lr_scheduler.ReduceLROnPlateau(ours_opt, **kwargs)
        theirs = torch.optim.lr_scheduler.ReduceLROnPlateau(theirs_opt, **kwargs)
        for m in metrics:
            ours.step(npg.array(m))
            theirs.step(m)
            assert ours.get_last_lr() == theirs.get_last_lr(), kwargs
            assert ours.num_bad_epochs == theirs.num_bad_epochs


def test_step_lr_by_hand_and_writes_the_optimizer():
    opt = make_npg()
    sched = lr_scheduler.StepLR(opt, step_size=2, gamma=0.1)
    seen = []
    for _ in range(5):
        sched.step()
        seen.append(opt.param_groups[0]["lr"])
    np.testing.assert_allclose(seen, [0.1, 0.01, 0.01, 0.001, 0.001], rtol=1e-15)
    assert sched.get_last_lr()[1] == pytest.approx(0.05 * 1e-2)
    assert opt.param_groups[0]["initial_lr"] == 0.1


def test_cosine_by_hand():
    opt = make_npg()
    sched = lr_scheduler.CosineAnnealingLR(opt, T_max=4, eta_min=0.0)
    for epoch in range(1, 9):
        sched.step()
        expected = 0.05 * (1 + math.cos(math.pi * epoch / 4))
        assert sched.get_last_lr()[0] == pytest.approx(expected, abs=1e-15)


def test_reduce_on_plateau_by_hand():
    opt = make_npg()
    sched = lr_scheduler.ReduceLROnPlateau(opt, patience=2, factor=0.5)
    for loss in [1.0, 1.0, 1.0]:
        sched.step(loss)
    assert sched.get_last_lr() == [0.1, 0.05]
    sched.step(1.0)  # third bad epoch > patience
    assert sched.get_last_lr() == [0.05, 0.025]


@pytest.mark.parametrize("name, kwargs", CASES[:9] + CASES[10:], ids=lambda v: str(v)[:60])
def test_state_dict_resume(name, kwargs):
    cls = getattr(lr_scheduler, name)
    opt = make_npg(momentum=0.9)
    straight = run(cls(opt, **kwargs), opt)[0]
    opt = make_npg(momentum=0.9)
    sched = cls(opt, **kwargs)
    first = run(sched, opt, epochs=10)[0]
    sched_sd, opt_sd = sched.state_dict(), opt.state_dict()
    new_opt = make_npg(momentum=0.9)
    new_sched = cls(new_opt, **kwargs)
    new_opt.load_state_dict(opt_sd)
    new_sched.load_state_dict(sched_sd)
    rest = run(new_sched, new_opt, epochs=EPOCHS - 10)[0]
    assert first + rest[1:] == straight


def test_lambda_lr_state_dict_skips_functions_but_keeps_callable_objects():
    class Warmup:
        def __init__(self, n):
            self.n = n

        def __call__(self, epoch):
            return min(1.0, (epoch + 1) / self.n)

    opt = make_npg()
    sched = lr_scheduler.LambdaLR(opt, [lambda e: 1.0, Warmup(5)])
    sd = sched.state_dict()
    assert sd["lr_lambdas"][0] is None and sd["lr_lambdas"][1] == {"n": 5}
    other = lr_scheduler.LambdaLR(make_npg(), [lambda e: 1.0, Warmup(2)])
    other.load_state_dict(sd)
    assert other.lr_lambdas[1].n == 5


def test_state_dict_is_a_copy():
    opt = make_npg()
    sched = lr_scheduler.MultiStepLR(opt, milestones=[3])
    sd = sched.state_dict()
    sd["base_lrs"][0] = 42.0
    assert "optimizer" not in sd and sched.base_lrs[0] == 0.1


@pytest.mark.parametrize("factory, exc, match", [
    (lambda o: lr_scheduler.StepLR(o, step_size=0), ValueError, "positive integer step_size"),
    (lambda o: lr_scheduler.StepLR(o, step_size=2.5), ValueError, "positive integer step_size"),
    (lambda o: lr_scheduler.StepLR(o, step_size=2, gamma=-1), ValueError, "positive gamma"),
    (lambda o: lr_scheduler.MultiStepLR(o, milestones=[-1]), ValueError, "non-negative"),
    (lambda o: lr_scheduler.ExponentialLR(o, gamma=0), ValueError, "positive gamma"),
    (lambda o: lr_scheduler.CosineAnnealingLR(o, T_max=0), ValueError, "positive integer T_max"),
    (lambda o: lr_scheduler.CosineAnnealingLR(o, T_max=5, eta_min=-1), ValueError, "eta_min"),
    (lambda o: lr_scheduler.LinearLR(o, start_factor=0), ValueError, "Starting multiplicative"),
    (lambda o: lr_scheduler.LinearLR(o, end_factor=2), ValueError, "Ending multiplicative"),
    (lambda o: lr_scheduler.LinearLR(o, total_iters=0), ValueError, "total_iters"),
    (lambda o: lr_scheduler.LambdaLR(o, [lambda e: 1.0]), ValueError, "Expected 2 lr_lambdas"),
    (lambda o: lr_scheduler.LambdaLR(o, 3), TypeError, "lr_lambda must be callable"),
    (lambda o: lr_scheduler.OneCycleLR(o, max_lr=1.0), ValueError, "either total_steps"),
    (lambda o: lr_scheduler.OneCycleLR(o, max_lr=1.0, total_steps=0), ValueError,
     "positive integer total_steps"),
    (lambda o: lr_scheduler.OneCycleLR(o, max_lr=1.0, total_steps=5, pct_start=1.5),
     ValueError, "pct_start"),
    (lambda o: lr_scheduler.OneCycleLR(o, max_lr=1.0, total_steps=5, anneal_strategy="exp"),
     ValueError, "anneal_strategy"),
    (lambda o: lr_scheduler.OneCycleLR(o, max_lr=[1.0], total_steps=5), ValueError,
     "max_lr has 1 values, param_groups has 2"),
    (lambda o: lr_scheduler.ReduceLROnPlateau(o, factor=1.0), ValueError, "Factor should be"),
    (lambda o: lr_scheduler.ReduceLROnPlateau(o, mode="avg"), ValueError, "mode avg is unknown"),
    (lambda o: lr_scheduler.ReduceLROnPlateau(o, threshold_mode="x"), ValueError,
     "threshold mode x is unknown"),
    (lambda o: lr_scheduler.ReduceLROnPlateau(o, patience=-1), ValueError, "patience"),
    (lambda o: lr_scheduler.ReduceLROnPlateau(o, min_lr=[0.1]), ValueError, "expected 2 min_lrs"),
    (lambda o: lr_scheduler.StepLR(o, step_size=2, last_epoch=3), KeyError, "initial_lr"),
])
def test_validation(factory, exc, match):
    with pytest.raises(exc, match=match):
        factory(make_npg())


def test_not_an_optimizer():
    with pytest.raises(TypeError, match="list is not an Optimizer"):
        lr_scheduler.StepLR([], step_size=1)
    with pytest.raises(TypeError, match="is not an Optimizer"):
        lr_scheduler.ReduceLROnPlateau(None)


def test_one_cycle_past_total_steps_raises():
    opt = make_npg(momentum=0.9)
    sched = lr_scheduler.OneCycleLR(opt, max_lr=1.0, total_steps=3)
    for _ in range(3):
        sched.step()
    with pytest.raises(ValueError, match="Tried to step 4 times"):
        sched.step()


def test_one_cycle_requires_momentum():
    from numpygrad.optim import Adagrad

    opt = Adagrad([npg.zeros(1, requires_grad=True)])
    with pytest.raises(ValueError, match="must support momentum"):
        lr_scheduler.OneCycleLR(opt, max_lr=1.0, total_steps=3)
    lr_scheduler.OneCycleLR(opt, max_lr=1.0, total_steps=3, cycle_momentum=False)
