"""Shared pieces of the benchmark suite: timing, data, weights, torch detection, results.

Nothing in here imports numpygrad or torch at module level, so the memory
workers can measure a process that imported only what its variant needs.
"""

from __future__ import annotations

import gzip
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
MNIST_DIR = REPO / "data" / "mnist"
DTYPE = np.float32

VARIANTS = ("numpy", "numpygrad", "torch")


# ----------------------------------------------------------------------------- settings
@dataclass
class Settings:
    """What a run of the suite was asked to do (filled from the command line)."""

    quick: bool = False
    repeat: int | None = None       # rounds of interleaving; None = each case's default
    threads: int | None = None      # BLAS / torch threads of this process (None = unset)
    use_torch: bool = True
    profile: bool = False
    profile_top: int = 15

    def rounds(self, full: int, quick: int) -> int:
        if self.repeat is not None:
            return max(1, self.repeat)
        return quick if self.quick else full


# ----------------------------------------------------------------------------- results
@dataclass
class Row:
    """One line of the results table.

    ``kind`` is ``"time"`` (values in seconds, ratios numpygrad / other) or
    ``"mem"`` (values in bytes, differences numpygrad - other).
    ``check`` maps the measured row to (target text, met?) or None.
    """

    case: str
    kind: str
    values: dict[str, float | None]
    target: str = ""
    met: bool | None = None
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def ratio(self, other: str) -> float | None:
        a, b = self.values.get("numpygrad"), self.values.get(other)
        if a is None or b is None:
            return None
        if self.kind == "mem":
            return a - b
        return a / b if b else None

    def to_json(self) -> dict[str, Any]:
        return {"case": self.case, "kind": self.kind, "values": self.values,
                "target": self.target, "met": self.met, "note": self.note, "extra": self.extra}

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Row:
        return cls(d["case"], d["kind"], d["values"], d.get("target", ""), d.get("met"),
                   d.get("note", ""), d.get("extra", {}))


class CaseError(AssertionError):
    """The variants of a case do not compute the same thing."""


def assert_close(name: str, a: float, b: float, what: str, rtol: float = 2e-4,
                 atol: float = 1e-5) -> None:
    """Raise :class:`CaseError` with a readable message unless ``a`` and ``b`` agree."""
    if not np.isfinite(a) or not np.isfinite(b) or abs(a - b) > atol + rtol * abs(b):
        raise CaseError(f"{name}: {what} disagree: {a!r} vs {b!r} (rtol={rtol}, atol={atol}); "
                        "the variants do not compute the same thing, so timing them is "
                        "meaningless")


def to_float(loss: Any) -> float:
    """A loss from any variant (float, numpygrad Array, torch tensor) as a Python float."""
    return float(loss.item()) if hasattr(loss, "item") else float(loss)


def check_losses(case: str, losses: dict[str, list[float]], rtol: float = 2e-4,
                 atol: float = 1e-5) -> None:
    """Every variant's first losses must agree with the NumPy baseline's."""
    ref = losses["numpy"]
    for name, got in losses.items():
        if name == "numpy":
            continue
        if len(got) != len(ref):
            raise CaseError(f"{case}: {name} recorded {len(got)} losses, numpy {len(ref)}")
        for k, (a, b) in enumerate(zip(got, ref)):
            assert_close(case, a, b, f"loss {k} of {name} and of the numpy baseline",
                         rtol=rtol * (1 + 4 * k), atol=atol)


# ----------------------------------------------------------------------------- timing
def settle_time(settings: Settings) -> float:
    """Seconds to pause around torch's turns when BLAS may run on several threads.

    After a BLAS call OpenBLAS's worker threads keep spinning for up to about
    0.1 s, and torch's for a few milliseconds. On a 2-core machine a variant
    timed while the other library's threads spin runs up to twice as slow (a
    torch MLP step right after NumPy's: 2.5 ms; after a 0.2 s pause: 1.2 ms).
    Every variant's turn starts after the same pause, torch or not.
    """
    return 0.0 if settings.threads == 1 else 0.15


