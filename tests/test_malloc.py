"""numpygrad._malloc: glibc keeps freed memory, so training steps stop faulting it in."""

from __future__ import annotations

import ctypes
import os
import subprocess
import sys
import textwrap

import pytest

from numpygrad import _malloc

ENV = "NUMPYGRAD_MALLOC_TRIM_THRESHOLD"


def _glibc() -> bool:
    try:
        return hasattr(ctypes.CDLL(None), "gnu_get_libc_version")
    except (OSError, TypeError):
        return False


@pytest.mark.parametrize("environ, expected", [
    ({}, _malloc.DEFAULT_TRIM_THRESHOLD),
    ({ENV: "0"}, 0),
    ({ENV: "1048576"}, 1 << 20),
    ({ENV: " 4096 "}, 4096),
    # The user tuned glibc's allocator: numpygrad leaves it alone...
    ({"MALLOC_ARENA_MAX_": "2"}, 0),
    ({"MALLOC_TRIM_THRESHOLD_": "131072"}, 0),
    ({"GLIBC_TUNABLES": "glibc.malloc.trim_threshold=131072"}, 0),
    # ...unless asked explicitly.
    ({"MALLOC_TRIM_THRESHOLD_": "131072", ENV: "8192"}, 8192),
    # Unrelated settings change nothing.
    ({"GLIBC_TUNABLES": "glibc.pthread.rseq=0", "MALLOC": "x"}, _malloc.DEFAULT_TRIM_THRESHOLD),
])
def test_requested_threshold(environ, expected):
    assert _malloc._requested_threshold(environ) == expected


@pytest.mark.parametrize("value", ["64MB", "1.5", "", "-1", str(1 << 31)])
def test_bad_setting_names_the_variable_and_value(value):
    with pytest.raises(ValueError, match=ENV) as info:
        _malloc._requested_threshold({ENV: value})
    assert repr(value) in str(info.value) or value.strip() in str(info.value)


_STEPS = textwrap.dedent("""
    import resource, sys
    import numpy as np
    import numpygrad as npg
    from numpygrad import nn, optim
    import numpygrad.nn.functional as F
    from numpygrad import _malloc

    npg.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 6, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(6, 16, 5),
                          nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(256, 10))
    opt = optim.SGD(model.parameters(), lr=0.01)
    rng = np.random.default_rng(0)
    x = npg.array(rng.standard_normal((64, 1, 28, 28)).astype(np.float32))
    y = npg.array(rng.integers(0, 10, 64))

    def step():
        loss = F.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()

    for _ in range(10):
        step()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(20):
        step()
    faults = (resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / 20
    print(_malloc.keep_freed_memory(), faults)
""")


def _run_steps(**env: str) -> tuple[int, float]:
    environ = {k: v for k, v in os.environ.items()
               if not (k.startswith("MALLOC_") or k in (ENV, "GLIBC_TUNABLES"))}
    out = subprocess.run([sys.executable, "-c", _STEPS], env={**environ, **env},
                         capture_output=True, text=True, check=True, timeout=300)
    applied, faults = out.stdout.split()
    return int(applied), float(faults)


@pytest.mark.skipif(not sys.platform.startswith("linux") or not _glibc(), reason="glibc only")
def test_a_convolutional_training_step_stops_faulting_in_its_memory():
    # A fresh process: the heap's history decides whether glibc trims it.
    applied, faults = _run_steps()
    assert applied == _malloc.DEFAULT_TRIM_THRESHOLD
    assert faults < 50, f"{faults} page faults per step"


@pytest.mark.skipif(not sys.platform.startswith("linux") or not _glibc(), reason="glibc only")
def test_turned_off_it_leaves_the_allocator_alone():
    applied, _ = _run_steps(**{ENV: "0"})
    assert applied == 0
