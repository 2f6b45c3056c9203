"""LeNet-style training step at bs64: conv5 -> ReLU -> pool2 -> conv5 -> ReLU -> pool2 -> MLP.

1x28x28 -> conv(1->6, 5x5) -> 6x24x24 -> maxpool 2 -> 6x12x12 -> conv(6->16, 5x5)
-> 16x8x8 -> maxpool 2 -> 16x4x4 = 256 -> 120 -> 84 -> 10, ReLU after each
conv and hidden linear layer, softmax cross-entropy, plain SGD (lr 0.01).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from benchmarks import baseline_numpy as bn
from benchmarks.cases.mlp_step import Stepper
from benchmarks.common import (
    Row,
    Settings,
    check_losses,
    get_torch,
    interleave,
    load_params_npg,
    load_params_torch,
    medians,
    mnist_batches,
    npg_layer,
    profile_call,
    settle_time,
    spread,
    to_float,
)

BATCH = 64
LR = 0.01


def numpygrad_model() -> Any:
    from numpygrad import nn

    Conv2d, MaxPool2d = npg_layer("Conv2d"), npg_layer("MaxPool2d")
    ReLU, Flatten = npg_layer("ReLU"), npg_layer("Flatten")
    return nn.Sequential(Conv2d(1, 6, 5), ReLU(), MaxPool2d(2), Conv2d(6, 16, 5), ReLU(),
                         MaxPool2d(2), Flatten(), nn.Linear(256, 120), ReLU(),
                         nn.Linear(120, 84), ReLU(), nn.Linear(84, 10))


def torch_model(torch: Any) -> Any:
    nn = torch.nn
    return nn.Sequential(nn.Conv2d(1, 6, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(6, 16, 5),
                         nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(256, 120), nn.ReLU(),
                         nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))


def numpygrad_variant(params: list[np.ndarray]) -> tuple[Any, Any]:
    import numpygrad.nn.functional as F
    from numpygrad import optim

    model = numpygrad_model()
    load_params_npg(list(model.parameters()), params)
    optimizer = optim.SGD(model.parameters(), lr=LR)

    def step(x: Any, y: Any) -> Any:
        loss = F.cross_entropy(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return loss

    return model, step


def torch_variant(torch: Any, params: list[np.ndarray]) -> tuple[Any, Any]:
    model = torch_model(torch)
    load_params_torch(list(model.parameters()), params)
    optimizer = torch.optim.SGD(model.parameters(), lr=LR)
    cross_entropy = torch.nn.functional.cross_entropy

    def step(x: Any, y: Any) -> Any:
        loss = cross_entropy(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return loss

    return model, step


def batches(bs: int = BATCH, count: int = 16) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """(B, 1, 28, 28) float32 images and int64 labels."""
    xs, ys = mnist_batches(bs, count, seed=1)
    return [x.reshape(bs, 1, 28, 28) for x in xs], ys


def build(settings: Settings, xs: list[np.ndarray], ys: list[np.ndarray], seed: int = 0
          ) -> dict[str, Stepper]:
    import numpygrad as npg

    params = bn.lenet_weights(seed)
    base = bn.LeNet(params, lr=LR)
    # NHWC with C = 1 is the same memory as NCHW: a free reshape.
    out = {"numpy": Stepper([x.reshape(x.shape[0], 28, 28, 1) for x in xs], ys, base.step)}
    out["numpygrad"] = Stepper([npg.asarray(x) for x in xs], [npg.asarray(y) for y in ys],
                               numpygrad_variant(params)[1])
    torch = get_torch(settings)
    if torch is not None:
        out["torch"] = Stepper([torch.from_numpy(x) for x in xs], [torch.from_numpy(y) for y in ys],
                               torch_variant(torch, params)[1])
    return out


def _faults_per_step(step: Any, steps: int) -> float:
    """Minor page faults per call of ``step``.

    Large temporaries that the allocator hands back to the OS and takes again
    every step cost a page fault per 4 KB page each time (2-3 ms of system time
    per LeNet step when it happens): worth seeing next to the times.
    """
    import resource

    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(steps):
        step()
    return (resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / steps


def run(settings: Settings) -> tuple[list[Row], list[str]]:
    xs, ys = batches()
    steppers = build(settings, xs, ys)
    check_losses("LeNet step", {k: [to_float(s()) for _ in range(3)] for k, s in steppers.items()})
    rounds = settings.rounds(full=15, quick=2)
    per_round = 2 if settings.quick else 5
    times = interleave(steppers, rounds, per_round, warmup=1 if settings.quick else 3,
                       settle=settle_time(settings))
    med = medians(times)
    values = {k: med.get(k) for k in ("numpy", "numpygrad", "torch")}
    met = None if values["torch"] is None else values["numpygrad"] / values["torch"] <= 2.0
    faults = {k: _faults_per_step(s, 3 if settings.quick else 10) for k, s in steppers.items()}
    shown = ", ".join(f"{k} {v:.0f}" for k, v in faults.items())
    rows = [Row("LeNet step bs64 SGD", "time", values, target="<=2.00x torch", met=met,
                note=f"npg {spread(times['numpygrad'])}; page faults per step: {shown}")]
    profiles = []
    if settings.profile:
        profiles.append(profile_call(steppers["numpygrad"], 30 if not settings.quick else 5,
                                     settings.profile_top, "numpygrad LeNet step"))
    return rows, profiles