def interleave(variants: dict[str, Callable[[], Any]], rounds: int, per_round: int,
               warmup: int = 0, settle: float = 0.0) -> dict[str, list[float]]:
    """Time each callable ``per_round`` times in turn, round-robin, ``rounds`` times.

    A, A, B, B, C, C, A, A, ... so every variant sees the same machine state on
    average and has made the same number of calls at the end of every round
    (fair when the work changes over time, e.g. subnormals building up in Adam).
    With ``settle`` (see :func:`settle_time`) the run pauses that long before
    every turn, so that no library's idle threads compete with another's timed
    calls, and every variant starts its turn after the same pause.
    Returns every call's duration in seconds (warm-up calls are not recorded).
    """
    for _ in range(warmup):
        for fn in variants.values():
            fn()
    times: dict[str, list[float]] = {name: [] for name in variants}
    clock = time.perf_counter
    for _ in range(rounds):
        for name, fn in variants.items():
            if settle:
                time.sleep(settle)
            rec = times[name]
            for _ in range(per_round):
                t0 = clock()
                fn()
                rec.append(clock() - t0)
    return times


def median(xs: list[float]) -> float | None:
    return float(np.median(xs)) if xs else None


def medians(times: dict[str, list[float]]) -> dict[str, float | None]:
    return {name: median(t) for name, t in times.items()}


def spread(xs: list[float]) -> str:
    """Interquartile range relative to the median, e.g. '±4%'."""
    if len(xs) < 4:
        return ""
    q1, q2, q3 = np.percentile(xs, [25, 50, 75])
    return f"±{50 * (q3 - q1) / q2:.0f}%"


def profile_call(fn: Callable[[], Any], calls: int, top: int, title: str) -> str:
    """cProfile ``calls`` calls of ``fn``; the top entries by own time, as text."""
    import cProfile
    import io
    import pstats

    prof = cProfile.Profile()
    prof.enable()
    for _ in range(calls):
        fn()
    prof.disable()
    buf = io.StringIO()
    stats = pstats.Stats(prof, stream=buf)
    stats.strip_dirs().sort_stats("tottime").print_stats(top)
    lines = [ln for ln in buf.getvalue().splitlines() if ln.strip()]
    start = next((i for i, ln in enumerate(lines) if "ncalls" in ln), 0)
    return f"### profile: {title} ({calls} calls, top {top} by own time)\n\n```\n" + \
        "\n".join(lines[max(0, start - 1):]) + "\n```\n"


# ----------------------------------------------------------------------------- torch
_TORCH: Any = False


def get_torch(settings: Settings | None = None) -> Any:
    """The torch module (threads set like NumPy's), or None when absent or disabled."""
    global _TORCH
    if settings is not None and not settings.use_torch:
        return None
    if _TORCH is False:
        try:
            import torch
        except Exception:  # not installed, or broken: the suite runs without it
            _TORCH = None
        else:
            threads = os.environ.get("NPG_BENCH_THREADS")
            if threads:
                torch.set_num_threads(int(threads))
            _TORCH = torch
    return _TORCH


# ----------------------------------------------------------------------------- data
def _read_idx(path: Path) -> np.ndarray:
    with gzip.open(path, "rb") if path.suffix == ".gz" else open(path, "rb") as f:
        raw = f.read()
    ndim = raw[3]
    dims = tuple(int.from_bytes(raw[4 + 4 * k:8 + 4 * k], "big") for k in range(ndim))
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def _find(stem: str) -> Path | None:
    for name in (stem + ".gz", stem):
        if (MNIST_DIR / name).is_file():
            return MNIST_DIR / name
    return None


def mnist_available() -> bool:
    return _find("train-images-idx3-ubyte") is not None and \
        _find("train-labels-idx1-ubyte") is not None


def load_mnist_uint8(limit: int | None = None) -> tuple[np.ndarray, np.ndarray, bool]:
    """MNIST training images (N, 28, 28) uint8 and labels (N,) int64, read-only views.

    Hand-written: gzip + ``np.frombuffer``, no copy. Falls back to seeded random
    data of the same shape when the files are missing (third value False).
    """
    images_path, labels_path = _find("train-images-idx3-ubyte"), _find("train-labels-idx1-ubyte")
    if images_path is None or labels_path is None:
        rng = np.random.default_rng(1234)
        n = limit or 60000
        images = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
        images[:, :4] = 0  # a black border, as in MNIST
        labels = rng.integers(0, 10, size=n).astype(np.int64)
        return images, labels, False
    images = _read_idx(images_path)
    labels = _read_idx(labels_path).astype(np.int64)
    if limit is not None:
        images, labels = images[:limit], labels[:limit]
    return images, labels, True


