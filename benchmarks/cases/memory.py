"""Memory: peak RSS of an MNIST epoch, and growth over 1000 training steps.

Each variant runs in its own fresh subprocess (``python -m
benchmarks.cases.memory peak|growth VARIANT``) that imports only what the
variant needs, so the numbers are not polluted by the other variants or by
this process.

peak
    Loads MNIST the variant's own way, trains one epoch (784-256-128-10, Adam,
    bs128) and reports the peak RSS of the whole process (``VmHWM``, which is
    ``ru_maxrss`` of this process alone: Linux carries ``ru_maxrss`` over
    fork + exec from the parent), and also the rise during the epoch alone (Linux: the peak is
    reset through ``/proc/self/clear_refs`` after loading, then ``VmHWM`` is
    read at the end).
growth
    Warm-up 100 Adam steps (bs32), then ``tracemalloc`` is started and the
    cyclic garbage collector is switched off; after N more steps (1000, 100
    with ``--quick``) it reports the traced memory still held, the RSS change,
    the change in the number of live GC-tracked objects (both measured from the
    end of 300 traced settling steps), and how many objects
    ``gc.collect()`` then finds unreachable (cycles the steps left behind).
    Everything that is still allocated should be what existed before: graphs
    freed by reference counting, optimizer state allocated once.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import subprocess
import sys
from typing import Any

from benchmarks.common import REPO, Row, Settings, get_torch, rss_bytes

WARMUP_STEPS = 100


def _maxrss() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _hwm() -> int | None:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def _reset_peak() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


# ----------------------------------------------------------------------------- workers
def worker_peak(variant: str, limit: int | None) -> dict[str, Any]:
    from benchmarks.cases import epoch

    settings = Settings()
    if variant == "numpygrad":
        import numpygrad.data.datasets  # noqa: F401  (imports first: measured separately)
        import numpygrad.nn.functional  # noqa: F401
        import numpygrad.optim  # noqa: F401
    elif variant == "torch":
        get_torch(settings)
    rss_import = rss_bytes()
    if variant == "numpy":
        fn = epoch.numpy_epoch_fn(limit)
    elif variant == "numpygrad":
        fn = epoch.numpygrad_epoch_fn(limit)
    elif variant == "torch":
        torch = get_torch(settings)
        if torch is None:
            raise RuntimeError("torch is not installed")
        fn = epoch.torch_epoch_fn(torch, limit)
    else:
        raise ValueError(variant)
    gc.collect()
    # VmHWM, not ru_maxrss: Linux carries ru_maxrss over fork + exec, so a worker
    # started by a big process would report its parent's size.
    peak_load = _hwm() or _maxrss()
    rss_before = rss_bytes()
    reset = _reset_peak()
    fn()
    peak_epoch = _hwm() if reset else None
    peak = max(peak_load, peak_epoch or 0) if peak_epoch is not None else _maxrss()
    return {"peak": peak, "rss_import": rss_import, "rss_before_epoch": rss_before,
            "epoch_rise": None if peak_epoch is None else peak_epoch - rss_before}


def worker_growth(variant: str, steps: int, settle: int = 300) -> dict[str, Any]:
    import tracemalloc

    from benchmarks.cases import mlp_step
    from benchmarks.common import mlp_weights, mnist_batches

    xs, ys = mnist_batches(32, 16)
    params = mlp_weights(mlp_step.SIZES)
    if variant == "numpy":
        stepper = mlp_step.Stepper(xs, ys, mlp_step.numpy_variant(params, "adam", 1e-3)[1])
    elif variant == "numpygrad":
        import numpygrad as npg

        stepper = mlp_step.Stepper([npg.asarray(x) for x in xs], [npg.asarray(y) for y in ys],
                                   mlp_step.numpygrad_variant(params, "adam", 1e-3)[1])
    elif variant == "torch":
        torch = get_torch(Settings())
        if torch is None:
            raise RuntimeError("torch is not installed")
        stepper = mlp_step.Stepper([torch.from_numpy(x) for x in xs],
                                   [torch.from_numpy(y) for y in ys],
                                   mlp_step.torch_variant(torch, params, "adam", 1e-3)[1])
    else:
        raise ValueError(variant)
    for _ in range(WARMUP_STEPS):
        stepper()
    gc.collect()
    gc.disable()
    try:
        tracemalloc.start()
        # Let the interpreter's free lists and caches fill up under tracing first: what
        # they hold stops growing after a few hundred steps and is not a leak.
        for _ in range(settle):
            stepper()
        objects0 = len(gc.get_objects())
        rss0 = rss_bytes()
        traced0 = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        for _ in range(steps):
            stepper()
        traced1, traced_peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        rss1 = rss_bytes()
        objects1 = len(gc.get_objects())
        garbage = gc.collect()
    finally:
        gc.enable()
    return {"traced": traced1 - traced0, "traced_peak": traced_peak - traced0,
            "rss": rss1 - rss0, "objects": objects1 - objects0, "cyclic_garbage": garbage,
            "steps": steps}


def _spawn(kind: str, variant: str, arg: int | None) -> dict[str, Any]:
    cmd = [sys.executable, "-m", "benchmarks.cases.memory", kind, variant]
    if arg is not None:
        cmd += ["--arg", str(arg)]
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    proc = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"memory worker {kind} {variant} failed:\n{proc.stderr[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _variants(settings: Settings) -> list[str]:
    out = ["numpy", "numpygrad"]
    if get_torch(settings) is not None:
        out.append("torch")
    return out


# ----------------------------------------------------------------------------- cases
def run_peak(settings: Settings) -> tuple[list[Row], list[str]]:
    limit = 4096 if settings.quick else None
    res = {v: _spawn("peak", v, limit) for v in _variants(settings)}
    what = "MNIST epoch" + (f" ({limit} images)" if limit else "")

    def row(key: str, label: str, note: str) -> Row:
        values = {v: (res[v][key] if v in res else None) for v in ("numpy", "numpygrad", "torch")}
        met = None
        if values["numpygrad"] is not None and values["numpy"] is not None:
            met = values["numpygrad"] - values["numpy"] <= 10 * (1 << 20)
        return Row(label, "mem", values, target="<=+10 MB vs numpy", met=met, note=note)

    rows = [row("peak", f"peak RSS, {what}", "whole process (VmHWM): imports, loading, epoch")]
    rows.append(row("rss_import", "RSS after imports", "numpy + the variant's package"))
    rows[-1].target, rows[-1].met = "(part of the peak)", None
    if all(res[v]["epoch_rise"] is not None for v in res):
        rows.append(row("epoch_rise", f"RSS rise during the {what.split(' (')[0]}",
                        "peak during the epoch minus RSS after loading"))
    return rows, []


def run_growth(settings: Settings) -> tuple[list[Row], list[str]]:
    steps = 100 if settings.quick else 1000
    res = {v: _spawn("growth", v, steps) for v in _variants(settings)}

    def values(key: str) -> dict[str, float | None]:
        return {v: (res[v][key] if v in res else None) for v in ("numpy", "numpygrad", "torch")}

    npg = res["numpygrad"]
    cyc = ", ".join(f"{v} {res[v]['cyclic_garbage']}" for v in res)
    objs = ", ".join(f"{v} {res[v]['objects']:+d}" for v in res)
    traced_ok = npg["traced"] < 64 * 1024 and npg["cyclic_garbage"] == 0
    rows = [
        Row(f"growth over {steps} steps (tracemalloc, gc off)", "mem", values("traced"),
            target="~0 (<64 KB), no cycles", met=traced_ok,
            note=f"cyclic garbage found after: {cyc}; live objects: {objs}"),
        Row(f"growth over {steps} steps (RSS)", "mem", values("rss"),
            target="~0 (<1 MB)", met=npg["rss"] < (1 << 20),
            note="torch's tensors are invisible to tracemalloc"),
    ]
    return rows, []


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description="memory worker (run by benchmarks/run.py)")
    p.add_argument("kind", choices=("peak", "growth"))
    p.add_argument("variant", choices=("numpy", "numpygrad", "torch"))
    p.add_argument("--arg", type=int, default=None, help="peak: image limit; growth: steps")
    args = p.parse_args(argv)
    if args.kind == "peak":
        out = worker_peak(args.variant, args.arg)
    else:
        steps = args.arg or 1000
        out = worker_growth(args.variant, steps)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
