"""nn.flatten: Flatten and Unflatten shapes, gradients, errors, PyTorch parity."""

import numpy as np
import pytest

import numpygrad as npg
from numpygrad.nn.flatten import Flatten, Unflatten
from tests.helpers import check_op, compare_torch, torch_or_skip

X = np.random.default_rng(0).standard_normal((2, 3, 4, 5))


@pytest.mark.parametrize("start,end,shape", [(1, -1, (2, 60)), (0, -1, (120,)),
                                             (1, 2, (2, 12, 5)), (-2, -1, (2, 3, 20)),
                                             (2, 2, (2, 3, 4, 5))])
def test_flatten_shapes(start, end, shape):
    assert Flatten(start, end)(npg.array(X)).shape == shape


def test_flatten_gradients_and_torch():
    check_op(Flatten(), X)
    t = torch_or_skip()
    for dtype in (np.float32, np.float64):
        compare_torch(Flatten(1, 2), t.nn.Flatten(1, 2), X, dtype=dtype)


@pytest.mark.parametrize("dim,sizes,shape", [(1, (3, 1), (2, 3, 1, 4, 5)),
                                             (-1, (-1, 5), (2, 3, 4, 1, 5)),
                                             (2, (2, 2), (2, 3, 2, 2, 5)),
                                             (0, (1, 2), (1, 2, 3, 4, 5))])
def test_unflatten_shapes(dim, sizes, shape):
    assert Unflatten(dim, sizes)(npg.array(X)).shape == shape


def test_unflatten_inverts_flatten_and_matches_torch():
    x = npg.array(X)
    np.testing.assert_array_equal(Unflatten(1, (3, 4, 5))(Flatten()(x)).data, X)
    check_op(lambda v: Unflatten(1, (3, 20))(Flatten()(v)), X)
    t = torch_or_skip()
    compare_torch(Unflatten(2, (2, 2)), t.nn.Unflatten(2, (2, 2)), X)


def test_unflatten_errors():
    with pytest.raises(ValueError, match=r"Provided sizes \[2, 3\] don't multiply up to the "
                                         r"size of dim 1 \(3\)"):
        Unflatten(1, (2, 3))(npg.array(X))
    with pytest.raises(ValueError, match="out of range"):
        Unflatten(4, (1, 5))(npg.array(X))
    with pytest.raises(TypeError, match="unflattened_size"):
        Unflatten(1, 3)


def test_flatten_errors_and_repr():
    with pytest.raises(ValueError, match="start_dim"):
        Flatten(2, 1)(npg.array(X))
    assert repr(Flatten()) == "Flatten(start_dim=1, end_dim=-1)"
    assert "unflattened_size=(2, 2)" in repr(Unflatten(1, (2, 2)))