_BATCH_CACHE: dict[tuple[int, int, int], tuple[list[np.ndarray], list[np.ndarray]]] = {}


def mnist_batches(batch_size: int, count: int, seed: int = 0
                  ) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """``count`` float32 (B, 784) batches in [0, 1] and int64 labels, from a fixed shuffle."""
    key = (batch_size, count, seed)
    if key not in _BATCH_CACHE:
        images, labels, _ = load_mnist_uint8()
        order = np.random.default_rng(seed).permutation(len(labels))
        xs, ys = [], []
        for k in range(count):
            idx = order[(k * batch_size) % (len(order) - batch_size):][:batch_size]
            xs.append(images[idx].reshape(batch_size, -1).astype(DTYPE) / DTYPE(255))
            ys.append(labels[idx].copy())
        _BATCH_CACHE[key] = (xs, ys)
    return _BATCH_CACHE[key]


# ----------------------------------------------------------------------------- weights
def init_linear(rng: np.random.Generator, fan_in: int, fan_out: int
                ) -> tuple[np.ndarray, np.ndarray]:
    """PyTorch's default Linear init, U(-1/sqrt(fan_in), 1/sqrt(fan_in)), layout (out, in)."""
    bound = 1.0 / np.sqrt(fan_in)
    w = rng.uniform(-bound, bound, size=(fan_out, fan_in)).astype(DTYPE)
    b = rng.uniform(-bound, bound, size=fan_out).astype(DTYPE)
    return w, b


def mlp_weights(sizes: tuple[int, ...], seed: int = 0) -> list[np.ndarray]:
    """[W1, b1, W2, b2, ...] in PyTorch's layout, the shared starting point of all variants."""
    rng = np.random.default_rng(seed)
    params: list[np.ndarray] = []
    for a, b in zip(sizes[:-1], sizes[1:]):
        params.extend(init_linear(rng, a, b))
    return params


def load_params_npg(params: list[Any], values: list[np.ndarray]) -> None:
    """Copy ``values`` into numpygrad parameters in place (shapes must match)."""
    for p, v in zip(params, values, strict=True):
        if p.shape != v.shape:
            raise CaseError(f"parameter shape {p.shape} != starting value shape {v.shape}")
        p.data[...] = v


def load_params_torch(params: list[Any], values: list[np.ndarray]) -> None:
    import torch

    with torch.no_grad():
        for p, v in zip(params, values, strict=True):
            if tuple(p.shape) != v.shape:
                raise CaseError(f"parameter shape {tuple(p.shape)} != starting value shape "
                                f"{v.shape}")
            p.copy_(torch.from_numpy(np.ascontiguousarray(v)))


def npg_layer(name: str) -> Any:
    """A numpygrad layer class by name, from ``numpygrad.nn`` or the module defining it."""
    import importlib

    from numpygrad import nn

    cls = getattr(nn, name, None)
    if cls is not None:
        return cls
    for mod in ("activation", "conv", "pooling", "flatten"):
        try:
            m = importlib.import_module(f"numpygrad.nn.{mod}")
        except ImportError:
            continue
        if hasattr(m, name):
            return getattr(m, name)
    raise ImportError(f"numpygrad has no layer {name}")


def rss_bytes() -> int:
    """Current resident set size of this process."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:  # not Linux: fall back to the peak
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def fmt_time(seconds: float | None) -> str:
    if seconds is None:
        return "n/a"
    if seconds >= 1:
        return f"{seconds:.2f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.3g} ms" if seconds < 0.1 else f"{seconds * 1e3:.0f} ms"
    return f"{seconds * 1e6:.3g} us"


def fmt_bytes(n: float | None, signed: bool = False) -> str:
    if n is None:
        return "n/a"
    sign = "+" if signed and n >= 0 else ""
    if abs(n) >= 1 << 20:
        return f"{sign}{n / (1 << 20):.1f} MB"
    return f"{sign}{n / 1024:.0f} KB"
