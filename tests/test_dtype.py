"""dtype rules: the default float dtype and promotion (RELIABILITY §2.5, §3 item 44)."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import numpygrad as npg

FLOATS = [np.float16, np.float32, np.float64]
INTS = [np.int8, np.int16, np.int32, np.int64, np.uint8]
BINARY = [npg.add, npg.subtract, npg.multiply, npg.divide, npg.power]


@pytest.fixture
def float64_default():
    npg.set_default_dtype(np.float64)
    yield
    npg.set_default_dtype(np.float32)


def test_default_dtype_is_float32():
    assert npg.get_default_dtype() == np.float32
    assert npg.array([1.0]).dtype == np.float32


def test_set_default_dtype(float64_default):
    assert npg.get_default_dtype() == np.float64
    assert npg.array(1.0).dtype == np.float64
    assert npg.zeros(2).dtype == np.float64
    assert (npg.array([1]) / npg.array([2])).dtype == np.float64
    assert (npg.array([1]) + 1.5).dtype == np.float64


@pytest.mark.parametrize("bad", [np.int32, np.bool_, "int64", np.complex128])
def test_set_default_dtype_rejects_non_float(bad):
    with pytest.raises(TypeError, match="floating"):
        npg.set_default_dtype(bad)
    assert npg.get_default_dtype() == np.float32


def test_default_dtype_is_per_thread():
    # A ContextVar: a new thread starts from float32 whatever this thread set.
    seen = {}
    npg.set_default_dtype(np.float64)
    try:
        t = threading.Thread(target=lambda: seen.setdefault("d", npg.get_default_dtype()))
        t.start()
        t.join()
    finally:
        npg.set_default_dtype(np.float32)
    assert seen["d"] == np.float32


@pytest.mark.parametrize("fn", BINARY)
@pytest.mark.parametrize("dtype", FLOATS)
@given(scalar=st.floats(0.5, 4.0))
def test_float_array_with_python_float_keeps_its_dtype(fn, dtype, scalar):
    x = npg.array(np.array([1.5, 2.0], dtype=dtype))
    assert fn(x, scalar).dtype == dtype
    assert fn(scalar, x).dtype == dtype


@pytest.mark.parametrize("fn", BINARY)
@pytest.mark.parametrize("dtype", FLOATS)
def test_float_array_with_python_int_keeps_its_dtype(fn, dtype):
    x = npg.array(np.array([1.5, 2.0], dtype=dtype))
    assert fn(x, 2).dtype == dtype
    assert fn(3, x).dtype == dtype


def test_float32_with_numpy_float64_scalar_stays_float32():
    # np.float64 subclasses float: treated as a Python float (x / np.sqrt(d) is common).
    x = npg.array([1.0, 2.0], requires_grad=True)
    assert (x / np.sqrt(np.float64(4.0))).dtype == np.float32
    assert (x * np.float64(2.0)).dtype == np.float32


@pytest.mark.parametrize("fn", [npg.add, npg.subtract, npg.multiply, npg.divide])
@pytest.mark.parametrize("int_dtype", INTS)
def test_integer_array_with_python_float_gives_default_float(fn, int_dtype):
    i = npg.array(np.array([1, 2], dtype=int_dtype))
    r = fn(i, 1.5)
    assert r.dtype == np.float32, (fn.__name__, int_dtype)
    np.testing.assert_allclose(r.data, fn(i.data.astype(np.float64), 1.5).data, rtol=1e-6)
    assert fn(1.5, i).dtype == np.float32


def test_integer_array_with_python_float_follows_default(float64_default):
    assert (npg.array([1, 2]) * 0.5).dtype == np.float64


@pytest.mark.parametrize("int_dtype", INTS)
@pytest.mark.parametrize("float_dtype", FLOATS)
def test_integer_array_with_float_array_takes_the_float_dtype(int_dtype, float_dtype):
    # PyTorch's rule; NumPy would give float64 for int64 with float32.
    i = npg.array(np.array([1, 2], dtype=int_dtype))
    f = npg.array(np.array([0.5, 0.25], dtype=float_dtype), requires_grad=True)
    for r in (i + f, f * i, i - f, f / i, f**i):
        assert r.dtype == float_dtype
    (f * i).sum().backward()
    assert f.grad.dtype == float_dtype
    np.testing.assert_array_equal(f.grad.data, [1, 2])


def test_int_true_division_gives_default_float():
    r = npg.array([1, 2, 3]) / npg.array([2, 2, 2])
    assert r.dtype == np.float32
    np.testing.assert_allclose(r.data, [0.5, 1.0, 1.5])
    assert (npg.array([1]) / 2).dtype == np.float32
    assert (npg.array(np.array([7], np.int8)) / 2).dtype == np.float32


def test_float32_plus_float64_is_float64():
    a = npg.array(np.array([1.0], np.float32), requires_grad=True)
    b = npg.array(np.array([2.0], np.float64), requires_grad=True)
    c = a + b
    assert c.dtype == np.float64
    c.sum().backward()
    # Each gradient is cast back to its input's dtype.
    assert a.grad.dtype == np.float32 and b.grad.dtype == np.float64


def test_integer_arithmetic_stays_integer():
    assert (npg.array([1, 2]) + 1).dtype == np.int64
    assert (npg.array(np.array([1], np.int32)) * 2).dtype == np.int32
    assert (npg.array(np.array([1], np.int32)) + npg.array(np.array([1], np.int64))).dtype \
        == np.int64


def test_int8_overflowing_python_int_raises():
    with pytest.raises(OverflowError, match="300"):
        npg.array(np.array([1], np.int8)) + 300
    with pytest.raises(OverflowError):
        npg.array(np.array([1], np.uint8)) + (-1)


def test_integer_power_with_negative_integer_exponent_raises():
    with pytest.raises(ValueError, match="negative integer powers"):
        npg.array([2, 3]) ** npg.array([-1, 1])


def test_comparison_of_int_and_python_float_is_exact_enough():
    r = npg.array([1, 2, 3]) > 1.5
    np.testing.assert_array_equal(r.data, [False, True, True])


@pytest.mark.parametrize("code", list("?bBhHiIlLqQefdgFDGmMOSUV") + [">f4", "<f8", ">c8"])
def test_floating_dtype_classes_agree_with_kind(code):
    # The hot paths test a dtype's class instead of its kind: they must agree for
    # every built-in dtype, byte-swapped ones included.
    from numpygrad._dtype import FLOATING_DTYPE_CLASSES

    dtype = np.dtype(code)
    assert (type(dtype) in FLOATING_DTYPE_CLASSES) == (dtype.kind in "fc")


@pytest.mark.parametrize("dtype", [np.int32, np.bool_, np.float16, np.float64, np.complex64])
def test_only_floating_results_record_a_node(dtype):
    x = npg.array(np.ones(3), dtype=np.float32, requires_grad=True)
    y = x.to(dtype) if dtype is not np.bool_ else x > 0
    recorded = y.grad_fn is not None
    assert recorded == (np.dtype(dtype).kind in "fc")
