"""Values and gradients at non-finite and boundary inputs, against PyTorch.

Each elementwise op runs on the float64 inputs ``[nan, -inf, -2, -0.0, 0.0, 1.5, inf]``
plus the op's own kinks and thresholds; ``backward`` gets an upstream gradient of
ones. Output and input gradient are compared with PyTorch's element by element:
nan equals nan, infinities must match exactly, finite values to ``rtol=1e-12``
(transcendental functions round differently). Signed zeros are not distinguished.

Where numpygrad differs from PyTorch today the case is a strict xfail, whose
reason describes the difference: the file passes now and reports XPASS once the
difference is fixed (then drop the entry from ``FORWARD_XFAIL`` / ``GRAD_XFAIL``).
The value tests ignore RuntimeWarnings; ``test_no_runtime_warning`` checks them
(PyTorch is silent at non-finite inputs).

The ``create_graph`` tests run each op's recorded backward (numpygrad ops, not the
raw-NumPy fast path): its first-order gradient must equal PyTorch's just as silently,
and the second derivative is compared too (``SECOND_ORDER_XFAIL`` lists where they differ).

The fused paths of ``nn.Sequential`` (``AffineRelu``, ``LinearStack``) are checked
on a small model whose pre-activations are partly nan.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import numpygrad as npg
import numpygrad.nn.functional as F
from numpygrad import nn
from tests.helpers import torch, torch_or_skip

nan, inf = np.nan, np.inf
RTOL = 1e-12
BASE = (nan, -inf, -2.0, -0.0, 0.0, 1.5, inf)


def _tf() -> Any:
    """torch.nn.functional, looked up when a case runs (the tests skip without torch)."""
    return torch.nn.functional


def _vid(v: float) -> str:
    """A readable test id for an input value: 'nan', '-inf', '-0.0', '1.5', ..."""
    return "nan" if np.isnan(v) else repr(float(v))


# name: (numpygrad fn, torch fn, values added to BASE at the op's kinks / thresholds)
UNARY: dict[str, tuple[Callable[..., Any], Callable[..., Any], tuple[float, ...]]] = {
    # -- rectifiers
    "relu": (npg.relu, lambda t: torch.relu(t), (-1e-300, 1e-300)),
    "F.relu": (F.relu, lambda t: _tf().relu(t), ()),
    "nn.ReLU": (nn.ReLU(), lambda t: torch.nn.ReLU()(t), ()),
    "maximum_0": (lambda x: npg.maximum(x, 0.0),
                  lambda t: torch.maximum(t, torch.zeros_like(t)), ()),
    "leaky_relu": (lambda x: F.leaky_relu(x, 0.1), lambda t: _tf().leaky_relu(t, 0.1), ()),
    "leaky_relu_negative_slope": (lambda x: F.leaky_relu(x, -0.5),
                                  lambda t: _tf().leaky_relu(t, -0.5), ()),
    "nn.LeakyReLU": (nn.LeakyReLU(), lambda t: torch.nn.LeakyReLU()(t), ()),
    "elu": (F.elu, lambda t: _tf().elu(t), (-800.0, 800.0)),
    "elu_alpha2": (lambda x: F.elu(x, 2.0), lambda t: _tf().elu(t, 2.0), ()),
    "nn.ELU": (nn.ELU(), lambda t: torch.nn.ELU()(t), ()),
    # -- smooth activations
    "gelu": (F.gelu, lambda t: _tf().gelu(t), (-40.0, 40.0)),
    "gelu_tanh": (lambda x: F.gelu(x, approximate="tanh"),
                  lambda t: _tf().gelu(t, approximate="tanh"), (-40.0, 40.0, 1e103, -1e103)),
    "nn.GELU": (nn.GELU(), lambda t: torch.nn.GELU()(t), ()),
    "silu": (F.silu, lambda t: _tf().silu(t), (-800.0, 800.0)),
    "nn.SiLU": (nn.SiLU(), lambda t: torch.nn.SiLU()(t), ()),
    "sigmoid": (npg.sigmoid, lambda t: torch.sigmoid(t), (-800.0, 800.0)),
    "nn.Sigmoid": (nn.Sigmoid(), lambda t: torch.nn.Sigmoid()(t), ()),
    "tanh": (npg.tanh, lambda t: torch.tanh(t), (-800.0, 800.0)),
    "nn.Tanh": (nn.Tanh(), lambda t: torch.nn.Tanh()(t), ()),
    "softplus": (F.softplus, lambda t: _tf().softplus(t),
                 (20.0, float(np.nextafter(20.0, inf)), -800.0, 800.0)),
    "softplus_beta2_threshold3": (lambda x: F.softplus(x, beta=2.0, threshold=3.0),
                                  lambda t: _tf().softplus(t, beta=2.0, threshold=3.0),
                                  (1.5, float(np.nextafter(1.5, inf)))),
    "softplus_negative_beta": (lambda x: F.softplus(x, beta=-1.0),
                               lambda t: _tf().softplus(t, beta=-1.0), (-20.0, -21.0)),
    "nn.Softplus": (nn.Softplus(), lambda t: torch.nn.Softplus()(t), (20.0,)),
    # -- clip / clamp with constant bounds (numpygrad has no relu6 / hardtanh)
    "clip": (lambda x: npg.clip(x, -1.0, 1.5), lambda t: torch.clamp(t, -1.0, 1.5), (-1.0,)),
    "clip_0_6": (lambda x: npg.clip(x, 0.0, 6.0), lambda t: torch.clamp(t, 0.0, 6.0), (6.0,)),
    "clamp_min": (lambda x: npg.clamp(x, min=-2.0), lambda t: torch.clamp(t, min=-2.0), ()),
    "clamp_max": (lambda x: npg.clamp(x, max=0.0), lambda t: torch.clamp(t, max=0.0), ()),
    "clip_min_above_max": (lambda x: npg.clip(x, 1.0, -1.0),
                           lambda t: torch.clamp(t, 1.0, -1.0), (1.0, -1.0, 0.5)),
    "clip_infinite_bounds": (lambda x: npg.clip(x, -inf, inf),
                             lambda t: torch.clamp(t, -inf, inf), ()),
    "clip_nan_bound": (lambda x: npg.clip(x, nan, 1.0), lambda t: torch.clamp(t, nan, 1.0), ()),
    # -- piecewise constant
    "abs": (npg.abs, lambda t: torch.abs(t), ()),
    "sign": (npg.sign, lambda t: torch.sign(t), ()),
    "floor": (npg.floor, lambda t: torch.floor(t), (2.5,)),
    "ceil": (npg.ceil, lambda t: torch.ceil(t), (2.5,)),
    "round": (npg.round, lambda t: torch.round(t), (2.5,)),
    # -- elementary functions
    "sqrt": (npg.sqrt, lambda t: torch.sqrt(t), ()),
    "exp": (npg.exp, lambda t: torch.exp(t), (-800.0, 800.0)),
    "expm1": (npg.expm1, lambda t: torch.expm1(t), (-800.0, 800.0)),
    "log": (npg.log, lambda t: torch.log(t), ()),
    "log1p": (npg.log1p, lambda t: torch.log1p(t), (-1.0,)),
    "square": (npg.square, lambda t: torch.square(t), ()),
    "reciprocal": (npg.reciprocal, lambda t: torch.reciprocal(t), ()),
    "sin": (npg.sin, lambda t: torch.sin(t), ()),
    "cos": (npg.cos, lambda t: torch.cos(t), ()),
    "tan": (npg.tan, lambda t: torch.tan(t), ()),
    # -- powers with a constant exponent or base
    "x**2": (lambda x: x**2, lambda t: t**2, ()),
    "x**3": (lambda x: x**3, lambda t: t**3, ()),
    "x**0.5": (lambda x: x**0.5, lambda t: t**0.5, ()),
    "x**0": (lambda x: x**0, lambda t: t**0, ()),
    "x**-1": (lambda x: x**-1, lambda t: t**-1, ()),
    "2**x": (lambda x: 2.0**x, lambda t: 2.0**t, ()),
    "0**x": (lambda x: 0.0**x, lambda t: 0.0**t, ()),
}

# (case, value id) -> reason, for the cases that differ from PyTorch today (none at present).
FORWARD_XFAIL: dict[tuple[str, str], str] = {}
GRAD_XFAIL: dict[tuple[str, str], str] = {}


def _unary_values(name: str) -> np.ndarray:
    return np.array(BASE + UNARY[name][2], dtype=np.float64)


def _unary_setup(name: str) -> tuple[Any, Any, Any, np.ndarray, npg.Array]:
    """torch, the op in numpygrad and in torch, the test values, and them as a leaf."""
    t = torch_or_skip()
    npg_fn, torch_fn, _ = UNARY[name]
    v = _unary_values(name)
    return t, npg_fn, torch_fn, v, npg.array(v.copy(), requires_grad=True)


@functools.cache
def _unary_results(name: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(numpygrad output, its input gradient, torch output, torch input gradient)."""
    t, npg_fn, torch_fn, v, x = _unary_setup(name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        y = npg_fn(x)
        y.backward(npg.ones(y.shape, dtype=np.float64))
    tx = t.tensor(v.copy(), requires_grad=True)
    ty = torch_fn(tx)
    ty.backward(t.ones_like(ty))
    grad = np.zeros_like(v) if x.grad is None else x.grad.data
    return y.data, grad, ty.detach().numpy(), tx.grad.numpy()


def _unary_params(xfails: dict[tuple[str, str], str]) -> list[Any]:
    params = []
    for name in UNARY:
        for i, v in enumerate(_unary_values(name)):
            reason = xfails.get((name, _vid(v)))
            marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
            params.append(pytest.param(name, i, id=f"{name}[{_vid(v)}]", marks=marks))
    return params


def _assert_same(actual: Any, expected: Any, what: str) -> None:
    np.testing.assert_allclose(actual, expected, rtol=RTOL, atol=0, err_msg=what)


@pytest.mark.parametrize(("name", "i"), _unary_params(FORWARD_XFAIL))
def test_unary_forward(name, i):
    out, _, tout, _ = _unary_results(name)
    _assert_same(out[i], tout[i], f"{name} at {_unary_values(name)[i]}")


@pytest.mark.parametrize(("name", "i"), _unary_params(GRAD_XFAIL))
def test_unary_gradient(name, i):
    _, grad, _, tgrad = _unary_results(name)
    _assert_same(grad[i], tgrad[i], f"d {name} / dx at {_unary_values(name)[i]}")


# -- binary elementwise ops: gradients of both inputs ---------------------------------------
A = (nan, 1.0, nan, inf, -inf, inf, -0.0, 0.0, 2.0, 1.0, -inf, nan, 1.0)
B = (1.0, nan, nan, inf, -inf, 1.0, 0.0, -0.0, 2.0, 3.0, inf, -inf, -inf)

BINARY: dict[str, tuple[Callable[..., Any], Callable[..., Any]]] = {
    "maximum": (npg.maximum, lambda a, b: torch.maximum(a, b)),
    "minimum": (npg.minimum, lambda a, b: torch.minimum(a, b)),
    "logaddexp": (npg.logaddexp, lambda a, b: torch.logaddexp(a, b)),
    "clip_array_min": (lambda x, lo: npg.clip(x, lo, None),
                       lambda x, lo: torch.clamp(x, min=lo)),
    "clip_array_max": (lambda x, hi: npg.clip(x, None, hi),
                       lambda x, hi: torch.clamp(x, max=hi)),
    "power": (lambda a, b: a**b, lambda a, b: a**b),
}

# (case, "a,b" value ids, input "a" or "b") -> reason (none at present).
BINARY_GRAD_XFAIL: dict[tuple[str, str, str], str] = {}


@functools.cache
def _binary_results(name: str) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """([out, grad a, grad b] of numpygrad, the same of torch)."""
    t = torch_or_skip()
    npg_fn, torch_fn = BINARY[name]
    a, b = (np.array(v, dtype=np.float64) for v in (A, B))
    xa, xb = npg.array(a.copy(), requires_grad=True), npg.array(b.copy(), requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        y = npg_fn(xa, xb)
        y.backward(npg.ones(y.shape, dtype=np.float64))
    ta, tb = t.tensor(a.copy(), requires_grad=True), t.tensor(b.copy(), requires_grad=True)
    ty = torch_fn(ta, tb)
    ty.backward(t.ones_like(ty))
    ours = [y.data] + [np.zeros_like(a) if g is None else g.data for g in (xa.grad, xb.grad)]
    theirs = [ty.detach().numpy()] + [np.zeros_like(a) if g is None else g.numpy()
                                      for g in (ta.grad, tb.grad)]
    return ours, theirs


def _binary_params(with_input: bool) -> list[Any]:
    params = []
    for name in BINARY:
        for i, (a, b) in enumerate(zip(A, B)):
            pair = f"{_vid(a)},{_vid(b)}"
            for which in ("a", "b") if with_input else ("out",):
                reason = BINARY_GRAD_XFAIL.get((name, pair, which))
                marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
                suffix = f"-d{which}" if with_input else ""
                params.append(pytest.param(name, i, which, id=f"{name}[{pair}]{suffix}",
                                           marks=marks))
    return params


@pytest.mark.parametrize(("name", "i", "which"), _binary_params(with_input=False))
def test_binary_forward(name, i, which):
    ours, theirs = _binary_results(name)
    _assert_same(ours[0][i], theirs[0][i], f"{name}({A[i]}, {B[i]})")


@pytest.mark.parametrize(("name", "i", "which"), _binary_params(with_input=True))
def test_binary_gradient(name, i, which):
    ours, theirs = _binary_results(name)
    k = 1 if which == "a" else 2
    _assert_same(ours[k][i], theirs[k][i], f"d {name}({A[i]}, {B[i]}) / d{which}")


# -- RuntimeWarnings (PyTorch never warns at non-finite values) -----------------------------
# name -> reason, for the ops that warn today (none at present).
WARNING_XFAIL: dict[str, str] = {}


@pytest.mark.parametrize("name", [
    pytest.param(n, marks=[pytest.mark.xfail(strict=True, reason=WARNING_XFAIL[n])]
                 if n in WARNING_XFAIL else []) for n in UNARY])
def test_no_runtime_warning(name):
    x = npg.array(_unary_values(name), requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        y = UNARY[name][0](x)
        y.backward(npg.ones(y.shape, dtype=np.float64))


# -- create_graph: the recorded backward (numpygrad ops) and the second derivative --------
# Under create_graph=True each op's backward runs its recorded path, not the raw-NumPy fast
# path the tests above exercise: it must give the same first-order values, as silently.
_STRICT_MASK = ("PyTorch's double backward masks with a strict inequality ({rule}), so its "
                "second derivative is 0 at the kink where its own first derivative takes the "
                "curved branch; numpygrad differentiates its first derivative as it is")
_ELU_KINK = _STRICT_MASK.format(rule="x < 0; the first derivative uses x <= 0")
_SOFTPLUS_KINK = _STRICT_MASK.format(rule="beta x < threshold; the first derivative uses "
                                          "beta x > threshold for the linear branch")
_ZERO_POW_TRAP = ("0**x: d/dx is where(x >= 0, 0, 0**x * log(0)); PyTorch differentiates the "
                  "discarded branch too (0 * log(0) = nan, the where trap), numpygrad feeds it "
                  "a safe base and gets the true second derivative 0")
# (case, value id) -> reason, for second derivatives that differ from PyTorch's.
SECOND_ORDER_XFAIL: dict[tuple[str, str], str] = {
    **{(name, v): _ELU_KINK for name in ("elu", "elu_alpha2", "nn.ELU") for v in ("-0.0", "0.0")},
    **{(name, v): _SOFTPLUS_KINK for name, v in (
        ("softplus", "20.0"), ("nn.Softplus", "20.0"), ("softplus_negative_beta", "-20.0"),
        ("softplus_beta2_threshold3", "1.5"))},
    **{("0**x", v): _ZERO_POW_TRAP for v in ("-0.0", "0.0", "1.5", "inf")},
}


@functools.cache
def _unary_create_graph(name: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(recorded input gradient, second derivative) of numpygrad, and torch's second derivative.

    Both second derivatives are the gradient of ``sum(dy/dx)``; where the recorded
    gradient does not depend on x (piecewise-linear ops) they are 0.
    """
    t, npg_fn, torch_fn, v, x = _unary_setup(name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        y = npg_fn(x)
        (g,) = npg.grad(y, [x], grad_outputs=npg.ones(y.shape, dtype=np.float64),
                        create_graph=True)
        second = np.zeros_like(v)
        if g.requires_grad:
            (h,) = npg.grad(g, [x], grad_outputs=npg.ones(g.shape, dtype=np.float64),
                            allow_unused=True)
            second = second if h is None else h.data
    tx = t.tensor(v.copy(), requires_grad=True)
    ty = torch_fn(tx)
    (tg,) = t.autograd.grad(ty, tx, t.ones_like(ty), create_graph=True)
    tsecond = np.zeros_like(v)
    if tg.requires_grad:
        (th,) = t.autograd.grad(tg, tx, t.ones_like(tg), materialize_grads=True)
        tsecond = th.detach().numpy(force=True)  # force: torch may give a ZeroTensor
    return g.data, second, tsecond


@pytest.mark.parametrize(("name", "i"), _unary_params(GRAD_XFAIL))
def test_unary_gradient_create_graph(name, i):
    recorded, _, _ = _unary_create_graph(name)
    _, _, _, tgrad = _unary_results(name)
    _assert_same(recorded[i], tgrad[i], f"recorded d {name} / dx at {_unary_values(name)[i]}")


@pytest.mark.parametrize(("name", "i"), _unary_params(SECOND_ORDER_XFAIL))
def test_unary_second_derivative(name, i):
    _, second, tsecond = _unary_create_graph(name)
    _assert_same(second[i], tsecond[i], f"d2 {name} / dx2 at {_unary_values(name)[i]}")


@pytest.mark.parametrize("name", list(UNARY))
def test_no_runtime_warning_create_graph(name):
    """The recorded backward is as silent as the fast path (the second derivative may warn)."""
    x = npg.array(_unary_values(name), requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        y = UNARY[name][0](x)
        npg.grad(y, [x], grad_outputs=npg.ones(y.shape, dtype=np.float64), create_graph=True)


@functools.cache
def _binary_create_graph(name: str) -> list[np.ndarray]:
    """[grad a, grad b] of numpygrad, built with create_graph=True."""
    a, b = (np.array(v, dtype=np.float64) for v in (A, B))
    xa, xb = npg.array(a.copy(), requires_grad=True), npg.array(b.copy(), requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        y = BINARY[name][0](xa, xb)
        grads = npg.grad(y, [xa, xb], grad_outputs=npg.ones(y.shape, dtype=np.float64),
                         create_graph=True, allow_unused=True)
    return [np.zeros_like(a) if g is None else g.data for g in grads]


@pytest.mark.parametrize(("name", "i", "which"), _binary_params(with_input=True))
def test_binary_gradient_create_graph(name, i, which):
    _, theirs = _binary_results(name)
    k = 1 if which == "a" else 2
    recorded = _binary_create_graph(name)[k - 1]
    _assert_same(recorded[i], theirs[k][i], f"recorded d {name}({A[i]}, {B[i]}) / d{which}")


# -- fused Linear + ReLU paths of nn.Sequential / nn.MLP ------------------------------------
W1 = np.array([[0.5, -1.0, 0.25], [1.0, 0.5, -0.5], [-0.75, 0.25, 1.0], [0.3, 0.2, -0.1]])
B1 = np.array([0.1, -0.2, 0.3, 0.0])
W2 = np.array([[1.0, -0.5, 0.25, 2.0], [-0.5, 0.75, 0.5, -0.25]])
B2 = np.array([0.05, -0.05])
X = np.array([[0.5, -0.25, 2.0], [1.0, 1.0, 1.0], [-1.0, 0.5, 0.25]])


def _source(source: str) -> tuple[np.ndarray, np.ndarray]:
    """(input, first weight) making some pre-activations nan."""
    x, w1 = X.copy(), W1.copy()
    if source == "nan_input":
        x[0, 0] = nan  # the whole first row of pre-activations is nan
    else:  # "inf_weights": inf - inf = nan in hidden unit 1 for every row with x1 = x2
        w1[1, :2] = [inf, -inf]
        x[2, :2] = [1.0, 1.0]
    return x, w1


# kind: (builder name, input reshaped how, the node Sequential must use)
FUSED = {
    "sequential_linear_stack": ("sequential", "2d", "LinearStack"),
    "mlp_linear_stack": ("mlp", "2d", "LinearStack"),
    "sequential_affine_relu": ("single", "2d", "AffineRelu"),
    "sequential_3d_affine_relu": ("sequential", "3d", "AffineRelu"),
    "linear_stack_create_graph": ("sequential", "2d", "LinearStack"),
}
# (kind, parameter) pairs whose gradient differs from torch, for both nan sources
# (none now: the fused nodes mask with ``output != 0``, ReLU's rule).
FUSED_XFAIL: dict[tuple[str, str], str] = {}


def _npg_model(builder: str, w1: np.ndarray) -> tuple[nn.Module, list[Any]]:
    if builder == "mlp":
        model = nn.MLP([3, 4, 2], dtype=np.float64)
        layers = [model.layers[0], model.layers[2]]
    elif builder == "single":
        model = nn.Sequential(nn.Linear(3, 4, dtype=np.float64), nn.ReLU())
        layers = [model[0]]
    else:
        model = nn.Sequential(nn.Linear(3, 4, dtype=np.float64), nn.ReLU(),
                              nn.Linear(4, 2, dtype=np.float64))
        layers = [model[0], model[2]]
    for layer, (w, b) in zip(layers, ((w1, B1), (W2, B2))):
        layer.weight.data[...] = w
        layer.bias.data[...] = b
    return model, [p for layer in layers for p in (layer.weight, layer.bias)]


def _torch_model(builder: str, w1: np.ndarray) -> tuple[Any, list[Any]]:
    t = torch_or_skip()
    layers = [t.nn.Linear(3, 4, dtype=t.float64)]
    if builder != "single":
        layers.append(t.nn.Linear(4, 2, dtype=t.float64))
    with t.no_grad():
        for layer, (w, b) in zip(layers, ((w1, B1), (W2, B2))):
            layer.weight.copy_(t.tensor(w))
            layer.bias.copy_(t.tensor(b))
    model = t.nn.Sequential(layers[0], t.nn.ReLU(), *layers[1:])
    return model, [p for layer in layers for p in (layer.weight, layer.bias)]


def _fused_node(y: npg.Array) -> str:
    """The name of the first fused node on the path from y (Affine for 3-D: look below)."""
    node = y.grad_fn
    while node is not None and type(node).__name__ not in ("LinearStack", "AffineRelu"):
        node = node.next_functions[0] if node.next_functions else None
    return type(node).__name__


PARAMS = ("x", "weight1", "bias1", "weight2", "bias2")


@functools.cache
def _fused_results(kind: str, source: str) -> tuple[dict[str, np.ndarray], ...]:
    """(numpygrad fused, numpygrad one module at a time, torch): output and gradients."""
    t = torch_or_skip()
    builder, layout, node = FUSED[kind]
    xv, w1 = _source(source)
    if layout == "3d":
        xv = xv[None]
    results = []
    for fused in (True, False):
        model, params = _npg_model(builder, w1)
        x = npg.array(xv.copy(), requires_grad=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            if fused:
                y = model(x)
                assert _fused_node(y) == node
            else:
                y = x
                for m in (model.layers if builder == "mlp" else model):
                    y = m(y)
            up = npg.ones(y.shape, dtype=np.float64)
            if kind.endswith("create_graph"):
                grads = npg.grad(y, [x, *params], grad_outputs=up, create_graph=True)
            else:
                y.backward(up)
                grads = [x.grad, *(p.grad for p in params)]
        results.append({"out": y.data, **{n: g.data for n, g in zip(PARAMS, grads)}})
    model, params = _torch_model(builder, w1)
    tx = t.tensor(xv.copy(), requires_grad=True)
    ty = model(tx)
    ty.backward(t.ones_like(ty))
    results.append({"out": ty.detach().numpy(),
                    **{n: g.grad.numpy() for n, g in zip(PARAMS, [tx, *params])}})
    return tuple(results)


def _fused_params(with_param: bool) -> list[Any]:
    params = []
    for kind, (builder, _, _) in FUSED.items():
        for source in ("nan_input", "inf_weights"):
            names = [p for p in PARAMS if builder != "single" or not p.endswith("2")]
            for p in names if with_param else ["out"]:
                reason = FUSED_XFAIL.get((kind, p))
                marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
                params.append(pytest.param(kind, source, p, id=f"{kind}-{source}-{p}",
                                           marks=marks))
    return params


@pytest.mark.parametrize(("kind", "source", "what"), _fused_params(with_param=False))
def test_fused_forward(kind, source, what):
    fused, _, theirs = _fused_results(kind, source)
    _assert_same(fused["out"], theirs["out"], f"{kind} output")


@pytest.mark.parametrize(("kind", "source", "what"), _fused_params(with_param=True))
def test_fused_gradient(kind, source, what):
    fused, _, theirs = _fused_results(kind, source)
    _assert_same(fused[what], theirs[what], f"{kind}: gradient of {what}")


@pytest.mark.parametrize(("kind", "source", "what"), [
    pytest.param(*p.values, id=p.id) for p in _fused_params(with_param=True)])
def test_fused_matches_modules_one_at_a_time(kind, source, what):
    """Whatever torch does, the fused nodes give what the modules run one by one give."""
    fused, unfused, _ = _fused_results(kind, source)
    _assert_same(fused[what], unfused[what], f"{kind}: gradient of {what}")


# -- bookkeeping ---------------------------------------------------------------------------
def test_xfail_tables_name_existing_cases():
    for name, value in (*FORWARD_XFAIL, *GRAD_XFAIL):
        assert name in UNARY and value in {_vid(v) for v in _unary_values(name)}, (name, value)
    pairs = {f"{_vid(a)},{_vid(b)}" for a, b in zip(A, B)}
    for name, pair, which in BINARY_GRAD_XFAIL:
        assert name in BINARY and pair in pairs and which in "ab", (name, pair, which)
    for name, value in SECOND_ORDER_XFAIL:
        assert name in UNARY and value in {_vid(v) for v in _unary_values(name)}, (name, value)
    assert set(WARNING_XFAIL) <= set(UNARY)
    assert {k for k, _ in FUSED_XFAIL} <= set(FUSED)
