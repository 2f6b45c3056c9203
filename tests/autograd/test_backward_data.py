"""``Function.backward_data`` (first order, on ndarrays) against ``backward`` (recorded).

A plain ``backward()`` / ``npg.grad(...)`` runs each node's ``backward_data``;
``create_graph=True`` runs its ``backward``. Built-in ops override
``backward_data`` with the same formula written on raw ndarrays, so the two
definitions can drift apart without any single-path test noticing. This module:

1. discovers every ``Function`` subclass of the package that overrides
   ``backward_data``;
2. differentiates a table of small cases both ways and asserts the results agree;
3. asserts that every discovered override is exercised by at least one case, so
   an override added later without a case here fails loudly;
4. pins the engine's contract for ``backward_data`` in custom ops (return types,
   which method runs when, hooks, ``retain_grad``, memory ownership).
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import numpygrad as npg
import numpygrad.linalg
import numpygrad.nn
import numpygrad.nn.functional as F
from numpygrad import nn
from numpygrad.ops.arithmetic import Add, Mul, Sub
from numpygrad.ops.reduction import Mean, Sum
from numpygrad.ops.trig import Tanh

SEED = 20240611

#: Tolerances of the agreement check, per leaf dtype. Both paths compute the same
#: formula, so only rounding differences (a different evaluation order) are allowed.
TOLERANCES = {
    np.dtype(np.float64): {"rtol": 1e-10, "atol": 1e-12},
    np.dtype(np.float32): {"rtol": 1e-5, "atol": 1e-6},
}

#: Classes overriding ``backward_data`` that no public call can put in a graph.
#: Every entry needs a comment saying why. (Internal ops that appear only in
#: gradient graphs are *not* unreachable: the ``grad_of_*`` cases below build
#: such graphs with ``create_graph=True`` and differentiate them again.)
UNREACHABLE: frozenset[type] = frozenset()


# -- discovery ----------------------------------------------------------------------------
def _import_all_op_modules() -> None:
    """Import every module of the package so that all Function subclasses exist."""
    for info in pkgutil.walk_packages(npg.__path__, prefix="numpygrad."):
        importlib.import_module(info.name)


def _function_subclasses() -> set[type]:
    """All subclasses of ``npg.Function`` defined in the package (iteratively).

    Classes defined outside the package (the custom ops of this and other test
    modules) are excluded: they are not ops the table below could or should cover.
    """
    _import_all_op_modules()
    found: set[type] = set()
    stack = [npg.Function]
    while stack:
        cls = stack.pop()
        for sub in cls.__subclasses__():
            if sub not in found:
                found.add(sub)
                stack.append(sub)
    return {c for c in found if c.__module__.split(".")[0] == "numpygrad"}


def overriding_classes() -> set[type]:
    """The package's Function subclasses whose own ``__dict__`` defines ``backward_data``."""
    return {c for c in _function_subclasses() if "backward_data" in c.__dict__}


def _backward_data_owner(cls: type) -> type:
    """The class whose ``backward_data`` a node of type ``cls`` runs (first in the MRO)."""
    return next(k for k in cls.__mro__ if "backward_data" in k.__dict__)


def _names(classes: Any) -> list[str]:
    return sorted(f"{c.__module__}.{c.__qualname__}" for c in classes)


def test_discovery_finds_the_known_overrides():
    found = overriding_classes()
    expected = {Add, Sub, Mul, Tanh, Sum, Mean}
    missing = expected - found
    assert not missing, f"discovery missed {_names(missing)}; found {_names(found)}"


def test_unreachable_entries_are_current():
    """An UNREACHABLE entry that no longer overrides backward_data is stale."""
    stale = UNREACHABLE - overriding_classes()
    assert not stale, f"remove from UNREACHABLE: {_names(stale)}"


# -- building the cases -------------------------------------------------------------------
def _values(rng: np.random.Generator, shape: tuple[int, ...], kind: str) -> np.ndarray:
    """Random float64 values away from the singular points of the ops using them.

    ``normal``: standard normal (no exact ties, so max/min/sort are differentiable).
    ``positive``: in [0.5, 2] (log, sqrt, a divisor, a power with a fractional exponent).
    ``nonzero``: magnitude in [0.2, 2], random sign (relu, abs, clip and other kinks at 0).
    """
    if kind == "normal":
        return rng.standard_normal(shape)
    if kind == "positive":
        return rng.uniform(0.5, 2.0, shape)
    if kind == "nonzero":
        return rng.uniform(0.2, 2.0, shape) * rng.choice([-1.0, 1.0], size=shape)
    raise ValueError(kind)


def _leaf(values: np.ndarray, dtype: Any) -> npg.Array:
    return npg.array(np.asarray(values).astype(dtype), requires_grad=True)


#: ``setup(rng, dtype) -> (forward, leaves)``. ``forward()`` builds a fresh graph on
#: the same leaves each time it is called (so each differentiation has its own graph).
Setup = Callable[[np.random.Generator, Any], tuple[Callable[[], npg.Array], list[npg.Array]]]

N, P, NZ = "normal", "positive", "nonzero"


def _op(fn: Callable[..., npg.Array], *specs: tuple[tuple[int, ...], str]) -> Setup:
    """A case ``fn(*leaves)``, one leaf per ``(shape, kind)`` spec."""
    def setup(rng, dtype):
        leaves = [_leaf(_values(rng, shape, kind), dtype) for shape, kind in specs]
        return (lambda: fn(*leaves)), leaves
    return setup


def _with_targets(fn: Callable[..., npg.Array], shape: tuple[int, int],
                  as_array: bool = False) -> Setup:
    """A classification loss ``fn(logits, targets)``: int64 class indices, fixed."""
    def setup(rng, dtype):
        logits = _leaf(_values(rng, shape, N), dtype)
        t = rng.integers(0, shape[1], size=shape[0]).astype(np.int64)
        targets = npg.array(t) if as_array else t
        return (lambda: fn(logits, targets)), [logits]
    return setup


