"""One MNIST training epoch (784-256-128-10, Adam, bs128), data loading included.

Reading the files is done once per process, outside the timing; each timed
epoch draws a permutation, gathers and converts every batch (uint8 -> float32
/ 255) and trains on it. numpygrad uses its own ``MNIST`` + ``DataLoader`` as in
``examples/mnist_mlp.py``; the NumPy baseline gathers into reused buffers; torch
indexes an in-memory uint8 tensor (what a speed-minded torch user writes for
MNIST; ``torch.utils.data.DataLoader`` collates per sample and is much slower).
All three shuffle with the same permutations (NumPy PCG64 from the same seed),
so they train on the same batches in the same order.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from benchmarks import baseline_numpy as bn
from benchmarks.cases.mlp_step import SIZES, torch_variant
from benchmarks.common import (
    MNIST_DIR,
    CaseError,
    Row,
    Settings,
    check_losses,
    get_torch,
    load_mnist_uint8,
    load_params_npg,
    median,
    mlp_weights,
    mnist_available,
    profile_call,
    to_float,
)

BATCH = 128
LR = 1e-3
SEED = 0
RECORD = 3


def npg_dataset(limit: int | None) -> Any:
    """numpygrad's MNIST training set (the first ``limit`` images if given)."""
    from numpygrad.data.datasets import MNIST

    if mnist_available():
        ds = MNIST(MNIST_DIR, train=True)
    else:  # no files: the same synthetic data as the baseline, in an MNIST object
        images, labels, _ = load_mnist_uint8()
        ds = MNIST.__new__(MNIST)
        ds.root, ds.train, ds.transform, ds.target_transform = MNIST_DIR, True, None, None
        ds.data, ds.targets = images.copy(), labels.copy()
    if limit is not None:
        ds.data, ds.targets = ds.data[:limit], ds.targets[:limit]
    return ds


def numpy_epoch_fn(limit: int | None) -> Any:
    images, labels, _ = load_mnist_uint8(limit)
    model = bn.MLP(mlp_weights(SIZES, SEED), optimizer="adam", lr=LR)
    rng = np.random.default_rng(SEED)

    def epoch() -> list[float]:
        return bn.mnist_epoch(model, images, labels, rng, BATCH, record=RECORD)

    return epoch


def numpygrad_epoch_fn(limit: int | None) -> Any:
    import numpygrad as npg
    import numpygrad.nn.functional as F
    from numpygrad import nn, optim
    from numpygrad.data import DataLoader

    ds = npg_dataset(limit)
    loader = DataLoader(ds, batch_size=BATCH, shuffle=True, generator=npg.random.Generator(SEED))
    model = nn.MLP(list(SIZES))
    load_params_npg(list(model.parameters()), mlp_weights(SIZES, SEED))
    optimizer = optim.Adam(model.parameters(), lr=LR)

    def epoch() -> list[float]:
        losses = []
        for images, labels in loader:
            logits = model(images.reshape(images.shape[0], -1))
            loss = F.cross_entropy(logits, labels)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            if len(losses) < RECORD:
                losses.append(loss.item())
        return losses

    return epoch


def torch_epoch_fn(torch: Any, limit: int | None) -> Any:
    images, labels, _ = load_mnist_uint8(limit)
    n = len(labels)
    images_t = torch.from_numpy(images.reshape(n, -1).copy())
    labels_t = torch.from_numpy(labels.copy())
    _, step = torch_variant(torch, mlp_weights(SIZES, SEED), "adam", LR)
    rng = np.random.default_rng(SEED)

    def epoch() -> list[float]:
        order = torch.from_numpy(rng.permutation(n))
        losses = []
        for start in range(0, n, BATCH):
            idx = order[start:start + BATCH]
            loss = step(images_t[idx].float().div_(255), labels_t[idx])
            if len(losses) < RECORD:
                losses.append(loss.item())
        return losses

    return epoch


def build(settings: Settings, limit: int | None) -> dict[str, Any]:
    fns = {"numpy": numpy_epoch_fn(limit), "numpygrad": numpygrad_epoch_fn(limit)}
    torch = get_torch(settings)
    if torch is not None:
        fns["torch"] = torch_epoch_fn(torch, limit)
    return fns


def run(settings: Settings) -> tuple[list[Row], list[str]]:
    limit = 4096 if settings.quick else None
    rounds = settings.rounds(full=3, quick=1)
    fns = build(settings, limit)
    times: dict[str, list[float]] = {k: [] for k in fns}
    for r in range(rounds):
        first: dict[str, list[float]] = {}
        for name, fn in fns.items():
            t0 = time.perf_counter()
            first[name] = [to_float(v) for v in fn()]
            times[name].append(time.perf_counter() - t0)
        if r == 0:
            check_losses("MNIST epoch", first)
    values = {k: median(times.get(k, [])) for k in ("numpy", "numpygrad", "torch")}
    if values["numpy"] is None or values["numpygrad"] is None:
        raise CaseError("MNIST epoch: missing measurements")
    met = values["numpygrad"] / values["numpy"] <= 1.10
    n = limit or 60000
    label = "MNIST epoch Adam bs128" + (f" ({n} images)" if limit else "")
    note = f"{rounds} epoch(s) each" + ("" if mnist_available() else "; synthetic data")
    rows = [Row(label, "time", values, target="<=1.10x numpy", met=met, note=note)]
    profiles = []
    if settings.profile:
        profiles.append(profile_call(numpygrad_epoch_fn(4096), 1, settings.profile_top,
                                     "numpygrad MNIST epoch (4096 images)"))
    return rows, profiles
