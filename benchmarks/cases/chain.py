"""Small-op overhead: a chain of 200 ops on (16, 16) float32 arrays, forward + backward.

The ops cycle ``h*a, h+b, tanh(h), h*h`` (a, b constants; ``h*h`` sends two
gradients into one node), then ``sum`` and backward to the input. The time is
reported per op: (forward + backward of the chain) / 200.

Besides NumPy alone (the baseline) and PyTorch, the same chain runs through
``benchmarks/minimal_autograd.py``, the least an autograd written in Python can
do (an object per result and node, no checks at all): its time, in the row's
note, is the floor of Python overhead on the machine at hand.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from benchmarks import baseline_numpy as bn
from benchmarks import minimal_autograd
from benchmarks.common import (
    CaseError,
    Row,
    Settings,
    assert_close,
    get_torch,
    interleave,
    medians,
    profile_call,
    spread,
)

N_OPS = 200
SHAPE = (16, 16)


def inputs(shape: tuple[int, ...] = SHAPE, seed: int = 0) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, shape).astype(np.float32)
    a = rng.uniform(0.5, 1.5, shape).astype(np.float32)
    b = rng.uniform(-0.5, 0.5, shape).astype(np.float32)
    return x, a, b


def numpy_fn(x: np.ndarray, a: np.ndarray, b: np.ndarray, n_ops: int = N_OPS) -> Any:
    return lambda: bn.chain(x, a, b, n_ops)


def forward(h: Any, a: Any, b: Any, tanh: Any, n_ops: int) -> Any:
    """The chain's ops on ``h`` (any framework's array, with its ``tanh``)."""
    for i in range(n_ops):
        k = i & 3
        if k == 0:
            h = h * a
        elif k == 1:
            h = h + b
        elif k == 2:
            h = tanh(h)
        else:
            h = h * h
    return h


def numpygrad_fn(x: np.ndarray, a: np.ndarray, b: np.ndarray, n_ops: int = N_OPS) -> Any:
    import numpygrad as npg

    xt = npg.array(x, requires_grad=True)
    at, bt = npg.array(a), npg.array(b)

    def run() -> tuple[Any, Any]:
        xt.grad = None
        loss = forward(xt, at, bt, npg.tanh, n_ops).sum()
        loss.backward()
        return loss, xt.grad

    return run


def torch_fn(torch: Any, x: np.ndarray, a: np.ndarray, b: np.ndarray, n_ops: int = N_OPS) -> Any:
    xt = torch.tensor(x, requires_grad=True)
    at, bt = torch.tensor(a), torch.tensor(b)

    def run() -> tuple[Any, Any]:
        xt.grad = None
        loss = forward(xt, at, bt, torch.tanh, n_ops).sum()
        loss.backward()
        return loss, xt.grad

    return run


def minimal_fn(x: np.ndarray, a: np.ndarray, b: np.ndarray, n_ops: int = N_OPS) -> Any:
    ma = minimal_autograd
    xv, av, bv = ma.Var(x), ma.Var(a), ma.Var(b)

    def run() -> tuple[Any, Any]:
        xv.grad = None
        loss = ma.Sum()(forward(xv, av, bv, lambda h: ma.Tanh()(h), n_ops))
        ma.backward(loss)
        return loss.data, xv.grad

    return run


def _np(v: Any) -> np.ndarray:
    if hasattr(v, "detach"):
        return v.detach().numpy()
    return np.asarray(v.data if hasattr(v, "data") and not isinstance(v, np.ndarray) else v)


def build(settings: Settings, shape: tuple[int, ...] = SHAPE, n_ops: int = N_OPS
          ) -> dict[str, Any]:
    x, a, b = inputs(shape)
    fns = {"numpy": numpy_fn(x, a, b, n_ops), "numpygrad": numpygrad_fn(x, a, b, n_ops),
           "minimal": minimal_fn(x, a, b, n_ops)}
    torch = get_torch(settings)
    if torch is not None:
        fns["torch"] = torch_fn(torch, x, a, b, n_ops)
    return fns


def check(fns: dict[str, Any]) -> None:
    """Loss and input gradient of every variant must match the NumPy baseline's."""
    ref_loss, ref_grad = fns["numpy"]()
    for name, fn in fns.items():
        if name == "numpy":
            continue
        loss, grad = fn()
        assert_close("op chain", float(_np(loss)), ref_loss, f"loss of {name} and of numpy")
        g = _np(grad)
        if g.shape != ref_grad.shape or not np.allclose(g, ref_grad, rtol=1e-4, atol=1e-6):
            err = np.max(np.abs(g - ref_grad)) if g.shape == ref_grad.shape else g.shape
            raise CaseError(f"op chain: input gradient of {name} differs from numpy's "
                            f"(max abs difference {err})")


#: NumPy's own time per op on this chain on the machine the issue's targets were
#: measured on (issue 5: "NumPy alone 1.1 us").
ISSUE_NUMPY_PER_OP = 1.1e-6


def _machine_note(numpy_per_op: float | None) -> str:
    """How much slower this machine runs the NumPy chain than the issue's did."""
    if not numpy_per_op:
        return ""
    factor = numpy_per_op / ISSUE_NUMPY_PER_OP
    return (f"this machine runs the NumPy chain {factor:.2f}x as slow as the issue's "
            f"(5 us there ~ {5 * factor:.1f} us here)")


def run(settings: Settings) -> tuple[list[Row], list[str]]:
    fns = build(settings)
    check(fns)
    rounds = settings.rounds(full=30, quick=3)
    per_round = 3 if settings.quick else 10
    times = interleave(fns, rounds, per_round, warmup=2)
    med = medians(times)
    values = {k: (med[k] / N_OPS if med.get(k) is not None else None)
              for k in ("numpy", "numpygrad", "torch")}
    met = values["numpygrad"] <= 5e-6
    floor = med["minimal"] / N_OPS
    rows = [Row(f"{N_OPS}-op chain (16x16), per op fwd+bwd", "time", values,
                target="<=5 us per op", met=met,
                note=f"whole chain: npg {med['numpygrad'] * 1e3:.2f} ms "
                     f"{spread(times['numpygrad'])}; a minimal check-free autograd "
                     f"{floor * 1e6:.2f} us per op ({floor / values['numpy']:.2f}x numpy, "
                     f"npg {values['numpygrad'] / floor:.2f}x it); "
                     f"{_machine_note(values['numpy'])}",
                extra={"minimal_per_op": floor})]
    profiles = []
    if settings.profile:
        profiles.append(profile_call(fns["numpygrad"], 50 if not settings.quick else 10,
                                     settings.profile_top, "numpygrad 200-op chain"))
    return rows, profiles