def _module(build: Callable[[], nn.Module], x_shape: tuple[int, ...]) -> Setup:
    """A module's forward; the leaves are its parameters and the input."""
    def setup(rng, dtype):
        model = build().to(dtype)
        x = _leaf(_values(rng, x_shape, N), dtype)
        return (lambda: model(x)), [*model.parameters(), x]
    return setup


def _grad_of(inner: Setup, wrt: tuple[int, ...] = (0,)) -> Setup:
    """The gradient graph of ``inner`` (recorded with ``create_graph=True``) as the output.

    Differentiating it again runs the ``backward_data`` of the nodes that
    backward formulas record (the internal ops of conv, pooling, embedding, ...).
    """
    def setup(rng, dtype):
        forward, leaves = inner(rng, dtype)
        with npg.no_grad():
            shape = forward().shape
        c = npg.array(rng.standard_normal(shape).astype(dtype))

        def grad_forward():
            gs = npg.grad((forward() * c).sum(), [leaves[i] for i in wrt], create_graph=True)
            return gs[0] if len(gs) == 1 else npg.concatenate([g.reshape(-1) for g in gs])

        # The leaves the gradient depends on (a bias, for one, drops out of it).
        probe = grad_forward()
        used = npg.grad(probe.sum(), leaves, allow_unused=True) if probe.requires_grad else ()
        used_leaves = [x for x, g in zip(leaves, used) if g is not None]
        assert used_leaves, "the gradient graph depends on no leaf: not a useful case"
        return grad_forward, used_leaves
    return setup


def _squared(inner: Setup) -> Setup:
    """``inner``'s output squared (so that its gradient depends on the leaves)."""
    def setup(rng, dtype):
        forward, leaves = inner(rng, dtype)
        return (lambda: forward() ** 2), leaves
    return setup


def _mlp():
    return nn.MLP([4, 5, 3], generator=npg.random.Generator(1))


def _linear_relu():
    return nn.Sequential(nn.Linear(4, 5, generator=npg.random.Generator(2)), nn.ReLU())


def _linear_relu_linear():
    g = npg.random.Generator(3)
    return nn.Sequential(nn.Linear(4, 5, generator=g), nn.ReLU(), nn.Linear(5, 3, generator=g))


def _layer_norm(x, w, b):
    return F.layer_norm(x, 4, w, b)


def _batch_norm(x, w, b):
    return F.batch_norm(x, None, None, w, b, training=True)


def _conv(x, w, b):
    return F.conv2d(x, w, b, padding=1)


def _embedding_setup(rng, dtype):
    weight = _leaf(_values(rng, (6, 3), N), dtype)
    idx = np.array([[0, 2, 5], [2, 2, 1]])  # repeated indices: the gradient accumulates
    return (lambda: F.embedding(idx, weight)), [weight]


def _setitem_setup(rng, dtype):
    x = _leaf(_values(rng, (3, 4), N), dtype)
    v = _leaf(_values(rng, (2,), N), dtype)
    return (lambda: npg.setitem(x * 1.0, (1, slice(1, 3)), v)), [x, v]


_MASK = np.array([[True, False, False, True]] * 3)
_WHERE = np.array([[True, False, True, False], [False, False, True, True], [True] * 4])

