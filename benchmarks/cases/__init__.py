"""Benchmark cases. Each module's ``run(settings)`` returns (rows, profile texts)."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

#: case name -> (module, function); run in this order.
CASES: dict[str, tuple[str, str]] = {
    "mlp": ("mlp_step", "run"),
    "epoch": ("epoch", "run"),
    "chain": ("chain", "run"),
    "higher": ("higher_order", "run"),
    "lenet": ("lenet", "run"),
    "memory": ("memory", "run_peak"),
    "growth": ("memory", "run_growth"),
}


def get(name: str) -> Callable[[Any], Any]:
    module, func = CASES[name]
    return getattr(importlib.import_module(f"benchmarks.cases.{module}"), func)
