"""matmul: 1-D, 2-D, batched and broadcast operands, empty shapes, error messages."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import numpygrad as npg
from tests.helpers import arrays, check_op, compare_torch, leaf

# NumPy's gufunc signature "(n?,k),(k,m?)->(n?,m?)" covers 1-D operands on
# either side, batch dimensions and their broadcasting, and empty sides.
matmul_shapes = hnp.mutually_broadcastable_shapes(
    signature=np.matmul.signature, max_dims=2, min_side=0, max_side=3
).map(lambda r: r.input_shapes)


@st.composite
def matmul_pair(draw, shapes=matmul_shapes):
    sa, sb = draw(shapes)
    return draw(arrays(sa)), draw(arrays(sb))


@settings(max_examples=30)
@given(matmul_pair())
def test_matmul_gradients(pair):
    a, b = pair
    np.testing.assert_allclose(npg.matmul(npg.array(a), npg.array(b)).data, a @ b)
    check_op(npg.matmul, a, b)


@settings(max_examples=15)
@given(matmul_pair(), st.sampled_from([np.float64, np.float32]))
def test_matmul_matches_torch(pair, dtype):
    torch = pytest.importorskip("torch")
    compare_torch(npg.matmul, torch.matmul, *pair, dtype=dtype)


@pytest.mark.parametrize("sa, sb", [
    ((3,), (3,)), ((3,), (3, 2)), ((2, 3), (3,)), ((2, 3), (3, 4)),
    ((4, 2, 3), (3, 5)), ((3,), (4, 3, 2)), ((4, 2, 3), (3,)), ((2, 1, 2, 3), (4, 3, 2)),
])
def test_matmul_fixed_cases(sa, sb):
    rng = np.random.default_rng(1)
    a, b = rng.standard_normal(sa), rng.standard_normal(sb)
    check_op(npg.matmul, a, b)
    check_op(lambda x, y: x @ y, a, b, second_order=False)


def test_matmul_empty_inner_dimension_gives_zeros():
    a, b = leaf(np.ones((2, 0))), leaf(np.ones((0, 3)))
    out = a @ b
    np.testing.assert_array_equal(out.data, np.zeros((2, 3)))
    out.backward(np.ones((2, 3)))
    assert a.grad.shape == (2, 0) and b.grad.shape == (0, 3)


@pytest.mark.parametrize("sa, sb, so", [
    ((0, 2, 3), (3, 4), (0, 2, 4)), ((2, 3), (0, 3, 4), (0, 2, 4)), ((0, 3), (3,), (0,)),
])
def test_matmul_empty_batches(sa, sb, so):
    a, b = leaf(np.ones(sa)), leaf(np.ones(sb))
    out = a @ b
    assert out.shape == so
    out.sum().backward()
    assert a.grad.shape == sa and b.grad.shape == sb
    assert not np.any(a.grad.data) and not np.any(b.grad.data)


def test_matmul_keeps_float32():
    a = npg.ones((2, 3), requires_grad=True)
    out = a @ npg.ones((3, 4))
    assert out.dtype == np.float32
    out.sum().backward()
    assert a.grad.dtype == np.float32


def test_matmul_2d_mismatch_names_both_shapes():
    with pytest.raises(ValueError, match=r"2x3 and 4x5"):
        npg.matmul(npg.ones((2, 3)), npg.ones((4, 5)))


def test_matmul_operator_mismatch_names_both_shapes():
    with pytest.raises(ValueError, match=r"2x5 and 4x3"):
        npg.ones((2, 5)) @ npg.ones((4, 3))


def test_matmul_1d_mismatch():
    with pytest.raises(ValueError, match=r"\[3\].*\[4\].*3 and 4"):
        npg.matmul(npg.ones(3), npg.ones(4))


def test_matmul_matrix_vector_mismatch_names_both_shapes():
    with pytest.raises(ValueError, match=r"2x3 and 4"):
        npg.matmul(npg.ones((2, 3)), npg.ones(4))


def test_matmul_batch_mismatch_names_both_shapes():
    with pytest.raises(ValueError, match=r"\(2, 3, 4\).*\(5, 4, 2\)"):
        npg.matmul(npg.ones((2, 3, 4)), npg.ones((5, 4, 2)))


@pytest.mark.parametrize("sa, sb", [((), ()), ((), (3,)), ((3,), ())])
def test_matmul_0d_operand_raises(sa, sb):
    with pytest.raises(ValueError, match="at least 1D"):
        npg.matmul(npg.ones(sa), npg.ones(sb))