#: (name, setup, dtypes): the required cases first, then broader coverage.
_TABLE: list[tuple[str, Setup, tuple[Any, ...]]] = [
    # -- arithmetic
    ("add_broadcast", _op(lambda a, b: a + b, ((3, 4), N), ((4,), N)), (np.float64,)),
    ("sub_broadcast", _op(lambda a, b: a - b, ((3, 4), N), ((4,), N)), (np.float64,)),
    ("sub_broadcast_reversed", _op(lambda a, b: a - b, ((4,), N), ((3, 4), N)), (np.float64,)),
    ("mul_broadcast", _op(lambda a, b: a * b, ((3, 4), N), ((4,), N)),
     (np.float64, np.float32)),
    ("mul_same_array", _op(lambda x: x * x, ((3, 4), N)), (np.float64,)),
    ("mul_scalar", _op(lambda x: x * 2.5, ((3, 4), N)), (np.float64,)),
    ("div", _op(lambda a, b: a / b, ((3, 4), N), ((3, 4), NZ)), (np.float64,)),
    ("div_broadcast", _op(lambda a, b: a / b, ((3, 4), N), ((4,), NZ)), (np.float64,)),
    ("neg", _op(lambda x: -x, ((3, 4), N)), (np.float64,)),
    ("pow_float", _op(lambda x: x ** 2.0, ((3, 4), N)), (np.float64,)),
    ("pow_int", _op(lambda x: x ** 3, ((3, 4), N)), (np.float64,)),
    ("pow_rsqrt", _op(lambda x: x ** -0.5, ((3, 4), P)), (np.float64,)),
    ("pow_array_exponent", _op(lambda a, b: a ** b, ((3, 4), P), ((4,), N)), (np.float64,)),
    # -- elementwise
    ("exp", _op(npg.exp, ((3, 4), N)), (np.float64,)),
    ("log", _op(npg.log, ((3, 4), P)), (np.float64,)),
    ("sqrt", _op(npg.sqrt, ((3, 4), P)), (np.float64,)),
    ("tanh", _op(npg.tanh, ((3, 4), N)), (np.float64, np.float32)),
    ("sigmoid", _op(npg.sigmoid, ((3, 4), N)), (np.float64,)),
    ("relu", _op(npg.relu, ((3, 4), NZ)), (np.float64,)),
    # -- reductions
    ("sum_all", _op(lambda x: x.sum(), ((3, 4), N)), (np.float64,)),
    ("sum_axis1", _op(lambda x: x.sum(axis=1), ((3, 4), N)), (np.float64, np.float32)),
    ("sum_axis0_keepdims", _op(lambda x: x.sum(axis=0, keepdims=True), ((3, 4), N)),
     (np.float64,)),
    ("sum_0d_input", _op(lambda x: x.sum(), ((), N)), (np.float64,)),
    ("mean_all", _op(lambda x: x.mean(), ((3, 4), N)), (np.float64,)),
    ("mean_axis1", _op(lambda x: x.mean(axis=1), ((3, 4), N)), (np.float64,)),
    ("mean_axes_keepdims", _op(lambda x: x.mean(axis=(0, 2), keepdims=True), ((2, 3, 4), N)),
     (np.float64,)),
    ("max_axis1", _op(lambda x: x.max(axis=1), ((3, 4), N)), (np.float64,)),
    # -- shape and indexing
    ("reshape", _op(lambda x: x.reshape(2, 6), ((3, 4), N)), (np.float64,)),
    ("transpose_T", _op(lambda x: x.T, ((3, 4), N)), (np.float64,)),
    ("transpose_axes", _op(lambda x: npg.transpose(x, (2, 0, 1)), ((2, 3, 4), N)),
     (np.float64,)),
    ("getitem_slice", _op(lambda x: x[1:, ::2], ((3, 4), N)), (np.float64,)),
    ("getitem_advanced", _op(lambda x: x[np.array([0, 2, 0])], ((3, 4), N)), (np.float64,)),
    # -- linear algebra and layers
    ("matmul_2d", _op(lambda a, b: a @ b, ((3, 4), N), ((4, 2), N)), (np.float64,)),
    ("matmul_matrix_vector", _op(lambda a, b: a @ b, ((3, 4), N), ((4,), N)), (np.float64,)),
    ("matmul_vector_vector", _op(lambda a, b: a @ b, ((4,), N), ((4,), N)), (np.float64,)),
    ("matmul_batched_broadcast", _op(lambda a, b: a @ b, ((2, 3, 4), N), ((4, 5), N)),
     (np.float64,)),
    ("linear", _op(F.linear, ((3, 4), N), ((5, 4), N), ((5,), N)), (np.float64,)),
    ("linear_no_bias", _op(F.linear, ((3, 4), N), ((5, 4), N)), (np.float64,)),
    ("softmax", _op(lambda x: F.softmax(x, dim=1), ((3, 4), N)), (np.float64,)),
    ("log_softmax", _op(lambda x: F.log_softmax(x, dim=1), ((3, 4), N)), (np.float64,)),
    ("cross_entropy", _with_targets(F.cross_entropy, (4, 5)), (np.float64, np.float32)),
    ("cross_entropy_array_targets", _with_targets(F.cross_entropy, (4, 5), as_array=True),
     (np.float64,)),
    ("gelu_none", _op(lambda x: F.gelu(x, approximate="none"), ((3, 4), N)), (np.float64,)),
    ("gelu_tanh", _op(lambda x: F.gelu(x, approximate="tanh"), ((3, 4), N)), (np.float64,)),
    ("silu", _op(F.silu, ((3, 4), N)), (np.float64,)),
    ("softplus", _op(F.softplus, ((3, 4), N)), (np.float64,)),
    ("layer_norm", _op(_layer_norm, ((3, 4), N), ((4,), N), ((4,), N)), (np.float64,)),
    ("mlp_linear_stack", _module(_mlp, (3, 4)), (np.float64,)),
    ("sequential_linear_relu_affine_relu", _module(_linear_relu, (3, 4)), (np.float64,)),
    ("sequential_3d_input", _module(_linear_relu_linear, (2, 3, 4)), (np.float64,)),
    # -- broader coverage (ops an override may be added to later)
    ("abs", _op(npg.abs, ((3, 4), NZ)), (np.float64,)),
    ("square", _op(npg.square, ((3, 4), N)), (np.float64,)),
    ("reciprocal", _op(npg.reciprocal, ((3, 4), NZ)), (np.float64,)),
    ("expm1", _op(npg.expm1, ((3, 4), N)), (np.float64,)),
    ("log1p", _op(npg.log1p, ((3, 4), P)), (np.float64,)),
    ("sin", _op(npg.sin, ((3, 4), N)), (np.float64,)),
    ("cos", _op(npg.cos, ((3, 4), N)), (np.float64,)),
    ("tan", _op(npg.tan, ((3, 4), NZ)), (np.float64,)),
    ("logaddexp", _op(npg.logaddexp, ((3, 4), N), ((4,), N)), (np.float64,)),
    ("maximum", _op(npg.maximum, ((3, 4), N), ((3, 4), N)), (np.float64,)),
    ("minimum", _op(npg.minimum, ((3, 4), N), ((4,), N)), (np.float64,)),
    ("where", _op(lambda a, b: npg.where(_WHERE, a, b), ((3, 4), N), ((4,), N)),
     (np.float64,)),
    ("clip", _op(lambda x: npg.clip(x, -0.5, 0.7), ((3, 4), NZ)), (np.float64,)),
    ("clip_array_bounds", _op(lambda x, lo: npg.clip(x, lo, None), ((3, 4), N), ((4,), N)),
     (np.float64,)),
    ("sign_times_x", _op(lambda x: npg.sign(x) * x, ((3, 4), NZ)), (np.float64,)),
    ("cast_to_float32", _op(lambda x: npg.cast(x, np.float32), ((3, 4), N)), (np.float64,)),
    ("positive_copy", _op(npg.positive_copy, ((3, 4), N)), (np.float64,)),
    ("masked_fill", _op(lambda x: npg.masked_fill(x, _MASK, 0.5), ((3, 4), N)),
     (np.float64,)),
    ("setitem", _setitem_setup, (np.float64,)),
    ("prod", _op(lambda x: npg.prod(x, axis=1), ((3, 4), NZ)), (np.float64,)),
    ("min_all", _op(npg.min, ((3, 4), N)), (np.float64,)),
    ("logsumexp", _op(lambda x: npg.logsumexp(x, axis=1), ((3, 4), N)), (np.float64,)),
    ("var", _op(lambda x: npg.var(x, axis=0), ((3, 4), N)), (np.float64,)),
    ("std", _op(lambda x: npg.std(x, axis=1, ddof=1), ((3, 4), N)), (np.float64,)),
    ("cumsum", _op(lambda x: npg.cumsum(x, axis=1), ((3, 4), N)), (np.float64,)),
    ("cumprod", _op(lambda x: npg.cumprod(x, axis=1), ((3, 4), NZ)), (np.float64,)),
    ("concatenate", _op(lambda a, b: npg.concatenate([a, b], axis=0), ((3, 4), N),
                        ((2, 4), N)), (np.float64,)),
    ("stack", _op(lambda a, b: npg.stack([a, b], axis=1), ((3, 4), N), ((3, 4), N)),
     (np.float64,)),
    ("pad", _op(lambda x: npg.pad(x, ((1, 0), (2, 1))), ((3, 4), N)), (np.float64,)),
    ("repeat", _op(lambda x: npg.repeat(x, 2, axis=0), ((3, 4), N)), (np.float64,)),
    ("tile", _op(lambda x: npg.tile(x, (2, 1)), ((3, 4), N)), (np.float64,)),
    ("broadcast_to", _op(lambda x: npg.broadcast_to(x, (3, 4)), ((4,), N)), (np.float64,)),
    ("flip", _op(lambda x: npg.flip(x, axis=1), ((3, 4), N)), (np.float64,)),
    ("roll", _op(lambda x: npg.roll(x, 1, axis=1), ((3, 4), N)), (np.float64,)),
    ("triu", _op(npg.triu, ((4, 4), N)), (np.float64,)),
    ("diagonal", _op(npg.diagonal, ((4, 4), N)), (np.float64,)),
    ("einsum", _op(lambda a, b: npg.einsum("ij,jk->ik", a, b), ((3, 4), N), ((4, 2), N)),
     (np.float64,)),
    ("tensordot", _op(lambda a, b: npg.tensordot(a, b, axes=1), ((3, 4), N), ((4, 2), N)),
     (np.float64,)),
    ("vector_norm", _op(lambda x: numpygrad.linalg.vector_norm(x, axis=1), ((3, 4), N)),
     (np.float64,)),
    ("matrix_norm_spectral", _op(lambda x: numpygrad.linalg.matrix_norm(x, ord=2),
                                 ((3, 4), N)), (np.float64,)),
    ("det", _op(numpygrad.linalg.det, ((3, 3), N)), (np.float64,)),
    ("inv", _op(numpygrad.linalg.inv, ((3, 3), N)), (np.float64,)),
    ("solve", _op(numpygrad.linalg.solve, ((3, 3), N), ((3, 2), N)), (np.float64,)),
    # Other branches of the same backward_data methods.
    ("solve_vector", _op(numpygrad.linalg.solve, ((3, 3), N), ((3,), N)),
     (np.float64, np.float32)),
    ("vector_norm_inf", _op(lambda x: numpygrad.linalg.vector_norm(x, ord=np.inf, axis=1),
                            ((3, 4), N)), (np.float64,)),
    ("vector_norm_1", _op(lambda x: numpygrad.linalg.vector_norm(x, ord=1, axis=1),
                          ((3, 4), NZ)), (np.float64,)),
    ("vector_norm_3", _op(lambda x: numpygrad.linalg.vector_norm(x, ord=3, axis=0),
                          ((3, 4), NZ)), (np.float64, np.float32)),
    ("einsum_diagonal", _op(lambda x: npg.einsum("ii->i", x), ((4, 4), N)), (np.float64,)),
    ("einsum_ellipsis", _op(lambda a, b: npg.einsum("...ij,jk->...ik", a, b),
                            ((2, 3, 4), N), ((4, 2), N)), (np.float64, np.float32)),
    ("cumprod_with_zero", _op(lambda x: npg.cumprod(x * npg.array([1.0, 0.0, 1.0, 1.0]),
                                                    axis=1), ((3, 4), NZ)), (np.float64,)),
    ("matmul_float32", _op(lambda a, b: a @ b, ((2, 3, 4), N), ((4, 2), N)), (np.float32,)),
    ("leaky_relu", _op(lambda x: F.leaky_relu(x, 0.1), ((3, 4), NZ)), (np.float64,)),
    ("elu", _op(F.elu, ((3, 4), NZ)), (np.float64,)),
    ("nll_loss", _with_targets(lambda x, t: F.nll_loss(F.log_softmax(x, dim=1), t), (4, 5)),
     (np.float64,)),
    ("cross_entropy_weighted", _with_targets(
        lambda x, t: F.cross_entropy(x, t, weight=np.array([1.0, 2.0, 0.5, 1.5, 3.0])),
        (4, 5)), (np.float64,)),
    ("cross_entropy_label_smoothing", _with_targets(
        lambda x, t: F.cross_entropy(x, t, label_smoothing=0.1), (4, 5)), (np.float64,)),
    ("cross_entropy_sum", _with_targets(
        lambda x, t: F.cross_entropy(x, t, reduction="sum"), (4, 5)), (np.float64,)),
    ("bce_with_logits", _op(lambda x: F.binary_cross_entropy_with_logits(
        x, np.array([[0.0, 1.0, 1.0, 0.0]] * 3)), ((3, 4), N)), (np.float64,)),
    ("bce", _op(lambda x: F.binary_cross_entropy(
        npg.sigmoid(x), np.array([[0.0, 1.0, 1.0, 0.0]] * 3)), ((3, 4), N)), (np.float64,)),
    ("mse_loss", _op(F.mse_loss, ((3, 4), N), ((3, 4), N)), (np.float64,)),
    ("batch_norm_training", _op(_batch_norm, ((5, 3), N), ((3,), N), ((3,), N)),
     (np.float64,)),
    ("conv2d", _op(_conv, ((2, 2, 5, 5), N), ((3, 2, 3, 3), N), ((3,), N)), (np.float64,)),
    ("max_pool2d", _op(lambda x: F.max_pool2d(x, 2), ((1, 2, 4, 4), N)), (np.float64,)),
    ("avg_pool2d", _op(lambda x: F.avg_pool2d(x, 2), ((1, 2, 4, 4), N)), (np.float64,)),
    ("embedding", _embedding_setup, (np.float64,)),
    ("dropout", _op(lambda x: F.dropout(x, 0.5, training=True,
                                         generator=npg.random.Generator(7)), ((3, 4), N)),
     (np.float64,)),  # (a fresh generator per forward: the same mask each time)
    ("functions_square", _op(lambda x: npg.functions.Square()(x), ((3, 4), N)),
     (np.float64,)),
    ("floor_times_x", _op(lambda x: npg.floor(x) * x, ((3, 4), NZ)), (np.float64,)),
    ("ceil_times_x", _op(lambda x: npg.ceil(x) * x, ((3, 4), NZ)), (np.float64,)),
    ("round_times_x", _op(lambda x: npg.round(x) * x, ((3, 4), NZ)), (np.float64,)),
    # -- gradient graphs: the nodes backward formulas record, differentiated again
    ("grad_of_tanh", _grad_of(_op(npg.tanh, ((3, 4), N))), (np.float64,)),
    ("grad_of_mul_broadcast", _grad_of(_op(lambda a, b: a * b, ((3, 4), N), ((4,), N)),
                                       wrt=(0, 1)), (np.float64,)),
    ("grad_of_mean_sum", _grad_of(_op(lambda x: (x * x).mean(axis=1).sum(), ((3, 4), N))),
     (np.float64,)),
    ("grad_of_cross_entropy", _grad_of(_with_targets(F.cross_entropy, (4, 5))),
     (np.float64,)),
    ("grad_of_gelu", _grad_of(_op(F.gelu, ((3, 4), N))), (np.float64,)),
    ("grad_of_mlp", _grad_of(_module(_mlp, (3, 4)), wrt=(0, 4)), (np.float64,)),
    ("grad_of_linear_relu", _grad_of(_module(_linear_relu, (3, 4)), wrt=(0, 2)),
     (np.float64,)),
    ("grad_of_diagonal", _grad_of(_op(lambda x: npg.diagonal(x) ** 2, ((4, 4), N))),
     (np.float64,)),
    ("grad_of_getitem_advanced", _grad_of(_op(lambda x: x[np.array([0, 2, 0])] ** 2,
                                              ((3, 4), N))), (np.float64,)),
    ("grad_of_conv2d", _grad_of(_op(lambda x, w: npg.tanh(F.conv2d(x, w)),
                                    ((1, 2, 5, 5), N), ((3, 2, 3, 3), N)), wrt=(0, 1)),
     (np.float64,)),
    ("grad_of_max_pool2d", _grad_of(_op(lambda x: F.max_pool2d(x, 2) ** 2,
                                        ((1, 2, 4, 4), N))), (np.float64,)),
    ("grad_of_avg_pool2d", _grad_of(_op(lambda x: F.avg_pool2d(x, 2) ** 2,
                                        ((1, 2, 4, 4), N))), (np.float64,)),
    ("grad_of_embedding", _grad_of(_squared(_embedding_setup)), (np.float64,)),
]

