"""MLP training step: 784-256-128-10, ReLU, softmax cross-entropy, float32, SGD / Adam.

One step = forward, loss, zero_grad, backward, optimizer step, on a batch that
is already in memory (the epoch case covers data loading). The variants start
from the same weights, see the same batches in the same order and have made
the same number of steps at the end of every round.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from benchmarks import baseline_numpy as bn
from benchmarks.common import (
    Row,
    Settings,
    check_losses,
    get_torch,
    interleave,
    load_params_npg,
    load_params_torch,
    medians,
    mlp_weights,
    mnist_batches,
    profile_call,
    settle_time,
    spread,
    to_float,
)

SIZES = (784, 256, 128, 10)
LR = {"sgd": 0.01, "adam": 1e-3}
CHECK_STEPS = 3


class Stepper:
    """Cycles through a fixed list of batches; ``step()`` does one training step."""

    def __init__(self, xs: list[Any], ys: list[Any], step_fn: Any) -> None:
        self.xs, self.ys, self.step_fn, self.i = xs, ys, step_fn, 0

    def __call__(self) -> Any:
        i = self.i
        self.i = (i + 1) % len(self.xs)
        return self.step_fn(self.xs[i], self.ys[i])


def numpy_variant(params: list[np.ndarray], opt: str, lr: float) -> tuple[bn.MLP, Any]:
    model = bn.MLP(params, optimizer=opt, lr=lr)
    return model, model.step


def numpygrad_variant(params: list[np.ndarray], opt: str, lr: float,
                      sizes: tuple[int, ...] = SIZES) -> tuple[Any, Any]:
    import numpygrad.nn.functional as F
    from numpygrad import nn, optim

    model = nn.MLP(list(sizes))
    load_params_npg(list(model.parameters()), params)
    optimizer = optim.SGD(model.parameters(), lr=lr) if opt == "sgd" else \
        optim.Adam(model.parameters(), lr=lr)

    def step(x: Any, y: Any) -> Any:
        loss = F.cross_entropy(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return loss

    return model, step


def torch_variant(torch: Any, params: list[np.ndarray], opt: str, lr: float,
                  sizes: tuple[int, ...] = SIZES) -> tuple[Any, Any]:
    layers: list[Any] = []
    for k, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(torch.nn.Linear(a, b))
        if k < len(sizes) - 2:
            layers.append(torch.nn.ReLU())
    model = torch.nn.Sequential(*layers)
    load_params_torch(list(model.parameters()), params)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr) if opt == "sgd" else \
        torch.optim.Adam(model.parameters(), lr=lr)
    cross_entropy = torch.nn.functional.cross_entropy

    def step(x: Any, y: Any) -> Any:
        loss = cross_entropy(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return loss

    return model, step


def build(settings: Settings, bs: int, opt: str, xs: list[np.ndarray], ys: list[np.ndarray],
          sizes: tuple[int, ...] = SIZES, seed: int = 0) -> dict[str, Stepper]:
    """The variants of one configuration, each a :class:`Stepper` over its own copy of the data."""
    import numpygrad as npg

    params = mlp_weights(sizes, seed)
    lr = LR[opt]
    out = {"numpy": Stepper(xs, ys, numpy_variant(params, opt, lr)[1])}
    out["numpygrad"] = Stepper([npg.asarray(x) for x in xs], [npg.asarray(y) for y in ys],
                               numpygrad_variant(params, opt, lr, sizes)[1])
    torch = get_torch(settings)
    if torch is not None:
        out["torch"] = Stepper([torch.from_numpy(x) for x in xs], [torch.from_numpy(y) for y in ys],
                               torch_variant(torch, params, opt, lr, sizes)[1])
    return out


def check(case: str, steppers: dict[str, Stepper], steps: int = CHECK_STEPS) -> None:
    """Run ``steps`` steps of every variant; their losses must agree (CaseError otherwise)."""
    losses = {name: [to_float(s()) for _ in range(steps)] for name, s in steppers.items()}
    check_losses(case, losses)


def run(settings: Settings) -> tuple[list[Row], list[str]]:
    rows, profiles = [], []
    rounds = settings.rounds(full=30, quick=3)
    per_round = 3 if settings.quick else 10
    warmup = 3 if settings.quick else 20
    for bs in (128, 32):
        xs, ys = mnist_batches(bs, 64)
        floor_model = bn.MLP(mlp_weights(SIZES), "sgd", 0.01)
        for opt in ("sgd", "adam"):
            case = f"MLP step bs{bs} {opt.upper() if opt == 'sgd' else 'Adam'}"
            steppers = build(settings, bs, opt, xs, ys)
            check(case, steppers)
            variants: dict[str, Any] = dict(steppers)
            x0 = xs[0]
            variants["floor"] = lambda m=floor_model, x=x0: m.matmuls_only(x)
            times = interleave(variants, rounds, per_round, warmup, settle_time(settings))
            med = medians(times)
            floor = med.pop("floor")
            values = {k: med.get(k) for k in ("numpy", "numpygrad", "torch")}
            r_np = values["numpygrad"] / values["numpy"]
            r_t = values["numpygrad"] / values["torch"] if values.get("torch") else None
            met = r_np <= 1.05 and (r_t is None or r_t <= 1.0)
            rows.append(Row(case, "time", values, target="<=1.05x numpy, <=1.00x torch", met=met,
                            note=f"8 matmuls alone {floor * 1e3:.2f} ms; npg "
                                 f"{spread(times['numpygrad'])}"))
            if settings.profile:
                profiles.append(profile_call(steppers["numpygrad"], 200 if not settings.quick
                                             else 30, settings.profile_top, f"numpygrad {case}"))
    return rows, profiles
