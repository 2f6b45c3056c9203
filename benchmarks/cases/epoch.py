"""One MNIST training epoch (784-256-128-10, Adam, bs128), data loading included.

Reading the files is done once per process, outside the timing; each timed
epoch draws a permutation, gathers and converts every batch (uint8 -> float32
/ 255) and trains on it. numpygrad uses its own ``MNIST`` + ``DataLoader`` as in
``examples/mnist_mlp.py``; the NumPy baseline gathers into reused buffers; torch
indexes an in-memory uint8 tensor (what a speed-minded torch user writes for
MNIST; ``torch.utils.data.DataLoader`` collates per sample and is much slower).
All three shuffle with the same permutations (NumPy PCG64 from the same seed),
so they train on the same batches in the same order. Each round starts every
variant from the same initial weights (built outside the timing), so the rounds
repeat the same work. The NumPy and numpygrad epochs run interleaved, a few tens
of training steps of each in turn, so that drifts in the machine's speed hit
both alike; torch's epoch runs in one piece after them (its thread pool and
OpenBLAS's would contend for the cores at every switch).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
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
    settle_time,
    to_float,
)

BATCH = 128
CHUNK = 20  # training steps of one variant between switches (about 40 ms)
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


def numpy_epoch_maker(limit: int | None) -> Any:
    """Load the data once; each call of the result starts a fresh model's epoch.

    Epochs are iterators that run one training step per ``next()`` and yield its
    loss, so the runner can interleave the variants within an epoch.
    """
    images, labels, _ = load_mnist_uint8(limit)

    def make() -> Iterator[Any]:
        model = bn.MLP(mlp_weights(SIZES, SEED), optimizer="adam", lr=LR)
        rng = np.random.default_rng(SEED)
        return bn.mnist_epoch_steps(model, images, labels, rng, BATCH)

    return make


def numpygrad_epoch_maker(limit: int | None) -> Any:
    """numpygrad's dataset, loaded once; each call starts a fresh model's epoch."""
    import numpygrad as npg
    import numpygrad.nn.functional as F
    from numpygrad import nn, optim
    from numpygrad.data import DataLoader

    ds = npg_dataset(limit)

    def make() -> Iterator[Any]:
        loader = DataLoader(ds, batch_size=BATCH, shuffle=True,
                            generator=npg.random.Generator(SEED))
        model = nn.MLP(list(SIZES))
        load_params_npg(list(model.parameters()), mlp_weights(SIZES, SEED))
        optimizer = optim.Adam(model.parameters(), lr=LR)

        def steps() -> Iterator[Any]:
            # The training loop of examples/mnist_mlp.py.
            for images, labels in loader:
                logits = model(images.reshape(images.shape[0], -1))
                loss = F.cross_entropy(logits, labels)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                yield loss

        return steps()

    return make


def torch_epoch_maker(torch: Any, limit: int | None) -> Any:
    """The data as torch tensors, once; each call starts a fresh model's epoch."""
    images, labels, _ = load_mnist_uint8(limit)
    n = len(labels)
    images_t = torch.from_numpy(images.reshape(n, -1).copy())
    labels_t = torch.from_numpy(labels.copy())

    def make() -> Iterator[Any]:
        _, step = torch_variant(torch, mlp_weights(SIZES, SEED), "adam", LR)
        rng = np.random.default_rng(SEED)

        def steps() -> Iterator[Any]:
            order = torch.from_numpy(rng.permutation(n))
            for start in range(0, n, BATCH):
                idx = order[start:start + BATCH]
                yield step(images_t[idx].float().div_(255), labels_t[idx])

        return steps()

    return make


def _whole(steps: Iterator[Any]) -> list[float]:
    """Run an epoch to its end; return its first ``RECORD`` losses."""
    losses = []
    for loss in steps:
        if len(losses) < RECORD:
            losses.append(to_float(loss))
    return losses


def numpy_epoch_fn(limit: int | None) -> Any:
    """A function running one epoch of a fresh hand-written NumPy model (call it once)."""
    steps = numpy_epoch_maker(limit)()  # model and optimizer built now, trained when called
    return lambda: _whole(steps)


def numpygrad_epoch_fn(limit: int | None) -> Any:
    """A function running one epoch of a fresh numpygrad model (call it once)."""
    steps = numpygrad_epoch_maker(limit)()  # model and optimizer built now, trained when called
    return lambda: _whole(steps)