CASES = [
    pytest.param(name, setup, np.dtype(dtype), id=f"{name}-{np.dtype(dtype).name}")
    for name, setup, dtypes in _TABLE
    for dtype in dtypes
]

#: Cases whose op has no recorded (``create_graph=True``) backward: only the check
#: against finite differences (``test_first_order_matches_finite_differences``)
#: applies to them. Each entry says why.
NO_CREATE_GRAPH = {
    # SvdNorm.backward raises under create_graph: the second derivative of the
    # spectral norm through the SVD is not implemented.
    "matrix_norm_spectral": "ord=2 matrix norm has no recorded backward",
}


#: Finite-difference steps other than 1e-6: a float32 output rounds a tiny step away.
FD_EPS = {"cast_to_float32": 0.25}  # linear, so a large step costs no accuracy


def _check_gradients(case_id: str, leaves, first, second) -> None:
    """Assert that the first-order and recorded gradients agree, leaf by leaf."""
    assert len(first) == len(second) == len(leaves)
    for k, (x, g1, g2) in enumerate(zip(leaves, first, second)):
        where = f"{case_id}, leaf {k} of shape {x.shape}"
        assert isinstance(g1, npg.Array), where
        assert type(g1.data) is np.ndarray, where
        assert g1.grad_fn is None, f"{where}: a first-order gradient has a graph"
        assert g1.shape == x.shape, where
        assert g1.dtype == x.dtype, f"{where}: first-order dtype {g1.dtype} != {x.dtype}"
        assert g2.dtype == x.dtype, f"{where}: recorded dtype {g2.dtype} != {x.dtype}"
        np.testing.assert_allclose(
            g1.data, g2.data, **TOLERANCES[x.dtype],
            err_msg=f"{where}: backward_data (first order) disagrees with backward "
                    "(create_graph=True)")


