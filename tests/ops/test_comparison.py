"""Comparisons, logic, predicates and integer arithmetic: values, no gradient, errors."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import numpygrad as npg
from tests.helpers import arrays, broadcastable_pair, shapes

# Draw from a few values so that ties and equalities actually occur.
FEW = st.sampled_from([-1.5, -1.0, 0.0, 0.5, 1.0, 2.0, np.nan, np.inf])

BINARY = {
    "equal": np.equal, "not_equal": np.not_equal, "less": np.less,
    "less_equal": np.less_equal, "greater": np.greater, "greater_equal": np.greater_equal,
    "logical_and": np.logical_and, "logical_or": np.logical_or,
    "logical_xor": np.logical_xor,
}
OPERATORS = {
    "==": (lambda a, b: a == b, np.equal), "!=": (lambda a, b: a != b, np.not_equal),
    "<": (lambda a, b: a < b, np.less), "<=": (lambda a, b: a <= b, np.less_equal),
    ">": (lambda a, b: a > b, np.greater), ">=": (lambda a, b: a >= b, np.greater_equal),
}


def _no_grad_result(out, expected):
    assert isinstance(out, npg.Array)
    assert out.grad_fn is None and not out.requires_grad
    np.testing.assert_array_equal(out.data, expected)
    assert out.dtype == np.asarray(expected).dtype


@pytest.mark.parametrize("name", BINARY)
@given(pair=broadcastable_pair(), data=st.data())
def test_binary_matches_numpy_without_grad(name, pair, data):
    a = data.draw(hnp.arrays(np.float64, pair[0], elements=FEW))
    b = data.draw(hnp.arrays(np.float64, pair[1], elements=FEW))
    x, y = npg.array(a, requires_grad=True), npg.array(b, requires_grad=True)
    _no_grad_result(getattr(npg, name)(x, y), BINARY[name](a, b))


@pytest.mark.parametrize("op", OPERATORS)
@given(pair=broadcastable_pair(), data=st.data())
def test_operators_on_requires_grad_arrays(op, pair, data):
    a = data.draw(hnp.arrays(np.float32, pair[0], elements=FEW))
    b = data.draw(hnp.arrays(np.float32, pair[1], elements=FEW))
    fn, ref = OPERATORS[op]
    x = npg.array(a, requires_grad=True)
    _no_grad_result(fn(x, npg.array(b)), ref(a, b))
    _no_grad_result(fn(x, 0.5), ref(a, np.float32(0.5)))
    _no_grad_result(fn(0.5, x), ref(np.float32(0.5), a))


@given(x=arrays(shape=shapes(), low=-3, high=3))
def test_mask_multiplication_backward(x):
    t = npg.array(x, requires_grad=True)
    (t * (t < 0)).sum().backward()
    np.testing.assert_array_equal(t.grad.data, (x < 0).astype(np.float64))
    t.grad = None
    npg.where(t > 0, t, t * 2).sum().backward()
    np.testing.assert_array_equal(t.grad.data, np.where(x > 0, 1.0, 2.0))


def test_nan_comparisons():
    n = npg.array([np.nan, 1.0], requires_grad=True)
    np.testing.assert_array_equal((n == n).data, [False, True])
    np.testing.assert_array_equal((n != n).data, [True, False])
    np.testing.assert_array_equal((n < np.inf).data, [False, True])
    np.testing.assert_array_equal(npg.isnan(n).data, [True, False])
    np.testing.assert_array_equal(npg.isinf(npg.array([np.inf, -np.inf, 0.0])).data,
                                  [True, True, False])
    np.testing.assert_array_equal(npg.isfinite(npg.array([np.inf, np.nan, 0.0])).data,
                                  [False, False, True])
    assert not npg.array_equal(n, n)
    assert npg.allclose(n, n, equal_nan=True)


def test_logical_ops_and_not():
    a, b = npg.array([True, True, False]), npg.array([True, False, False])
    np.testing.assert_array_equal(npg.logical_not(a).data, [False, False, True])
    np.testing.assert_array_equal((~a).data, [False, False, True])
    np.testing.assert_array_equal((a & b).data, [True, False, False])
    np.testing.assert_array_equal((a | b).data, [True, True, False])
    np.testing.assert_array_equal((a ^ b).data, [False, True, False])
    np.testing.assert_array_equal((~npg.array([1, 2])).data, [-2, -3])


def test_isclose_allclose_array_equal():
    x = npg.array([1.0, 2.0], requires_grad=True)
    _no_grad_result(npg.isclose(x, [1.0 + 1e-9, 2.1]), [True, False])
    assert npg.allclose(x, [1.0, 2.0]) is True
    assert npg.array_equal(x, [1.0, 2.0]) is True
    assert npg.array_equal(x, [1.0]) is False


# -- integer arithmetic ----------------------------------------------------------------------
@pytest.mark.parametrize("op", [lambda a, b: a // b, lambda a, b: a % b, npg.floor_divide,
                                npg.remainder])
def test_integer_division_by_zero_raises(op):
    with pytest.raises(ZeroDivisionError):
        op(npg.array([7, 1]), 0)
    with pytest.raises(ZeroDivisionError):
        op(npg.array([7, 1]), npg.array([2, 0]))
    with pytest.raises(ZeroDivisionError):
        op(7, npg.array([0]))


def test_float_floor_division_by_zero_is_silent():
    x = npg.array([1.0, -1.0, 0.0], requires_grad=True)
    q, r = x // 0.0, x % 0.0
    assert q.grad_fn is None and r.grad_fn is None
    np.testing.assert_array_equal(q.data[:2], [np.inf, -np.inf])
    assert np.isnan(q.data[2]) and np.isnan(r.data).all()


@given(a=arrays(shape=shapes(), low=-20, high=20),
       b=st.sampled_from([-3.0, -2.5, 1.0, 2.0, 7.0]))
def test_floor_divide_and_remainder_follow_python_semantics(a, b):
    x = npg.array(a)
    np.testing.assert_array_equal((x // b).data, np.floor_divide(a, b))
    np.testing.assert_array_equal((x % b).data, np.remainder(a, b))
    r = (x % b).data
    assert np.all((r == 0) | (np.sign(r) == np.sign(b)))  # sign of the divisor
    i = npg.array(np.round(a).astype(np.int64))
    ib = int(b) if b == int(b) else 2
    np.testing.assert_array_equal((i // ib).data, np.floor_divide(np.round(a).astype(int), ib))
    np.testing.assert_array_equal((i % ib).data, np.remainder(np.round(a).astype(int), ib))
    assert (i // ib).dtype == np.int64


def test_integer_ops_against_torch():
    t = pytest.importorskip("torch")
    a, b = np.array([7, -7, 7, -7]), np.array([2, 2, -2, -2])
    np.testing.assert_array_equal((npg.array(a) // npg.array(b)).data,
                                  t.floor_divide(t.tensor(a), t.tensor(b)).numpy())
    np.testing.assert_array_equal((npg.array(a) % npg.array(b)).data,
                                  t.remainder(t.tensor(a), t.tensor(b)).numpy())
    np.testing.assert_array_equal(npg.bitwise_or(npg.array([1, 2]), 1).data, [1, 3])
    np.testing.assert_array_equal(npg.bitwise_xor(npg.array([1, 2]), 3).data, [2, 1])
    np.testing.assert_array_equal(npg.bitwise_and(npg.array([3, 2]), 1).data, [1, 0])


# -- reductions to indices and booleans ------------------------------------------------------
def test_argmax_argmin():
    v = np.array([[1.0, 3.0, 3.0], [4.0, 2.0, -1.0]])
    x = npg.array(v, requires_grad=True)
    _no_grad_result(npg.argmax(x), np.argmax(v))
    _no_grad_result(npg.argmax(x, dim=1), [1, 0])  # ties go to the first index
    _no_grad_result(npg.argmin(x, axis=0, keepdims=True), [[0, 1, 1]])
    _no_grad_result(x.argmax(dim=1, keepdim=True), [[1], [0]])
    assert npg.argmax(npg.array([1.0, np.nan, 3.0])).item() == 1  # NaN counts as the maximum
    with pytest.raises(ValueError):
        npg.argmax(npg.zeros(0))
    with pytest.raises(ValueError):
        npg.argmin(npg.zeros((0, 2)))
    with pytest.raises(TypeError):
        npg.argmax(x, axis=0, dim=0)


def test_all_any():
    x = npg.array([[1.0, 0.0], [2.0, 3.0]], requires_grad=True)
    _no_grad_result(npg.all(x), np.False_)
    _no_grad_result(npg.any(x, dim=1), [True, True])
    _no_grad_result((x > -1).all(), np.True_)
    _no_grad_result(npg.all(x > 0, axis=1, keepdims=True), [[False], [True]])
    _no_grad_result(npg.any(npg.zeros(0)), np.False_)


@given(x=arrays(shape=shapes(min_dims=1), low=-3, high=3))
def test_sort_argsort(x):
    a = npg.array(x, requires_grad=True)
    _no_grad_result(npg.sort(a), np.sort(x, axis=-1))
    _no_grad_result(npg.argsort(a, dim=0), np.argsort(x, axis=0, kind="stable"))
    np.testing.assert_array_equal(npg.sort(a, descending=True).data,
                                  np.flip(np.sort(x, axis=-1), axis=-1))
    np.testing.assert_array_equal(x, a.data)  # sorting never touches the input


def test_sort_puts_nan_last_and_descending_argsort():
    x = npg.array([3.0, np.nan, 1.0, 3.0])
    np.testing.assert_array_equal(npg.sort(x).data[:3], [1, 3, 3])
    assert np.isnan(npg.sort(x).data[3])
    np.testing.assert_array_equal(npg.argsort(npg.array([1.0, 3.0, 2.0, 3.0]),
                                              descending=True).data, [1, 3, 2, 0])
    np.testing.assert_array_equal(npg.argsort(npg.array([True, False]), descending=True).data,
                                  [0, 1])


def test_nonzero():
    x = npg.array([[0.0, 2.0], [3.0, 0.0]], requires_grad=True)
    _no_grad_result(npg.nonzero(x), [[0, 1], [1, 0]])
    rows, cols = npg.nonzero(x, as_tuple=True)
    np.testing.assert_array_equal(rows.data, [0, 1])
    np.testing.assert_array_equal(cols.data, [1, 0])
    assert npg.nonzero(npg.zeros((2, 2))).shape == (0, 2)


def test_round_method_is_not_differentiable():
    x = npg.array([1.25, 2.5, -0.5], requires_grad=True)
    r = x.round()
    _no_grad_result(r, np.array([1.0, 2.0, -0.0], dtype=np.float32))
    np.testing.assert_array_equal(x.round(1).data, np.round(x.data, 1))
