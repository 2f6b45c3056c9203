"""Shared test helpers: Hypothesis strategies, gradient checks, PyTorch comparison.

Usage in a test module::

    from tests.helpers import arrays, broadcastable_pair, check_op, torch_or_skip
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pytest
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import numpygrad as npg
from numpygrad.testing import gradcheck, gradgradcheck

try:  # PyTorch is an optional oracle.
    import torch
except ImportError:  # pragma: no cover - depends on the environment
    torch = None


def torch_or_skip() -> Any:
    """Return the torch module or skip the calling test."""
    if torch is None:
        pytest.skip("PyTorch is not installed")
    return torch


# -- strategies ---------------------------------------------------------------------------
def shapes(min_dims: int = 0, max_dims: int = 3, min_side: int = 0, max_side: int = 4):
    """Array shapes including 0-d, size-1 and empty ones."""
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side,
                            max_side=max_side)


def arrays(shape=None, low: float = -3.0, high: float = 3.0, dtype=np.float64,
           avoid: Sequence[float] = (), margin: float = 1e-2):
    """Float arrays drawn by Hypothesis (so failures shrink), values in [low, high].

    ``avoid`` lists kinks/poles to keep at least ``margin`` away from.
    """
    shape = shapes() if shape is None else shape
    elements = st.floats(low, high, allow_nan=False, allow_infinity=False, width=64)
    if avoid:
        elements = elements.filter(lambda v: all(abs(v - a) > margin for a in avoid))
    return hnp.arrays(dtype, shape, elements=elements)


def broadcastable_pair(min_dims: int = 0, max_dims: int = 3, min_side: int = 0,
                       max_side: int = 4):
    """Two shapes that broadcast together (including leading and size-1 axes)."""
    return hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=min_dims, max_dims=max_dims,
                                             min_side=min_side, max_side=max_side).map(
        lambda r: r.input_shapes)


# -- checks -------------------------------------------------------------------------------
def leaf(values: Any, dtype: Any = np.float64) -> npg.Array:
    """A float leaf that requires grad."""
    return npg.array(np.asarray(values, dtype=dtype), requires_grad=True)


def check_op(fn: Callable[..., npg.Array], *values: Any, second_order: bool = True,
             seed: int = 0) -> None:
    """gradcheck (and gradgradcheck) ``fn`` at float64 ``values``.

    Also checks that the inputs and a random upstream gradient are not mutated
    and that the resulting ``.grad`` arrays do not alias the upstream gradient.
    """
    xs = [leaf(v) for v in values]
    before = [x.data.copy() for x in xs]
    # (first order and, where backward can be recorded, create_graph=True: an op's
    # backward_data and backward must both match the finite differences)
    assert gradcheck(fn, xs, check_recorded=second_order)
    if second_order:
        assert gradgradcheck(fn, xs)
    # Invariants with a random (not all-ones) upstream gradient.
    out = fn(*xs)
    rng = np.random.default_rng(seed)
    up = rng.standard_normal(out.shape)
    up_copy = up.copy()
    out.backward(up)
    np.testing.assert_array_equal(up, up_copy)
    for x, b in zip(xs, before):
        np.testing.assert_array_equal(x.data, b)
        if x.grad is not None:
            assert x.grad.shape == x.shape
            assert x.grad.dtype == x.dtype
            assert not np.shares_memory(x.grad.data, up)


def compare_torch(np_fn: Callable[..., npg.Array], torch_fn: Callable[..., Any],
                  *values: Any, dtype: Any = np.float64, rtol: float | None = None,
                  atol: float | None = None, seed: int = 0) -> None:
    """Compare values, shapes, dtypes and gradients with PyTorch (skips without torch)."""
    t = torch_or_skip()
    tol = {np.float64: (1e-10, 1e-12), np.float32: (1e-4, 1e-5)}[np.dtype(dtype).type]
    rtol = tol[0] if rtol is None else rtol
    atol = tol[1] if atol is None else atol
    xs = [npg.array(np.asarray(v, dtype=dtype), requires_grad=True) for v in values]
    ts = [t.tensor(np.asarray(v, dtype=dtype), requires_grad=True) for v in values]
    out = np_fn(*xs)
    tout = torch_fn(*ts)
    assert out.shape == tuple(tout.shape), (out.shape, tuple(tout.shape))
    assert str(out.dtype) == str(tout.dtype).replace("torch.", ""), (out.dtype, tout.dtype)
    np.testing.assert_allclose(out.data, tout.detach().numpy(), rtol=rtol, atol=atol)
    up = np.random.default_rng(seed).standard_normal(out.shape).astype(dtype)
    out.backward(up)
    tout.backward(t.tensor(up))
    for x, tx in zip(xs, ts):
        if tx.grad is None:
            assert x.grad is None or not np.any(x.grad.data)
            continue
        np.testing.assert_allclose(x.grad.data, tx.grad.numpy(), rtol=rtol, atol=atol)