@pytest.mark.parametrize("name, setup, dtype", CASES)
def test_backward_data_agrees_with_backward(request, name, setup, dtype):
    """Gradients of ``(out * w).sum()``: first order (backward_data) == recorded (backward).

    ``w`` is a random constant, so the op's upstream gradient is not all ones
    (a wrong formula that only holds for a gradient of ones would pass otherwise).
    """
    rng = np.random.default_rng(SEED)
    forward, leaves = setup(rng, dtype)
    out = forward()
    w = npg.array(rng.standard_normal(out.shape).astype(out.dtype))
    first = npg.grad((out * w).sum(), leaves)
    out2 = forward()  # a fresh graph: the first one was released
    if name in NO_CREATE_GRAPH:  # then create_graph must say so, not give a wrong graph
        with pytest.raises(RuntimeError, match="not implemented"):
            npg.grad((out2 * w).sum(), leaves, create_graph=True)
        return
    second = npg.grad((out2 * w).sum(), leaves, create_graph=True)
    _check_gradients(request.node.callspec.id, leaves, first, second)


@pytest.mark.parametrize("name, setup, dtype", CASES)
def test_backward_data_with_read_only_upstream_gradient(request, name, setup, dtype):
    """The op's own node receives the caller's read-only ``grad_outputs`` directly.

    ``backward_data`` must never write into its gradient (it may be the engine's
    shared seed or another op's memory): here such a write raises, and the
    result must still agree with the recorded ``backward``.
    """
    rng = np.random.default_rng(SEED + 1)
    forward, leaves = setup(rng, dtype)
    out = forward()
    gout = rng.standard_normal(out.shape).astype(out.dtype)
    gout.setflags(write=False)
    before = gout.copy()
    first = npg.grad(out, leaves, grad_outputs=gout)
    np.testing.assert_array_equal(gout, before)
    if name in NO_CREATE_GRAPH:
        return  # (nothing recorded to compare with: see the finite-difference test)
    second = npg.grad(forward(), leaves, grad_outputs=npg.array(before), create_graph=True)
    _check_gradients(request.node.callspec.id, leaves, first, second)


