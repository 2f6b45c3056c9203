"""numpygrad._quiet: the decorator that silences NumPy's floating-point warnings."""

from __future__ import annotations

import threading
import warnings

import numpy as np
import pytest

import numpygrad as npg
from numpygrad import _quiet


def _inverse(x):
    return 1 / x


@pytest.mark.parametrize("numpy2", [True, False])
def test_silences_only_inside_the_call(numpy2, monkeypatch):
    # False: the fallback for NumPy 1.x, whose errstate decorator is not thread-safe.
    monkeypatch.setattr(_quiet, "_THREAD_SAFE_DECORATOR", numpy2)
    quiet_inverse = _quiet.quiet(divide="ignore")(_inverse)
    assert quiet_inverse.__name__ == "_inverse"
    zero = np.array([0.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_array_equal(quiet_inverse(zero), [np.inf])
        with pytest.raises(RuntimeWarning, match="divide by zero"):
            _inverse(zero)  # the state is restored after the call
    with np.errstate(divide="raise"):
        assert np.isinf(quiet_inverse(zero)).all()
        with pytest.raises(FloatingPointError):
            _inverse(zero)


@pytest.mark.parametrize("numpy2", [True, False])
def test_restores_the_state_when_the_function_raises(numpy2, monkeypatch):
    monkeypatch.setattr(_quiet, "_THREAD_SAFE_DECORATOR", numpy2)

    @_quiet.quiet(all="ignore")
    def fails():
        raise ValueError("bad")

    before = np.geterr()
    with pytest.raises(ValueError, match="bad"):
        fails()
    assert np.geterr() == before


@pytest.mark.parametrize("numpy2", [True, False])
def test_concurrent_calls_leave_each_thread_its_own_state(numpy2, monkeypatch):
    monkeypatch.setattr(_quiet, "_THREAD_SAFE_DECORATOR", numpy2)
    barrier = threading.Barrier(2)

    @_quiet.quiet(divide="ignore")
    def wait_then_divide(x):
        barrier.wait(timeout=10)
        return 1 / x

    states = {}

    def run(name, setting):
        with np.errstate(divide=setting):
            wait_then_divide(np.array([0.0]))
            states[name] = np.geterr()["divide"]

    threads = [threading.Thread(target=run, args=(n, s))
               for n, s in (("a", "raise"), ("b", "warn"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert states == {"a": "raise", "b": "warn"}


@pytest.mark.parametrize("op, value", [
    (npg.exp, 100.0), (npg.expm1, 100.0), (npg.log, 0.0), (npg.log1p, -1.0),
    (npg.sqrt, -1.0), (npg.reciprocal, 0.0), (npg.sin, np.inf), (npg.cos, np.inf),
    (npg.tan, np.inf), (npg.sigmoid, -100.0), (lambda x: 1.0 / x, 0.0),
    (lambda x: x ** -1.5, 0.0),
])
def test_ops_give_their_special_values_silently(op, value):
    x = npg.array([value], dtype=np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        op(x)