def torch_epoch_fn(torch: Any, limit: int | None) -> Any:
    """A function running one epoch of a fresh torch model (call it once)."""
    steps = torch_epoch_maker(torch, limit)()  # model and optimizer built now
    return lambda: _whole(steps)


def build_makers(settings: Settings, limit: int | None) -> dict[str, Any]:
    makers = {"numpy": numpy_epoch_maker(limit), "numpygrad": numpygrad_epoch_maker(limit)}
    torch = get_torch(settings)
    if torch is not None:
        makers["torch"] = torch_epoch_maker(torch, limit)
    return makers


def build(settings: Settings, limit: int | None) -> dict[str, Any]:
    """Functions each running one whole epoch of a fresh model (first losses returned)."""
    return {k: (lambda make=make: _whole(make()))
            for k, make in build_makers(settings, limit).items()}


def interleaved_epoch(epochs: dict[str, Iterator[Any]], chunk: int = CHUNK
                      ) -> tuple[dict[str, float], dict[str, list[float]]]:
    """Run the variants' epochs to the end, ``chunk`` steps of each in turn.

    Returns each variant's total time and first ``RECORD`` losses. The machine's
    speed drifts by several percent over a second; in chunks of a few tens of
    milliseconds every variant sees the same drift.
    """
    totals = dict.fromkeys(epochs, 0.0)
    first: dict[str, list[float]] = {k: [] for k in epochs}
    live = dict(epochs)
    while live:
        for name in list(live):
            steps, losses = live[name], first[name]
            t0 = time.perf_counter()
            done = 0
            for loss in steps:
                if len(losses) < RECORD:
                    losses.append(loss)
                done += 1
                if done == chunk:
                    break
            totals[name] += time.perf_counter() - t0
            if done < chunk:
                del live[name]
    return totals, {k: [to_float(v) for v in ls] for k, ls in first.items()}


def run(settings: Settings) -> tuple[list[Row], list[str]]:
    limit = 4096 if settings.quick else None
    rounds = settings.rounds(full=5, quick=1)
    makers = build_makers(settings, limit)
    times: dict[str, list[float]] = {k: [] for k in makers}
    for r in range(rounds):
        # Every round trains a fresh model from the same weights on the same batches:
        # each timed epoch is the same work. Continuing training instead would let
        # Adam's subnormal moments build up, and they slow each variant's updates by
        # a different amount as their float trajectories drift apart.
        epochs = {k: make() for k, make in makers.items()}
        # NumPy and numpygrad share OpenBLAS's threads and interleave finely. torch's
        # own thread pool would fight OpenBLAS's for the two cores at every switch
        # (at 2 threads its epoch took 2.5 s interleaved against 1 s alone, and the
        # NumPy chunks after it slowed down), so torch trains its epoch in one piece,
        # after a pause that lets OpenBLAS's idle threads stop spinning (settle_time).
        torch_steps = epochs.pop("torch", None)
        totals, first = interleaved_epoch(epochs)
        if torch_steps is not None:
            time.sleep(settle_time(settings))
            t0 = time.perf_counter()
            first["torch"] = _whole(torch_steps)
            totals["torch"] = time.perf_counter() - t0
            time.sleep(settle_time(settings))
        for name, t in totals.items():
            times[name].append(t)
        if r == 0:
            check_losses("MNIST epoch", first)
    values = {k: median(times.get(k, [])) for k in ("numpy", "numpygrad", "torch")}
    if values["numpy"] is None or values["numpygrad"] is None:
        raise CaseError("MNIST epoch: missing measurements")
    met = values["numpygrad"] / values["numpy"] <= 1.10
    n = limit or 60000
    label = "MNIST epoch Adam bs128" + (f" ({n} images)" if limit else "")
    note = (f"{rounds} epoch(s) each, each from the same initial weights; numpy and "
            f"numpygrad interleaved {CHUNK} steps at a time"
            + ("" if mnist_available() else "; synthetic data"))
    rows = [Row(label, "time", values, target="<=1.10x numpy", met=met, note=note)]
    profiles = []
    if settings.profile:
        profiles.append(profile_call(numpygrad_epoch_fn(4096), 1, settings.profile_top,
                                     "numpygrad MNIST epoch (4096 images)"))
    return rows, profiles
