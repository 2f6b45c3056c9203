"""Shared test configuration: Hypothesis profiles and global-state guards."""

from __future__ import annotations

import os

import numpy as np
import pytest
from hypothesis import HealthCheck, settings

import numpygrad as npg

settings.register_profile(
    "default", deadline=None, max_examples=40,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "ci", deadline=None, max_examples=40, derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "intense", deadline=None, max_examples=1000,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else
                                     "default"))


@pytest.fixture(autouse=True)
def _guard_global_state():
    """Fail a test that leaves grad mode off or the default dtype changed."""
    yield
    leaked = []
    if not npg.is_grad_enabled():
        leaked.append("grad mode left disabled")
        npg.set_grad_enabled(True)
    if npg.get_default_dtype() != np.float32:
        leaked.append(f"default dtype left at {npg.get_default_dtype()}")
        npg.set_default_dtype(np.float32)
    assert not leaked, "; ".join(leaked)
