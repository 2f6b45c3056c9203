"""numpygrad.testing: gradcheck, gradgradcheck, numerical_jacobian, assert_allclose.

A checker is only useful if it fails on wrong gradients, so most tests here
inject a bug on purpose (MyGrad PR #191, tinygrad PR #9217)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given

import numpygrad as npg
from numpygrad.testing import (
    GradcheckError,
    assert_allclose,
    gradcheck,
    gradgradcheck,
    numerical_jacobian,
)
from tests.helpers import arrays, shapes


def leaf(v):
    return npg.array(np.asarray(v, dtype=np.float64), requires_grad=True)


class SquareOff(npg.Function):
    """x**2 with a backward 1 % too large."""

    def forward(self, x):
        return x * x

    def backward(self, grad):
        (x,) = self.inputs
        return grad * 2 * x * 1.01


class MulWrongSecond(npg.Function):
    """a * b whose gradient for b is 1 % off."""

    def forward(self, a, b):
        return a * b

    def backward(self, grad):
        a, b = self.inputs
        return grad * b, grad * a * 1.01


class SquareDetached(npg.Function):
    """x**2 with a correct backward that is not differentiable (it detaches x)."""

    def forward(self, x):
        return x * x

    def backward(self, grad):
        (x,) = self.inputs
        return grad * 2 * x.detach()


@given(arrays(shape=shapes(min_side=1, max_side=3), low=0.5, high=2.0))
def test_gradcheck_passes_correct_gradients(v):
    x = leaf(v)
    y = leaf(2.5 - v)
    assert gradcheck(lambda a, b: a * b + npg.exp(a) / b, [x, y]) is True


def test_gradcheck_catches_a_one_percent_error():
    x = leaf([0.5, 1.5, -2.0])
    with pytest.raises(GradcheckError, match=r"Jacobian mismatch for output 0 with respect to "
                                             r"input 0(.|\n)*numerical(.|\n)*analytical"):
        gradcheck(SquareOff.apply, [x])
    assert gradcheck(SquareOff.apply, [x], raise_exception=False) is False
    assert issubclass(GradcheckError, AssertionError)


def test_gradcheck_names_the_wrong_input():
    a, b = leaf([0.5, 1.5]), leaf([2.0, -1.0])
    with pytest.raises(GradcheckError, match="with respect to input 1"):
        gradcheck(MulWrongSecond.apply, [a, b])


def test_gradcheck_tolerances_are_torch_defaults():
    # A 1e-4 relative error hides under rtol=1e-3 but not under a tighter rtol.
    class Slightly(npg.Function):
        def forward(self, x):
            return x * 3

        def backward(self, grad):
            return grad * 3 * (1 + 1e-4)

    x = leaf([1.0, 2.0])
    assert gradcheck(Slightly.apply, [x])
    assert not gradcheck(Slightly.apply, [x], rtol=1e-6, atol=1e-8, raise_exception=False)


def test_gradcheck_catches_a_missing_gradient():
    class Forgets(npg.Function):
        def forward(self, a, b):
            return a * b

        def backward(self, grad):
            a, _ = self.inputs
            return None, grad * a  # the gradient for a is dropped

    assert not gradcheck(Forgets.apply, [leaf([1.0, 2.0]), leaf([3.0, 4.0])],
                         raise_exception=False)


def test_gradcheck_skips_inputs_without_grad():
    c = npg.array([2.0, 3.0], dtype=np.float64)
    assert gradcheck(lambda x, k: x * k, [leaf([1.0, -1.0]), c])


def test_gradcheck_leaves_inputs_unchanged():
    v = np.array([0.3, -0.7])
    x = leaf(v)
    gradcheck(lambda a: npg.exp(a), [x])
    np.testing.assert_array_equal(x.data, v)
    assert x.grad is None


def test_gradgradcheck_passes_differentiable_backwards():
    x = leaf([0.5, -1.5])
    assert gradgradcheck(lambda a: a * a * a, [x])
    assert gradgradcheck(lambda a, b: npg.exp(a) * b * b, [x, leaf([1.0, 2.0])])


def test_gradgradcheck_catches_a_detaching_backward():
    x = leaf([0.5, -1.5])
    assert gradcheck(SquareDetached.apply, [x])  # first order is right
    with pytest.raises(GradcheckError, match="Jacobian mismatch"):
        gradgradcheck(SquareDetached.apply, [x])
    assert gradgradcheck(SquareDetached.apply, [x], raise_exception=False) is False


def test_gradgradcheck_catches_a_wrong_second_derivative():
    class CubeBadSecond(npg.Function):
        def forward(self, x):
            return x**3

        def backward(self, grad):
            (x,) = self.inputs
            # Right value 3x^2, wrong derivative: x * x.detach() * 3 has derivative 3x.
            return grad * 3 * x * x.detach()

    x = leaf([0.5, 1.5])
    assert gradcheck(CubeBadSecond.apply, [x])
    assert not gradgradcheck(CubeBadSecond.apply, [x], raise_exception=False)


def test_gradgradcheck_with_explicit_grad_outputs():
    x = leaf([0.5, 1.5])
    assert gradgradcheck(lambda a: a**3, [x], grad_outputs=[np.array([1.0, -2.0])])


def test_gradgradcheck_pairs_grad_outputs_with_outputs():
    # The first output needs no grad: its grad_output must not shift to the second.
    x = leaf([0.5, 1.5])
    c = npg.array([1.0, 2.0, 3.0], dtype=np.float64)
    assert gradgradcheck(lambda a: (c * 2, a**3), [x])


@given(shapes(min_side=1, max_side=3), shapes(min_side=1, max_side=3))
def test_numerical_jacobian_shapes(in_shape, out_shape):
    x = leaf(np.linspace(0.5, 1.5, int(np.prod(in_shape))).reshape(in_shape))
    const = npg.ones(out_shape, dtype=np.float64)
    jac = numerical_jacobian(lambda a, k: (a.sum() * k, a * 2), [x, const])
    assert len(jac) == 2 and len(jac[0]) == 2
    assert jac[0][0].shape == (int(np.prod(out_shape)), x.size)
    assert jac[1][0].shape == (x.size, x.size)
    assert jac[0][1] is None  # the constant does not require grad
    np.testing.assert_allclose(jac[0][0], np.ones((const.size, x.size)), rtol=1e-6)
    np.testing.assert_allclose(jac[1][0], 2 * np.eye(x.size), rtol=1e-6, atol=1e-9)


def test_numerical_jacobian_values():
    x = leaf([1.0, 2.0])
    (j,) = numerical_jacobian(lambda v: v * v, [x])[0]
    np.testing.assert_allclose(j, [[2.0, 0.0], [0.0, 4.0]], rtol=1e-7, atol=1e-8)
    np.testing.assert_array_equal(x.data, [1.0, 2.0])  # restored after perturbing


def test_float32_input_warns():
    x = npg.array([0.5, 1.5], requires_grad=True)
    with pytest.warns(UserWarning, match="Input #0.*not float64"):
        gradcheck(lambda a: a * a, [x], raise_exception=False)
    with pytest.warns(UserWarning, match="double precision"):
        gradgradcheck(lambda a: a * a, [x], raise_exception=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        gradcheck(lambda a: a * a, [leaf([0.5])])  # float64: no warning


def test_assert_allclose():
    assert_allclose(npg.array([1.0, 2.0]), [1.0, 2.0])
    assert_allclose(np.array([1.0]), npg.array([1.0 + 1e-9], dtype=np.float64), rtol=1e-6)
    with pytest.raises(AssertionError):
        assert_allclose(npg.array([1.0, 2.0]), [1.0, 2.1])
    with pytest.raises(AssertionError, match="dtype"):
        assert_allclose(npg.array([1.0]), np.array([1.0]), check_dtype=True)