def _numerical_gradients(forward, leaves, w: np.ndarray, eps: float = 1e-6) -> list[np.ndarray]:
    """Central differences of ``(forward() * w).sum()`` w.r.t. each leaf (float64)."""
    # (Grad mode stays on: the grad_of_* cases record a graph inside forward.)
    result = []
    for x in leaves:
        g = np.zeros(x.shape)
        flat, gflat = x.data.reshape(-1), g.reshape(-1)
        assert np.shares_memory(flat, x.data), "a leaf must be contiguous to be perturbed"
        for i in range(flat.size):
            v = flat[i]
            flat[i] = v + eps
            up = float((forward().data * w).sum())
            flat[i] = v - eps
            down = float((forward().data * w).sum())
            flat[i] = v
            gflat[i] = (up - down) / (2 * eps)
        result.append(g)
    return result


@pytest.mark.parametrize(
    "name, setup, dtype", [p for p in CASES if p.values[2] == np.float64])
def test_first_order_matches_finite_differences(request, name, setup, dtype):
    """An independent reference: both paths could share one wrong formula, and the
    ops in ``NO_CREATE_GRAPH`` have no recorded backward to compare with at all."""
    rng = np.random.default_rng(SEED + 2)
    forward, leaves = setup(rng, dtype)
    out = forward()
    w = rng.standard_normal(out.shape)
    first = npg.grad((out * npg.array(w)).sum(), leaves)
    numerical = _numerical_gradients(forward, leaves, w, FD_EPS.get(name, 1e-6))
    for k, (g, n) in enumerate(zip(first, numerical)):
        np.testing.assert_allclose(
            g.data, n, rtol=1e-5, atol=1e-6,
            err_msg=f"{request.node.callspec.id}, leaf {k}: first order vs finite differences")


# -- coverage -----------------------------------------------------------------------------
def _graph_node_types(out: npg.Array) -> set[type]:
    """The types of all nodes of ``out``'s graph, walked iteratively (no recursion)."""
    types: set[type] = set()
    seen: set[int] = set()
    stack = [out.grad_fn]
    while stack:
        node = stack.pop()
        if node is None or id(node) in seen:
            continue
        seen.add(id(node))
        types.add(type(node))
        stack.extend(node.next_functions)
    return types


def test_every_backward_data_override_is_covered():
    """Each class overriding ``backward_data`` has its override run by some case above.

    A node of type ``T`` exercises the ``backward_data`` that ``T`` resolves to, so a
    base class's override counts as covered by a subclass that inherits it.
    """
    covered: set[type] = set()
    for param in CASES:
        _, setup, dtype = param.values
        forward, _ = setup(np.random.default_rng(SEED), dtype)
        covered |= {_backward_data_owner(t) for t in _graph_node_types(forward())}
    missing = overriding_classes() - covered - UNREACHABLE
    assert not missing, (
        "these classes override backward_data but no case of the table in "
        f"tests/autograd/test_backward_data.py exercises them: {_names(missing)}")


# -- the engine's contract for custom ops -------------------------------------------------
def _leaf64(values: Any) -> npg.Array:
    return npg.array(np.asarray(values, dtype=np.float64), requires_grad=True)


def _assert_grad(x: npg.Array, expected: Any) -> None:
    assert isinstance(x.grad, npg.Array)
    assert type(x.grad.data) is np.ndarray
    assert x.grad.shape == x.shape and x.grad.dtype == x.dtype
    np.testing.assert_allclose(x.grad.data, expected, rtol=1e-12)


class CubeBackwardOnly(npg.Function):
    """Defines only ``backward``: the default ``backward_data`` wraps and calls it."""

    def forward(self, x):
        return x ** 3

    def backward(self, grad):
        (x,) = self.inputs
        return grad * 3 * x * x


