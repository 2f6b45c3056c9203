"""optimize(): Loupe-style one-call minimization."""

import numpy as np
import pytest

import numpygrad as npg
from numpygrad.optim import SGD, Adam, OptimizeResult, optimize

TARGET = np.array([1.0, -2.0, 0.5])


def quadratic(x):
    return (((x - TARGET) ** 2) * np.array([1.0, 3.0, 0.5])).sum()


@pytest.mark.parametrize("method, kwargs", [
    ("lbfgs", {}),
    ("adam", {"lr": 0.05, "max_iter": 5000, "tol": 1e-14}),
    ("sgd", {"lr": 0.1, "momentum": 0.5, "tol": 1e-16}),
    (Adam, {"lr": 0.05, "max_iter": 5000, "tol": 1e-14}),
    ("rmsprop", {"lr": 0.01, "max_iter": 3000, "tol": 1e-16}),
], ids=str)
def test_converges_on_a_quadratic(method, kwargs):
    x = npg.Array(np.zeros(3))
    res = optimize(quadratic, x, method=method, **kwargs)
    assert res.success, res.message
    assert res.x[0] is x
    np.testing.assert_allclose(x.data, TARGET, atol=1e-4)
    assert res.fun == pytest.approx(float(quadratic(x).item()), abs=1e-12)
    assert 0 < res.nit <= kwargs.get("max_iter", 1000)


def test_loupe_style_closure_with_no_arguments():
    # Loupe: y = 4 * (x - 5)**2; optimize(y, params=x). Here the objective is a callable.
    x = npg.Array(np.array([0.3]))
    res = optimize(lambda: (4 * (x - 5) ** 2).sum(), x)
    assert x.requires_grad and res.success
    np.testing.assert_allclose(x.data, [5.0], atol=1e-6)
    assert res.fun < 1e-10


def test_several_parameters_positional_call():
    a = npg.Array(np.array([0.0]))
    b = npg.Array(np.zeros((2, 2)))
    res = optimize(lambda p, q: ((p - 3.0) ** 2).sum() + ((q + 1.0) ** 2).sum(), [a, b])
    np.testing.assert_allclose(a.data, [3.0], atol=1e-6)
    np.testing.assert_allclose(b.data, -np.ones((2, 2)), atol=1e-6)
    assert isinstance(res, OptimizeResult) and len(res.x) == 2


def test_rosenbrock_with_lbfgs():
    x = npg.Array(np.array([-1.2, 1.0]))

    def rosen(v):
        return (100 * (v[1] - v[0] ** 2) ** 2 + (1 - v[0]) ** 2).sum()

    res = optimize(rosen, x, tol=1e-14, tolerance_grad=1e-10)
    np.testing.assert_allclose(x.data, [1.0, 1.0], atol=1e-5)
    assert res.success and res.nfev >= res.nit


def test_max_iter_reached_is_not_success():
    x = npg.Array(np.zeros(3))
    res = optimize(quadratic, x, method="sgd", lr=1e-4, max_iter=5)
    assert not res.success and res.nit == 5 and "max_iter" in res.message


def test_callback_sees_progress_and_can_stop():
    x = npg.Array(np.zeros(3))
    seen = []

    def callback(r):
        seen.append((r.nit, r.fun))
        return r.nit >= 3

    res = optimize(quadratic, x, method="adam", lr=0.01, callback=callback)
    assert [n for n, _ in seen] == [1, 2, 3]
    assert res.message == "stopped by callback" and not res.success


def test_non_finite_objective_stops():
    x = npg.Array(np.array([1.0]))
    with np.errstate(over="ignore", invalid="ignore"):
        res = optimize(lambda v: (v * 1e200 * 1e200).sum(), x, method="sgd", lr=0.1)
    assert not res.success and "non-finite" in res.message


def test_result_repr_and_attributes():
    x = npg.Array(np.zeros(3))
    res = optimize(quadratic, x, method=SGD, lr=0.1, max_iter=3)
    text = repr(res)
    assert "fun:" in text and "message:" in text
    res.extra = 1
    assert res["extra"] == 1
    with pytest.raises(AttributeError):
        _ = res.missing


@pytest.mark.parametrize("call, exc, match", [
    (lambda x: optimize(npg.Array(np.ones(1)), x), TypeError, "needs a callable"),
    (lambda x: optimize(quadratic, []), ValueError, "empty parameter list"),
    (lambda x: optimize(quadratic, x * 2), ValueError, "not a leaf"),
    (lambda x: optimize(quadratic, [np.zeros(3)]), TypeError, r"params\[0\] must be an Array"),
    (lambda x: optimize(quadratic, npg.Array(np.arange(3))), TypeError, "floating dtype"),
    (lambda x: optimize(quadratic, x, method="newton"), ValueError, "unknown method 'newton'"),
    (lambda x: optimize(quadratic, x, method=3), TypeError, "method must be"),
    (lambda x: optimize(quadratic, x, max_iter=0), ValueError, "max_iter"),
    (lambda x: optimize(lambda v: v, x, method="sgd"), ValueError, "scalar Array, got shape"),
    (lambda x: optimize(lambda v: 1.0, x, method="sgd"), TypeError, "scalar Array, got float"),
])
def test_errors(call, exc, match):
    x = npg.Array(np.zeros(3), requires_grad=True)
    with pytest.raises(exc, match=match):
        call(x)


def test_lbfgs_non_finite_start_stops_cleanly():
    x = npg.Array(np.array([1.0]))
    with np.errstate(over="ignore", invalid="ignore"):
        res = optimize(lambda v: (v * 1e200 * 1e200).sum(), x)
    assert not res.success and "non-finite" in res.message
    np.testing.assert_array_equal(x.data, [1.0])


def test_lbfgs_unbounded_objective_does_not_crash():
    x = npg.Array(np.array([1.0]))
    res = optimize(lambda v: -(v * v).sum(), x, max_iter=20)
    assert not res.success and res.fun < -1e10
