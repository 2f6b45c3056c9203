"""dot, outer, einsum, tensordot, trace, diagonal, norm, inv, det, solve."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import numpygrad as npg
import numpygrad.linalg as la
from tests.helpers import arrays, broadcastable_pair, check_op, compare_torch, leaf, shapes

DTYPES = st.sampled_from([np.float64, np.float32])


# -- dot, outer ---------------------------------------------------------------------------
DOT_SHAPES = [((), (3,)), ((3,), ()), ((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 2)),
              ((2, 3), (3, 4)), ((2, 2, 3), (3,)), ((3,), (2, 3, 4)), ((2, 3), (4, 3, 2)),
              ((2, 2, 3), (2, 3, 2)), ((0, 3), (3, 2))]


@settings(max_examples=5)
@given(data=st.data())
@pytest.mark.parametrize("sa, sb", DOT_SHAPES)
def test_dot(data, sa, sb):
    a, b = data.draw(arrays(sa)), data.draw(arrays(sb))
    out = npg.dot(a, b)
    np.testing.assert_allclose(out.data, np.dot(a, b), atol=1e-12)
    check_op(npg.dot, a, b)


@settings(max_examples=5)
@given(data=st.data(), dtype=DTYPES)
@pytest.mark.parametrize("sa, sb", [((3,), (3,)), ((2, 3), (3, 4)), ((2, 2, 3), (2, 3, 2))])
def test_dot_matches_torch(data, dtype, sa, sb):
    torch = pytest.importorskip("torch")
    fn = {1: torch.dot, 2: torch.mm}.get(len(sa), lambda a, b: torch.tensordot(a, b, ([-1], [-2])))
    compare_torch(npg.dot, fn, data.draw(arrays(sa)), data.draw(arrays(sb)), dtype=dtype)


@settings(max_examples=20)
@given(data=st.data(), dtype=DTYPES)
def test_outer(data, dtype):
    a = data.draw(arrays(shapes(max_dims=2)))
    b = data.draw(arrays(shapes(max_dims=2)))
    np.testing.assert_allclose(npg.outer(a, b).data, np.outer(a, b))
    check_op(npg.outer, a, b)
    torch = pytest.importorskip("torch")
    compare_torch(npg.outer, lambda x, y: torch.outer(x.reshape(-1), y.reshape(-1)), a, b,
                  dtype=dtype)


# -- einsum -------------------------------------------------------------------------------
EINSUM_CASES = [  # (subscripts, operand subscripts for drawing sizes)
    "ii->i", "ii", "ij,jk->ik", "bij,bjk->bik", "i,i->", "ij->ji", "ij->", "ij->j",
    "i,j->ij", "ij,ij->ij", "iij->j", "iii->i", "ij,jk,kl->il", "ba", "ij,jk", "Ab,bA",
    "i->", "ijk->kji", ",i->i",
]


def _einsum_arrays(data, subscripts):
    lhs = subscripts.split("->")[0]
    letters = sorted(set(lhs) - {","})
    size = {c: data.draw(st.integers(0, 3), label=c) for c in letters}
    return [data.draw(arrays(tuple(size[c] for c in t))) for t in lhs.split(",")]


@settings(max_examples=6)
@given(data=st.data())
@pytest.mark.parametrize("subscripts", EINSUM_CASES)
def test_einsum(data, subscripts):
    ops = _einsum_arrays(data, subscripts)
    out = npg.einsum(subscripts, *ops)
    np.testing.assert_allclose(out.data, np.einsum(subscripts, *ops), atol=1e-12)
    check_op(lambda *xs: npg.einsum(subscripts, *xs), *ops)


@settings(max_examples=3)
@given(data=st.data(), dtype=DTYPES)
@pytest.mark.parametrize("subscripts", EINSUM_CASES)
def test_einsum_matches_torch(data, dtype, subscripts):
    torch = pytest.importorskip("torch")
    ops = _einsum_arrays(data, subscripts)
    compare_torch(lambda *xs: npg.einsum(subscripts, *xs),
                  lambda *xs: torch.einsum(subscripts, *xs), *ops, dtype=dtype)


@settings(max_examples=20)
@given(data=st.data(), pair=broadcastable_pair(max_dims=2, min_side=1, max_side=3))
@pytest.mark.parametrize("subscripts, make", [
    ("...ij,...jk->...ik", lambda s, t: [s + (2, 3), t + (3, 2)]),
    ("...i,...i->...", lambda s, t: [s + (3,), t + (3,)]),
    ("i...,i...", lambda s, t: [(2,) + s, (2,) + t]),
    ("...ii->...i", lambda s, t: [s + (2, 2)]),
    ("...ij->...", lambda s, t: [s + (1, 2)]),
])
def test_einsum_ellipsis_broadcasts(data, pair, subscripts, make):
    ops = [data.draw(arrays(shape)) for shape in make(*pair)]
    out = npg.einsum(subscripts, *ops)
    np.testing.assert_allclose(out.data, np.einsum(subscripts, *ops), atol=1e-12)
    check_op(lambda *xs: npg.einsum(subscripts, *xs), *ops)


@pytest.mark.parametrize("subscripts, shapes_", [
    ("ij,ij->ij", [(1, 3), (2, 3)]), ("ij,ij->", [(2, 1), (2, 3)]),
    ("cbd,b,dca->ad", [(2, 2, 1), (1,), (2, 1, 1)]), ("ii,i->i", [(1, 1), (3,)]),
])
def test_einsum_stretched_length_1_axes(subscripts, shapes_):
    # NumPy broadcasts length-1 axes even under explicit letters; their
    # gradient must be summed back to length 1 by einsum itself.
    ops = [np.random.default_rng(0).standard_normal(s) for s in shapes_]
    check_op(lambda *xs: npg.einsum(subscripts, *xs), *ops)


def test_einsum_ellipsis_matches_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((2, 1, 3, 4)), rng.standard_normal((5, 4, 2))
    for dtype in (np.float64, np.float32):
        compare_torch(lambda x, y: npg.einsum("...ij,...jk->...ik", x, y),
                      lambda x, y: torch.einsum("...ij,...jk->...ik", x, y), a, b, dtype=dtype)


def test_einsum_output_owns_its_memory():
    x = npg.ones((2, 3))
    y = npg.einsum("ij->ji", x)
    y.data[0, 0] = 5.0
    assert x.data[0, 0] == 1.0


@pytest.mark.parametrize("subscripts, shapes_, match", [
    ("ij,jk->ik", [(2, 3)], "2 operand"), ("ij->ik", [(2, 3)], "'k' never appears"),
    ("ij->ii", [(2, 2)], "more than once"), ("ijk->i", [(2, 3)], r"shape \(2, 3\)"),
    ("i1->i", [(2, 3)], "invalid subscripts"), ("...i->i", [(2, 3)], "no '...' in the output"),
])
def test_einsum_errors(subscripts, shapes_, match):
    with pytest.raises(ValueError, match=match):
        npg.einsum(subscripts, *[npg.ones(s) for s in shapes_])


def test_einsum_needs_string():
    with pytest.raises(TypeError, match="subscripts string"):
        npg.einsum(npg.ones(2), [0])


# -- tensordot ----------------------------------------------------------------------------
TENSORDOT_CASES = [((2, 3), (3, 2), 1), ((2, 3, 2), (3, 2, 2), 2), ((2,), (3,), 0),
                   ((2, 3), (2, 3), ([0, 1], [0, 1])), ((2, 3, 2), (2, 2, 3), ([1, 0], [2, 1])),
                   ((3, 2), (2, 3), ([-1], [0])), ((2, 3), (3, 2), ((0, 1), (1, 0)))]


@settings(max_examples=5)
@given(data=st.data())
@pytest.mark.parametrize("sa, sb, axes", TENSORDOT_CASES)
def test_tensordot(data, sa, sb, axes):
    a, b = data.draw(arrays(sa)), data.draw(arrays(sb))
    np.testing.assert_allclose(npg.tensordot(a, b, axes).data, np.tensordot(a, b, axes),
                               atol=1e-12)
    check_op(lambda x, y: npg.tensordot(x, y, axes), a, b)
    torch = pytest.importorskip("torch")
    dims = axes if isinstance(axes, int) else tuple(list(ax) for ax in axes)
    for dtype in (np.float64, np.float32):
        compare_torch(lambda x, y: npg.tensordot(x, y, axes),
                      lambda x, y: torch.tensordot(x, y, dims), a, b, dtype=dtype)


def test_tensordot_mismatch_names_shapes():
    with pytest.raises(ValueError, match=r"\(2, 3\) and \(4, 2\)"):
        npg.tensordot(npg.ones((2, 3)), npg.ones((4, 2)), 1)


# -- diagonal, trace ----------------------------------------------------------------------
DIAG_CASES = [((3, 3), 0, 0, 1), ((2, 4), 1, 0, 1), ((4, 2), -1, 0, 1), ((3, 2, 3), 0, 0, 2),
              ((2, 3, 3), 1, -1, -2), ((2, 3), 5, 0, 1), ((2, 2, 3), -1, 2, 1)]


@settings(max_examples=5)
@given(data=st.data())
@pytest.mark.parametrize("shape, offset, a1, a2", DIAG_CASES)
def test_diagonal_and_trace(data, shape, offset, a1, a2):
    x = data.draw(arrays(shape))
    d = npg.diagonal(x, offset, a1, a2)
    np.testing.assert_array_equal(d.data, np.diagonal(x, offset, a1, a2))
    np.testing.assert_allclose(npg.trace(x, offset, a1, a2).data, np.trace(x, offset, a1, a2),
                               atol=1e-12)
    check_op(lambda v: npg.diagonal(v, offset, a1, a2), x)
    check_op(lambda v: npg.trace(v, offset, a1, a2), x)
    torch = pytest.importorskip("torch")
    for dtype in (np.float64, np.float32):
        compare_torch(lambda v: npg.trace(v, offset, a1, a2),
                      lambda v: torch.diagonal(v, offset, a1, a2).sum(-1), x, dtype=dtype)
        compare_torch(lambda v: npg.diagonal(v, offset, a1, a2),
                      lambda v: torch.diagonal(v, offset, a1, a2), x, dtype=dtype)


def test_diagonal_methods_and_linalg_forms():
    x = npg.array(np.arange(12.0).reshape(2, 2, 3))
    np.testing.assert_array_equal(x.diagonal(0, 1, 2).data, np.diagonal(x.data, 0, 1, 2))
    np.testing.assert_array_equal(la.diagonal(x, offset=1).data,
                                  np.linalg.diagonal(x.data, offset=1))
    np.testing.assert_array_equal(la.trace(x).data, np.linalg.trace(x.data))
    assert npg.ones((2, 2)).trace().item() == 2.0


@pytest.mark.parametrize("shape, a1, a2, err", [((3,), 0, 1, ValueError),
                                                 ((2, 2), 0, 0, ValueError),
                                                 ((2, 2), 0, 2, IndexError)])
def test_diagonal_errors(shape, a1, a2, err):
    with pytest.raises(err):
        npg.diagonal(npg.ones(shape), 0, a1, a2)


# -- norm ---------------------------------------------------------------------------------
def _distinct(values, gap=1e-2):
    """Whether sorted values are pairwise at least ``gap`` apart (no ties at the kink)."""
    v = np.sort(np.ravel(values))
    return v.size < 2 or np.min(np.diff(v)) > gap


VECTOR_ORDS = [None, 2, 1, np.inf, -np.inf, 3, 0.5, -1.5, 0]


@settings(max_examples=10)
@given(data=st.data(), keepdims=st.booleans())
@pytest.mark.parametrize("ord", VECTOR_ORDS)
def test_vector_norm(data, keepdims, ord):
    x = data.draw(arrays(shapes(min_dims=1, max_dims=3, min_side=1, max_side=3),
                         avoid=(0.0,), margin=0.2))
    axis = data.draw(st.integers(-x.ndim, x.ndim - 1))
    if ord in (np.inf, -np.inf):
        assume(_distinct(np.abs(x)))
    fn = lambda v: npg.norm(v, ord, axis, keepdims)  # noqa: E731
    np.testing.assert_allclose(fn(x).data, np.linalg.norm(x, ord, axis, keepdims))
    check_op(fn, x)
    torch = pytest.importorskip("torch")
    for dtype in (np.float64, np.float32):
        compare_torch(fn, lambda v: torch.linalg.norm(v, ord, axis, keepdims), x, dtype=dtype)


MATRIX_ORDS = [None, "fro", 1, -1, np.inf, -np.inf, 2, -2, "nuc"]


@settings(max_examples=8)
@given(data=st.data(), keepdims=st.booleans())
@pytest.mark.parametrize("ord", MATRIX_ORDS)
def test_matrix_norm(data, keepdims, ord):
    shape = data.draw(shapes(min_dims=2, max_dims=3, min_side=1, max_side=3))
    x = data.draw(arrays(shape, avoid=(0.0,), margin=0.2))
    axis = tuple(data.draw(st.permutations(range(-x.ndim, 0)))[:2])
    xm = np.moveaxis(x, axis, (-2, -1))
    if ord in (1, -1):
        assume(all(_distinct(c) for c in np.abs(xm).sum(-2).reshape(-1, xm.shape[-1])))
    if ord in (np.inf, -np.inf):
        assume(all(_distinct(r) for r in np.abs(xm).sum(-1).reshape(-1, xm.shape[-2])))
    if ord in (2, -2, "nuc"):
        s = np.linalg.svd(xm, compute_uv=False).reshape(-1, min(xm.shape[-2:]))
        assume(all(_distinct(r, 0.1) and r[-1] > 0.1 for r in s))
    fn = lambda v: npg.norm(v, ord, axis, keepdims)  # noqa: E731
    np.testing.assert_allclose(fn(x).data, np.linalg.norm(x, ord, axis, keepdims))
    check_op(fn, x, second_order=ord not in (2, -2, "nuc"))
    torch = pytest.importorskip("torch")
    for dtype in (np.float64, np.float32):
        compare_torch(fn, lambda v: torch.linalg.norm(v, ord, axis, keepdims), x, dtype=dtype,
                      rtol=1e-3 if dtype == np.float32 else None)


@settings(max_examples=20)
@given(x=arrays(shapes(max_dims=3, min_side=1, max_side=3), avoid=(0.0,), margin=0.2),
       keepdims=st.booleans())
def test_norm_default_flattens(x, keepdims):
    n = npg.norm(x, keepdims=keepdims)
    np.testing.assert_allclose(n.data, np.linalg.norm(x, keepdims=keepdims))
    check_op(lambda v: npg.norm(v, keepdims=keepdims), x)


@pytest.mark.parametrize("ord", [None, 2, 3, 1, np.inf, -np.inf, 0.5, "fro"])
def test_norm_gradient_at_zero_is_zero(ord):
    x = npg.zeros((2, 3), dtype=np.float64, requires_grad=True)
    axis = (0, 1) if ord == "fro" else None if ord is None else 1
    (g,) = npg.grad(npg.norm(x, ord, axis).sum(), [x], create_graph=True)
    np.testing.assert_array_equal(g.data, np.zeros((2, 3)))
    (gg,) = npg.grad(g.sum(), [x], allow_unused=True)
    assert gg is None or np.all(np.isfinite(gg.data))


def test_norm_gradient_of_a_zero_row():
    x = leaf([[0.0, 0.0], [3.0, 4.0]])
    npg.norm(x, axis=1).sum().backward()
    np.testing.assert_allclose(x.grad.data, [[0.0, 0.0], [0.6, 0.8]])


def test_inf_norm_ties_share_the_gradient():
    x = leaf([1.0, -3.0, 3.0])
    npg.norm(x, np.inf).backward()
    np.testing.assert_allclose(x.grad.data, [0.0, -0.5, 0.5])


def test_svd_norms_refuse_create_graph():
    x = leaf([[2.0, 1.0], [0.0, 1.0]])
    (g,) = npg.grad(npg.norm(x, 2), [x])
    u, _, vh = np.linalg.svd(x.data)
    np.testing.assert_allclose(g.data, np.outer(u[:, 0], vh[0]))
    with pytest.raises(RuntimeError, match="second derivative"):
        npg.grad(npg.norm(x, "nuc"), [x], create_graph=True)


def test_norm_aliases_method_and_linalg_forms():
    x = npg.array(np.arange(6.0).reshape(2, 3))
    ref = np.linalg.norm(x.data, axis=1, keepdims=True)
    np.testing.assert_allclose(npg.norm(x, dim=1, keepdim=True).data, ref)
    np.testing.assert_allclose(x.norm(axis=1, keepdims=True).data, ref)
    np.testing.assert_allclose(la.vector_norm(x, 1).data, 15.0)
    np.testing.assert_allclose(la.matrix_norm(x, 1).data, np.linalg.norm(x.data, 1))
    assert npg.norm(npg.ones((2, 3), dtype=np.float32)).dtype == np.float32


@pytest.mark.parametrize("shape, kw, err", [
    ((3,), {"ord": "fro"}, ValueError), ((2, 2), {"ord": 3}, ValueError),
    ((2, 2, 2), {"ord": 2}, ValueError), ((2, 2), {"axis": 2}, IndexError),
    ((2, 2, 2), {"axis": (0, 1, 2)}, ValueError),
])
def test_norm_errors(shape, kw, err):
    with pytest.raises(err):
        npg.norm(npg.ones(shape), **kw)


# -- inv, det, solve ----------------------------------------------------------------------
@st.composite
def square(draw, batch=None, max_n=3):
    """Well-conditioned (diagonally dominant) matrices, possibly batched."""
    batch = draw(shapes(max_dims=2, min_side=0, max_side=2)) if batch is None else batch
    n = draw(st.integers(1, max_n))
    return draw(arrays(batch + (n, n), low=-1, high=1)) + 2 * n * np.eye(n)


@settings(max_examples=20)
@given(x=square(), dtype=DTYPES)
def test_inv_and_det(x, dtype):
    np.testing.assert_allclose(la.inv(x).data, np.linalg.inv(x))
    np.testing.assert_allclose(la.det(x).data, np.linalg.det(x))
    check_op(la.inv, x)
    check_op(la.det, x)
    torch = pytest.importorskip("torch")
    compare_torch(la.inv, torch.linalg.inv, x, dtype=dtype)
    compare_torch(la.det, torch.linalg.det, x, dtype=dtype)


@settings(max_examples=25)
@given(data=st.data(), dtype=DTYPES)
def test_solve(data, dtype):
    ba, bb = data.draw(broadcastable_pair(max_dims=2, min_side=1, max_side=2))
    a = data.draw(square(batch=ba))
    n = a.shape[-1]
    vector = data.draw(st.booleans())
    b = data.draw(arrays((n,) if vector else bb + (n, data.draw(st.integers(1, 2)))))
    np.testing.assert_allclose(la.solve(a, b).data, np.linalg.solve(a, b))
    check_op(la.solve, a, b)
    torch = pytest.importorskip("torch")
    if b.ndim == 1 or b.ndim == a.ndim:  # torch reads other shapes as batches of vectors
        compare_torch(la.solve, torch.linalg.solve, a, b, dtype=dtype)


def test_det_gradient_at_singular_matrices():
    # The gradient of det is the cofactor matrix, also where det is 0 (PyTorch
    # 2.13 returns zeros for an exactly singular 2x2 matrix; finite differences
    # agree with the cofactors).
    x = np.array([[[1.0, 2.0], [2.0, 4.0]], [[2.0, 1.0], [1.0, 3.0]], [[0.0, 0.0], [0.0, 0.0]]])
    check_op(la.det, x, second_order=False)
    check_op(la.det, np.zeros((3, 3)), second_order=False)
    v = leaf(x)
    la.det(v).sum().backward()
    np.testing.assert_allclose(v.grad.data[0], [[4.0, -2.0], [-2.0, 1.0]], atol=1e-12)
    np.testing.assert_allclose(v.grad.data[2], np.zeros((2, 2)), atol=1e-12)
    w = leaf(x[0])
    with pytest.raises(np.linalg.LinAlgError, match="singular"):
        npg.grad(la.det(w), [w], create_graph=True)


def test_empty_matrices():
    x = leaf(np.ones((0, 0)))
    d = la.det(x)
    assert d.item() == 1.0
    d.backward()
    assert x.grad.shape == (0, 0)
    assert la.inv(np.ones((3, 0, 0))).shape == (3, 0, 0)


@pytest.mark.parametrize("fn", [la.inv, lambda m: la.solve(m, np.ones(2))])
def test_singular_matrix_raises_naming_the_shape(fn):
    with pytest.raises(la.LinAlgError, match=r"\(2, 2\).*singular"):
        fn(np.zeros((2, 2)))
    with pytest.raises(ValueError, match=r"\(3, 2, 2\)"):
        fn(np.stack([np.eye(2), np.zeros((2, 2)), np.eye(2)]))


@pytest.mark.parametrize("call, match", [
    (lambda: la.inv(np.ones((2, 3))), r"\(2, 3\)"), (lambda: la.det(np.ones(3)), r"\(3,\)"),
    (lambda: la.solve(np.eye(2), np.ones(3)), r"\(2, 2\).*\(3,\)"),
    (lambda: la.solve(np.eye(2), np.ones((3, 1))), r"\(3, 1\)"),
    (lambda: la.solve(np.ones((3, 2, 2)), np.ones((4, 2, 1))), r"\(3, 2, 2\).*\(4, 2, 1\)"),
])
def test_linalg_shape_errors(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_integer_input_gives_default_float():
    assert la.inv(npg.array([[2, 0], [0, 4]])).dtype == np.float32
    assert npg.norm(npg.array([3, 4])).item() == 5.0