def test_custom_op_with_backward_only_gets_first_order_gradients():
    x = _leaf64([1.0, -2.0, 0.5])
    w = np.array([0.3, -1.2, 2.0])
    (CubeBackwardOnly.apply(x) * w).sum().backward()
    _assert_grad(x, 3 * x.data ** 2 * w)
    (g,) = npg.grad((CubeBackwardOnly.apply(x) * w).sum(), x)
    np.testing.assert_allclose(g.data, 3 * x.data ** 2 * w, rtol=1e-12)


class DoubleNdarray(npg.Function):
    """``2 x``; ``backward_data`` returns an ndarray and records the type it received."""

    received: list[type] = []

    def forward(self, x):
        return 2 * x

    def backward(self, grad):
        return 2 * grad

    def backward_data(self, grad):
        DoubleNdarray.received.append(type(grad))
        return 2 * grad


class DoubleArray(DoubleNdarray):
    """``backward_data`` returns an ``npg.Array``."""

    def backward_data(self, grad):
        return npg.array(2 * grad)


class MulConstant(npg.Function):
    """``a * c``; ``backward_data`` returns a tuple with None for ``c``."""

    def forward(self, a, c):
        return a * c

    def backward(self, grad):
        a, c = self.inputs
        return grad * c, None

    def backward_data(self, grad):
        return grad * self.inputs[1].data, None


class TripleScalar(npg.Function):
    """``3 x`` on a 0-d input; ``backward_data`` returns a NumPy scalar."""

    def forward(self, x):
        return 3 * x

    def backward(self, grad):
        return 3 * grad

    def backward_data(self, grad):
        result = np.float64(3.0) * grad[()]
        assert isinstance(result, np.generic) and not isinstance(result, np.ndarray)
        return result


@pytest.mark.parametrize("op", [DoubleNdarray, DoubleArray], ids=["ndarray", "Array"])
def test_backward_data_return_types(op):
    x = _leaf64([1.0, 2.0, 3.0])
    w = np.array([0.5, -1.0, 2.0])
    (op.apply(x) * w).sum().backward()
    _assert_grad(x, 2 * w)


def test_backward_data_returning_tuple_with_none():
    a = _leaf64([1.0, 2.0])
    c = _leaf64([3.0, -4.0])  # requires grad, yet the op hands it none
    MulConstant.apply(a, c).sum().backward()
    _assert_grad(a, [3.0, -4.0])
    assert c.grad is None
    b = _leaf64([1.0, 2.0])
    MulConstant.apply(b, npg.array([5.0, 6.0])).sum().backward()  # a constant second input
    _assert_grad(b, [5.0, 6.0])


def test_backward_data_returning_numpy_scalar_for_0d_input():
    x = _leaf64(1.5)
    (TripleScalar.apply(x) * 2.0).backward()
    _assert_grad(x, 6.0)
    assert x.grad.shape == ()
    (g,) = npg.grad(TripleScalar.apply(x) * 2.0, x)
    assert type(g.data) is np.ndarray and g.shape == ()
    np.testing.assert_allclose(g.data, 6.0)


class WrongShape(npg.Function):
    """Returns a gradient whose shape cannot be summed to the input's."""

    def __init__(self, shape):
        self.shape = shape

    def forward(self, x):
        return x.copy()

    def backward(self, grad):
        raise AssertionError("first order must not call backward")

    def backward_data(self, grad):
        return np.ones(self.shape)


@pytest.mark.parametrize("shape", [(4,), (2, 3), ()])
def test_backward_data_wrong_shape_raises(shape):
    x = _leaf64([1.0, 2.0, 3.0])
    y = WrongShape.apply(x, shape=shape)
    # The engine sums a gradient over broadcast axes only; it never broadcasts or
    # reshapes one (so a 0-d gradient for a (3,) input is refused too).
    with pytest.raises(RuntimeError, match="invalid gradient"):
        (y * np.array([1.0, 2.0, 3.0])).sum().backward()


class DataRaises(npg.Function):
    """``backward_data`` must not run: only ``backward`` (create_graph=True) may."""

    def forward(self, x):
        return x * x

    def backward(self, grad):
        (x,) = self.inputs
        return grad * 2 * x

    def backward_data(self, grad):
        raise AssertionError("backward_data called with create_graph=True")


class BackwardRaises(npg.Function):
    """``backward`` must not run: a plain first-order pass calls ``backward_data``."""

    def forward(self, x):
        return x * x

    def backward(self, grad):
        raise AssertionError("backward called in a first-order pass")

    def backward_data(self, grad):
        assert type(grad) is np.ndarray
        return grad * 2 * self.inputs[0].data


def test_create_graph_calls_backward_not_backward_data():
    x = _leaf64([1.0, -2.0])
    (g,) = npg.grad(DataRaises.apply(x).sum(), x, create_graph=True)
    np.testing.assert_allclose(g.data, [2.0, -4.0])
    assert g.grad_fn is not None  # recorded: differentiable again
    (gg,) = npg.grad(g.sum(), x)
    np.testing.assert_allclose(gg.data, [2.0, 2.0])
    x2 = _leaf64([1.0, -2.0])
    DataRaises.apply(x2).sum().backward(create_graph=True)
    np.testing.assert_allclose(x2.grad.data, [2.0, -4.0])
    # and the first-order pass really does call backward_data
    with pytest.raises(AssertionError, match="backward_data called"):
        DataRaises.apply(_leaf64([1.0])).sum().backward()


def test_plain_backward_calls_backward_data_not_backward():
    x = _leaf64([1.0, -2.0])
    (BackwardRaises.apply(x) * np.array([3.0, 0.5])).sum().backward()
    _assert_grad(x, [6.0, -2.0])
    (g,) = npg.grad(BackwardRaises.apply(x).sum(), x)
    np.testing.assert_allclose(g.data, [2.0, -4.0])
    with pytest.raises(AssertionError, match="backward called"):
        npg.grad(BackwardRaises.apply(x).sum(), x, create_graph=True)


