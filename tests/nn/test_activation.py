"""nn.activation: erf accuracy, gradients (first and second order), PyTorch parity, stability."""

import math

import numpy as np
import pytest

import numpygrad as npg
from numpygrad.nn.activation import (
    ELU,
    GELU,
    LeakyReLU,
    LogSoftmax,
    ReLU,
    Sigmoid,
    SiLU,
    Softmax,
    Softplus,
    Tanh,
    _erf,
    elu,
    gelu,
    leaky_relu,
    silu,
    softplus,
)
from tests.helpers import check_op, compare_torch, torch_or_skip

# Values away from the kinks (0 and softplus's threshold) for finite differences.
RNG = np.random.default_rng(0)
X = RNG.uniform(-3, 3, (3, 4))
X = np.where(np.abs(X) < 0.05, 0.5, X)
# Stability points from RELIABILITY §2.2, plus the kink at 0.
EXTREME = np.array([-1e4, -100.0, -1.0, 0.0, 1.0, 19.0, 21.0, 100.0, 1e4])

FUNCTIONALS = {
    "leaky_relu": (lambda x: leaky_relu(x, 0.1), "leaky_relu", {"negative_slope": 0.1}),
    "elu": (lambda x: elu(x, 2.0), "elu", {"alpha": 2.0}),
    "gelu": (lambda x: gelu(x), "gelu", {}),
    "gelu_tanh": (lambda x: gelu(x, approximate="tanh"), "gelu", {"approximate": "tanh"}),
    "silu": (silu, "silu", {}),
    "softplus": (softplus, "softplus", {}),
    "softplus_beta": (lambda x: softplus(x, beta=2.0, threshold=3.0), "softplus",
                      {"beta": 2.0, "threshold": 3.0}),
}


def test_erf_matches_math_erf():
    xs = np.concatenate([np.linspace(-30, 30, 60001), [0.46875, -0.46875, 4.0, -4.0, 26.5, 27.0,
                                                        1e-20, -1e-300, 5e-324, 0.0, -0.0]])
    ref = np.array([math.erf(v) for v in xs])
    assert np.max(np.abs(_erf(xs) - ref)) < 1e-15
    np.testing.assert_array_equal(_erf(np.array([np.inf, -np.inf])), [1.0, -1.0])
    assert np.isnan(_erf(np.array([np.nan]))).all()
    assert _erf(np.zeros((0, 3))).shape == (0, 3)


@pytest.mark.parametrize("name", list(FUNCTIONALS))
def test_gradcheck_and_gradgradcheck(name):
    fn = FUNCTIONALS[name][0]
    values = X if name != "softplus_beta" else np.where(np.abs(X - 1.5) < 0.05, 1.0, X)
    check_op(fn, values)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", list(FUNCTIONALS))
def test_matches_torch(name, dtype):
    t = torch_or_skip()
    fn, tname, kwargs = FUNCTIONALS[name]
    tfn = getattr(t.nn.functional, tname)
    compare_torch(fn, lambda x: tfn(x, **kwargs), X, dtype=dtype)
    # Extreme inputs and the kink at 0: same values and gradients, no overflow warnings.
    compare_torch(fn, lambda x: tfn(x, **kwargs), EXTREME, dtype=dtype)


def test_softplus_reference_values_float32():
    x = npg.array([-1e4, -100.0, 0.0, 19.0, 21.0, 100.0, 1e4], requires_grad=True)
    y = softplus(x)
    np.testing.assert_allclose(y.data, [0, 3.78e-44, 0.6931472, 19.0, 21.0, 100, 1e4],
                               rtol=1e-3, atol=0)
    assert y.data[4] == 21.0 and y.data[6] == 1e4  # above the threshold: x exactly
    y.sum().backward()
    np.testing.assert_allclose(x.grad.data, [0, 3.78e-44, 0.5, 1, 1, 1, 1], rtol=1e-3, atol=0)


def test_kink_conventions():
    x = npg.array([0.0], requires_grad=True)
    leaky_relu(x, 0.2).sum().backward()
    assert x.grad.tolist() == [pytest.approx(0.2)]  # PyTorch: the slope at 0
    x.grad = None
    elu(x, 3.0).sum().backward()
    assert x.grad.tolist() == [3.0]  # PyTorch: alpha * exp(0) at 0


def test_gelu_rejects_unknown_approximation():
    with pytest.raises(ValueError, match="approximate"):
        gelu(npg.ones(2), approximate="fast")
    with pytest.raises(ValueError, match="approximate"):
        GELU("erf")


def test_dtype_preserved():
    for fn, *_ in FUNCTIONALS.values():
        assert fn(npg.ones(3, dtype=np.float32)).dtype == np.float32
        assert fn(npg.ones(3, dtype=np.float64)).dtype == np.float64


MODULES = [
    (ReLU(), "ReLU", {}), (LeakyReLU(0.3), "LeakyReLU", {"negative_slope": 0.3}),
    (ELU(0.5), "ELU", {"alpha": 0.5}), (GELU(), "GELU", {}),
    (GELU("tanh"), "GELU", {"approximate": "tanh"}), (SiLU(), "SiLU", {}),
    (Softplus(2.0, 5.0), "Softplus", {"beta": 2.0, "threshold": 5.0}),
    (Sigmoid(), "Sigmoid", {}), (Tanh(), "Tanh", {}), (Softmax(dim=1), "Softmax", {"dim": 1}),
    (LogSoftmax(dim=0), "LogSoftmax", {"dim": 0}),
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("module,tname,kwargs", MODULES, ids=[m[1] for m in MODULES])
def test_modules_match_torch(module, tname, kwargs, dtype):
    t = torch_or_skip()
    tmod = getattr(t.nn, tname)(**kwargs)
    compare_torch(module, tmod, X, dtype=dtype)
    assert list(module.parameters()) == []


def test_softmax_implicit_dim_warns():
    with pytest.warns(UserWarning, match="Implicit dimension"):
        out = Softmax()(npg.zeros((2, 4)))
    np.testing.assert_allclose(out.data, 0.25)  # dim 1 for 2-D input, as in PyTorch


def test_module_repr():
    assert "negative_slope=0.3" in repr(LeakyReLU(0.3))
    assert "dim=1" in repr(Softmax(dim=1))
