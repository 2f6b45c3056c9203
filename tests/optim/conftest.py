"""Fixtures choosing how optimizers do their vector updates: BLAS kernels or NumPy passes."""

from __future__ import annotations

import pytest

from numpygrad.optim import _blas


@pytest.fixture
def numpy_passes(monkeypatch):
    """Optimizers run their NumPy passes only, as without a usable BLAS."""
    monkeypatch.setattr(_blas, "_kernels", None)
    monkeypatch.setattr(_blas, "_loaded", True)


@pytest.fixture
def blas_passes():
    """Optimizers may use NumPy's BLAS; skipped where this NumPy has none numpygrad can use."""
    if not _blas.available():
        pytest.skip("no usable BLAS in this NumPy build (the NumPy passes are tested instead)")