@pytest.mark.parametrize("root", ["op_is_root", "op_is_interior"])
def test_backward_data_receives_ndarray(root):
    """Whether the op's node gets the seed (root) or another node's gradient."""
    DoubleNdarray.received = []
    x = _leaf64(2.0 if root == "op_is_root" else [1.0, 2.0])
    y = DoubleNdarray.apply(x)
    if root == "op_is_root":
        y.backward()
    else:
        npg.tanh(y * 3.0).sum().backward()
    assert DoubleNdarray.received == [np.ndarray]


def test_hooks_receive_arrays_in_first_order():
    seen: dict[str, Any] = {}
    x = _leaf64([1.0, 2.0])
    y = DoubleNdarray.apply(x)  # an intermediate made by an op with backward_data

    def y_hook(g):
        seen["y"] = g
        return g * 10.0

    def x_hook(g):
        seen["x"] = g

    y.register_hook(y_hook)
    x.register_hook(x_hook)
    DoubleNdarray.received = []
    (y * np.array([1.0, -1.0])).sum().backward()
    assert type(seen["y"]) is npg.Array and type(seen["y"].data) is np.ndarray
    assert type(seen["x"]) is npg.Array and type(seen["x"].data) is np.ndarray
    # the hook's result replaced y's gradient, and went on to backward_data as an ndarray
    assert DoubleNdarray.received == [np.ndarray]
    _assert_grad(x, [20.0, -20.0])
    np.testing.assert_allclose(seen["x"].data, [20.0, -20.0])


def test_leaf_hook_result_changes_grad():
    x = _leaf64([1.0, 2.0])
    x.register_hook(lambda g: g * 0.5 + 1.0)
    (x * x).sum().backward()
    _assert_grad(x, [2.0, 3.0])


@pytest.mark.parametrize("owned", [False, True], ids=["seed_view", "fresh_gradient"])
def test_retain_grad_pass_through_does_not_share_memory(owned):
    """``y = x + 0``: Add hands y's gradient on unchanged; y.grad and x.grad are copies.

    ``owned``: the gradient reaching Add is a fresh array the engine owns (from Mul),
    rather than the read-only broadcast view of the seed that Sum produces.
    """
    x = _leaf64([[1.0, 2.0], [3.0, 4.0]])
    y = x + 0.0
    y.retain_grad()
    w = np.array([[1.0, -2.0], [0.5, 3.0]])
    loss = (y * w).sum() if owned else y.sum()
    loss.backward()
    expected = w if owned else np.ones((2, 2))
    _assert_grad(x, expected)
    assert isinstance(y.grad, npg.Array) and type(y.grad.data) is np.ndarray
    np.testing.assert_allclose(y.grad.data, expected)
    assert not np.shares_memory(y.grad.data, x.grad.data)
    x.grad.data[0, 0] = 99.0  # a .grad is writable and private to its array
    assert y.grad.data[0, 0] == expected[0, 0]


@pytest.mark.parametrize("owned", [False, True], ids=["seed_view", "fresh_gradient"])
def test_add_leaves_do_not_share_gradient_memory(owned):
    a = _leaf64([1.0, 2.0, 3.0])
    b = _leaf64([4.0, 5.0, 6.0])
    w = np.array([2.0, -1.0, 0.5])
    s = a + b
    (s * w if owned else s).sum().backward()
    expected = w if owned else np.ones(3)
    _assert_grad(a, expected)
    _assert_grad(b, expected)
    assert not np.shares_memory(a.grad.data, b.grad.data)
    assert a.grad.data.flags.writeable and b.grad.data.flags.writeable


def test_add_broadcast_leaves_do_not_share_gradient_memory():
    a = _leaf64([[1.0, 2.0], [3.0, 4.0]])
    b = _leaf64([[5.0, 6.0], [7.0, 8.0]])
    c = _leaf64([1.0, 1.0])  # broadcast: its gradient is a sum, a fresh array
    (a + b + c).sum().backward()
    _assert_grad(a, np.ones((2, 2)))
    _assert_grad(b, np.ones((2, 2)))
    _assert_grad(c, [2.0, 2.0])
    assert not np.shares_memory(a.grad.data, b.grad.data)


def test_0d_gradients_accumulate_to_an_ndarray():
    s = npg.array(2.0, requires_grad=True)
    (s * s + s * 3.0).backward()
    assert isinstance(s.grad, npg.Array)
    assert type(s.grad.data) is np.ndarray and s.grad.data.shape == ()
    assert s.grad.data == 7.0
    # a second backward accumulates into the existing .grad, still a 0-d ndarray
    (s * s + s * 3.0).backward()
    assert type(s.grad.data) is np.ndarray and s.grad.data.shape == ()
    assert s.grad.data == 14.0


def test_subclass_redefining_backward_alone_uses_it_in_first_order():
    """A custom gradient for a built-in op (a subclass with its own ``backward``) is
    used by a plain backward too, not the parent's ``backward_data``."""
    from numpygrad.ops.elementwise import Exp

    class ClippedExp(Exp):
        def backward(self, grad):
            return grad * 0.0 + 1.0  # a custom, deliberately different gradient

    x = npg.array([0.5, 1.0], dtype=np.float64, requires_grad=True)
    ClippedExp.apply(x).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [1.0, 1.0])

    class FastClippedExp(ClippedExp):
        def backward_data(self, grad):
            return np.ones_like(grad) * 2.0  # its own first-order formula wins

    x.grad = None
    FastClippedExp.apply(x).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [2.0, 2.0])
