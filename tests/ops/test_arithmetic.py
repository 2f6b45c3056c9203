"""Arithmetic ops: add, subtract, multiply, divide, negative, power, cast, copy."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import numpygrad as npg
from numpygrad.testing import assert_allclose
from tests.helpers import arrays, broadcastable_pair, check_op, compare_torch, leaf, shapes, torch

SMALL = shapes(max_side=3)


# name: (numpygrad fn, torch fn name, (low, high, avoid, margin) for a, same for b)
ANY = (-3, 3, (), 0)
BINARY = {
    "add": (npg.add, "add", ANY, ANY),
    "subtract": (npg.subtract, "sub", ANY, ANY),
    "multiply": (npg.multiply, "mul", ANY, ANY),
    "divide": (npg.divide, "div", ANY, (-3, 3, (0,), 0.3)),
    "power": (npg.power, "pow", (0.3, 3, (), 0), (-2, 2, (0,), 1e-2)),  # b=0: where() kink
}


def _pair(data, pair, spec):
    (la, ha, va, ma), (lb, hb, vb, mb) = spec[2], spec[3]
    return (data.draw(arrays(shape=pair[0], low=la, high=ha, avoid=va, margin=ma)),
            data.draw(arrays(shape=pair[1], low=lb, high=hb, avoid=vb, margin=mb)))


@pytest.mark.parametrize("name", BINARY)
@given(pair=broadcastable_pair(max_side=3), data=st.data())
def test_binary_gradients(name, pair, data):
    spec = BINARY[name]
    check_op(spec[0], *_pair(data, pair, spec))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", BINARY)
@given(pair=broadcastable_pair(max_side=3), data=st.data())
def test_binary_against_torch(name, dtype, pair, data):
    spec = BINARY[name]
    compare_torch(spec[0], lambda a, b: getattr(torch, spec[1])(a, b),
                  *_pair(data, pair, spec), dtype=dtype)


# Unary forms: negative, powers with a constant exponent, scalar bases, copy.
UNARY = {
    "negative": (npg.negative, lambda t: -t, ANY),
    "neg_operator": (lambda x: -x, lambda t: -t, ANY),
    "square": (lambda x: x**2, lambda t: t**2, ANY),
    "cube": (lambda x: x**3, lambda t: t**3, ANY),
    "sqrt_pow": (lambda x: x**0.5, lambda t: t**0.5, (0.2, 3, (), 0)),
    "pow_1.5": (lambda x: x**1.5, lambda t: t**1.5, (0.2, 3, (), 0)),
    "inverse": (lambda x: x**-1, lambda t: t**-1, (-3, 3, (0,), 0.3)),
    "pow_0": (lambda x: x**0, lambda t: t**0, ANY),
    "rpow": (lambda x: 2**x, lambda t: 2**t, ANY),
    "rsub": (lambda x: 1.5 - x, lambda t: 1.5 - t, ANY),
    "rdiv": (lambda x: 1.5 / x, lambda t: 1.5 / t, (-3, 3, (0,), 0.3)),
    "scalar_mul_add": (lambda x: 2 * x + 1, lambda t: 2 * t + 1, ANY),
    "copy": (npg.copy, lambda t: t.clone(), ANY),
}


def _one(data, spec):
    low, high, avoid, margin = spec[2]
    return data.draw(arrays(shape=SMALL, low=low, high=high, avoid=avoid, margin=margin))


@pytest.mark.parametrize("name", UNARY)
@given(data=st.data())
def test_unary_gradients(name, data):
    spec = UNARY[name]
    check_op(spec[0], _one(data, spec))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", UNARY)
@given(data=st.data())
def test_unary_against_torch(name, dtype, data):
    spec = UNARY[name]
    compare_torch(spec[0], spec[1], _one(data, spec), dtype=dtype)


def test_self_operand_accumulates():
    x = leaf([1.0, 2.0])
    (x + x).sum().backward()
    assert_allclose(x.grad, [2, 2])
    x.grad = None
    (x * x).sum().backward()
    assert_allclose(x.grad, [2, 4])
    x.grad = None
    (x / x).sum().backward()
    assert_allclose(x.grad, [0, 0])


def test_square_by_self_product_hands_one_product_to_both_inputs():
    """``x * x`` hands ``g * (x + x)`` to input 0 alone (one gradient, fresh memory)."""
    x = leaf([[1.0, -2.0], [3.0, 0.5]])
    h = x * 1.5  # a non-leaf operand as well
    up = np.array([[1.0, 2.0], [3.0, 4.0]])
    hh = h * h
    # first order: the sum of both inputs' gradients, once
    g0, g1 = hh.grad_fn.backward_data(up)
    assert type(g0) is np.ndarray and g1 is None
    assert_allclose(g0, up * 2 * h.data)
    hh.backward(up)
    assert_allclose(x.grad, up * 2 * h.data * 1.5)
    assert not np.shares_memory(x.grad.data, up)
    y = leaf([3.0])
    (gy,) = npg.grad((y * y).sum(), y, create_graph=True)
    assert_allclose(gy, [6.0])
    gy.sum().backward()
    assert_allclose(y.grad, [2.0])
    z = leaf([2.0, 5.0])
    zz = z * z
    zz.retain_grad()
    zz.sum().backward()
    assert_allclose(z.grad, [4.0, 10.0])
    assert not np.shares_memory(z.grad.data, zz.grad.data)


def test_copy_owns_its_memory():
    x = npg.array([1.0, 2.0], requires_grad=True)
    y = npg.copy(x)
    assert not np.shares_memory(x.data, y.data) and y.grad_fn is not None


# -- pow and division special cases (RELIABILITY 2.3, float32) ------------------------------
POW_TABLE = [
    # exponent, base values, expected values, expected d/dbase
    (0.5, [-4.0, 0.0, 4.0], [np.nan, 0, 2], [np.nan, np.inf, 0.25]),
    (1.5, [-8.0, 0.0], [np.nan, 0], [np.nan, 0]),
    (2, [-3.0, 0.0, 3.0], [9, 0, 9], [-6, 0, 6]),
    (3, [-2.0], [-8], [12]),
    (-1, [0.0, 2.0], [np.inf, 0.5], [-np.inf, -0.25]),
    (0, [0.0, -2.0, 3.0], [1, 1, 1], [0, 0, 0]),
    (0.0, [0.0, -2.0, 3.0], [1, 1, 1], [0, 0, 0]),
]


@pytest.mark.parametrize("exponent, base, value, grad", POW_TABLE)
def test_pow_scalar_exponent_table(exponent, base, value, grad):
    x = npg.array(base, requires_grad=True)
    y = x**exponent
    y.sum().backward()
    assert y.dtype == np.float32
    assert_allclose(y, value)
    assert_allclose(x.grad, grad)


def test_pow_integer_exponent_with_negative_base_is_finite():
    x = leaf([-2.0, -0.5])
    check_op(lambda v: v**3, x.data)
    check_op(lambda v: v**-2, x.data)


def test_pow_tensor_tensor_table():
    a = npg.array([-2.0, 0.0, 0.0, 2.0], requires_grad=True)
    b = npg.array([2.0, 0.0, 2.0, 0.5], requires_grad=True)
    y = a**b
    y.sum().backward()
    assert_allclose(y, [4, 1, 0, 1.41421], rtol=1e-5)
    assert_allclose(a.grad, [-4, 0, 0, 0.35355], rtol=1e-4)
    assert_allclose(b.grad, [np.nan, 0, 0, 0.98026], rtol=1e-4)


def test_pow_tensor_tensor_table_without_zero_zero():
    a = npg.array([-2.0, 0.0, 2.0], requires_grad=True)
    b = npg.array([2.0, 2.0, 0.5], requires_grad=True)
    y = a**b
    y.sum().backward()
    assert_allclose(y, [4, 0, 1.41421], rtol=1e-5)
    assert_allclose(a.grad, [-4, 0, 0.35355], rtol=1e-4)
    assert_allclose(b.grad, [np.nan, 0, 0.98026], rtol=1e-4)


def test_pow_scalar_base():
    x = npg.array([0.0, 1.0, 2.0], requires_grad=True)
    y = 0.0**x  # 0 ** x: d/dx is 0 (torch masks 0 * log 0)
    y.sum().backward()
    assert_allclose(y, [1, 0, 0])
    np.testing.assert_array_equal(x.grad.data, [0, 0, 0])
    x.grad = None
    (2**x).sum().backward()
    assert_allclose(x.grad, np.log(2) * 2 ** x.data, rtol=1e-6)


def test_division_by_zero_table():
    a = npg.array([1.0, 0.0, -1.0], requires_grad=True)
    b = npg.array([0.0, 0.0, 0.0], requires_grad=True)
    y = a / b
    y.sum().backward()
    assert_allclose(y, [np.inf, np.nan, -np.inf])
    assert_allclose(a.grad, [np.inf, np.inf, np.inf])
    assert_allclose(b.grad, [-np.inf, np.nan, np.inf])


def test_integer_power_rules():
    assert_allclose(npg.array([-2, 3]) ** 2, [4, 9])
    with pytest.raises(ValueError, match="negative integer powers"):
        npg.array([2, 3]) ** npg.array([-1, 1])


# -- dtypes (RELIABILITY 2.5) ---------------------------------------------------------------
@pytest.mark.parametrize("fn", [lambda x: x + 1.5, lambda x: 1.5 + x, lambda x: x - 2,
                                lambda x: 2 - x, lambda x: x * 2.5, lambda x: x / 3,
                                lambda x: 3 / x, lambda x: x**2, lambda x: x**0.5,
                                lambda x: 2**x, lambda x: -x, lambda x: x + True])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_float_dtype_kept_with_python_scalars(fn, dtype):
    x = npg.array(np.array([1.0, 2.0], dtype=dtype), requires_grad=True)
    y = fn(x)
    assert y.dtype == dtype
    y.sum().backward()
    assert x.grad.dtype == dtype


def test_integer_promotion_rules():
    i = npg.array([1, 2])
    assert (i / npg.array([2, 4])).dtype == np.float32
    assert (i / 2).dtype == np.float32
    assert (i + 1.5).dtype == np.float32
    assert (i + 1).dtype == np.int64
    i32, i64 = npg.array(np.array([1], np.int32)), npg.array(np.array([1], np.int64))
    assert (i32 + i64).dtype == np.int64
    f32 = npg.array(np.ones(2, np.float32))
    assert (f32 + npg.array(np.ones(2, np.float64))).dtype == np.float64
    with npg.no_grad():
        assert (f32 * i).dtype == np.float32
    with pytest.raises(OverflowError, match="300"):
        npg.array(np.array([1], np.int8)) + 300


def test_integer_division_by_zero_is_silent_true_division():
    assert_allclose(npg.array([1, 0, -1]) / 0, [np.inf, np.nan, -np.inf])


def test_mixed_dtype_gradients_take_each_input_dtype():
    a = npg.array(np.array([1.0, 2.0], np.float32), requires_grad=True)
    b = npg.array(np.array([3.0, 4.0], np.float64), requires_grad=True)
    (a * b).sum().backward()
    assert a.grad.dtype == np.float32 and b.grad.dtype == np.float64
    assert_allclose(a.grad, [3, 4])
    assert_allclose(b.grad, [1, 2])


# -- cast ---------------------------------------------------------------------------------
def test_cast_forward_and_backward():
    x = npg.array(np.array([1.5, -2.0], np.float32), requires_grad=True)
    y = npg.cast(x, np.float64)
    assert y.dtype == np.float64 and y.grad_fn is not None
    (y * y).sum().backward()
    assert x.grad.dtype == np.float32
    assert_allclose(x.grad, [3, -4])
    assert npg.cast(x, np.float32) is x
    z = npg.cast(x, np.int64)  # integer results carry no gradient
    assert z.dtype == np.int64 and z.grad_fn is None and not z.requires_grad


def test_cast_to_the_same_dtype_keeps_the_graph_exact():
    check_op(lambda v: npg.cast(v, np.float64) * v, [0.5, -1.5])


def test_cast_second_order_across_dtypes():
    x = npg.array(np.array([1.0, 2.0], np.float32), requires_grad=True)
    y = npg.cast(x, np.float64)
    (g,) = npg.grad((y * y * y).sum(), x, create_graph=True)
    assert g.dtype == np.float32
    (h,) = npg.grad(g.sum(), x)
    assert_allclose(h, [6, 12])


def test_cast_against_torch():
    t = pytest.importorskip("torch")
    v = np.array([1.5, -2.0, 0.25])
    compare_torch(lambda x: npg.cast(x, np.float32) * 2, lambda x: x.to(t.float32) * 2, v)
    compare_torch(lambda x: npg.cast(x, np.float64) * 2, lambda x: x.to(t.float64) * 2, v,
                  dtype=np.float32)
