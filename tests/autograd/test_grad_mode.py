"""Grad mode: no_grad / enable_grad / set_grad_enabled as context managers and decorators,
nesting, exceptions and threads."""

from __future__ import annotations

import threading

import numpy as np
import pytest

import numpygrad as npg


def tracked() -> bool:
    x = npg.array([1.0], requires_grad=True)
    y = x * 2
    assert y.requires_grad == npg.is_grad_enabled()
    return y.grad_fn is not None


def test_enabled_by_default():
    assert npg.is_grad_enabled() and tracked()


def test_no_grad_context():
    with npg.no_grad():
        assert not npg.is_grad_enabled()
        assert not tracked()
    assert npg.is_grad_enabled() and tracked()


def test_enable_grad_inside_no_grad():
    with npg.no_grad():
        with npg.enable_grad():
            assert npg.is_grad_enabled() and tracked()
        assert not npg.is_grad_enabled()
    assert npg.is_grad_enabled()


def test_set_grad_enabled_context():
    with npg.set_grad_enabled(False):
        assert not tracked()
        with npg.set_grad_enabled(True):
            assert tracked()
        assert not npg.is_grad_enabled()
    assert npg.is_grad_enabled()


def test_set_grad_enabled_as_a_function():
    npg.set_grad_enabled(False)
    try:
        assert not npg.is_grad_enabled() and not tracked()
    finally:
        npg.set_grad_enabled(True)
    assert npg.is_grad_enabled()


def test_set_grad_enabled_rejects_non_bool():
    with pytest.raises(TypeError, match="bool"):
        npg.set_grad_enabled(0)
    assert npg.is_grad_enabled()


def test_deep_nesting_restores_each_level():
    modes = []
    with npg.no_grad():
        modes.append(npg.is_grad_enabled())
        with npg.enable_grad():
            modes.append(npg.is_grad_enabled())
            with npg.no_grad():
                modes.append(npg.is_grad_enabled())
                with npg.set_grad_enabled(True):
                    modes.append(npg.is_grad_enabled())
                modes.append(npg.is_grad_enabled())
            modes.append(npg.is_grad_enabled())
        modes.append(npg.is_grad_enabled())
    modes.append(npg.is_grad_enabled())
    assert modes == [False, True, False, True, False, True, False, True]


def test_reusing_one_context_object_re_entrantly():
    ng = npg.no_grad()
    with ng:
        with ng:
            assert not npg.is_grad_enabled()
        assert not npg.is_grad_enabled()
        with npg.enable_grad():
            with ng:
                assert not npg.is_grad_enabled()
            assert npg.is_grad_enabled()
    assert npg.is_grad_enabled()


@pytest.mark.parametrize("ctx", [npg.no_grad, npg.enable_grad,
                                 lambda: npg.set_grad_enabled(False)])
def test_exceptions_restore_the_mode(ctx):
    with pytest.raises(ValueError, match="boom"):
        with ctx():
            raise ValueError("boom")
    assert npg.is_grad_enabled()
    with npg.no_grad():
        with pytest.raises(KeyError):
            with npg.enable_grad():
                raise KeyError("k")
        assert not npg.is_grad_enabled()


def test_decorators():
    @npg.no_grad()
    def off(x):
        return x * 2, npg.is_grad_enabled()

    @npg.enable_grad()
    def on(x):
        return x * 2

    @npg.set_grad_enabled(False)
    def off2():
        return npg.is_grad_enabled()

    x = npg.array([1.0], requires_grad=True)
    y, mode = off(x)
    assert not mode and not y.requires_grad
    assert npg.is_grad_enabled()  # decorating did not switch the mode
    assert off2() is False and npg.is_grad_enabled()
    with npg.no_grad():
        assert on(x).requires_grad
        assert not npg.is_grad_enabled()
    assert off.__name__ == "off"  # functools.wraps


def test_decorator_restores_after_an_exception():
    @npg.no_grad()
    def fail():
        raise RuntimeError("inner")

    with pytest.raises(RuntimeError, match="inner"):
        fail()
    assert npg.is_grad_enabled()


def test_optimizer_style_update_under_no_grad():
    w = npg.array([1.0, 2.0], requires_grad=True)
    (w * w).sum().backward()
    with npg.no_grad():
        w -= 0.5 * w.grad
    assert w.is_leaf and w.requires_grad and w.grad_fn is None
    np.testing.assert_allclose(w.data, [0.0, 0.0])


def test_new_thread_starts_enabled():
    seen = {}

    def worker():
        seen["mode"] = npg.is_grad_enabled()
        seen["tracked"] = tracked()

    with npg.no_grad():
        t = threading.Thread(target=worker)
        t.start()
        t.join()
    assert seen == {"mode": True, "tracked": True}


def test_no_grad_in_one_thread_does_not_affect_another():
    inside = threading.Event()
    checked = threading.Event()
    seen = {}

    def off_thread():
        with npg.no_grad():
            inside.set()
            checked.wait(5)
            seen["off"] = npg.is_grad_enabled()

    t = threading.Thread(target=off_thread)
    t.start()
    assert inside.wait(5)
    seen["main"] = npg.is_grad_enabled() and tracked()  # while the other is in no_grad
    checked.set()
    t.join()
    assert seen == {"main": True, "off": False}


def test_threads_toggling_concurrently():
    errors = []

    def worker(mode: bool):
        try:
            for _ in range(200):
                with npg.set_grad_enabled(mode):
                    if npg.is_grad_enabled() != mode or tracked() != mode:
                        errors.append(mode)
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=worker, args=(k % 2 == 0,)) for k in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
