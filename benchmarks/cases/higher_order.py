"""What support for higher-order gradients costs a first-order training step.

numpygrad writes every backward formula with numpygrad ops (``backward``), so
that ``create_graph=True`` can differentiate it again; the hot ops also define
the same formula on raw ndarrays (``backward_data``), which an ordinary
``backward()`` runs instead. The first-order path could pay for the
higher-order machinery only through two things, both measured here on the MLP
step (784-256-128-10, bs128, the same model as the MLP case):

* nodes recorded during a first-order backward: must be 0 (a node recorded
  there would be graph-building work nobody asked for). Counted with the
  engine's node sequence counter;
* grad-mode branches: every ``_grad_enabled.get()`` executed during the
  backward is counted (through a counting stand-in for the context variable,
  installed for one backward only; none since the ops have ``backward_data``),
  then multiplied by the measured cost of one call. That total, as a share
  of the backward's median time, is the machinery's cost; the target is under
  1 %, well below the run-to-run noise (a few %), i.e. nothing measurable.

For scale the row also shows the same backward with ``create_graph=True``
(what the machinery costs when it is used) and torch's first-order backward.
"""

from __future__ import annotations

import sys
import timeit
from typing import Any

from benchmarks.cases.mlp_step import SIZES, torch_variant
from benchmarks.common import (
    Row,
    Settings,
    get_torch,
    interleave,
    medians,
    mlp_weights,
    mnist_batches,
    settle_time,
    spread,
)

BATCH = 128


class _CountingVar:
    """Stands in for the grad-mode ContextVar and counts ``get`` calls."""

    def __init__(self, var: Any) -> None:
        self.var, self.gets = var, 0

    def get(self, *default: Any) -> Any:
        self.gets += 1
        return self.var.get(*default)

    def set(self, value: Any) -> Any:
        return self.var.set(value)

    def reset(self, token: Any) -> None:
        self.var.reset(token)


def count_grad_mode_checks(fn: Any) -> int:
    """How many times ``fn()`` reads the grad mode (every numpygrad module's reference)."""
    from numpygrad.autograd import grad_mode

    real = grad_mode._grad_enabled
    counter = _CountingVar(real)
    patched = [m for name, m in list(sys.modules.items())
               if name.startswith("numpygrad") and getattr(m, "_grad_enabled", None) is real]
    for m in patched:
        m._grad_enabled = counter
    try:
        fn()
    finally:
        for m in patched:
            m._grad_enabled = real
    return counter.gets


def nodes_recorded(fn: Any) -> int:
    """How many graph nodes ``fn()`` records (from the engine's sequence counter)."""
    from numpygrad.autograd import function

    before = next(function._sequence)
    fn()
    return next(function._sequence) - before - 1


def _numpygrad_backward(params: list[Any], x: Any, y: Any, create_graph: bool) -> Any:
    """``(forward, backward)`` for a fresh MLP: ``forward()`` clears the grads and returns the
    loss, ``backward(loss)`` runs one backward with ``create_graph`` as given."""
    import numpygrad.nn.functional as F
    from benchmarks.common import load_params_npg
    from numpygrad import nn

    model = nn.MLP(list(SIZES))
    load_params_npg(list(model.parameters()), params)
    plist = list(model.parameters())

    def forward() -> Any:
        for p in plist:
            p.grad = None
        return F.cross_entropy(model(x), y)

    return forward, lambda loss: loss.backward(create_graph=create_graph)


def _timed_backward(forward: Any, backward: Any) -> Any:
    """``run()`` does a forward (not timed) and returns the backward's duration."""
    import time

    def run() -> float:
        loss = forward()
        t0 = time.perf_counter()
        backward(loss)
        return time.perf_counter() - t0

    return run


def run(settings: Settings) -> tuple[list[Row], list[str]]:
    import numpygrad as npg
    from numpygrad.autograd.grad_mode import _grad_enabled

    xs, ys = mnist_batches(BATCH, 1)
    params = mlp_weights(SIZES)
    x, y = npg.asarray(xs[0]), npg.asarray(ys[0])
    fwd1, bwd1 = _numpygrad_backward(params, x, y, create_graph=False)
    fwd2, bwd2 = _numpygrad_backward(params, x, y, create_graph=True)

    loss = fwd1()
    recorded = nodes_recorded(lambda: bwd1(loss))
    loss = fwd1()
    checks = count_grad_mode_checks(lambda: bwd1(loss))
    number = 200_000
    per_check = min(timeit.repeat(_grad_enabled.get, number=number, repeat=5)) / number

    timers = {"first order": _timed_backward(fwd1, bwd1),
              "create_graph": _timed_backward(fwd2, bwd2)}
    torch = get_torch(settings)
    if torch is not None:
        model, _ = torch_variant(torch, params, "sgd", 0.01)
        tx, ty = torch.from_numpy(xs[0]), torch.from_numpy(ys[0])
        ce = torch.nn.functional.cross_entropy

        def torch_forward() -> Any:
            model.zero_grad(set_to_none=True)
            return ce(model(tx), ty)

        timers["torch"] = _timed_backward(torch_forward, lambda loss: loss.backward())
    rounds = settings.rounds(full=30, quick=3)
    per_round = 3 if settings.quick else 10
    for f in timers.values():
        for _ in range(3):
            f()  # warm-up
    durations: dict[str, list[float]] = {k: [] for k in timers}
    # interleave() orders the calls fairly; each call's own backward time is kept.
    interleave({k: (lambda f=f, k=k: durations[k].append(f())) for k, f in timers.items()},
               rounds, per_round, settle=settle_time(settings))
    med = medians(durations)
    first = med["first order"]
    share = checks * per_check / first
    met = recorded == 0 and share < 0.01
    values = {"numpy": None, "numpygrad": first, "torch": med.get("torch")}
    note = (f"first-order backward records {recorded} nodes; {checks} grad-mode checks x "
            f"{per_check * 1e9:.0f} ns = {checks * per_check * 1e6:.2f} us "
            f"({share * 100:.2f}% of it); with create_graph=True "
            f"{med['create_graph'] * 1e3:.2f} ms; npg {spread(durations['first order'])}")
    rows = [Row(f"higher-order support, MLP bs{BATCH} backward", "time", values,
                target="0 nodes, <1% of backward", met=met, note=note,
                extra={"nodes": recorded, "checks": checks, "per_check_s": per_check,
                       "share": share, "create_graph_s": med["create_graph"]})]
    return rows, []
